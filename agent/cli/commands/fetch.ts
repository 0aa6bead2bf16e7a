// pbxctl fetch ...: fetch security (methods fetch.*): the log of recent fetches with their
// outcome, the HTTP credentials phones of each tenant use, and device token paths.
import type { FetchEntry } from '../../../provisioning/fetch-log.ts';
import type { CredentialView, TokenView } from '../../../net/http/auth-store.ts';
import type { CliIo, Command } from '../command.ts';
import { keyValues, table } from '../format.ts';
import { call, removed, TENANT, MAC } from './shared.ts';


function logTable(r: unknown, io: CliIo): void {
  io.out(table(r as FetchEntry[], [
    { header: 'TIME', get: (e) => e.at }, { header: 'IP', get: (e) => e.ip }, { header: 'VIA', get: (e) => e.transport },
    { header: 'STATUS', get: (e) => e.status }, { header: 'OUTCOME', get: (e) => e.outcome }, { header: 'PATH', get: (e) => e.path },
    { header: 'MAC', get: (e) => e.mac }, { header: 'USER', get: (e) => e.user }, { header: 'DETAIL', get: (e) => e.detail },
  ]));
}

export const fetchCommands: Command[] = [
  {
    path: ['fetch', 'log'],
    summary: 'Recent provisioning fetches (HTTP and TFTP) with their outcome, newest first',
    description: 'Outcomes: served, challenged (401, the normal first step), stale-nonce, bad-credentials, basic-refused, bad-token, token-mismatch, ua-mismatch, unknown-mac, disabled-device, not-allowed, secret-refused, not-found, rate-limited. In memory (http.auth.logSize entries); the journal keeps every refusal.',
    options: [
      { name: 'limit', type: 'int', help: 'how many (default 50)' },
      { name: 'ip', type: 'string', help: 'only this client address' },
      { name: 'mac', type: 'string', help: 'only this device' },
      { name: 'outcome', type: 'string', help: 'only this outcome, e.g. bad-credentials' },
      { name: 'failures', type: 'bool', help: 'only fetches that were not served' },
    ],
    examples: ['pbxctl fetch log', 'pbxctl fetch log --failures --limit 20', 'pbxctl fetch log --mac 805EC0123456'],
    method: 'fetch.log',
    render: logTable,
  },
  {
    path: ['fetch', 'status'],
    summary: 'Fetch security: auth mode, credentials, tokens, outcome counters, refused sources',
    examples: ['pbxctl fetch status'],
    method: 'fetch.status',
    render: (r, io) => io.out(keyValues(r as Record<string, unknown>)),
  },
  {
    path: ['fetch', 'credential', 'set'],
    summary: 'Create or change the HTTP credentials phones of a tenant use to fetch their files',
    description: 'With http.auth.mode auto (the default), setting the first credential of a tenant makes authentication required for it: phones get 401 and must answer with Digest (or Basic over HTTPS). Only Digest hashes are stored, never the password.',
    options: [
      { name: 'username', type: 'string', help: 'user name the phones send', required: true },
      { name: 'password-file', type: 'file', param: 'password', help: "file holding the password ('-' for stdin), 8-128 characters", required: true },
      { name: 'realm', type: 'string', help: 'realm (default: http.auth.realm)' },
      TENANT,
    ],
    examples: ['echo "long-secret-pw" | pbxctl fetch credential set --username phones --password-file -'],
    run: call({
      method: 'fetch.credential.set', secrets: ['password'],
      render: (r, io) => { const c = r as CredentialView; io.out(`credential set\n${keyValues({ tenant: c.tenant ?? 'default', username: c.username, realm: c.realm, updated: c.updatedAt })}`); },
    }),
  },
  {
    path: ['fetch', 'credential', 'list'],
    summary: 'List fetch credentials (user names and realms; passwords are not stored)',
    examples: ['pbxctl fetch credential list'],
    method: 'fetch.credential.list',
    render: (r, io) => io.out(table(r as CredentialView[], [
      { header: 'TENANT', get: (c) => c.tenant ?? 'default' }, { header: 'USERNAME', get: (c) => c.username },
      { header: 'REALM', get: (c) => c.realm }, { header: 'UPDATED', get: (c) => c.updatedAt },
    ])),
  },
  {
    path: ['fetch', 'credential', 'remove'],
    summary: "Remove a fetch credential (the tenant's last one: auth no longer applies in mode auto)",
    options: [{ name: 'username', type: 'string', help: 'user name', required: true }, TENANT],
    examples: ['pbxctl fetch credential remove --username phones'],
    method: 'fetch.credential.remove',
    render: removed('credential'),
  },
  {
    path: ['fetch', 'token', 'issue'],
    summary: 'Issue (or replace) a device token: the phone fetches from <base>/t/<token>/ without HTTP auth',
    description: 'For phones that cannot do HTTP authentication. The token is shown once; only its hash is stored. It is a path segment, never a query string (Fanvil drops query strings).',
    positionals: [MAC],
    examples: ['pbxctl fetch token issue 0C383E1A2B3C'],
    method: 'fetch.token.issue',
    render: (r, io) => { const t = r as { mac: string; token: string; url: string; replaced: boolean }; io.out(`${t.replaced ? 'token replaced' : 'token issued'} for ${t.mac} (shown once)\n${keyValues({ token: t.token, url: t.url })}`); },
  },
  {
    path: ['fetch', 'token', 'revoke'],
    summary: "Revoke a device's token",
    positionals: [MAC],
    examples: ['pbxctl fetch token revoke 0C383E1A2B3C'],
    method: 'fetch.token.revoke',
    render: removed('token of'),
  },
  {
    path: ['fetch', 'token', 'list'],
    summary: 'Devices that hold a token (tokens themselves are not stored)',
    examples: ['pbxctl fetch token list'],
    method: 'fetch.token.list',
    render: (r, io) => io.out(table(r as TokenView[], [
      { header: 'MAC', get: (t) => t.mac }, { header: 'TENANT', get: (t) => t.tenant }, { header: 'ISSUED', get: (t) => t.createdAt },
    ])),
  },
];

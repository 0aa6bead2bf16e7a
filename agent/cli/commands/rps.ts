// pbxctl rps ...: redirection services (RPS). Servers are vendor accounts per brand; a device
// linked to one is registered there in the background, and `rps status` shows the outcome
// ("provisioned on redirection server", the error code, the YMCS PIN). Methods rps.*.
import type { LinkView, RpsService, ServerView } from '../../../provisioning/rps/service.ts';
import type { CliIo, Command, OptionSpec } from '../command.ts';
import { keyValues, table } from '../format.ts';
import { call, compact, removed, SHOW_SECRETS, MAC } from './shared.ts';

const SERVER = { name: 'server', help: 'redirection server name (pbxctl rps server list)', required: true };
const NAME = { name: 'name', help: 'redirection server name', required: true };

function serverOptions(edit: boolean): OptionSpec[] {
  return [
    { name: 'brand', type: 'string', help: `device brand served by this account${edit ? '' : ' (default: the provider\'s: Snom, Yealink, Gigaset, Fanvil)'}` },
    { name: 'username', type: 'string', help: 'account user (YMCS: the OAuth client id)', required: !edit },
    { name: 'password', type: 'string', help: 'account password (YMCS: the client secret); visible in ps, prefer --password-file' },
    { name: 'password-file', type: 'file', param: 'password', help: "read the password from a file ('-' for stdin)" },
    { name: 'provisioning-url', type: 'string', help: "URL phones are redirected to; '{tenant}' becomes the device's tenant UUID; vendor macros ({mac}, $mac, %MACD) pass through. Empty: this node's HTTP provisioning URL" },
    { name: 'server-name', type: 'string', help: 'Yealink legacy: the server name created in the RPS portal (default pbx-agent); Gigaset: provider name' },
    { name: 'base-url', type: 'string', help: "vendor endpoint (default: the rps.<provider>Url config key, the vendor's real endpoint); '' for the default" },
    { name: 'enabled', type: 'bool', help: `register devices through this server${edit ? '' : ' (default on; --no-enabled keeps it configured but idle)'}` },
  ];
}

function serverBlock(r: unknown, io: CliIo): void {
  const s = r as ServerView;
  io.out(keyValues({
    'name': s.name, 'provider': `${s.provider} (${s.providerLabel})`, 'brand': s.brand, 'enabled': s.enabled,
    'username': s.username, 'password': s.password, 'provisioning URL': s.provisioningUrl || "(this node's HTTP provisioning URL)",
    'server name': s.serverName, 'endpoint': `${s.baseUrl}${s.baseUrlIsDefault ? ' (default)' : ''}`, 'linked devices': s.links,
    'created': s.createdAt, 'updated': s.updatedAt,
  }));
}

function provisioned(l: LinkView): string {
  if (l.provisioned) return 'yes';
  if (l.state === 'pending') return l.error ? `no (retrying: ${l.error})` : 'no (pending)';
  return l.state === 'error' ? `no (${l.error})` : 'no (changed, pending)';
}

function linkBlock(r: unknown, io: CliIo): void {
  const l = r as LinkView;
  io.out(keyValues(compact({
    'MAC': l.mac, 'tenant': l.tenant ?? undefined, 'model': l.model, 'server': `${l.server} (${l.provider})`,
    'provisioned on redirection server': provisioned(l), 'state': l.state, 'error': l.error || undefined, 'message': l.message || undefined,
    'PIN': l.pin ?? undefined, 'URL': l.url, 'MAC-ID CRC': l.crc || undefined, 'attempts': l.attempts,
    'last attempt': l.lastAttemptAt ?? undefined, 'next attempt': l.nextAttemptAt ?? undefined,
    'registered URL': l.registeredUrl || undefined, 'registered at': l.registeredAt ?? undefined,
  })));
}

export const rpsCommands: Command[] = [
  {
    path: ['rps', 'providers'],
    summary: 'List the redirection services pbx-agent can register phones with',
    examples: ['pbxctl rps providers'],
    method: 'rps.providers',
    render: (r, io) => io.out(table(r as ReturnType<RpsService['providers']>, [
      { header: 'PROVIDER', get: (p) => p.id }, { header: 'BRAND', get: (p) => p.brand }, { header: 'SERVICE', get: (p) => p.label },
      { header: 'ENDPOINT', get: (p) => p.defaultBaseUrl },
    ])),
  },
  {
    path: ['rps', 'server', 'add'],
    summary: 'Add a redirection server: a vendor account (Snom, Yealink, YMCS, Gigaset, Fanvil) devices of its brand are registered with',
    positionals: [NAME],
    options: [{ name: 'provider', type: 'string', help: 'snom, yealink (legacy XML-RPC), ymcs (Yealink cloud, OAuth2), gigaset or fanvil', required: true }, ...serverOptions(false)],
    examples: [
      'pbxctl rps server add snom-main --provider snom --username acme --password-file /root/snom.pw --provisioning-url https://pbx.example.com/provisioning/',
      'pbxctl rps server add yealink-cloud --provider ymcs --username CLIENT_ID --password-file /root/ymcs.secret',
      "printf '%s' \"$PW\" | pbxctl rps server add gigaset --provider gigaset --username acme --password-file -",
    ],
    run: call({ method: 'rps.server.add', secrets: ['password'], render: (r, io) => { io.out('redirection server added\n'); serverBlock(r, io); } }),
  },
  {
    path: ['rps', 'server', 'list'],
    summary: 'List redirection servers (passwords masked unless --show-secrets)',
    options: [SHOW_SECRETS],
    examples: ['pbxctl rps server list'],
    method: 'rps.server.list',
    render: (r, io) => io.out(table(r as ServerView[], [
      { header: 'NAME', get: (s) => s.name }, { header: 'PROVIDER', get: (s) => s.provider }, { header: 'BRAND', get: (s) => s.brand },
      { header: 'ENABLED', get: (s) => s.enabled }, { header: 'USERNAME', get: (s) => s.username }, { header: 'PASSWORD', get: (s) => s.password },
      { header: 'DEVICES', get: (s) => s.links }, { header: 'PROVISIONING URL', get: (s) => s.provisioningUrl || '(node default)' },
    ])),
  },
  {
    path: ['rps', 'server', 'show'],
    summary: 'Show a redirection server',
    positionals: [NAME],
    options: [SHOW_SECRETS],
    examples: ['pbxctl rps server show snom-main', 'pbxctl rps server show snom-main --show-secrets'],
    method: 'rps.server.show',
    render: serverBlock,
  },
  {
    path: ['rps', 'server', 'edit'],
    summary: 'Change a redirection server; linked devices are registered again with the new settings',
    positionals: [NAME],
    options: [{ name: 'new-name', type: 'string', help: 'rename the server' }, ...serverOptions(true)],
    examples: ['pbxctl rps server edit snom-main --provisioning-url https://pbx2.example.com/provisioning/', 'pbxctl rps server edit snom-main --password-file -', 'pbxctl rps server edit snom-main --no-enabled'],
    run: call({ method: 'rps.server.update', secrets: ['password'], render: serverBlock }),
  },
  {
    path: ['rps', 'server', 'remove'],
    summary: 'Remove a redirection server that has no linked devices',
    positionals: [NAME],
    examples: ['pbxctl rps server remove snom-old'],
    method: 'rps.server.remove',
    render: removed('redirection server'),
  },
  {
    path: ['rps', 'link'],
    summary: 'Link a device to a redirection server of its brand; it is registered there in the background',
    positionals: [MAC, SERVER],
    options: [
      { name: 'crc', type: 'string', help: 'Gigaset: the 4 characters after the dash of the MAC-ID on the label (AABBCCDDEEFF-XXXX)' },
      { name: 'url', type: 'string', help: "this device's provisioning URL instead of the server's" },
    ],
    examples: ['pbxctl rps link 00:04:13:AA:BB:CC snom-main', 'pbxctl rps link 7C2F80AABBCC gigaset --crc 3F9K', 'pbxctl rps status 00:04:13:AA:BB:CC'],
    method: 'rps.link',
    render: (r, io) => { io.out('linked; registration queued (pbxctl rps status MAC shows the outcome)\n'); linkBlock(r, io); },
  },
  {
    path: ['rps', 'unlink'],
    summary: 'Unlink a device from its redirection server (--deregister also removes it at the vendor)',
    positionals: [MAC],
    options: [{ name: 'deregister', type: 'bool', help: 'deregister the MAC at the vendor first (the link stays if that fails)' }],
    examples: ['pbxctl rps unlink 00:04:13:AA:BB:CC', 'pbxctl rps unlink 00:04:13:AA:BB:CC --deregister'],
    method: 'rps.unlink',
    render: (r, io) => {
      const x = r as { unlinked: string; deregistered: boolean };
      io.out(`unlinked ${x.unlinked}${x.deregistered ? ' (deregistered at the vendor)' : ' (the vendor keeps its registration)'}\n`);
    },
  },
  {
    path: ['rps', 'status'],
    summary: 'Registration outcome of one device, or of every linked device: provisioned yes/no, error, PIN, attempts',
    positionals: [{ name: 'mac', help: 'device MAC (default: all linked devices)' }],
    examples: ['pbxctl rps status', 'pbxctl rps status 00:04:13:AA:BB:CC', 'pbxctl rps status --json'],
    method: 'rps.status',
    render: (r, io) => {
      if (!Array.isArray(r)) return linkBlock(r, io);
      io.out(table(r as LinkView[], [
        { header: 'MAC', get: (l) => l.mac }, { header: 'SERVER', get: (l) => l.server }, { header: 'PROVISIONED', get: provisioned },
        { header: 'ATTEMPTS', get: (l) => l.attempts }, { header: 'PIN', get: (l) => l.pin }, { header: 'LAST ATTEMPT', get: (l) => l.lastAttemptAt },
        { header: 'NEXT', get: (l) => l.nextAttemptAt },
      ]));
    },
  },
  {
    path: ['rps', 'retry'],
    summary: 'Register a device again now (after an error, or to re-send the same URL)',
    positionals: [MAC],
    examples: ['pbxctl rps retry 00:04:13:AA:BB:CC'],
    method: 'rps.retry',
    render: (r, io) => { io.out('queued\n'); linkBlock(r, io); },
  },
];

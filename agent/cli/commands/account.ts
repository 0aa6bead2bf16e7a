// pbxctl account ...: the SIP accounts (extensions) devices are linked to (methods account.*).
import type { AccountView } from '../../../provisioning/service.ts';
import type { CliIo, Command, OptionSpec } from '../command.ts';
import { keyValues, table } from '../format.ts';
import { call, compact, SHOW_SECRETS, TENANT } from './shared.ts';

const ACCOUNT = { name: 'account', help: 'account: SIP user name or id', required: true };

const FIELDS: OptionSpec[] = [
  { name: 'sip-password', type: 'string', param: 'password', help: 'SIP password (%%SIPPASSWORD%%); visible in ps, prefer --sip-password-file' },
  { name: 'sip-password-file', type: 'file', param: 'password', help: "read the SIP password from a file ('-' for stdin)" },
  { name: 'auth-user', type: 'string', help: 'SIP authentication user, if not the user name (%%AUTHUSER%%)' },
  { name: 'extension', type: 'string', help: 'extension number (%%EXTENSION%%)' },
  { name: 'display-name', type: 'string', help: 'name shown on the phone (%%DISPLAYNAME%%)' },
  { name: 'first-name', type: 'string', help: 'first name of the user (%%FIRSTNAME%%)' },
  { name: 'last-name', type: 'string', help: 'last name of the user (%%LASTNAME%%)' },
  { name: 'voicemail', type: 'string', help: 'voicemail access number (%%VOICEMAIL%%)' },
  { name: 'transport', type: 'string', help: 'SIP transport: udp, tcp or tls (default udp)' },
];

function block(r: unknown, io: CliIo): void {
  const a = r as AccountView;
  io.out(keyValues(compact({
    'id': a.id, 'tenant': a.tenant ?? undefined, 'username': a.username, 'password': a.password, 'auth user': a.authUser,
    'extension': a.extension, 'display name': a.displayName, 'first name': a.firstName, 'last name': a.lastName,
    'voicemail': a.voicemail, 'transport': a.transport, 'devices': a.devices, 'created': a.createdAt, 'updated': a.updatedAt,
  })));
}

export const accountCommands: Command[] = [
  {
    path: ['account', 'add'],
    summary: 'Add a SIP account (user name, password, extension, names) to link devices to',
    positionals: [{ name: 'username', help: 'SIP user name (%%SIPUSERNAME%%), e.g. 201', required: true }],
    options: [TENANT, ...FIELDS],
    examples: [
      'pbxctl account add 201 --extension 201 --display-name "Mario Rossi" --sip-password-file /root/201.pw',
      "read -rs PW; printf '%s' \"$PW\" | pbxctl account add 202 --extension 202 --sip-password-file -",
    ],
    run: call({ method: 'account.add', secrets: ['password'], render: (r, io) => { io.out('account added\n'); block(r, io); } }),
  },
  {
    path: ['account', 'list'],
    summary: 'List SIP accounts with their extension and linked devices',
    options: [TENANT, SHOW_SECRETS],
    examples: ['pbxctl account list', 'pbxctl account list --tenant 3f2b8c1e-9a4d-4c6b-8e2f-0a1b2c3d4e5f'],
    method: 'account.list',
    render: (r, io) => {
      const rows = r as AccountView[];
      io.out(table(rows, [
        { header: 'ID', get: (a) => a.id },
        ...(rows.some((a) => a.tenant) ? [{ header: 'TENANT', get: (a: AccountView) => a.tenant }] : []),
        { header: 'USERNAME', get: (a) => a.username }, { header: 'EXT', get: (a) => a.extension },
        { header: 'DISPLAY NAME', get: (a) => a.displayName }, { header: 'TRANSPORT', get: (a) => a.transport },
        { header: 'PASSWORD', get: (a) => a.password }, { header: 'DEVICES', get: (a) => a.devices },
      ]));
    },
  },
  {
    path: ['account', 'show'],
    summary: 'Show one SIP account',
    positionals: [ACCOUNT],
    options: [TENANT, SHOW_SECRETS],
    examples: ['pbxctl account show 201', 'pbxctl account show 201 --show-secrets'],
    method: 'account.show',
    render: block,
  },
  {
    path: ['account', 'edit'],
    summary: 'Change a SIP account: only the options given change',
    positionals: [ACCOUNT],
    options: [TENANT, { name: 'username', type: 'string', help: 'new SIP user name' }, ...FIELDS],
    examples: ['pbxctl account edit 201 --display-name "Anna Bianchi"', 'pbxctl account edit 201 --sip-password-file -'],
    run: call({ method: 'account.update', secrets: ['password'], render: block }),
  },
  {
    path: ['account', 'remove'],
    summary: 'Remove a SIP account; its devices are disabled',
    positionals: [ACCOUNT],
    options: [TENANT],
    examples: ['pbxctl account remove 201'],
    method: 'account.remove',
    render: (r, io) => {
      const x = r as { removed: string; disabledDevices: string[] };
      io.out(`removed account ${x.removed}\n`);
      if (x.disabledDevices.length) io.out(`disabled devices (no account now): ${x.disabledDevices.join(', ')}\n`);
    },
  },
];

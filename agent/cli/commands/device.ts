// pbxctl device ...: the phones the node provisions, by MAC (methods device.*).
import type { AccountView, DeviceView } from '../../../provisioning/service.ts';
import type { DevicePreview } from '../../../provisioning/resolver.ts';
import type { LinkView } from '../../../provisioning/rps/service.ts';
import type { CliIo, Command, OptionSpec } from '../command.ts';
import { PbxError } from '../../errors.ts';
import { cell, keyValues, table } from '../format.ts';
import { EXIT_OK } from '../run.ts';
import { call, compact, firstLine, MAC, removed, SHOW_SECRETS, TENANT, warn } from './shared.ts';

/** Everything a device add or edit can set, named the way an installer thinks. */
function fieldOptions(edit: boolean): OptionSpec[] {
  const clear = edit ? "; 'none' to clear" : '';
  return [
    { name: 'model', type: 'string', help: 'model: Brand/Model (e.g. Yealink/T4x-T5x), a model name, or an id', required: !edit },
    { name: 'brand', type: 'string', help: 'brand of --model, when --model is only the model name' },
    { name: 'template', type: 'string', help: `template name or id (default: the model's default template)${clear}` },
    { name: 'account', type: 'string', help: `SIP account: user name or id; without one the device is disabled and gets no file${clear}` },
    { name: 'enabled', type: 'bool', help: `serve the device's files (--no-enabled keeps the device but serves nothing)${edit ? '' : '; default on'}` },
    { name: 'notes', type: 'string', help: 'free text about the device (desk, owner, ...)' },
    { name: 'dhcp', type: 'bool', help: `phone takes its address by DHCP (%%IPADDRMODE%% on); --no-dhcp needs --ip and --netmask${edit ? '' : '; default on'}` },
    { name: 'ip', type: 'string', help: 'static IPv4 address of the phone (%%IPADDR%%)' },
    { name: 'netmask', type: 'string', help: 'netmask, e.g. 255.255.255.0 (%%IPNETMASK%%)' },
    { name: 'gateway', type: 'string', help: 'default gateway (%%IPGATEWAY%%)' },
    { name: 'dns1', type: 'string', help: 'primary DNS server (%%IPDNS1%%)' },
    { name: 'dns2', type: 'string', help: 'secondary DNS server (%%IPDNS2%%)' },
    { name: 'phone-username', type: 'string', help: 'phone web/admin user name (%%PHONEUSERNAME%%)' },
    { name: 'phone-password', type: 'string', help: 'phone web/admin password (%%PHONEPASSWORD%%); visible in ps, prefer --phone-password-file' },
    { name: 'phone-password-file', type: 'file', param: 'phonePassword', help: "read the phone admin password from a file ('-' for stdin)" },
    { name: 'remote-address', type: 'string', help: "IPv4 of the phone's web interface for remote control (empty: its SIP registration address)" },
    edit
      ? { name: 'remote-port', type: 'string', help: "port of the phone's web interface, 1-65535; '' to clear" }
      : { name: 'remote-port', type: 'int', help: "port of the phone's web interface, 1-65535" },
  ];
}

function templateLabel(d: DeviceView): string {
  if (d.template) return d.template.name;
  return d.effectiveTemplate ? `${d.effectiveTemplate.name} (model default)` : '';
}

function network(d: DeviceView): string {
  if (d.dhcp) return 'dhcp';
  return `static ${d.ip}/${d.netmask}`;
}

function servedLabel(d: { served: boolean; reason?: string; detail?: string }): string {
  return d.served ? 'yes' : `no: ${d.detail ?? d.reason ?? ''}`;
}

export function deviceBlock(d: DeviceView): string {
  const seen = d.lastSeen;
  let s = keyValues(compact({
    'MAC': d.mac,
    'tenant': d.tenant ?? undefined,
    'enabled': d.enabled,
    'served': servedLabel(d.status),
    'model': d.model,
    'template': templateLabel(d),
    'account': d.account ? `${d.account.username} (id ${d.account.id})` : 'none',
    'notes': d.notes,
    'dhcp': d.dhcp,
    'ip': d.ip, 'netmask': d.netmask, 'gateway': d.gateway, 'dns1': d.dns1, 'dns2': d.dns2,
    'phone username': d.phoneUsername,
    'phone password': d.phonePassword,
    'remote address': d.remoteAddress,
    'remote port': d.remotePort,
    'files': d.files,
    'last fetch': seen ? `${seen.at} ${seen.file} via ${seen.transport} from ${seen.ip}${seen.userAgent ? ` (${seen.userAgent})` : ''}` : 'never (since the daemon started)',
    'created': d.createdAt,
    'updated': d.updatedAt,
  }));
  if (d.placeholders?.length) {
    s += 'placeholders:\n' + d.placeholders.map((p) => `  %%${p.name}%% = ${cell(p.value)}${p.kind === 'dynamic' ? ' (dynamic)' : ''}\n`).join('');
  }
  return s;
}

function showDevice(r: unknown, io: CliIo): void {
  const d = r as DeviceView;
  io.out(deviceBlock(d));
  warn(io, d.warnings);
}

function previewText(p: DevicePreview): string {
  let s = `device ${p.mac}${p.tenant ? ` (tenant ${p.tenant})` : ''}: ${p.model}, ${p.served ? 'served' : `NOT served (${p.reason ?? ''}): ${p.detail ?? ''}`}\n`;
  for (const w of p.warnings) s += `warning: ${w}\n`;
  if (p.files.length === 0) s += '(no files)\n';
  for (const f of p.files) {
    s += `\n=== ${f.name}  (${f.size} bytes, ${f.kind} file, rule '${f.rule}', ${f.contentType})\n`;
    s += `    http: ${f.urls.http}\n    tftp: ${f.urls.tftp}\n`;
    for (const w of f.warnings) s += `    warning: ${w}\n`;
    s += '---\n' + f.content + (f.content.endsWith('\n') || f.content === '' ? '' : '\n') + '---\n';
  }
  return s;
}

export const deviceCommands: Command[] = [
  {
    path: ['device', 'add'],
    summary: 'Register a phone by MAC: model, template, SIP account, network settings',
    description: 'A device without --account is stored disabled and gets no file. Without --template it uses its\nmodel\'s default template. Secrets: --phone-password-file FILE (or - for stdin) keeps them out of ps.',
    positionals: [MAC],
    options: [TENANT, ...fieldOptions(false)],
    examples: [
      'pbxctl device add 00:15:65:AA:BB:CC --model Yealink/T4x-T5x --account 201 --notes "reception desk"',
      'pbxctl device add 0004F2123456 --model Polycom/VVX --account 202 --no-dhcp --ip 10.0.0.50 --netmask 255.255.255.0 --gateway 10.0.0.1',
    ],
    run: call({ method: 'device.add', secrets: ['phonePassword'], render: (r, io) => { io.out(`device added\n`); showDevice(r, io); } }),
  },
  {
    path: ['device', 'list'],
    summary: 'List devices: MAC, enabled, model, template, account, network, notes',
    options: [TENANT, SHOW_SECRETS],
    examples: ['pbxctl device list', 'pbxctl device list --json | jq -r \'.[] | select(.status.served == false) | .mac\''],
    run: async ({ client, io, params }) => {
      const devices = await client.call<DeviceView[]>('device.list', params);
      if (io.json) { io.out(JSON.stringify(devices, null, 2) + '\n'); return EXIT_OK; }
      // The device view names the account but not its extension; one more call fills it in.
      const ext = new Map<number, string>();
      if (devices.some((d) => d.account)) {
        try {
          const accounts = await client.call<AccountView[]>('account.list', params.tenant === undefined ? {} : { tenant: params.tenant });
          for (const a of accounts) ext.set(a.id, a.extension);
        } catch { /* the extension column stays empty */ }
      }
      const tenants = devices.some((d) => d.tenant);
      io.out(table(devices, [
        { header: 'MAC', get: (d) => d.mac },
        ...(tenants ? [{ header: 'TENANT', get: (d: DeviceView) => d.tenant }] : []),
        { header: 'ENABLED', get: (d) => d.enabled },
        { header: 'SERVED', get: (d) => (d.status.served ? 'yes' : d.status.reason) },
        { header: 'MODEL', get: (d) => d.model },
        { header: 'TEMPLATE', get: (d) => templateLabel(d) },
        { header: 'ACCOUNT', get: (d) => d.account?.username },
        { header: 'EXT', get: (d) => (d.account ? ext.get(d.account.id) : undefined) },
        { header: 'NETWORK', get: (d) => network(d) },
        { header: 'NOTES', get: (d) => firstLine(d.notes) },
      ]));
      return EXIT_OK;
    },
  },
  {
    path: ['device', 'show'],
    summary: 'Show one device: settings, served or why not, file names, last fetch',
    positionals: [MAC],
    options: [SHOW_SECRETS],
    examples: ['pbxctl device show 00:15:65:AA:BB:CC', 'pbxctl device show 001565aabbcc --show-secrets'],
    // The redirection-server outcome lives with RPS (node-local, not replicated): asked
    // separately, and a device never linked to a redirection server simply has no such line.
    run: async ({ client, io, params }) => {
      const d = await client.call<DeviceView>('device.show', params);
      const rps = await client.call<LinkView>('rps.status', { mac: d.mac }).catch(() => undefined);
      if (io.json) { io.out(JSON.stringify(rps ? { ...d, redirection: rps } : d, null, 2) + '\n'); return EXIT_OK; }
      showDevice(d, io);
      if (rps) {
        io.out(keyValues({
          'redirection server': `${rps.server} (${rps.provider})`,
          'provisioned on redirection server': rps.provisioned ? 'yes' : `no${rps.state === 'pending' ? ' (pending)' : ''}`,
          ...(rps.error ? { 'redirection error': `${rps.error}${rps.message ? `: ${rps.message}` : ''}` } : {}),
          ...(rps.pin ? { 'YMCS PIN': rps.pin } : {}),
        }));
      }
      return EXIT_OK;
    },
  },
  {
    path: ['device', 'edit'],
    summary: 'Change a device: only the options given change',
    description: "Changing --model without --template switches to the new model's default template.",
    positionals: [MAC],
    options: [{ name: 'new-mac', type: 'string', help: 'replace the MAC (the phone was swapped)' }, ...fieldOptions(true)],
    examples: [
      'pbxctl device edit 00:15:65:AA:BB:CC --account 205 --notes "room 12"',
      'pbxctl device edit 001565aabbcc --no-enabled',
      'pbxctl device edit 001565aabbcc --template none   # back to the model default',
    ],
    run: call({ method: 'device.update', secrets: ['phonePassword'], render: showDevice }),
  },
  {
    path: ['device', 'remove'],
    summary: 'Remove a device (and its own placeholders)',
    positionals: [MAC],
    examples: ['pbxctl device remove 00:15:65:AA:BB:CC'],
    method: 'device.remove',
    render: removed('device'),
  },
  {
    path: ['device', 'preview'],
    summary: "Render a device's files as the phone would get them, with names, sizes, URLs, warnings",
    description: 'Renders strictly: a template that would not render is an error (exit 6). Secrets are masked\nunless --show-secrets. --file NAME prints that one file raw (to diff or save it).',
    positionals: [MAC],
    options: [
      { name: 'file', type: 'string', help: 'print only this file, raw, e.g. 001565aabbcc.cfg' },
      SHOW_SECRETS,
      { name: 'http-base-url', type: 'string', help: 'HTTP base URL to show instead of the configured one' },
      { name: 'tftp-base-url', type: 'string', help: 'TFTP base URL to show instead of the configured one' },
    ],
    examples: ['pbxctl device preview 00:15:65:AA:BB:CC', 'pbxctl device preview 001565aabbcc --file 001565aabbcc.cfg > phone.cfg'],
    run: async ({ client, io, params }) => {
      const { file, ...rest } = params;
      const p = await client.call<DevicePreview>('device.preview', rest);
      if (typeof file !== 'string') {
        io.out(io.json ? JSON.stringify(p, null, 2) + '\n' : previewText(p));
        return EXIT_OK;
      }
      const f = p.files.find((x) => x.name === file) ?? p.files.find((x) => x.name.toLowerCase() === file.toLowerCase());
      if (!f) {
        // Reported by the dispatcher like any daemon error (exit 4, the error document with --json).
        throw new PbxError('PBX_ERR_NOT_FOUND', `device ${p.mac} has no file '${file}'; its files: ${p.files.map((x) => x.name).join(', ') || 'none'}`);
      }
      if (io.json) { io.out(JSON.stringify(f, null, 2) + '\n'); return EXIT_OK; }
      if (!p.served) io.err(`warning: device ${p.mac} is not served: ${p.detail ?? p.reason ?? ''}\n`);
      for (const w of f.warnings) io.err(`warning: ${w}\n`);
      io.out(f.content);
      return EXIT_OK;
    },
  },
];

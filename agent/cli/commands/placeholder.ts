// pbxctl placeholder ...: custom placeholders %%_NAME%% (static text or a node attribute, global
// or per device), and the catalogue of built-in ones (methods placeholder.*).
import type { CatalogueEntry } from '../../../provisioning/placeholders.ts';
import type { PlaceholderView } from '../../../provisioning/service.ts';
import type { CliIo, Command, OptionSpec } from '../command.ts';
import { keyValues, table } from '../format.ts';
import { call, SHOW_SECRETS } from './shared.ts';

const NAME = { name: 'name', help: 'placeholder name: _NAME, NAME or %%_NAME%%', required: true };
const DEVICE: OptionSpec = { name: 'device', type: 'string', help: "MAC of the device the placeholder belongs to (default: global, for every file)" };

function fields(edit: boolean): OptionSpec[] {
  return [
    { name: 'value', type: 'string', help: 'static: the text to substitute; dynamic: iface:<interface>, e.g. iface:eth0.100 (its IPv4)' },
    { name: 'value-file', type: 'file', param: 'value', help: "read the value from a file ('-' for stdin), for secret values" },
    { name: 'kind', type: 'string', help: `static or dynamic${edit ? '' : ' (default static)'}` },
    { name: 'secret', type: 'bool', help: 'mask the value in listings and previews (--no-secret to unmark)' },
    { name: 'description', type: 'string', help: 'what it is for' },
  ];
}

function block(r: unknown, io: CliIo): void {
  const p = r as PlaceholderView;
  io.out(keyValues({
    'id': p.id, 'placeholder': p.token, 'kind': p.kind, 'value': p.value, 'secret': p.secret, 'description': p.description,
    'device': p.device ?? 'global', 'used by templates': p.usedBy, 'updated': p.updatedAt,
  }));
}

export const placeholderCommands: Command[] = [
  {
    path: ['placeholder', 'catalogue'],
    summary: 'List the built-in placeholders (%%NAME%%) templates can use, with their meaning',
    options: [{ name: 'group', type: 'string', help: 'only this group: pbx, time, provisioning, phone, mac, account' }],
    examples: ['pbxctl placeholder catalogue', 'pbxctl placeholder catalogue --group account'],
    run: call({
      method: 'placeholder.catalogue', local: ['group'],
      render: (r, io, params) => {
        const rows = (r as CatalogueEntry[]).filter((e) => params.group === undefined || e.group === params.group);
        io.out(table(rows, [
          { header: 'PLACEHOLDER', get: (e) => `%%${e.name}%%` }, { header: 'GROUP', get: (e) => e.group },
          { header: 'FILES', get: (e) => (e.scope === 'common' ? 'all' : 'device') }, { header: 'SECRET', get: (e) => (e.secret ? 'yes' : '') },
          { header: 'MEANING', get: (e) => e.description },
        ]));
        if (params.group === undefined) io.out('\nCustom placeholders (%%_NAME%%): pbxctl placeholder list\n');
      },
    }),
  },
  {
    path: ['placeholder', 'add'],
    summary: 'Add a custom placeholder %%_NAME%%: static text, or a node attribute (iface:eth0.100)',
    positionals: [NAME],
    options: [DEVICE, ...fields(false)],
    examples: [
      'pbxctl placeholder add _VLANIP --kind dynamic --value iface:eth0.100 --description "PBX address on the voice VLAN"',
      'pbxctl placeholder add _ADMINPW --secret --value-file /root/phone-admin.pw',
    ],
    run: call({ method: 'placeholder.add', secrets: ['value'], render: (r, io) => { io.out('placeholder added\n'); block(r, io); } }),
  },
  {
    path: ['placeholder', 'list'],
    summary: 'List custom placeholders (global, or one device\'s) and the templates using them',
    options: [DEVICE, SHOW_SECRETS],
    examples: ['pbxctl placeholder list', 'pbxctl placeholder list --device 00:15:65:AA:BB:CC'],
    method: 'placeholder.list',
    render: (r, io) => io.out(table(r as PlaceholderView[], [
      { header: 'PLACEHOLDER', get: (p) => p.token }, { header: 'KIND', get: (p) => p.kind }, { header: 'VALUE', get: (p) => p.value },
      { header: 'DEVICE', get: (p) => p.device ?? 'global' }, { header: 'USED BY', get: (p) => p.usedBy },
      { header: 'DESCRIPTION', get: (p) => p.description },
    ])),
  },
  {
    path: ['placeholder', 'show'],
    summary: 'Show a custom placeholder',
    positionals: [NAME],
    options: [DEVICE, SHOW_SECRETS],
    examples: ['pbxctl placeholder show _VLANIP'],
    method: 'placeholder.show',
    render: block,
  },
  {
    path: ['placeholder', 'edit'],
    summary: 'Change a custom placeholder\'s kind, value, secret flag or description',
    positionals: [NAME],
    options: [DEVICE, ...fields(true)],
    examples: ['pbxctl placeholder edit _VLANIP --value iface:eth0.200', 'pbxctl placeholder edit _ADMINPW --value-file -'],
    run: call({ method: 'placeholder.update', secrets: ['value'], render: block }),
  },
  {
    path: ['placeholder', 'remove'],
    summary: 'Remove a custom placeholder (templates still using it then render it empty)',
    positionals: [NAME],
    options: [DEVICE],
    examples: ['pbxctl placeholder remove _VLANIP'],
    method: 'placeholder.remove',
    render: (r, io) => {
      const x = r as { removed: string; usedBy: string[] };
      io.out(`removed placeholder ${x.removed}\n`);
      if (x.usedBy.length) io.err(`warning: still used by templates ${x.usedBy.join(', ')}: phones get it empty and previews fail until they are fixed\n`);
    },
  },
];

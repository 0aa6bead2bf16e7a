// pbxctl rule ...: file-name rules, i.e. which file names a model's phones ask for (methods rule.*).
// A name is prefix + MAC (in one of the formats) + suffix; MAC format 'none' makes a common file.
import type { RuleView } from '../../../provisioning/service.ts';
import { MAC_FORMATS } from '../../../provisioning/types.ts';
import type { CliIo, Command, OptionSpec } from '../command.ts';
import { keyValues, table } from '../format.ts';
import { MODEL_FILTER, MODEL_REQUIRED, origin, removed } from './shared.ts';

const ID = { name: 'id', help: 'rule id (see `pbxctl rule list`)', required: true };

function fields(edit: boolean): OptionSpec[] {
  const clear = edit ? "; 'none' to clear" : '';
  return [
    { name: 'prefix', type: 'string', help: 'text before the MAC, e.g. cfg or snomD785-' },
    { name: 'mac-format', type: 'string', required: !edit, help: `how the MAC is spelled: ${MAC_FORMATS.join(', ')} (none: a common file, no MAC)` },
    { name: 'suffix', type: 'string', help: 'text after the MAC, e.g. .cfg or .xml' },
    { name: 'template', type: 'string', help: `template for this file (default: the device's own template; required for mac-format none)${clear}` },
    { name: 'content-type', type: 'string', help: `HTTP content type, e.g. application/xml (default: from the extension)${clear}` },
  ];
}

function block(r: unknown, io: CliIo): void {
  const x = r as RuleView;
  io.out(keyValues({
    'id': x.id, 'name': x.name, 'model': x.model, 'kind': x.kind, 'prefix': x.prefix, 'mac format': x.macFormat, 'suffix': x.suffix,
    'example': x.example, 'template': x.template ? x.template.name : "the device's template", 'content type': x.contentType ?? 'from the extension',
    'origin': origin(x), 'updated': x.updatedAt,
  }));
}

export const ruleCommands: Command[] = [
  {
    path: ['rule', 'add'],
    summary: 'Add a file-name rule to a model: prefix + MAC in a format + suffix',
    positionals: [{ name: 'name', help: 'rule name, e.g. mac.cfg', required: true }],
    options: [...MODEL_REQUIRED, ...fields(false)],
    examples: [
      'pbxctl rule add cfgmac.xml --model Acme/X100 --prefix cfg --mac-format lower --suffix .xml',
      'pbxctl rule add common --model Acme/X100 --prefix acme-common --mac-format none --suffix .cfg --template "Acme common"',
    ],
    method: 'rule.add',
    render: (r, io) => { io.out('rule added\n'); block(r, io); },
  },
  {
    path: ['rule', 'list'],
    summary: 'List file-name rules with an example file name for each',
    options: [...MODEL_FILTER],
    examples: ['pbxctl rule list', 'pbxctl rule list --model Snom/D7xx'],
    method: 'rule.list',
    render: (r, io) => io.out(table(r as RuleView[], [
      { header: 'ID', get: (x) => x.id }, { header: 'MODEL', get: (x) => x.model }, { header: 'NAME', get: (x) => x.name },
      { header: 'EXAMPLE', get: (x) => x.example }, { header: 'KIND', get: (x) => x.kind },
      { header: 'TEMPLATE', get: (x) => (x.template ? x.template.name : "device's") }, { header: 'ORIGIN', get: (x) => origin(x) },
    ])),
  },
  {
    path: ['rule', 'show'],
    summary: 'Show a file-name rule',
    positionals: [ID],
    examples: ['pbxctl rule show 4'],
    method: 'rule.show',
    render: block,
  },
  {
    path: ['rule', 'edit'],
    summary: 'Change a file-name rule: only the options given change',
    positionals: [ID],
    options: [{ name: 'name', type: 'string', help: 'new rule name' }, ...fields(true)],
    examples: ['pbxctl rule edit 4 --mac-format upper', 'pbxctl rule edit 4 --content-type none'],
    method: 'rule.update',
    render: block,
  },
  {
    path: ['rule', 'remove'],
    summary: 'Remove a file-name rule (not built-in ones)',
    positionals: [ID],
    examples: ['pbxctl rule remove 12'],
    method: 'rule.remove',
    render: removed('rule'),
  },
];

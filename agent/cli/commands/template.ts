// pbxctl template ...: the configuration templates, one model each (methods template.*).
import type { TemplateView } from '../../../provisioning/service.ts';
import type { CliIo, Command } from '../command.ts';
import { keyValues, table } from '../format.ts';
import { call, MODEL_FILTER, MODEL_REQUIRED, origin, removed } from './shared.ts';

const TEMPLATE = { name: 'template', help: 'template name or id', required: true };
const FORMAT = { name: 'format', type: 'string', help: "how values are escaped: xml or text (default: xml when the body starts with '<?xml')" } as const;

function meta(t: TemplateView): Record<string, unknown> {
  return {
    'id': t.id, 'name': t.name, 'model': t.model, 'format': t.format, 'origin': origin(t), 'size': `${t.size} bytes`,
    'placeholders': t.placeholders.map((p) => `%%${p}%%`), 'updated': t.updatedAt,
    ...(t.usedBy ? { 'used by': `${t.usedBy.devices} device(s); rules: ${t.usedBy.rules.join(', ') || '-'}; default of: ${t.usedBy.models.join(', ') || '-'}` } : {}),
  };
}

function block(r: unknown, io: CliIo): void {
  const t = r as TemplateView;
  io.out(keyValues(meta(t)));
  if (t.body !== undefined) io.out(`--- body\n${t.body}${t.body.endsWith('\n') || t.body === '' ? '' : '\n'}---\n`);
}

export const templateCommands: Command[] = [
  {
    path: ['template', 'add'],
    summary: 'Add a template for a model from a file (checked before it is saved)',
    description: 'Placeholders are written %%NAME%% (built-in, see `pbxctl placeholder catalogue`) or %%_NAME%%\n(custom). An unknown placeholder is refused with its line (exit 6).',
    positionals: [{ name: 'name', help: 'template name, e.g. "Yealink office"', required: true }],
    options: [
      ...MODEL_REQUIRED,
      { name: 'body-file', type: 'file', param: 'body', help: "the template text ('-' for stdin)", required: true },
      FORMAT,
    ],
    examples: ['pbxctl template add "Yealink office" --model Yealink/T4x-T5x --body-file yealink-office.cfg'],
    method: 'template.add',
    render: (r, io) => { io.out('template added\n'); io.out(keyValues(meta(r as TemplateView))); },
  },
  {
    path: ['template', 'list'],
    summary: 'List templates with their model, format and size',
    options: [...MODEL_FILTER],
    examples: ['pbxctl template list', 'pbxctl template list --model Yealink/T4x-T5x'],
    method: 'template.list',
    render: (r, io) => io.out(table(r as TemplateView[], [
      { header: 'ID', get: (t) => t.id }, { header: 'NAME', get: (t) => t.name }, { header: 'MODEL', get: (t) => t.model },
      { header: 'FORMAT', get: (t) => t.format }, { header: 'SIZE', get: (t) => t.size }, { header: 'ORIGIN', get: (t) => origin(t) },
      { header: 'UPDATED', get: (t) => t.updatedAt },
    ])),
  },
  {
    path: ['template', 'show'],
    summary: 'Show a template: model, placeholders, what uses it, and its body',
    positionals: [TEMPLATE],
    options: [{ name: 'raw', type: 'bool', help: 'print only the body, exactly as stored (to edit it and load it back)' }],
    examples: ['pbxctl template show "Yealink T4x-T5x"', 'pbxctl template show 3 --raw > t.cfg && vi t.cfg && pbxctl template edit 3 --body-file t.cfg'],
    run: call({
      method: 'template.show', local: ['raw'],
      render: (r, io, params) => {
        if (params.raw === true) io.out((r as TemplateView).body ?? '');
        else block(r, io);
      },
    }),
  },
  {
    path: ['template', 'edit'],
    summary: 'Change a template: new body from a file, new name or format (checked before saving)',
    positionals: [TEMPLATE],
    options: [
      { name: 'body-file', type: 'file', param: 'body', help: "new template text ('-' for stdin)" },
      { name: 'name', type: 'string', help: 'new name' },
      FORMAT,
    ],
    examples: ['pbxctl template edit "Yealink office" --body-file yealink-office.cfg', 'pbxctl template edit 7 --name "Yealink lobby"'],
    method: 'template.update',
    render: (r, io) => { io.out('template updated\n'); io.out(keyValues(meta(r as TemplateView))); },
  },
  {
    path: ['template', 'copy'],
    summary: 'Copy a template (e.g. a built-in one) under a new name, optionally to another model',
    positionals: [TEMPLATE, { name: 'new-name', help: 'name of the copy', required: true, param: 'name' }],
    options: [...MODEL_FILTER.map((o) => ({ ...o, help: o.name === 'model' ? 'model of the copy (default: the same model)' : o.help }))],
    examples: ['pbxctl template copy "Yealink T4x-T5x" "Yealink office"'],
    method: 'template.copy',
    render: (r, io) => { io.out('template copied\n'); io.out(keyValues(meta(r as TemplateView))); },
  },
  {
    path: ['template', 'remove'],
    summary: 'Remove a template that nothing uses (built-in ones cannot be removed)',
    positionals: [TEMPLATE],
    examples: ['pbxctl template remove "Yealink office"'],
    method: 'template.remove',
    render: removed('template'),
  },
  {
    path: ['template', 'check'],
    summary: 'Check a template body file (or a stored template) without saving: unknown placeholders, syntax',
    description: 'Exit status 0 when the template would render, 6 with the placeholder and line when not.',
    positionals: [{ name: 'template', help: 'a stored template to check (its scope and, without --body-file, its body)' }],
    options: [
      { name: 'body-file', type: 'file', param: 'body', help: "the template text to check ('-' for stdin)" },
      { name: 'scope', type: 'string', help: 'device (a per-phone file, default) or common (a file without a MAC: no phone/account placeholders)' },
    ],
    examples: ['pbxctl template check --body-file yealink-office.cfg', 'pbxctl template check "Yealink office" --body-file new.cfg'],
    method: 'template.check',
    render: (r, io) => {
      const c = r as { scope: string; placeholders: string[] };
      io.out(`ok: the template renders as a ${c.scope} file\nplaceholders: ${c.placeholders.map((p) => `%%${p}%%`).join(', ') || '-'}\n`);
    },
  },
];

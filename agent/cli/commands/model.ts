// pbxctl model ...: phone models, each with its templates and file-name rules (methods model.*).
import type { ModelView } from '../../../provisioning/service.ts';
import type { CliIo, Command } from '../command.ts';
import { keyValues, table } from '../format.ts';
import { call, origin, ref, removed } from './shared.ts';

const MODEL = { name: 'model', help: 'model: Brand/Model (e.g. Yealink/T4x-T5x), a model name, or an id', required: true };

function block(r: unknown, io: CliIo): void {
  const m = r as ModelView;
  io.out(keyValues({
    'id': m.id, 'model': m.ref, 'brand': m.brand, 'name': m.name, 'description': m.description,
    'default template': ref(m.defaultTemplate), 'origin': origin(m), 'devices': m.devices, 'updated': m.updatedAt,
  }));
  if (m.rules) {
    io.out('\nfile-name rules:\n');
    io.out(table(m.rules, [
      { header: 'ID', get: (x) => x.id }, { header: 'NAME', get: (x) => x.name }, { header: 'EXAMPLE', get: (x) => x.example },
      { header: 'KIND', get: (x) => x.kind }, { header: 'TEMPLATE', get: (x) => (x.template ? x.template.name : "device's") },
    ]));
  }
  if (m.templates) {
    io.out('\ntemplates:\n');
    io.out(table(m.templates, [
      { header: 'ID', get: (t) => t.id }, { header: 'NAME', get: (t) => t.name }, { header: 'FORMAT', get: (t) => t.format },
      { header: 'SIZE', get: (t) => t.size }, { header: 'ORIGIN', get: (t) => origin(t) },
    ]));
  }
}

export const modelCommands: Command[] = [
  {
    path: ['model', 'add'],
    summary: 'Add a phone model (its brand is created if new); then add templates and rules to it',
    positionals: [{ name: 'name', help: 'model name, or Brand/Model', required: true }],
    options: [
      { name: 'brand', type: 'string', help: 'brand (manufacturer), e.g. Yealink; created if new' },
      { name: 'description', type: 'string', help: 'free text, e.g. the models and firmware it covers' },
    ],
    examples: ['pbxctl model add Acme/X100 --description "Acme X100, firmware 2.x"', 'pbxctl model add T3x --brand Yealink'],
    run: call({
      method: 'model.add',
      prepare: (p) => {
        const name = String(p.name);
        if (p.brand !== undefined || !name.includes('/')) return p.brand === undefined ? 'missing --brand (or write the model as Brand/Model)' : p;
        const i = name.indexOf('/');
        return { ...p, brand: name.slice(0, i), name: name.slice(i + 1) };
      },
      render: (r, io) => { io.out('model added\n'); block(r, io); },
    }),
  },
  {
    path: ['model', 'list'],
    summary: 'List phone models with their default template',
    options: [{ name: 'brand', type: 'string', help: 'only this brand (name or id)' }],
    examples: ['pbxctl model list', 'pbxctl model list --brand Snom'],
    method: 'model.list',
    render: (r, io) => io.out(table(r as ModelView[], [
      { header: 'ID', get: (m) => m.id }, { header: 'MODEL', get: (m) => m.ref }, { header: 'DEFAULT TEMPLATE', get: (m) => ref(m.defaultTemplate) },
      { header: 'ORIGIN', get: (m) => origin(m) }, { header: 'DESCRIPTION', get: (m) => m.description },
    ])),
  },
  {
    path: ['model', 'show'],
    summary: 'Show a model with its file-name rules and templates',
    positionals: [MODEL],
    options: [{ name: 'brand', type: 'string', help: 'brand of MODEL, when MODEL is only the model name' }],
    examples: ['pbxctl model show Yealink/T4x-T5x', 'pbxctl model show VVX --brand Polycom'],
    method: 'model.show',
    render: block,
  },
  {
    path: ['model', 'edit'],
    summary: 'Change a model: name, brand, description, default template',
    description: 'MODEL must be Brand/Model, a model name only one brand uses, or an id (--brand here moves the model).',
    positionals: [MODEL],
    options: [
      { name: 'name', type: 'string', help: 'new model name' },
      { name: 'brand', type: 'string', help: 'move the model to this brand (created if new)' },
      { name: 'description', type: 'string', help: 'new description' },
      { name: 'default-template', type: 'string', help: "template devices of this model use unless they name one (one of the model's); 'none' to clear" },
    ],
    examples: ['pbxctl model edit Yealink/T4x-T5x --default-template "Yealink office"'],
    method: 'model.update',
    render: block,
  },
  {
    path: ['model', 'remove'],
    summary: 'Remove a model no device uses, with its rules and templates (not built-in ones)',
    positionals: [MODEL],
    examples: ['pbxctl model remove Acme/X100'],
    method: 'model.remove',
    render: removed('model'),
  },
];

// pbxctl brand ...: phone manufacturers (methods brand.*; models carry the detail).
import type { BrandView, ModelView } from '../../../provisioning/service.ts';
import { NotFoundError } from '../../errors.ts';
import type { Command } from '../command.ts';
import { keyValues, table } from '../format.ts';
import { EXIT_OK } from '../run.ts';
import { origin, removed } from './shared.ts';

const BRAND = { name: 'brand', help: 'brand name or id', required: true };

export const brandCommands: Command[] = [
  {
    path: ['brand', 'add'],
    summary: 'Add a brand (model add also creates brands as needed)',
    positionals: [{ name: 'name', help: 'brand name, e.g. Acme', required: true }],
    examples: ['pbxctl brand add Acme'],
    method: 'brand.add',
    render: (r, io) => { io.out('brand added\n'); io.out(keyValues(r as Record<string, unknown>)); },
  },
  {
    path: ['brand', 'list'],
    summary: 'List brands and how many models each has',
    examples: ['pbxctl brand list'],
    method: 'brand.list',
    render: (r, io) => io.out(table(r as BrandView[], [
      { header: 'ID', get: (b) => b.id }, { header: 'NAME', get: (b) => b.name }, { header: 'MODELS', get: (b) => b.models },
      { header: 'ORIGIN', get: (b) => origin(b) },
    ])),
  },
  {
    path: ['brand', 'show'],
    summary: 'Show a brand and its models',
    positionals: [BRAND],
    examples: ['pbxctl brand show Yealink'],
    // There is no brand.show method: the brand comes from brand.list, its models from model.list.
    run: async ({ client, io, params }) => {
      const key = String(params.brand);
      const brands = await client.call<BrandView[]>('brand.list', {});
      const b = /^\d+$/.test(key) ? brands.find((x) => x.id === Number(key)) : brands.find((x) => x.name === key) ?? brands.find((x) => x.name.toLowerCase() === key.toLowerCase());
      if (!b) throw new NotFoundError('brand', key);
      const models = await client.call<ModelView[]>('model.list', { brand: b.id });
      if (io.json) { io.out(JSON.stringify({ ...b, modelList: models }, null, 2) + '\n'); return EXIT_OK; }
      io.out(keyValues({ 'id': b.id, 'name': b.name, 'origin': origin(b), 'models': models.map((m) => m.name) }));
      return EXIT_OK;
    },
  },
  {
    path: ['brand', 'edit'],
    summary: 'Rename a brand',
    positionals: [BRAND],
    options: [{ name: 'name', type: 'string', help: 'new name', required: true }],
    examples: ['pbxctl brand edit Acme --name "Acme Phones"'],
    method: 'brand.update',
    render: (r, io) => io.out(keyValues(r as Record<string, unknown>)),
  },
  {
    path: ['brand', 'remove'],
    summary: 'Remove a brand without models (not built-in ones)',
    positionals: [BRAND],
    examples: ['pbxctl brand remove Acme'],
    method: 'brand.remove',
    render: removed('brand'),
  },
];

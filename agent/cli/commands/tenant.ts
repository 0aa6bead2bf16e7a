// pbxctl tenant ...: tenants of a multi-tenant node; their files live under <tenant_uuid>/ (methods tenant.*).
import type { TenantView } from '../../../provisioning/service.ts';
import type { CliIo, Command } from '../command.ts';
import { keyValues, table } from '../format.ts';
import { removed } from './shared.ts';

const UUID = { name: 'uuid', help: 'tenant UUID', required: true };

function block(r: unknown, io: CliIo): void {
  const t = r as TenantView;
  io.out(keyValues({ 'uuid': t.uuid, 'name': t.name, 'devices': t.devices, 'accounts': t.accounts, 'created': t.createdAt }));
}

export const tenantCommands: Command[] = [
  {
    path: ['tenant', 'add'],
    summary: 'Add a tenant (multi-tenant nodes): phones fetch <tenant_uuid>/<file>',
    positionals: [{ name: 'name', help: 'tenant name, e.g. "Studio Rossi"', required: true }],
    options: [{ name: 'uuid', type: 'string', help: 'use this UUID (default: a new random one)' }],
    examples: ['pbxctl tenant add "Studio Rossi"', 'pbxctl tenant add "Studio Rossi" --uuid 3f2b8c1e-9a4d-4c6b-8e2f-0a1b2c3d4e5f'],
    method: 'tenant.add',
    render: (r, io) => { io.out('tenant added\n'); block(r, io); },
  },
  {
    path: ['tenant', 'list'],
    summary: 'List tenants with their device and account counts',
    examples: ['pbxctl tenant list'],
    method: 'tenant.list',
    render: (r, io) => io.out(table(r as TenantView[], [
      { header: 'UUID', get: (t) => t.uuid }, { header: 'NAME', get: (t) => t.name }, { header: 'DEVICES', get: (t) => t.devices },
      { header: 'ACCOUNTS', get: (t) => t.accounts }, { header: 'CREATED', get: (t) => t.createdAt },
    ])),
  },
  {
    path: ['tenant', 'show'],
    summary: 'Show a tenant',
    positionals: [UUID],
    examples: ['pbxctl tenant show 3f2b8c1e-9a4d-4c6b-8e2f-0a1b2c3d4e5f'],
    method: 'tenant.show',
    render: block,
  },
  {
    path: ['tenant', 'edit'],
    summary: 'Rename a tenant',
    positionals: [UUID],
    options: [{ name: 'name', type: 'string', help: 'new name', required: true }],
    examples: ['pbxctl tenant edit 3f2b8c1e-9a4d-4c6b-8e2f-0a1b2c3d4e5f --name "Rossi & Partners"'],
    method: 'tenant.update',
    render: block,
  },
  {
    path: ['tenant', 'remove'],
    summary: 'Remove a tenant that has no devices or accounts left',
    positionals: [UUID],
    examples: ['pbxctl tenant remove 3f2b8c1e-9a4d-4c6b-8e2f-0a1b2c3d4e5f'],
    method: 'tenant.remove',
    render: removed('tenant'),
  },
];

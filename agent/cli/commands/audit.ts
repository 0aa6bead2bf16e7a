import { writeFileSync } from 'node:fs';
import type { AuditEntry } from '../../audit.ts';
import type { Command } from '../command.ts';
import { table } from '../format.ts';
import { EXIT_OK } from '../run.ts';

const filters = [
  { name: 'since', type: 'string', help: 'only entries at or after this ISO time (e.g. 2026-11-01 or 2026-11-01T08:00:00Z)' },
  { name: 'until', type: 'string', help: 'only entries before this ISO time' },
  { name: 'type', type: 'string', help: 'only this object type (device, template, model, rule, placeholder, ...)', param: 'objectType' },
  { name: 'user', type: 'string', help: 'only changes by this user' },
  { name: 'tx', type: 'int', help: 'only this transaction id', param: 'txId' },
  { name: 'limit', type: 'int', help: 'at most this many entries, newest first (default 1000)' },
] as const;

export const auditCommands: Command[] = [
  {
    path: ['audit', 'list'],
    summary: 'Read the audit log (newest first)',
    method: 'audit.list',
    options: [...filters],
    examples: ['pbxctl audit list --since 2026-11-01 --type device'],
    render: (r, io) => io.out(table(r as AuditEntry[], [
      { header: 'TX', get: (e) => e.txId }, { header: 'TIME', get: (e) => e.ts }, { header: 'USER', get: (e) => e.user },
      { header: 'SOURCE', get: (e) => e.source }, { header: 'ACTION', get: (e) => e.action },
      { header: 'TYPE', get: (e) => e.objectType }, { header: 'OBJECT', get: (e) => e.objectId },
      { header: 'DESCRIPTION', get: (e) => e.description },
    ])),
  },
  {
    path: ['audit', 'export'],
    summary: 'Export the audit log as CSV, JSON or XML',
    options: [
      { name: 'format', type: 'string', help: 'csv, json or xml (default csv)' },
      { name: 'output', type: 'string', help: 'write to this file instead of stdout' },
      ...filters,
    ],
    examples: ['pbxctl audit export --format xml --output audit.xml', 'pbxctl audit export --since 2026-11-01 > audit.csv'],
    run: async ({ client, io, params }) => {
      const { output, ...rest } = params;
      const text = await client.call<string>('audit.export', rest);
      if (typeof output === 'string') writeFileSync(output, text);
      else io.out(text);
      return EXIT_OK;
    },
  },
];

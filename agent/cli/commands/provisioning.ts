// pbxctl provisioning ...: diagnostics of the file service (methods provisioning.*).
import type { UnresolvedRequest } from '../../../provisioning/unresolved.ts';
import type { Command } from '../command.ts';
import { table } from '../format.ts';

export const provisioningCommands: Command[] = [
  {
    path: ['provisioning', 'unresolved'],
    summary: 'Recent requests that got no file, with the reason: why was this a 404',
    description: 'Reasons: bad-name, unknown-tenant, unknown-file (no rule or asset), unknown-mac (no such device),\ndisabled-device, no-account, no-template, render-error. Kept in memory since the daemon started.',
    options: [{ name: 'limit', type: 'int', help: 'at most this many, newest first (default: all kept, up to 200)' }],
    examples: ['pbxctl provisioning unresolved', 'pbxctl provisioning unresolved --limit 20 --json'],
    method: 'provisioning.unresolved',
    render: (r, io) => {
      const rows = r as UnresolvedRequest[];
      if (rows.length === 0) { io.out('no unresolved requests since the daemon started\n'); return; }
      io.out(table(rows, [
        { header: 'TIME', get: (u) => u.at }, { header: 'VIA', get: (u) => u.transport }, { header: 'CLIENT', get: (u) => u.client },
        { header: 'PATH', get: (u) => u.path }, { header: 'REASON', get: (u) => u.reason }, { header: 'DETAIL', get: (u) => u.detail },
      ]));
    },
  },
];

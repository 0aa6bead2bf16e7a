import type { Command } from '../command.ts';
import { keyValues } from '../format.ts';

export const statusCommands: Command[] = [
  {
    path: ['status'],
    summary: 'Show the node, its services and their counters',
    method: 'status',
    examples: ['pbxctl status', 'pbxctl status --json | jq .services.tftp'],
    render: (r, io) => io.out(keyValues(r as Record<string, unknown>)),
  },
];

// pbxctl tftp sessions: the transfers in progress — who is fetching what, how far along, on
// which engine — for an installer watching a rack of phones pull their firmware.
import type { Command } from '../command.ts';
import { table } from '../format.ts';

interface SessionRow {
  client: { address: string; port: number };
  file: string; engine: string; size: number; blksize: number; windowsize: number;
  acked: number; blocks: number; ackedBytes: number; ageMs: number;
}

const kib = (n: number): string => (n >= 10 * 1024 * 1024 ? `${(n / 1048576).toFixed(1)} MiB` : `${Math.round(n / 1024)} KiB`);

function sessionsTable(rows: readonly SessionRow[]): string {
  return table(rows, [
    { header: 'CLIENT', get: (r) => `${r.client.address}:${r.client.port}` },
    { header: 'FILE', get: (r) => r.file },
    { header: 'DONE', get: (r) => `${r.size ? Math.floor((100 * r.ackedBytes) / r.size) : 0}%` },
    { header: 'SENT/SIZE', get: (r) => `${kib(r.ackedBytes)}/${kib(r.size)}` },
    { header: 'BLKSIZE', get: (r) => String(r.blksize) },
    { header: 'WINDOW', get: (r) => String(r.windowsize) },
    { header: 'AGE', get: (r) => `${(r.ageMs / 1000).toFixed(1)}s` },
    { header: 'ENGINE', get: (r) => r.engine },
  ]);
}

export const tftpCommands: Command[] = [
  {
    path: ['tftp', 'sessions'],
    summary: 'List the TFTP transfers in progress: client, file, percent acknowledged, block and window size, age, engine',
    examples: ['pbxctl tftp sessions', 'pbxctl tftp sessions --json | jq length'],
    method: 'tftp.sessions',
    render: (r, io) => {
      const rows = r as SessionRow[];
      io.out(rows.length ? sessionsTable(rows) : 'no TFTP transfer in progress\n');
    },
  },
];

// Load generator, run as its own process so it never shares an event loop with the server
// under test: fetches every listed file at once and checks each one's sha256.
// Usage: node bench/lib/tftp-load.ts '{"port":N,"files":[{"name":..,"sha256":..}],"options":{..}}'
// Prints one JSON line: { ms, ok, failures: [{ name, error }] }.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { tftpGet } from '../../net/tftp/client.ts';

interface Job {
  port: number;
  files: { name: string; sha256: string }[];
  options?: Record<string, number>;
  /** Client i sends from 127.0.0.(2 + i % spread): phones have their own addresses. */
  spread?: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const t0 = performance.now();
const failures: { name: string; error: string }[] = [];
await Promise.all(job.files.map(async (f, i) => {
  try {
    const r = await tftpGet({
      host: '127.0.0.1', port: job.port, file: f.name, timeoutMs: 1000, retries: 5,
      localAddress: `127.0.0.${2 + (i % (job.spread ?? 200))}`, ...(job.options ? { options: job.options } : {}),
    });
    const got = createHash('sha256').update(r.data).digest('hex');
    if (got !== f.sha256) failures.push({ name: f.name, error: `sha256 ${got} != ${f.sha256} (${r.data.length} bytes)` });
  } catch (err) {
    failures.push({ name: f.name, error: (err as Error).message });
  }
}));
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, ok: job.files.length - failures.length, failures }));

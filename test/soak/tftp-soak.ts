// TFTP soak: round after round of concurrent fetches from one in-process server, with datagram
// loss on the client side (the server retransmits) and a burst of junk at each transfer port,
// then checks what a long-running daemon must not do: lose a file, corrupt a byte, keep a
// descriptor, a session slot or memory. Runs on either engine, so the native pump and the
// JavaScript engine are held to the same numbers.
//
// `npm run soak:tftp -- [--engine native|js] [--rounds 200] [--clients 50] [--loss 0.02] [--seed N] [--json]`
// Prints a summary; exits 1 when a property fails. A short run is part of `npm test`.
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tftpGet } from '../../net/tftp/client.ts';
import { createTftpServer } from '../../net/tftp/server.ts';
import { captureLog, tableSource, testConfig, type TableEntry } from '../../net/tftp/testing.ts';
import { rng } from '../lib/rng.ts';

export interface TftpSoakOptions { engine: 'native' | 'js'; rounds: number; clients: number; loss: number; seed: number }

export interface TftpSoakResult {
  engine: string; transfers: number; completed: number; corrupted: number; failed: string[];
  fdsBefore: number; fdsAfter: number; rssBeforeMiB: number; rssAfterMiB: number; rssPeakMiB: number;
  /** V8 heap plus Buffers (external) after a GC: what the JS side holds. */
  heapBeforeMiB: number; heapAfterMiB: number;
  retransmits: number; strangersRefused: number; internalErrors: number; sessionsActiveAfter: number; seconds: number;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fds = () => readdirSync('/proc/self/fd').length;
const rssMiB = () => process.memoryUsage().rss / 1048576;
const heapMiB = () => { const m = process.memoryUsage(); return (m.heapUsed + m.external) / 1048576; };
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runTftpSoak(o: TftpSoakOptions): Promise<TftpSoakResult> {
  const rand = rng(o.seed);
  const dir = mkdtempSync(join(tmpdir(), 'tftp-soak-'));
  const disk = randomBytes(300_000);
  writeFileSync(join(dir, 'fw.rom'), disk);
  const files: Record<string, TableEntry> = { 'fw.rom': { path: join(dir, 'fw.rom'), size: disk.length } };
  const want = new Map<string, string>([['fw.rom', sha(disk)]]);
  for (let i = 0; i < 20; i++) {
    const b = randomBytes(200 + Math.floor(rand() * 20_000));
    files[`cfg${i}.cfg`] = b;
    want.set(`cfg${i}.cfg`, sha(b));
  }
  const names = [...want.keys()];
  const server = createTftpServer({
    config: testConfig({ engine: o.engine, retransmitMs: 50, retries: 8, maxSessionsPerClient: 10_000, maxSessions: 10_000 }),
    source: tableSource(files), log: captureLog('info').log,
  });
  const { port } = await server.start();
  const junk = createSocket('udp4');
  await new Promise<void>((r) => junk.bind(0, '127.0.0.1', () => r()));
  const result: TftpSoakResult = {
    engine: o.engine, transfers: 0, completed: 0, corrupted: 0, failed: [], fdsBefore: 0, fdsAfter: 0,
    rssBeforeMiB: 0, rssAfterMiB: 0, rssPeakMiB: 0, heapBeforeMiB: 0, heapAfterMiB: 0, retransmits: 0, strangersRefused: 0, internalErrors: 0, sessionsActiveAfter: 0, seconds: 0,
  };
  const t0 = performance.now();
  try {
    const round = async (): Promise<void> => {
      await Promise.all(Array.from({ length: o.clients }, async () => {
        const file = names[Math.floor(rand() * names.length)]!;
        const options: Record<string, number> | undefined = rand() < 0.5 ? { blksize: 1428, tsize: 0 } : rand() < 0.5 ? { blksize: 512, windowsize: 8 } : undefined;
        result.transfers++;
        let junkSent = false;
        try {
          const r = await tftpGet({
            host: '127.0.0.1', port, file, timeoutMs: 100, retries: 10, ...(options ? { options } : {}),
            drop: (from) => {
              // Once per transfer, junk from a stranger at the transfer's port (ERROR 5 to it).
              if (!junkSent) {
                junkSent = true;
                for (let i = 0; i < 3; i++) junk.send(Buffer.from([0, 4, 0xff, 0xff, 1, 2]).subarray(0, 2 + i * 2), from.port, '127.0.0.1');
              }
              return rand() < o.loss;
            },
          });
          if (sha(r.data) === want.get(file)) result.completed++;
          else result.corrupted++;
        } catch (err) {
          if (result.failed.length < 5) result.failed.push(`${file}: ${(err as Error).message}`);
          else result.failed.push('');
        }
      }));
    };
    // One round to warm up (JIT, thread stacks, socket buffers), then the baseline.
    await round();
    await settle(300);
    (globalThis as { gc?: () => void }).gc?.();
    result.fdsBefore = fds();
    result.rssBeforeMiB = rssMiB();
    result.heapBeforeMiB = heapMiB();
    result.transfers = 0;
    result.completed = 0;
    for (let i = 0; i < o.rounds; i++) {
      await round();
      result.rssPeakMiB = Math.max(result.rssPeakMiB, rssMiB());
    }
    // Transfers whose last ACK was lost end by the server's own timeout: wait for every slot.
    const until = Date.now() + 30_000;
    while (server.stats().sessionsActive > 0 && Date.now() < until) await settle(50);
    await settle(200);
    (globalThis as { gc?: () => void }).gc?.();
    const st = server.stats();
    result.fdsAfter = fds();
    result.rssAfterMiB = rssMiB();
    result.heapAfterMiB = heapMiB();
    result.retransmits = st.retransmits;
    result.strangersRefused = st.errors['unknown-tid'];
    result.internalErrors = st.errors.internal;
    result.sessionsActiveAfter = st.sessionsActive;
  } finally {
    junk.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

/** The properties a soak must keep; empty when it passed. */
export function soakProblems(r: TftpSoakResult): string[] {
  const out: string[] = [];
  if (r.completed !== r.transfers) out.push(`${r.transfers - r.completed} of ${r.transfers} transfers did not complete (${r.corrupted} corrupted; ${r.failed.filter(Boolean).join('; ')})`);
  if (r.fdsAfter > r.fdsBefore) out.push(`descriptors grew from ${r.fdsBefore} to ${r.fdsAfter}`);
  if (r.sessionsActiveAfter !== 0) out.push(`${r.sessionsActiveAfter} session slots still held`);
  if (r.internalErrors !== 0) out.push(`${r.internalErrors} internal errors`);
  return out;
}

function parse(argv: string[]): TftpSoakOptions & { json: boolean } {
  const o = { engine: 'native' as 'native' | 'js', rounds: 200, clients: 50, loss: 0.02, seed: 20261130, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => argv[++i] ?? '';
    if (a === '--engine') {
      const e = v();
      if (e !== 'native' && e !== 'js') throw new Error('--engine is native or js');
      o.engine = e;
    } else if (a === '--rounds') o.rounds = Number(v());
    else if (a === '--clients') o.clients = Number(v());
    else if (a === '--loss') o.loss = Number(v());
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown argument '${a}' (see the header of test/soak/tftp-soak.ts)`);
  }
  for (const k of ['rounds', 'clients', 'seed'] as const) if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`--${k} must be a whole number >= 1`);
  if (!(o.loss >= 0 && o.loss < 0.5)) throw new Error('--loss must be in [0, 0.5)');
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const o = parse(process.argv.slice(2));
    const r = await runTftpSoak(o);
    const problems = soakProblems(r);
    if (o.json) console.log(JSON.stringify({ ...r, problems }));
    else {
      console.log(`TFTP soak (${r.engine} engine): ${r.completed}/${r.transfers} transfers complete and sha256-checked in ${r.seconds.toFixed(1)} s, ` +
        `${o.clients} at a time, ${(o.loss * 100).toFixed(1)}% client-side loss; ${r.retransmits} retransmissions, ${r.strangersRefused} stranger datagrams answered with ERROR 5`);
      console.log(`descriptors ${r.fdsBefore} -> ${r.fdsAfter}; RSS ${r.rssBeforeMiB.toFixed(0)} -> ${r.rssAfterMiB.toFixed(0)} MiB (peak ${r.rssPeakMiB.toFixed(0)}), heap+buffers ${r.heapBeforeMiB.toFixed(1)} -> ${r.heapAfterMiB.toFixed(1)} MiB; slots held after: ${r.sessionsActiveAfter}; internal errors: ${r.internalErrors}`);
      console.log(problems.length ? `FAILED: ${problems.join('; ')}` : 'passed');
    }
    process.exit(problems.length ? 1 : 0);
  } catch (err) {
    console.error(`tftp soak failed: ${(err as Error).message}`);
    process.exit(1);
  }
}

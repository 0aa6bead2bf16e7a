// TFTP side by side: our server against tftpd-hpa and atftpd, same files, same clients, one
// run. `node bench/tftp.ts [--tiny] [--runs N] [--size BYTES] [--clients N] [--cpu same|split|none]
// [--server ours|js|floor]`. ours: the shipped server on its native pump (tftp.engine=native);
// js: the same server on its JavaScript engine; floor: bench/lib/tftp-floor.ts, the least a
// node:dgram sender can cost per datagram.
//
// The server under test is a function (StartServer), so the same bench can later measure the
// whole daemon serving rendered files. Every transfer is checked by sha256; a wrong byte fails
// the bench, a slow server only shows in the ratios (ours / reference, >= 1 means we are as fast).
//
// CPU placement matters more than anything else on a VM: a wake-up across CPUs costs ~100 us
// here, so an unpinned lock-step transfer runs 2-10x slower depending on where the scheduler
// puts the two processes. By default server and client share CPU 0 ('same'): the measurement
// is then the CPU cost per block of each server, which is what we can improve.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createLogger } from '../agent/log.ts';
import type { FileSource } from '../provisioning/file-source.ts';
import { createTftpServer, type TftpConfig } from '../net/tftp/server.ts';
import { clientCpu, median, pinSelf, pinned, serverCpu, timedRun, type CpuPlacement } from './lib/proc.ts';
import { startAtftpd, startTftpdHpa, type RefServer } from './lib/tftp-refs.ts';

export interface BenchFile { name: string; path: string; size: number; sha256: string }
export interface BenchConfig { name: string; data: Buffer }

export interface BenchFixture {
  /** World-readable folder holding every file (the reference servers' root). */
  root: string;
  big: BenchFile;
  /** Distinct small files for the concurrency case. */
  configs: BenchConfig[];
}

export interface ServerUnderTest {
  port: number;
  /** The files the concurrency case should fetch, when the server renders its own. */
  configs?: BenchConfig[];
  stop(): Promise<void>;
}

/** Starts the server to measure on 127.0.0.1, serving the fixture's files. */
export type StartServer = (fixture: BenchFixture) => Promise<ServerUnderTest>;

export interface TftpBenchOptions {
  start?: StartServer;
  fileBytes?: number;
  runs?: number;
  clients?: number;
  cpu?: CpuPlacement;
  /** One untimed transfer per server and case first (JIT, page cache). */
  warmup?: boolean;
  print?: (line: string) => void;
}

export interface ThroughputRow {
  case: string; client: string; ref: string;
  oursMiBs: number; refMiBs: number; ratio: number;
  skipped?: string;
}

export interface ConcurrencyRow { clients: number; oursMs: number; refMs: number; ratio: number }

export interface TftpBenchResult { rows: ThroughputRow[]; concurrency: ConcurrencyRow; placement: CpuPlacement; runs: number; fileBytes: number }

const HERE = dirname(fileURLToPath(import.meta.url));
const BIG = 'big.bin';

interface Case {
  case: string;
  client: string;
  ref: 'tftpd-hpa' | 'atftpd';
  cmd(port: number, out: string): [string, string[]];
}

const CASES: Case[] = [
  { case: 'blksize 512', client: 'tftp-hpa', ref: 'tftpd-hpa', cmd: (p, o) => ['tftp', ['127.0.0.1', String(p), '-m', 'binary', '-c', 'get', BIG, o]] },
  { case: 'blksize 512', client: 'curl', ref: 'tftpd-hpa', cmd: (p, o) => ['curl', ['-sS', '-o', o, `tftp://127.0.0.1:${p}/${BIG}`]] },
  { case: 'blksize 1428', client: 'atftp', ref: 'tftpd-hpa', cmd: (p, o) => ['atftp', ['--option', 'blksize 1428', '-g', '-r', BIG, '-l', o, '127.0.0.1', String(p)]] },
  { case: 'blksize 1428', client: 'curl', ref: 'tftpd-hpa', cmd: (p, o) => ['curl', ['-sS', '--tftp-blksize', '1428', '-o', o, `tftp://127.0.0.1:${p}/${BIG}`]] },
  { case: 'blksize 1428 windowsize 16', client: 'atftp', ref: 'atftpd', cmd: (p, o) => ['atftp', ['--option', 'blksize 1428', '--option', 'windowsize 16', '-g', '-r', BIG, '-l', o, '127.0.0.1', String(p)]] },
];

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Our server, in this process, with the shipped defaults and a logger that really formats. */
export const startOurs: StartServer = (fx) => startOursOn('native')(fx);

/** Our server on a given engine (tftp.engine): the native pump, or the event loop. */
export const startOursOn = (engine: 'native' | 'js'): StartServer => async (fx) => {
  const byName = new Map<string, Buffer>(fx.configs.map((c) => [c.name, c.data]));
  const source: FileSource = {
    async get(req) {
      const meta = { contentType: 'application/octet-stream', lastModified: new Date(0), etag: '"b"', origin: { kind: 'asset' as const }, warnings: [] };
      if (req.path === fx.big.name) return { ok: true, body: { kind: 'file', path: fx.big.path, size: fx.big.size }, ...meta };
      const data = byName.get(req.path);
      if (data) return { ok: true, body: { kind: 'buffer', data }, ...meta };
      return { ok: false, reason: 'unknown-file', detail: req.path };
    },
  };
  const config: TftpConfig = {
    enabled: true, address: '127.0.0.1', port: 0, maxBlksize: 65464, maxWindowsize: 64,
    retransmitMs: 1000, retries: 5, maxSessions: 1000, maxSessionsPerClient: 16, engine,
  };
  const server = createTftpServer({ config, source, log: createLogger('info', pino.destination({ dest: '/dev/null', sync: false })) });
  const { port } = await server.start();
  return { port, stop: () => server.stop() };
};

export function makeFixture(fileBytes: number, clients: number): BenchFixture {
  const root = mkdtempSync(join(tmpdir(), 'tftp-bench-'));
  chmodSync(root, 0o755);
  const data = randomBytes(fileBytes);
  const path = join(root, BIG);
  writeFileSync(path, data, { mode: 0o644 });
  const configs: BenchConfig[] = [];
  for (let i = 0; i < clients; i++) {
    const mac = (0x001565000000 + i).toString(16).padStart(12, '0');
    const lines = [`#!version:1.0.0.1`, `# device ${mac}`, `account.1.user_name = ${1000 + i}`, `account.1.password = ${randomBytes(8).toString('hex')}`];
    // 1-12 KiB, so the configs span one to many blocks.
    const filler = 1024 * (1 + (i % 12));
    while (lines.join('\n').length < filler) lines.push(`static.custom.${lines.length} = ${randomBytes(12).toString('base64')}`);
    configs.push({ name: `${mac}.cfg`, data: Buffer.from(lines.join('\n') + '\n') });
  }
  writeConfigs(root, configs);
  return { root, big: { name: BIG, path, size: fileBytes, sha256: sha256(data) }, configs };
}

function writeConfigs(root: string, configs: BenchConfig[]): void {
  for (const c of configs) writeFileSync(join(root, c.name), c.data, { mode: 0o644 });
}

export async function runTftpBench(o: TftpBenchOptions = {}): Promise<TftpBenchResult> {
  const start = o.start ?? startOurs;
  const fileBytes = o.fileBytes ?? 10 * 1024 * 1024;
  const runs = o.runs ?? 5;
  const clients = o.clients ?? 100;
  const placement = o.cpu ?? 'same';
  const warmup = o.warmup ?? true;
  const print = o.print ?? ((l: string) => console.log(l));
  const fx = makeFixture(fileBytes, clients);
  const outDir = mkdtempSync(join(tmpdir(), 'tftp-bench-out-'));
  const refs: RefServer[] = [];
  let ours: ServerUnderTest | null = null;
  try {
    await pinSelf(serverCpu(placement));
    ours = await start(fx);
    if (ours.configs) {
      fx.configs = ours.configs;
      writeConfigs(fx.root, fx.configs);
    }
    const hpa = await startTftpdHpa(fx.root, serverCpu(placement));
    refs.push(hpa);
    let atftpd: RefServer | string;
    try {
      atftpd = await startAtftpd(fx.root, join(outDir, 'atftpd.log'), serverCpu(placement));
      refs.push(atftpd);
    } catch (err) {
      atftpd = `atftpd unavailable: ${(err as Error).message}`;
      print(`!!! ${atftpd}`);
    }
    const timeoutMs = Math.max(60_000, fileBytes / 1000);
    let seq = 0;
    const once = async (c: Case, port: number): Promise<number> => {
      const out = join(outDir, `o${seq++}`);
      const [cmd, args] = c.cmd(port, out);
      const [pc, pa] = pinned(clientCpu(placement), cmd, args);
      const r = await timedRun(pc, pa, timeoutMs);
      let got = '';
      try {
        got = sha256(readFileSync(out));
      } catch {
        got = 'missing';
      }
      rmSync(out, { force: true });
      if (r.code !== 0 || got !== fx.big.sha256) {
        throw new Error(`${c.client} (${c.case}) on port ${port}: exit ${r.code}, sha256 ${got.slice(0, 12)} (want ${fx.big.sha256.slice(0, 12)}): ${r.stderr.trim().slice(0, 300)}`);
      }
      return r.ms;
    };

    const rows: ThroughputRow[] = [];
    for (const c of CASES) {
      const ref = c.ref === 'tftpd-hpa' ? hpa : atftpd;
      if (typeof ref === 'string') {
        rows.push({ case: c.case, client: c.client, ref: c.ref, oursMiBs: NaN, refMiBs: NaN, ratio: NaN, skipped: ref });
        continue;
      }
      if (warmup) {
        await once(c, ours.port);
        await once(c, ref.port);
      }
      const mine: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < runs; i++) {
        // Alternate who goes first so drift on the machine does not favour one side.
        if (i % 2 === 0) {
          mine.push(await once(c, ours.port));
          theirs.push(await once(c, ref.port));
        } else {
          theirs.push(await once(c, ref.port));
          mine.push(await once(c, ours.port));
        }
      }
      const mib = fileBytes / (1024 * 1024);
      const oursMiBs = mib / (median(mine) / 1000);
      const refMiBs = mib / (median(theirs) / 1000);
      rows.push({ case: c.case, client: c.client, ref: c.ref, oursMiBs, refMiBs, ratio: oursMiBs / refMiBs });
    }

    const load = async (port: number): Promise<number> => {
      const job = { port, files: fx.configs.map((c) => ({ name: c.name, sha256: sha256(c.data) })), options: { blksize: 1428, tsize: 0 } };
      const [cmd, args] = pinned(clientCpu(placement), process.execPath, [join(HERE, 'lib', 'tftp-load.ts'), JSON.stringify(job)]);
      const r = await timedRun(cmd, args, 120_000);
      let res: { ms: number; ok: number; failures: { name: string; error: string }[] };
      try {
        res = JSON.parse(r.stdout) as typeof res;
      } catch {
        throw new Error(`load generator failed (exit ${r.code}): ${r.stderr.trim().slice(0, 500)}`);
      }
      if (res.failures.length > 0) {
        throw new Error(`${res.failures.length} of ${fx.configs.length} concurrent fetches failed on port ${port}, e.g. ${res.failures[0]!.name}: ${res.failures[0]!.error}`);
      }
      return res.ms;
    };
    if (warmup) {
      await load(ours.port);
      await load(hpa.port);
    }
    const mine: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        mine.push(await load(ours.port));
        theirs.push(await load(hpa.port));
      } else {
        theirs.push(await load(hpa.port));
        mine.push(await load(ours.port));
      }
    }
    const concurrency: ConcurrencyRow = { clients: fx.configs.length, oursMs: median(mine), refMs: median(theirs), ratio: median(theirs) / median(mine) };
    const result = { rows, concurrency, placement, runs, fileBytes };
    print(formatResult(result));
    return result;
  } finally {
    if (ours) await ours.stop();
    for (const r of refs) await r.stop();
    rmSync(fx.root, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
}

export function formatResult(r: TftpBenchResult): string {
  const where = { same: 'server and client pinned to CPU 0', split: 'server on CPU 0, client on CPU 1', none: 'unpinned' }[r.placement];
  const size = r.fileBytes >= 1 << 20 ? `${(r.fileBytes / (1 << 20)).toFixed(r.fileBytes % (1 << 20) ? 1 : 0)} MiB` : `${r.fileBytes} B`;
  const lines = [
    `TFTP: ${size} random file, median of ${r.runs} runs, loopback, ${where}`,
    `${'case'.padEnd(28)}${'client'.padEnd(10)}${'ours MiB/s'.padStart(11)}  ${'reference'.padEnd(10)}${'MiB/s'.padStart(7)}  ${'ratio'.padStart(6)}`,
  ];
  for (const row of r.rows) {
    if (row.skipped) {
      lines.push(`${row.case.padEnd(28)}${row.client.padEnd(10)}${'-'.padStart(11)}  ${row.ref.padEnd(10)}${'-'.padStart(7)}  SKIPPED: ${row.skipped}`);
      continue;
    }
    const flag = row.ratio < 1 ? '  < 1.0' : '';
    lines.push(`${row.case.padEnd(28)}${row.client.padEnd(10)}${row.oursMiBs.toFixed(1).padStart(11)}  ${row.ref.padEnd(10)}${row.refMiBs.toFixed(1).padStart(7)}  ${row.ratio.toFixed(2).padStart(6)}${flag}`);
  }
  const c = r.concurrency;
  lines.push(`${`${c.clients} clients, ${c.clients} distinct files`.padEnd(38)}${`${c.oursMs.toFixed(0)} ms`.padStart(11)}  ${'tftpd-hpa'.padEnd(10)}${`${c.refMs.toFixed(0)} ms`.padStart(7)}  ${c.ratio.toFixed(2).padStart(6)}${c.ratio < 1 ? '  < 1.0' : ''}`);
  lines.push('ratio = ours / reference throughput (for the concurrent case: reference time / our time); >= 1.0 is the target');
  return lines.join('\n');
}

function parseCli(argv: string[]): TftpBenchOptions {
  const o: TftpBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a whole number`);
      return v;
    };
    if (a === '--server') {
      const v = argv[++i];
      if (v === 'floor') o.start = async (fx) => (await import('./lib/tftp-floor.ts')).startFloor(fx);
      else if (v === 'js') o.start = startOursOn('js');
      else if (v !== 'ours') throw new Error('--server is ours, js or floor');
    } else if (a === '--tiny') Object.assign(o, { fileBytes: 256 * 1024, runs: 1, clients: 10, warmup: false });
    else if (a === '--runs') o.runs = num();
    else if (a === '--size') o.fileBytes = num();
    else if (a === '--clients') o.clients = num();
    else if (a === '--cpu') {
      const v = argv[++i];
      if (v !== 'same' && v !== 'split' && v !== 'none') throw new Error('--cpu is same, split or none');
      o.cpu = v;
    } else throw new Error(`unknown argument '${a}'`);
  }
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await runTftpBench(parseCli(process.argv.slice(2)));
    process.exit(0);
  } catch (err) {
    console.error(`bench failed: ${(err as Error).message}`);
    process.exit(1);
  }
}

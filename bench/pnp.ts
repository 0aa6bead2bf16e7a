// SIP PnP boot storm: sipp in a `phone` namespace plays N distinct phones (MACs injected with
// -inf) at rising call rates against the PnP service in a `node` namespace; each call is
// SUBSCRIBE -> 200 -> NOTIFY -> 200. The same storm is then played against bench/pnp-floor.ts
// (bare node:dgram, fixed answers) on the same machine.
// `node bench/pnp.ts [--tiny] [--calls N] [--rates 500,1000,...]`
// Prints per step: answered, failed, SUBSCRIBE->NOTIFY p50/p99 (sipp rtd), and at the end the
// highest rate answered completely by each and the ratio ours/floor (1.0 = as fast as the floor).
// Needs root, iproute2, sipp. The service runs with ratePerSecond 0 (one sipp source address
// plays every phone) and recordSeen on (in-memory store).
import type { ChildProcess } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, NODE_BIN, type Lab } from '../test/lab/lab.ts';
import { requireLab } from '../test/lab/preflight.ts';
import { collectLines, waitForExit } from '../test/lab/proc.ts';
import { createTmpDir, type TmpDir } from '../test/lab/tmp.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCENARIO = join(ROOT, 'test/pnp/sipp/pnp-bench.xml');
const NODE_IP = '10.99.0.1';
const PHONE_IP = '10.99.0.3';

export interface PnpBenchOptions {
  rates: number[];
  /** Distinct phones per step (each step uses new MACs). */
  calls: number;
  say?: (line: string) => void;
}

export interface StepResult {
  server: 'pnp' | 'floor';
  rate: number;
  calls: number;
  ok: number;
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
  complete: boolean;
}

export interface PnpBenchResult {
  steps: StepResult[];
  best: { pnp: StepResult | undefined; floor: StepResult | undefined; ratio: number };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function macFile(tmp: TmpDir, step: number, n: number): Promise<string> {
  const lines = ['SEQUENTIAL'];
  for (let i = 0; i < n; i++) lines.push(`0015${(step & 0xff).toString(16).padStart(2, '0')}${i.toString(16).padStart(6, '0')};`);
  const path = join(tmp.path, `macs-${step}.csv`);
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

async function storm(lab: Lab, tmp: TmpDir, server: 'pnp' | 'floor', step: number, rate: number, calls: number): Promise<StepResult> {
  const dir = join(tmp.path, `${server}-${step}`);
  await lab.exec('phone', 'mkdir', ['-p', dir]);
  const inf = await macFile(tmp, step, calls);
  const budget = Math.ceil(calls / rate) + 20;
  const t0 = performance.now();
  const r = await lab.exec('phone', 'sipp', [
    '-sf', SCENARIO, '-t', 'u1', '-i', PHONE_IP, '-p', '5060', '-m', String(calls), '-r', String(rate), '-l', String(calls),
    '-inf', inf, '-nostdin', '-max_non_invite_retrans', '3', '-recv_timeout', '8000', '-timeout', `${budget}s`,
    '-trace_rtt', '-rtt_freq', '1', '-trace_err', '-error_file', join(dir, 'err.log'),
    '224.0.1.75:5060',
  ], { timeoutMs: (budget + 15) * 1000, cwd: dir }).catch((e: Error) => ({ code: null, stdout: '', stderr: String(e.message) }));
  const seconds = (performance.now() - t0) / 1000;
  const out = r.stdout + r.stderr;
  const num = (label: string): number => {
    const m = new RegExp(`${label}\\s*\\|[^|\\n]*\\|\\s*(\\d+)`).exec(out);
    return m ? Number(m[1]) : 0;
  };
  const ok = num('Successful call');
  const failed = num('Failed call');
  const rtts: number[] = [];
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('_rtt.csv'))) {
    for (const line of (await readFile(join(dir, f), 'utf8')).split('\n').slice(1)) {
      const v = Number(line.split(';')[1]);
      if (Number.isFinite(v) && line) rtts.push(v);
    }
  }
  rtts.sort((a, b) => a - b);
  return { server, rate, calls, ok, failed, seconds, p50: percentile(rtts, 50), p99: percentile(rtts, 99), complete: r.code === 0 && ok === calls && failed === 0 };
}

async function startServer(lab: Lab, which: 'pnp' | 'floor'): Promise<ChildProcess> {
  const child = which === 'pnp'
    ? lab.spawn('node', NODE_BIN, [join(ROOT, 'test/pnp/run-service.ts'), JSON.stringify({ ratePerSecond: 0, maxTransactions: 200_000 })], { stdio: ['pipe', 'pipe', 'pipe'] })
    : lab.spawn('node', NODE_BIN, [join(ROOT, 'bench/pnp-floor.ts'), '224.0.1.75', '5060', NODE_IP], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = collectLines(child.stdout, which);
  collectLines(child.stderr, `${which} stderr`);
  await out.waitFor(/^READY/, 15_000);
  return child;
}

export async function runPnpBench(o: PnpBenchOptions): Promise<PnpBenchResult> {
  requireLab(['sipp']);
  const say = o.say ?? ((l: string) => console.log(l));
  const tmp = await createTmpDir('pnp-bench-');
  const lab = await createLab({ hosts: [{ name: 'node', ip: `${NODE_IP}/24` }, { name: 'phone', ip: `${PHONE_IP}/24` }] });
  const steps: StepResult[] = [];
  let stepNo = 0;
  try {
    say('server  rate/s   calls      ok  failed   wall s  p50 ms  p99 ms  complete');
    for (const which of ['pnp', 'floor'] as const) {
      const child = await startServer(lab, which);
      try {
        for (const rate of o.rates) {
          const s = await storm(lab, tmp, which, stepNo++, rate, o.calls);
          steps.push(s);
          say(`${which.padEnd(6)} ${String(rate).padStart(7)} ${String(s.calls).padStart(7)} ${String(s.ok).padStart(7)} ${String(s.failed).padStart(7)} ${s.seconds.toFixed(1).padStart(8)} ${s.p50.toFixed(1).padStart(7)} ${s.p99.toFixed(1).padStart(7)}  ${s.complete ? 'yes' : 'NO'}`);
          if (!s.complete) break;
          await new Promise((r) => setTimeout(r, 500));
        }
      } finally {
        child.stdin?.end();
        child.kill('SIGTERM');
        await waitForExit(child, 5000).catch(() => {});
      }
    }
  } finally {
    await lab.teardown();
    await tmp.cleanup();
  }
  const bestOf = (w: 'pnp' | 'floor'): StepResult | undefined => steps.filter((s) => s.server === w && s.complete).sort((a, b) => b.rate - a.rate)[0];
  const pnp = bestOf('pnp');
  const floor = bestOf('floor');
  const ratio = pnp && floor ? pnp.rate / floor.rate : NaN;
  say(`highest rate answered completely: pnp ${pnp?.rate ?? 'none'}/s (p50 ${pnp?.p50.toFixed(1) ?? '-'} ms, p99 ${pnp?.p99.toFixed(1) ?? '-'} ms), floor ${floor?.rate ?? 'none'}/s (p50 ${floor?.p50.toFixed(1) ?? '-'} ms, p99 ${floor?.p99.toFixed(1) ?? '-'} ms); ratio pnp/floor ${ratio.toFixed(2)}`);
  return { steps, best: { pnp, floor, ratio } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const tiny = args.includes('--tiny');
  const val = (k: string): string | undefined => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
  const calls = Number(val('--calls') ?? (tiny ? 300 : 10_000));
  const rates = (val('--rates') ?? (tiny ? '200,400' : '500,1000,2000,3000,4000,5000,6000,8000')).split(',').map(Number);
  const r = await runPnpBench({ calls, rates });
  process.exit(r.best.pnp ? 0 : 1);
}

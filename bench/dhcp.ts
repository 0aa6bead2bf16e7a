// DHCP side by side: our server (durable leases: SQLite synchronous=FULL, group commit) against
// dnsmasq (--no-ping, lease file on), both in the same namespace lab and run, driven by perfdhcp
// (kea) acting as a relay from another namespace at rising rates (-r). Prints per rate the
// achieved 4-way exchanges/s, drops, and DISCOVER-OFFER / REQUEST-ACK delays; then the
// loss-free rate of each server and their ratio (ours / dnsmasq, >= 1 means we keep up).
//
// `node bench/dhcp.ts [--tiny] [--rates 250,500,1000,2000,4000] [--seconds 5]`
//
// Delays: perfdhcp prints min/avg/max and the standard deviation, not percentiles. The "p99"
// column is an approximation, avg + 2.33 * std dev (normal tail), and is labelled as such.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, NODE_BIN, type Lab } from '../test/lab/lab.ts';
import { collectLines, waitForExit } from '../test/lab/proc.ts';

const RUN_SERVER = fileURLToPath(new URL('../test/dhcp/run-server.ts', import.meta.url));
const SRV = '10.99.0.1';
const POOL_FIRST = '10.99.0.10';
const POOL_LAST = '10.99.0.250';
const CLIENTS = 200; // -R: distinct MACs, under the pool size (241)

export interface PhaseStats { sent: number; received: number; drops: number; minMs: number; avgMs: number; maxMs: number; stdMs: number }
export interface RateRow { server: 'ours' | 'dnsmasq'; rate: number; achieved: number; do: PhaseStats; ra: PhaseStats; lossFree: boolean }
export interface DhcpBenchResult { rows: RateRow[]; lossFree: { ours: number; dnsmasq: number }; ratio: number }

export interface DhcpBenchOptions {
  rates?: number[];
  seconds?: number;
  print?: (line: string) => void;
}

export function parsePerfdhcp(out: string): { achieved: number; do: PhaseStats; ra: PhaseStats } {
  const section = (name: string): PhaseStats => {
    const i = out.indexOf(`Statistics for: ${name}`);
    const next = i < 0 ? -1 : out.indexOf('Statistics for:', i + 15);
    const s = i < 0 ? '' : out.slice(i, next > 0 ? next : undefined);
    const num = (re: RegExp): number => Number(re.exec(s)?.[1] ?? NaN);
    return {
      sent: num(/sent packets: (\d+)/), received: num(/received packets: (\d+)/), drops: num(/drops: (\d+)/),
      minMs: num(/min delay: ([\d.]+)/), avgMs: num(/avg delay: ([\d.]+)/), maxMs: num(/max delay: ([\d.]+)/), stdMs: num(/std deviation: ([\d.]+)/),
    };
  };
  return { achieved: Number(/Rate: ([\d.]+)/.exec(out)?.[1] ?? NaN), do: section('DISCOVER-OFFER'), ra: section('REQUEST-ACK') };
}

/** Loss-free: at most one in-flight exchange at the end of the period (perfdhcp counts it as a drop) per phase. */
const lossFree = (p: PhaseStats): boolean => Number.isFinite(p.drops) && p.drops <= 1 && p.received > 0;

interface Running { stop(): Promise<void> }

async function startOurs(lab: Lab, dir: string): Promise<Running> {
  const cfg = { pools: [`${POOL_FIRST}-${POOL_LAST}/24`], probeOtherServers: false, leaseTimeMs: 3_600_000 };
  const c = lab.spawn('srv', NODE_BIN, [RUN_SERVER, JSON.stringify(cfg), join(dir, 'ours.db')], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = collectLines(c.stdout, 'dhcp server');
  collectLines(c.stderr, 'dhcp server stderr');
  await lines.waitFor(/^READY /, 15_000);
  return {
    async stop() {
      c.kill('SIGTERM');
      await lines.waitFor(/^FINAL /, 10_000).catch(() => c.kill('SIGKILL'));
      await waitForExit(c, 5_000).catch(() => {});
    },
  };
}

async function startDnsmasq(lab: Lab, dir: string): Promise<Running> {
  const c = lab.spawn('srv', 'dnsmasq', ['--no-daemon', '--conf-file=/dev/null', '--port=0', '--interface=eth0', '--bind-interfaces', '--except-interface=lo',
    `--dhcp-range=${POOL_FIRST},${POOL_LAST},255.255.255.0,1h`, '--dhcp-option=3', '--no-ping', '--dhcp-authoritative',
    `--dhcp-leasefile=${join(dir, 'dnsmasq.leases')}`, '--user=root', '--group=root', '--log-facility=-', '--quiet-dhcp']);
  collectLines(c.stdout, 'dnsmasq');
  collectLines(c.stderr, 'dnsmasq stderr');
  await new Promise((r) => setTimeout(r, 500));
  if (c.exitCode !== null) throw new Error(`dnsmasq exited ${c.exitCode}`);
  return {
    async stop() {
      c.kill('SIGTERM');
      await waitForExit(c, 5_000).catch(() => c.kill('SIGKILL'));
    },
  };
}

const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const p99 = (s: PhaseStats) => s.avgMs + 2.33 * s.stdMs;

export function formatRow(r: RateRow): string {
  return `${r.server.padEnd(8)} -r ${String(r.rate).padStart(5)}  ${f(r.achieved, 1).padStart(7)} ex/s  drops DO ${String(r.do.drops).padStart(5)} RA ${String(r.ra.drops).padStart(5)}  ` +
    `DO avg ${f(r.do.avgMs)} ~p99 ${f(p99(r.do))} max ${f(r.do.maxMs)} ms  RA avg ${f(r.ra.avgMs)} ~p99 ${f(p99(r.ra))} max ${f(r.ra.maxMs)} ms${r.lossFree ? '' : '  LOSS'}`;
}

export async function runDhcpBench(o: DhcpBenchOptions = {}): Promise<DhcpBenchResult> {
  const rates = o.rates ?? [250, 500, 1000, 2000, 4000];
  const seconds = o.seconds ?? 5;
  const print = o.print ?? ((l: string) => console.log(l));
  const dir = mkdtempSync(join(tmpdir(), 'pbx-dhcp-bench-'));
  const lab = await createLab({ hosts: [{ name: 'srv', ip: `${SRV}/24` }, { name: 'perf', ip: '10.99.0.3/24' }] });
  const rows: RateRow[] = [];
  const best = { ours: 0, dnsmasq: 0 };
  try {
    print(`perfdhcp relay 10.99.0.3 -> ${SRV}, ${CLIENTS} clients, ${seconds} s per rate; ~p99 = avg + 2.33 std dev (perfdhcp gives no percentiles)`);
    for (const server of ['ours', 'dnsmasq'] as const) {
      const s = server === 'ours' ? await startOurs(lab, dir) : await startDnsmasq(lab, dir);
      try {
        for (const rate of rates) {
          const r = await lab.exec('perf', 'perfdhcp', ['-4', '-l', 'eth0', '-r', String(rate), '-R', String(CLIENTS), '-p', String(seconds), SRV], { timeoutMs: (seconds + 20) * 1000 });
          const p = parsePerfdhcp(r.stdout);
          const row: RateRow = { server, rate, ...p, lossFree: lossFree(p.do) && lossFree(p.ra) };
          rows.push(row);
          print(formatRow(row));
          if (row.lossFree) best[server] = Math.max(best[server], rate);
          else break; // higher rates only lose more
        }
      } finally {
        await s.stop();
      }
    }
  } finally {
    await lab.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
  const ratio = best.dnsmasq > 0 ? best.ours / best.dnsmasq : best.ours > 0 ? Infinity : 0;
  print(`loss-free rate: ours ${best.ours}/s, dnsmasq ${best.dnsmasq}/s, ratio ${f(ratio)} (target >= 1.0; ours commits every lease durably before its ACK)`);
  return { rows, lossFree: best, ratio };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const val = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
  const tiny = args.includes('--tiny');
  await runDhcpBench({
    rates: val('--rates')?.split(',').map(Number) ?? (tiny ? [100] : undefined),
    seconds: Number(val('--seconds') ?? (tiny ? 2 : 5)),
  });
}

// The client side of the audit: a responder in each node namespace (the service on the resource
// IP, answering with its node name) and a prober in cli hitting the resource IP every 50 ms. From
// the probe log: the outage (longest run of unanswered probes) and who answered when.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NODE_BIN } from '../lab/lab.ts';
import { collectLines, waitForExit } from '../lab/proc.ts';
import { NODES, type HaLab, type NodeName } from './lab.ts';
import { createWatch } from './watch.ts';

const RESPONDER = fileURLToPath(new URL('./tools/responder.ts', import.meta.url));
const PROBER = fileURLToPath(new URL('./tools/prober.ts', import.meta.url));
export const PROBE_PORT = 7070;

export interface ProbeSample {
  seq: number;
  /** Send time, epoch ms (performance.timeOrigin + now, comparable across our processes). */
  t: number;
  /** Node that answered, or undefined when the probe timed out. */
  who: string | undefined;
  rttMs: number | undefined;
}

export interface Outage {
  /** Longest run of failed probes, ms: first failed send to the first answered send after it. */
  ms: number;
  failed: number;
  /** First failed probe of the run (epoch ms), or NaN when nothing failed. */
  from: number;
  /** First answered probe after the run, NaN if the run never ended within the range. */
  to: number;
  recovered: boolean;
  /** Who answered right before and right after the run. */
  before: string | undefined;
  after: string | undefined;
}

/** Pure: the longest run of failed probes among the samples sent in [from, to]. */
export function outageOf(samples: readonly ProbeSample[], from = -Infinity, to = Infinity): Outage {
  const s = samples.filter((x) => x.t >= from && x.t <= to).sort((a, b) => a.seq - b.seq);
  let best: Outage = { ms: 0, failed: 0, from: NaN, to: NaN, recovered: true, before: undefined, after: undefined };
  let i = 0;
  while (i < s.length) {
    if (s[i]!.who !== undefined) { i++; continue; }
    const start = i;
    while (i < s.length && s[i]!.who === undefined) i++;
    const end = s[i];
    const last = s[i - 1]!;
    // An unrecovered run counts up to its last failed probe plus one probe interval's worth.
    const gap = s.length > 1 ? (s[s.length - 1]!.t - s[0]!.t) / (s.length - 1) : 0;
    const ms = end !== undefined ? end.t - s[start]!.t : last.t + gap - s[start]!.t;
    if (ms > best.ms || (best.failed === 0)) {
      best = {
        ms, failed: i - start, from: s[start]!.t, to: end?.t ?? NaN, recovered: end !== undefined,
        before: start > 0 ? s[start - 1]!.who : undefined, after: end?.who,
      };
    }
  }
  return best;
}

export interface ClientProbe {
  readonly samples: readonly ProbeSample[];
  readonly intervalMs: number;
  /** Resolves with the first probe sent at or after `since` answered by `who` (any node if omitted). */
  waitAnswer(opts?: { who?: string; since?: number; timeoutMs?: number }): Promise<ProbeSample>;
  /** Resolves once `n` probes in a row sent after `since` were answered by `who`. */
  waitStable(who: string, opts?: { since?: number; n?: number; timeoutMs?: number }): Promise<ProbeSample>;
  outage(from?: number, to?: number): Outage;
  /** Nodes that answered probes sent in [from, to]. */
  answeredBy(from?: number, to?: number): Set<string>;
  stop(): Promise<void>;
}

export interface ProbeOptions {
  intervalMs?: number;
  timeoutMs?: number;
}

export async function startProbe(ha: HaLab, o: ProbeOptions = {}): Promise<ClientProbe> {
  const intervalMs = o.intervalMs ?? 50;
  const c = ha.lab.spawn('cli', NODE_BIN, [PROBER, '--target', ha.vip, '--port', String(PROBE_PORT),
    '--interval-ms', String(intervalMs), '--timeout-ms', String(o.timeoutMs ?? 200)]);
  const samples: ProbeSample[] = [];
  const watch = createWatch();
  const lines = collectLines(c.stdout, 'prober');
  const errs = collectLines(c.stderr, 'prober stderr');
  let parsed = 0;
  c.stdout!.on('data', () => {
    for (; parsed < lines.lines.length; parsed++) {
      const m = /^P (\d+) ([\d.]+) (\S+) (\S+)$/.exec(lines.lines[parsed]!);
      if (!m) continue;
      samples.push({ seq: Number(m[1]), t: Number(m[2]), who: m[3] === '-' ? undefined : m[3], rttMs: m[4] === '-' ? undefined : Number(m[4]) });
    }
    watch.notify();
  });
  await lines.waitFor(/^ready$/, 15_000).catch((e: Error) => {
    throw new Error(`prober did not start: ${e.message}\n${errs.lines.join('\n')}`);
  });

  const waitUntil = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    watch.until(check, timeoutMs, () => {
      const tail = samples.slice(-10).map((s) => `${s.seq}:${s.who ?? '-'}`).join(' ');
      return new Error(`client probe: ${what} not seen within ${timeoutMs} ms (last probes: ${tail || 'none'})`);
    });

  return {
    samples,
    intervalMs,
    waitAnswer({ who, since = -Infinity, timeoutMs = 10_000 } = {}) {
      return waitUntil(() => samples.find((s) => s.t >= since && s.who !== undefined && (who === undefined || s.who === who)),
        timeoutMs, `an answer${who ? ` from ${who}` : ''}`);
    },
    waitStable(who, { since = -Infinity, n = 5, timeoutMs = 10_000 } = {}) {
      return waitUntil(() => {
        let run = 0;
        for (const s of samples) {
          if (s.t < since) continue;
          run = s.who === who ? run + 1 : 0;
          if (run >= n) return s;
        }
        return undefined;
      }, timeoutMs, `${n} answers in a row from ${who}`);
    },
    outage: (from, to) => outageOf(samples, from, to),
    answeredBy(from = -Infinity, to = Infinity) {
      return new Set(samples.filter((s) => s.t >= from && s.t <= to && s.who !== undefined).map((s) => s.who!));
    },
    async stop() {
      c.kill('SIGKILL');
      await waitForExit(c, 5_000).catch(() => {});
    },
  };
}

export interface Responder {
  readonly node: NodeName;
  readonly proc: ChildProcess;
  readonly pid: number;
}

/** Starts the responder in one node; resolves when it is bound. */
export async function startResponder(ha: HaLab, node: NodeName): Promise<Responder> {
  const c = ha.lab.spawn(node, NODE_BIN, [RESPONDER, '--name', node, '--port', String(PROBE_PORT)]);
  const lines = collectLines(c.stdout, `responder ${node}`);
  const errs = collectLines(c.stderr, `responder ${node} stderr`);
  await lines.waitFor(/^ready$/, 15_000).catch((e: Error) => {
    throw new Error(`responder in ${node} did not start: ${e.message}\n${errs.lines.join('\n')}`);
  });
  return { node, proc: c, pid: c.pid! };
}

export async function startResponders(ha: HaLab): Promise<Record<NodeName, Responder>> {
  const [a, b] = await Promise.all(NODES.map((n) => startResponder(ha, n)));
  return { nA: a!, nB: b! };
}

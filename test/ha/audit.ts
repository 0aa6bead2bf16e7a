// The resource auditor (CTS PrimitiveAudit): every 50 ms it reads `ip -n <ns> -o -4 addr` on both
// nodes and records who holds the resource IP. Two holders outside a window the scenario opened
// (allowDual) is a violation; check() fails the test with the timeline around each one. The
// client probe (probe.ts) is re-exported here: together they are "the audit".
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { holdsVip, NODES, type HaLab, type NodeName } from './lab.ts';
import { createWatch } from './watch.ts';

export * from './probe.ts';

export interface HolderSample {
  /** Epoch ms (performance.timeOrigin + now) when the reads started. */
  t: number;
  holders: NodeName[];
}

export interface DualWindow {
  label: string;
  from: number;
  /** Open while undefined. */
  to: number | undefined;
}

export interface Violation {
  from: number;
  to: number;
  holders: NodeName[];
  samples: number;
}

export interface HolderAudit {
  readonly samples: readonly HolderSample[];
  readonly windows: readonly DualWindow[];
  /** Dual holding is allowed from now until close(graceMs) + graceMs. */
  allowDual(label: string): { close(graceMs?: number): void };
  /** Latest sample (undefined before the first read completes). */
  latest(): HolderSample | undefined;
  /** Resolves with the first sample at or after `since` whose holders match. */
  waitHolders(match: readonly NodeName[] | ((h: NodeName[]) => boolean), opts?: { since?: number; timeoutMs?: number }): Promise<HolderSample>;
  /** Runs of 2 holders not covered by a window. */
  violations(): Violation[];
  /** Throws, with the timeline, if there is any violation. */
  check(context?: string): void;
  /** Longest run of samples with two holders in [from, to], ms (0 when none). */
  longestDual(from?: number, to?: number): number;
  /** Resolves once `n` samples in a row after `since` show exactly one holder; returns it. */
  waitSingle(opts?: { since?: number; n?: number; timeoutMs?: number }): Promise<{ holder: NodeName; t: number }>;
  /** How often each node gained or lost the resource in [from, to]. */
  changes(from?: number, to?: number): Record<NodeName, number>;
  /** The holder timeline as text, one line per change (for failure messages). */
  timeline(from?: number, to?: number): string;
  /** Forget samples and windows (the next scenario starts clean). */
  reset(): void;
  stop(): Promise<void>;
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

function readAddrs(ns: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('ip', ['-n', ns, '-o', '-4', 'addr', 'show'], { timeout: 2_000 }, (err, stdout) => resolve(err ? '' : stdout));
  });
}

/** Pure: maximal runs of samples with 2 holders not covered by any window. */
export function findViolations(samples: readonly HolderSample[], windows: readonly DualWindow[], now = Infinity): Violation[] {
  const covered = (t: number): boolean => windows.some((w) => t >= w.from && t <= (w.to ?? now));
  const out: Violation[] = [];
  let cur: Violation | undefined;
  for (const s of samples) {
    if (s.holders.length >= 2 && !covered(s.t)) {
      if (cur) { cur.to = s.t; cur.samples++; } else { cur = { from: s.t, to: s.t, holders: s.holders, samples: 1 }; }
    } else if (cur) {
      out.push(cur);
      cur = undefined;
    }
  }
  if (cur) out.push(cur);
  return out;
}

export function startHolderAudit(ha: HaLab, o: { intervalMs?: number } = {}): HolderAudit {
  const intervalMs = o.intervalMs ?? 50;
  const samples: HolderSample[] = [];
  const windows: DualWindow[] = [];
  const watch = createWatch();
  let stopped = false;
  let failures = 0;
  const nss = NODES.map((n) => ha.lab.ns(n));

  const loop = (async () => {
    while (!stopped) {
      const t = epochNow();
      const outs = await Promise.all(nss.map(readAddrs));
      // A failed read (namespace busy, ip killed by the timeout) is not "no holder": skip it.
      if (outs.some((x) => x === '')) failures++;
      else {
        samples.push({ t, holders: NODES.filter((_, i) => holdsVip(outs[i]!, ha.vip)) });
        watch.notify();
      }
      const wait = intervalMs - (epochNow() - t);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();

  const fmt = (t: number, t0: number): string => `${((t - t0) / 1000).toFixed(2)}s`;

  const audit: HolderAudit = {
    samples,
    windows,
    allowDual(label) {
      const w: DualWindow = { label, from: epochNow(), to: undefined };
      windows.push(w);
      return { close: (graceMs = 0) => { w.to = epochNow() + graceMs; } };
    },
    latest: () => samples.at(-1),
    waitHolders(match, { since = -Infinity, timeoutMs = 10_000 } = {}) {
      const ok = typeof match === 'function' ? match
        : (h: NodeName[]) => h.length === match.length && match.every((n) => h.includes(n));
      return watch.until(() => samples.find((s) => s.t >= since && ok(s.holders)), timeoutMs,
        () => new Error(`holder audit: expected holders ${typeof match === 'function' ? '(predicate)' : `[${match.join(',')}]`} ` +
          `within ${timeoutMs} ms; latest [${samples.at(-1)?.holders.join(',') ?? 'no sample'}]\n${audit.timeline(since === -Infinity ? undefined : since - 2_000)}`));
    },
    violations: () => findViolations(samples, windows, epochNow()),
    check(context = '') {
      const v = audit.violations();
      if (v.length === 0) return;
      const t0 = samples[0]?.t ?? 0;
      const lines = v.map((x) => `  both [${x.holders.join(',')}] held the resource IP from ${fmt(x.from, t0)} to ${fmt(x.to, t0)} (${x.samples} samples, ${Math.round(x.to - x.from + intervalMs)} ms)`);
      throw new Error(`AUDIT FAILED${context ? ` (${context})` : ''}: two holders outside any allowed window\n${lines.join('\n')}\n` +
        `windows: ${windows.map((w) => `${w.label} ${fmt(w.from, t0)}..${w.to === undefined ? 'open' : fmt(w.to, t0)}`).join('; ') || 'none'}\n${audit.timeline()}`);
    },
    longestDual(from = -Infinity, to = Infinity) {
      let best = 0;
      let start: number | undefined;
      for (const s of samples) {
        if (s.t < from || s.t > to) continue;
        if (s.holders.length >= 2) {
          start ??= s.t;
          best = Math.max(best, s.t - start + intervalMs);
        } else {
          start = undefined;
        }
      }
      return best;
    },
    waitSingle({ since = -Infinity, n = 4, timeoutMs = 10_000 } = {}) {
      const find = (): { holder: NodeName; t: number } | undefined => {
        let run = 0;
        let who: NodeName | undefined;
        for (const s of samples) {
          if (s.t < since) continue;
          if (s.holders.length === 1 && (run === 0 || s.holders[0] === who)) {
            who = s.holders[0]!;
            run++;
            if (run >= n) return { holder: who, t: s.t };
          } else if (s.holders.length === 1) {
            who = s.holders[0]!;
            run = 1;
          } else {
            run = 0;
          }
        }
        return undefined;
      };
      return watch.until(find, timeoutMs,
        () => new Error(`holder audit: no single holder for ${n} samples in a row within ${timeoutMs} ms\n${audit.timeline(since - 2_000)}`));
    },
    changes(from = -Infinity, to = Infinity) {
      const out: Record<NodeName, number> = { nA: 0, nB: 0 };
      let prev: HolderSample | undefined;
      for (const s of samples) {
        if (s.t > to) break;
        if (prev && s.t >= from) {
          for (const n of NODES) if (prev.holders.includes(n) !== s.holders.includes(n)) out[n]++;
        }
        prev = s;
      }
      return out;
    },
    timeline(from = -Infinity, to = Infinity) {
      const t0 = samples[0]?.t ?? 0;
      const lines: string[] = [];
      let prev = '';
      for (const s of samples) {
        if (s.t < from || s.t > to) continue;
        const cur = s.holders.join(',') || '-';
        if (cur !== prev) lines.push(`  ${fmt(s.t, t0)} holders: ${cur}`);
        prev = cur;
      }
      return `holder timeline (${samples.length} samples, ${failures} failed reads):\n${lines.join('\n')}`;
    },
    reset() {
      samples.length = 0;
      windows.length = 0;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
  return audit;
}

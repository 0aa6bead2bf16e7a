// One failover measurement in the HA lab, the same for every contender (keepalived or our agent):
// nA holds the resource IP and answers cli's probes; then nA is crashed or stopped gracefully, and
// the outage is the longest run of unanswered probes until nB answers steadily.
//
// Crash = the whole node dies at one instant: every process in nA's namespace is frozen
// (SIGSTOP: nothing gets to send a goodbye), nA's switch ports stop forwarding (a dead machine is
// silent, though its resource IP is still configured in its kernel), then the frozen processes
// are killed (SIGKILL). Graceful = SIGTERM to nA's HA daemon only (its service keeps running, as
// on a node that is being shut down cleanly); it must hand over without waiting for the dead
// threshold.
import { epochNow, startResponder, type ClientProbe, type HolderAudit, type Responder } from '../../test/ha/audit.ts';
import type { HaLab, NodeName } from '../../test/ha/lab.ts';
import { median } from './proc.ts';

export type FailMode = 'crash' | 'graceful';

export interface Contender {
  /** Printed name, e.g. "keepalived advert 1 s". */
  readonly name: string;
  /** Detection threshold of this contender in ms (VRRP master-down, our deadMs). */
  readonly deadMs: number;
  /** Starts both nodes; resolves when nA holds the resource IP and nB is ready to take over. */
  start(): Promise<void>;
  /** Graceful stop of the daemon on a node. */
  stopGracefully(node: NodeName): Promise<void>;
  /** Stops whatever is still running (after a run). */
  stopAll(): Promise<void>;
}

export interface RunResult {
  contender: string;
  mode: FailMode;
  /** Longest run of failed probes after the failure, ms. */
  outageMs: number;
  /** From the failure to the first audit sample with nB holding the resource IP. */
  takeoverMs: number;
  /** Who answered after the outage. */
  after: string | undefined;
  /** Two holders seen while nA was still alive (graceful runs only; a crash leaves a dead holder). */
  overlap: boolean;
}

export interface LabKit {
  ha: HaLab;
  audit: HolderAudit;
  probe: ClientProbe;
  responders: Record<NodeName, Responder>;
}

/** One run: start, fail nA, wait for nB to serve, measure, clean up for the next run. */
export async function measureFailover(kit: LabKit, c: Contender, mode: FailMode): Promise<RunResult> {
  const { ha, audit, probe } = kit;
  await ha.healAll();
  await ha.clearVip();
  if (kit.responders.nA.proc.exitCode !== null || kit.responders.nA.proc.signalCode !== null) {
    kit.responders.nA = await startResponder(ha, 'nA');
  }
  const since = epochNow();
  let window: { close(graceMs?: number): void } | undefined;
  try {
    await c.start();
    await audit.waitHolders(['nA'], { since, timeoutMs: 30_000 });
    await probe.waitStable('nA', { since, n: 5, timeoutMs: 10_000 });
    // A crashed nA keeps the address in its (frozen, then dead) kernel: that is not a dual
    // holder the phones can see, so the window covers the whole crash run.
    if (mode === 'crash') window = audit.allowDual(`${c.name} crash of nA`);
    const t0 = epochNow();
    if (mode === 'crash') await ha.crash('nA', 'silent');
    else await c.stopGracefully('nA');
    const limit = c.deadMs * 3 + 10_000;
    const stable = await probe.waitStable('nB', { since: t0, n: 5, timeoutMs: limit });
    const took = await audit.waitHolders((h) => h.includes('nB'), { since: t0, timeoutMs: 1_000 });
    const out = probe.outage(t0 - probe.intervalMs, stable.t);
    const overlap = mode === 'graceful' && audit.samples.some((s) => s.t >= t0 && s.t <= stable.t && s.holders.length > 1);
    return { contender: c.name, mode, outageMs: out.ms, takeoverMs: took.t - t0, after: out.after ?? stable.who, overlap };
  } finally {
    await c.stopAll();
    window?.close(500);
  }
}

export interface Summary { n: number; min: number; median: number; max: number }

export function summarize(xs: readonly number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, min: s[0] ?? NaN, median: s.length === 0 ? NaN : median(s), max: s.at(-1) ?? NaN };
}

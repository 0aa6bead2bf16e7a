// Randomized HA soak in the namespace lab: two real pbx-agent daemons, and cycle after cycle a
// random fault (kill -9, freeze, link cuts, a one-way loss, a whole-node crash, a graceful stop,
// a tracked interface down), held for a random time, then repaired (restart, thaw, heal). Every
// cycle must end with exactly one holder of the resource IP, the status agreeing (one ACTIVE,
// one STANDBY), and no two holders outside the fault's window. Seedable: the same seed replays
// the same faults and holds (timing on a busy machine still varies).
//
// `npm run soak -- [--cycles 50] [--seed N] [--json]`   (needs root; run it alone: it is heavy)
// Prints one line per cycle and a summary; exits 1 if any cycle failed.
import { fileURLToPath } from 'node:url';
import { requireLab } from '../lab/preflight.ts';
import { epochNow } from '../ha/audit.ts';
import { LAB_TIMERS, waitRole } from '../ha/cluster.ts';
import { peerOf, type NodeName } from '../ha/lab.ts';
import { underHaLabLock } from '../ha/serial.ts';
import {
  assertStatusAgrees, bootPair, createWorld, destroyWorld, ensureResponders, requireHaRuntime, type World,
} from '../ha/world.ts';
import { rng } from '../lib/rng.ts';
export { rng };

const K = LAB_TIMERS.keepaliveIntervalMs;
const D = LAB_TIMERS.deadMs;
const I = LAB_TIMERS.initTimeoutMs;

export const FAULTS = [
  'kill9-active', 'kill9-standby', 'freeze-active-long', 'freeze-active-short', 'cut-both', 'cut-lan', 'cut-sync',
  'crash-active', 'stop-active', 'restart-standby', 'oneway-active-to-standby', 'ifdown-active',
] as const;
export type Fault = typeof FAULTS[number];

export interface CycleResult {
  cycle: number;
  fault: Fault;
  victim: NodeName;
  holdMs: number;
  /** From the repair to a steady single holder with the status agreeing. */
  convergeMs: number;
  /** Longest run of failed cli probes in the cycle. */
  outageMs: number;
  holder: NodeName | undefined;
  ok: boolean;
  error?: string;
}

export interface SoakOptions {
  cycles?: number;
  seed?: number;
  print?: (line: string) => void;
}

export interface SoakSummary {
  seed: number;
  cycles: CycleResult[];
  failed: number;
}

/** Faults during which two holders are expected (no fencing: ha.md 4.7), until repair + 2K. */
const DUAL_OK: ReadonlySet<Fault> = new Set(['kill9-active', 'freeze-active-long', 'cut-both', 'crash-active', 'oneway-active-to-standby', 'ifdown-active']);

async function activeNode(w: World): Promise<NodeName> {
  const h = await w.ha.holders();
  if (h.length !== 1) throw new Error(`expected one holder before the fault, found [${h.join(',')}]`);
  return h[0]!;
}

/** Applies a fault; returns the repair. */
async function inject(w: World, fault: Fault, active: NodeName): Promise<{ victim: NodeName; repair: () => Promise<void> }> {
  const standby = peerOf(active);
  const nodes = w.cluster.nodes;
  const restart = (n: NodeName) => async (): Promise<void> => {
    if (!nodes[n].running()) await nodes[n].start();
  };
  switch (fault) {
    case 'kill9-active': await nodes[active].kill9(); return { victim: active, repair: restart(active) };
    case 'kill9-standby': await nodes[standby].kill9(); return { victim: standby, repair: restart(standby) };
    case 'freeze-active-long':
    case 'freeze-active-short':
      nodes[active].freeze();
      return { victim: active, repair: async () => nodes[active].thaw() };
    case 'cut-both':
      await w.ha.cut('lan');
      await w.ha.cut('sync');
      return { victim: active, repair: () => w.ha.healAll() };
    case 'cut-lan': await w.ha.cut('lan'); return { victim: active, repair: () => w.ha.healAll() };
    case 'cut-sync': await w.ha.cut('sync'); return { victim: active, repair: () => w.ha.healAll() };
    case 'crash-active':
      await w.ha.crash(active, 'cable');
      return {
        victim: active,
        repair: async () => {
          await w.ha.healAll();
          await ensureResponders(w);
          await restart(active)();
        },
      };
    case 'stop-active': await nodes[active].stop(); return { victim: active, repair: restart(active) };
    case 'restart-standby':
      await nodes[standby].stop();
      await nodes[standby].start();
      return { victim: standby, repair: async () => {} };
    case 'oneway-active-to-standby': await w.ha.blackhole(active, standby); return { victim: active, repair: () => w.ha.healAll() };
    case 'ifdown-active': await w.ha.ifDown(active, 'lan'); return { victim: active, repair: () => w.ha.healAll() };
  }
}

function holdFor(fault: Fault, r: () => number): number {
  if (fault === 'freeze-active-short') return Math.round(300 + r() * (D * 0.6 - 300));
  if (fault === 'freeze-active-long') return Math.round(D + 500 + r() * 2000);
  return Math.round(500 + r() * 3500);
}

export async function runSoak(o: SoakOptions = {}): Promise<SoakSummary> {
  const cycles = o.cycles ?? 50;
  const seed = o.seed ?? (Date.now() % 2 ** 31);
  const print = o.print ?? ((l: string) => console.log(l));
  requireLab(['bridge', 'ping', 'arping']);
  requireHaRuntime();
  const r = rng(seed);
  const results: CycleResult[] = [];
  const { value: w, release } = await underHaLabLock(createWorld);
  try {
    print(`HA soak: ${cycles} cycles, seed ${seed} (replay with --seed ${seed}); timers K ${K} D ${D} I ${I} ms`);
    await bootPair(w);
    for (let c = 1; c <= cycles; c++) {
      const fault = FAULTS[Math.floor(r() * FAULTS.length)]!;
      const holdMs = holdFor(fault, r);
      const t0 = epochNow();
      let victim: NodeName = 'nA';
      let res: CycleResult;
      let win: { close(graceMs?: number): void } | undefined;
      try {
        const active = await activeNode(w);
        if (DUAL_OK.has(fault)) win = w.audit.allowDual(`cycle ${c} ${fault}`);
        const f = await inject(w, fault, active);
        victim = f.victim;
        await new Promise((res2) => setTimeout(res2, holdMs));
        await f.repair();
        const tr = epochNow();
        win?.close(2 * K + 1000);
        const single = await w.audit.waitSingle({ since: tr, n: 6, timeoutMs: I + 2 * D + 10_000 });
        // Both daemons up and settled: one ACTIVE (the holder), the other STANDBY.
        await waitRole(w.cluster.nodes[single.holder], 'active', I + 5000);
        await waitRole(w.cluster.nodes[peerOf(single.holder)], 'standby', I + 5000);
        await w.probe.waitStable(single.holder, { since: epochNow(), n: 3, timeoutMs: 5000 });
        await assertStatusAgrees(w);
        w.audit.check(`soak cycle ${c} (${fault})`);
        res = { cycle: c, fault, victim, holdMs, convergeMs: single.t - tr, outageMs: w.probe.outage(t0).ms, holder: single.holder, ok: true };
      } catch (e) {
        res = { cycle: c, fault, victim, holdMs, convergeMs: NaN, outageMs: w.probe.outage(t0).ms, holder: undefined, ok: false, error: (e as Error).message };
        win?.close(0);
        // Start the next cycle from a known state.
        await w.cluster.stopAll().catch(() => {});
        await w.ha.healAll().catch(() => {});
        await w.ha.clearVip().catch(() => {});
        await ensureResponders(w);
        w.audit.reset();
        await bootPair(w).catch((e2: Error) => { res.error += `\n(and the re-boot failed: ${e2.message})`; });
      }
      results.push(res);
      print(`cycle ${String(c).padStart(3)} ${res.fault.padEnd(26)} victim ${res.victim} hold ${String(res.holdMs).padStart(4)} ms  ` +
        (res.ok ? `converged ${Math.round(res.convergeMs)} ms, outage ${Math.round(res.outageMs)} ms, holder ${res.holder}` : `FAILED: ${res.error?.split('\n')[0]}`));
      // Keep the audit's memory bounded on long soaks: earlier cycles are already judged.
      w.audit.reset();
    }
  } finally {
    await destroyWorld(w).finally(release);
  }
  const failed = results.filter((x) => !x.ok).length;
  const ok = results.filter((x) => x.ok);
  const stat = (xs: number[]): string => {
    if (xs.length === 0) return '-';
    const s = [...xs].sort((a, b) => a - b);
    return `min ${Math.round(s[0]!)} / median ${Math.round(s[s.length >> 1]!)} / max ${Math.round(s.at(-1)!)} ms`;
  };
  const byFault = FAULTS.map((f) => [f, results.filter((x) => x.fault === f).length] as const).filter(([, n]) => n > 0);
  print(`summary: ${results.length} cycles, ${failed} failed, seed ${seed}`);
  print(`  faults: ${byFault.map(([f, n]) => `${f} ${n}`).join(', ')}`);
  print(`  convergence after repair: ${stat(ok.map((x) => x.convergeMs))}`);
  print(`  outage per cycle: ${stat(ok.map((x) => x.outageMs))}`);
  for (const x of results.filter((y) => !y.ok)) print(`  FAILED cycle ${x.cycle} ${x.fault}: ${x.error}`);
  return { seed, cycles: results, failed };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const val = (k: string): string | undefined => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
  const cycles = Number(val('--cycles') ?? 50);
  const seed = val('--seed') === undefined ? undefined : Number(val('--seed'));
  if (!Number.isInteger(cycles) || cycles < 1) throw new Error(`--cycles ${val('--cycles')}: give a positive integer`);
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`--seed ${val('--seed')}: give an integer`);
  const s = await runSoak({ cycles, ...(seed === undefined ? {} : { seed }) });
  if (args.includes('--json')) console.log(JSON.stringify(s));
  process.exitCode = s.failed > 0 ? 1 : 0;
}

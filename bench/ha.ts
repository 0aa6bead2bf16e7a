// HA failover side by side, in the HA lab (test/ha/lab.ts): keepalived (VRRP; advert 1 s, its
// default, and 0.1 s) against two real pbx-agent daemons with HA on. For each contender and each
// failure (crash of the active node: SIGSTOP of everything on it, ports silent, then SIGKILL; and
// a graceful daemon stop) it runs N times and prints min/median/max outage as the phone sees it
// (cli probes the resource IP every 20 ms), the takeover time (failure -> address on nB), and the
// ratio ours / keepalived of the median outages. Target for ours: outage <= deadMs + 0.5 s.
//
// `node bench/ha.ts [--runs 5] [--modes crash,graceful] [--only keepalived|ours] [--ours-timers lab,vrrp] [--tiny]`
//   --tiny: one run each, for the smoke test. --ours-timers: lab = K 0.2 s D 1.5 s (default);
//   vrrp = K 1 s D 3.61 s, keepalived's defaults translated, for a like-for-like ratio.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHolderAudit, startProbe, startResponders } from '../test/ha/audit.ts';
import { createHaLab } from '../test/ha/lab.ts';
import { underHaLabLock } from '../test/ha/serial.ts';
import { requireTools } from '../test/lab/preflight.ts';
import { measureFailover, summarize, type Contender, type FailMode, type LabKit, type RunResult, type Summary } from './lib/ha-failover.ts';
import { keepalivedPair } from './lib/ha-keepalived.ts';
import { agentPair, BENCH_TIMERS, TIMER_PRESETS } from './lib/ha-agent.ts';
import type { HaTimers } from '../test/ha/cluster.ts';

export interface HaBenchOptions {
  runs?: number;
  modes?: FailMode[];
  /** Which contenders; default both. */
  only?: 'keepalived' | 'ours';
  /** keepalived advert intervals, seconds (default 1 and 0.1). */
  adverts?: number[];
  /** Timer sets for our daemons (default: the lab timers, K 0.2 s D 1.5 s). */
  oursTimers?: HaTimers[];
  print?: (line: string) => void;
}

export interface CaseResult { contender: string; mode: FailMode; deadMs: number; outage: Summary; takeover: Summary; runs: RunResult[] }

export interface HaBenchResult {
  cases: CaseResult[];
  /** ours median outage / keepalived median outage, per keepalived case and mode. */
  ratios: Array<{ mode: FailMode; versus: string; ratio: number }>;
  /** Ours within deadMs + 500 ms on every crash run. */
  oursWithinTarget: boolean | undefined;
}

const s = (ms: number): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-');

export function formatCase(c: CaseResult): string {
  const overlap = c.runs.filter((r) => r.overlap).length;
  return `${c.contender.padEnd(28)} ${c.mode.padEnd(8)} outage min/med/max ${s(c.outage.min)}/${s(c.outage.median)}/${s(c.outage.max)} s  ` +
    `takeover ${s(c.takeover.min)}/${s(c.takeover.median)}/${s(c.takeover.max)} s  dead ${s(c.deadMs)} s  n=${c.outage.n}` +
    (overlap > 0 ? `  OVERLAP in ${overlap} run(s)` : '');
}

export async function runHaBench(o: HaBenchOptions = {}): Promise<HaBenchResult> {
  const runs = o.runs ?? 5;
  const modes = o.modes ?? ['crash', 'graceful'];
  const print = o.print ?? ((l: string) => console.log(l));
  requireTools(['keepalived', 'arping', 'ping']);
  const dir = mkdtempSync(join(tmpdir(), 'pbx-ha-bench-'));
  const { value: ha, release } = await underHaLabLock(() => createHaLab());
  const cases: CaseResult[] = [];
  try {
    const responders = await startResponders(ha);
    const audit = startHolderAudit(ha);
    const probe = await startProbe(ha, { intervalMs: 20, timeoutMs: 200 });
    const kit: LabKit = { ha, audit, probe, responders };
    const contenders: Contender[] = [];
    if (o.only !== 'ours') for (const a of o.adverts ?? [1, 0.1]) contenders.push(keepalivedPair(ha, a, dir));
    if (o.only !== 'keepalived') {
      (o.oursTimers ?? [BENCH_TIMERS]).forEach((t, i) => contenders.push(agentPair(ha, join(dir, `agents-${i}`), t)));
    }
    print(`HA failover: ${runs} run(s) per case; cli probes ${ha.vip} every ${probe.intervalMs} ms; outage = longest run of unanswered probes`);
    try {
      for (const c of contenders) {
        for (const mode of modes) {
          const rs: RunResult[] = [];
          for (let i = 0; i < runs; i++) rs.push(await measureFailover(kit, c, mode));
          const cr: CaseResult = {
            contender: c.name, mode, deadMs: c.deadMs, runs: rs,
            outage: summarize(rs.map((r) => r.outageMs)), takeover: summarize(rs.map((r) => r.takeoverMs)),
          };
          cases.push(cr);
          print(formatCase(cr));
        }
      }
      audit.check('HA bench');
    } finally {
      await probe.stop();
      await audit.stop();
    }
  } finally {
    await ha.teardown().finally(release);
    rmSync(dir, { recursive: true, force: true });
  }
  const ours = cases.filter((c) => c.contender.startsWith('pbx-agent'));
  const ratios: HaBenchResult['ratios'] = [];
  for (const oc of ours) {
    for (const kc of cases.filter((c) => c.contender.startsWith('keepalived') && c.mode === oc.mode)) {
      const ratio = oc.outage.median / kc.outage.median;
      ratios.push({ mode: oc.mode, versus: kc.contender, ratio });
      print(`ratio ${oc.contender} / ${kc.contender} (${oc.mode}, median outage): ${ratio.toFixed(2)}`);
    }
  }
  const crash = ours.filter((c) => c.mode === 'crash');
  const oursWithinTarget = crash.length === 0 ? undefined : crash.every((c) => c.outage.max <= c.deadMs + 500);
  for (const c of crash) {
    print(`target ${c.contender}: crash outage <= deadMs + 0.5 s = ${s(c.deadMs + 500)} s: ${c.outage.max <= c.deadMs + 500 ? 'met' : 'NOT met'} (max ${s(c.outage.max)} s)`);
  }
  return { cases, ratios, oursWithinTarget };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const val = (k: string): string | undefined => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
  const tiny = args.includes('--tiny');
  const only = val('--only');
  if (only !== undefined && only !== 'keepalived' && only !== 'ours') throw new Error(`--only ${only}: use keepalived or ours`);
  const presets = val('--ours-timers')?.split(',').map((p) => {
    const t = TIMER_PRESETS[p];
    if (!t) throw new Error(`--ours-timers ${p}: use ${Object.keys(TIMER_PRESETS).join(', ')}`);
    return t;
  });
  await runHaBench({
    runs: Number(val('--runs') ?? (tiny ? 1 : 5)),
    ...(presets === undefined ? {} : { oursTimers: presets }),
    modes: (val('--modes')?.split(',') as FailMode[] | undefined) ?? undefined,
    ...(only === undefined ? {} : { only }),
  });
}

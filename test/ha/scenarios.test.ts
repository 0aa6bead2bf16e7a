// The 20 CTS-style scenarios of reference/ha.md section 6, for real: two pbx-agent daemons in
// network namespaces (LAN bridge, sync bridge, gw1/gw2 ping targets, a phone `cli` probing the
// service on the resource IP), with the audit running throughout: every 50 ms the holders of the
// resource IP are read on both nodes, and two holders outside a window the scenario opens fail
// the scenario. Fast timers: K 0.2 s, W 0.6 s, D 1.5 s, I 4 s (dampen 1 s).
//
// One lab and one pair of state dirs serve every scenario (pairing happens once); the daemons are
// stopped, faults undone and the resource IP cleared between scenarios. Measured numbers
// (takeover, outage, convergence) are printed as test diagnostics. Besides the holder audit each
// scenario fails on any error/fatal log line it did not provoke on purpose (CTS LogAudit), and
// checks status against reality where the state is steady.
//
// Bounded runtime (about 3 to 4 minutes in all): scenario 9 runs its one-way loss for 10 s and
// scenario 11 flaps the links for 6 s (ha.md says 30 s each); "within 2K" convergence bounds get
// SLACK (0.5 s) for process wake-ups on a loaded box; scenario 15 raises D to 15 s because a
// Node daemon restart alone has taken over 6 s here. Holds the HA lab lock (serial.ts).
//
// Needs root, iproute2, bridge, ping, arping, tshark. FAILS loudly (never skips) without them or
// without the HA runtime (cluster/ha-service.ts and friends).
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NODE_BIN } from '../lab/lab.ts';
import { requireLab } from '../lab/preflight.ts';
import { epochNow, type Outage } from './audit.ts';
import { HA_CLI, HA_METHOD, LEVEL, LOG_EVENT, matchesEvent, waitRole, type LogRecord } from './cluster.ts';
import { HA_ADDR, NODES, type NodeName } from './lab.ts';
import { ensurePaired, pairCommandAvailable, pairedOf } from './pairing.ts';
import { holdHaLabLock } from './serial.ts';
import { countersMatching, pathStateOf } from './status.ts';
import {
  assertStatusAgrees, bootPair, createWorld, destroyWorld, requireHaRuntime, requireHaStatus, resetWorld, settledPair, type World,
} from './world.ts';

const K = 200;
const W = 600;
const D = 1500;
const I = 4000;
const DAMPEN = 1000;
/** Scheduling slack on a loaded 2-core CI box: process wake-ups, the 50 ms audit period. */
const SLACK = 500;
const INJECT = fileURLToPath(new URL('./tools/udp-inject.ts', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let w: World;

/**
 * One scenario. `allowErrors`: the error/fatal log lines (event or message) this scenario
 * provokes on purpose; any other line at error level or above fails it (CTS LogAudit).
 */
function scenario(n: number, title: string, fn: (t: TestContext) => Promise<void>, timeoutMs = 60_000, allowErrors?: RegExp): void {
  it(`${String(n).padStart(2, '0')} ${title}`, { timeout: timeoutMs }, async (t) => {
    requireHaRuntime();
    await resetWorld(w);
    const tStart = epochNow();
    try {
      await fn(t);
      w.audit.check(`scenario ${n} ${title}`);
      const errs = w.cluster.findLogs((r) => (r.level as number) >= LEVEL.error, tStart)
        .filter((r) => !(allowErrors?.test(`${String(r.event ?? '')} ${String(r.msg ?? '')}`) ?? false));
      assert.equal(errs.length, 0, `unexpected error/fatal log lines:\n${errs.slice(0, 10).map((r) => `  ${r.node}#${r.life} ${String(r.level)} ${String(r.event ?? '')} ${String(r.msg)}`).join('\n')}`);
    } catch (e) {
      const tail = w.cluster.findLogs((r) => (r.level as number) >= LEVEL.warn, tStart).slice(-15)
        .map((r) => `  ${r.node}#${r.life} ${String(r.level)} ${String(r.event ?? '')} ${String(r.msg)}`).join('\n');
      (e as Error).message += `\n${w.audit.timeline()}\nlast warnings:\n${tail}`;
      throw e;
    }
  });
}

const ms = (x: number): string => `${Math.round(x)} ms`;
const fmtOutage = (o: Outage): string => `${ms(o.ms)} (${o.failed} probes, ${o.before ?? '-'} -> ${o.after ?? '-'})`;

function logsSince(since: number, pred: (r: LogRecord) => boolean, node?: NodeName): LogRecord[] {
  return w.cluster.findLogs((r) => (node === undefined || r.node === node) && pred(r), since);
}

async function assertNeighIs(node: NodeName, withinMs: number): Promise<number> {
  const t0 = epochNow();
  const want = w.ha.macOf(node);
  let got: string | undefined;
  while (epochNow() - t0 <= withinMs) {
    got = await w.ha.cliNeighMac();
    if (got === want) return epochNow() - t0;
    await sleep(50);
  }
  assert.fail(`cli's neighbour entry for ${w.ha.vip} is ${got ?? 'absent'}, expected ${node}'s MAC ${want} within ${withinMs} ms (no gratuitous ARP from the winner?)`);
}

/** Holders never changed in [from, now]: no node gained or lost the resource. */
function assertNoChange(from: number, what: string): void {
  const c = w.audit.changes(from);
  assert.deepEqual(c, { nA: 0, nB: 0 }, `${what}: the resource moved (changes per node ${JSON.stringify(c)})\n${w.audit.timeline(from - 1000)}`);
}

async function forceTakeoverRefusedWithoutConfirmation(node: NodeName): Promise<void> {
  const r = await w.cluster.nodes[node].pbxctl([...HA_CLI.takeover]);
  assert.notEqual(r.code, 0, `pbxctl ha takeover without confirmation must be refused; it exited 0: ${r.stdout}`);
  assert.match(r.stderr + r.stdout, /confirm/i, 'the refusal must say how to confirm the peer is down');
}

describe('HA scenarios in the namespace lab (reference/ha.md section 6)', { timeout: 15 * 60_000 }, () => {
  let release: (() => void) | undefined;
  before(async () => {
    requireLab(['bridge', 'ping', 'arping', 'tshark']);
    release = await holdHaLabLock();
    w = await createWorld();
  });
  after(async () => {
    try {
      await destroyWorld(w);
    } finally {
      release?.();
    }
  });

  scenario(1, 'SimulStart: both start together -> the default active node is ACTIVE within I + 1 s, never two holders', async (t) => {
    // The premise is two HA cores starting within ~100 ms. Both processes are spawned together,
    // but on a loaded box one Node daemon can come up seconds after the other; past I/2 of skew
    // the premise does not hold, so the start is retried (and reported) rather than judged.
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) await resetWorld(w);
      const since = epochNow();
      await w.cluster.startBoth({ defaultActive: 'nA' });
      await requireHaStatus(w);
      await ensurePaired(w.cluster);
      pairedOnce = true;
      const starts = NODES.map((n) => w.cluster.findLogs((r) => r.node === n && r.event === 'start', since).at(-1)?.t ?? NaN);
      const skew = Math.abs(starts[0]! - starts[1]!);
      t.diagnostic(`attempt ${attempt}: HA cores started ${Number.isNaN(skew) ? '?' : ms(skew)} apart`);
      if (!(skew <= I / 2) && attempt < 3) continue;
      assert.ok(skew <= I / 2, `could not start both HA cores within ${I / 2} ms of each other in 3 attempts (last ${ms(skew)}): the machine is too loaded for this scenario`);
      const first = await settledPair(w, I + 10_000);
      assert.equal(first, 'nA', 'the default active node must win a simultaneous start');
      const held = await w.audit.waitHolders(['nA'], { since, timeoutMs: 5000 });
      const took = held.t - Math.max(starts[0]!, starts[1]!);
      t.diagnostic(`resource held by nA ${ms(took)} after the later HA core started`);
      assert.ok(took <= I + 1000, `took ${ms(took)}, more than I + 1 s`);
      await assertStatusAgrees(w);
      return;
    }
  });

  scenario(2, 'StartOneByOne: A, then B (B = default active) -> A ACTIVE, B STANDBY, no failback', async (t) => {
    await ensurePairedOnce();
    const { nA, nB } = w.cluster.nodes;
    const t0 = epochNow();
    await nA.start({ defaultActive: 'nB' });
    // Peer silent: A acts alone after the init timeout (the ping group is visible).
    const a = await waitRole(nA, 'active', I + 3000 + SLACK);
    t.diagnostic(`A alone: ACTIVE ${ms(a.t - t0)} after start (I = ${I} ms)`);
    assert.ok(a.t - t0 >= I - SLACK, `A acquired after ${ms(a.t - t0)}, before the init timeout ${I} ms`);
    const tb = epochNow();
    await nB.start({ defaultActive: 'nB' });
    await waitRole(nB, 'standby', I + SLACK);
    await sleep(2 * D);
    assertNoChange(tb, 'B (the default active node) joined');
    assert.deepEqual(await w.ha.holders(), ['nA']);
    await assertStatusAgrees(w);
  });

  scenario(3, 'Standby: admin switch -> never two holders; outage below D', async (t) => {
    await boot();
    const t0 = epochNow();
    const r = await w.cluster.nodes.nA.pbxctl([...HA_CLI.switchover]);
    assert.equal(r.code, 0, `pbxctl ha switch: ${r.stderr}${r.stdout}`);
    await w.probe.waitStable('nB', { since: t0, n: 5, timeoutMs: 10_000 });
    const o = w.probe.outage(t0);
    t.diagnostic(`switchover outage ${fmtOutage(o)}`);
    assert.ok(o.ms < D, `outage ${ms(o.ms)} is not below D (${D} ms): a handover must not wait for the dead threshold`);
    await waitRole(w.cluster.nodes.nA, 'standby', 3000);
    await assertStatusAgrees(w);
  });

  scenario(4, 'Stop: graceful stop of A -> B ACTIVE without waiting D (shutdown notice)', async (t) => {
    await boot();
    const t0 = epochNow();
    const code = await w.cluster.nodes.nA.stop();
    assert.equal(code, 0, 'a graceful stop exits 0');
    const held = await w.audit.waitHolders(['nB'], { since: t0, timeoutMs: D + 3000 });
    await w.probe.waitStable('nB', { since: t0, n: 3, timeoutMs: 5000 });
    const o = w.probe.outage(t0);
    t.diagnostic(`takeover ${ms(held.t - t0)} after SIGTERM; outage ${fmtOutage(o)}`);
    assert.ok(held.t - t0 < D, `B took ${ms(held.t - t0)}: it waited for the dead threshold (${D} ms) instead of the shutdown notice`);
  });

  scenario(5, 'DetectionTime: kill -9 everything in nA and its ports down -> B ACTIVE within D + K + acquire; cli neigh = B', async (t) => {
    await boot();
    // nA's kernel keeps the address after the crash; it is unreachable, not a second holder.
    const win = w.audit.allowDual('nA crashed (address left in a dead kernel)');
    const t0 = epochNow();
    await w.ha.crash('nA', 'cable');
    const held = await w.audit.waitHolders((h) => h.includes('nB'), { since: t0, timeoutMs: D + 5000 });
    const dead = logsSince(t0, (r) => matchesEvent(r, LOG_EVENT.peerDead), 'nB')[0];
    const neigh = await assertNeighIs('nB', 1000);
    const o = w.probe.outage(t0);
    t.diagnostic(`detection ${dead ? ms(dead.t - t0) : 'n/a (no "dead" log line)'}; takeover ${ms(held.t - t0)}; cli neigh -> B ${ms(neigh)} later; outage ${fmtOutage(o)}`);
    assert.ok(held.t - t0 <= D + K + SLACK, `takeover ${ms(held.t - t0)} > D + K + ${SLACK} ms`);
    win.close(0);
  });

  scenario(6, 'ComponentFail: kill -9 the daemon only (address left), restart -> A reports it; one holder within 2K; winner GARPs', async (t) => {
    await boot();
    const win = w.audit.allowDual('A daemon killed, address left behind, until the restarted A converges');
    const t0 = epochNow();
    await w.cluster.nodes.nA.kill9();
    assert.deepEqual((await w.ha.holders()).includes('nA'), true, 'kill -9 of the daemon leaves the address (nothing removed it)');
    await w.cluster.nodes.nA.start();
    const ready = epochNow();
    const found = await w.cluster.waitLog((r) => r.node === 'nA' && r.event === 'resource-found-at-start',
      { since: t0, timeoutMs: 3000, what: 'nA: the restarted daemon reports the address it found (resource-found-at-start)' });
    assert.ok(found.t >= t0);
    const single = await w.audit.waitSingle({ since: ready, timeoutMs: 2 * K + D + 5000 });
    t.diagnostic(`daemon restarted ${ms(ready - t0)} after kill -9; single holder ${single.holder} ${ms(single.t - ready)} after ready`);
    assert.ok(single.t - ready <= 2 * K + SLACK, `one holder only ${ms(single.t - ready)} after the restart (> 2K)`);
    win.close(0);
    await assertNeighIs(single.holder, 1000);
    await waitRole(w.cluster.nodes[single.holder], 'active', 2000);
  }, 60_000, /split-brain|peer-returned|returning after partition/);

  scenario(7, 'RedundantPath: isolate br-sync only -> no role change; the path shown down; a warning', async (t) => {
    await boot();
    const t0 = epochNow();
    await w.ha.cut('sync');
    await sleep(2 * D + 1000);
    assertNoChange(t0, 'sync path cut');
    const st = await w.cluster.nodes.nB.status();
    const state = pathStateOf(st, 'sync');
    t.diagnostic(`nB sees the sync path as ${state}`);
    assert.match(String(state), /down|dead|lost/i, `status of nB must show the sync path down: ${JSON.stringify(st).slice(0, 600)}`);
    const warns = logsSince(t0, (r) => (r.level as number) >= LEVEL.warn);
    assert.ok(warns.length > 0, 'a lost path must be logged as a warning');
    await w.ha.heal('sync');
  });

  scenario(8, 'SplitBrain: both paths cut 5 s -> dual ACTIVE only during the cut; after heal one holder within 2K = A; CRIT logged; cli neigh = A', async (t) => {
    await boot();
    const win = w.audit.allowDual('split brain');
    const t0 = epochNow();
    await w.ha.cut('lan');
    await w.ha.cut('sync');
    const dual = await w.audit.waitHolders(['nA', 'nB'], { since: t0, timeoutMs: D + K + 3000 });
    t.diagnostic(`both ACTIVE ${ms(dual.t - t0)} after the cut (gateways visible to both: no fencing, ha.md 4.7)`);
    await sleep(Math.max(0, 5000 - (epochNow() - t0)));
    await w.ha.heal('lan');
    await w.ha.heal('sync');
    const th = epochNow();
    win.close(2 * K + SLACK);
    const single = await w.audit.waitSingle({ since: th, timeoutMs: 5000 });
    t.diagnostic(`after heal: single holder ${single.holder} in ${ms(single.t - th)}`);
    assert.equal(single.holder, 'nA', 'equal ping views: the default active node wins (ha.md 4.5)');
    const crit = logsSince(t0, (r) => (r.level as number) >= LEVEL.error && matchesEvent(r, LOG_EVENT.splitBrain));
    assert.ok(crit.length > 0, 'a healed split brain must be logged at error/fatal (CRIT "returning after partition")');
    await assertNeighIs('nA', 1000);
  }, 60_000, /split-brain|peer-returned|returning after partition/);

  scenario(9, 'Asymmetric: blackhole A->B -> no lasting dual hold; at most 2 role changes per node', async (t) => {
    await boot();
    const win = w.audit.allowDual('one-way loss');
    const t0 = epochNow();
    await w.ha.blackhole('nA', 'nB');
    await sleep(10_000);
    const tEnd = epochNow();
    const longest = w.audit.longestDual(t0, tEnd);
    const changes = w.audit.changes(t0, tEnd);
    t.diagnostic(`10 s of one-way loss: longest dual hold ${ms(longest)}, holder changes ${JSON.stringify(changes)}`);
    await w.ha.unblackhole('nA', 'nB');
    win.close(0);
    assert.ok(longest <= D + 2 * K + SLACK, `dual hold lasted ${ms(longest)}`);
    // The last 3 s: exactly one holder, steadily.
    const tail = w.audit.samples.filter((s) => s.t >= tEnd - 3000 && s.t <= tEnd);
    assert.ok(tail.length > 0 && tail.every((s) => s.holders.length === 1 && s.holders[0] === tail[0]!.holders[0]),
      `not one steady holder at the end of the one-way loss\n${w.audit.timeline(tEnd - 3000, tEnd)}`);
    assert.ok(changes.nA <= 2 && changes.nB <= 2, `too many role changes: ${JSON.stringify(changes)}`);
  }, 60_000, /split-brain|peer-returned|returning after partition/);

  scenario(10, 'ipfail: standby or both lose gw1+gw2 -> no change; only the active one loses them -> handover within dampen + 2K + handover', async (t) => {
    await boot();
    const quiet = DAMPEN + 2 * K + 1000;
    const t0 = epochNow();
    await w.ha.blockTargets('nB');
    await sleep(quiet);
    assertNoChange(t0, 'the standby lost the ping group');
    const t1 = epochNow();
    await w.ha.blockTargets('nA');
    await sleep(quiet);
    assertNoChange(t1, 'both lost the ping group');
    const t2 = epochNow();
    await w.ha.unblockTargets('nB');
    const held = await w.audit.waitHolders(['nB'], { since: t2, timeoutMs: DAMPEN + 2 * K + 10_000 });
    const o = w.probe.outage(t2);
    t.diagnostic(`active lost the ping group: handover ${ms(held.t - t2)} (dampen ${DAMPEN} ms), outage ${fmtOutage(o)}`);
    assert.ok(held.t - t2 <= DAMPEN + 2 * K + 200 + 2000, `handover took ${ms(held.t - t2)}`);
  });

  scenario(11, 'Late heartbeat: SIGSTOP A for W < t < D, then links flapping every D/2 -> warnings, no failover', async (t) => {
    await boot();
    const t0 = epochNow();
    w.cluster.nodes.nA.freeze();
    await sleep(Math.round((W + D) / 2) - K);
    w.cluster.nodes.nA.thaw();
    await sleep(D);
    for (let i = 0; i < 4; i++) {
      await w.ha.cut('lan');
      await w.ha.cut('sync');
      await sleep(D / 2);
      await w.ha.heal('lan');
      await w.ha.heal('sync');
      await sleep(D / 2);
    }
    assertNoChange(t0, 'late heartbeats and flapping links');
    const late = logsSince(t0, (r) => (r.level as number) >= LEVEL.warn && matchesEvent(r, LOG_EVENT.lateHeartbeat));
    t.diagnostic(`${late.length} late-heartbeat warning(s)`);
    assert.ok(late.length > 0, 'a heartbeat gap above W must be logged as late');
  });

  scenario(12, 'Freeze > D (VM snapshot): B takes over; after SIGCONT one holder within 2K; the winner re-GARPs', async (t) => {
    await boot();
    const win = w.audit.allowDual('A frozen past D, until it converges after SIGCONT');
    const t0 = epochNow();
    w.cluster.nodes.nA.freeze();
    const held = await w.audit.waitHolders((h) => h.includes('nB'), { since: t0, timeoutMs: D + 5000 });
    await sleep(Math.max(0, 2 * D - (epochNow() - t0)));
    w.cluster.nodes.nA.thaw();
    const th = epochNow();
    win.close(2 * K + SLACK);
    const single = await w.audit.waitSingle({ since: th, timeoutMs: 5000 });
    t.diagnostic(`B took over ${ms(held.t - t0)} into the freeze; after SIGCONT single holder ${single.holder} in ${ms(single.t - th)}`);
    await assertNeighIs(single.holder, 1000);
  }, 60_000, /split-brain|peer-returned|returning after partition/);

  scenario(13, 'Restart standby: never acquires during I; ends STANDBY', async (t) => {
    await boot();
    const { nB } = w.cluster.nodes;
    const t0 = epochNow();
    await nB.stop();
    await nB.start();
    const s = await waitRole(nB, 'standby', I + SLACK);
    await sleep(Math.max(0, I + 1000 - (epochNow() - t0)));
    t.diagnostic(`restarted standby back in STANDBY ${ms(s.t - t0)} after the stop`);
    assert.equal(w.audit.changes(t0).nB, 0, 'the restarting standby took the resource');
    assert.deepEqual(await w.ha.holders(), ['nA']);
  });

  scenario(14, 'Boot with paths cut: both ACTIVE (gateways visible; or INIT with waitForPeerAtBoot); heal -> one holder = A', async (t) => {
    await ensurePairedOnce();
    for (const waitForPeerAtBoot of [false, true]) {
      await resetWorld(w);
      const win = w.audit.allowDual(`boot with paths cut (waitForPeerAtBoot ${waitForPeerAtBoot})`);
      await w.ha.cut('lan');
      await w.ha.cut('sync');
      const t0 = epochNow();
      await w.cluster.startBoth({ ha: { waitForPeerAtBoot } });
      if (waitForPeerAtBoot) {
        await sleep(I + 1000);
        assert.deepEqual(await w.ha.holders(), [], 'waitForPeerAtBoot: nobody takes the resource before the peer was heard');
        assert.equal(await w.cluster.nodes.nA.role(), 'init');
      } else {
        const dual = await w.audit.waitHolders(['nA', 'nB'], { since: t0, timeoutMs: I + 5000 });
        t.diagnostic(`paths cut at boot: both ACTIVE ${ms(dual.t - t0)} after start (documented outcome without fencing)`);
      }
      await w.ha.heal('lan');
      await w.ha.heal('sync');
      const th = epochNow();
      win.close(2 * K + SLACK);
      const single = await w.audit.waitSingle({ since: th, timeoutMs: 5000 });
      t.diagnostic(`waitForPeerAtBoot ${waitForPeerAtBoot}: after heal single holder ${single.holder} in ${ms(single.t - th)}`);
      assert.equal(single.holder, 'nA');
    }
  }, 90_000, /split-brain|peer-returned|returning after partition/);

  scenario(15, 'Reattach: restart the daemon on ACTIVE within D -> the address is never removed; the peer logs a new generation', async (t) => {
    // D is raised for this one: a Node daemon restart must fit inside it, and on a loaded 2-core
    // box starting a daemon has taken over 6 s.
    const timers = { keepaliveIntervalMs: 500, warningMs: 5000, deadMs: 15_000, initTimeoutMs: 30_000, handoverTimeoutMs: 5000 };
    await boot({ timers });
    const t0 = epochNow();
    // SIGUSR2 = stop for a restart (cluster/ha-service.ts): the resource stays, nothing is said.
    await w.cluster.nodes.nA.stopForRestart();
    assert.deepEqual(await w.ha.holders(), ['nA'], 'the stop for restart left the address in place');
    await w.cluster.nodes.nA.start({ timers });
    const ready = epochNow();
    t.diagnostic(`daemon restarted in ${ms(ready - t0)} (D = ${timers.deadMs} ms)`);
    const gen = await w.cluster.waitLog((r) => r.node === 'nB' && matchesEvent(r, LOG_EVENT.peerRestarted),
      { since: t0, timeoutMs: 5000, what: 'nB: peer restarted (new generation)' });
    await waitRole(w.cluster.nodes.nA, 'active', 5000);
    await sleep(2 * timers.keepaliveIntervalMs + 500);
    const after = w.audit.samples.filter((s) => s.t >= t0);
    assert.ok(after.every((s) => s.holders.length === 1 && s.holders[0] === 'nA'),
      `the address left nA (or nB took it) during the restart\n${w.audit.timeline(t0 - 500)}`);
    t.diagnostic(`nB logged "${String(gen.event ?? gen.msg)}" ${ms(gen.t - ready)} after the restart`);
  }, 120_000);

  scenario(16, 'ResourceRecover: ip addr del behind the daemon -> re-added (or failed over) within one monitor interval', async (t) => {
    await boot();
    const t0 = epochNow();
    const r = await w.ha.lab.exec('nA', 'ip', ['addr', 'del', w.ha.vipCidr, 'dev', w.ha.ifOf('lan')]);
    assert.equal(r.code, 0, r.stderr);
    const gone = await w.audit.waitHolders([], { since: t0, timeoutMs: 2000 }).catch(() => undefined);
    const back = await w.audit.waitHolders((h) => h.length === 1, { since: gone?.t ?? t0, timeoutMs: 5000 });
    t.diagnostic(`address back on ${back.holders[0]} ${ms(back.t - t0)} after the delete (monitor interval 200 ms)`);
    assert.ok(back.t - t0 <= 200 + SLACK, `took ${ms(back.t - t0)}, more than one monitor interval + slack`);
    await w.probe.waitStable(back.holders[0]!, { since: back.t, n: 3, timeoutMs: 3000 });
  });

  scenario(17, 'Tracked interface down on ACTIVE -> A FAULT, B ACTIVE; A stays off while FAULT; no failback after', async (t) => {
    await boot();
    const t0 = epochNow();
    await w.ha.ifDown('nA', 'lan');
    const held = await w.audit.waitHolders(['nB'], { since: t0, timeoutMs: D + 5000 });
    t.diagnostic(`eth0 down on A: B holds ${ms(held.t - t0)} later`);
    await waitRole(w.cluster.nodes.nA, 'fault', 2000);
    await sleep(2 * D);
    assert.deepEqual(await w.ha.holders(), ['nB']);
    assert.equal(await w.cluster.nodes.nA.role(), 'fault');
    const tu = epochNow();
    await w.ha.ifUp('nA', 'lan');
    await waitRole(w.cluster.nodes.nA, 'standby', 5000);
    await sleep(D);
    assertNoChange(tu, 'A recovered from FAULT (no automatic failback)');
    // With its LAN interface down the node's pings fail locally ("Network is unreachable", ping
    // exit 2). That deserves one line and a counter, not an error line per probe round.
    const pingErrs = logsSince(t0, (r) => (r.level as number) >= LEVEL.error && /ping group probe cannot run/.test(String(r.msg)), 'nA');
    assert.ok(pingErrs.length <= 2, `nA logged ${pingErrs.length} error lines "ping group probe cannot run" while its interface was down: ` +
      'cluster/ping/group.ts logs ping exit 2 (network unreachable) on every round, and as a missing tool; log it once and count it');
  }, 60_000, /link-down|tracked interface down|ping group probe cannot run/);

  scenario(18, 'Force takeover with A isolated -> refused without confirmation; then B ACTIVE at once', async (t) => {
    await boot();
    // B cannot see the gateways, so a dead peer alone does not make it act (ha.md 4.4 rule 2).
    await w.ha.blockTargets('nB');
    await sleep(DAMPEN + 600);
    const win = w.audit.allowDual('A isolated with the address; B forced');
    await w.ha.isolate('nA', 'lan', 'silent');
    await w.ha.isolate('nA', 'sync', 'silent');
    await sleep(D + 1000);
    assert.equal(await w.cluster.nodes.nB.role(), 'standby', 'B without the ping group must not take over on its own');
    await forceTakeoverRefusedWithoutConfirmation('nB');
    const t0 = epochNow();
    const r = await w.cluster.nodes.nB.pbxctl([...HA_CLI.takeover, HA_CLI.confirmPeerDown]);
    const tDone = epochNow();
    assert.equal(r.code, 0, `pbxctl ha takeover ${HA_CLI.confirmPeerDown}: ${r.stderr}${r.stdout}`);
    const held = await w.audit.waitHolders((h) => h.includes('nB'), { since: t0, timeoutMs: 3000 });
    // pbxctl is a Node process: on a busy box it alone can take seconds to start, so "at once" is
    // measured against the command's return, not its launch.
    t.diagnostic(`forced takeover: B holds ${ms(held.t - tDone)} after the confirmed command returned (${ms(tDone - t0)} to run pbxctl)`);
    assert.ok(held.t - tDone <= 1000, 'a confirmed takeover acts at once');
    await w.ha.unisolate('nA', 'lan');
    await w.ha.unisolate('nA', 'sync');
    await w.ha.unblockTargets('nB');
    const th = epochNow();
    win.close(2 * K + SLACK);
    const single = await w.audit.waitSingle({ since: th, timeoutMs: 5000 });
    assert.equal(single.holder, 'nB', 'after the heal the forced side keeps the resource (the admin decided)');
  }, 60_000, /split-brain|peer-returned|returning after partition/);

  scenario(20, 'Wrong-key and replayed packets; different D -> dropped and logged; cannot keep a dead peer alive; timer alarm', async (t) => {
    await boot();
    const port = 694;
    // Capture three of A's real heartbeats as B receives them.
    const cap = w.ha.lab.exec('nB', 'tshark', ['-i', 'eth0', '-c', '3', '-f', `udp dst port ${port} and src host ${HA_ADDR.nA.lan}`,
      '-d', `udp.port==${port},data`, '-T', 'fields', '-e', 'data.data'], { timeoutMs: 15_000 });
    const captured = (await cap).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    assert.equal(captured.length, 3, 'captured three heartbeats from A');
    const dropsBefore = countersMatching(await w.cluster.nodes.nB.status(), /drop|replay|bad|malformed|wrong/i);
    const t0 = epochNow();
    // Forged: garbage, and a real packet with its MAC flipped, from A's own address.
    const forged = captured[0]!.slice(0, -2) + ((parseInt(captured[0]!.slice(-2), 16) ^ 0xff).toString(16).padStart(2, '0'));
    await inject('nA', HA_ADDR.nB.lan, ['00'.repeat(40), forged], HA_ADDR.nA.lan, 1);
    await inject('cli', HA_ADDR.nB.lan, [captured[0]!], undefined, 1);
    // Replays of genuine packets: dropped, and they must not keep a frozen A "alive".
    const win = w.audit.allowDual('A frozen while its old packets are replayed');
    w.cluster.nodes.nA.freeze();
    const tf = epochNow();
    const replay = inject('nA', HA_ADDR.nB.lan, captured, HA_ADDR.nA.lan, Math.ceil((D + 2000) / 100));
    const held = await w.audit.waitHolders((h) => h.includes('nB'), { since: tf, timeoutMs: D + 5000 });
    await replay;
    t.diagnostic(`replayed heartbeats did not keep A alive: B took over ${ms(held.t - tf)} into the freeze`);
    assert.ok(held.t - tf <= D + K + SLACK, `takeover ${ms(held.t - tf)} > D + K + slack: replays delayed the death`);
    w.cluster.nodes.nA.thaw();
    win.close(2 * K + SLACK);
    await w.audit.waitSingle({ since: epochNow(), timeoutMs: 5000 });
    const dropsAfter = countersMatching(await w.cluster.nodes.nB.status(), /drop|replay|bad|malformed|wrong/i);
    t.diagnostic(`nB drop counters ${dropsBefore} -> ${dropsAfter}`);
    assert.ok(dropsAfter >= dropsBefore + 3, `forged and replayed packets must be counted as drops (${dropsBefore} -> ${dropsAfter})`);
    const dropLogs = logsSince(t0, (r) => matchesEvent(r, LOG_EVENT.dropped), 'nB');
    assert.ok(dropLogs.length > 0, 'dropped packets must be logged (at least once per reason)');
    // Different D on B: the timer hash differs, both sides alarm.
    await w.cluster.nodes.nB.stop();
    const tm = epochNow();
    await w.cluster.nodes.nB.start({ timers: { deadMs: 2000, warningMs: 1000 } });
    const alarm = await w.cluster.waitLog((r) => (r.level as number) >= LEVEL.warn && matchesEvent(r, LOG_EVENT.timersMismatch),
      { since: tm, timeoutMs: 5000, what: 'timer mismatch alarm' });
    t.diagnostic(`timer mismatch alarmed by ${alarm.node}: ${String(alarm.event ?? alarm.msg)}`);
  }, 60_000, /timers-mismatch|split-brain|peer-returned/);

  scenario(19, 'Disable both, then unpair -> the address stays on the active node; the other holds none and sends no GARP', async (t) => {
    await boot();
    const t0 = epochNow();
    const d = await w.cluster.nodes.nA.pbxctl([...HA_CLI.disable]);
    assert.equal(d.code, 0, `pbxctl ha disable: ${d.stderr}${d.stdout}`);
    await waitRole(w.cluster.nodes.nA, 'disabled', 5000);
    await waitRole(w.cluster.nodes.nB, 'disabled', 5000);
    await sleep(D);
    assert.deepEqual(await w.ha.holders(), ['nA'], 'disable leaves the resource where it is');
    assertNoChange(t0, 'HA disabled on both');
    // Re-enable both (starts from INIT with detection: A finds its address), then unpair.
    await w.cluster.nodes.nA.call(HA_METHOD.enable, {});
    await w.cluster.nodes.nB.call(HA_METHOD.enable, {});
    await waitRole(w.cluster.nodes.nA, 'active', I + 3000);
    await waitRole(w.cluster.nodes.nB, 'standby', I + 3000);
    if (!pairCommandAvailable()) {
      assert.fail('UNPAIR NOT TESTED: `pbxctl ha unpair` is not in this tree yet (PAIR-SYNC: agent/cli/commands/ha-pair.ts); the disable half of this scenario passed');
    }
    const tu = epochNow();
    const garpsB = countersMatching(await w.cluster.nodes.nB.status(), /^garpBursts$/);
    const u = await w.cluster.nodes.nA.pbxctl([...HA_CLI.unpair]);
    assert.equal(u.code, 0, `pbxctl ha unpair: ${u.stderr}${u.stdout}`);
    await waitRole(w.cluster.nodes.nB, 'unpaired', 5000);
    await sleep(D);
    assert.deepEqual(await w.ha.holders(), ['nA'], 'unpair leaves the resource on the active node');
    assertNoChange(tu, 'unpair');
    const garpB = logsSince(tu, (r) => matchesEvent(r, LOG_EVENT.garp), 'nB');
    assert.equal(garpB.length, 0, `the node without the resource announced it: ${garpB.map((r) => r.msg).join('; ')}`);
    assert.equal(countersMatching(await w.cluster.nodes.nB.status(), /^garpBursts$/), garpsB, 'nB sent gratuitous ARP bursts after the unpair');
    await assertNeighIs('nA', 500);
    assert.equal(pairedOf(await w.cluster.nodes.nB.status()), false);
    t.diagnostic('after unpair: resource on nA, nB unpaired and silent');
    // Leave the cluster paired for whoever runs next on these state dirs.
    await ensurePaired(w.cluster).catch(() => {});
  });
});

let pairedOnce = false;

/** bootPair, remembering that the state dirs now hold a pairing. */
async function boot(o?: Parameters<typeof bootPair>[1]): ReturnType<typeof bootPair> {
  const r = await bootPair(w, o);
  pairedOnce = true;
  return r;
}

/** Scenarios that start the daemons one by one need a pairing made beforehand. */
async function ensurePairedOnce(): Promise<void> {
  if (pairedOnce) return;
  await boot();
  await resetWorld(w);
}

async function inject(from: string, to: string, hex: string[], bind: string | undefined, rounds: number): Promise<void> {
  const r = await w.ha.lab.exec(from, NODE_BIN, [INJECT, '--to', to, '--port', '694', ...(bind ? ['--bind', bind] : []),
    '--rounds', String(rounds), '--interval-ms', '100', ...hex], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `udp-inject from ${from}: ${r.stderr}`);
}

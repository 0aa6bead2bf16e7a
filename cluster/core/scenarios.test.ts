// The 20 CTS-style scenarios of reference/ha.md section 6, run against the pure core in simulated
// time (sim.ts). Each asserts the scenario's pass condition and the audit: at most one node holds
// the resource outside the window the scenario allows. Timers are the lab's: K 200 ms, W 600 ms,
// D 1500 ms, I 4 s, ping dampen 1 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_HA, Sim, type NodeName } from './sim.ts';

const K = LAB_HA.keepaliveIntervalMs;
const W = LAB_HA.warningMs;
const D = LAB_HA.deadMs;
const I = LAB_HA.initTimeoutMs;
const DAMPEN = LAB_HA.pingDampenMs;

/** Start A, then B once A is active (A holds whatever defaultActive says: no failback), settle. Returns the time. */
function steady(sim: Sim): number {
  sim.start('A');
  assert.ok(sim.runUntilTrue(() => sim.role('A') === 'active', I + 1000) !== null, 'A alone active after I');
  sim.start('B');
  const t = sim.runUntilTrue(() => sim.role('A') === 'active' && sim.role('B') === 'standby', I + 2000);
  assert.ok(t !== null, `no steady state: A ${sim.role('A')}, B ${sim.role('B')}`);
  sim.runFor(D + DAMPEN + 500); // past the anti-flap window and ping dampening
  return sim.now;
}

/** Every interval with two holders lies inside one of `allowed` (ms, absolute). */
function assertAudit(sim: Sim, allowed: [number, number][] = [], since = 0): void {
  for (const [a, b] of sim.dualIntervals(since)) {
    const ok = allowed.some(([x, y]) => a >= x && b <= y);
    assert.ok(ok, `two holders from ${a} to ${b} (allowed: ${JSON.stringify(allowed)})\n${dump(sim)}`);
  }
}

function dump(sim: Sim): string {
  return (['A', 'B'] as NodeName[]).map((n) => sim.nodes[n].log.map((l) => `${n} ${l.at} ${l.level} ${l.event}: ${l.msg}`).join('\n')).join('\n');
}

function transitionsAfter(sim: Sim, n: NodeName, t: number): string[] {
  return sim.nodes[n].transitions.filter((x) => x.at >= t && x.from !== x.to).map((x) => `${x.from}->${x.to}`);
}

test('1 SimulStart: one active within I+1 s, the default active node, never two holders', () => {
  const sim = new Sim({ ha: { defaultActive: 'SN-B0002' } });
  const t0 = sim.now;
  sim.start('A');
  sim.runFor(60);
  sim.start('B');
  const t = sim.runUntilTrue(() => sim.holdersNow().length === 1 && sim.role('B') === 'active', I + 1000);
  assert.ok(t !== null && t - t0 <= I + 1000, 'B (default active) active within I+1 s');
  sim.runFor(20_000);
  assert.equal(sim.role('B'), 'active');
  assert.equal(sim.role('A'), 'standby');
  assertAudit(sim);
});

test('2 StartOneByOne: the first node keeps the resource; no failback to the default active node', () => {
  const sim = new Sim({ ha: { defaultActive: 'SN-B0002' } });
  sim.start('A');
  const ta = sim.runUntilTrue(() => sim.role('A') === 'active', I + 1000);
  assert.ok(ta !== null, 'A alone becomes active after the init timeout');
  assert.ok(ta! - 1000 >= I, 'not before the init timeout');
  sim.runFor(2000);
  sim.start('B');
  sim.runFor(30_000);
  assert.equal(sim.role('A'), 'active');
  assert.equal(sim.role('B'), 'standby');
  assert.deepEqual(transitionsAfter(sim, 'B', 0), ['init->standby']);
  assertAudit(sim);
});

test('3 Standby: admin switch is a handover with a gap, never an overlap; outage well under D', () => {
  const sim = new Sim();
  const t0 = steady(sim);
  const req = sim.adminAction('A', { action: 'switchover' });
  const t = sim.runUntilTrue(() => sim.role('B') === 'active' && sim.role('A') === 'standby', 5000);
  assert.ok(t !== null, 'switched');
  assert.equal(sim.admin.get(req)!.ok, true, sim.admin.get(req)!.message);
  const outage = sim.longestOutage(t0);
  assert.ok(outage > 0 && outage < 1000 && outage < D, `outage ${outage} ms`);
  assert.equal(sim.neighOwner, 'B', 'phones point at B');
  sim.runFor(20_000);
  assert.equal(sim.role('B'), 'active');
  assertAudit(sim);
  // And back, initiated on the standby this time (same meaning: move it to the other node).
  const req2 = sim.adminAction('A', { action: 'switchover' });
  assert.ok(sim.runUntilTrue(() => sim.role('A') === 'active' && sim.role('B') === 'standby', 5000) !== null);
  assert.equal(sim.admin.get(req2)!.ok, true);
  assertAudit(sim);
});

test('3b Standby refused while in flux', () => {
  const sim = new Sim();
  steady(sim);
  sim.deleteResource('A');
  sim.runUntilTrue(() => sim.nodes.A.core!.timers.opAt !== null, 2000);
  sim.nodes.A.failAcquire = false;
  // B in flux: start a switch and immediately ask for another on B.
  const r1 = sim.adminAction('A', { action: 'switchover' });
  const r2 = sim.adminAction('B', { action: 'switchover' });
  sim.runFor(3000);
  assert.equal(sim.admin.get(r2)!.ok, false, 'second switch refused');
  assert.match(sim.admin.get(r2)!.message, /refused|cancelled/);
  assert.equal(sim.admin.get(r1)!.ok !== null, true);
  assertAudit(sim);
  assert.equal(sim.holdersNow().length, 1);
});

test('4 Stop: graceful stop of the active node; the standby takes over without waiting D', () => {
  const sim = new Sim();
  steady(sim);
  const t0 = sim.now;
  sim.stop('A');
  const t = sim.runUntilTrue(() => sim.role('B') === 'active', 5000);
  assert.ok(t !== null);
  assert.ok(t! - t0 < D / 3, `took ${t! - t0} ms, must not wait for D (${D})`);
  assert.equal(sim.role('A'), 'down');
  assert.equal(sim.nodes.A.resource, false);
  assertAudit(sim);
});

test('5 DetectionTime: the active node dies; B active within D+K+acquire; phones follow within 1 s', () => {
  const sim = new Sim();
  steady(sim);
  const t0 = sim.now;
  sim.powerOff('A');
  const t = sim.runUntilTrue(() => sim.role('B') === 'active', 10_000);
  assert.ok(t !== null);
  const detected = sim.logs('B', 'peer-dead')[0]!.at - t0;
  assert.ok(detected <= D + K, `detection ${detected} ms`);
  assert.ok(t! - t0 <= D + K + sim.acquireMs + 10, `takeover after ${t! - t0} ms`);
  assert.ok(sim.runUntilTrue(() => sim.neighOwner === 'B', 1000) !== null, 'GARP moved the phones to B');
  assertAudit(sim);
});

test('6 ComponentFail: kill -9 of the daemon only; the restarted daemon reports the resource; one holder within 2K', () => {
  // (a) restart after B took over: both hold until the restarted A speaks.
  const sim = new Sim();
  steady(sim);
  const t0 = sim.now;
  sim.kill9('A');
  assert.ok(sim.runUntilTrue(() => sim.role('B') === 'active', 5000) !== null, 'B takes over after D');
  assert.equal(sim.nodes.A.resource, true, 'the address stayed on A (kill -9 leaves it)');
  sim.runFor(500);
  const tr = sim.now;
  sim.start('A');
  assert.equal(sim.logs('A', 'resource-found-at-start').length, 1, 'A reports the leftover resource');
  const t1 = sim.runUntilTrue(() => sim.holdersNow().length === 1, 5000);
  assert.ok(t1 !== null && t1 - tr <= 2 * K, `single holder ${t1! - tr} ms after the restart`);
  sim.runFor(10_000);
  const winner = sim.holdersNow()[0]!;
  // The restarted A has not measured the ping group yet, so B (which reaches it) wins on
  // eligibility: the node that has been serving keeps serving.
  assert.equal(winner, 'B', 'B wins the tie-break (eligible)');
  assert.ok(sim.nodes[winner].garps.some((g) => g >= tr), 'the winner re-sent GARP');
  assert.equal(sim.neighOwner, winner);
  assertAudit(sim, [[t0, tr + 2 * K]]);

  // (b) restart within D: B never takes over, A keeps it.
  const sim2 = new Sim();
  steady(sim2);
  sim2.kill9('A');
  sim2.runFor(400);
  sim2.start('A');
  sim2.runFor(10_000);
  assert.equal(sim2.role('A'), 'active');
  assert.equal(sim2.role('B'), 'standby');
  assert.equal(transitionsAfter(sim2, 'B', 0).includes('standby->acquiring'), false);
  assertAudit(sim2);
});

test('7 RedundantPath: the sync path is cut; no role change, the path is shown down, a warning', () => {
  const sim = new Sim();
  const t0 = steady(sim);
  sim.setCut('sync', true);
  sim.runFor(20_000);
  assert.equal(sim.role('A'), 'active');
  assert.equal(sim.role('B'), 'standby');
  assert.deepEqual(transitionsAfter(sim, 'A', t0), []);
  assert.deepEqual(transitionsAfter(sim, 'B', t0), []);
  assert.equal(sim.nodes.B.core!.peer.paths.sync.status, 'down');
  assert.equal(sim.nodes.B.core!.peer.paths.lan.status, 'up');
  assert.equal(sim.logs('B', 'path-down').length, 1);
  assert.equal(sim.logs('A', 'path-down').length, 1);
  sim.setCut('sync', false);
  sim.runFor(2000);
  assert.equal(sim.nodes.B.core!.peer.paths.sync.status, 'up');
  assertAudit(sim);
});

test('8 SplitBrain: both paths cut 5 s; two holders only during cut+D..heal; one holder within 2K after heal; CRIT; phones on the winner', () => {
  for (const defaultActive of ['', 'SN-B0002']) {
    const sim = new Sim({ ha: { defaultActive } });
    steady(sim);
    const tc = sim.now;
    sim.cutAll(true);
    sim.runFor(5000);
    assert.equal(sim.holdersNow().length, 2, 'both hold during the split (no fencing: ha.md 4.7)');
    const th = sim.now;
    sim.cutAll(false);
    const t1 = sim.runUntilTrue(() => sim.holdersNow().length === 1, 5000);
    assert.ok(t1 !== null && t1 - th <= 2 * K + sim.releaseMs, `one holder ${t1! - th} ms after heal`);
    sim.runFor(10_000);
    const expected = defaultActive === '' ? 'A' : 'B';
    assert.deepEqual(sim.holdersNow(), [expected], `winner per 4.5 (defaultActive '${defaultActive}')`);
    assert.equal(sim.neighOwner, expected, 'phones point at the winner');
    assert.ok(sim.logs(expected, 'split-brain').length + sim.logs(expected === 'A' ? 'B' : 'A', 'split-brain').length >= 1);
    assert.ok(sim.logs('A', 'peer-returned').length + sim.logs('B', 'peer-returned').length >= 1, 'CRIT returning after partition');
    assert.ok(sim.nodes[expected].garps.some((g) => g >= th), 'the winner re-announced');
    assertAudit(sim, [[tc, th + 2 * K + sim.releaseMs]]);
  }
});

test('9 Asymmetric: one-way loss; no lasting double hold; at most 2 role changes per node in 30 s', () => {
  for (const [from, to] of [['A', 'B'], ['B', 'A']] as [NodeName, NodeName][]) {
    const sim = new Sim();
    const t0 = steady(sim);
    sim.setOneWay(from, to, true);
    sim.runFor(30_000);
    assert.equal(sim.holdersNow().length, 1, `${from}->${to} lost: one holder at the end`);
    for (const n of ['A', 'B'] as NodeName[]) {
      const changes = transitionsAfter(sim, n, t0).filter((x) => x.endsWith('active') || x.endsWith('standby'));
      assert.ok(changes.length <= 2, `${n}: ${changes.join(', ')}`);
    }
    // Allowed: from B's (wrong) takeover until A notices B does not hear it and yields.
    assertAudit(sim, [[t0, t0 + D + sim.acquireMs + 4 * K + sim.releaseMs + 50]]);
    sim.setOneWay(from, to, false);
    sim.runFor(5000);
    assert.equal(sim.holdersNow().length, 1);
  }
});

test('10 ipfail: the active node loses the ping group; handover within dampen+2K+handover; no change when only the standby or both lose it', () => {
  const sim = new Sim();
  steady(sim);
  const t0 = sim.now;
  sim.setPing('A', 0);
  const t = sim.runUntilTrue(() => sim.role('B') === 'active', 10_000);
  assert.ok(t !== null, 'handed over');
  // dampen + one ping round to notice, the simultaneous-loss guard (a round + 2K), the handshake (2K), the ops.
  const budget = DAMPEN + 2 * LAB_HA.pingIntervalMs + 4 * K + sim.releaseMs + sim.acquireMs + 50;
  assert.ok(t! - t0 <= budget, `handover after ${t! - t0} ms (budget ${budget})`);
  assert.equal(sim.role('A'), 'standby');
  sim.runFor(20_000);
  assert.equal(sim.role('B'), 'active', 'no flapping back');
  assertAudit(sim);

  const sim2 = new Sim();
  const t2 = steady(sim2);
  sim2.setPing('B', 0);
  sim2.runFor(20_000);
  assert.deepEqual(transitionsAfter(sim2, 'A', t2), [], 'standby losing it changes nothing');

  const sim3 = new Sim();
  const t3 = steady(sim3);
  sim3.setPing('A', 0);
  sim3.setPing('B', 0);
  sim3.runFor(20_000);
  assert.deepEqual(transitionsAfter(sim3, 'A', t3), [], 'both losing it changes nothing');
  assertAudit(sim3);

  // A flicker shorter than the dampening moves nothing.
  const sim4 = new Sim();
  const t4 = steady(sim4);
  for (let i = 0; i < 10; i++) {
    sim4.setPing('A', 0);
    sim4.runFor(DAMPEN / 2);
    sim4.setPing('A', 2);
    sim4.runFor(DAMPEN / 2);
  }
  assert.deepEqual(transitionsAfter(sim4, 'A', t4), [], 'flicker ignored');
});

test('10b ping group at start: a node that reaches none of the group never takes the resource, even as the default active node', () => {
  const sim = new Sim({ ha: { defaultActive: 'SN-A0001' } });
  sim.setPing('A', 0);
  sim.start('A');
  sim.runFor(60);
  sim.start('B');
  const t = sim.runUntilTrue(() => sim.role('B') === 'active', I + 1000);
  assert.ok(t !== null, 'B (sees the group) active');
  sim.runFor(20_000);
  assert.equal(sim.role('A'), 'standby');
  assert.equal(transitionsAfter(sim, 'A', 0).some((x) => x.includes('acquiring')), false);
  // Alone and blind: A waits in standby rather than serving a network it cannot see.
  const solo = new Sim();
  solo.setPing('A', 0);
  solo.start('A');
  solo.runFor(3 * I);
  assert.deepEqual(solo.holdersNow(), []);
  solo.setPing('A', 2);
  assert.ok(solo.runUntilTrue(() => solo.role('A') === 'active', 3000) !== null, 'takes it once it sees the group');
  assertAudit(sim);
});

test('11 Late heartbeat: freeze W<t<D and flapping paths; warnings, no failover', () => {
  const sim = new Sim();
  const t0 = steady(sim);
  sim.freeze('A');
  sim.runFor((W + D) / 2 + 100);
  sim.thaw('A');
  sim.runFor(2000);
  assert.ok(sim.logs('B', 'late-heartbeat').length >= 1, 'late heartbeat logged');
  for (let t = 0; t < 30_000; t += D) {
    sim.cutAll(true);
    sim.runFor(D / 2);
    sim.cutAll(false);
    sim.runFor(D / 2);
  }
  assert.deepEqual(transitionsAfter(sim, 'A', t0), []);
  assert.deepEqual(transitionsAfter(sim, 'B', t0), []);
  assert.ok(sim.logs('B', 'late-heartbeat').length > 5);
  assertAudit(sim);
});

test('12 Freeze > D: B takes over; after SIGCONT one holder within 2K; the winner re-GARPs', () => {
  const sim = new Sim();
  const t0 = steady(sim);
  sim.freeze('A');
  assert.ok(sim.runUntilTrue(() => sim.role('B') === 'active', 5000) !== null);
  sim.runFor(1500);
  const tt = sim.now;
  sim.thaw('A');
  const t1 = sim.runUntilTrue(() => sim.holdersNow().length === 1, 5000);
  assert.ok(t1 !== null && t1 - tt <= 2 * K + sim.releaseMs, `single holder ${t1! - tt} ms after thaw`);
  sim.runFor(5000);
  const winner = sim.holdersNow()[0]!;
  assert.ok(sim.nodes[winner].garps.some((g) => g >= tt), 'winner re-GARPed');
  assert.equal(sim.neighOwner, winner);
  assertAudit(sim, [[t0, tt + 2 * K + sim.releaseMs]]);
});

test('13 Restart of the standby: never acquires during init; ends standby', () => {
  const sim = new Sim();
  const t0 = steady(sim);
  sim.kill9('B');
  sim.runFor(300);
  sim.start('B');
  sim.runFor(I + 5000);
  assert.equal(sim.role('B'), 'standby');
  assert.equal(sim.role('A'), 'active');
  assert.equal(transitionsAfter(sim, 'B', t0).some((x) => x.includes('acquiring')), false);
  assert.ok(sim.logs('A', 'peer-new-generation').length === 1, 'A saw the new generation');
  assertAudit(sim);
});

test('14 Boot with every path cut: both active after I (documented); heal resolves as in 8. With waitForPeerAtBoot: nobody acquires', () => {
  const sim = new Sim();
  sim.cutAll(true);
  sim.start('A');
  sim.start('B');
  sim.runFor(I + 500);
  assert.deepEqual(sim.holdersNow(), ['A', 'B']);
  const th = sim.now;
  sim.cutAll(false);
  const t1 = sim.runUntilTrue(() => sim.holdersNow().length === 1, 5000);
  assert.ok(t1 !== null && t1 - th <= 2 * K + sim.releaseMs);
  sim.runFor(5000);
  assert.deepEqual(sim.holdersNow(), ['A']);
  assertAudit(sim, [[1000 + I, th + 2 * K + sim.releaseMs]]);

  const sim2 = new Sim({ ha: { waitForPeerAtBoot: true } });
  sim2.cutAll(true);
  sim2.start('A');
  sim2.start('B');
  sim2.runFor(3 * I);
  assert.deepEqual(sim2.holdersNow(), []);
  assert.equal(sim2.role('A'), 'init');
  assert.equal(sim2.logs('A', 'waiting-for-peer').length, 1);
  sim2.cutAll(false);
  assert.ok(sim2.runUntilTrue(() => sim2.holdersNow().length === 1, 3000) !== null);
  sim2.runFor(5000);
  assertAudit(sim2);
});

test('15 Reattach: restart of the active daemon within D; the resource is never removed; the peer logs a new generation', () => {
  const sim = new Sim();
  const t0 = steady(sim);
  sim.stop('A', false);
  sim.runFor(500);
  sim.start('A');
  sim.runFor(10_000);
  assert.equal(sim.role('A'), 'active');
  assert.equal(sim.role('B'), 'standby');
  assert.deepEqual(sim.holders.filter((h) => h.at >= t0).map((h) => h.who.join()), [], 'holder set never changed');
  assert.equal(sim.logs('B', 'peer-new-generation').length, 1);
  assertAudit(sim);
});

test('16 ResourceRecover: the address is deleted behind the daemon; re-added within one monitor interval', () => {
  const sim = new Sim();
  steady(sim);
  const t0 = sim.now;
  sim.deleteResource('A');
  const t = sim.runUntilTrue(() => sim.nodes.A.resource, 5000);
  assert.ok(t !== null && t - t0 <= LAB_HA.resourceCheckIntervalMs + sim.acquireMs + 5, `re-added after ${t! - t0} ms`);
  assert.equal(sim.role('A'), 'active');
  assert.equal(sim.logs('A', 'resource-vanished').length, 1);
  sim.runFor(100);
  assert.ok(sim.nodes.A.garps.some((g) => g >= t0), 're-announced');
  assertAudit(sim);
});

test('17 Tracked interface down on the active node: A fault, B active; A stays off while in fault; no failback', () => {
  const sim = new Sim();
  const t0 = steady(sim);
  sim.setLink('A', 'lan', false);
  const t = sim.runUntilTrue(() => sim.role('B') === 'active', 5000);
  assert.ok(t !== null && t - t0 < D, `B active after ${t! - t0} ms (the fault is announced, no need to wait D)`);
  sim.runFor(20_000);
  assert.equal(sim.role('A'), 'fault');
  assert.equal(sim.nodes.A.resource, false);
  sim.setLink('A', 'lan', true);
  sim.runFor(20_000);
  assert.equal(sim.role('A'), 'standby');
  assert.equal(sim.role('B'), 'active');
  assertAudit(sim);
});

test('18 Force takeover with A isolated: refused without confirmation; then B active at once; the forced side wins at heal', () => {
  const sim = new Sim();
  steady(sim);
  const tc = sim.now;
  const r0 = sim.adminAction('B', { action: 'force-takeover', confirmed: true });
  assert.equal(sim.admin.get(r0)!.ok, false, 'refused while the peer is alive');
  sim.cutAll(true);
  sim.runFor(W + 100);
  const r1 = sim.adminAction('B', { action: 'force-takeover', confirmed: false });
  assert.equal(sim.admin.get(r1)!.ok, false);
  assert.match(sim.admin.get(r1)!.message, /confirm/i);
  const tf = sim.now;
  const r2 = sim.adminAction('B', { action: 'force-takeover', confirmed: true });
  assert.equal(sim.admin.get(r2)!.ok, true, sim.admin.get(r2)!.message);
  const t = sim.runUntilTrue(() => sim.role('B') === 'active', 2000);
  assert.ok(t !== null && t - tf <= sim.acquireMs + 5, 'at once');
  sim.runFor(3000);
  const th = sim.now;
  sim.cutAll(false);
  sim.runFor(5000);
  assert.deepEqual(sim.holdersNow(), ['B'], 'the forced takeover is not undone by the serial tie-break');
  assertAudit(sim, [[tc, th + 2 * K + sim.releaseMs]]);
});

test('19 Unpair and disable: the resource stays on the active node; the other holds none and sends no GARP', () => {
  const sim = new Sim();
  const t0 = steady(sim);
  const garpsB = sim.nodes.B.garps.length;
  const u1 = sim.adminAction('A', { action: 'unpair' });
  sim.runFor(3 * D);
  assert.equal(sim.admin.get(u1)!.ok, true);
  assert.equal(sim.role('B'), 'standby', 'the standby does not take over from a peer that left holding the resource');
  sim.adminAction('B', { action: 'unpair' }); // the pairing module tells the other node
  sim.runFor(10_000);
  assert.equal(sim.role('A'), 'unpaired');
  assert.equal(sim.role('B'), 'unpaired');
  assert.deepEqual(sim.holdersNow(), ['A']);
  assert.equal(sim.nodes.B.garps.length, garpsB);
  assert.deepEqual(transitionsAfter(sim, 'B', t0), ['standby->unpaired']);
  assertAudit(sim);

  const sim2 = new Sim();
  steady(sim2);
  const d1 = sim2.adminAction('A', { action: 'disable' });
  sim2.runFor(10_000);
  assert.equal(sim2.admin.get(d1)!.ok, true);
  assert.equal(sim2.role('A'), 'disabled');
  assert.equal(sim2.role('B'), 'disabled', 'disabled on both nodes');
  assert.deepEqual(sim2.holdersNow(), ['A']);
  // Re-enable both: starts from init with resource detection; A keeps it.
  sim2.adminAction('A', { action: 'enable', paired: true, resourcePresent: true, linkUp: true });
  sim2.adminAction('B', { action: 'enable', paired: true, resourcePresent: false, linkUp: true });
  sim2.runFor(10_000);
  assert.equal(sim2.role('A'), 'active');
  assert.equal(sim2.role('B'), 'standby');
  assertAudit(sim2);
});

test('20 Replays and mismatched timers: an old generation cannot keep a dead peer alive; timer hash alarm', () => {
  const sim = new Sim({ perNode: { B: { deadMs: 2000 } } });
  steady(sim);
  assert.equal(sim.logs('A', 'timers-mismatch').length, 1, 'alarm once on A');
  assert.equal(sim.logs('B', 'timers-mismatch').length, 1, 'alarm once on B');
  // A restarts (generation 2), then dies; an attacker replays generation-1 packets to B.
  const old = sim.nodes.B.core!.peer.last!;
  sim.kill9('A');
  sim.start('A');
  sim.runFor(1000);
  sim.powerOff('A');
  const t0 = sim.now;
  for (let i = 0; i < 40; i++) {
    sim.after(i * K, () => sim.input('B', { kind: 'message', path: 'lan', msg: { ...old, generation: 1 } }));
  }
  const t = sim.runUntilTrue(() => sim.role('B') === 'active', 10_000);
  assert.ok(t !== null && t - t0 <= 2000 + K + sim.acquireMs + 10, 'the replays did not keep A alive');
  assert.ok(sim.logs('B', 'peer-old-generation').length >= 1);
});

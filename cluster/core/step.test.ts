// Focused tests of the pure pieces: tie-break, ping dampening, purity and timers of step(),
// effect ordering, and the admin guards. The scenarios (scenarios.test.ts) cover behaviour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreConfig, timersHash } from './config.ts';
import { emptyPing, pingUpdate } from './ping.ts';
import { LAB_HA } from './sim.ts';
import { initialState, nextDeadline, step } from './step.ts';
import { tieBreak, type Candidate } from './tiebreak.ts';
import type { CoreState, Effect, Input, PeerMessage } from './types.ts';

const cfg = coreConfig(LAB_HA, 'SN-A', 'SN-B');

function peerMsg(over: Partial<PeerMessage> = {}): PeerMessage {
  return {
    kind: 'heartbeat', msgId: 0, generation: 1, state: 'standby', holdsResource: false, stable: true, shutdown: false,
    forced: false, pingReachable: 2, pingTotal: 2, pingStable: true, timersHash: timersHash(cfg), ...over,
  };
}

/** Feed inputs at increasing times; returns the final state and all effects. */
function run(s: CoreState, inputs: [number, Input][]): { s: CoreState; fx: Effect[] } {
  const fx: Effect[] = [];
  for (const [t, input] of inputs) {
    const r = step(s, input, t);
    s = r.state;
    fx.push(...r.effects);
  }
  return { s, fx };
}

/** A node that is active with a standby peer (reached through the real rules). */
function activeNode(): CoreState {
  let s = initialState(cfg, { generation: 1, enabled: true, paired: true, resourcePresent: false, linkUp: true }, 0).state;
  let t = 0;
  const feed = (input: Input) => { s = step(s, input, t).state; };
  feed({ kind: 'ping-result', reachable: 2, total: 2 });
  for (; t <= 2000; t += 100) {
    feed({ kind: 'message', path: 'lan', msg: peerMsg({ state: 'init', stable: false, pingStable: false }) });
    if (s.role === 'acquiring') { feed({ kind: 'acquire-result', ok: true }); break; }
  }
  assert.equal(s.role, 'active');
  return s;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

test('tie-break: the same answer whichever side asks, rules in order', () => {
  const c = (serial: string, over: Partial<Candidate> = {}): Candidate => ({ serial, forced: false, eligible: true, pingReachable: 2, pingStable: true, ...over });
  const cases: [Candidate, Candidate, string, string, string][] = [
    [c('B', { forced: true }), c('A'), 'A', 'B', 'forced'],
    [c('A', { eligible: false }), c('B'), '', 'B', 'eligible'],
    [c('A', { pingReachable: 1 }), c('B'), 'A', 'B', 'ping'],
    [c('A', { pingReachable: 1, pingStable: false }), c('B'), 'B', 'B', 'default-active'],
    [c('A', { pingReachable: 1, pingStable: false }), c('B'), '', 'A', 'lower-serial'],
    [c('SN-10'), c('SN-9'), 'nobody', 'SN-10', 'lower-serial'],
  ];
  for (const [a, b, def, winner, rule] of cases) {
    assert.deepEqual(tieBreak(a, b, def), { winner, rule });
    assert.deepEqual(tieBreak(b, a, def), { winner, rule }, 'symmetric');
  }
  // Exhaustive symmetry over a grid of candidates.
  const grid: Candidate[] = [];
  for (const forced of [false, true]) for (const eligible of [false, true]) for (const pingReachable of [0, 1, 2]) for (const pingStable of [false, true]) {
    grid.push(c('', { forced, eligible, pingReachable, pingStable }));
  }
  for (const x of grid) for (const y of grid) for (const def of ['', 'S1', 'S2', 'S3']) {
    assert.deepEqual(tieBreak({ ...x, serial: 'S1' }, { ...y, serial: 'S2' }, def), tieBreak({ ...y, serial: 'S2' }, { ...x, serial: 'S1' }, def));
  }
});

test('ping dampening: a flicker moves nothing; a lasting change is adopted after dampen, already stable', () => {
  let v = pingUpdate(emptyPing(), 2, 0, 1000);
  assert.deepEqual([v.score, v.stable], [2, false], 'first measurement adopted, not stable');
  v = pingUpdate(v, 2, 1000, 1000);
  assert.deepEqual([v.score, v.stable], [2, true]);
  for (let t = 1200; t < 5000; t += 400) {
    v = pingUpdate(v, 0, t, 1000);
    v = pingUpdate(v, 2, t + 200, 1000);
  }
  assert.deepEqual([v.score, v.stable], [2, true], 'flicker shorter than dampen ignored');
  v = pingUpdate(v, 1, 6000, 1000);
  v = pingUpdate(v, 1, 6800, 1000);
  assert.equal(v.score, 2, 'not yet');
  v = pingUpdate(v, 1, 7000, 1000);
  assert.deepEqual([v.score, v.stable], [1, true], 'adopted after holding 1000 ms');
});

test('step is pure: a frozen state is never written, and the same input gives the same output', () => {
  const s = deepFreeze(activeNode());
  const inputs: Input[] = [
    { kind: 'tick' }, { kind: 'ping-result', reachable: 0, total: 2 }, { kind: 'resource-check', present: false },
    { kind: 'message', path: 'sync', msg: peerMsg({ state: 'active', holdsResource: true }) }, { kind: 'link', path: 'lan', up: false },
    { kind: 'admin', requestId: 'x', action: 'switchover' }, { kind: 'shutdown', release: true },
  ];
  for (const input of inputs) {
    const a = step(s, input, 50_000);
    const b = step(s, input, 50_000);
    assert.deepEqual(a, b);
  }
});

test('nextDeadline always lies ahead after a step (no spinning driver)', () => {
  let s = initialState(cfg, { generation: 1, enabled: true, paired: true, resourcePresent: true, linkUp: true }, 0).state;
  for (let t = 0; t < 60_000;) {
    const d = nextDeadline(s);
    assert.ok(d !== null);
    t = Math.max(t, d);
    s = step(s, { kind: 'tick' }, t).state;
    const after = nextDeadline(s);
    assert.ok(after === null || after > t, `deadline ${after} not after ${t} (${s.role})`);
    if (s.role === 'acquiring') s = step(s, { kind: 'acquire-result', ok: true }, t).state;
  }
  assert.equal(s.role, 'active', 'alone after the init timeout, keeping the resource found at start');
});

test('start: a resource found at start is announced, never silently kept', () => {
  const r = initialState(cfg, { generation: 7, enabled: true, paired: true, resourcePresent: true, linkUp: true }, 0);
  assert.ok(r.effects.some((e) => e.kind === 'log' && e.event === 'resource-found-at-start'));
  const first = step(r.state, { kind: 'tick' }, 0).effects.find((e) => e.kind === 'send');
  assert.ok(first && first.kind === 'send' && first.msg.holdsResource && first.msg.generation === 7);
  // Standalone (unpaired) with the resource: keeps serving.
  const u = initialState(cfg, { generation: 1, enabled: true, paired: false, resourcePresent: true, linkUp: true }, 0);
  assert.equal(u.state.role, 'unpaired');
  assert.ok(u.effects.some((e) => e.kind === 'services' && e.run));
  // Tracked interface down at start with the resource: release it, then fault.
  const f = initialState(cfg, { generation: 1, enabled: true, paired: true, resourcePresent: true, linkUp: false }, 0);
  assert.equal(f.state.role, 'releasing');
  assert.deepEqual(f.effects.filter((e) => e.kind === 'services' || e.kind === 'release').map((e) => e.kind), ['services', 'release']);
});

test('effect order: transition first; services stop before release; services start and GARP only after the address is added', () => {
  const s = activeNode();
  const { fx } = run(s, [[10_000, { kind: 'link', path: 'lan', up: false }]]);
  const kinds = fx.filter((e) => e.kind === 'transition' || e.kind === 'services' || e.kind === 'release' || e.kind === 'send').map((e) => e.kind);
  assert.deepEqual(kinds, ['transition', 'services', 'release', 'send'], 'persist, stop serving, drop the address, then tell the peer');
  let n = initialState(cfg, { generation: 1, enabled: true, paired: true, resourcePresent: false, linkUp: true }, 0).state;
  n = step(n, { kind: 'ping-result', reachable: 2, total: 2 }, 0).state;
  const acq = run(n, [[4001, { kind: 'tick' }]]);
  assert.equal(acq.s.role, 'acquiring');
  assert.equal(acq.fx.some((e) => e.kind === 'services' || e.kind === 'garp'), false, 'nothing announced before the add');
  const done = run(acq.s, [[4050, { kind: 'acquire-result', ok: true }]]);
  assert.deepEqual(done.fx.filter((e) => e.kind !== 'log' && e.kind !== 'send').map((e) => e.kind), ['transition', 'services', 'garp']);
});

test('admin guards: switch refused while the peer is in flux; force takeover needs confirmation and a silent peer', () => {
  const s = activeNode();
  const flux = run(s, [
    [9000, { kind: 'message', path: 'lan', msg: peerMsg({ state: 'releasing', stable: false, holdsResource: true }) }],
    [9001, { kind: 'admin', requestId: 'r1', action: 'switchover' }],
  ]);
  const r1 = flux.fx.find((e) => e.kind === 'admin-result');
  assert.ok(r1 && r1.kind === 'admin-result' && !r1.ok && /in flux|releasing/.test(r1.message), JSON.stringify(r1));

  const standby = run(initialState(cfg, { generation: 1, enabled: true, paired: true, resourcePresent: false, linkUp: true }, 0).state, [
    [0, { kind: 'ping-result', reachable: 2, total: 2 }],
    [10, { kind: 'message', path: 'lan', msg: peerMsg({ state: 'active', holdsResource: true }) }],
    [20, { kind: 'admin', requestId: 'f1', action: 'force-takeover', confirmed: true }],
    [30, { kind: 'admin', requestId: 'f2', action: 'force-takeover', confirmed: false }],
    [2000, { kind: 'admin', requestId: 'f3', action: 'force-takeover', confirmed: true }],
  ]);
  const res = Object.fromEntries(standby.fx.filter((e) => e.kind === 'admin-result').map((e) => [e.kind === 'admin-result' ? e.requestId : '', e]));
  assert.match((res.f1 as { message: string }).message, /peer is alive/);
  assert.match((res.f2 as { message: string }).message, /[Cc]onfirm/);
  assert.equal((res.f3 as { ok: boolean }).ok, true);
  assert.equal(standby.s.role, 'acquiring');
  assert.equal(standby.s.forced, true);
});

test('a message from an older generation is ignored and counted', () => {
  const s = activeNode();
  const r = run(s, [
    [5000, { kind: 'message', path: 'lan', msg: peerMsg({ generation: 5 }) }],
    [5100, { kind: 'message', path: 'lan', msg: peerMsg({ generation: 4, state: 'active', holdsResource: true }) }],
  ]);
  assert.equal(r.s.peer.generation, 5);
  assert.equal(r.s.role, 'active', 'the replayed "I hold it" did not trigger a split-brain release');
  assert.equal(r.s.counters['peer-old-generation'], 1);
});

test('timer hash: equal for equal timers, different when D differs', () => {
  assert.equal(timersHash(coreConfig(LAB_HA, 'X')), timersHash(coreConfig(LAB_HA, 'Y')));
  assert.notEqual(timersHash(coreConfig(LAB_HA, 'X')), timersHash(coreConfig({ ...LAB_HA, deadMs: 1600 }, 'X')));
});

test('every way into init (paired, link back from fault, admin enable) starts the init timeout afresh', () => {
  // Paired: unpaired -> init.
  let s = initialState(cfg, { generation: 1, enabled: true, paired: false, resourcePresent: false, linkUp: true }, 0).state;
  s = step(s, { kind: 'paired' }, 500).state;
  assert.equal(s.role, 'init');
  assert.equal(s.timers.initAt, 500 + cfg.initMs);
  assert.equal(s.initExpired, false);

  // Link back from fault, the peer never heard: fault -> init.
  s = initialState(cfg, { generation: 1, enabled: true, paired: true, resourcePresent: false, linkUp: false }, 0).state;
  assert.equal(s.role, 'fault');
  assert.equal(s.timers.initAt, null);
  s = step(s, { kind: 'link', path: 'lan', up: true }, 700).state;
  assert.equal(s.role, 'init');
  assert.equal(s.timers.initAt, 700 + cfg.initMs);
  assert.equal(s.initExpired, false);

  // Admin enable: disabled -> init.
  s = initialState(cfg, { generation: 1, enabled: false, paired: true, resourcePresent: false, linkUp: true }, 0).state;
  s = step(s, { kind: 'admin', requestId: 'r1', action: 'enable', paired: true, resourcePresent: false, linkUp: true }, 900).state;
  assert.equal(s.role, 'init');
  assert.equal(s.timers.initAt, 900 + cfg.initMs);
  assert.equal(s.initExpired, false);

  // Leaving init clears it.
  s = step(s, { kind: 'link', path: 'lan', up: false }, 1000).state;
  assert.notEqual(s.role, 'init');
  assert.equal(s.timers.initAt, null);
});

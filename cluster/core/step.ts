// The HA state machine: step(state, input, now) -> { state, effects }. Pure: no clock, no I/O, no
// randomness; the caller's state is never mutated. See types.ts for the API contract (timers via
// nextDeadline, effect ordering) and the states; ha.md 4.4 for the transitions implemented here.
//
// One step: apply the input, fire the timers that are due, re-evaluate the peer's liveness and
// any handshake, then let the role's rule decide, and finally send a heartbeat if anything the
// peer must know changed. Every rule is re-run on every input, so an input that arrives "early"
// (a ping result before the peer is heard) is never lost: the rule sees it on the next step.
import { timersHash } from './config.ts';
import { become, count, inCluster, log, outgoing, send, settleMs, type Ctx } from './ctx.ts';
import { beginRelease, checkHandover, onHandoverMessage } from './handover.ts';
import { emptyPeer, intake, livenessDeadlines, refreshLiveness } from './peer.ts';
import { emptyPing, pingUpdate } from './ping.ts';
import { onAdmin, requestDisable } from './admin.ts';
import { announceHeld, leaveFault, onAcquired, onCheck, onLink, onReleased, onShutdown } from './resource.ts';
import { conflictGraceMs, evaluate } from './rules.ts';
import type { BootFacts, CoreConfig, CoreState, Input, StepResult } from './types.ts';

/** The node as it starts (or as HA is re-enabled). Effects: the start record, and services if a standalone node still holds the resource. */
export function initialState(cfg: CoreConfig, boot: BootFacts, now: number): StepResult {
  const role = !boot.enabled ? 'disabled' : !boot.paired ? 'unpaired' : boot.linkUp ? 'init' : 'fault';
  const s: CoreState = {
    cfg,
    generation: boot.generation,
    role,
    roleSince: now,
    reason: 'start',
    holds: boot.resourcePresent,
    forced: false,
    linkUp: boot.linkUp,
    fault: role === 'fault' ? 'link' : null,
    commsUp: false,
    peer: emptyPeer(),
    ping: emptyPing(),
    handover: null,
    afterRelease: 'standby',
    stopping: false,
    conflict: false,
    conflictSince: null,
    disableRequested: false,
    pingHandoverAt: 0,
    initExpired: false,
    waitLogged: false,
    lastSent: null,
    settle: null,
    nextMsgId: 1,
    timers: {
      heartbeatAt: now,
      pingAt: cfg.pingTotal > 0 && inCluster(role) ? now : null,
      checkAt: boot.resourcePresent && role !== 'disabled' ? now : null,
      initAt: role === 'init' ? now + cfg.initMs : null,
      opAt: null,
      garpRepeatAt: null,
      garpRefreshAt: null,
      faultRetryAt: null,
    },
    counters: {},
  };
  const c: Ctx = { s, fx: [], now, sendNow: false };
  const found = boot.resourcePresent ? 'the resource IP is already on the interface' : 'no resource IP on the interface';
  const reason = `start, generation ${boot.generation}; ${found}${role === 'fault' ? '; the tracked interface is down' : ''}`;
  s.reason = reason;
  c.fx.push({ kind: 'transition', from: role, to: role, reason, at: now });
  log(c, 'info', 'start', `HA core starting as ${role}: ${reason}`, { role, generation: boot.generation });
  if (boot.resourcePresent && inCluster(role)) {
    // Never keep it silently (ha.md 4.3): every heartbeat now says holdsResource, and the
    // tie-break settles it if the peer holds it too.
    log(c, 'warn', 'resource-found-at-start', 'the resource IP was found on the interface at start (a crash or a restart left it); announcing it to the peer');
  }
  if (role === 'unpaired' && boot.resourcePresent) c.fx.push({ kind: 'services', run: true });
  if (role === 'fault' && s.holds) beginRelease(c, 'fault', 'the tracked interface is down at start');
  return { state: c.s, effects: c.fx };
}

export function step(state: CoreState, input: Input, now: number): StepResult {
  const c: Ctx = { s: cloneState(state), fx: [], now, sendNow: false };
  const s = c.s;
  let exited = false;
  // Liveness first, so an input (an admin's force-takeover) is judged on the peer as it is now.
  if (inCluster(s.role)) refreshLiveness(c);
  switch (input.kind) {
    case 'tick':
      break;
    case 'message':
      if (!inCluster(s.role) || s.stopping) { count(c, 'message-ignored'); break; }
      if (!s.cfg.paths.includes(input.path)) { count(c, 'message-unknown-path'); break; }
      {
        const before = s.peer.liveness;
        const genBefore = s.peer.generation;
        if (!intake(c, input.path, input.msg, timersHash(s.cfg))) break;
        // The peer is back (after a partition, a freeze, a restart): while we could not see it,
        // it may have held the address and pulled the phones' ARP entries. Re-announce once.
        const reappeared = before === 'dead' || before === 'unknown' || genBefore !== input.msg.generation;
        if (s.role === 'active' && s.peer.liveness === 'alive' && reappeared) {
          announceHeld(c, 'the peer is back; re-announcing the resource');
        }
        // Answer a (re)appearing peer at once, so it does not wait up to a keepalive to hear us.
        if (reappeared) c.sendNow = true;
      }
      if (input.msg.kind === 'disable') { requestDisable(c, 'disabled by the peer (HA disable on both nodes)', false); break; }
      onHandoverMessage(c, input.msg);
      break;
    case 'link':
      onLink(c, input.path, input.up);
      break;
    case 'ping-result':
      if (s.cfg.pingTotal > 0) s.ping = pingUpdate(s.ping, Math.max(0, Math.min(input.reachable, s.cfg.pingTotal)), now, s.cfg.pingDampenMs);
      break;
    case 'resource-check':
      onCheck(c, input.present);
      break;
    case 'acquire-result':
      onAcquired(c, input.ok, input.error);
      break;
    case 'release-result':
      exited = onReleased(c, input.ok, input.error);
      break;
    case 'paired':
      if (s.role === 'unpaired') {
        s.peer = emptyPeer();
        s.commsUp = false;
        become(c, 'init', 'paired with the peer');
        s.timers.pingAt = s.cfg.pingTotal > 0 ? now : null;
      }
      break;
    case 'admin':
      onAdmin(c, input.requestId, input);
      break;
    case 'shutdown':
      exited = onShutdown(c, input.release);
      break;
  }
  if (!exited) {
    fireTimers(c);
    if (inCluster(s.role)) {
      refreshLiveness(c);
      checkHandover(c);
      evaluate(c);
    }
    if (inCluster(s.role) && (c.sendNow || changedForPeer(s))) send(c);
  }
  return { state: c.s, effects: c.fx };
}

/** Something the peer decides on differs from what we last told it: tell it now, not in up to K. */
function changedForPeer(s: CoreState): boolean {
  const a = s.lastSent;
  if (!a) return true;
  const b = outgoing(s);
  return a.state !== b.state || a.holdsResource !== b.holdsResource || a.stable !== b.stable || a.forced !== b.forced
    || a.pingReachable !== b.pingReachable || a.pingStable !== b.pingStable || a.shutdown !== b.shutdown;
}

/** A private copy for one step (cfg and messages are never mutated, so they are shared). */
function cloneState(s: CoreState): CoreState {
  return {
    ...s,
    peer: { ...s.peer, paths: { lan: { ...s.peer.paths.lan }, sync: { ...s.peer.paths.sync } } },
    ping: { ...s.ping },
    handover: s.handover ? { ...s.handover } : null,
    timers: { ...s.timers },
    counters: { ...s.counters },
  };
}

/** When the next tick is due (absolute, same clock as `now`); null: nothing will happen by itself. */
export function nextDeadline(s: CoreState): number | null {
  if (s.role === 'disabled') return null;
  const t = s.timers;
  const all: (number | null)[] = [t.pingAt, t.checkAt, t.initAt, t.opAt, t.garpRepeatAt, t.garpRefreshAt, t.faultRetryAt];
  if (inCluster(s.role)) {
    // A handover deadline waits while our own acquire/release runs (opAt bounds that).
    const flux = s.role === 'acquiring' || s.role === 'releasing';
    all.push(t.heartbeatAt, flux ? null : s.handover?.deadline ?? null);
    all.push(...livenessDeadlines(s.peer, s.cfg.paths, s.cfg.warningMs, s.cfg.deadMs));
    if (s.settle) all.push(s.settle.since + settleMs(s));
    if (s.conflictSince !== null && s.role === 'active') all.push(s.conflictSince + conflictGraceMs(s));
  }
  let min: number | null = null;
  for (const x of all) if (x !== null && (min === null || x < min)) min = x;
  return min;
}

function fireTimers(c: Ctx): void {
  const s = c.s;
  const t = s.timers;
  const due = (x: number | null): boolean => x !== null && x <= c.now;
  if (inCluster(s.role) && due(t.heartbeatAt)) c.sendNow = true;
  if (due(t.pingAt)) {
    if (s.cfg.pingTotal > 0 && inCluster(s.role)) {
      c.fx.push({ kind: 'probe-ping' });
      t.pingAt = c.now + s.cfg.pingIntervalMs;
    } else t.pingAt = null;
  }
  if (due(t.checkAt)) {
    if (s.holds && t.opAt === null) {
      c.fx.push({ kind: 'check-resource' });
      t.checkAt = c.now + s.cfg.resourceCheckMs;
    } else t.checkAt = null;
  }
  if (due(t.garpRepeatAt)) {
    t.garpRepeatAt = null;
    if (s.role === 'active') c.fx.push({ kind: 'garp', count: s.cfg.garpCount, reason: 'second burst after taking the resource' });
  }
  if (due(t.garpRefreshAt)) {
    t.garpRefreshAt = s.role === 'active' && s.cfg.garpRefreshMs > 0 ? c.now + s.cfg.garpRefreshMs : null;
    if (s.role === 'active') c.fx.push({ kind: 'garp', count: s.cfg.garpCount, reason: 'periodic refresh' });
  }
  if (due(t.opAt)) {
    t.opAt = null;
    if (s.role === 'acquiring' || (s.holds && (s.role === 'active' || s.role === 'unpaired'))) {
      onAcquired(c, false, `no result within ha.resourceTimeoutMs (${s.cfg.resourceTimeoutMs} ms)`);
    } else if (s.role === 'releasing') {
      // A failed or hung release is retried: the address must not stay on a node that gave it up.
      c.fx.push({ kind: 'release', reason: `retry: ${s.reason}` });
      t.opAt = c.now + s.cfg.resourceTimeoutMs;
      log(c, 'error', 'release-retry', `retrying the release of the resource (${s.reason})`);
    }
  }
  if (due(t.initAt)) {
    t.initAt = null;
    s.initExpired = true;
  }
  if (due(t.faultRetryAt)) {
    t.faultRetryAt = null;
    if (s.role === 'fault' && s.fault === 'acquire') {
      s.fault = null;
      leaveFault(c, 'retry after a failed acquire');
    }
  }
}


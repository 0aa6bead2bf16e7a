// The working context of one step: a private copy of the state, the effects collected so far,
// and the few verbs every rule uses (become, log, send). Only step.ts creates a Ctx; every
// module below it mutates the copy, never the caller's state.
import { candidate, tieBreak, type TieResult } from './tiebreak.ts';
import { timersHash } from './config.ts';
import type { CoreState, Effect, LogLevel, MessageKind, PeerMessage, Role } from './types.ts';

export interface Ctx {
  s: CoreState;
  fx: Effect[];
  now: number;
  /** Send a heartbeat at the end of this step (a role or handshake change the peer must see now). */
  sendNow: boolean;
  /** A rule used settled() in this step; otherwise the settle clock is reset. */
  keepSettle?: boolean;
}

export function log(c: Ctx, level: LogLevel, event: string, msg: string, fields?: Record<string, unknown>): void {
  c.s.counters[event] = (c.s.counters[event] ?? 0) + 1;
  c.fx.push(fields ? { kind: 'log', level, event, msg, fields } : { kind: 'log', level, event, msg });
}

export function count(c: Ctx, event: string): void {
  c.s.counters[event] = (c.s.counters[event] ?? 0) + 1;
}

/** Roles that take part in the cluster (send heartbeats, listen to the peer). */
export function inCluster(role: Role): boolean {
  return role !== 'disabled' && role !== 'unpaired';
}

/**
 * The one way to change role: records the transition (persisted by the driver before the rest of
 * the batch), logs it once, makes the next heartbeat go out now, and (re)arms or clears the role's timers.
 */
export function become(c: Ctx, to: Role, reason: string): void {
  const from = c.s.role;
  if (from === to) return;
  c.s.role = to;
  c.s.roleSince = c.now;
  c.s.reason = reason;
  c.fx.push({ kind: 'transition', from, to, reason, at: c.now });
  log(c, 'info', 'transition', `HA ${from} -> ${to}: ${reason}`, { from, to, reason });
  c.sendNow = true;
  const t = c.s.timers;
  // Entering init (paired, enabled, out of fault) starts the init timeout afresh.
  if (to === 'init') { t.initAt = c.now + c.s.cfg.initMs; c.s.initExpired = false; } else t.initAt = null;
  if (to !== 'fault') t.faultRetryAt = null;
  if (to !== 'active') { t.garpRefreshAt = null; }
}

/** Not in flux: ha.md 4.4 rule 1 and rule 4 (a node in fault is stable, so the peer may act). */
export function isStable(s: CoreState): boolean {
  if (s.handover !== null) return false;
  return s.role === 'standby' || s.role === 'active' || s.role === 'fault' || s.role === 'disabled' || s.role === 'unpaired';
}

/** What we tell the peer now. Handshake kinds are repeated until answered (types.ts, PeerMessage). */
export function outgoing(s: CoreState, kind?: MessageKind): PeerMessage {
  const h = s.handover;
  let k: MessageKind = 'heartbeat';
  let id = 0;
  if (h) {
    id = h.id;
    if (h.initiator && h.phase === 'requested') k = 'handover-request';
    else if (!h.initiator && h.phase === 'accepted') k = 'handover-accept';
    else if (h.side === 'giver' && h.phase === 'released') k = 'released';
    else id = 0;
  }
  if (kind) k = kind;
  return {
    kind: k,
    msgId: k === 'heartbeat' || k === 'disable' ? 0 : id,
    generation: s.generation,
    state: s.role,
    holdsResource: s.holds,
    stable: isStable(s),
    shutdown: s.stopping && !s.holds,
    forced: s.forced && s.holds,
    pingReachable: s.cfg.pingTotal === 0 ? 0 : Math.min(255, s.ping.score ?? 0),
    pingTotal: Math.min(255, s.cfg.pingTotal),
    pingStable: s.cfg.pingTotal === 0 ? true : s.ping.score !== null && s.ping.stable,
    timersHash: timersHash(s.cfg),
  };
}

export function send(c: Ctx, kind?: MessageKind): void {
  const msg = outgoing(c.s, kind);
  c.s.lastSent = msg;
  c.fx.push({ kind: 'send', msg });
  c.s.timers.heartbeatAt = c.now + c.s.cfg.keepaliveMs;
}

/** We may take the resource: link up, and (no ping group, or we reach at least one address). */
export function selfEligible(s: CoreState): boolean {
  if (!s.linkUp || s.role === 'fault') return false;
  return s.cfg.pingTotal === 0 || (s.ping.score ?? 0) > 0;
}

/** Is the peer heard recently enough to count as present (alive or late)? */
export function peerPresent(s: CoreState): boolean {
  return s.peer.liveness === 'alive' || s.peer.liveness === 'late';
}

/** The tie-break between us and the peer, from what both sides see on the wire. */
export function tie(s: CoreState): TieResult {
  // Our side is what we last told the peer, not our live view: the peer can only decide on what
  // it received, and both must decide on the same data. The caller checks our live eligibility
  // separately before acting.
  const me = s.lastSent ?? outgoing(s);
  const a = candidate(s.cfg.selfSerial, me);
  const peerMsg = s.peer.last!;
  const b = candidate(s.cfg.peerSerial || '~peer', peerMsg);
  return tieBreak(a, b, s.cfg.defaultActive);
}

export function nextId(s: CoreState): number {
  const id = ((s.generation & 0xffff) * 0x10000 + (s.nextMsgId & 0xffff)) >>> 0;
  s.nextMsgId = (s.nextMsgId + 1) & 0xffff || 1;
  return id === 0 ? 1 : id;
}

/** Two keepalives plus slack: long enough for our latest message to reach the peer and its answer to come back. */
export function settleMs(s: CoreState): number {
  return 2 * s.cfg.keepaliveMs + 1;
}

/**
 * True once "we win with nobody holding" has held on unchanged data for settleMs. `key` is the
 * data the decision rests on; any change restarts the wait.
 */
export function settled(c: Ctx, key: string): boolean {
  const s = c.s;
  c.keepSettle = true;
  if (!s.settle || s.settle.key !== key) {
    s.settle = { key, since: c.now };
    c.sendNow = true; // make sure the peer has the data we are about to decide on
    return false;
  }
  return c.now - s.settle.since >= settleMs(s);
}

/** The tie-break inputs of both sides, as a key for settled(). */
export function tieKey(s: CoreState): string {
  const a = s.lastSent;
  const b = s.peer.last;
  const f = (m: PeerMessage | null) => (m ? `${m.state},${m.holdsResource},${m.stable},${m.forced},${m.pingReachable},${m.pingStable}` : '-');
  return `${f(a)}|${f(b)}`;
}

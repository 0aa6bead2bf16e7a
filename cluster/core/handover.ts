// Switch of the active node (ha.md 4.6; Heartbeat's 3-phase standby protocol, hb_resource.c):
//
//   initiator ----handover-request----> other      (either node may initiate)
//   initiator <---handover-accept------ other      (or handover-refuse: someone is in flux)
//   giver: stop services, release        (gap begins)
//   giver ----released----------------> taker
//   taker: acquire, GARP, start services (gap ends)
//   taker ----acquired----------------> giver      (or the giver sees the taker active)
//
// The giver is whichever node holds the resource, so "switch" means the same on both nodes. The
// resource is never on both: the taker acquires only after `released`. Each phase has a deadline
// (handoverTimeoutMs); a timeout cancels the handshake and leaves the ordinary rules to settle who
// holds. The current handshake message is repeated with every keepalive until answered.
import { become, count, log, outgoing, peerPresent, selfEligible, nextId, type Ctx } from './ctx.ts';
import { eligibleFrom } from './tiebreak.ts';
import type { PeerMessage } from './types.ts';

/** Why a switch cannot start now, or null when it can. Checks both sides (ha.md: refused while either side is in flux). */
export function switchBlocker(c: Ctx, answeringPeer = false): string | null {
  const s = c.s;
  if (s.role !== 'active' && s.role !== 'standby') return `this node is ${s.role}; a switch needs one node active and the other standby`;
  if (s.handover) return `a switch is already in progress (id ${s.handover.id})`;
  if (!peerPresent(s) || !s.peer.last) return `the peer is ${s.peer.liveness === 'unknown' ? 'not heard yet' : s.peer.liveness}; a switch needs a live peer (use force-takeover if it is really down)`;
  const p = s.peer.last;
  // A peer's request is itself marked unstable (the sender has a handshake open): then judge the
  // sender by its role and holdings, which is what the request is about.
  if ((p.state !== 'active' && p.state !== 'standby') || (!p.stable && !answeringPeer)) return `the peer is ${p.state}${p.stable ? '' : ' and in flux'}; retry when it is active or standby`;
  if (s.holds === p.holdsResource) return s.holds ? 'both nodes hold the resource (split brain being resolved); retry in a moment' : 'neither node holds the resource; nothing to switch';
  if (s.holds && !eligibleFrom(p)) return `the peer cannot take the resource (it reaches ${p.pingReachable}/${p.pingTotal} ping-group addresses)`;
  if (!s.holds && !selfEligible(s)) return `this node cannot take the resource (${s.linkUp ? `it reaches ${s.ping.score ?? 0}/${s.cfg.pingTotal} ping-group addresses` : 'its interface is down'})`;
  return null;
}

/** Start a switch as initiator (admin on either node, or the ping rule on the active node). */
export function startSwitch(c: Ctx, reason: string, requestId: string | null): void {
  const s = c.s;
  s.handover = {
    id: nextId(s),
    side: s.holds ? 'giver' : 'taker',
    phase: 'requested',
    initiator: true,
    requestId,
    deadline: c.now + s.cfg.handoverTimeoutMs,
    reason,
  };
  log(c, 'info', 'handover-start', `switch of the active node requested (${reason}); this node is the ${s.handover.side}`, { id: s.handover.id });
  c.sendNow = true;
}

function finishAdmin(c: Ctx, ok: boolean, message: string): void {
  const h = c.s.handover;
  if (h?.requestId) c.fx.push({ kind: 'admin-result', requestId: h.requestId, ok, message });
  if (h) h.requestId = null;
}

function cancel(c: Ctx, why: string, tellPeer: boolean): void {
  const h = c.s.handover;
  if (!h) return;
  log(c, 'warn', 'handover-cancelled', `switch ${h.id} cancelled: ${why}`, { id: h.id });
  finishAdmin(c, false, `switch cancelled: ${why}`);
  if (tellPeer) c.fx.push({ kind: 'send', msg: { ...outgoing(c.s, 'handover-cancel'), msgId: h.id } });
  c.s.handover = null;
  c.s.pingHandoverAt = c.now + c.s.cfg.pingDampenMs + c.s.cfg.deadMs;
  c.sendNow = true;
}

/** Both sides agreed: the giver starts releasing now. */
function agreed(c: Ctx): void {
  const s = c.s;
  const h = s.handover!;
  h.phase = 'accepted';
  h.deadline = c.now + s.cfg.handoverTimeoutMs;
  finishAdmin(c, true, `switch accepted by both nodes; ${h.side === 'giver' ? 'this node releases the resource and the peer takes it' : 'the peer releases the resource and this node takes it'}`);
  if (h.side === 'giver') beginRelease(c, 'standby', `switch ${h.id}: handing the resource to the peer`);
}

/** Stop services then remove the resource (the order matters: never serve without the address). */
export function beginRelease(c: Ctx, after: 'standby' | 'fault' | 'disabled' | 'unpaired', reason: string): void {
  const s = c.s;
  s.afterRelease = after;
  s.conflictSince = null;
  become(c, 'releasing', reason);
  c.fx.push({ kind: 'services', run: false });
  c.fx.push({ kind: 'release', reason });
  s.timers.opAt = c.now + s.cfg.resourceTimeoutMs;
  s.timers.checkAt = null;
}

export function beginAcquire(c: Ctx, reason: string): void {
  const s = c.s;
  become(c, 'acquiring', reason);
  s.holds = true;
  c.fx.push({ kind: 'acquire', reason });
  s.timers.opAt = c.now + s.cfg.resourceTimeoutMs;
  s.timers.checkAt = null;
}

/** A handshake message from the peer. */
export function onHandoverMessage(c: Ctx, msg: PeerMessage): void {
  const s = c.s;
  const h = s.handover;
  switch (msg.kind) {
    case 'handover-request': {
      if (h && h.id === msg.msgId) return; // a repeat; our answer is repeated with each keepalive
      if (h) {
        c.fx.push({ kind: 'send', msg: { ...outgoing(s, 'handover-refuse'), msgId: msg.msgId } });
        log(c, 'warn', 'handover-refused', `refused the peer's switch ${msg.msgId}: our own switch ${h.id} is in progress`);
        return;
      }
      const effective = switchBlocker(c, true);
      if (effective) {
        c.fx.push({ kind: 'send', msg: { ...outgoing(s, 'handover-refuse'), msgId: msg.msgId } });
        log(c, 'warn', 'handover-refused', `refused the peer's switch ${msg.msgId}: ${effective}`);
        return;
      }
      s.handover = {
        id: msg.msgId, side: s.holds ? 'giver' : 'taker', phase: 'requested', initiator: false,
        requestId: null, deadline: c.now + s.cfg.handoverTimeoutMs, reason: 'requested by the peer',
      };
      log(c, 'info', 'handover-accepted', `accepted the peer's switch ${msg.msgId}; this node is the ${s.handover.side}`, { id: msg.msgId });
      agreed(c);
      c.sendNow = true;
      return;
    }
    case 'handover-accept': {
      if (!h || h.id !== msg.msgId || !h.initiator || h.phase !== 'requested') return;
      agreed(c);
      return;
    }
    case 'handover-refuse': {
      if (!h || h.id !== msg.msgId || h.phase !== 'requested') return;
      cancel(c, 'the peer refused it (it or this node is in flux, or it cannot take the resource)', false);
      return;
    }
    case 'handover-cancel': {
      if (!h || h.id !== msg.msgId) return;
      cancel(c, 'the peer cancelled it', false);
      return;
    }
    case 'released': {
      if (!h || h.id !== msg.msgId || h.side !== 'taker') return;
      if (h.phase === 'requested') h.phase = 'accepted'; // its accept was lost; released implies it
      if (s.role !== 'standby') return; // already acquiring (a repeat)
      if (msg.holdsResource) return;
      h.phase = 'released';
      h.deadline = c.now + s.cfg.handoverTimeoutMs + s.cfg.resourceTimeoutMs;
      beginAcquire(c, `switch ${h.id}: the peer released the resource`);
      return;
    }
    case 'acquired': {
      if (!h || h.id !== msg.msgId || h.side !== 'giver') return;
      log(c, 'info', 'handover-done', `switch ${h.id} complete: the peer holds the resource`, { id: h.id });
      s.handover = null;
      c.sendNow = true;
      return;
    }
    default:
      return;
  }
}

/** Called after the giver's release completes (the gap begins). */
export function afterGiverReleased(c: Ctx): void {
  const h = c.s.handover;
  if (!h || h.side !== 'giver') return;
  h.phase = 'released';
  h.deadline = c.now + c.s.cfg.handoverTimeoutMs + c.s.cfg.resourceTimeoutMs;
  c.sendNow = true;
}

/** Called after the taker's acquire completes (the gap ends). */
export function afterTakerAcquired(c: Ctx, ok: boolean): void {
  const h = c.s.handover;
  if (!h || h.side !== 'taker') return;
  if (ok) {
    log(c, 'info', 'handover-done', `switch ${h.id} complete: this node holds the resource`, { id: h.id });
    c.fx.push({ kind: 'send', msg: { ...outgoing({ ...c.s, handover: null }, 'acquired'), msgId: h.id } });
    c.s.handover = null;
  } else {
    cancel(c, 'this node could not add the resource', true);
  }
}

/** Deadlines and outcomes visible in the peer's ordinary heartbeats. */
export function checkHandover(c: Ctx): void {
  const s = c.s;
  const h = s.handover;
  if (!h) return;
  const p = s.peer.last;
  if (!peerPresent(s)) {
    if (h.side === 'giver' && h.phase !== 'requested' && s.role === 'releasing') return; // finish the release first
    // Tell it anyway: a frozen peer reads its socket buffer when it wakes, and must find the
    // cancel after our request, or it would hand over to a node that no longer asks.
    cancel(c, `the peer is ${s.peer.liveness}`, true);
    return;
  }
  if (h.side === 'giver' && h.phase === 'released' && p && p.holdsResource && p.state === 'active') {
    log(c, 'info', 'handover-done', `switch ${h.id} complete: the peer holds the resource`, { id: h.id });
    s.handover = null;
    c.sendNow = true;
    return;
  }
  if (h.side === 'giver' && h.phase === 'released' && p && p.state === 'fault') {
    cancel(c, 'the peer went to fault instead of taking the resource', false);
    return;
  }
  // The taker says it is a settled standby with no handshake open (stable) two keepalives after
  // we released: it is not taking the resource (it cancelled, or never meant this handshake).
  if (h.side === 'giver' && h.phase === 'released' && p && p.state === 'standby' && p.stable && !p.holdsResource
    && c.now >= h.deadline - s.cfg.handoverTimeoutMs - s.cfg.resourceTimeoutMs + 2 * s.cfg.keepaliveMs) {
    cancel(c, 'the peer is a settled standby and is not taking the resource', true);
    return;
  }
  if (c.now >= h.deadline) {
    if (s.role === 'releasing' || s.role === 'acquiring') return; // the op timeout bounds these
    count(c, 'handover-timeout');
    cancel(c, `no answer from the peer within ${s.cfg.handoverTimeoutMs} ms (phase ${h.phase})`, true);
  }
}

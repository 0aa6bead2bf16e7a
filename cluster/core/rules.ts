// The role rules of ha.md 4.4: what init, standby and active do given the peer, the ping group
// and the tie-break. Part of step() (see step.ts); re-run after every input, idempotent.
import { become, log, peerPresent, selfEligible, settled, tie, tieKey, type Ctx } from './ctx.ts';
import { beginAcquire, beginRelease, startSwitch } from './handover.ts';
import { doDisable } from './admin.ts';
import { announceHeld, leaveFault } from './resource.ts';
import { eligibleFrom } from './tiebreak.ts';
import type { CoreState } from './types.ts';

/** How long a peer that lost the split-brain tie-break may keep holding before we conclude it cannot hear us. */
export function conflictGraceMs(s: CoreState): number {
  return 3 * s.cfg.keepaliveMs;
}


/** The role's rule (ha.md 4.4). Runs after every input; idempotent. */
export function evaluate(c: Ctx): void {
  c.keepSettle = false;
  evaluateRole(c);
  if (!c.keepSettle) c.s.settle = null;
}

function evaluateRole(c: Ctx): void {
  const s = c.s;
  if (s.stopping) return;
  if (s.disableRequested && s.role !== 'acquiring' && s.role !== 'releasing') {
    doDisable(c, 'disabled by the peer (HA disable on both nodes)', false);
    return;
  }
  if (!s.linkUp && (s.role === 'init' || s.role === 'standby' || s.role === 'active')) {
    s.fault = 'link';
    if (s.holds) {
      if (s.handover) s.handover = null;
      beginRelease(c, 'fault', 'the tracked interface is down');
    } else become(c, 'fault', 'the tracked interface is down');
    return;
  }
  if (s.role === 'fault' && s.fault === 'link' && s.linkUp) { leaveFault(c, 'the tracked interface is up again'); return; }
  if (s.role === 'init') evalInit(c);
  else if (s.role === 'standby') evalStandby(c);
  else if (s.role === 'active') evalActive(c);
}

function evalInit(c: Ctx): void {
  const s = c.s;
  const p = s.peer;
  const m = p.last;
  if (peerPresent(s) && m) {
    if (m.state === 'releasing') return; // it is giving the resource up; decide on its next state
    if (m.holdsResource && s.holds) {
      const t = tie(s);
      if (t.winner === s.cfg.selfSerial) beginAcquire(c, `the resource was found at start and the peer holds it too; this node wins the tie-break (${t.rule})`);
      else beginRelease(c, 'standby', `the resource was found at start but the peer holds it and wins the tie-break (${t.rule})`);
      return;
    }
    if (m.holdsResource) { become(c, 'standby', `the peer holds the resource (${m.state})`); return; }
    if (s.holds) { beginAcquire(c, 'the resource was found at start and the peer does not hold it: keeping it'); return; }
    if (m.state === 'acquiring') return;
    if (m.state === 'fault') {
      if (s.cfg.pingTotal > 0 && s.ping.score === null) return; // not measured yet: the first round is due now
      if (!selfEligible(s)) become(c, 'standby', 'the peer is in fault, but this node reaches none of the ping group');
      else if (settled(c, tieKey(s))) beginAcquire(c, 'the peer is in fault and holds nothing');
      return;
    }
    if (m.state === 'standby' && !m.stable) return; // the peer is in a handshake
    const t = tie(s);
    if (t.winner !== s.cfg.selfSerial) become(c, 'standby', `nobody holds the resource; the peer wins the tie-break (${t.rule})`);
    else if (selfEligible(s)) { if (settled(c, tieKey(s))) beginAcquire(c, `nobody holds the resource; this node wins the tie-break (${t.rule})`); }
    else if (s.ping.score !== null) become(c, 'standby', 'nobody holds the resource, but this node reaches none of the ping group');
    return;
  }
  if (p.liveness === 'gone' && m) {
    if (m.holdsResource && s.holds) { beginRelease(c, 'standby', 'the resource was found at start, but the peer left the cluster holding it: it stays there'); return; }
    if (m.holdsResource) { become(c, 'standby', 'the peer left the cluster holding the resource'); return; }
    if (s.holds) { beginAcquire(c, 'the resource was found at start; the peer left the cluster'); return; }
    if (m.shutdown && selfEligible(s)) { beginAcquire(c, 'the peer stopped gracefully'); return; }
    become(c, 'standby', 'the peer left the cluster');
    return;
  }
  const silent = (s.commsUp && p.liveness === 'dead') || (!s.commsUp && s.initExpired);
  if (!silent) return;
  // waitForPeerAtBoot forbids taking the resource, not keeping one found at start (Reattach).
  if (!s.commsUp && s.cfg.waitForPeerAtBoot && !s.holds) {
    if (!s.waitLogged) {
      s.waitLogged = true;
      log(c, 'warn', 'waiting-for-peer', `the peer has been silent for ${s.cfg.initMs} ms; ha.waitForPeerAtBoot keeps this node in init until it is heard (force a takeover if it is really down)`);
    }
    return;
  }
  const why = s.commsUp ? `the peer died during init (no heartbeat for ${s.cfg.deadMs} ms)` : `init timeout: the peer has been silent for ${s.cfg.initMs} ms`;
  if (s.holds) beginAcquire(c, `${why}; keeping the resource found at start`);
  else if (selfEligible(s)) beginAcquire(c, why);
  else become(c, 'standby', `${why}, but this node reaches none of the ping group`);
}

function evalStandby(c: Ctx): void {
  const s = c.s;
  if (s.handover) return;
  const p = s.peer;
  const m = p.last;
  if (p.liveness === 'dead') {
    if (selfEligible(s)) beginAcquire(c, `the peer is dead: no heartbeat on any path for ${s.cfg.deadMs} ms`);
    return;
  }
  if (p.liveness === 'unknown') {
    // Here after an init timeout that found us blind to the ping group: take it once we see it.
    if (s.initExpired && selfEligible(s)) beginAcquire(c, 'the peer has never been heard and this node now reaches the ping group');
    return;
  }
  if (p.liveness === 'gone') {
    if (m && m.shutdown && !m.holdsResource && selfEligible(s)) beginAcquire(c, 'the peer stopped gracefully and released the resource');
    return;
  }
  if (!peerPresent(s) || !m) return;
  if (m.holdsResource || m.state === 'acquiring' || m.state === 'releasing') return;
  if (m.state === 'fault') {
    if (selfEligible(s) && settled(c, tieKey(s))) beginAcquire(c, 'the peer is in fault and holds nothing');
    return;
  }
  if ((m.state === 'standby' && m.stable) || m.state === 'init') {
    const t = tie(s);
    if (t.winner === s.cfg.selfSerial && selfEligible(s) && settled(c, tieKey(s))) beginAcquire(c, `nobody holds the resource; this node wins the tie-break (${t.rule})`);
  }
}

function evalActive(c: Ctx): void {
  const s = c.s;
  const p = s.peer;
  const m = p.last;
  // Only a fresh message (heard within warningMs) counts: a late peer's last word is stale.
  if (p.liveness === 'alive' && m && m.holdsResource && m.state === 'releasing') {
    // It is giving up an address it held while we did (it lost the tie-break before we even saw
    // it hold): its GARPs may have pulled the phones, so we re-announce once all the same.
    if (!s.conflict) {
      s.conflict = true;
      log(c, 'error', 'split-brain', 'the peer held the resource while this node did; it is releasing it, this node keeps it and re-announces it');
      announceHeld(c, 'the peer released a resource it held alongside us');
    }
    s.conflictSince = null;
    return;
  }
  if (p.liveness === 'alive' && m && m.holdsResource) {
    // Both hold it: a healed split brain, or a peer that found it at start. Resolve at once, no
    // handshake and no restart (that would be a second outage): the loser releases, the winner
    // re-announces with GARP although its own state did not change (KA-#14/#166).
    const t = tie(s);
    if (t.winner === s.cfg.selfSerial) {
      if (!s.conflict) {
        s.conflict = true;
        log(c, 'fatal', 'split-brain', `both nodes hold the resource; this node keeps it (tie-break: ${t.rule}) and re-announces it`, { rule: t.rule });
        announceHeld(c, 'split brain resolved in our favour');
        c.sendNow = true;
      }
      if (m.state !== 'active') { s.conflictSince = null; return; } // acquiring: it decides once it holds
      s.conflictSince ??= c.now;
      if (c.now - s.conflictSince >= conflictGraceMs(s)) {
        // A peer that lost and still holds does not hear us (one-way cut, ha.md scenario 9):
        // only our yielding ends the double hold.
        log(c, 'error', 'split-brain-yield', `the peer still holds the resource ${Math.round(c.now - s.conflictSince)} ms after losing the tie-break: it cannot hear this node (one-way cut?); releasing so only one node holds it`);
        beginRelease(c, 'standby', 'split brain: the peer does not hear this node, so this node yields');
      }
    } else {
      log(c, 'fatal', 'split-brain', `both nodes hold the resource; the peer keeps it (tie-break: ${t.rule}); releasing`, { rule: t.rule });
      if (s.handover) s.handover = null;
      beginRelease(c, 'standby', `split brain resolved: the peer keeps the resource (tie-break: ${t.rule})`);
    }
    return;
  }
  s.conflict = false;
  s.conflictSince = null;
  // ipfail (ha.md 4.4 rule 3): hand over when the standby sees more of the network, through the
  // same gap-not-overlap handshake as an admin switch; dampened, and never within dampen + D of a
  // role change (anti-flap, rule 6).
  if (s.cfg.pingTotal > 0 && !s.handover && peerPresent(s) && m && m.state === 'standby' && m.stable
    && s.ping.stable && m.pingStable && m.pingReachable > (s.ping.score ?? 0) && eligibleFrom(m)
    && c.now - s.roleSince >= s.cfg.pingDampenMs + s.cfg.deadMs && c.now >= s.pingHandoverAt
    // When both lose the group together, each adopts the loss up to one ping round apart: wait a
    // round and two keepalives after our own drop so the peer's drop, if any, is on the wire.
    && c.now >= s.ping.scoreSince + s.cfg.pingDampenMs + s.cfg.pingIntervalMs + 2 * s.cfg.keepaliveMs) {
    s.pingHandoverAt = c.now + s.cfg.pingDampenMs + s.cfg.deadMs;
    startSwitch(c, `ping group: the peer reaches ${m.pingReachable}/${s.cfg.pingTotal}, this node ${s.ping.score ?? 0}/${s.cfg.pingTotal}`, null);
  }
}


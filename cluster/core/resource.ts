// The resource and the tracked link: results of acquire/release/check, GARP announcements, the
// graceful stop, and entering/leaving fault. Part of step() (see step.ts); pure, on a Ctx.
import { become, count, inCluster, log, outgoing, send, type Ctx } from './ctx.ts';
import { afterGiverReleased, afterTakerAcquired, beginRelease } from './handover.ts';

/** Out of fault: standby if we know the peer, else init (a node that never heard its peer must not wait forever as standby). */
export function leaveFault(c: Ctx, reason: string): void {
  const s = c.s;
  become(c, s.commsUp ? 'standby' : 'init', reason);
}

export function onLink(c: Ctx, path: 'lan' | 'sync', up: boolean): void {
  const s = c.s;
  if (path === 'sync') {
    log(c, up ? 'info' : 'warn', up ? 'sync-link-up' : 'sync-link-down', `sync interface ${up ? 'up' : 'down'} (heartbeats continue on the LAN path)`);
    return;
  }
  if (s.linkUp === up) return;
  s.linkUp = up;
  log(c, up ? 'info' : 'error', up ? 'link-up' : 'link-down', `tracked interface ${up ? 'up' : 'down'}`);
  if (up && s.role === 'fault' && s.fault === 'link') {
    s.fault = null;
    leaveFault(c, 'the tracked interface is up again');
  }
}

export function onCheck(c: Ctx, present: boolean): void {
  const s = c.s;
  if (!s.holds || present || s.timers.opAt !== null) return;
  if (s.role === 'active' || s.role === 'unpaired') {
    log(c, 'warn', 'resource-vanished', 'the resource IP vanished from the interface; adding it again');
    c.fx.push({ kind: 'acquire', reason: 'the resource IP vanished; re-adding it' });
    s.timers.opAt = c.now + s.cfg.resourceTimeoutMs;
  } else if (s.role === 'init' || s.role === 'disabled') {
    s.holds = false;
    log(c, 'info', 'resource-gone', 'the resource IP found at start is no longer on the interface');
    c.sendNow = true;
  }
}

export function announceHeld(c: Ctx, reason: string): void {
  const s = c.s;
  c.fx.push({ kind: 'garp', count: s.cfg.garpCount, reason });
  s.timers.garpRepeatAt = s.cfg.garpRepeatMs > 0 ? c.now + s.cfg.garpRepeatMs : null;
}

export function onAcquired(c: Ctx, ok: boolean, error: string | undefined): void {
  const s = c.s;
  const reAdd = (s.role === 'active' || s.role === 'unpaired') && s.timers.opAt !== null;
  if (s.role !== 'acquiring' && !reAdd) {
    count(c, 'stale-result');
    // An add that finished after we gave the resource up (a re-add raced a release): the address
    // is on the interface although we do not want it. Never keep it silently: remove it again.
    if (ok && !s.holds && s.role !== 'disabled') {
      log(c, 'warn', 'late-add', 'an add of the resource finished after this node gave it up; removing it again');
      s.holds = true;
      if (s.role === 'init') { c.sendNow = true; return; } // init may hold; the rules decide
      beginRelease(c, s.role === 'fault' ? 'fault' : s.role === 'unpaired' ? 'unpaired' : 'standby', 'an add finished after the resource was given up');
    } else if (ok && s.role === 'releasing') {
      c.fx.push({ kind: 'release', reason: 'an add finished while releasing' });
    }
    return;
  }
  s.timers.opAt = null;
  s.timers.checkAt = c.now + s.cfg.resourceCheckMs;
  if (ok) {
    if (reAdd) {
      announceHeld(c, 'resource re-added');
      return;
    }
    if (s.stopping) { beginRelease(c, 'standby', 'graceful stop'); return; }
    const wasForced = s.forced;
    become(c, 'active', `resource added (${s.reason})`);
    c.fx.push({ kind: 'services', run: true });
    announceHeld(c, wasForced ? 'forced takeover' : 'took the resource');
    s.timers.garpRefreshAt = s.cfg.garpRefreshMs > 0 ? c.now + s.cfg.garpRefreshMs : null;
    afterTakerAcquired(c, true);
    return;
  }
  log(c, 'error', 'acquire-failed', `could not add the resource: ${error ?? 'unknown error'}`);
  if (s.stopping) { beginRelease(c, 'standby', 'graceful stop after a failed acquire'); return; }
  afterTakerAcquired(c, false);
  if (s.role === 'unpaired') { beginRelease(c, 'unpaired', 'could not add the resource'); return; }
  s.fault = 'acquire';
  beginRelease(c, 'fault', `could not add the resource: ${error ?? 'unknown error'}`);
}

/** Returns true when the node has finished a graceful stop (exit emitted). */
export function onReleased(c: Ctx, ok: boolean, error: string | undefined): boolean {
  const s = c.s;
  if (s.role !== 'releasing') { count(c, 'stale-result'); return false; }
  if (!ok) {
    log(c, 'error', 'release-failed', `could not remove the resource: ${error ?? 'unknown error'}; retrying`);
    s.timers.opAt = c.now + Math.min(s.cfg.resourceCheckMs, s.cfg.resourceTimeoutMs);
    return false;
  }
  s.timers.opAt = null;
  s.holds = false;
  s.forced = false;
  s.conflict = false;
  s.timers.checkAt = null;
  s.timers.garpRepeatAt = null;
  if (s.stopping) return finishStop(c);
  const to = s.afterRelease;
  become(c, to, `resource released (${s.reason})`);
  if (to === 'fault' && s.fault === 'acquire') s.timers.faultRetryAt = c.now + s.cfg.initMs;
  afterGiverReleased(c);
  if (to === 'disabled') sendDisable(c);
  return false;
}

export function finishStop(c: Ctx): boolean {
  const s = c.s;
  if (inCluster(s.role)) {
    if (s.role !== 'standby' && s.role !== 'fault') become(c, 'standby', 'graceful stop: the resource is released');
    // The shutdown notice (Heartbeat T_SHUTDONE, VRRP priority 0) lets the peer take over now,
    // without waiting deadMs. Twice, so one lost datagram does not cost the peer deadMs.
    send(c);
    send(c);
  }
  log(c, 'info', 'stopped', 'HA core stopped');
  c.fx.push({ kind: 'exit' });
  return true;
}

export function onShutdown(c: Ctx, release: boolean): boolean {
  const s = c.s;
  if (!release || s.role === 'disabled') {
    log(c, 'info', 'stopped', `HA core stopping; the resource is left ${s.holds ? 'in place' : 'alone (not held)'}`);
    c.fx.push({ kind: 'exit' });
    return true;
  }
  s.stopping = true;
  if (s.handover) {
    c.fx.push({ kind: 'send', msg: { ...outgoing(s, 'handover-cancel'), msgId: s.handover.id } });
    if (s.handover.requestId) c.fx.push({ kind: 'admin-result', requestId: s.handover.requestId, ok: false, message: 'switch cancelled: the node is stopping' });
    s.handover = null;
  }
  if (s.role === 'releasing' || s.role === 'acquiring') return false; // finishes in the result handler
  if (s.holds) { beginRelease(c, 'standby', 'graceful stop'); return false; }
  return finishStop(c);
}

export function sendDisable(c: Ctx): void {
  // Twice for the same reason as the shutdown notice; the peer disables too and keeps its holdings.
  send(c, 'disable');
  send(c, 'disable');
}


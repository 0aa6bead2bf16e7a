// Admin actions (pbxctl ha ...) and the cluster-wide disable. Part of step() (see step.ts).
import { become, inCluster, log, outgoing, peerPresent, send, type Ctx } from './ctx.ts';
import { beginAcquire, beginRelease, startSwitch, switchBlocker } from './handover.ts';
import { emptyPeer } from './peer.ts';
import { emptyPing } from './ping.ts';
import { sendDisable } from './resource.ts';
import type { AdminAction } from './types.ts';

export function requestDisable(c: Ctx, reason: string, tellPeer: boolean): void {
  const s = c.s;
  if (s.role === 'acquiring' || s.role === 'releasing') { s.disableRequested = true; return; }
  doDisable(c, reason, tellPeer);
}

export function doDisable(c: Ctx, reason: string, tellPeer: boolean): void {
  const s = c.s;
  s.disableRequested = false;
  if (s.handover) {
    if (tellPeer) c.fx.push({ kind: 'send', msg: { ...outgoing(s, 'handover-cancel'), msgId: s.handover.id } });
    s.handover = null;
  }
  const was = s.role;
  become(c, 'disabled', `${reason}; the resource stays ${s.holds ? 'here' : 'where it is'}`);
  s.timers.pingAt = null;
  s.timers.initAt = null;
  if (tellPeer && inCluster(was)) sendDisable(c);
}

export function onAdmin(c: Ctx, requestId: string, a: AdminAction): void {
  const s = c.s;
  const reply = (ok: boolean, message: string): void => { c.fx.push({ kind: 'admin-result', requestId, ok, message }); };
  const flux = s.role === 'acquiring' || s.role === 'releasing';
  switch (a.action) {
    case 'switchover': {
      if (!inCluster(s.role)) return reply(false, `refused: HA is ${s.role} on this node`);
      const why = switchBlocker(c);
      if (why) return reply(false, `refused: ${why}`);
      startSwitch(c, 'requested by the admin', requestId);
      return; // answered when the peer accepts, refuses or times out
    }
    case 'force-takeover': {
      if (!a.confirmed) return reply(false, 'refused: a forced takeover puts the resource on this node even if the peer still holds it. Confirm the peer is really down (powered off or cut off) and repeat with the confirmation flag');
      if (s.role === 'disabled') return reply(false, 'refused: HA is disabled on this node; enable it first');
      if (s.role === 'active') return reply(true, 'this node already holds the resource');
      if (flux) return reply(false, `refused: this node is ${s.role}; retry when it settles`);
      if (s.peer.liveness === 'alive') {
        const ago = s.peer.lastRxAt === null ? '?' : Math.round(c.now - s.peer.lastRxAt);
        return reply(false, `refused: the peer is alive (heard ${ago} ms ago); use switchover to move the resource without an overlap`);
      }
      if (!s.linkUp) return reply(false, 'refused: the tracked interface is down on this node');
      if (s.handover) s.handover = null;
      s.forced = true;
      s.fault = null;
      // The admin declared it down: its last (stale) message no longer speaks for it. When it
      // is heard again it is "returning after partition" and loses to the forced side.
      if (s.peer.liveness !== 'unknown') s.peer.liveness = 'dead';
      log(c, 'warn', 'forced-takeover', 'forced takeover confirmed by the admin: the peer is declared down');
      beginAcquire(c, 'forced takeover confirmed by the admin');
      return reply(true, 'taking the resource over (forced, the admin confirmed the peer is down)');
    }
    case 'unpair': {
      if (s.role === 'disabled') return reply(false, 'refused: HA is disabled on this node');
      if (s.role === 'unpaired') return reply(true, 'already unpaired');
      if (flux) return reply(false, `refused: this node is ${s.role}; retry when it settles`);
      if (s.handover) {
        c.fx.push({ kind: 'send', msg: { ...outgoing(s, 'handover-cancel'), msgId: s.handover.id } });
        s.handover = null;
      }
      become(c, 'unpaired', `unpaired by the admin; the resource stays ${s.holds ? 'on this node' : 'where it is'}`);
      send(c); // the peer sees state "unpaired" and stops counting on us (peer.ts: gone)
      s.timers.pingAt = null;
      return reply(true, `unpaired; this node ${s.holds ? 'keeps the resource (cluster degraded)' : 'holds no resource'}`);
    }
    case 'disable': {
      if (s.role === 'disabled') return reply(true, 'HA is already disabled on this node');
      if (flux) return reply(false, `refused: this node is ${s.role}; retry when it settles`);
      doDisable(c, 'disabled by the admin', true);
      return reply(true, `HA disabled on this node${peerPresent(s) ? ' and the peer was told to disable' : ''}; the resource stays where it is`);
    }
    case 'enable': {
      if (s.role !== 'disabled') return reply(true, `HA is already enabled (${s.role})`);
      s.linkUp = a.linkUp;
      s.holds = a.resourcePresent;
      s.peer = emptyPeer();
      s.commsUp = false;
      s.ping = emptyPing();
      s.waitLogged = false;
      const to = !a.paired ? 'unpaired' : a.linkUp ? 'init' : 'fault';
      s.fault = to === 'fault' ? 'link' : null;
      const why = `enabled by the admin; ${a.resourcePresent ? 'the resource IP is on the interface' : 'no resource IP on the interface'}`;
      if (to === 'fault' && s.holds) beginRelease(c, 'fault', `${why}, but the tracked interface is down`);
      else become(c, to, why);
      s.timers.pingAt = s.cfg.pingTotal > 0 && inCluster(to) ? c.now : null;
      s.timers.checkAt = s.holds ? c.now : null;
      s.timers.heartbeatAt = c.now;
      return reply(true, `HA enabled (${to})`);
    }
  }
}


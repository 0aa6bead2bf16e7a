// The HA status object: what the seed's status page shows ("Stato alta affidabilità"): the nodes
// with serial numbers and sync IPs; cluster enabled, pairing state, service state, heartbeat per
// path with age; the resource and which node holds it; the ping group as each node sees it; the
// last transitions with their reasons. Plain JSON (pbxctl --json prints it as is).
import { peerPresent } from './core/index.ts';
import type { RuntimeView } from './ha-service.ts';

export const TRANSITIONS_SHOWN = 10;

export function buildStatus(v: RuntimeView): Record<string, unknown> {
  const s = v.core;
  const ha = v.ha;
  const peerMsg = s.peer.last;
  const peerHolds = peerPresent(s) && peerMsg !== null && peerMsg.holdsResource;
  const holder = s.holds && peerHolds ? 'both (conflict: resolving)' : s.holds ? 'this node' : peerHolds ? 'peer' : 'none';
  const ago = (t: number | null) => (t === null ? null : Math.round(v.now - t));
  const ping = s.ping;
  return {
    enabled: s.role !== 'disabled',
    coordinator: v.coordinator,
    paired: v.paired,
    state: s.role,
    since: `${Math.round((v.now - s.roleSince) / 1000)} s ago`,
    reason: s.reason,
    generation: s.generation,
    serving: v.servicesRunning,
    nodes: {
      self: {
        serial: v.nodeSerial || '(unknown: set node.serial)', name: v.nodeName, lanIp: ha.localIp, syncIp: ha.localSyncIp || null,
        state: s.role, holdsResource: s.holds, coordinator: v.coordinator,
      },
      peer: {
        serial: v.peerSerial || '(unknown until paired)', lanIp: ha.remoteIp, syncIp: ha.remoteSyncIp || null,
        state: peerMsg?.state ?? 'unknown', liveness: s.peer.liveness, lastHeardMsAgo: ago(s.peer.lastRxAt),
        holdsResource: peerMsg ? peerMsg.holdsResource : null, generation: s.peer.generation,
        coordinator: v.peerExtra?.coordinator ?? null, configVersion: v.peerExtra?.configVersion ?? null,
      },
    },
    heartbeat: {
      running: v.transport !== undefined,
      why: v.transport ? undefined : v.paired ? 'not started' : 'not paired: heartbeats need the cluster key (pbxctl ha pair)',
      intervalMs: ha.keepaliveIntervalMs, warningMs: ha.warningMs, deadMs: ha.deadMs, port: ha.heartbeatPort,
      timersMatchPeer: !s.peer.timersMismatch,
      paths: (v.transport?.paths() ?? []).map((p) => ({ ...p, coreStatus: s.peer.paths[p.name].status })),
      accepted: v.transport?.accepted ?? 0,
      dropped: v.transport ? Object.fromEntries(Object.entries(v.transport.drops).filter(([, n]) => n > 0)) : {},
      unknownMessages: v.unknownMessages,
    },
    resource: {
      ip: ha.resourceIp, interface: ha.interface, holder, hereNow: s.holds,
      ...v.ip.stats, lastError: v.ip.lastError ?? null,
    },
    pingGroup: ha.pingGroup.length === 0 ? { targets: [] } : {
      targets: v.ping?.status() ?? [],
      self: { reachable: ping.raw, score: ping.score, total: ha.pingGroup.length, stable: ping.stable },
      peer: peerMsg ? { score: peerMsg.pingReachable, total: peerMsg.pingTotal, stable: peerMsg.pingStable } : null,
    },
    handover: s.handover ? { side: s.handover.side, phase: s.handover.phase, initiator: s.handover.initiator, reason: s.handover.reason } : null,
    configVersion: v.configVersion,
    transitions: v.store.lastTransitions(TRANSITIONS_SHOWN),
    counters: s.counters,
  };
}

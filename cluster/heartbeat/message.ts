// Between the core's PeerMessage (what a node says) and the packet fields the transport carries.
// The transport adds identity, sequence, path, time and the MAC; this maps the rest both ways.
import type { MessageKind, PeerMessage, Role } from '../core/types.ts';
import { FLAG, hasFlag, KINDS, STATES, type Heartbeat } from './codec.ts';
import type { Outgoing } from './transport.ts';

/** Runtime facts that ride in every packet besides the core's message. */
export interface Extra { coordinator: boolean; configVersion: number; defaultActive: boolean; enabled: boolean }

export function toOutgoing(m: PeerMessage, x: Extra): Outgoing {
  let flags = 0;
  if (m.holdsResource) flags |= FLAG.holdsResource;
  if (m.shutdown) flags |= FLAG.shutdown;
  if (m.stable) flags |= FLAG.stable;
  if (m.pingStable) flags |= FLAG.pingStable;
  if (m.forced) flags |= FLAG.forced;
  if (x.coordinator) flags |= FLAG.coordinator;
  if (x.defaultActive) flags |= FLAG.defaultActive;
  if (x.enabled) flags |= FLAG.enabled;
  return {
    kind: m.kind, flags, state: m.state, pingReachable: Math.min(255, m.pingReachable), pingTotal: Math.min(255, m.pingTotal),
    configVersion: Math.max(0, Math.min(2 ** 48 - 1, x.configVersion)), timersHash: m.timersHash >>> 0, msgId: m.msgId >>> 0,
  };
}

/**
 * The core's view of an authenticated packet; undefined for a kind or state this version does not
 * know (a newer peer): the packet still proved the peer alive to the transport, but the core is
 * not fed words it cannot understand.
 */
export function fromPacket(hb: Heartbeat): PeerMessage | undefined {
  if (!(KINDS as readonly string[]).includes(hb.kind) || !(STATES as readonly string[]).includes(hb.state)) return undefined;
  return {
    kind: hb.kind as MessageKind,
    msgId: hb.msgId,
    generation: hb.generation,
    state: hb.state as Role,
    holdsResource: hasFlag(hb, FLAG.holdsResource),
    stable: hasFlag(hb, FLAG.stable),
    shutdown: hasFlag(hb, FLAG.shutdown),
    forced: hasFlag(hb, FLAG.forced),
    pingReachable: hb.pingReachable,
    pingTotal: hb.pingTotal,
    pingStable: hasFlag(hb, FLAG.pingStable),
    timersHash: hb.timersHash,
  };
}

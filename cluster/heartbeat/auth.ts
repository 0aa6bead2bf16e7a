// Heartbeat authentication: HMAC-SHA256 with the cluster key over the signed part of the packet,
// compared in constant time. Also the two 8-byte identities the packet carries.
//
// Which key: ONLY the random 32-byte cluster key that pairing stores in cluster_state.cluster_key
// (HA-PAIR-SYNC). Before pairing there is no key and the runtime sends and accepts no heartbeat
// at all (state 'unpaired'). We deliberately do not derive a pre-pairing key from the serials:
// a serial is printed on the box and readable by anyone who can see a status page, so such a key
// would let anyone on the LAN forge "I hold the resource" or keep a dead peer "alive". A node that
// is not paired has no peer to hear from, so nothing is lost by staying silent.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { MAC_LENGTH, PACKET_LENGTH, SIGNED_LENGTH } from './codec.ts';

export const MIN_KEY_LENGTH = 16;

/** The cluster id both nodes put in packets: a cheap pre-HMAC filter for packets of another cluster. */
export function clusterIdOf(key: Buffer): Buffer {
  return createHmac('sha256', key).update('pbx-agent cluster id').digest().subarray(0, 8);
}

/** Who sent a packet: a hash of the serial, so the serial itself is not broadcast. */
export function senderIdOf(serial: string): Buffer {
  return createHash('sha256').update('pbx-agent node\0').update(serial, 'utf8').digest().subarray(0, 8);
}

/** Writes the MAC of an encoded packet at `offset` in place. */
export function seal(buf: Buffer, key: Buffer, offset = 0): void {
  const mac = createHmac('sha256', key).update(buf.subarray(offset, offset + SIGNED_LENGTH)).digest();
  mac.copy(buf, offset + SIGNED_LENGTH);
}

/** True when the packet at `offset` carries the right MAC. Constant time in the MAC bytes. */
export function verify(buf: Buffer, key: Buffer, offset = 0): boolean {
  if (offset < 0 || buf.length - offset < PACKET_LENGTH) return false;
  const want = createHmac('sha256', key).update(buf.subarray(offset, offset + SIGNED_LENGTH)).digest();
  return timingSafeEqual(want, buf.subarray(offset + SIGNED_LENGTH, offset + SIGNED_LENGTH + MAC_LENGTH));
}

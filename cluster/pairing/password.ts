// The pairing password: derived from the peer's serial number, so the coordinator can log in to
// a factory-fresh peer whose label the admin has just read (seed 002, "La password è calcolata dal
// serial number della macchina").
//
// Derivation (version 1):
//   serial'   = NFKC(serial), surrounding and inner whitespace removed, upper-cased
//   digest    = HMAC-SHA256(key = "pbx-agent/ha-pairing/v1", message = UTF-8(serial'))
//   password  = RFC 4648 base32 (A-Z2-7, no padding) of the first 20 bytes of digest: 32 characters
// e.g. serial "ab 1234" and "AB1234" give the same password.
//
// It is NOT a secret on its own: the serial is printed on the box and in DMI, and the derivation
// is public (this file). The label only keeps the password specific to this product. What limits
// the risk (cluster/pairing/server.ts):
//   - the pairing server listens only while HA is enabled on the node;
//   - it accepts connections only from the configured ha.remoteIp;
//   - failed passwords are counted and the server locks out after ha.pairMaxAttempts failures;
//   - once paired the password is refused for good (until unpair): from then on only the pinned
//     host key (public-key auth) plus a challenge with the random 32-byte cluster key work.
// The cluster key, not this password, protects heartbeats and replication (ha.md 4.1).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../../agent/errors.ts';

export const PAIRING_LABEL = 'pbx-agent/ha-pairing/v1';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The serial as the derivation sees it; throws naming the field when nothing is left. */
export function normaliseSerial(serial: string, field = 'serial'): string {
  const s = serial.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
  if (s === '') throw new InvalidArgumentError(field, 'is empty: the pairing password is derived from the serial number (set node.serial on virtual machines, ha.peerSerial on the coordinator)');
  if (s.length > 128) throw new InvalidArgumentError(field, `is ${s.length} characters long; a serial number has at most 128`);
  return s;
}

export function base32(buf: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

export function derivePairingPassword(serial: string): string {
  const digest = createHmac('sha256', PAIRING_LABEL).update(normaliseSerial(serial), 'utf8').digest();
  return base32(digest.subarray(0, 20));
}

/** Constant-time comparison of a presented password with the expected one. */
export function passwordMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

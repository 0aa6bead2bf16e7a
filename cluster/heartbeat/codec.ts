// The HA heartbeat packet: pure and symmetric (STYLE rule 1). One UDP datagram of exactly
// PACKET_LENGTH bytes, sent every keepalive interval on every path (LAN and sync interface).
// Admin messages of the handover handshake, the shutdown notice and the disable request ride in
// the same packet (`kind`), so they share the sequence numbers, the replay window and the MAC.
//
// Layout (big-endian):
//   0  magic 'PXHB'        4      36 sentAt (u48, ms)     6   sender's MONOTONIC clock, see replay.ts
//   4  version (1)         1      42 configVersion (u48)  6   replicated config version
//   5  kind                1      48 timersHash (u32)     4   hash of the timer settings (mismatch alarm)
//   6  flags (u16)         2      52 msgId (u32)          4   handshake id (0 for a plain heartbeat)
//   8  path (0 LAN, 1 sync)1      56 mac                  32  HMAC-SHA256 over bytes 0..55 (auth.ts)
//   9  state               1
//  10  pingReachable (u8)  1
//  11  pingTotal (u8)      1
//  12  clusterId           8
//  20  sender (serial hash)8
//  28  generation (u32)    4
//  32  seq (u32)           4
// The MAC is carried as bytes here; sealing and verifying are auth.ts (the codec knows no key).
// Unknown kinds, states and flag bits decode to names/bits that re-encode unchanged.

export const MAGIC = 0x50584842; // 'PXHB'
export const VERSION = 1;
export const SIGNED_LENGTH = 56;
export const MAC_LENGTH = 32;
export const PACKET_LENGTH = SIGNED_LENGTH + MAC_LENGTH;

/** Packet kinds. Every packet is also a heartbeat (it proves the sender alive on that path). */
export const KINDS = ['heartbeat', 'handover-request', 'handover-accept', 'handover-refuse', 'released', 'acquired', 'disable', 'handover-cancel'] as const;
export type KnownKind = typeof KINDS[number];
export type Kind = KnownKind | `UNKNOWN_${number}`;

/** Node states as carried on the wire (ha.md 4.3). The core's names map onto these. */
export const STATES = ['disabled', 'unpaired', 'init', 'standby', 'acquiring', 'active', 'releasing', 'fault'] as const;
export type KnownWireState = typeof STATES[number];
export type WireState = KnownWireState | `UNKNOWN_${number}`;

export const FLAG = {
  holdsResource: 1 << 0,
  /** Graceful stop: the sender has released (or never held) the resource and is going away. */
  shutdown: 1 << 1,
  coordinator: 1 << 2,
  /** Not in flux (not acquiring/releasing/handing over): ha.md 4.4 rule 1, RQSTDELAY. */
  stable: 1 << 3,
  /** pingReachable has been steady for the dampen time, so the tie-break may use it. */
  pingStable: 1 << 4,
  enabled: 1 << 5,
  defaultActive: 1 << 6,
  /** The sender holds the resource by an admin's confirmed forced takeover (core tie-break rule 0). */
  forced: 1 << 7,
} as const;

export const PATHS = ['lan', 'sync'] as const;
export type PathName = typeof PATHS[number];

export interface Heartbeat {
  kind: Kind;
  /** Raw flag bits (FLAG); bits this version does not know are kept. */
  flags: number;
  path: number;
  state: WireState;
  pingReachable: number;
  pingTotal: number;
  /** 8 bytes. */
  clusterId: Buffer;
  /** 8 bytes: senderId(serial) from auth.ts. */
  sender: Buffer;
  generation: number;
  seq: number;
  sentAt: number;
  configVersion: number;
  timersHash: number;
  msgId: number;
  /** 32 bytes; all zero until sealed. */
  mac: Buffer;
}

export type HeartbeatErrorCode =
  | 'PBX_ERR_HB_TRUNCATED' | 'PBX_ERR_HB_BAD_MAGIC' | 'PBX_ERR_HB_VERSION' | 'PBX_ERR_HB_BAD_FIELD';

export interface HeartbeatError { code: HeartbeatErrorCode; message: string }

export type DecodeResult = { ok: true; value: Heartbeat; bytesRead: number } | { ok: false; error: HeartbeatError };

const U48_MAX = 2 ** 48 - 1;

function nameOf<T extends string>(table: readonly T[], n: number): T | `UNKNOWN_${number}` {
  return table[n] ?? `UNKNOWN_${n}`;
}

/** Name -> code; undefined for a name that is neither in the table nor UNKNOWN_<0..255>. */
function codeOf(table: readonly string[], name: string): number | undefined {
  const i = table.indexOf(name);
  if (i >= 0) return i;
  const m = /^UNKNOWN_(\d{1,3})$/.exec(name);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n <= 255 && n >= table.length ? n : undefined;
}

export function encodingLength(_hb: Heartbeat): number {
  return PACKET_LENGTH;
}

/** Throws RangeError on a value no packet can carry: a programming error, not hostile input. */
export function encodeInto(hb: Heartbeat, buf: Buffer, offset = 0): number {
  const kind = codeOf(KINDS, hb.kind);
  const state = codeOf(STATES, hb.state);
  if (kind === undefined) throw new RangeError(`heartbeat kind '${hb.kind}' has no code`);
  if (state === undefined) throw new RangeError(`heartbeat state '${hb.state}' has no code`);
  if (hb.clusterId.length !== 8 || hb.sender.length !== 8 || hb.mac.length !== MAC_LENGTH) throw new RangeError('clusterId and sender are 8 bytes, mac 32');
  const u = (v: number, max: number, name: string) => {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`heartbeat ${name} ${v} outside 0..${max}`);
  };
  u(hb.flags, 0xffff, 'flags'); u(hb.path, 0xff, 'path'); u(hb.pingReachable, 0xff, 'pingReachable'); u(hb.pingTotal, 0xff, 'pingTotal');
  u(hb.generation, 0xffffffff, 'generation'); u(hb.seq, 0xffffffff, 'seq'); u(hb.sentAt, U48_MAX, 'sentAt');
  u(hb.configVersion, U48_MAX, 'configVersion'); u(hb.timersHash, 0xffffffff, 'timersHash'); u(hb.msgId, 0xffffffff, 'msgId');
  if (offset < 0 || offset + PACKET_LENGTH > buf.length) throw new RangeError(`no room for a heartbeat at ${offset} in ${buf.length} bytes`);
  const o = offset;
  buf.writeUInt32BE(MAGIC, o);
  buf[o + 4] = VERSION;
  buf[o + 5] = kind;
  buf.writeUInt16BE(hb.flags, o + 6);
  buf[o + 8] = hb.path;
  buf[o + 9] = state;
  buf[o + 10] = hb.pingReachable;
  buf[o + 11] = hb.pingTotal;
  hb.clusterId.copy(buf, o + 12);
  hb.sender.copy(buf, o + 20);
  buf.writeUInt32BE(hb.generation, o + 28);
  buf.writeUInt32BE(hb.seq, o + 32);
  buf.writeUIntBE(hb.sentAt, o + 36, 6);
  buf.writeUIntBE(hb.configVersion, o + 42, 6);
  buf.writeUInt32BE(hb.timersHash, o + 48);
  buf.writeUInt32BE(hb.msgId, o + 52);
  hb.mac.copy(buf, o + SIGNED_LENGTH);
  return PACKET_LENGTH;
}

export function encode(hb: Heartbeat): Buffer {
  const buf = Buffer.alloc(PACKET_LENGTH);
  encodeInto(hb, buf, 0);
  return buf;
}

const fail = (code: HeartbeatErrorCode, message: string): DecodeResult => ({ ok: false, error: { code, message } });

/** Cheap structural checks only; authenticity is auth.verify, freshness replay.ts. */
export function decode(buf: Buffer, offset = 0): DecodeResult {
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length) return fail('PBX_ERR_HB_TRUNCATED', 'offset outside the buffer');
  if (buf.length - offset < PACKET_LENGTH) return fail('PBX_ERR_HB_TRUNCATED', `${buf.length - offset} bytes, a heartbeat has ${PACKET_LENGTH}`);
  const o = offset;
  if (buf.readUInt32BE(o) !== MAGIC) return fail('PBX_ERR_HB_BAD_MAGIC', 'not a pbx-agent heartbeat (magic)');
  if (buf[o + 4] !== VERSION) return fail('PBX_ERR_HB_VERSION', `heartbeat version ${buf[o + 4]}, this node speaks ${VERSION}`);
  const path = buf[o + 8]!;
  if (path >= PATHS.length) return fail('PBX_ERR_HB_BAD_FIELD', `path ${path} is not 0 (LAN) or 1 (sync)`);
  const value: Heartbeat = {
    kind: nameOf(KINDS, buf[o + 5]!),
    flags: buf.readUInt16BE(o + 6),
    path,
    state: nameOf(STATES, buf[o + 9]!),
    pingReachable: buf[o + 10]!,
    pingTotal: buf[o + 11]!,
    clusterId: Buffer.from(buf.subarray(o + 12, o + 20)),
    sender: Buffer.from(buf.subarray(o + 20, o + 28)),
    generation: buf.readUInt32BE(o + 28),
    seq: buf.readUInt32BE(o + 32),
    sentAt: buf.readUIntBE(o + 36, 6),
    configVersion: buf.readUIntBE(o + 42, 6),
    timersHash: buf.readUInt32BE(o + 48),
    msgId: buf.readUInt32BE(o + 52),
    mac: Buffer.from(buf.subarray(o + SIGNED_LENGTH, o + PACKET_LENGTH)),
  };
  if (value.pingReachable > value.pingTotal) return fail('PBX_ERR_HB_BAD_FIELD', `pingReachable ${value.pingReachable} above pingTotal ${value.pingTotal}`);
  return { ok: true, value, bytesRead: PACKET_LENGTH };
}

export function hasFlag(hb: Pick<Heartbeat, 'flags'>, flag: number): boolean {
  return (hb.flags & flag) !== 0;
}

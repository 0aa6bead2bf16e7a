// DHCPv4 message codec (RFC 2131 section 2, RFC 2132, RFC 3396): pure and symmetric (STYLE rule 1).
// A message is one UDP datagram, so decode consumes the whole buffer from `offset`; bytes after
// the END option are padding. Every read is bounds-checked against the datagram's end; hostile
// input gives an error code, never an exception.
//
// Options: PAD is skipped, END stops, an option whose length runs past the datagram is an error.
// Several instances of one code are concatenated (RFC 3396), so a decoded message has each code
// once, in first-seen order, and the encoder splits data over 255 bytes back into instances.
// sname/file are kept raw; `optionsWithOverload` reads options overloaded into them (option 52).
import { OPT } from './options.ts';

export interface DhcpOption { code: number; data: Buffer }

export interface DhcpMessage {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: number;
  yiaddr: number;
  siaddr: number;
  giaddr: number;
  /** Always 16 bytes; the hardware address is the first `hlen`. */
  chaddr: Buffer;
  /** Always 64 bytes. */
  sname: Buffer;
  /** Always 128 bytes. */
  file: Buffer;
  options: DhcpOption[];
}

export type CodecErrorCode =
  | 'PBX_ERR_DHCP_TRUNCATED' | 'PBX_ERR_DHCP_BAD_OP' | 'PBX_ERR_DHCP_BAD_HLEN'
  | 'PBX_ERR_DHCP_BAD_COOKIE' | 'PBX_ERR_DHCP_OPTION_OVERRUN';

export interface CodecError { code: CodecErrorCode; message: string }

export type DecodeResult = { ok: true; value: DhcpMessage; bytesRead: number } | { ok: false; error: CodecError };

export const MAGIC_COOKIE = 0x63825363;
export const HEADER_LENGTH = 236;
export const FIXED_LENGTH = HEADER_LENGTH + 4;
/** RFC 1542 2.1: BOOTP relays and old clients expect at least 300 bytes; shorter replies get PAD. */
export const MIN_MESSAGE_LENGTH = 300;
export const BROADCAST_FLAG = 0x8000;

const fail = (code: CodecErrorCode, message: string): DecodeResult => ({ ok: false, error: { code, message } });

/** Parses one options area [start, end). Returns the options or an error message. */
function parseOptions(buf: Buffer, start: number, end: number, into: Map<number, Buffer[]>): string | undefined {
  let i = start;
  while (i < end) {
    const code = buf[i]!;
    if (code === OPT.PAD) { i++; continue; }
    if (code === OPT.END) return undefined;
    if (i + 1 >= end) return `option ${code} at ${i - start} has no length byte`;
    const len = buf[i + 1]!;
    if (i + 2 + len > end) return `option ${code} at ${i - start} claims ${len} bytes, ${end - i - 2} left`;
    const data = buf.subarray(i + 2, i + 2 + len);
    const list = into.get(code);
    if (list) list.push(data); else into.set(code, [data]);
    i += 2 + len;
  }
  return undefined;
}

function collect(map: Map<number, Buffer[]>): DhcpOption[] {
  const out: DhcpOption[] = [];
  for (const [code, parts] of map) out.push({ code, data: parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts) });
  return out;
}

export function decode(buf: Buffer, offset = 0): DecodeResult {
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length) return fail('PBX_ERR_DHCP_TRUNCATED', 'offset outside the buffer');
  const end = buf.length;
  if (end - offset < FIXED_LENGTH) return fail('PBX_ERR_DHCP_TRUNCATED', `${end - offset} bytes, a DHCP message has at least ${FIXED_LENGTH}`);
  const op = buf[offset]!;
  if (op !== 1 && op !== 2) return fail('PBX_ERR_DHCP_BAD_OP', `op ${op} is neither BOOTREQUEST (1) nor BOOTREPLY (2)`);
  const hlen = buf[offset + 2]!;
  if (hlen === 0 || hlen > 16) return fail('PBX_ERR_DHCP_BAD_HLEN', `hlen ${hlen} is not 1..16`);
  if (buf.readUInt32BE(offset + HEADER_LENGTH) !== MAGIC_COOKIE) return fail('PBX_ERR_DHCP_BAD_COOKIE', 'no DHCP magic cookie (a BOOTP-only message?)');
  const map = new Map<number, Buffer[]>();
  const err = parseOptions(buf, offset + FIXED_LENGTH, end, map);
  if (err) return fail('PBX_ERR_DHCP_OPTION_OVERRUN', err);
  const value: DhcpMessage = {
    op,
    htype: buf[offset + 1]!,
    hlen,
    hops: buf[offset + 3]!,
    xid: buf.readUInt32BE(offset + 4),
    secs: buf.readUInt16BE(offset + 8),
    flags: buf.readUInt16BE(offset + 10),
    ciaddr: buf.readUInt32BE(offset + 12),
    yiaddr: buf.readUInt32BE(offset + 16),
    siaddr: buf.readUInt32BE(offset + 20),
    giaddr: buf.readUInt32BE(offset + 24),
    chaddr: Buffer.from(buf.subarray(offset + 28, offset + 44)),
    sname: Buffer.from(buf.subarray(offset + 44, offset + 108)),
    file: Buffer.from(buf.subarray(offset + 108, offset + 236)),
    options: collect(map),
  };
  return { ok: true, value, bytesRead: end - offset };
}

/**
 * The message's options including those overloaded into file/sname (option 52, RFC 2131 4.1:
 * file first, then sname), concatenated per code. Undefined when an overloaded area is malformed.
 */
export function optionsWithOverload(msg: DhcpMessage): DhcpOption[] | undefined {
  const ov = msg.options.find((o) => o.code === OPT.OVERLOAD);
  if (!ov || ov.data.length !== 1 || ov.data[0]! < 1 || ov.data[0]! > 3) return msg.options;
  const map = new Map<number, Buffer[]>();
  for (const o of msg.options) if (o.code !== OPT.OVERLOAD) map.set(o.code, [o.data]);
  const mode = ov.data[0]!;
  if (mode & 1 && parseOptions(msg.file, 0, msg.file.length, map)) return undefined;
  if (mode & 2 && parseOptions(msg.sname, 0, msg.sname.length, map)) return undefined;
  return collect(map);
}

function optionsLength(options: readonly DhcpOption[]): number {
  let n = 0;
  for (const o of options) {
    const chunks = Math.max(1, Math.ceil(o.data.length / 255));
    n += 2 * chunks + o.data.length;
  }
  return n + 1; // END
}

export function encodingLength(msg: DhcpMessage): number {
  return Math.max(MIN_MESSAGE_LENGTH, FIXED_LENGTH + optionsLength(msg.options));
}

function copyField(src: Buffer, dst: Buffer, at: number, size: number): void {
  dst.fill(0, at, at + size);
  src.copy(dst, at, 0, Math.min(size, src.length));
}

/** Writes `msg` at `offset`; returns the bytes written (encodingLength). */
export function encodeInto(msg: DhcpMessage, buf: Buffer, offset = 0): number {
  const len = encodingLength(msg);
  if (offset < 0 || offset + len > buf.length) throw new RangeError(`encodeInto needs ${len} bytes at ${offset}, buffer has ${buf.length}`);
  buf[offset] = msg.op & 255;
  buf[offset + 1] = msg.htype & 255;
  buf[offset + 2] = msg.hlen & 255;
  buf[offset + 3] = msg.hops & 255;
  buf.writeUInt32BE(msg.xid >>> 0, offset + 4);
  buf.writeUInt16BE(msg.secs & 0xffff, offset + 8);
  buf.writeUInt16BE(msg.flags & 0xffff, offset + 10);
  buf.writeUInt32BE(msg.ciaddr >>> 0, offset + 12);
  buf.writeUInt32BE(msg.yiaddr >>> 0, offset + 16);
  buf.writeUInt32BE(msg.siaddr >>> 0, offset + 20);
  buf.writeUInt32BE(msg.giaddr >>> 0, offset + 24);
  copyField(msg.chaddr, buf, offset + 28, 16);
  copyField(msg.sname, buf, offset + 44, 64);
  copyField(msg.file, buf, offset + 108, 128);
  buf.writeUInt32BE(MAGIC_COOKIE, offset + HEADER_LENGTH);
  let i = offset + FIXED_LENGTH;
  for (const o of msg.options) {
    let at = 0;
    do {
      const n = Math.min(255, o.data.length - at);
      buf[i] = o.code & 255;
      buf[i + 1] = n;
      o.data.copy(buf, i + 2, at, at + n);
      i += 2 + n;
      at += n;
    } while (at < o.data.length);
  }
  buf[i++] = OPT.END;
  buf.fill(OPT.PAD, i, offset + len);
  return len;
}

export function encode(msg: DhcpMessage): Buffer {
  const buf = Buffer.allocUnsafe(encodingLength(msg));
  encodeInto(msg, buf, 0);
  return buf;
}

export function getOption(msg: { options: readonly DhcpOption[] }, code: number): Buffer | undefined {
  for (const o of msg.options) if (o.code === code) return o.data;
  return undefined;
}

/** Lowercase hex of the hardware address (chaddr's first hlen bytes). */
export function macOf(msg: DhcpMessage): string {
  return msg.chaddr.subarray(0, Math.min(16, msg.hlen)).toString('hex');
}

/** An all-zero message skeleton (op, xid and chaddr set). */
export function emptyMessage(op: 1 | 2, xid: number, chaddr: Buffer, hlen = 6): DhcpMessage {
  const c = Buffer.alloc(16);
  chaddr.copy(c, 0, 0, Math.min(16, chaddr.length));
  return {
    op, htype: 1, hlen, hops: 0, xid: xid >>> 0, secs: 0, flags: 0, ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: 0,
    chaddr: c, sname: Buffer.alloc(64), file: Buffer.alloc(128), options: [],
  };
}

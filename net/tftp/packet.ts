// The TFTP wire codec (RFC 1350 packets, RFC 2347 options and OACK). Pure: no sockets, clock or
// logs. decode() never throws and does work linear in the datagram (each byte is looked at a
// bounded number of times); every field is length-checked against the end of the buffer.
import { isUtf8 } from 'node:buffer';
import { InvalidArgumentError } from '../../agent/errors.ts';
import { OPCODE } from './opcodes.ts';

export type Mode = 'octet' | 'netascii';
/** Option names folded to lower case (RFC 2347), in the order they appeared. Values as sent. */
export type Options = ReadonlyMap<string, string>;

export interface RequestPacket { op: 'RRQ' | 'WRQ'; filename: string; mode: Mode; options: Options }
/** `data` is a view into the decoded datagram, not a copy. */
export interface DataPacket { op: 'DATA'; block: number; data: Buffer }
export interface AckPacket { op: 'ACK'; block: number }
export interface ErrorPacket { op: 'ERROR'; code: number; message: string }
export interface OackPacket { op: 'OACK'; options: Options }
export type Packet = RequestPacket | DataPacket | AckPacket | ErrorPacket | OackPacket;

export type DecodeErrorCode =
  | 'too-short'            // not even an opcode, or a fixed field cut off
  | 'unknown-opcode'
  | 'unterminated-string'  // a string with no NUL before the end of the datagram
  | 'empty-filename'
  | 'name-too-long'
  | 'bad-filename'         // not valid UTF-8
  | 'bad-mode'             // only octet and netascii; "mail" is obsolete
  | 'option-too-long'
  | 'too-many-options'
  | 'duplicate-option'     // the same name twice, case-insensitively
  | 'empty-oack'
  | 'data-too-long'
  | 'trailing-bytes';      // non-NUL bytes after the last field

export interface CodecError {
  code: DecodeErrorCode;
  /** The opcode read, or null when the datagram was too short to hold one. */
  opcode: number | null;
}

export type DecodeResult =
  | { ok: true; value: Packet; bytesRead: number }
  | { ok: false; error: CodecError };

export const LIMITS = {
  /** Longest file name in bytes; phones ask for short names, long ones are probes. */
  nameBytes: 255,
  /** Longest option name or value; the RFC options need under 16. */
  optionBytes: 255,
  /** More than the RFCs define together, few enough to bound the map. */
  options: 32,
  /** RFC 2348's largest block. */
  dataBytes: 65464,
} as const;

const MODE_MAX_BYTES = 16;

function fail(code: DecodeErrorCode, opcode: number | null): DecodeResult {
  return { ok: false, error: { code, opcode } };
}

/** Decodes one datagram starting at `offset` (the datagram runs to the end of `buf`). */
export function decode(buf: Buffer, offset = 0): DecodeResult {
  if (!Number.isInteger(offset) || offset < 0 || buf.length - offset < 2) return fail('too-short', null);
  const op = buf.readUInt16BE(offset);
  const p = offset + 2;
  switch (op) {
    case OPCODE.RRQ:
    case OPCODE.WRQ:
      return decodeRequest(buf, p, op);
    case OPCODE.DATA: {
      if (buf.length - p < 2) return fail('too-short', op);
      if (buf.length - p - 2 > LIMITS.dataBytes) return fail('data-too-long', op);
      const value: DataPacket = { op: 'DATA', block: buf.readUInt16BE(p), data: buf.subarray(p + 2) };
      return { ok: true, value, bytesRead: buf.length - offset };
    }
    case OPCODE.ACK: {
      if (buf.length - p < 2) return fail('too-short', op);
      if (!onlyNuls(buf, p + 2)) return fail('trailing-bytes', op);
      return { ok: true, value: { op: 'ACK', block: buf.readUInt16BE(p) }, bytesRead: buf.length - offset };
    }
    case OPCODE.ERROR: {
      if (buf.length - p < 2) return fail('too-short', op);
      const nul = buf.indexOf(0, p + 2);
      if (nul < 0) return fail('unterminated-string', op);
      if (!onlyNuls(buf, nul + 1)) return fail('trailing-bytes', op);
      const value: ErrorPacket = { op: 'ERROR', code: buf.readUInt16BE(p), message: buf.toString('utf8', p + 2, nul) };
      return { ok: true, value, bytesRead: buf.length - offset };
    }
    case OPCODE.OACK: {
      const r = decodeOptions(buf, p, op);
      if (!(r instanceof Map)) return r;
      if (r.size === 0) return fail('empty-oack', op);
      return { ok: true, value: { op: 'OACK', options: r }, bytesRead: buf.length - offset };
    }
    default:
      return fail('unknown-opcode', op);
  }
}

function decodeRequest(buf: Buffer, p: number, op: number): DecodeResult {
  const nameEnd = buf.indexOf(0, p);
  if (nameEnd < 0) return fail('unterminated-string', op);
  if (nameEnd === p) return fail('empty-filename', op);
  if (nameEnd - p > LIMITS.nameBytes) return fail('name-too-long', op);
  const nameBytes = buf.subarray(p, nameEnd);
  if (!isUtf8(nameBytes)) return fail('bad-filename', op);
  const modeEnd = buf.indexOf(0, nameEnd + 1);
  if (modeEnd < 0) return fail('unterminated-string', op);
  if (modeEnd - nameEnd - 1 > MODE_MAX_BYTES) return fail('bad-mode', op);
  const mode = buf.toString('latin1', nameEnd + 1, modeEnd).toLowerCase();
  if (mode !== 'octet' && mode !== 'netascii') return fail('bad-mode', op);
  const options = decodeOptions(buf, modeEnd + 1, op);
  if (!(options instanceof Map)) return options;
  const value: RequestPacket = { op: op === OPCODE.RRQ ? 'RRQ' : 'WRQ', filename: nameBytes.toString('utf8'), mode, options };
  return { ok: true, value, bytesRead: buf.length - (p - 2) };
}

/**
 * name NUL value NUL pairs up to the end. A NUL where a name would start ends the list, and only
 * NULs may follow: some boot ROMs pad their requests.
 */
function decodeOptions(buf: Buffer, p: number, op: number): Map<string, string> | DecodeResult {
  const options = new Map<string, string>();
  while (p < buf.length) {
    if (buf[p] === 0) return onlyNuls(buf, p) ? options : fail('trailing-bytes', op);
    const nameEnd = buf.indexOf(0, p);
    if (nameEnd < 0) return fail('unterminated-string', op);
    if (nameEnd - p > LIMITS.optionBytes) return fail('option-too-long', op);
    const valueEnd = buf.indexOf(0, nameEnd + 1);
    if (valueEnd < 0) return fail('unterminated-string', op);
    if (valueEnd - nameEnd - 1 > LIMITS.optionBytes) return fail('option-too-long', op);
    const name = buf.toString('latin1', p, nameEnd).toLowerCase();
    if (options.has(name)) return fail('duplicate-option', op);
    if (options.size >= LIMITS.options) return fail('too-many-options', op);
    options.set(name, buf.toString('latin1', nameEnd + 1, valueEnd));
    p = valueEnd + 1;
  }
  return options;
}

function onlyNuls(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Bytes `encodeInto` writes for `p` (after the same validation). */
export function encodingLength(p: Packet): number {
  switch (p.op) {
    case 'RRQ':
    case 'WRQ':
      return 2 + Buffer.byteLength(p.filename, 'utf8') + 1 + p.mode.length + 1 + optionsLength(p.options);
    case 'DATA':
      return 4 + p.data.length;
    case 'ACK':
      return 4;
    case 'ERROR':
      return 4 + Buffer.byteLength(p.message, 'utf8') + 1;
    case 'OACK':
      return 2 + optionsLength(p.options);
  }
}

function optionsLength(options: Options): number {
  let n = 0;
  for (const [k, v] of options) n += k.length + 1 + v.length + 1;
  return n;
}

export function encode(p: Packet): Buffer {
  validate(p);
  const buf = Buffer.allocUnsafe(encodingLength(p));
  write(p, buf, 0);
  return buf;
}

/** Writes `p` into `buf` at `offset`; returns the bytes written. Throws if it does not fit. */
export function encodeInto(p: Packet, buf: Buffer, offset = 0): number {
  validate(p);
  const len = encodingLength(p);
  if (!Number.isInteger(offset) || offset < 0 || offset + len > buf.length) {
    throw new InvalidArgumentError('buf', `needs ${len} bytes at offset ${offset}, has ${buf.length}`);
  }
  return write(p, buf, offset) - offset;
}

function write(p: Packet, buf: Buffer, o: number): number {
  o = buf.writeUInt16BE(OPCODE[p.op], o);
  switch (p.op) {
    case 'RRQ':
    case 'WRQ':
      o = cstring(buf, o, p.filename, 'utf8');
      o = cstring(buf, o, p.mode, 'latin1');
      return writeOptions(buf, o, p.options);
    case 'DATA':
      o = buf.writeUInt16BE(p.block, o);
      return o + p.data.copy(buf, o);
    case 'ACK':
      return buf.writeUInt16BE(p.block, o);
    case 'ERROR':
      o = buf.writeUInt16BE(p.code, o);
      return cstring(buf, o, p.message, 'utf8');
    case 'OACK':
      return writeOptions(buf, o, p.options);
  }
}

function writeOptions(buf: Buffer, o: number, options: Options): number {
  for (const [k, v] of options) {
    o = cstring(buf, o, k, 'latin1');
    o = cstring(buf, o, v, 'latin1');
  }
  return o;
}

function cstring(buf: Buffer, o: number, s: string, enc: 'utf8' | 'latin1'): number {
  o += buf.write(s, o, enc);
  buf[o] = 0;
  return o + 1;
}

// Anything decode() would not give back unchanged is a caller bug, so encode refuses it.
const NOT_LATIN1_OR_NUL = /[^\u0001-\u00ff]/;

function validate(p: Packet): void {
  switch (p.op) {
    case 'RRQ':
    case 'WRQ': {
      const n = Buffer.byteLength(p.filename, 'utf8');
      if (n === 0 || n > LIMITS.nameBytes || p.filename.includes('\0')) {
        throw new InvalidArgumentError('filename', `must be 1..${LIMITS.nameBytes} bytes without NUL`);
      }
      if (p.mode !== 'octet' && p.mode !== 'netascii') throw new InvalidArgumentError('mode', `'${String(p.mode)}' is not octet or netascii`);
      validateOptions(p.options);
      return;
    }
    case 'DATA':
      checkU16('block', p.block);
      if (p.data.length > LIMITS.dataBytes) throw new InvalidArgumentError('data', `over ${LIMITS.dataBytes} bytes`);
      return;
    case 'ACK':
      checkU16('block', p.block);
      return;
    case 'ERROR':
      checkU16('code', p.code);
      if (p.message.includes('\0')) throw new InvalidArgumentError('message', 'contains NUL');
      return;
    case 'OACK':
      if (p.options.size === 0) throw new InvalidArgumentError('options', 'an OACK needs at least one option');
      validateOptions(p.options);
      return;
    default:
      throw new InvalidArgumentError('op', `unknown packet type '${String((p as { op: unknown }).op)}'`);
  }
}

function validateOptions(options: Options): void {
  if (options.size > LIMITS.options) throw new InvalidArgumentError('options', `more than ${LIMITS.options}`);
  for (const [k, v] of options) {
    if (k.length === 0 || k.length > LIMITS.optionBytes || NOT_LATIN1_OR_NUL.test(k)) {
      throw new InvalidArgumentError('options', `bad option name '${k}'`);
    }
    if (v.length > LIMITS.optionBytes || (v.length > 0 && NOT_LATIN1_OR_NUL.test(v))) {
      throw new InvalidArgumentError('options', `bad value for option '${k}'`);
    }
  }
}

function checkU16(field: string, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new InvalidArgumentError(field, `${n} is not 0..65535`);
}

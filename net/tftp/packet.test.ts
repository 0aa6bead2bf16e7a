import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundTrip } from '../../test/fuzz/codec.ts';
import { decode, encode, encodeInto, encodingLength, LIMITS, type Packet, type DecodeErrorCode } from './packet.ts';
import { InvalidArgumentError } from '../../agent/errors.ts';

const codec = { decode, encode, encodeInto, encodingLength };
const opts = (o: Record<string, string>) => new Map(Object.entries(o));
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

test('every packet type round-trips', () => {
  const values: Packet[] = [
    { op: 'RRQ', filename: 'y000000000028.cfg', mode: 'octet', options: opts({}) },
    { op: 'RRQ', filename: 'tenant/é-файл.cfg', mode: 'netascii', options: opts({ blksize: '1428', tsize: '0', windowsize: '16', timeout: '3' }) },
    { op: 'WRQ', filename: 'up.bin', mode: 'octet', options: opts({ x: '' }) },
    { op: 'DATA', block: 0, data: Buffer.alloc(0) },
    { op: 'DATA', block: 65535, data: Buffer.alloc(LIMITS.dataBytes, 7) },
    { op: 'ACK', block: 0 },
    { op: 'ACK', block: 65535 },
    { op: 'ERROR', code: 1, message: 'File not found' },
    { op: 'ERROR', code: 9999, message: '' },
    { op: 'OACK', options: opts({ blksize: '512', tsize: '123456' }) },
  ];
  for (const v of values) roundTrip(codec, v);
});

test('known wire bytes decode as expected', () => {
  const rrq = decode(bytes([0, 1], 'a.cfg\0', 'OcTeT\0', 'BLKSIZE\x001428\0', 'tsize\x000\0'));
  assert.ok(rrq.ok);
  assert.deepEqual(rrq.value, { op: 'RRQ', filename: 'a.cfg', mode: 'octet', options: opts({ blksize: '1428', tsize: '0' }) });
  assert.deepEqual(encode({ op: 'ACK', block: 258 }), hex('0004 0102'));
  assert.deepEqual(encode({ op: 'ERROR', code: 5, message: 'x' }), hex('0005 0005 78 00'));
  const data = decode(hex('0003 0007 aabb'));
  assert.ok(data.ok && data.value.op === 'DATA');
  assert.equal(data.value.block, 7);
  assert.deepEqual([...data.value.data], [0xaa, 0xbb]);
});

test('decode at an offset reads only from there', () => {
  const pkt = encode({ op: 'ACK', block: 9 });
  const r = decode(Buffer.concat([Buffer.from([1, 2, 3]), pkt]), 3);
  assert.ok(r.ok);
  assert.deepEqual(r.value, { op: 'ACK', block: 9 });
  assert.equal(r.bytesRead, 4);
  const bad = decode(pkt, 99);
  assert.ok(!bad.ok && bad.error.code === 'too-short');
});

test('trailing NUL padding is tolerated; other trailing bytes are not', () => {
  const padded = decode(bytes([0, 1], 'f\0octet\0', 'tsize\x000\0', [0, 0, 0]));
  assert.ok(padded.ok && padded.value.op === 'RRQ' && padded.value.options.get('tsize') === '0');
  assert.ok(decode(hex('0004 0001 0000')).ok);
});

test('malformed input gives a typed error code, never an exception', () => {
  const long = 'n'.repeat(LIMITS.nameBytes + 1);
  const table: [Buffer, DecodeErrorCode, number | null][] = [
    [hex(''), 'too-short', null],
    [hex('00'), 'too-short', null],
    [hex('0003 00'), 'too-short', 3],
    [hex('0004 00'), 'too-short', 4],
    [hex('0005 0001'), 'unterminated-string', 5],
    [hex('0009 0000'), 'unknown-opcode', 9],
    [hex('0000'), 'unknown-opcode', 0],
    [bytes([0, 1], 'file'), 'unterminated-string', 1],
    [bytes([0, 1], 'file\0octet'), 'unterminated-string', 1],
    [bytes([0, 1], '\0octet\0'), 'empty-filename', 1],
    [bytes([0, 1], long, '\0octet\0'), 'name-too-long', 1],
    [bytes([0, 1], [0xff, 0xfe], '\0octet\0'), 'bad-filename', 1],
    [bytes([0, 2], 'f\0mail\0'), 'bad-mode', 2],
    [bytes([0, 1], 'f\0binary\0'), 'bad-mode', 1],
    [bytes([0, 1], 'f\0', 'x'.repeat(40), '\0'), 'bad-mode', 1],
    [bytes([0, 1], 'f\0octet\0blksize\0'), 'unterminated-string', 1],
    [bytes([0, 1], 'f\0octet\0blksize\x00512'), 'unterminated-string', 1],
    [bytes([0, 1], 'f\0octet\0blksize\x00512\0BlkSize\x001024\0'), 'duplicate-option', 1],
    [bytes([0, 1], 'f\0octet\0', 'o'.repeat(256), '\x001\0'), 'option-too-long', 1],
    [bytes([0, 1], 'f\0octet\0o\0', 'v'.repeat(256), '\0'), 'option-too-long', 1],
    [bytes([0, 1], 'f\0octet\0', ...Array.from({ length: 33 }, (_, i) => `o${i}\x001\0`)), 'too-many-options', 1],
    [bytes([0, 1], 'f\0octet\0\0x'), 'trailing-bytes', 1],
    [hex('0004 0001 ff'), 'trailing-bytes', 4],
    [hex('0005 0001 41 00 41'), 'trailing-bytes', 5],
    [hex('0006'), 'empty-oack', 6],
    [Buffer.concat([hex('0003 0001'), Buffer.alloc(LIMITS.dataBytes + 1)]), 'data-too-long', 3],
  ];
  for (const [buf, code, opcode] of table) {
    const r = decode(buf);
    assert.ok(!r.ok, `${buf.toString('hex').slice(0, 40)} should not decode`);
    assert.equal(r.error.code, code, buf.toString('hex').slice(0, 60));
    assert.equal(r.error.opcode, opcode);
  }
});

test('encode refuses what decode could not give back', () => {
  const bad: Packet[] = [
    { op: 'RRQ', filename: '', mode: 'octet', options: opts({}) },
    { op: 'RRQ', filename: 'a\0b', mode: 'octet', options: opts({}) },
    { op: 'RRQ', filename: 'x'.repeat(256), mode: 'octet', options: opts({}) },
    { op: 'RRQ', filename: 'f', mode: 'mail' as 'octet', options: opts({}) },
    { op: 'RRQ', filename: 'f', mode: 'octet', options: opts({ '': '1' }) },
    { op: 'RRQ', filename: 'f', mode: 'octet', options: opts({ blksize: '5\x0012' }) },
    { op: 'RRQ', filename: 'f', mode: 'octet', options: opts({ 'блок': '1' }) },
    { op: 'ACK', block: 65536 },
    { op: 'ACK', block: -1 },
    { op: 'DATA', block: 1.5, data: Buffer.alloc(0) },
    { op: 'DATA', block: 1, data: Buffer.alloc(LIMITS.dataBytes + 1) },
    { op: 'ERROR', code: 1, message: 'a\0' },
    { op: 'OACK', options: opts({}) },
  ];
  for (const p of bad) assert.throws(() => encode(p), InvalidArgumentError, JSON.stringify(p));
  assert.throws(() => encodeInto({ op: 'ACK', block: 1 }, Buffer.alloc(3)), InvalidArgumentError);
});

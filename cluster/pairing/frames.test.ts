// The HA channel framing and message validators: round trip, partial input, and a table of
// malformed input with the error each gives (never an exception).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame, encodingLength, FrameDecoder } from './frames.ts';
import { parseHello, parsePairRequest, parseRequest, parseResponse } from './messages.ts';

test('frames round-trip, also at an offset and byte by byte', () => {
  const v = { op: 'pair', v: 1, text: 'città ☎', n: [1, 2, null] };
  const f = encodeFrame(v);
  assert.equal(f.length, encodingLength(v));
  const r = decodeFrame(Buffer.concat([Buffer.from([9, 9, 9]), f]), 3);
  assert.ok(r.ok === true);
  assert.deepEqual(r.value, v);
  assert.equal(r.bytesRead, f.length);
  const dec = new FrameDecoder();
  const got: unknown[] = [];
  for (const b of Buffer.concat([f, f])) got.push(...dec.push(Buffer.from([b])));
  assert.deepEqual(got, [v, v]);
});

test('malformed frames: typed errors, never a throw, and nothing buffered past the limit', () => {
  const len = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  const cases: [string, Buffer, string][] = [
    ['short header', Buffer.from([0, 0]), 'partial'],
    ['body missing', Buffer.concat([len(10), Buffer.from('{}')]), 'partial'],
    ['huge length', len(0xffffffff), 'PBX_ERR_HA_FRAME_TOO_LONG'],
    ['not json', Buffer.concat([len(3), Buffer.from('{x}')]), 'PBX_ERR_HA_FRAME_JSON'],
    ['empty body', len(0), 'PBX_ERR_HA_FRAME_JSON'],
  ];
  for (const [name, buf, want] of cases) {
    const r = decodeFrame(buf, 0, 1 << 20);
    assert.equal(r.ok === 'partial' ? 'partial' : r.ok === false ? r.error.code : 'ok', want, name);
  }
  const dec = new FrameDecoder(1024);
  assert.deepEqual(dec.push(len(4096)), []);
  assert.equal(dec.error?.code, 'PBX_ERR_HA_FRAME_TOO_LONG');
  assert.deepEqual(dec.push(Buffer.alloc(10)), [], 'a failed decoder yields nothing more');
});

test('message validators name the bad field', () => {
  const nonce = Buffer.alloc(32, 1).toString('base64');
  assert.match(String(parsePairRequest({ op: 'pair', v: 2 })), /^v: protocol version 2/);
  assert.match(String(parsePairRequest({ op: 'pair', v: 1, serial: 'x'.repeat(200) })), /^serial/);
  assert.match(String(parsePairRequest({ op: 'pair', v: 1, serial: 'S', name: 'n', hostKey: 'k', nonce: 'AAAA' })), /^nonce/);
  assert.equal(typeof parsePairRequest({ op: 'pair', v: 1, serial: 'S', name: 'n', hostKey: 'k', nonce }), 'object');
  assert.match(String(parseHello({ op: 'hello', mac: nonce })), /^nonce/);
  assert.match(String(parseRequest({ id: -1, op: 'x' })), /^id/);
  assert.match(String(parseRequest({ id: 1, op: 'DROP TABLE' })), /^op/);
  const r = parseResponse({ id: 3, ok: false, error: { code: 'PBX_ERR_CONFLICT', message: 'm' } });
  assert.deepEqual(r, { id: 3, reply: { ok: false, error: { code: 'PBX_ERR_CONFLICT', message: 'm' } } });
  for (const junk of [null, 1, 'x', [], { ok: 'yes' }]) assert.equal(typeof parseResponse(junk), 'string');
});

test('FrameDecoder: a large frame in many chunks, split headers, and frames sharing a chunk', () => {
  const big = { rows: Array.from({ length: 5000 }, (_, i) => ({ i, text: `row ${i}` })) };
  const small = { op: 'ping' };
  const stream = Buffer.concat([encodeFrame(small), encodeFrame(big), encodeFrame(small), encodeFrame(small)]);
  for (const size of [1, 3, 7, 1000, 65536, stream.length]) {
    const dec = new FrameDecoder();
    const got: unknown[] = [];
    for (let o = 0; o < stream.length; o += size) got.push(...dec.push(stream.subarray(o, o + size)));
    assert.deepEqual(got, [small, big, small, small], `chunks of ${size}`);
    assert.equal(dec.error, undefined);
    assert.deepEqual(dec.push(Buffer.alloc(0)), [], 'nothing left over');
  }
  const dec = new FrameDecoder(1024);
  const head = Buffer.alloc(4); head.writeUInt32BE(4096);
  assert.deepEqual(dec.push(Buffer.concat([encodeFrame(small), head.subarray(0, 2)])), [small]);
  assert.deepEqual(dec.push(head.subarray(2)), []);
  assert.equal(dec.error?.code, 'PBX_ERR_HA_FRAME_TOO_LONG', 'a too-long length is refused as soon as its header is whole');
});

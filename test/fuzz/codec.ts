// The codec shape of STYLE rule 1 as the fuzzers and unit tests see it, and the round-trip
// property every codec must keep: encode -> decode gives the value back, encodingLength is
// what encode writes, and encoding at an offset inside a larger buffer decodes the same.
import assert from 'node:assert/strict';

export interface Codec<T> {
  decode(buf: Buffer, offset?: number): { ok: true; value: T; bytesRead: number } | { ok: false; error: { code: string } };
  encode(value: T): Buffer;
  encodeInto(value: T, buf: Buffer, offset?: number): number;
  encodingLength(value: T): number;
}

/** Throws (assert) unless `value` survives encode/decode unchanged; returns its encoding. */
export function roundTrip<T>(codec: Codec<T>, value: T): Buffer {
  const buf = codec.encode(value);
  assert.equal(buf.length, codec.encodingLength(value), 'encodingLength matches encode');
  const back = codec.decode(buf);
  assert.ok(back.ok, `decodes its own encoding: ${back.ok ? '' : back.error.code}`);
  assert.deepStrictEqual(back.value, value);
  assert.equal(back.bytesRead, buf.length);
  const again = codec.encode(back.value);
  assert.ok(again.equals(buf), 'encode is stable across a round trip');
  const big = Buffer.alloc(buf.length + 10, 0xee);
  const n = codec.encodeInto(value, big, 7);
  assert.equal(n, buf.length, 'encodeInto reports the bytes written');
  assert.ok(big.subarray(7, 7 + n).equals(buf), 'encodeInto at an offset writes the same bytes');
  return buf;
}

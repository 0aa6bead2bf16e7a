import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { roundTrip } from '../../test/fuzz/codec.ts';
import { clusterIdOf, seal, senderIdOf, verify } from './auth.ts';
import { decode, encode, encodeInto, encodingLength, FLAG, hasFlag, PACKET_LENGTH, type Heartbeat } from './codec.ts';

const codec = { decode, encode, encodeInto, encodingLength };
const KEY = Buffer.alloc(32, 7);

export function sample(over: Partial<Heartbeat> = {}): Heartbeat {
  return {
    kind: 'heartbeat', flags: FLAG.holdsResource | FLAG.stable, path: 1, state: 'active', pingReachable: 2, pingTotal: 3,
    clusterId: clusterIdOf(KEY), sender: senderIdOf('SN-A'), generation: 7, seq: 41, sentAt: 2 ** 40 + 5,
    configVersion: 12, timersHash: 0xdeadbeef, msgId: 0, mac: Buffer.alloc(32), ...over,
  };
}

describe('heartbeat codec', () => {
  it('round-trips every kind, state, path and extreme value', () => {
    for (const kind of ['heartbeat', 'handover-request', 'handover-accept', 'handover-refuse', 'released', 'acquired', 'disable', 'handover-cancel', 'UNKNOWN_200'] as const) {
      roundTrip(codec, sample({ kind }));
    }
    for (const state of ['disabled', 'unpaired', 'init', 'standby', 'acquiring', 'active', 'releasing', 'fault', 'UNKNOWN_9'] as const) {
      roundTrip(codec, sample({ state }));
    }
    roundTrip(codec, sample({ path: 0, flags: 0xffff, generation: 0xffffffff, seq: 0xffffffff, sentAt: 2 ** 48 - 1, configVersion: 2 ** 48 - 1, msgId: 1 }));
    roundTrip(codec, sample({ pingReachable: 0, pingTotal: 0, mac: randomBytes(32) }));
  });

  it('is exactly 88 bytes', () => {
    assert.equal(encode(sample()).length, PACKET_LENGTH);
    assert.equal(PACKET_LENGTH, 88);
  });

  it('refuses malformed input with codes, never throws', () => {
    const good = encode(sample());
    const cases: [Buffer, string][] = [
      [Buffer.alloc(0), 'PBX_ERR_HB_TRUNCATED'],
      [good.subarray(0, 87), 'PBX_ERR_HB_TRUNCATED'],
      [Buffer.concat([Buffer.from('XXXX'), good.subarray(4)]), 'PBX_ERR_HB_BAD_MAGIC'],
      [(() => { const b = Buffer.from(good); b[4] = 2; return b; })(), 'PBX_ERR_HB_VERSION'],
      [(() => { const b = Buffer.from(good); b[8] = 2; return b; })(), 'PBX_ERR_HB_BAD_FIELD'],
      [(() => { const b = Buffer.from(good); b[10] = 4; b[11] = 3; return b; })(), 'PBX_ERR_HB_BAD_FIELD'],
    ];
    for (const [buf, code] of cases) {
      const r = decode(buf);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.code, code);
    }
    const r = decode(good, 1);
    assert.equal(r.ok, false);
    assert.equal(decode(good, -1).ok, false);
    assert.equal(decode(good, 1.5).ok, false);
  });

  it('decodes at an offset', () => {
    const b = Buffer.alloc(100, 0xee);
    encodeInto(sample({ seq: 9 }), b, 5);
    const r = decode(b, 5);
    assert.ok(r.ok && r.value.seq === 9 && r.bytesRead === 88);
  });

  it('refuses to encode values a packet cannot carry', () => {
    assert.throws(() => encode(sample({ seq: -1 })), RangeError);
    assert.throws(() => encode(sample({ sentAt: 2 ** 48 })), RangeError);
    assert.throws(() => encode(sample({ kind: 'UNKNOWN_3' as never })), RangeError, 'UNKNOWN_n of a known code is not a name');
    assert.throws(() => encode(sample({ sender: Buffer.alloc(4) })), RangeError);
  });

  it('flags read back', () => {
    const r = decode(encode(sample({ flags: FLAG.shutdown | FLAG.coordinator })));
    assert.ok(r.ok);
    assert.ok(hasFlag(r.value, FLAG.shutdown) && hasFlag(r.value, FLAG.coordinator) && !hasFlag(r.value, FLAG.holdsResource));
  });
});

describe('heartbeat auth', () => {
  it('a sealed packet verifies with its key only, and any flipped bit breaks it', () => {
    const b = encode(sample());
    seal(b, KEY);
    assert.ok(verify(b, KEY));
    assert.ok(!verify(b, Buffer.alloc(32, 8)));
    for (const i of [0, 9, 28, 35, 55, 56, 87]) {
      const c = Buffer.from(b);
      c[i]! ^= 1;
      assert.ok(!verify(c, KEY), `bit flip at ${i}`);
    }
    assert.ok(!verify(b.subarray(0, 87), KEY));
  });

  it('ids: cluster id depends on the key, sender id on the serial', () => {
    assert.ok(!clusterIdOf(KEY).equals(clusterIdOf(Buffer.alloc(32, 1))));
    assert.ok(!senderIdOf('A').equals(senderIdOf('B')));
    assert.equal(senderIdOf('A').length, 8);
  });
});

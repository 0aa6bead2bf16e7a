// The native TFTP pump's fast path (net/tftp/native/pump.c classify()) against the one codec:
// whatever the thread takes as an ACK or an ERROR must decode as exactly that in packet.ts,
// and everything else must not, or the two engines would treat a datagram differently.
import assert from 'node:assert/strict';
import { decode } from '../../../net/tftp/packet.ts';
import { loadError, pump } from '../../../net/tftp/native/pump.ts';
import type { FuzzTarget } from '../target.ts';

const s = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

const seeds = [
  s([0, 4], [0, 1]),
  s([0, 4], [0xff, 0xff], [0, 0]),
  s([0, 4], [0, 1], [0, 7]),
  s([0, 4], [0]),
  s([0, 5], [0, 8], 'option refused\0'),
  s([0, 5], [0, 0], '\0\0\0'),
  s([0, 5], [0, 1], 'no terminator'),
  s([0, 5], [0, 1], 'x\0y'),
  s([0, 3], [0, 1], 'data'),
  s([0, 1], 'f\0octet\0'),
  s([0, 6], 'blksize\x00512\0'),
];

export const target: FuzzTarget = {
  name: 'tftp-pump',
  seeds,
  dictionary: [Buffer.from([0]), Buffer.from([0, 4]), Buffer.from([0, 5]), Buffer.from('octet\0')],
  maxLength: 4096,
  run(input: Buffer): boolean {
    if (!pump) throw new Error(`tftp-pump target: ${loadError}`);
    const got = pump.classify(input);
    const r = decode(input);
    const want = r.ok && r.value.op === 'ACK' ? 'ack' : r.ok && r.value.op === 'ERROR' ? 'error' : 'other';
    assert.equal(got, want, `pump says ${got}, packet.ts says ${r.ok ? r.value.op : `malformed (${r.error.code})`}`);
    return got !== 'other';
  },
};

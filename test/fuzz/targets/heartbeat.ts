// HA heartbeat: the packet codec, the MAC check, the replay window fed the decoded numbers, and
// the `ip -o -4 addr show` parser the resource code trusts.
import assert from 'node:assert/strict';
import { clusterIdOf, seal, senderIdOf, verify } from '../../../cluster/heartbeat/auth.ts';
import { decode, encode, encodeInto, encodingLength, FLAG, type Heartbeat } from '../../../cluster/heartbeat/codec.ts';
import { ReplayWindow } from '../../../cluster/heartbeat/replay.ts';
import { parseAddrShow } from '../../../cluster/resource/ip.ts';
import { roundTrip } from '../codec.ts';
import type { FuzzTarget } from '../target.ts';

const codec = { decode, encode, encodeInto, encodingLength };
const KEY = Buffer.alloc(32, 0x5a);

function hb(over: Partial<Heartbeat>): Buffer {
  const b = encode({
    kind: 'heartbeat', flags: FLAG.stable, path: 0, state: 'standby', pingReachable: 1, pingTotal: 2,
    clusterId: clusterIdOf(KEY), sender: senderIdOf('SN-B'), generation: 3, seq: 10, sentAt: 123_456,
    configVersion: 4, timersHash: 99, msgId: 0, mac: Buffer.alloc(32), ...over,
  });
  seal(b, KEY);
  return b;
}

const seeds = [
  hb({}),
  hb({ kind: 'handover-request', msgId: 77, flags: FLAG.holdsResource | FLAG.coordinator, state: 'active', path: 1 }),
  hb({ kind: 'disable', flags: FLAG.shutdown }),
  Buffer.from('2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever preferred_lft forever\n2: eth0    inet 10.0.0.100/24 brd 10.0.0.255 scope global secondary eth0:ha\\       valid_lft forever\n'),
];

const dictionary = ['PXHB', '\x01', '\xff\xff\xff\xff', 'inet ', '/24', ' scope global ', ':ha', '\\', '\n'].map((t) => Buffer.from(t, 'latin1'));

// One window across inputs, as a long-running receiver sees a stream of hostile packets.
const window = new ReplayWindow({ maxDelayMs: 1500 });
let clock = 0;

export const target: FuzzTarget = {
  name: 'heartbeat',
  seeds,
  dictionary,
  maxLength: 512,
  run(input: Buffer): boolean {
    const addrs = parseAddrShow(input.toString('latin1'));
    for (const a of addrs) assert.ok(a.prefix >= 0 && a.prefix <= 99 && /^\d+\.\d+\.\d+\.\d+$/.test(a.address));
    const authentic = verify(input, KEY);
    const r = decode(input);
    if (!r.ok) {
      assert.ok(r.error.code.startsWith('PBX_ERR_HB_'));
      return addrs.length > 0;
    }
    assert.equal(r.bytesRead, 88);
    roundTrip(codec, r.value);
    clock += 10;
    const v = window.admit(r.value.generation, r.value.seq, r.value.sentAt, clock);
    assert.ok(v.ok || ['stale-generation', 'replay', 'outside-window', 'delayed'].includes(v.reason));
    // A second admission of the same numbers is never accepted.
    if (v.ok) assert.equal(window.admit(r.value.generation, r.value.seq, r.value.sentAt, clock).ok, false);
    // Mutated packets keep a valid MAC only by luck of the mutator leaving them intact.
    if (authentic) assert.ok(input.subarray(0, 88).equals(encode(r.value)));
    return true;
  },
};

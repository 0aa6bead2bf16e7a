// TFTP: the packet codec, option negotiation, request-name policy, netascii, and a read
// session driven by a script taken from the same input bytes.
import assert from 'node:assert/strict';
import { checkRequestName } from '../../../net/tftp/names.ts';
import { negotiate } from '../../../net/tftp/negotiate.ts';
import { netasciiLength, toNetascii } from '../../../net/tftp/netascii.ts';
import { decode, encode, encodeInto, encodingLength, type Options } from '../../../net/tftp/packet.ts';
import { ReadSession } from '../../../net/tftp/session.ts';
import { roundTrip } from '../codec.ts';
import type { FuzzTarget } from '../target.ts';

const codec = { decode, encode, encodeInto, encodingLength };
const KNOWN = new Set(['blksize', 'tsize', 'timeout', 'windowsize']);

const s = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

const seeds = [
  s([0, 1], 'y000000000028.cfg\0octet\0'),
  s([0, 1], '/SEP001122334455.cnf.xml\0netascii\0tsize\x000\0blksize\x001428\0timeout\x006\0'),
  s([0, 1], 'firmware.rom\0OCTET\0blksize\x0065464\0windowsize\x0016\0tsize\x000\0'),
  s([0, 2], 'upload.bin\0octet\0'),
  s([0, 3], [0, 1], 'hello'),
  s([0, 4], [0xff, 0xff]),
  s([0, 5], [0, 1], 'File not found\0'),
  s([0, 6], 'blksize\x00512\0tsize\x001234\0'),
  s([0, 1], '../../etc/passwd\0octet\0'),
];

const dictionary = ['octet', 'netascii', 'mail', 'blksize', 'BLKSIZE', 'tsize', 'timeout', 'windowsize', 'utimeout', 'multicast', '..', '/', '\\', '\0', '0', '65464', '99999']
  .map((t) => Buffer.from(t, 'latin1'));

function checkNegotiation(options: Options, input: Buffer): void {
  const limits = { maxBlksize: 8 + ((input.length * 7919) % 65457), maxWindowsize: 1 + (input.length % 64) };
  const size = (input.length * 104729) % 5_000_000;
  const n = negotiate(options, limits, size);
  // Without a granted option the RFC 1350 defaults apply whatever the limits (512, 1).
  if (n.oack?.has('blksize')) assert.ok(n.blksize >= 8 && n.blksize <= limits.maxBlksize, `blksize ${n.blksize}`);
  else assert.equal(n.blksize, 512);
  if (n.oack?.has('windowsize')) assert.ok(n.windowsize >= 1 && n.windowsize <= limits.maxWindowsize, `windowsize ${n.windowsize}`);
  else assert.equal(n.windowsize, 1);
  assert.ok(n.timeoutMs === null || (n.timeoutMs >= 1000 && n.timeoutMs <= 255_000));
  if (n.oack) {
    for (const k of n.oack.keys()) assert.ok(KNOWN.has(k) && options.has(k), `OACK only answers what was asked: ${k}`);
    if (n.oack.has('tsize')) assert.equal(n.oack.get('tsize'), String(size));
    roundTrip(codec, { op: 'OACK', options: n.oack });
  } else {
    for (const k of options.keys()) assert.ok(!KNOWN.has(k) || !/^\d+$/.test(options.get(k)!), 'a valid known option gets an OACK');
  }
}

/** Drives a session with ACKs, timer ticks and errors chosen by the input bytes; checks the RFC rules. */
function checkSession(input: Buffer): void {
  const b = (i: number) => input[i % Math.max(1, input.length)] ?? 0;
  const blksize = 8 + (((b(0) << 8) | b(1)) % 1500);
  const windowsize = 1 + (b(2) % 20);
  const size = ((b(3) << 8) | b(4)) % (blksize * 200);
  const oack = b(5) & 1 ? new Map([['tsize', String(size)]]) : null;
  const s = new ReadSession({ size, blksize, windowsize, timeoutMs: 100, retries: 3, oack });
  let now = 0;
  let first = s.start(now);
  assert.ok(first.send);
  let sentTo = first.send.kind === 'data' ? first.send.last : 0;
  const steps = Math.min(input.length, 256);
  for (let i = 0; i < steps && !s.done; i++) {
    const x = input[i]!;
    const ackedBefore = s.acked;
    let st;
    if (x === 0xff) st = s.clientError();
    else if (x % 3 === 0) st = s.timer((now += 30 * (x & 7)));
    else st = s.ack((ackedBefore + (x >> 2) - 16) & 0xffff, (now += 1));
    if (st.send?.kind === 'data') {
      const { first: f, last: l } = st.send;
      assert.equal(f, s.acked + 1, 'a window starts right after the last ACK');
      assert.ok(l >= f && l - f + 1 <= windowsize && l <= s.blocks, `window ${f}..${l} of ${s.blocks}`);
      if (!st.retransmit) assert.ok(s.acked > ackedBefore || (oack && ackedBefore === 0), 'new data only on progress (no Sorcerer\'s Apprentice)');
      sentTo = l;
    }
    if (st.end) assert.ok(s.done && s.deadline === Infinity);
    else assert.ok(Number.isFinite(s.deadline));
  }
  // Finish cleanly: acknowledging each window in turn must complete in blocks/windowsize steps.
  if (!s.done) {
    first = s.timer(now += 1e6);
    if (first.send?.kind === 'oack') first = s.ack(0, ++now);
    if (first.send?.kind === 'data') sentTo = first.send.last;
    let guard = s.blocks + 2;
    while (!s.done && guard-- > 0) {
      const st = s.ack(sentTo & 0xffff, ++now);
      if (st.send?.kind === 'data') sentTo = st.send.last;
    }
    assert.ok(s.done, 'completes');
  }
}

export const target: FuzzTarget = {
  name: 'tftp',
  seeds,
  dictionary,
  maxLength: 66_000,
  run(input: Buffer): boolean {
    assert.equal(netasciiLength(input), input.length + count(input, 10) + count(input, 13));
    if (input.length < 64) assert.equal(toNetascii(input).length, netasciiLength(input));
    checkSession(input);
    const r = decode(input);
    if (!r.ok) return false;
    assert.ok(r.bytesRead <= input.length);
    roundTrip(codec, r.value);
    const p = r.value;
    if (p.op === 'RRQ' || p.op === 'WRQ') {
      checkNegotiation(p.options, input);
      const n = checkRequestName(p.filename);
      if (n.ok) {
        assert.ok(!n.path.startsWith('/') && !n.path.includes('\\') && !n.path.split('/').includes('..'), n.path);
      }
    }
    return true;
  },
};

function count(b: Buffer, byte: number): number {
  let n = 0;
  for (let i = b.indexOf(byte); i >= 0; i = b.indexOf(byte, i + 1)) n++;
  return n;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadSession, blockLength, type ReadSessionParams, type Step } from './session.ts';

const P = (o: Partial<ReadSessionParams> = {}): ReadSessionParams =>
  ({ size: 1200, blksize: 512, windowsize: 1, timeoutMs: 100, retries: 3, oack: null, ...o });
const data = (s: Step) => (s.send?.kind === 'data' ? [s.send.first, s.send.last] : null);

test('lock-step: blocks, final short block, complete on its ACK', () => {
  const s = new ReadSession(P());
  assert.equal(s.blocks, 3);
  assert.deepEqual(data(s.start(0)), [1, 1]);
  assert.deepEqual(data(s.ack(1, 1)), [2, 2]);
  assert.deepEqual(data(s.ack(2, 2)), [3, 3]);
  assert.equal(blockLength(3, 512, 1200), 176);
  const end = s.ack(3, 3);
  assert.equal(end.end, 'complete');
  assert.equal(end.send, null);
  assert.ok(s.done);
  assert.equal(s.deadline, Infinity);
});

test('a size that is a multiple of blksize ends with an empty block; 0 bytes is one empty block', () => {
  const s = new ReadSession(P({ size: 1024 }));
  assert.equal(s.blocks, 3);
  assert.equal(blockLength(3, 512, 1024), 0);
  assert.equal(new ReadSession(P({ size: 0 })).blocks, 1);
  assert.equal(blockLength(1, 512, 0), 0);
});

test('OACK first, then data after ACK 0; other ACKs ignored meanwhile', () => {
  const oack = new Map([['blksize', '512']]);
  const s = new ReadSession(P({ oack }));
  const st = s.start(0);
  assert.deepEqual(st.send, { kind: 'oack', options: oack });
  assert.equal(s.ack(1, 1).send, null);
  assert.deepEqual(data(s.ack(0, 2)), [1, 1]);
  assert.ok(s.heard);
});

test('duplicate and stale ACKs are ignored (no Sorcerer\'s Apprentice)', () => {
  const s = new ReadSession(P({ size: 5000 }));
  s.start(0);
  s.ack(1, 1);
  assert.deepEqual(data(s.ack(2, 2)), [3, 3]);
  assert.equal(s.ack(2, 3).send, null, 'duplicate of the last ACK');
  assert.equal(s.ack(1, 3).send, null, 'older ACK');
  assert.equal(s.ack(9, 3).send, null, 'ACK of a block never sent');
  assert.deepEqual(data(s.ack(3, 4)), [4, 4]);
});

test('retransmission with exponential backoff, then give up with an ERROR', () => {
  const s = new ReadSession(P({ timeoutMs: 100, retries: 3 }));
  s.start(0);
  assert.equal(s.timer(99).send, null, 'not yet');
  const r1 = s.timer(100);
  assert.deepEqual(data(r1), [1, 1]);
  assert.ok(r1.retransmit);
  assert.equal(s.deadline, 300);
  assert.equal(s.timer(299).send, null);
  assert.ok(s.timer(300).retransmit);
  assert.equal(s.deadline, 700);
  assert.ok(s.timer(700).retransmit);
  assert.equal(s.deadline, 1500);
  const last = s.timer(1500);
  assert.equal(last.end, 'timed-out');
  assert.equal(last.send?.kind, 'error');
});

test('progress resets the backoff', () => {
  const s = new ReadSession(P({ size: 5000, timeoutMs: 100 }));
  s.start(0);
  s.timer(100);
  s.timer(300);
  s.ack(1, 400);
  assert.equal(s.deadline, 500);
  s.timer(500);
  assert.equal(s.deadline, 700);
});

test('the OACK is what gets retransmitted before ACK 0', () => {
  const s = new ReadSession(P({ oack: new Map([['tsize', '1200']]) }));
  s.start(0);
  assert.equal(s.timer(100).send?.kind, 'oack');
});

test('windows (RFC 7440): full window, next window on its last ACK, rewind on a short ACK', () => {
  const s = new ReadSession(P({ size: 512 * 20, windowsize: 4 }));
  assert.equal(s.blocks, 21);
  assert.deepEqual(data(s.start(0)), [1, 4]);
  assert.deepEqual(data(s.ack(4, 1)), [5, 8]);
  assert.deepEqual(data(s.ack(6, 2)), [7, 10], 'gap after 6: resend from 7');
  assert.equal(s.ack(6, 3).send, null, 'a repeated gap ACK is ignored');
  assert.deepEqual(data(s.timer(1000)), [7, 10], 'timeout resends the window from the last ACK');
  assert.deepEqual(data(s.ack(10, 1001)), [11, 14]);
  assert.deepEqual(data(s.ack(14, 1002)), [15, 18]);
  assert.deepEqual(data(s.ack(18, 1003)), [19, 21], 'the last window is cut at the last block');
  assert.equal(s.ack(21, 1004).end, 'complete');
});

test('block numbers wrap past 65535 to 0', () => {
  const s = new ReadSession(P({ size: 8 * 70000, blksize: 8, windowsize: 1 }));
  s.start(0);
  let now = 0;
  for (let abs = 1; abs < 65540; abs++) {
    const st = s.ack(abs & 0xffff, ++now);
    assert.deepEqual(data(st), [abs + 1, abs + 1], `after ack ${abs}`);
  }
  assert.equal(s.acked, 65539);
  assert.equal(s.ack(65535, ++now).send, null, 'pre-wrap ACK is stale');
});

test('wrap with a large window maps ACKs to the right block', () => {
  const s = new ReadSession(P({ size: 8 * 200000, blksize: 8, windowsize: 65535 }));
  assert.deepEqual(data(s.start(0)), [1, 65535]);
  assert.deepEqual(data(s.ack(65535, 1)), [65536, 131070]);
  assert.deepEqual(data(s.ack(3, 2)), [65540, 131074], 'wire 3 after wrap is block 65539');
});

test('client ERROR ends quietly; an illegal packet ends with ERROR 4; nothing after the end', () => {
  const a = new ReadSession(P());
  a.start(0);
  assert.deepEqual(a.clientError(), { send: null, retransmit: false, end: 'client-error' });
  assert.equal(a.ack(1, 1).send, null);
  assert.equal(a.timer(1e9).send, null);
  const b = new ReadSession(P());
  b.start(0);
  const st = b.illegal();
  assert.equal(st.end, 'illegal-op');
  assert.deepEqual(st.send, { kind: 'error', code: 4, message: 'illegal operation during read' });
});

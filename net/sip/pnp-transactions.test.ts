import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NotifyTransactions, SubscribeCache } from './pnp-transactions.ts';

const dest = { address: '10.99.0.3', port: 5060 };
const payload = Buffer.from('NOTIFY');

/** Runs the clock to `until`, firing due() at each deadline; returns the retransmit times. */
function runClock(tx: NotifyTransactions, from: number, until: number, onStep?: (t: number) => void): { resends: number[]; expiredAt: number | undefined } {
  const resends: number[] = [];
  let expiredAt: number | undefined;
  let now = from;
  for (let guard = 0; guard < 1000; guard++) {
    const next = tx.nextDeadline();
    if (next === undefined || next > until) break;
    now = next;
    const d = tx.due(now);
    for (const _ of d.resend) resends.push(now);
    if (d.expired.length) expiredAt = now;
    onStep?.(now);
  }
  return { resends, expiredAt };
}

describe('NOTIFY retransmission (RFC 3261 17.1.2, injected clock)', () => {
  it('T1 doubling, capped at T2, given up at 64*T1', () => {
    const tx = new NotifyTransactions({ t1Ms: 500 });
    assert.ok(tx.start('b1', payload, dest, 0));
    const { resends, expiredAt } = runClock(tx, 0, 100_000);
    assert.deepEqual(resends, [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(expiredAt, 32_000);
    assert.equal(tx.size, 0);
    assert.equal(tx.nextDeadline(), undefined);
  });

  it('the phone\'s 200 stops it; a 481 is accepted quietly; others are rejections', () => {
    const tx = new NotifyTransactions({ t1Ms: 500 });
    tx.start('a', payload, dest, 0);
    tx.start('b', payload, dest, 0);
    tx.start('c', payload, dest, 0);
    assert.deepEqual(tx.due(500).resend.map((r) => r.branch).sort(), ['a', 'b', 'c']);
    assert.equal(tx.response('a', 200, 700)?.outcome, 'acked');
    assert.equal(tx.response('a', 200, 700), undefined, 'a second 200 is stray');
    assert.equal(tx.response('b', 481, 800)?.outcome, 'gone');
    assert.equal(tx.response('c', 603, 900)?.ms, 900);
    assert.equal(tx.size, 0);
    assert.deepEqual(tx.due(10_000), { resend: [], expired: [] });
  });

  it('after a provisional response it retransmits every T2', () => {
    const tx = new NotifyTransactions({ t1Ms: 500, t2Ms: 4000 });
    tx.start('p', payload, dest, 0);
    assert.equal(tx.response('p', 100, 100)?.outcome, 'provisional');
    const { resends } = runClock(tx, 0, 12_000);
    assert.deepEqual(resends, [500, 4500, 8500]);
  });

  it('bounded: start() refuses past max and for a branch in use', () => {
    const tx = new NotifyTransactions({ t1Ms: 500, max: 2 });
    assert.ok(tx.start('a', payload, dest, 0));
    assert.equal(tx.start('a', payload, dest, 0), false);
    assert.ok(tx.start('b', payload, dest, 0));
    assert.equal(tx.start('c', payload, dest, 0), false);
  });

  it('many transactions fire in deadline order', () => {
    const tx = new NotifyTransactions({ t1Ms: 500 });
    for (let i = 0; i < 1000; i++) tx.start(`b${i}`, payload, dest, i);
    let last = -1;
    let count = 0;
    runClock(tx, 0, 600, (t) => { assert.ok(t >= last); last = t; count++; });
    assert.ok(count > 0);
    const d = tx.due(2000);
    assert.equal(d.resend.length, 1000, 'by 2 s each is due exactly once more (first resend or second)');
  });
});

describe('SUBSCRIBE answer cache (Timer J = 64*T1)', () => {
  it('keeps an answer for the TTL, then forgets it; bounded', () => {
    const c = new SubscribeCache(32_000, 2);
    c.set('k1', { reply: payload, dest, mac: undefined }, 0);
    assert.ok(c.get('k1', 31_999));
    assert.equal(c.get('k1', 32_000), undefined);
    c.set('a', { reply: payload, dest, mac: undefined }, 0);
    c.set('b', { reply: payload, dest, mac: undefined }, 1);
    c.set('c', { reply: payload, dest, mac: undefined }, 2);
    assert.equal(c.size, 2);
    assert.equal(c.get('a', 3), undefined, 'the oldest went first');
  });
});

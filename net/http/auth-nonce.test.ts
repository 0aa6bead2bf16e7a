// Nonces: signed, bound to a realm scope, expiring; counts tracked for replay; bounded.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NonceBook } from './auth-nonce.ts';

const key = Buffer.alloc(32, 7);

describe('NonceBook', () => {
  it('verifies its own nonces, refuses forged, other-scope and expired ones', () => {
    const b = new NonceBook({ ttlMs: 1000, key });
    const n = b.issue('t|realm', 10_000);
    assert.match(n, /^[A-Za-z0-9_-]{36}$/);
    assert.equal(b.verify(n, 't|realm', 10_500), 'ok');
    assert.equal(b.verify(n, 'other|realm', 10_500), 'invalid', 'bound to its scope');
    assert.equal(b.verify(n, 't|realm', 11_001), 'stale');
    const flipped = (n[5] === 'A' ? 'B' : 'A');
    assert.equal(b.verify(n.slice(0, 5) + flipped + n.slice(6), 't|realm', 10_500), 'invalid');
    assert.equal(b.verify('short', 't|realm', 10_500), 'invalid');
    assert.equal(new NonceBook({ ttlMs: 1000 }).verify(n, 't|realm', 10_500), 'invalid', 'another key (a restart) does not know it');
  });
  it('refuses a repeated nonce count (replay), accepts counts out of order', () => {
    const b = new NonceBook({ ttlMs: 1000, key });
    const n = b.issue('s', 0);
    assert.equal(b.use(n, 1, 1), 'ok');
    assert.equal(b.use(n, 3, 2), 'ok');
    assert.equal(b.use(n, 2, 3), 'ok');
    assert.equal(b.use(n, 3, 4), 'replay');
  });
  it('is bounded: the oldest nonces are forgotten, expired ones swept', () => {
    const b = new NonceBook({ ttlMs: 1000, key, maxTracked: 3, maxCounts: 2 });
    for (let i = 0; i < 5; i++) b.use(b.issue('s', i), 1, i);
    assert.equal(b.tracked, 3);
    const n = b.issue('s', 10);
    b.use(n, 1, 10);
    b.use(n, 2, 10);
    assert.equal(b.use(n, 3, 10), 'stale', 'more counts than kept: a new nonce please');
    b.use(b.issue('s', 5000), 1, 5000);
    assert.equal(b.tracked, 1, 'expired entries swept');
  });
});

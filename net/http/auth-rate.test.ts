// The per-source failure limit: fixed window, blocked at the limit, reported once, bounded.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FailureLimiter } from './auth-rate.ts';

describe('FailureLimiter', () => {
  it('blocks a source at the limit until its window ends, reporting once', () => {
    const l = new FailureLimiter({ limit: 3, windowMs: 1000 });
    for (let i = 0; i < 2; i++) l.fail('a', 100);
    assert.equal(l.blocked('a', 200).blocked, false);
    l.fail('a', 300);
    assert.deepEqual(l.blocked('a', 400), { blocked: true, first: true, retryAfterMs: 700 });
    assert.equal(l.blocked('a', 500).first, false, 'one log line per window');
    assert.equal(l.blocked('b', 500).blocked, false, 'other sources unaffected');
    assert.deepEqual(l.blockedSources(500), [{ ip: 'a', failures: 3, retryAfterMs: 600 }]);
    assert.equal(l.blocked('a', 1100).blocked, false, 'window over');
    assert.equal(l.fail('a', 1100), 1, 'a new window starts from zero');
  });
  it('tracks at most maxSources, the oldest first out', () => {
    const l = new FailureLimiter({ limit: 1, windowMs: 1000, maxSources: 2 });
    l.fail('a', 0); l.fail('b', 0); l.fail('c', 0);
    assert.equal(l.size, 2);
    assert.equal(l.blocked('a', 1).blocked, false);
    assert.equal(l.blocked('c', 1).blocked, true);
  });
});

// The fetch log ring: bounded, newest first, filters, counters.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createFetchLog, type FetchEntry } from './fetch-log.ts';

const e = (i: number, extra: Partial<FetchEntry> = {}): FetchEntry =>
  ({ at: new Date(i * 1000).toISOString(), ip: `10.0.0.${i % 3}`, transport: 'http', path: `f${i}`, status: 200, outcome: 'served', ...extra });

describe('fetch log', () => {
  it('keeps the newest `capacity` entries, newest first, and counts every outcome', () => {
    const l = createFetchLog(3);
    for (let i = 1; i <= 5; i++) l.record(e(i, i === 4 ? { outcome: 'bad-credentials', status: 401 } : {}));
    assert.equal(l.size, 3);
    assert.deepEqual(l.recent().map((x) => x.path), ['f5', 'f4', 'f3']);
    assert.equal(l.counts().served, 4);
    assert.equal(l.counts()['bad-credentials'], 1);
  });
  it('filters by ip, mac, outcome and failures, and honours the limit', () => {
    const l = createFetchLog(100);
    for (let i = 1; i <= 9; i++) l.record(e(i, { mac: i % 2 ? 'aa' : 'bb', ...(i > 6 ? { outcome: 'unknown-mac', status: 404 } : {}) }));
    assert.deepEqual(l.recent({ ip: '10.0.0.1' }).map((x) => x.path), ['f7', 'f4', 'f1']);
    assert.deepEqual(l.recent({ mac: 'bb', limit: 2 }).map((x) => x.path), ['f8', 'f6']);
    assert.deepEqual(l.recent({ failuresOnly: true }).map((x) => x.outcome), ['unknown-mac', 'unknown-mac', 'unknown-mac']);
    assert.equal(l.recent({ outcome: 'served' }).length, 6);
  });
});

// The bounded ring behind the fetch log and the unresolved-request log.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRing } from './ring.ts';
import { createUnresolvedLog, type UnresolvedRequest } from './unresolved.ts';

describe('ring', () => {
  it('keeps the last `capacity` items, newest first', () => {
    const r = createRing<number>(3);
    assert.deepEqual([...r.newest()], []);
    for (let i = 1; i <= 5; i++) r.push(i);
    assert.equal(r.size, 3);
    assert.equal(r.capacity, 3);
    assert.deepEqual([...r.newest()], [5, 4, 3]);
  });

  it('holds at least one item, whatever capacity is asked', () => {
    for (const cap of [0, -4, 0.5]) {
      const r = createRing<string>(cap);
      r.push('a');
      r.push('b');
      assert.equal(r.capacity, 1);
      assert.deepEqual([...r.newest()], ['b']);
    }
  });
});

describe('unresolved log', () => {
  const req = (i: number): UnresolvedRequest => ({ at: new Date(i * 1000).toISOString(), path: `f${i}`, transport: 'tftp', client: '10.0.0.1', reason: 'unknown-file', detail: '' });

  it('answers the newest requests up to the limit (the capacity by default)', () => {
    const l = createUnresolvedLog(3);
    for (let i = 1; i <= 4; i++) l.record(req(i));
    assert.equal(l.size, 3);
    assert.deepEqual(l.recent().map((x) => x.path), ['f4', 'f3', 'f2']);
    assert.deepEqual(l.recent(2).map((x) => x.path), ['f4', 'f3']);
    assert.deepEqual(l.recent(0), []);
  });
});

// Transfer ports: openTid never hands out a port one of our transfers holds, although the
// kernel does so for SO_REUSEADDR autobinds (about 1 clash per 20 binds at 3000 open here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTid, type TidSockets } from './tid.ts';

test('600 transfers open at once get 600 distinct ports; a released port may be drawn again', async () => {
  const tids: TidSockets[] = [];
  try {
    for (let i = 0; i < 600; i++) tids.push(await openTid('127.0.0.1', { address: '127.0.0.1', port: 40_000 + (i % 1000) }));
    assert.equal(new Set(tids.map((t) => t.port)).size, tids.length, 'no two transfers share a port');
  } finally {
    for (const t of tids) {
      t.release();
      t.data.close();
      t.guard.close();
    }
  }
});

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { FileBody, chunkBytes } from './body.ts';

const dir = mkdtempSync(join(tmpdir(), 'tftp-body-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('chunks are whole blocks covering a window, within bounds', () => {
  assert.equal(chunkBytes(512, 1), 128 * 1024);
  assert.equal(chunkBytes(1428, 16) % 1428, 0);
  assert.equal(chunkBytes(65464, 64), Math.floor((1024 * 1024) / 65464) * 65464);
});

test('reads on demand, then the next chunk ahead of need', async () => {
  const data = randomBytes(300_000);
  const path = join(dir, 'a.bin');
  writeFileSync(path, data);
  const b = await FileBody.open(path, data.length, 1000);
  assert.equal(b.view(0, 10), null, 'nothing before the first load');
  await b.load(0);
  assert.deepEqual(b.view(0, 10), data.subarray(0, 10));
  // The read-ahead is a real disk read: give it wall-clock time, not a number of ticks.
  for (const end = Date.now() + 5000; b.view(1000, 500) === null && Date.now() < end;) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(b.view(1000, 500), data.subarray(1000, 1500), 'read ahead without load()');
  assert.equal(b.view(500, 1000), null, 'a block across chunks is never sliced wrongly');
  await b.load(299_000);
  assert.deepEqual(b.view(299_000, 1000), data.subarray(299_000));
  assert.equal(b.view(300_000, 0)?.length, 0, 'the empty last block needs no read');
  b.close();
  await assert.rejects(b.load(0), /closed/);
});

test('a file that shrank since it was sized fails the read instead of sending other bytes', async () => {
  const path = join(dir, 'b.bin');
  writeFileSync(path, randomBytes(5000));
  const b = await FileBody.open(path, 5000, 4096);
  truncateSync(path, 4500);
  await b.load(0);
  await assert.rejects(b.load(4096), /short read/);
  b.close();
});

// ports.ts and tmp.ts: plain helpers, no root needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { freePort, freePorts } from './ports.ts';
import { createTmpDir, tmpDir } from './tmp.ts';

test('freePorts gives distinct loopback ports that can be bound right after', async () => {
  const ports = await freePorts(20);
  assert.equal(new Set(ports).size, 20);
  for (const p of ports) assert.ok(p > 0 && p < 65536);
  const p = await freePort();
  const srv = createServer();
  await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(p, '127.0.0.1', resolve); });
  await new Promise<void>((resolve) => srv.close(() => resolve()));
});

test("freePort({ proto: 'both' }) is free for TCP and UDP", async () => {
  const p = await freePort({ proto: 'both' });
  const srv = createServer();
  await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(p, '127.0.0.1', resolve); });
  const sock = createSocket('udp4');
  await new Promise<void>((resolve, reject) => { sock.once('error', reject); sock.bind(p, '127.0.0.1', resolve); });
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  assert.ok((await freePort({ proto: 'udp' })) > 0);
  await assert.rejects(freePorts(0), RangeError);
});

test('tmp dirs are removed by cleanup (idempotent) and by t.after', async (t) => {
  const d = await createTmpDir('pbx-tmp-');
  await writeFile(d.join('x'), 'x');
  assert.ok(existsSync(d.join('x')));
  await d.cleanup();
  await d.cleanup();
  assert.equal(existsSync(d.path), false);
  let path = '';
  await t.test('inner', async (tt) => {
    const inner = await tmpDir(tt, 'pbx-tmp-');
    path = inner.path;
    assert.ok(existsSync(path));
  });
  assert.equal(existsSync(path), false, 'removed when the inner test ended');
});

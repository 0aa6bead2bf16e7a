// The real daemon serving real clients: curl (HTTP and tftp://), atftp (blksize, windowsize)
// and tftp-hpa fetch rendered files; refusals carry their reason to the admin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlClient } from '../../agent/control/client.ts';
import { freePort } from '../lab/ports.ts';
import { requireTools } from '../lab/preflight.ts';
import { run, startAgent, type Agent } from './agent.ts';

let agent: Agent;
let client: ControlClient;
let tftpPort: number;
let httpPort: number;
const MAC = '00:15:65:AA:BB:CC';
const mac = '001565aabbcc';

before(async () => {
  requireTools(['curl', 'atftp', 'tftp']);
  tftpPort = await freePort({ proto: 'udp' });
  httpPort = await freePort({ proto: 'tcp' });
  agent = await startAgent({
    config: {
      pbx: { address: '127.0.0.1' },
      tftp: { enabled: true, address: '127.0.0.1', port: tftpPort },
      http: { enabled: true, address: '127.0.0.1', port: httpPort },
    },
  });
  client = new ControlClient(agent.socket);
  await client.call('account.add', { username: '201', password: 's3cret&<x>', displayName: 'Reception & Desk', extension: '201' });
  await client.call('device.add', { mac: MAC, model: 'Yealink/T4x-T5x', account: '201' });
});

after(async () => {
  await agent?.stop();
  agent?.cleanup();
});

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const tmp = () => join(agent.dir, `out-${randomBytes(4).toString('hex')}`);

test('HTTP: the rendered file, its ETag answered with 304, HEAD without body', async () => {
  const url = `http://127.0.0.1:${httpPort}/provisioning/${mac}.cfg`;
  const r = await run('curl', ['-sS', '-D', '-', url]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^HTTP\/1\.1 200/);
  assert.match(r.stdout, /account\.1\.user_name = 201/);
  assert.match(r.stdout, /account\.1\.password = s3cret&<x>/);
  assert.match(r.stdout, /account\.1\.display_name = Reception & Desk/);
  const etag = /etag: (".*")/i.exec(r.stdout)![1]!;
  const cond = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', `If-None-Match: ${etag}`, url]);
  assert.equal(cond.stdout, '304');
  const upper = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${httpPort}/provisioning/${mac.toUpperCase()}.CFG`]);
  assert.equal(upper.stdout, '200', 'file names resolve case-insensitively');
});

test('TFTP: curl, atftp (blksize 1428 + windowsize 16) and tftp-hpa get the same bytes as HTTP', async () => {
  const http = await run('curl', ['-sS', `http://127.0.0.1:${httpPort}/provisioning/${mac}.cfg`]);
  const want = sha(http.stdout);
  const viaCurl = await run('curl', ['-sS', `tftp://127.0.0.1:${tftpPort}/${mac}.cfg`]);
  assert.equal(viaCurl.code, 0, viaCurl.stderr);
  assert.equal(sha(viaCurl.stdout), want);
  const o1 = tmp();
  const a = await run('atftp', ['--option', 'blksize 1428', '--option', 'windowsize 16', '--option', 'tsize 0', '-g', '-r', `${mac}.cfg`, '-l', o1, '127.0.0.1', String(tftpPort)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(sha(readFileSync(o1)), want);
  const o2 = tmp();
  const h = await run('tftp', ['127.0.0.1', String(tftpPort), '-m', 'binary', '-c', 'get', `${mac}.cfg`, o2]);
  assert.equal(h.code, 0, h.stderr);
  assert.equal(sha(readFileSync(o2)), want);
  const common = await run('curl', ['-sS', `tftp://127.0.0.1:${tftpPort}/y000000000000.cfg`]);
  assert.equal(common.code, 0);
  assert.match(common.stdout, /^#!version:1\.0\.0\.1/);
});

test('static assets: a 2 MiB firmware over TFTP and HTTP, byte-exact; traversal refused', async () => {
  const assets = join(agent.dir, 'state', 'assets', 'firmware');
  mkdirSync(assets, { recursive: true });
  const fw = randomBytes(2 * 1024 * 1024 + 17);
  writeFileSync(join(assets, 'T46U-108.86.0.40.rom'), fw);
  const o = tmp();
  const t = await run('curl', ['-sS', '--tftp-blksize', '1428', '-o', o, `tftp://127.0.0.1:${tftpPort}/firmware/T46U-108.86.0.40.rom`]);
  assert.equal(t.code, 0, t.stderr);
  assert.equal(sha(readFileSync(o)), sha(fw));
  const h = await run('curl', ['-sS', '-o', o, '-w', '%{http_code} %{content_type}', `http://127.0.0.1:${httpPort}/provisioning/firmware/T46U-108.86.0.40.rom`]);
  assert.equal(h.stdout, '200 application/octet-stream');
  assert.equal(sha(readFileSync(o)), sha(fw));
  const trav = await run('curl', ['-sS', `tftp://127.0.0.1:${tftpPort}/../../../../etc/passwd`]);
  assert.notEqual(trav.code, 0);
  assert.doesNotMatch(trav.stdout, /root:/);
  const travHttp = await run('curl', ['-sS', '--path-as-is', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${httpPort}/provisioning/../../etc/passwd`]);
  assert.match(travHttp.stdout, /^(400|404)$/);
});

test('refusals: unknown MAC, device without account, disabled device — 404 to the phone, the reason to the admin', async () => {
  await client.call('device.add', { mac: '00:15:65:00:00:02', model: 'Yealink/T4x-T5x' });
  await client.call('account.add', { username: '202', password: 'pw202' });
  await client.call('device.add', { mac: '00:15:65:00:00:03', model: 'Yealink/T4x-T5x', account: '202', enabled: false });
  for (const [m, reason] of [['001565000001', 'unknown-mac'], ['001565000002', 'no-account'], ['001565000003', 'disabled-device']] as const) {
    const h = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${httpPort}/provisioning/${m}.cfg`]);
    assert.equal(h.stdout, '404', m);
    const t = await run('curl', ['-sS', `tftp://127.0.0.1:${tftpPort}/${m}.cfg`]);
    assert.equal(t.code, 68, `${m}: curl tftp says file not found`);
    const seen = await client.call<{ path: string; reason: string }[]>('provisioning.unresolved', { limit: 50 });
    assert.ok(seen.some((u) => u.path.toLowerCase() === `${m}.cfg` && u.reason === reason), `${m}: ${reason} visible to the admin`);
  }
  const log = agent.logs.filter((l) => /not served|not found/i.test(String(l.msg)));
  assert.ok(log.length > 0, 'refusals are logged');
  assert.ok(!JSON.stringify(agent.logs).includes('s3cret'), 'no secret in the logs');
});

test('multi-tenant: files live under <tenant_uuid>/ over TFTP and /provisioning/<tenant_uuid>/ over HTTP', async () => {
  const tp = await freePort({ proto: 'udp' });
  const hp = await freePort({ proto: 'tcp' });
  const mt = await startAgent({
    config: {
      pbx: { address: '127.0.0.1' }, provisioning: { multiTenant: true },
      tftp: { enabled: true, address: '127.0.0.1', port: tp }, http: { enabled: true, address: '127.0.0.1', port: hp },
    },
  });
  try {
    const c = new ControlClient(mt.socket);
    const t = await c.call<{ uuid: string }>('tenant.add', { name: 'Acme' });
    await c.call('account.add', { username: '301', password: 'pw', tenant: t.uuid });
    await c.call('device.add', { mac: '00:04:13:11:22:33', model: 'Snom/D7xx', account: '301', tenant: t.uuid });
    const h = await run('curl', ['-sS', '-w', '\n%{http_code}', `http://127.0.0.1:${hp}/provisioning/${t.uuid}/000413112233.xml`]);
    assert.match(h.stdout, /200$/);
    assert.match(h.stdout, /<settings>/);
    const tf = await run('curl', ['-sS', `tftp://127.0.0.1:${tp}/${t.uuid}/000413112233.xml`]);
    assert.equal(tf.code, 0, tf.stderr);
    assert.equal(sha(tf.stdout + '\n200'), sha(h.stdout));
    const root = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${hp}/provisioning/000413112233.xml`]);
    assert.equal(root.stdout, '404', 'no tenant in the path: not served');
  } finally {
    await mt.stop();
    mt.cleanup();
  }
});

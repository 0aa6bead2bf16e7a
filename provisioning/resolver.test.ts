import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileResult, NotServedReason } from './file-source.ts';
import { ACTOR, fixture, type Fixture } from './testing/fixture.ts';

const MAC = '001565aabbcc';

function notServed(r: FileResult, reason: NotServedReason, detail?: RegExp): void {
  assert.equal(r.ok, false, `expected ${reason}, got a file`);
  if (r.ok) return;
  assert.equal(r.reason, reason, r.detail);
  if (detail) assert.match(r.detail, detail);
}

function yealink(f: Fixture, mac = MAC, extra: Record<string, unknown> = {}): void {
  const a = f.s.addAccount(ACTOR, { username: `u${mac}`, password: 'pw', displayName: 'Mario Rossi' });
  f.s.addDevice(ACTOR, { mac, model: 'Yealink/T4x-T5x', account: a.id, ...extra });
}

test('a device file is rendered on request, matched ignoring case, with etag and last-modified', async () => {
  const f = fixture();
  yealink(f);
  for (const name of ['001565aabbcc.cfg', '001565AABBCC.CFG', '001565AaBbCc.cfg']) {
    const r = await f.get(name, 'tftp');
    assert.ok(r.ok, name);
    if (!r.ok) continue;
    assert.deepEqual(r.origin, { kind: 'device', mac: MAC, rule: 'mac.cfg' });
    assert.equal(r.contentType, 'text/plain');
    assert.match(r.etag, /^"[A-Za-z0-9_-]{27}"$/);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.body.kind, 'buffer');
  }
  const text = await f.text('001565aabbcc.cfg');
  assert.match(text, /^#!version:1\.0\.0\.1\n/);
  assert.match(text, /account\.1\.user_name = u001565aabbcc/);
  assert.match(text, /account\.1\.display_name = Mario Rossi/);
});

test('etag follows the bytes; last-modified is the newest change among what the file is built from', async () => {
  let now = new Date('2026-03-02T09:00:00Z');
  const f = fixture({ now: () => now });
  yealink(f);
  const a = await f.get('001565aabbcc.cfg');
  const b = await f.get('001565aabbcc.cfg');
  assert.ok(a.ok && b.ok);
  if (!a.ok || !b.ok) return;
  assert.equal(a.etag, b.etag);
  assert.equal(a.lastModified.toISOString(), '2026-03-02T09:00:00.000Z');
  now = new Date('2026-03-05T12:34:56.789Z');
  f.s.updateAccount(ACTOR, `u${MAC}`, { displayName: 'Luigi Verdi' });
  const c = await f.get('001565aabbcc.cfg');
  assert.ok(c.ok);
  if (!c.ok) return;
  assert.notEqual(c.etag, a.etag);
  assert.equal(c.lastModified.toISOString(), '2026-03-05T12:34:56.000Z');
});

test('common files render without a device', async () => {
  const f = fixture();
  const r = await f.get('Y000000000000.cfg');
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(r.origin, { kind: 'common', rule: 'y000000000000.cfg' });
  const text = await f.text('y000000000000.cfg');
  assert.match(text, /local_time\.ntp_server1 = 192\.0\.2\.1/);
  assert.match(text, /local_time\.time_zone = \+1/);
  assert.match(text, /local_time\.time_zone_name = Italy\(Rome\)/);
  assert.match(await f.text('000000000000.cfg'), /CONFIG_FILES="\[PHONE_MAC_ADDRESS\]-reg\.cfg"/);
});

test('each reason a file is not served, with a detail line', async () => {
  const f = fixture();
  notServed(await f.get('../etc/passwd'), 'bad-name', /climbs/);
  notServed(await f.get('nothing-like-this.bin'), 'unknown-file', /no file-name rule or asset/);
  notServed(await f.get('0015650000ff.cfg'), 'unknown-mac', /no device with MAC 0015650000ff/);

  const acc = f.s.addAccount(ACTOR, { username: '300', password: 'x' });
  f.s.addDevice(ACTOR, { mac: '001565000001', model: 'Yealink/T4x-T5x' });
  notServed(await f.get('001565000001.cfg'), 'no-account', /no linked account/);

  f.s.addDevice(ACTOR, { mac: '001565000002', model: 'Yealink/T4x-T5x', account: acc.id, enabled: false });
  notServed(await f.get('001565000002.cfg'), 'disabled-device', /001565000002 is disabled/);

  f.s.addModel(ACTOR, { brand: 'Acme', name: 'A1' });
  f.s.addRule(ACTOR, { model: 'Acme/A1', name: 'acme', prefix: 'acme-', macFormat: 'lower', suffix: '.cfg' });
  f.s.addDevice(ACTOR, { mac: '001565000003', model: 'Acme/A1', account: acc.id });
  notServed(await f.get('acme-001565000003.cfg'), 'no-template', /no default template/);

  // A Yealink device asked for by a Grandstream name: the device exists, its model has no such rule.
  notServed(await f.get('cfg001565000002.xml'), 'unknown-file', /Yealink\/T4x-T5x, which has no file rule/);
});

test('a rendering failure is render-error, not a crash', async () => {
  const f = fixture({ facts: { ipv4Of: () => { throw new Error('netlink exploded'); } } });
  f.s.addPlaceholder(ACTOR, { name: '_LANIP', kind: 'dynamic', value: 'iface:eth0' });
  f.s.addModel(ACTOR, { brand: 'Acme', name: 'A1' });
  const t = f.s.addTemplate(ACTOR, { model: 'Acme/A1', name: 'acme', body: 'ip=%%_LANIP%%\n' });
  f.s.updateModel(ACTOR, 'Acme/A1', { defaultTemplate: t.id });
  f.s.addRule(ACTOR, { model: 'Acme/A1', name: 'acme', prefix: 'acme-', macFormat: 'lower', suffix: '.cfg' });
  const acc = f.s.addAccount(ACTOR, { username: '300' });
  f.s.addDevice(ACTOR, { mac: '001565000003', model: 'Acme/A1', account: acc.id });
  notServed(await f.get('acme-001565000003.cfg'), 'render-error', /netlink exploded/);
});

test('a placeholder that disappeared after the template was saved renders empty with a warning', async () => {
  const f = fixture();
  const p = f.s.addPlaceholder(ACTOR, { name: 'SITE', kind: 'static', value: 'Rome' });
  f.s.addModel(ACTOR, { brand: 'Acme', name: 'A1' });
  const t = f.s.addTemplate(ACTOR, { model: 'Acme/A1', name: 'acme', body: 'site=%%_SITE%%\n' });
  f.s.updateModel(ACTOR, 'Acme/A1', { defaultTemplate: t.id });
  f.s.addRule(ACTOR, { model: 'Acme/A1', name: 'acme', prefix: 'acme-', macFormat: 'lower', suffix: '.cfg' });
  const acc = f.s.addAccount(ACTOR, { username: '300' });
  f.s.addDevice(ACTOR, { mac: '001565000003', model: 'Acme/A1', account: acc.id });
  assert.equal(await f.text('acme-001565000003.cfg'), 'site=Rome\n');
  f.s.removePlaceholder(ACTOR, p.id);
  const r = await f.get('acme-001565000003.cfg');
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.body.kind === 'buffer' && r.body.data.toString(), 'site=\n');
  assert.deepEqual(r.warnings, ['unknown placeholder %%_SITE%% at line 1 rendered empty']);
});

test('dynamic placeholders read the node\'s interfaces through the injected facts; device values override global ones', async () => {
  const f = fixture();
  f.s.addPlaceholder(ACTOR, { name: '_VLANIP', kind: 'dynamic', value: 'iface:eth0.100' });
  f.s.addPlaceholder(ACTOR, { name: '_GONE', kind: 'dynamic', value: 'iface:eth9' });
  f.s.addPlaceholder(ACTOR, { name: '_SITE', kind: 'static', value: 'global' });
  f.s.addModel(ACTOR, { brand: 'Acme', name: 'A1' });
  const t = f.s.addTemplate(ACTOR, { model: 'Acme/A1', name: 'acme', body: 'vlan=%%_VLANIP%% gone=%%_GONE%% site=%%_SITE%%\n' });
  f.s.updateModel(ACTOR, 'Acme/A1', { defaultTemplate: t.id });
  f.s.addRule(ACTOR, { model: 'Acme/A1', name: 'acme', prefix: 'acme-', macFormat: 'lower', suffix: '.cfg' });
  const acc = f.s.addAccount(ACTOR, { username: '300' });
  f.s.addDevice(ACTOR, { mac: '001565000003', model: 'Acme/A1', account: acc.id });
  f.s.addDevice(ACTOR, { mac: '001565000004', model: 'Acme/A1', account: acc.id });
  f.s.addPlaceholder(ACTOR, { name: '_SITE', kind: 'static', value: 'mine', device: '001565000004' });
  const r = await f.get('acme-001565000003.cfg');
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.body.kind === 'buffer' && r.body.data.toString(), 'vlan=10.100.0.1 gone= site=global\n');
  assert.match(r.warnings.join('\n'), /_GONE.*iface:eth9.*no IPv4 address/);
  assert.equal(await f.text('acme-001565000004.cfg'), 'vlan=10.100.0.1 gone= site=mine\n');
});

test('the same file name resolves by the device\'s model (Yealink and Fanvil both use <mac>.cfg)', async () => {
  const f = fixture();
  yealink(f, '001565000010');
  const acc = f.s.addAccount(ACTOR, { username: '400', password: 'pw' });
  f.s.addDevice(ACTOR, { mac: '0c383e000010', model: 'Fanvil/X-series', account: acc.id });
  assert.match(await f.text('001565000010.cfg'), /^#!version:1\.0\.0\.1/);
  assert.match(await f.text('0c383e000010.cfg'), /^<<VOIP CONFIG FILE>>Version:2\.0002/);
  assert.match(await f.text('0C383E000010.CFG'), /SIP1 Register User      :400/);
});

test('multi-tenant: <tenant>/<file>; root and unknown tenants are unknown-tenant; devices are looked up within the tenant', async () => {
  const f = fixture({ multiTenant: true });
  const t1 = f.s.addTenant(ACTOR, { name: 'Acme', uuid: '3f2b8c1e-9a4d-4c6b-8e2f-0a1b2c3d4e5f' }).uuid;
  const t2 = f.s.addTenant(ACTOR, { name: 'Other' }).uuid;
  const acc = f.s.addAccount(ACTOR, { tenant: t1, username: '201', password: 'pw' });
  f.s.addDevice(ACTOR, { tenant: t1, mac: MAC, model: 'Yealink/T4x-T5x', account: acc.id });

  const r = await f.get(`${t1}/001565AABBCC.cfg`);
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual(r.origin, { kind: 'device', mac: MAC, rule: 'mac.cfg', tenant: t1 });
  assert.match(await f.text(`${t1.toUpperCase()}/snomD735.htm`), new RegExp(`url="http://192\\.0\\.2\\.1/provisioning/${t1}/\\{mac\\}\\.xml"`));
  notServed(await f.get('001565aabbcc.cfg'), 'unknown-tenant', /not a tenant UUID/);
  notServed(await f.get('y000000000000.cfg'), 'unknown-tenant');
  notServed(await f.get('00000000-0000-4000-8000-000000000000/001565aabbcc.cfg'), 'unknown-tenant');
  notServed(await f.get(`${t2}/001565aabbcc.cfg`), 'unknown-mac', new RegExp(`in tenant ${t2}`));
  notServed(await f.get(t1), 'unknown-file', /no file name after tenant/);
  notServed(await f.get(`${t1}/../${t2}/001565aabbcc.cfg`), 'bad-name');
});

test('single-tenant: a path with folders is only ever an asset', async () => {
  const f = fixture();
  yealink(f);
  notServed(await f.get('sub/001565aabbcc.cfg'), 'unknown-file', /only assets live in folders/);
});

test('assets: served from the folder as files; traversal and symlink escapes are refused', async () => {
  const base = mkdtempSync(join(tmpdir(), 'pbx-prov-'));
  const root = join(base, 'assets');
  mkdirSync(join(root, 'firmware'), { recursive: true });
  writeFileSync(join(root, 'firmware', 'T46S-66.86.0.15.rom'), Buffer.alloc(1000, 7));
  writeFileSync(join(root, 'logo.png'), 'PNG');
  writeFileSync(join(base, 'passwd'), 'root:x:0:0');
  symlinkSync(join(base, 'passwd'), join(root, 'passwd'));
  const f = fixture({ assetsDir: root });
  const r = await f.get('firmware/T46S-66.86.0.15.rom');
  assert.ok(r.ok);
  if (r.ok) {
    assert.deepEqual(r.body, { kind: 'file', path: join(root, 'firmware', 'T46S-66.86.0.15.rom'), size: 1000 });
    assert.equal(r.contentType, 'application/octet-stream');
    assert.deepEqual(r.origin, { kind: 'asset' });
    assert.match(r.etag, /^"3e8-[0-9a-f]+"$/);
  }
  const logo = await f.get('logo.png');
  assert.ok(logo.ok && logo.contentType === 'image/png');
  notServed(await f.get('passwd'), 'bad-name', /outside the assets folder/);
  notServed(await f.get('../passwd'), 'bad-name', /climbs/);
  notServed(await f.get('firmware/../../passwd'), 'bad-name', /climbs/);
  notServed(await f.get('/etc/passwd'), 'bad-name', /absolute/);
  notServed(await f.get('..\\passwd'), 'bad-name', /backslash/);
  notServed(await f.get('firmware/x.rom\0.png'), 'bad-name', /NUL/);
  // What an HTTP server hands over after decoding %2e%2e%2f...: refused as traversal.
  notServed(await f.get(decodeURIComponent('%2e%2e%2fpasswd')), 'bad-name', /climbs/);
  // A double-encoded name arrives with a literal '%': refused, never decoded again.
  notServed(await f.get('%2e%2e%2fpasswd'), 'bad-name', /character outside/);
  notServed(await f.get('firmware/missing.rom'), 'unknown-file');
});

test('multi-tenant assets: the tenant\'s own folder first, then the shared one', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pbx-prov-mt-'));
  const tenant = '3f2b8c1e-9a4d-4c6b-8e2f-0a1b2c3d4e5f';
  mkdirSync(join(root, tenant), { recursive: true });
  writeFileSync(join(root, tenant, 'logo.png'), 'TENANT');
  writeFileSync(join(root, 'logo.png'), 'SHARED!!');
  writeFileSync(join(root, 'ring.wav'), 'RIFF');
  const f = fixture({ multiTenant: true, assetsDir: root });
  f.s.addTenant(ACTOR, { uuid: tenant, name: 'T' });
  const own = await f.get(`${tenant}/logo.png`);
  assert.ok(own.ok && own.body.kind === 'file' && own.body.size === 6);
  const shared = await f.get(`${tenant}/ring.wav`);
  assert.ok(shared.ok && shared.body.kind === 'file' && shared.body.size === 4);
  notServed(await f.get('logo.png'), 'unknown-tenant');
});

test('the last unresolved requests are kept for the admin, newest first, bounded', async () => {
  const f = fixture();
  for (let i = 0; i < 205; i++) await f.get(`missing-${i}.bin`, 'tftp');
  await f.get('0015650000ff.cfg', 'http', 'Yealink SIP-T46S 66.86.0.15 00:15:65:00:00:ff');
  const recent = f.prov.unresolved(3);
  assert.equal(recent.length, 3);
  assert.deepEqual(recent[0], {
    at: '2026-03-02T09:00:00.000Z', path: '0015650000ff.cfg', transport: 'http', client: '192.0.2.50',
    userAgent: 'Yealink SIP-T46S 66.86.0.15 00:15:65:00:00:ff', reason: 'unknown-mac',
    detail: "no device with MAC 0015650000ff (file '0015650000ff.cfg')",
  });
  assert.equal(recent[1]!.path, 'missing-204.bin');
  assert.equal(f.prov.unresolved().length, 200);
});

test('a served device file records when the device was last seen', async () => {
  const f = fixture();
  yealink(f);
  assert.equal(f.s.showDevice(MAC).lastSeen, undefined);
  await f.get('001565aabbcc.cfg', 'tftp');
  assert.deepEqual(f.s.showDevice(MAC).lastSeen, { at: '2026-03-02T09:00:00.000Z', file: '001565aabbcc.cfg', transport: 'tftp', ip: '192.0.2.50' });
});

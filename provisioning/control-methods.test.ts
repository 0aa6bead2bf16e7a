import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, TemplateError } from '../agent/errors.ts';
import { provisioningMethods } from './control-methods.ts';
import { MASK } from './placeholders.ts';
import { ACTOR, fixture } from './testing/fixture.ts';

function setup(opts: Parameters<typeof fixture>[0] = {}) {
  const f = fixture(opts);
  const m = provisioningMethods(f.prov);
  const call = async (method: string, params: Record<string, unknown> = {}): Promise<any> => {
    const fn = m[method];
    assert.ok(fn, `no method ${method}`);
    return fn(params, { actor: ACTOR });
  };
  return { ...f, m, call };
}

test('the method table covers every entity', () => {
  const { m } = setup();
  for (const entity of ['device', 'account', 'template', 'model', 'rule', 'placeholder', 'brand', 'tenant']) {
    for (const verb of ['add', 'list', 'update', 'remove']) assert.ok(m[`${entity}.${verb}`], `${entity}.${verb}`);
  }
  for (const name of ['device.show', 'device.preview', 'template.check', 'template.copy', 'placeholder.catalogue', 'provisioning.unresolved']) assert.ok(m[name], name);
});

test('params are untrusted: unknown names, wrong types and missing values are refused naming the param', async () => {
  const { call } = setup();
  const rejects = (method: string, params: Record<string, unknown>, field: string) =>
    assert.rejects(call(method, params), (e: unknown) => e instanceof InvalidArgumentError && e.message.startsWith(`${field}: `));
  await rejects('device.add', { mac: '001565000001', model: 'Yealink/T4x-T5x', pasword: 'typo' }, 'pasword');
  await rejects('device.add', { mac: '001565000001' }, 'model');
  await rejects('device.add', { mac: 42, model: 'Yealink/T4x-T5x' }, 'mac');
  await rejects('device.add', { mac: '001565000001', model: 'Yealink/T4x-T5x', dhcp: 'maybe' }, 'dhcp');
  await rejects('device.add', { mac: '001565000001', model: 'Yealink/T4x-T5x', remotePort: 'http' }, 'remotePort');
  await rejects('device.add', { mac: '001565000001', model: { id: 1 } }, 'model');
  await rejects('account.add', {}, 'username');
  await rejects('template.add', { model: 'Yealink/T4x-T5x', name: 'x' }, 'body');
  await rejects('template.add', { model: 'Yealink/T4x-T5x', name: 'x', body: 'a', format: 'yaml' }, 'format');
  await rejects('rule.show', { id: 'abc' }, 'id');
  await rejects('provisioning.unresolved', { limit: 0 }, 'limit');
});

test('a device lifecycle through the API, with masking and the preview', async () => {
  const { call, get } = setup();
  const a = await call('account.add', { username: '201', password: 'sip-pw', displayName: 'Mario & Co' });
  assert.equal(a.password, MASK);
  const d = await call('device.add', {
    mac: '00-BB-CC-00-00-01', brand: 'Yealink', model: 'T4x-T5x', account: '201', dhcp: 'off',
    ip: '192.0.2.20', netmask: '255.255.255.0', gateway: '192.0.2.1', phonePassword: 'adm-pw', remotePort: '80',
  });
  assert.equal(d.mac, '00bbcc000001');
  assert.equal(d.phonePassword, MASK);
  assert.equal(d.remotePort, 80);
  assert.deepEqual(d.files, ['00bbcc000001.cfg', 'y000000000000.cfg']);
  assert.equal((await call('device.show', { mac: '00:BB:CC:00:00:01', showSecrets: true })).phonePassword, 'adm-pw');

  const p = await call('device.preview', { mac: '00bbcc000001', httpBaseUrl: 'https://pbx.example.com/provisioning' });
  assert.equal(p.served, true);
  assert.deepEqual(p.files.map((x: any) => x.name), ['00bbcc000001.cfg', 'y000000000000.cfg']);
  const file = p.files[0];
  assert.equal(file.urls.http, 'https://pbx.example.com/provisioning/00bbcc000001.cfg');
  assert.equal(file.urls.tftp, 'tftp://192.0.2.1/00bbcc000001.cfg');
  assert.match(file.content, new RegExp(`account\\.1\\.password = ${MASK.replace(/\*/g, '\\*')}`));
  assert.doesNotMatch(file.content, /sip-pw|adm-pw/);
  const served = await get('00bbcc000001.cfg');
  assert.ok(served.ok && served.body.kind === 'buffer');
  if (served.ok && served.body.kind === 'buffer') {
    assert.equal(file.size, served.body.data.length, 'size and etag are those of the real file');
    assert.equal(file.etag, served.etag);
    assert.match(served.body.data.toString(), /account\.1\.password = sip-pw/);
  }
  const shown = await call('device.preview', { mac: '00bbcc000001', showSecrets: true });
  assert.match(shown.files[0].content, /account\.1\.password = sip-pw/);

  const upd = await call('device.update', { mac: '00bbcc000001', template: null, enabled: false, notes: 'desk 4' });
  assert.equal(upd.enabled, false);
  assert.equal(upd.notes, 'desk 4');
  assert.equal((await call('device.preview', { mac: '00bbcc000001' })).reason, 'disabled-device');
  assert.deepEqual(await call('device.remove', { mac: '00bbcc000001' }), { removed: '00bbcc000001' });
});

test('preview and template.check are strict: an unknown placeholder is a TemplateError', async () => {
  const { call } = setup();
  await call('placeholder.add', { name: 'site', value: 'Rome' });
  await call('model.add', { brand: 'Acme', name: 'A1' });
  await call('template.add', { model: 'Acme/A1', name: 'acme', body: 'site=%%_SITE%%\n' });
  await call('model.update', { model: 'Acme/A1', defaultTemplate: 'acme' });
  await call('rule.add', { model: 'Acme/A1', name: 'r', prefix: 'acme-', macFormat: 'lower', suffix: '.cfg' });
  await call('account.add', { username: '300' });
  await call('device.add', { mac: '001565000009', model: 'Acme/A1', account: '300' });
  assert.equal((await call('device.preview', { mac: '001565000009' })).files[0].content, 'site=Rome\n');
  await call('placeholder.remove', { name: '_SITE' });
  await assert.rejects(call('device.preview', { mac: '001565000009' }), (e: unknown) => e instanceof TemplateError && /%%_SITE%% at line 1/.test(e.message));
  await assert.rejects(call('template.check', { template: 'acme' }), TemplateError);
  assert.deepEqual(await call('template.check', { body: '%%MAC%%' }), { ok: true, scope: 'device', placeholders: ['MAC'] });
});

test('provisioning.unresolved shows why recent requests were not served', async () => {
  const { call, get } = setup();
  await get('0015650000aa.cfg', 'tftp');
  await get('../../etc/shadow', 'tftp');
  const recent = await call('provisioning.unresolved', { limit: 10 });
  assert.deepEqual(recent.map((r: any) => r.reason), ['bad-name', 'unknown-mac']);
});

test('multi-tenant through the API: tenant params are required and checked', async () => {
  const { call, get } = setup({ multiTenant: true });
  const t = await call('tenant.add', { name: 'Acme' });
  await assert.rejects(call('account.add', { username: '201' }), (e: unknown) => e instanceof InvalidArgumentError && /^tenant: /.test(e.message));
  await call('account.add', { tenant: t.uuid, username: '201', password: 'x' });
  await call('device.add', { tenant: t.uuid, mac: '001565000001', model: 'Yealink/T4x-T5x', account: '201' });
  const p = await call('device.preview', { mac: '001565000001' });
  assert.equal(p.files[0].urls.http, `http://192.0.2.1/provisioning/${t.uuid}/001565000001.cfg`);
  assert.ok((await get(`${t.uuid}/001565000001.cfg`)).ok);
  assert.deepEqual((await call('tenant.list')).map((x: any) => [x.name, x.devices, x.accounts]), [['Acme', 1, 1]]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAudit } from '../agent/audit.ts';
import { ConflictError, InvalidArgumentError, NotFoundError, TemplateError } from '../agent/errors.ts';
import { MASK } from './placeholders.ts';
import { ACTOR, fixture } from './testing/fixture.ts';

const invalid = (field: string, re?: RegExp) => (e: unknown) =>
  e instanceof InvalidArgumentError && e.message.startsWith(`${field}: `) && (!re || re.test(e.message));

test('device fields are validated and errors name the field', () => {
  const { s } = fixture();
  const a = s.addAccount(ACTOR, { username: '201' });
  const base = { mac: '001565000001', model: 'Yealink/T4x-T5x', account: a.id };
  assert.throws(() => s.addDevice(ACTOR, { ...base, mac: 'not-a-mac' }), invalid('mac', /not a MAC/));
  assert.throws(() => s.addDevice(ACTOR, { ...base, ip: '300.1.1.1' }), invalid('ip', /IPv4/));
  assert.throws(() => s.addDevice(ACTOR, { ...base, ip: '010.1.1.1' }), invalid('ip'));
  assert.throws(() => s.addDevice(ACTOR, { ...base, netmask: '255.0.255.0' }), invalid('netmask', /contiguous/));
  assert.throws(() => s.addDevice(ACTOR, { ...base, gateway: 'gw' }), invalid('gateway'));
  assert.throws(() => s.addDevice(ACTOR, { ...base, dns1: '1.2.3' }), invalid('dns1'));
  assert.throws(() => s.addDevice(ACTOR, { ...base, dns2: '::1' }), invalid('dns2'));
  assert.throws(() => s.addDevice(ACTOR, { ...base, remoteAddress: 'phone.local' }), invalid('remoteAddress'));
  assert.throws(() => s.addDevice(ACTOR, { ...base, remotePort: 70000 }), invalid('remotePort', /1 to 65535/));
  assert.throws(() => s.addDevice(ACTOR, { ...base, dhcp: false }), invalid('ip', /required when dhcp is off/));
  assert.throws(() => s.addDevice(ACTOR, { ...base, dhcp: false, ip: '192.0.2.10' }), invalid('netmask', /required/));
  assert.throws(() => s.addDevice(ACTOR, { ...base, dhcp: false, ip: '192.0.2.10', netmask: '255.255.255.0', gateway: '198.51.100.1' }), invalid('gateway', /not in the subnet/));
  assert.throws(() => s.addDevice(ACTOR, { ...base, phoneUsername: 'a\nb' }), invalid('phoneUsername'));
  assert.throws(() => s.addDevice(ACTOR, { ...base, template: 'Snom D7xx' }), invalid('template', /belongs to model Snom\/D7xx/));
  assert.throws(() => s.addDevice(ACTOR, { ...base, model: 'Nope/X' }), NotFoundError);
  const d = s.addDevice(ACTOR, { ...base, dhcp: false, ip: '192.0.2.10', netmask: '255.255.255.0', gateway: '192.0.2.1', remotePort: 8080 });
  assert.equal(d.mac, '001565000001');
  assert.deepEqual(d.status, { served: true });
});

test('MACs are stored canonical and are unique on the whole node, across tenants', () => {
  const { s } = fixture({ multiTenant: true });
  const t1 = s.addTenant(ACTOR, { name: 'A' }).uuid;
  const t2 = s.addTenant(ACTOR, { name: 'B' }).uuid;
  const a1 = s.addAccount(ACTOR, { tenant: t1, username: '201' });
  const a2 = s.addAccount(ACTOR, { tenant: t2, username: '201' });
  assert.equal(s.addDevice(ACTOR, { tenant: t1, mac: '00-15-65-AA-BB-CC', model: 'Yealink/T4x-T5x', account: a1.id }).mac, '001565aabbcc');
  assert.throws(() => s.addDevice(ACTOR, { tenant: t2, mac: '001565AABBCC', model: 'Yealink/T4x-T5x', account: a2.id }),
    (e: unknown) => e instanceof ConflictError && /already registered \(tenant/.test(e.message));
  assert.throws(() => s.addDevice(ACTOR, { mac: '001565000009', model: 'Yealink/T4x-T5x' }), invalid('tenant', /required in multi-tenant/));
  assert.throws(() => s.addDevice(ACTOR, { tenant: t2, mac: '001565000009', model: 'Yealink/T4x-T5x', account: a1.id }), invalid('account', /belongs to tenant/));
  assert.throws(() => s.addAccount(ACTOR, { tenant: t1, username: '201' }), ConflictError);
  assert.throws(() => s.addAccount(ACTOR, { tenant: 'nope', username: '202' }), invalid('tenant', /UUID/));
});

test('a device without an account is stored disabled and gets no file', () => {
  const { s } = fixture();
  const d = s.addDevice(ACTOR, { mac: '001565000001', model: 'Yealink/T4x-T5x', enabled: true });
  assert.equal(d.enabled, false);
  assert.match(d.warnings!.join(), /no account is linked/);
  assert.equal(d.status.reason, 'no-account');
  const a = s.addAccount(ACTOR, { username: '201', password: 'pw' });
  const u = s.updateDevice(ACTOR, '00:15:65:00:00:01', { account: a.id, enabled: true });
  assert.deepEqual(u.status, { served: true });
  const r = s.removeAccount(ACTOR, a.id);
  assert.deepEqual(r.disabledDevices, ['001565000001']);
  const after = s.showDevice('001565000001');
  assert.equal(after.enabled, false);
  assert.equal(after.account, null);
});

test('secrets are masked in list and show unless showSecrets', () => {
  const { s } = fixture();
  const a = s.addAccount(ACTOR, { username: '201', password: 'sip-secret' });
  assert.equal(a.password, MASK);
  s.addDevice(ACTOR, { mac: '001565000001', model: 'Yealink/T4x-T5x', account: a.id, phonePassword: 'adm-secret' });
  s.addPlaceholder(ACTOR, { name: 'ldap_pw', kind: 'static', value: 'ldap-secret', secret: true, device: '001565000001' });
  assert.equal(s.listAccounts()[0]!.password, MASK);
  assert.equal(s.showAccount('201', { showSecrets: true }).password, 'sip-secret');
  assert.equal(s.listDevices()[0]!.phonePassword, MASK);
  assert.equal(s.showDevice('001565000001').placeholders![0]!.value, MASK);
  assert.equal(s.showDevice('001565000001', { showSecrets: true }).phonePassword, 'adm-secret');
  assert.equal(s.listPlaceholders({ device: '001565000001' })[0]!.value, MASK);
  assert.equal(s.showPlaceholder('_LDAP_PW', { device: '001565000001', showSecrets: true }).value, 'ldap-secret');
  assert.equal(s.addAccount(ACTOR, { username: '202' }).password, '', 'an empty password shows as empty');
});

test('templates are checked when saved: unknown placeholders are a TemplateError with name and line; scopes matter', () => {
  const { s } = fixture();
  const m = s.addModel(ACTOR, { brand: 'Acme', name: 'A1' });
  assert.throws(() => s.addTemplate(ACTOR, { model: m.id, name: 't', body: 'a=%%MAC%%\nb=%%NOSUCH%%\n' }),
    (e: unknown) => e instanceof TemplateError && /%%NOSUCH%% at line 2/.test(e.message));
  assert.throws(() => s.addTemplate(ACTOR, { model: m.id, name: 't', body: '%%X(bad)%%' }), TemplateError);
  const t = s.addTemplate(ACTOR, { model: m.id, name: 't', body: '<?xml version="1.0"?><a>%%SIPUSERNAME%%</a>' });
  assert.equal(t.format, 'xml');
  assert.deepEqual(t.placeholders, ['SIPUSERNAME']);
  assert.equal(s.addTemplate(ACTOR, { model: m.id, name: 'c', body: 'ntp=%%NTPSERVER%%\n' }).format, 'text');
  // A common file renders without a device: device placeholders are refused for it.
  assert.throws(() => s.addRule(ACTOR, { model: m.id, name: 'common', prefix: 'acme', macFormat: 'none', suffix: '.cfg', template: 't' }),
    (e: unknown) => e instanceof TemplateError && /%%SIPUSERNAME%%/.test(e.message));
  s.addRule(ACTOR, { model: m.id, name: 'common', prefix: 'acme', macFormat: 'none', suffix: '.cfg', template: 'c' });
  assert.throws(() => s.updateTemplate(ACTOR, 'c', { body: 'x=%%MAC%%' }), TemplateError);
  assert.deepEqual(s.checkTemplate({ body: 'x=%%MAC%%' }), { ok: true, scope: 'device', placeholders: ['MAC'] });
  assert.throws(() => s.checkTemplate({ body: 'x=%%MAC%%', scope: 'common' }), TemplateError);
  assert.throws(() => s.checkTemplate({ template: 'c', body: 'x=%%_NOPE%%' }), TemplateError);
  s.addPlaceholder(ACTOR, { name: '_NOPE', kind: 'static', value: 'now known' });
  assert.equal(s.checkTemplate({ template: 'c', body: 'x=%%_NOPE%%' }).ok, true);
});

test('file-name rules: validated, common names unique on the node, device shapes unique per model', () => {
  const { s } = fixture();
  const m = s.addModel(ACTOR, { brand: 'Acme', name: 'A1' });
  s.addTemplate(ACTOR, { model: m.id, name: 'c', body: 'x\n' });
  assert.throws(() => s.addRule(ACTOR, { model: m.id, name: 'r', macFormat: 'weird' }), invalid('macFormat'));
  assert.throws(() => s.addRule(ACTOR, { model: m.id, name: 'r', prefix: 'a/b', macFormat: 'lower' }), invalid('prefix'));
  assert.throws(() => s.addRule(ACTOR, { model: m.id, name: 'r', prefix: '.', macFormat: 'lower' }), invalid('name', /start with '\.'/));
  assert.throws(() => s.addRule(ACTOR, { model: m.id, name: 'r', macFormat: 'none', template: 'c' }), invalid('prefix'));
  assert.throws(() => s.addRule(ACTOR, { model: m.id, name: 'r', prefix: 'x', macFormat: 'none' }), invalid('template'));
  assert.throws(() => s.addRule(ACTOR, { model: m.id, name: 'r', prefix: 'Y000000000000', suffix: '.CFG', macFormat: 'none', template: 'c' }),
    (e: unknown) => e instanceof ConflictError && /Yealink\/T4x-T5x/.test(e.message));
  assert.throws(() => s.addRule(ACTOR, { model: m.id, name: 'r', macFormat: 'lower', contentType: 'not a type' }), invalid('contentType'));
  const r = s.addRule(ACTOR, { model: m.id, name: 'r', prefix: 'acme-', macFormat: 'upper-colon', suffix: '.ini', contentType: 'text/plain; charset=utf-8' });
  assert.equal(r.example, 'acme-00:15:65:1A:2B:3C.ini');
  assert.throws(() => s.addRule(ACTOR, { model: m.id, name: 'r2', prefix: 'ACME-', macFormat: 'upper-colon', suffix: '.INI' }), ConflictError);
  assert.equal(s.updateRule(ACTOR, r.id, { suffix: '.cfg' }).example, 'acme-00:15:65:1A:2B:3C.cfg');
});

test('built-ins can be edited and copied but not removed', () => {
  const { s } = fixture();
  assert.throws(() => s.removeTemplate(ACTOR, 'Yealink T4x-T5x'), (e: unknown) => e instanceof ConflictError && /built in/.test(e.message));
  assert.throws(() => s.removeModel(ACTOR, 'Yealink/T4x-T5x'), ConflictError);
  assert.throws(() => s.removeBrand(ACTOR, 'Yealink'), ConflictError);
  const rule = s.listRules('Yealink/T4x-T5x')[0]!;
  assert.throws(() => s.removeRule(ACTOR, rule.id), ConflictError);
  const copy = s.copyTemplate(ACTOR, 'Yealink T4x-T5x', 'My Yealink');
  assert.equal(copy.builtin, false);
  assert.equal(copy.model, 'Yealink/T4x-T5x');
  const edited = s.updateTemplate(ACTOR, 'Yealink T4x-T5x', { body: s.showTemplate('Yealink T4x-T5x').body + '# local\n' });
  assert.equal(edited.customized, true);
  const a = s.addAccount(ACTOR, { username: '201' });
  s.addDevice(ACTOR, { mac: '001565000001', model: 'Yealink/T4x-T5x', template: 'My Yealink', account: a.id });
  assert.throws(() => s.removeTemplate(ACTOR, 'My Yealink'), (e: unknown) => e instanceof ConflictError && /1 device/.test(e.message));
  const moved = s.updateDevice(ACTOR, '001565000001', { model: 'Snom/D7xx' });
  assert.equal(moved.template, null, 'a new model without a template falls back to its default');
  assert.equal(moved.effectiveTemplate?.name, 'Snom D7xx');
  assert.deepEqual(s.removeTemplate(ACTOR, 'My Yealink'), { removed: 'My Yealink' });
});

test('custom placeholders: names normalized, dynamic sources validated, device ones override', () => {
  const { s } = fixture();
  assert.equal(s.addPlaceholder(ACTOR, { name: '%%_site%%', kind: 'static', value: 'Rome' }).name, '_SITE');
  assert.equal(s.addPlaceholder(ACTOR, { name: 'lan', kind: 'dynamic', value: 'iface:eth0.100' }).token, '%%_LAN%%');
  assert.throws(() => s.addPlaceholder(ACTOR, { name: 'x', kind: 'dynamic', value: 'eth0' }), invalid('value', /iface:/));
  assert.throws(() => s.addPlaceholder(ACTOR, { name: 'x', kind: 'weird', value: 'v' }), invalid('kind'));
  assert.throws(() => s.addPlaceholder(ACTOR, { name: 'bad-name', kind: 'static', value: 'v' }), invalid('name'));
  assert.throws(() => s.addPlaceholder(ACTOR, { name: 'site', kind: 'static', value: 'again' }), ConflictError);
  assert.throws(() => s.addPlaceholder(ACTOR, { name: 'x', kind: 'static', value: 'v', device: '001565000001' }), NotFoundError);
  assert.ok(s.catalogue().some((c) => c.name === 'IPADDRMODE' && c.scope === 'device'));
});

test('every change writes an audit row, and no description ever carries a secret', () => {
  const { s, db } = fixture({ multiTenant: true });
  const SECRETS = ['Sip-S3cret!', 'Adm-S3cret!', 'Ldap-S3cret!', 'Sip-S3cret-2', 'Adm-S3cret-2', 'Ldap-S3cret-2'];
  const start = readAudit(db, { limit: 100000 }).length;
  let last = start;
  const step = (what: string, fn: () => unknown): void => {
    fn();
    const n = readAudit(db, { limit: 100000 }).length;
    assert.ok(n > last, `${what} wrote no audit row`);
    last = n;
  };
  let tenant = '';
  step('tenant.add', () => { tenant = s.addTenant(ACTOR, { name: 'Acme' }).uuid; });
  step('tenant.update', () => s.renameTenant(ACTOR, tenant, 'Acme srl'));
  step('brand.add', () => s.addBrand(ACTOR, 'Htek'));
  step('brand.update', () => s.renameBrand(ACTOR, 'Htek', 'Htek Inc'));
  step('model.add', () => s.addModel(ACTOR, { brand: 'Htek Inc', name: 'UC9' }));
  step('template.add', () => s.addTemplate(ACTOR, { model: 'Htek Inc/UC9', name: 'uc9', body: 'pw=%%SIPPASSWORD%%\n' }));
  step('model.update', () => s.updateModel(ACTOR, 'Htek Inc/UC9', { defaultTemplate: 'uc9', description: 'desk' }));
  step('rule.add', () => s.addRule(ACTOR, { model: 'Htek Inc/UC9', name: 'cfg', prefix: 'cfg', macFormat: 'lower', suffix: '.xml' }));
  step('rule.update', () => s.updateRule(ACTOR, s.listRules('Htek Inc/UC9')[0]!.id, { suffix: '.cfg' }));
  step('template.update', () => s.updateTemplate(ACTOR, 'uc9', { body: 'pw=%%SIPPASSWORD%%\nadm=%%PHONEPASSWORD%%\n' }));
  step('template.copy', () => s.copyTemplate(ACTOR, 'uc9', 'uc9b'));
  step('account.add', () => s.addAccount(ACTOR, { tenant, username: '201', password: SECRETS[0] }));
  step('account.update', () => s.updateAccount(ACTOR, '201', { password: SECRETS[3], displayName: 'Mario' }));
  step('device.add', () => s.addDevice(ACTOR, { tenant, mac: '001565000001', model: 'Htek Inc/UC9', account: '201', phonePassword: SECRETS[1] }));
  step('device.update', () => s.updateDevice(ACTOR, '001565000001', { phonePassword: SECRETS[4], ip: '192.0.2.9' }));
  step('placeholder.add', () => s.addPlaceholder(ACTOR, { name: 'ldappw', kind: 'static', value: SECRETS[2]!, secret: true }));
  step('placeholder.update', () => s.updatePlaceholder(ACTOR, '_LDAPPW', { value: SECRETS[5] }));
  step('device.update newMac', () => s.updateDevice(ACTOR, '001565000001', { newMac: '001565000002' }));
  step('placeholder.remove', () => s.removePlaceholder(ACTOR, '_LDAPPW'));
  step('device.remove', () => s.removeDevice(ACTOR, '001565000002'));
  step('account.remove', () => s.removeAccount(ACTOR, '201'));
  step('template.remove', () => s.removeTemplate(ACTOR, 'uc9b'));
  step('rule.remove', () => s.removeRule(ACTOR, s.listRules('Htek Inc/UC9')[0]!.id));
  step('model.remove', () => s.removeModel(ACTOR, 'Htek Inc/UC9'));
  step('brand.remove', () => s.removeBrand(ACTOR, 'Htek Inc'));
  step('tenant.remove', () => s.removeTenant(ACTOR, tenant));

  const rows = readAudit(db, { limit: 100000 }).slice(0, last - start);
  for (const r of rows) {
    for (const secret of SECRETS) assert.ok(!r.description.includes(secret), `secret in audit: ${r.description}`);
    assert.equal(r.user, 'alice');
    assert.equal(r.source, 'test');
  }
  const text = rows.map((r) => r.description).join('\n');
  assert.match(text, /account 201 updated: password changed, display name "" → "Mario"/);
  assert.match(text, /device 001565000001 updated: ip "" → "192\.0\.2\.9", phone password changed/);
  assert.match(text, /placeholder _LDAPPW updated: value changed/);
  assert.match(text, /device 001565000001 added: Htek Inc\/UC9, account 201, enabled, tenant .*, phone password set/);
});

test('a failed change writes nothing (the audit row and the change share one transaction)', () => {
  const { s, db } = fixture();
  const n = readAudit(db, { limit: 100000 }).length;
  assert.throws(() => s.addModel(ACTOR, { brand: 'NewBrand', name: '12345' }), invalid('name'));
  assert.throws(() => s.updateModel(ACTOR, 'Yealink/T4x-T5x', { brand: 'FreshBrand', defaultTemplate: 'Snom D7xx' }), invalid('defaultTemplate'));
  assert.equal(readAudit(db, { limit: 100000 }).length, n);
  assert.equal(s.listBrands().some((b) => b.name === 'FreshBrand'), false, 'the brand created mid-change was rolled back');
});

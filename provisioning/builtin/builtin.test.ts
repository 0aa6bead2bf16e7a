import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAudit } from '../../agent/audit.ts';
import { createProvisioning } from '../resolver.ts';
import { seedBuiltins } from '../seed.ts';
import { ACTOR, PBX, fixture } from '../testing/fixture.ts';
import { checkXml } from '../testing/xml-check.ts';
import { BUILTIN_MODELS } from './index.ts';

// One sample device per built-in model, with a display name that needs escaping.
const SAMPLES: [string, string][] = [
  ['Yealink/T4x-T5x', '001565000001'], ['Snom/D7xx', '000413000002'], ['Fanvil/X-series', '0c383e000003'],
  ['Grandstream/GXP-GRP', 'c074ad000004'], ['Gigaset/Maxwell', '7c2f80000005'], ['Polycom/VVX', '0004f2000006'],
  ['Generic/Generic', '020000000007'],
];

function seeded() {
  const f = fixture();
  SAMPLES.forEach(([model, mac], i) => {
    const a = f.s.addAccount(ACTOR, {
      username: `20${i}`, password: `p&ss<${i}>"'`, displayName: `O'Brien & <Sons> "${i}"`, extension: `20${i}`,
      transport: i % 3 === 0 ? 'udp' : i % 3 === 1 ? 'tcp' : 'tls', voicemail: '*97',
    });
    f.s.addDevice(ACTOR, {
      mac, model, account: a.id, dhcp: i % 2 === 0, ...(i % 2 === 0 ? {} : { ip: '192.0.2.10', netmask: '255.255.255.0', gateway: '192.0.2.1', dns1: '192.0.2.1', dns2: '9.9.9.9' }),
      phoneUsername: 'admin', phonePassword: 'Adm1n&<>',
    });
  });
  return f;
}

test('every built-in model is seeded with its rules, templates and a default template', () => {
  const f = fixture();
  const models = f.s.listModels();
  assert.deepEqual(models.map((m) => m.ref).sort(), SAMPLES.map(([m]) => m).sort());
  for (const m of models) {
    assert.ok(m.builtin && m.defaultTemplate, `${m.ref} default template`);
    const detail = f.s.showModel(m.id);
    assert.ok(detail.rules!.length > 0, `${m.ref} rules`);
  }
});

test('every built-in file renders for a sample device with no warnings and no leftover placeholder; XML files are well formed', async () => {
  const f = seeded();
  let xmlFiles = 0;
  for (const [model, mac] of SAMPLES) {
    const preview = f.prov.preview(mac, { showSecrets: true });
    assert.equal(preview.served, true, `${model}: ${preview.detail}`);
    assert.deepEqual(preview.warnings, [], model);
    for (const file of preview.files) {
      assert.deepEqual(file.warnings, [], `${model} ${file.name}`);
      const served = await f.get(file.name);
      assert.ok(served.ok, `${model} ${file.name} served`);
      if (!served.ok || served.body.kind !== 'buffer') continue;
      const text = served.body.data.toString('utf8');
      assert.equal(text, file.content, `${file.name}: the preview shows what the phone gets`);
      assert.deepEqual(served.warnings, [], `${file.name} served warnings`);
      assert.doesNotMatch(text, /%%_?[A-Z][A-Z0-9_]*(\([^%]*\))?%%/, `${file.name} has an unrendered placeholder`);
      if (text.startsWith('<?xml')) {
        xmlFiles++;
        assert.equal(checkXml(text), undefined, `${model} ${file.name} is not well-formed XML:\n${text}`);
      }
    }
  }
  assert.ok(xmlFiles >= 5, `expected the XML vendors to be checked, saw ${xmlFiles}`);
});

test('vendor syntax: the keys each phone needs to register are there', async () => {
  const f = seeded();
  const yealink = await f.text('001565000001.cfg');
  assert.match(yealink, /^#!version:1\.0\.0\.1\n/);
  for (const k of ['account.1.enable = 1', 'account.1.user_name = 200', 'account.1.auth_name = 200', 'account.1.sip_server.1.address = 192.0.2.1',
    'account.1.sip_server.1.port = 5060', 'account.1.sip_server.1.transport_type = 0', 'static.network.internet_port.type = 0',
    "account.1.password = p&ss<0>\"'", 'static.security.user_password = admin:Adm1n&<>']) {
    assert.ok(yealink.includes(k), `yealink: ${k}`);
  }
  const snom = await f.text('snomD735-000413000002.htm');
  assert.equal(snom, await f.text('000413000002.xml'));
  for (const k of ['<user_name idx="1" perm="">201</user_name>', '<user_pass idx="1" perm="">p&amp;ss&lt;1&gt;&quot;&apos;</user_pass>',
    '<user_realname idx="1" perm="">O&apos;Brien &amp; &lt;Sons&gt; &quot;1&quot;</user_realname>', '<dhcp perm="">off</dhcp>',
    '<ip_adr perm="">192.0.2.10</ip_adr>', '<timezone perm="">ITA+1</timezone>', '<user_outbound idx="1" perm="">192.0.2.1:5060;transport=tcp</user_outbound>']) {
    assert.ok(snom.includes(k), `snom: ${k}`);
  }
  assert.match(await f.text('snomD735.htm'), /<file url="http:\/\/192\.0\.2\.1\/provisioning\/\{mac\}\.xml"\/>/);
  const fanvil = await f.text('0c383e000003.cfg');
  assert.match(fanvil, /^<<VOIP CONFIG FILE>>Version:2\.0002\n/);
  for (const k of ['SIP1 Phone Number       :202', 'SIP1 Register Port      :5061', 'SIP1 Transport          :3', 'Time Zone          :4',
    'Time Zone Name     :UTC+1', 'DST Start Mon      :3', 'Enable DHCP        :1', '<<END OF FILE>>']) {
    assert.ok(fanvil.includes(k), `fanvil: ${k}`);
  }
  const gs = await f.text('cfgc074ad000004.xml');
  for (const k of ['<mac>c074ad000004</mac>', '<P271>1</P271>', '<P35>203</P35>', '<P47>192.0.2.1:5060</P47>', '<P130>0</P130>',
    '<P64>CET-1CEST,M3.5.0,M10.5.0/3</P64>', '<P8>1</P8>', '<P9>192</P9>', '<P12>10</P12>', '<P16>0</P16>', '<P28>9</P28>']) {
    assert.ok(gs.includes(k), `grandstream: ${k}`);
  }
  const gigaset = await f.text('7c2f80000005.xml');
  for (const k of ['<param name="SIP.Account.0.Username" value="204"/>', '<param name="SIP.Account.0.RegistrationServer.Port" value="5060"/>',
    '<param name="System.DateAndTime.TimeZone" value="GMT+1.Europe/Amsterdam"/>']) {
    assert.ok(gigaset.includes(k), `gigaset: ${k}`);
  }
  const reg = await f.text('0004f2000006-reg.cfg');
  for (const k of ['reg.1.address="205"', 'reg.1.server.1.transport="TLS"', 'reg.1.server.1.port="5061"', 'tcpIpApp.sntp.gmtOffset="3600"',
    'tcpIpApp.sntp.daylightSavings.start.dayOfWeek.lastInMonth="1"', 'tcpIpApp.sntp.daylightSavings.stop.time="3"', 'device.dhcp.enabled="0"', 'device.net.ipAddress="192.0.2.10"']) {
    assert.ok(reg.includes(k), `polycom: ${k}`);
  }
  assert.equal(await f.text('0004f2000006.cfg'), await f.text('000000000000.cfg'));
});

test('seeding is idempotent, refreshes untouched built-ins and leaves customized ones alone', () => {
  const f = fixture();
  const before = readAudit(f.db).length;
  createProvisioning({ db: f.db, config: { pbx: PBX, provisioning: { multiTenant: false, assetsDir: '', httpPath: '/provisioning' } }, assetsDir: '/x', facts: { ipv4Of: () => undefined } });
  assert.equal(readAudit(f.db).length, before, 'a second start writes nothing');

  const yealinkCommon = f.s.showTemplate('Yealink common');
  f.s.updateTemplate(ACTOR, 'Snom D7xx', { body: f.s.showTemplate('Snom D7xx').body + '<!-- mine -->\n' });
  const shipped = BUILTIN_MODELS.map((m) => ({ ...m, templates: m.templates.map((t) => ({ ...t, body: t.body + '## v2\n' })) }));
  const r = seedBuiltins(f.db, () => new Date('2026-04-01T00:00:00Z'), shipped);
  assert.ok(r.refreshed >= 8, `refreshed ${r.refreshed}`);
  assert.equal(r.inserted, 0);
  assert.match(f.s.showTemplate('Yealink common').body!, /## v2\n$/);
  assert.notEqual(f.s.showTemplate('Yealink common').updatedAt, yealinkCommon.updatedAt);
  const snom = f.s.showTemplate('Snom D7xx');
  assert.ok(snom.customized);
  assert.match(snom.body!, /<!-- mine -->\n$/);
  assert.doesNotMatch(snom.body!, /## v2/);
});

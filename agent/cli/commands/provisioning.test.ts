// pbxctl's provisioning commands against a real control server whose methods are the real
// provisioning control methods over an in-memory store (the fixture the provisioning tests use).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlServer } from '../../control/server.ts';
import { silentLogger } from '../../log.ts';
import { provisioningMethods } from '../../../provisioning/control-methods.ts';
import { fixture, type Fixture } from '../../../provisioning/testing/fixture.ts';
import { runCli } from '../run.ts';
import { COMMANDS } from './index.ts';

interface Cli {
  run(...argv: string[]): Promise<number>;
  out: string;
  err: string;
  dir: string;
  f: Fixture;
}

async function withCli(fn: (cli: Cli) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pbxctl-prov-'));
  const path = join(dir, 'c.sock');
  const f = fixture();
  const srv = createControlServer({ path, group: '', log: silentLogger(), methods: provisioningMethods(f.prov) });
  await srv.start();
  const cli: Cli = {
    out: '', err: '', dir, f,
    async run(...argv) {
      cli.out = '';
      cli.err = '';
      const io = { out: (s: string) => { cli.out += s; }, err: (s: string) => { cli.err += s; } };
      return runCli(['--socket', path, ...argv], { commands: COMMANDS, io, defaultSockets: [path], exists: () => true });
    },
  };
  try { await fn(cli); } finally { await srv.stop(); rmSync(dir, { recursive: true, force: true }); }
}

const MAC = '00:15:65:AA:BB:CC';

async function account201(cli: Cli): Promise<void> {
  const pw = join(cli.dir, '201.pw');
  writeFileSync(pw, 's3cret-201\n');
  assert.equal(await cli.run('account', 'add', '201', '--extension', '201', '--display-name', 'Mario Rossi', '--sip-password-file', pw), 0, cli.err);
  assert.match(cli.out, /password: +\*{8}/);
}

test('device add / list / show / edit / remove, with the exit codes scripts rely on', async () => {
  await withCli(async (cli) => {
    await account201(cli);
    const ppw = join(cli.dir, 'phone.pw');
    writeFileSync(ppw, 'admin-pw\n');
    assert.equal(await cli.run('device', 'add', MAC, '--model', 'Yealink/T4x-T5x', '--account', '201', '--notes', 'reception desk',
      '--phone-username', 'admin', '--phone-password-file', ppw), 0, cli.err);
    assert.match(cli.out, /^device added\n/);
    assert.match(cli.out, /MAC: +001565aabbcc/);
    assert.match(cli.out, /served: +yes/);
    assert.match(cli.out, /phone password: +\*{8}/);
    assert.equal(cli.f.s.showDevice(MAC, { showSecrets: true }).phonePassword, 'admin-pw', 'the file\'s trailing newline is dropped');

    // duplicate MAC (another spelling) → conflict, 5
    assert.equal(await cli.run('device', 'add', '001565aabbcc', '--model', 'Yealink/T4x-T5x'), 5);
    assert.match(cli.err, /already registered/);
    // bad MAC → 2, naming the field
    assert.equal(await cli.run('device', 'add', '00:15:65:ZZ:BB:CC', '--model', 'Yealink/T4x-T5x'), 2);
    assert.match(cli.err, /mac: '00:15:65:ZZ:BB:CC' is not a MAC address/);
    // missing required option → 2 before any call
    assert.equal(await cli.run('device', 'add', '001565000001'), 2);
    assert.match(cli.err, /missing --model/);
    // a device without an account is stored disabled, with a warning
    assert.equal(await cli.run('device', 'add', '0004f2000001', '--model', 'Polycom/VVX', '--no-dhcp', '--ip', '10.0.0.50', '--netmask', '255.255.255.0'), 0, cli.err);
    assert.match(cli.err, /warning: no account is linked/);

    assert.equal(await cli.run('device', 'list'), 0, cli.err);
    const lines = cli.out.trimEnd().split('\n');
    assert.match(lines[0]!, /^MAC +ENABLED +SERVED +MODEL +TEMPLATE +ACCOUNT +EXT +NETWORK +NOTES$/);
    assert.equal(lines.length, 3);
    const yealink = lines.find((l) => l.startsWith('001565aabbcc'))!;
    assert.match(yealink, /yes +yes +Yealink\/T4x-T5x +Yealink T4x-T5x \(model default\) +201 +201 +dhcp +reception desk/);
    assert.match(lines.find((l) => l.startsWith('0004f2000001'))!, /no +no-account +Polycom\/VVX .* static 10\.0\.0\.50\/255\.255\.255\.0/);

    assert.equal(await cli.run('--json', 'device', 'list'), 0);
    assert.equal((JSON.parse(cli.out) as unknown[]).length, 2);

    assert.equal(await cli.run('device', 'show', '001565AABBCC', '--show-secrets'), 0, cli.err);
    assert.match(cli.out, /phone password: +admin-pw/);
    assert.match(cli.out, /files: +001565aabbcc\.cfg, y000000000000\.cfg/);
    assert.match(cli.out, /account: +201 \(id \d+\)/);

    // unknown MAC → 4
    assert.equal(await cli.run('device', 'show', '00:15:65:00:00:99'), 4);
    assert.match(cli.err, /device '001565000099' not found/);

    assert.equal(await cli.run('device', 'edit', MAC, '--no-enabled', '--notes', 'room 12'), 0, cli.err);
    assert.match(cli.out, /enabled: +no/);
    assert.match(cli.out, /served: +no: device 001565aabbcc is disabled/);
    assert.match(cli.out, /notes: +room 12/);
    assert.equal(await cli.run('device', 'edit', MAC, '--enabled', '--account', 'none'), 0, cli.err);
    assert.match(cli.out, /account: +none/);
    assert.match(cli.err, /warning: no account is linked/);
    assert.equal(await cli.run('device', 'edit', MAC, '--bogus', 'x'), 2);
    assert.match(cli.err, /unknown option --bogus/);

    assert.equal(await cli.run('device', 'remove', MAC), 0, cli.err);
    assert.equal(cli.out, 'removed device 001565aabbcc\n');
    assert.equal(await cli.run('device', 'remove', MAC), 4);
  });
});

test('device preview: every file with name, size and URLs; --file prints one raw; secrets masked unless asked', async () => {
  await withCli(async (cli) => {
    await account201(cli);
    assert.equal(await cli.run('device', 'add', MAC, '--model', 'Yealink/T4x-T5x', '--account', '201'), 0, cli.err);

    assert.equal(await cli.run('device', 'preview', MAC), 0, cli.err);
    assert.match(cli.out, /^device 001565aabbcc: Yealink\/T4x-T5x, served\n/);
    assert.match(cli.out, /=== 001565aabbcc\.cfg +\(\d+ bytes, device file, rule 'mac\.cfg', text\/plain\)/);
    assert.match(cli.out, /http: http:\/\/192\.0\.2\.1\/provisioning\/001565aabbcc\.cfg/);
    assert.match(cli.out, /tftp: tftp:\/\/192\.0\.2\.1\/001565aabbcc\.cfg/);
    assert.match(cli.out, /=== y000000000000\.cfg/);
    assert.match(cli.out, /account\.1\.user_name = 201/);
    assert.doesNotMatch(cli.out, /s3cret-201/);

    assert.equal(await cli.run('device', 'preview', MAC, '--file', '001565AABBCC.cfg'), 0, cli.err);
    assert.match(cli.out, /^#!version:1\.0\.0\.1\n/);
    assert.equal(cli.out, cli.f.prov.preview('001565aabbcc').files.find((x) => x.name === '001565aabbcc.cfg')!.content);
    assert.doesNotMatch(cli.out, /s3cret-201/);

    assert.equal(await cli.run('device', 'preview', MAC, '--file', '001565aabbcc.cfg', '--show-secrets'), 0, cli.err);
    assert.match(cli.out, /s3cret-201/);

    assert.equal(await cli.run('device', 'preview', MAC, '--file', 'nope.cfg'), 4);
    assert.match(cli.err, /has no file 'nope\.cfg'; its files: 001565aabbcc\.cfg, y000000000000\.cfg/);

    assert.equal(await cli.run('--json', 'device', 'preview', MAC), 0);
    assert.equal(JSON.parse(cli.out).files.length, 2);
  });
});

test('template add from --body-file, check errors exit 6, copy, show --raw, edit, remove', async () => {
  await withCli(async (cli) => {
    const good = join(cli.dir, 'good.cfg');
    const bad = join(cli.dir, 'bad.cfg');
    writeFileSync(good, '#!version:1.0.0.1\naccount.1.user_name = %%SIPUSERNAME%%\naccount.1.label = %%EXTENSION%%\n');
    writeFileSync(bad, '#!version:1.0.0.1\naccount.1.user_name = %%SIPUSERNAME%%\nfoo = %%NOSUCHTHING%%\n');

    assert.equal(await cli.run('template', 'check', '--body-file', good), 0, cli.err);
    assert.match(cli.out, /ok: the template renders as a device file\nplaceholders: %%SIPUSERNAME%%, %%EXTENSION%%/);
    assert.equal(await cli.run('template', 'check', '--body-file', bad), 6);
    assert.match(cli.err, /NOSUCHTHING/);
    assert.match(cli.err, /line 3/);
    assert.equal(await cli.run('template', 'check', '--body-file', good, '--scope', 'common'), 6, 'account placeholders do not exist in common files');

    assert.equal(await cli.run('template', 'add', 'Yealink office', '--model', 'T4x-T5x', '--brand', 'Yealink', '--body-file', bad), 6);
    assert.equal(await cli.run('template', 'add', 'Yealink office', '--model', 'Yealink/T4x-T5x', '--body-file', good), 0, cli.err);
    assert.match(cli.out, /^template added\n/);
    assert.match(cli.out, /model: +Yealink\/T4x-T5x/);
    assert.match(cli.out, /origin: +custom/);
    assert.equal(await cli.run('template', 'add', 'Yealink office', '--model', 'Yealink/T4x-T5x', '--body-file', good), 5);
    assert.equal(await cli.run('template', 'add', 'x', '--model', 'Yealink/T4x-T5x', '--body-file', join(cli.dir, 'missing.cfg')), 2);
    assert.match(cli.err, /--body-file: cannot read .*ENOENT/);

    assert.equal(await cli.run('template', 'show', 'Yealink office', '--raw'), 0, cli.err);
    assert.equal(cli.out, '#!version:1.0.0.1\naccount.1.user_name = %%SIPUSERNAME%%\naccount.1.label = %%EXTENSION%%\n');
    assert.equal(await cli.run('template', 'show', 'Yealink office'), 0, cli.err);
    assert.match(cli.out, /used by: +0 device\(s\)/);
    assert.match(cli.out, /--- body\n#!version/);

    assert.equal(await cli.run('template', 'copy', 'Yealink T4x-T5x', 'Yealink lobby'), 0, cli.err);
    assert.match(cli.out, /name: +Yealink lobby/);
    assert.equal(await cli.run('template', 'list', '--model', 'Yealink/T4x-T5x'), 0, cli.err);
    assert.match(cli.out, /^ID +NAME +MODEL +FORMAT +SIZE +ORIGIN +UPDATED\n/);
    assert.match(cli.out, /Yealink lobby +Yealink\/T4x-T5x/);
    assert.match(cli.out, /Yealink T4x-T5x +Yealink\/T4x-T5x +text +\d+ +built-in/);

    assert.equal(await cli.run('template', 'edit', 'Yealink office', '--body-file', bad), 6);
    assert.equal(await cli.run('template', 'edit', 'Yealink office', '--name', 'Yealink reception'), 0, cli.err);
    assert.equal(await cli.run('template', 'remove', 'Yealink reception'), 0, cli.err);
    assert.equal(cli.out, 'removed template Yealink reception\n');
    assert.equal(await cli.run('template', 'remove', 'Yealink T4x-T5x'), 5, 'built-in');
    assert.equal(await cli.run('template', 'show', 'nope'), 4);
  });
});

test('catalogue objects, placeholders, accounts and diagnostics render', async () => {
  await withCli(async (cli) => {
    assert.equal(await cli.run('model', 'add', 'Acme/X100', '--description', 'Acme X100'), 0, cli.err);
    assert.match(cli.out, /model: +Acme\/X100/);
    assert.equal(await cli.run('model', 'add', 'X200'), 2);
    assert.match(cli.err, /missing --brand/);
    assert.equal(await cli.run('brand', 'show', 'acme'), 0, cli.err);
    assert.match(cli.out, /models: +X100/);
    assert.equal(await cli.run('brand', 'show', 'Nokia'), 4);
    assert.equal(await cli.run('rule', 'add', 'cfgmac.xml', '--model', 'Acme/X100', '--prefix', 'cfg', '--mac-format', 'lower', '--suffix', '.xml'), 0, cli.err);
    assert.match(cli.out, /example: +cfg0015651a2b3c\.xml/);
    assert.equal(await cli.run('rule', 'add', 'bad', '--model', 'Acme/X100', '--mac-format', 'sideways'), 2);
    assert.match(cli.err, /macFormat: must be one of/);
    assert.equal(await cli.run('model', 'show', 'X100', '--brand', 'Acme'), 0, cli.err);
    assert.match(cli.out, /file-name rules:\nID +NAME +EXAMPLE +KIND +TEMPLATE\n\d+ +cfgmac\.xml +cfg0015651a2b3c\.xml +device +device's/);
    assert.equal(await cli.run('model', 'list', '--brand', 'Acme'), 0, cli.err);
    assert.match(cli.out, /Acme\/X100 +- +custom +Acme X100/);

    assert.equal(await cli.run('placeholder', 'catalogue', '--group', 'account'), 0, cli.err);
    assert.match(cli.out, /%%SIPPASSWORD%% +account +device +yes +SIP password/);
    assert.equal(await cli.run('placeholder', 'add', 'adminpw', '--secret', '--value', 'hunter2'), 0, cli.err);
    assert.match(cli.out, /placeholder: +%%_ADMINPW%%/);
    assert.match(cli.out, /value: +\*{8}/);
    assert.equal(await cli.run('placeholder', 'show', '_ADMINPW', '--show-secrets'), 0, cli.err);
    assert.match(cli.out, /value: +hunter2/);
    assert.equal(await cli.run('placeholder', 'add', 'vlanip', '--kind', 'dynamic', '--value', 'eth0'), 2);

    assert.equal(await cli.run('account', 'add', '201', '--extension', '201', '--sip-password', 'pw'), 0, cli.err);
    assert.equal(await cli.run('account', 'add', '201'), 5);
    assert.equal(await cli.run('account', 'list'), 0, cli.err);
    assert.match(cli.out, /^ID +USERNAME +EXT +DISPLAY NAME +TRANSPORT +PASSWORD +DEVICES\n\d+ +201 +201 +- +udp +\*{8} +-\n$/);
    assert.equal(await cli.run('account', 'edit', '201', '--transport', 'tls'), 0, cli.err);
    assert.match(cli.out, /transport: +tls/);

    assert.equal(await cli.run('tenant', 'list'), 0, cli.err);
    assert.equal(cli.out, '(none)\n');

    assert.equal(await cli.run('provisioning', 'unresolved'), 0, cli.err);
    assert.match(cli.out, /no unresolved requests/);
    await cli.f.get('001565aabbcc.cfg', 'tftp');
    assert.equal(await cli.run('provisioning', 'unresolved'), 0, cli.err);
    assert.match(cli.out, /^TIME +VIA +CLIENT +PATH +REASON +DETAIL\n.* tftp +192\.0\.2\.50 +001565aabbcc\.cfg +unknown-mac +no device with MAC 001565aabbcc/);
  });
});

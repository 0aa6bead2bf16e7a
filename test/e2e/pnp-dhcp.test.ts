// The whole boot of a phone against the REAL daemon in a namespace lab: DHCP lease with the
// provisioning options (udhcpc), SIP PnP SUBSCRIBE -> 200 -> NOTIFY (sipp), then the phone
// fetches the URL it was given over HTTP or TFTP and gets its rendered file; pbxctl shows the
// phone, adopts an unregistered one, and lists the lease. Needs root, iproute2, sipp, curl,
// udhcpc: FAILS, not skips, without them.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLab, type Lab } from '../lab/lab.ts';
import { requireLab } from '../lab/preflight.ts';
import { createTmpDir, type TmpDir } from '../lab/tmp.ts';
import { ROOT, startAgent, type Agent } from './agent.ts';

const PBX = '10.99.0.1';
const PHONE = '10.99.0.3';
const SIPP_DIR = join(ROOT, 'test/pnp/sipp');
const YEALINK = '001565aabbcc';
const FANVIL = '0c383e07e16c';
const SNOM = '000413874B49';
const T = { timeout: 120_000 };

describe('a phone boots against the daemon: DHCP, PnP, fetch (namespaces)', () => {
  let lab: Lab;
  let tmp: TmpDir;
  let agent: Agent | undefined;

  const start = async (scheme: 'http' | 'tftp', dir?: string): Promise<Agent> => startAgent({
    netns: lab.ns('pbx'), ...(dir ? { dir } : {}),
    config: {
      log: { level: 'info' },
      tftp: { enabled: true, port: 69 }, http: { enabled: true, port: 80 },
      pnp: { enabled: true, scheme, t1Ms: 200 },
      dhcp: { enabled: true, interface: 'eth0', pools: ['10.99.0.100-10.99.0.120/24'], probeOtherServers: false, leaseTimeMs: 600_000 },
    },
  });

  const sipp = async (variant: string, mac: string, port: number): Promise<string> => {
    const log = join(tmp.path, `${variant}-${Date.now()}.log`);
    const r = await lab.exec('phone', 'sipp', [
      '-sf', join(SIPP_DIR, `pnp-${variant}.xml`), '-t', 'u1', '-i', PHONE, '-p', String(port), '-m', '1', '-nostdin',
      '-key', 'mac', mac, '-max_non_invite_retrans', '2', '-timeout', '15s', '-timeout_error', '-trace_logs', '-log_file', log,
      '224.0.1.75:5060',
    ], { timeoutMs: 30_000, cwd: tmp.path });
    const text = (() => { try { return readFileSync(log, 'utf8'); } catch { return ''; } })();
    assert.equal(r.code, 0, `sipp ${variant} failed (${r.code}): ${r.stdout.slice(-800)}${r.stderr.slice(-800)}\n${text.slice(-800)}`);
    const m = /NOTIFY-URL (\S+) VIA/.exec(text);
    assert.ok(m, `no NOTIFY logged by sipp:\n${text.slice(-800)}`);
    return m[1]!;
  };

  const ctl = async (...args: string[]): Promise<string> => {
    const r = await agent!.pbxctl(args);
    assert.equal(r.code, 0, `pbxctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    requireLab(['sipp', 'curl', 'udhcpc']);
    tmp = await createTmpDir('pnp-dhcp-e2e-');
    lab = await createLab({ hosts: [{ name: 'pbx', ip: `${PBX}/24` }, { name: 'phone', ip: `${PHONE}/24` }, { name: 'dphone' }] });
    agent = await start('http');
    const pw = join(tmp.path, 'pw');
    writeFileSync(pw, 'S3cret&<pw>\n');
    await ctl('account', 'add', '201', '--extension', '201', '--display-name', 'Mario Rossi', '--sip-password-file', pw);
    await ctl('device', 'add', YEALINK, '--model', 'Yealink/T4x-T5x', '--account', '201');
    await ctl('account', 'add', '202', '--extension', '202', '--display-name', 'Anna Bianchi', '--sip-password-file', pw);
    await ctl('device', 'add', FANVIL, '--model', 'Fanvil/X-series', '--account', '202');
    await ctl('account', 'add', '203', '--extension', '203', '--display-name', 'Luca Verdi', '--sip-password-file', pw);
    await ctl('device', 'add', SNOM, '--model', 'Snom/D7xx', '--account', '203');
  });

  after(async () => {
    try { await agent?.stop(); agent?.cleanup(); } finally {
      await lab?.teardown();
      await tmp?.cleanup();
    }
  });

  it('DHCP: udhcpc gets an address with option 66 pointing at the node; pbxctl dhcp leases and status show it', T, async () => {
    writeFileSync(join(tmp.path, 'u.sh'), '#!/bin/sh\n[ "$1" = bound ] && echo "bound ip=$ip tftp=$tftp"\nexit 0\n');
    chmodSync(join(tmp.path, 'u.sh'), 0o755);
    const r = await lab.exec('dphone', 'udhcpc', ['-i', 'eth0', '-f', '-q', '-n', '-t', '4', '-T', '2', '-O', 'tftp', '-s', join(tmp.path, 'u.sh')], { timeoutMs: 30_000 });
    const m = /bound ip=(10\.99\.0\.1\d\d) tftp=(\S+)/.exec(r.stdout);
    assert.ok(m, `udhcpc got no lease: ${r.stdout} ${r.stderr}`);
    assert.equal(m[2], PBX);
    const leases = JSON.parse(await ctl('--json', 'dhcp', 'leases', '--state', 'bound')) as Array<{ ip: string; mac: string }>;
    assert.deepEqual(leases.map((l) => [l.ip, l.mac]), [[m[1], lab.macOf('dphone').replace(/:/g, '')]]);
    const status = await ctl('status');
    assert.match(status, /dhcp +running .* 1\/21 addresses in use/);
    assert.match(status, /10\.99\.0\.0\/24 +21 +1 /);
  });

  it('Yealink over HTTP: SUBSCRIBE -> NOTIFY -> the phone fetches <url><mac>.cfg and gets its account', T, async () => {
    const url = await sipp('yealink', YEALINK, 5059);
    assert.equal(url, `http://${PBX}/provisioning/`);
    const f = await lab.exec('phone', 'curl', ['-sS', '--fail', '--max-time', '5', `${url}${YEALINK}.cfg`], { timeoutMs: 10_000 });
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /^#!version:1\.0\.0\.1/);
    assert.match(f.stdout, /account\.1\.user_name = 201/);
    assert.match(f.stdout, new RegExp(`account\\.1\\.sip_server\\.1\\.address = ${PBX.replace(/\./g, '\\.')}`));
  });

  it('Fanvil over HTTP: the $mac URL, filled in as the phone does, serves its file', T, async () => {
    const url = await sipp('fanvil', FANVIL, 5060);
    assert.equal(url, `http://${PBX}/provisioning/$mac.cfg`);
    const f = await lab.exec('phone', 'curl', ['-sS', '--fail', '--max-time', '5', url.replace('$mac', FANVIL)], { timeoutMs: 10_000 });
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /202/);
  });

  it('Snom over HTTP: {mac} in the URL, filled in by the phone (upper case), serves its XML', T, async () => {
    const url = await sipp('snom', SNOM, 5060);
    assert.equal(url, `http://${PBX}/provisioning/{mac}.xml`);
    const f = await lab.exec('phone', 'curl', ['-sS', '--fail', '--max-time', '5', url.replace('{mac}', SNOM.toUpperCase())], { timeoutMs: 10_000 });
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /<user_name idx="1" perm="">203<\/user_name>/);
  });

  it('a phone that sends no MAC is still answered, with the server root', T, async () => {
    const url = await sipp('nomac', 'unused', 5060);
    assert.equal(url, `http://${PBX}/provisioning/`);
  });

  it('pbxctl pnp list shows what was answered; an unregistered phone is adopted in one command', T, async () => {
    const url = await sipp('grandstream', 'C074AD112233', 5080);
    assert.equal(url, `http://${PBX}/provisioning/`);
    await new Promise((r) => setTimeout(r, 1500)); // pnp_seen is written in batches every second
    const list = await ctl('pnp', 'list');
    assert.match(list, new RegExp(`${YEALINK} +yealink +T46S .* http://10\\.99\\.0\\.1/provisioning/`));
    assert.match(list, /c074ad112233 +grandstream/);
    const adopted = await ctl('pnp', 'adopt', 'C0:74:AD:11:22:33');
    assert.match(adopted, /device added: c074ad112233 \(Grandstream\/GXP-GRP\), disabled until it has an account/);
    const dev = JSON.parse(await ctl('--json', 'device', 'show', 'c074ad112233')) as { model: string; notes: string };
    assert.equal(dev.model, 'Grandstream/GXP-GRP');
    assert.match(dev.notes, /adopted from PnP/);
    const again = await agent!.pbxctl(['pnp', 'adopt', 'c074ad112233']);
    assert.equal(again.code, 5, `adopting twice is a conflict: ${again.stderr}`);
    const audit = await ctl('--json', 'audit', 'list');
    assert.match(audit, /c074ad112233/);
  });

  it('TFTP scheme: after a restart with pnp.scheme tftp the NOTIFY carries tftp:// and the phone fetches over TFTP', T, async () => {
    const dir = agent!.dir;
    await agent!.stop();
    agent = await start('tftp', dir);
    const url = await sipp('yealink', YEALINK, 5059);
    assert.equal(url, `tftp://${PBX}/`);
    const f = await lab.exec('phone', 'curl', ['-sS', '--max-time', '10', `${url}${YEALINK}.cfg`], { timeoutMs: 15_000 });
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /account\.1\.user_name = 201/);
  });
});

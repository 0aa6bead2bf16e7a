// End to end in network namespaces (test/lab): the PnP service runs in `node` (10.99.0.1), a
// PBX stand-in holds 10.99.0.1:5060 in the same namespace, and sipp in `phone` (10.99.0.3)
// multicasts one SUBSCRIBE per vendor variant to 224.0.1.75:5060: 200 -> NOTIFY -> sipp's 200.
// Needs root, iproute2 and sipp (package sip-tester): FAILS, not skips, without them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { createLab, NODE_BIN, type Lab } from '../lab/lab.ts';
import { requireLab } from '../lab/preflight.ts';
import { collectLines, waitForExit, type LineCollector } from '../lab/proc.ts';
import { createTmpDir, type TmpDir } from '../lab/tmp.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const RUNNER = join(HERE, 'run-service.ts');
const PBX = join(HERE, 'pbx-stand-in.ts');
const NODE_IP = '10.99.0.1';
const PHONE_IP = '10.99.0.3';
const T = { timeout: 90_000 };

interface Variant { name: string; mac: string; port: number; url: string; vendor: string | null; recordedMac: string | null }

// Expected URLs follow the default templates (net/sip/config-schema.ts) with scheme http.
const BASE = `http://${NODE_IP}/provisioning/`;
const VARIANTS: Variant[] = [
  { name: 'yealink', mac: '001565aabbcc', port: 5059, url: BASE, vendor: 'yealink', recordedMac: '001565aabbcc' },
  { name: 'grandstream', mac: 'C074AD112233', port: 5080, url: BASE, vendor: 'grandstream', recordedMac: 'c074ad112233' },
  { name: 'snom', mac: '000413874B49', port: 5060, url: `${BASE}{mac}.xml`, vendor: 'snom', recordedMac: '000413874b49' },
  { name: 'fanvil', mac: '0c383e07e16c', port: 5060, url: `${BASE}$mac.cfg`, vendor: 'fanvil', recordedMac: '0c383e07e16c' },
  { name: 'nomac', mac: 'unused', port: 5060, url: BASE, vendor: null, recordedMac: null },
];

async function sipp(lab: Lab, tmp: TmpDir, v: Variant): Promise<{ code: number | null; log: string; out: string }> {
  const logFile = join(tmp.path, `${v.name}.log`);
  const r = await lab.exec('phone', 'sipp', [
    '-sf', join(HERE, 'sipp', `pnp-${v.name}.xml`), '-t', 'u1', '-i', PHONE_IP, '-p', String(v.port), '-m', '1', '-nostdin',
    '-key', 'mac', v.mac, '-max_non_invite_retrans', '2', '-timeout', '15s', '-timeout_error',
    '-trace_logs', '-log_file', logFile, '-trace_err', '-error_file', join(tmp.path, `${v.name}.err`),
    '224.0.1.75:5060',
  ], { timeoutMs: 30_000, cwd: tmp.path });
  const log = await readFile(logFile, 'utf8').catch(() => '');
  return { code: r.code, log, out: r.stdout + r.stderr };
}

describe('SIP PnP end to end (namespaces, sipp)', () => {
  let lab: Lab;
  let tmp: TmpDir;
  let svc: ChildProcess;
  let svcOut: LineCollector;
  let pbx: ChildProcess;
  let pbxOut: LineCollector;

  before(async () => {
    requireLab(['sipp', 'curl']);
    tmp = await createTmpDir('pnp-e2e-');
    lab = await createLab({ hosts: [{ name: 'node', ip: `${NODE_IP}/24` }, { name: 'phone', ip: `${PHONE_IP}/24` }] });
    // The PBX first, on the node's own address and the SIP port, without SO_REUSEADDR.
    pbx = lab.spawn('node', NODE_BIN, [PBX, `${NODE_IP}:5060`]);
    pbxOut = collectLines(pbx.stdout, 'pbx');
    await pbxOut.waitFor(/^READY$/, 10_000);
    svc = lab.spawn('node', NODE_BIN, [RUNNER, JSON.stringify({ t1Ms: 200 }), '--http', `${NODE_IP}:80`], { stdio: ['pipe', 'pipe', 'pipe'] });
    svcOut = collectLines(svc.stdout, 'pnp service');
    collectLines(svc.stderr, 'pnp service stderr');
    const ready = await svcOut.waitFor(/^READY /, 15_000);
    const st = JSON.parse(ready.slice(6)) as { state: string; joined: Array<{ address: string }> };
    assert.equal(st.state, 'running');
    assert.deepEqual(st.joined.map((j) => j.address), [NODE_IP]);
  });

  after(async () => {
    try {
      if (svc && svc.exitCode === null) { svc.kill('SIGTERM'); await waitForExit(svc, 5000).catch(() => {}); }
      if (pbx && pbx.exitCode === null) { pbx.kill('SIGTERM'); await waitForExit(pbx, 5000).catch(() => {}); }
    } finally {
      await lab?.teardown();
      await tmp?.cleanup();
    }
  });

  for (const v of VARIANTS) {
    it(`${v.name}: SUBSCRIBE from port ${v.port} -> 200 -> NOTIFY with ${v.url} -> sipp's 200`, T, async () => {
      const r = await sipp(lab, tmp, v);
      assert.equal(r.code, 0, `sipp failed (${r.code}):\n${r.out.slice(-1500)}\n${r.log.slice(-1500)}`);
      const m = /NOTIFY-URL (\S+) VIA SIP\/2\.0\/UDP (\S+):(\d+) CTYPE application\/url/.exec(r.log);
      assert.ok(m, `no NOTIFY logged:\n${r.log.slice(-1000)}`);
      assert.equal(m[1], v.url);
      assert.equal(m[2], NODE_IP, 'the NOTIFY comes from the node\'s unicast address');
    });
  }

  it('the URL resolves from the phone (tiny HTTP server in the node namespace)', T, async () => {
    const r = await lab.exec('phone', 'curl', ['-sS', '--max-time', '5', `${BASE}0c383e07e16c.cfg`], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'cfg /provisioning/0c383e07e16c.cfg');
  });

  it('the PBX on 10.99.0.1:5060 kept receiving its own unicast SIP, and can rebind while PnP runs', T, async () => {
    const send = (): Promise<{ stdout: string; code: number | null }> => lab.exec('phone', NODE_BIN, ['-e', `
      const s = require('node:dgram').createSocket('udp4');
      s.on('message', (m) => { console.log(String(m)); process.exit(0); });
      setTimeout(() => { console.log('NO-ANSWER'); process.exit(1); }, 3000);
      s.send(Buffer.from('OPTIONS sip:pbx@${NODE_IP} SIP/2.0\\r\\n\\r\\n'), 5060, '${NODE_IP}');`], { timeoutMs: 10_000 });
    const a = await send();
    assert.equal(a.stdout.trim(), 'PBX-ECHO OPTIONS sip:pbx@10.99.0.1 SIP/2.0');
    assert.ok(!pbxOut.lines.some((l) => l.includes('SUBSCRIBE')), 'multicast SUBSCRIBEs did not reach the PBX socket');
    pbx.kill('SIGTERM');
    await waitForExit(pbx, 5000);
    pbx = lab.spawn('node', NODE_BIN, [PBX, `${NODE_IP}:5060`]);
    pbxOut = collectLines(pbx.stdout, 'pbx');
    await pbxOut.waitFor(/^(READY|BIND-FAILED.*)$/, 10_000);
    assert.ok(pbxOut.lines.includes('READY'), `PBX could not bind after PnP: ${pbxOut.lines.join(' ')}`);
    const b = await send();
    assert.match(b.stdout, /^PBX-ECHO/);
  });

  it('status counters and pnp_seen agree with what was sent', T, async () => {
    svc.stdin!.end(); // stop -> FINAL + SEEN
    const fin = JSON.parse((await svcOut.waitFor(/^FINAL /, 10_000)).slice(6)) as Record<string, number>;
    const seen = JSON.parse((await svcOut.waitFor(/^SEEN /, 10_000)).slice(5)) as Array<{ mac: string; vendor: string | null; url: string; port: number }>;
    await waitForExit(svc, 5000);
    assert.equal(fin.answered, VARIANTS.length);
    assert.equal(fin.notifyAcked, VARIANTS.length, JSON.stringify(fin));
    assert.equal(fin.notifyTimedOut, 0);
    for (const v of VARIANTS.filter((x) => x.recordedMac)) {
      const row = seen.find((s) => s.mac === v.recordedMac);
      assert.ok(row, `${v.name} recorded`);
      assert.equal(row.vendor, v.vendor);
      assert.equal(row.url, v.url);
      assert.equal(row.port, v.port);
    }
    assert.equal(seen.length, VARIANTS.filter((x) => x.recordedMac).length);
  });
});

// Resync end to end: `pbxctl device resync` through the real daemon, with sipp as the phone (a
// UAS scenario that checks the Event header and answers 200). Also: the address found from the
// phone's last file fetch, retransmission on timer E/A until the phone answers, the timeout
// (Timer F) and an unreachable port.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ControlClient } from '../../agent/control/client.ts';
import { freePort } from '../lab/ports.ts';
import { requireTools } from '../lab/preflight.ts';
import { notifyScenario, startSipp, waitUdpBound } from '../lab/sipp.ts';
import { run, startAgent, type Agent } from '../e2e/agent.ts';

const YEALINK = '001565aabbcc';
const SNOM = '000413112233';
const GS = '000b82445566';

interface ResyncJson { answered: boolean; outcome: string; status?: number; event: string; transmissions: number; target: { address: string; port: number; source: string } }

describe('device resync (real daemon, sipp as the phone)', () => {
  let agent: Agent;
  let client: ControlClient;
  let dir: string;
  let httpPort: number;
  const sippProcs: ChildProcess[] = [];

  before(async () => {
    requireTools(['sipp', 'curl']);
    httpPort = await freePort({ proto: 'tcp' });
    agent = await startAgent({ config: { pbx: { address: '127.0.0.1' }, http: { enabled: true, address: '127.0.0.1', port: httpPort } } });
    client = new ControlClient(agent.socket);
    dir = join(agent.dir, 'sipp');
    mkdirSync(dir, { recursive: true });
    await client.call('account.add', { username: '201', password: 'pw201-secret' });
    await client.call('device.add', { mac: YEALINK, model: 'Yealink/T4x-T5x', account: '201' });
    await client.call('device.add', { mac: SNOM, model: 'Snom/D7xx' });
    await client.call('device.add', { mac: GS, model: 'Grandstream/GXP-GRP' });
  });

  after(async () => {
    for (const p of sippProcs) if (p.exitCode === null) p.kill('SIGKILL');
    await agent?.stop();
    agent?.cleanup();
  });

  const resync = async (args: string[]): Promise<{ code: number | null; r: ResyncJson; stderr: string }> => {
    const out = await agent.pbxctl(['--json', 'device', 'resync', ...args]);
    return { code: out.code, r: JSON.parse(out.stdout) as ResyncJson, stderr: out.stderr };
  };

  it('Yealink: check-sync;reboot=false to --address, sipp answers 200, pbxctl reports it (exit 0)', async () => {
    const port = await freePort({ proto: 'udp' });
    const sipp = startSipp(dir, 'yealink', notifyScenario('check-sync;reboot=false'), '127.0.0.1', port);
    sippProcs.push(sipp.proc);
    await waitUdpBound(port, '127.0.0.1');
    const { code, r } = await resync([YEALINK, '--address', `127.0.0.1:${port}`]);
    const s = await sipp.exited;
    assert.equal(s.code, 0, `sipp checked the NOTIFY: ${s.out}`);
    assert.equal(code, 0);
    assert.equal(r.answered, true);
    assert.equal(r.status, 200);
    assert.equal(r.event, 'check-sync;reboot=false');
    assert.equal(r.target.source, 'given');
    const audit = await client.call<Array<{ action: string; description: string }>>('audit.list', { objectType: 'device', limit: 5 });
    assert.match(audit[0]!.description, /NOTIFY Event: check-sync;reboot=false sent to 127\.0\.0\.1:\d+ \(given\): answered 200/);
  });

  it('the sipp Event check can fail: a phone expecting reboot=true flags our reboot=false', async () => {
    const port = await freePort({ proto: 'udp' });
    const sipp = startSipp(dir, 'mismatch', notifyScenario('check-sync;reboot=true'), '127.0.0.1', port);
    sippProcs.push(sipp.proc);
    await waitUdpBound(port, '127.0.0.1');
    await resync([YEALINK, '--address', `127.0.0.1:${port}`, '--t1-ms', '20']);
    const s = await sipp.exited;
    assert.notEqual(s.code, 0, `sipp saw the wrong Event and failed the call: ${s.out}`);
  });

  it('Snom --reboot: check-sync;reboot=true; the human output says answered', async () => {
    const port = await freePort({ proto: 'udp' });
    const sipp = startSipp(dir, 'snom', notifyScenario('check-sync;reboot=true'), '127.0.0.1', port);
    sippProcs.push(sipp.proc);
    await waitUdpBound(port, '127.0.0.1');
    const out = await agent.pbxctl(['device', 'resync', SNOM, '--reboot', '--address', `127.0.0.1:${port}`]);
    assert.equal((await sipp.exited).code, 0);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /result:\s+answered 200 OK/);
    assert.match(out.stdout, /event:\s+check-sync;reboot=true/);
  });

  it('Grandstream: Event resync; a phone answering 481 gives exit 9', async () => {
    const port = await freePort({ proto: 'udp' });
    const sipp = startSipp(dir, 'gs', notifyScenario('resync', '481 Call/Transaction Does Not Exist'), '127.0.0.1', port);
    sippProcs.push(sipp.proc);
    await waitUdpBound(port, '127.0.0.1');
    const { code, r } = await resync([GS, '--address', `127.0.0.1:${port}`]);
    assert.equal((await sipp.exited).code, 0);
    assert.equal(code, 9);
    assert.equal(r.status, 481);
  });

  it("the last known address: the phone's last file fetch, on the SIP port PnP saw it use (no --address)", async () => {
    // PnP saw the phone long ago (its SIP port); it fetched its file just now from the same address.
    // A free port rather than 5060, so no other test's SIP socket can collide with sipp.
    const ip = '127.0.0.23';
    const port = await freePort({ proto: 'udp' });
    const db = new Database(join(agent.dir, 'state', 'pbx-agent.db'));
    db.prepare('INSERT INTO pnp_seen (mac, vendor, ip, port, last_seen) VALUES (?, ?, ?, ?, ?)').run(YEALINK, 'Yealink', ip, port, Date.now() - 3_600_000);
    db.close();
    const f = await run('curl', ['-sS', '--interface', ip, '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${httpPort}/provisioning/${YEALINK}.cfg`]);
    assert.equal(f.stdout, '200');
    const sipp = startSipp(dir, 'fetch', notifyScenario('check-sync;reboot=false'), ip, port);
    sippProcs.push(sipp.proc);
    await waitUdpBound(port, ip);
    const { code, r } = await resync([YEALINK]);
    assert.equal((await sipp.exited).code, 0);
    assert.equal(code, 0);
    assert.deepEqual({ address: r.target.address, port: r.target.port, source: r.target.source }, { address: ip, port, source: 'fetch' });
  });

  it('retransmits on the SIP timers until the phone answers (sipp answers after 450 ms, T1 = 100 ms)', async () => {
    const port = await freePort({ proto: 'udp' });
    const sipp = startSipp(dir, 'retrans', notifyScenario('check-sync;reboot=false', '200 OK', 450), '127.0.0.1', port);
    sippProcs.push(sipp.proc);
    await waitUdpBound(port, '127.0.0.1');
    const { code, r } = await resync([YEALINK, '--address', `127.0.0.1:${port}`, '--t1-ms', '100']);
    assert.equal((await sipp.exited).code, 0);
    assert.equal(code, 0);
    // Sent at 0, then T1 = 100 and 300 ms (doubling): three before the answer at 450 ms.
    assert.ok(r.transmissions >= 3, `sent ${r.transmissions} times`);
  });

  it('no answer: Timer F (64*T1) ends it, exit 7; a closed port is reported unreachable at once', async () => {
    const silent: Socket = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const port = silent.address().port;
    let got = 0;
    silent.on('message', () => { got++; });
    const t0 = Date.now();
    const { code, r } = await resync([YEALINK, '--address', `127.0.0.1:${port}`, '--t1-ms', '20']);
    silent.close();
    assert.equal(code, 7);
    assert.equal(r.outcome, 'timeout');
    assert.ok(Date.now() - t0 >= 64 * 20, 'waited Timer F');
    assert.ok(r.transmissions >= 5 && got === r.transmissions, `sent ${r.transmissions}, received ${got}`);
    const closed = await freePort({ proto: 'udp' });
    const u = await resync([YEALINK, '--address', `127.0.0.1:${closed}`]);
    assert.equal(u.code, 7);
    assert.equal(u.r.outcome, 'unreachable');
  });

  it('a device never seen and without a static IP: a clear error naming --address', async () => {
    const out = await agent.pbxctl(['device', 'resync', SNOM]);
    assert.equal(out.code, 7);
    assert.match(out.stderr, /no known address[\s\S]*--address/);
  });
});

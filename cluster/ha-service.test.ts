// Two REAL pbx-agent daemons in network namespaces (LAN bridge, sync bridge, one ping target),
// paired by seeding the cluster key as cluster/pairing stores it, with the lab timers of ha.md
// section 6 (K 200 ms, W 600 ms, D 1500 ms, I 3 s). A sampler reads `ip addr` in both nodes every
// 50 ms for the whole test and fails it if both ever hold the resource IP.
// Covers: start (default active wins, paths up), status and pbxctl rendering, takeover refusals,
// switchover (gap, no overlap, audited), graceful stop (peer takes over well within D), restart
// (no failback), disable on both nodes (resource stays). The 20 scenarios are test/ha's.
// Needs root, iproute2, arping, ping (requireLab says so loudly).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../agent/store/db.ts';
import { startAgent, type Agent } from '../test/e2e/agent.ts';
import { createLab, type Lab } from '../test/lab/lab.ts';
import { requireLab } from '../test/lab/preflight.ts';
import { seedPairing } from './ha-store.ts';
import { parseAddrShow } from './resource/ip.ts';

const KEY = Buffer.alloc(32, 0x3c);
const VIP = '10.61.0.100';
const D = 1500;
const SERIAL = { a: 'HA-A', b: 'HA-B' } as const;
type Node = 'a' | 'b';
const ADDR = { a: { lan: '10.61.0.1', sync: '10.62.0.1' }, b: { lan: '10.61.0.2', sync: '10.62.0.2' } };

function haConfig(me: Node) {
  const peer: Node = me === 'a' ? 'b' : 'a';
  return {
    node: { serial: SERIAL[me] },
    log: { level: 'info' },
    ha: {
      enabled: true, coordinator: me === 'a', peerSerial: SERIAL[peer], interface: 'eth0',
      localIp: ADDR[me].lan, remoteIp: ADDR[peer].lan, resourceIp: `${VIP}/24`, pingGroup: ['10.61.0.254'],
      syncInterface: 'eth1', localSyncIp: ADDR[me].sync, remoteSyncIp: ADDR[peer].sync, defaultActive: SERIAL.a,
      keepaliveIntervalMs: 200, warningMs: 600, deadMs: D, initTimeoutMs: 3000, pingIntervalMs: 300, pingTimeoutMs: 250,
      pingDampenMs: 600, resourceCheckIntervalMs: 500, handoverTimeoutMs: 2000, resourceTimeoutMs: 5000, garpRepeatMs: 1000,
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('two HA daemons in namespaces (root)', () => {
  let lab: Lab;
  const dirs: Record<Node, string> = { a: '', b: '' };
  const agents: Partial<Record<Node, Agent>> = {};
  let sampling = true;
  let maxHolders = 0;
  let sampler: Promise<void>;
  const holdersNow = async (): Promise<Node[]> => {
    const out: Node[] = [];
    for (const n of ['a', 'b'] as const) {
      const r = await new Promise<string>((res) => execFile('ip', ['-n', lab.ns(n), '-o', '-4', 'addr', 'show'], (_e, so) => res(String(so))));
      if (parseAddrShow(r).some((e) => e.address === VIP)) out.push(n);
    }
    return out;
  };
  const waitHolders = async (want: Node[], ms: number): Promise<number> => {
    const t0 = Date.now();
    for (;;) {
      const h = await holdersNow();
      if (h.join() === want.join()) return Date.now() - t0;
      if (Date.now() - t0 > ms) throw new Error(`holders ${JSON.stringify(h)} after ${ms} ms, wanted ${JSON.stringify(want)}`);
      await sleep(20);
    }
  };
  const status = async (n: Node): Promise<Record<string, any>> => {
    const r = await agents[n]!.pbxctl(['--json', 'ha', 'status']);
    const trail = () => agents[n]!.logs.filter((l) => (l.level as number) >= 40).slice(-5).map((l) => JSON.stringify(l)).join('\n');
    const p = agents[n]!.proc;
    assert.equal(r.code, 0, `${r.stderr}\ndaemon ${n}: exit ${p.exitCode} ${p.signalCode}; stderr: ${stderrOf[n]}\nlast warnings:\n${trail()}`);
    return JSON.parse(r.stdout) as Record<string, any>;
  };
  const stderrOf: Record<Node, string> = { a: '', b: '' };
  const start = async (n: Node) => {
    agents[n] = await startAgent({ dir: dirs[n], netns: lab.ns(n), config: haConfig(n) });
    stderrOf[n] = '';
    agents[n].proc.stderr!.on('data', (d) => { stderrOf[n] = (stderrOf[n] + String(d)).slice(-4000); });
  };

  before(async () => {
    requireLab(['arping', 'ping']);
    lab = await createLab({
      hosts: [
        { name: 'a', nics: [{ bridge: 'lan', ip: `${ADDR.a.lan}/24` }, { bridge: 'sync', ip: `${ADDR.a.sync}/24` }] },
        { name: 'b', nics: [{ bridge: 'lan', ip: `${ADDR.b.lan}/24` }, { bridge: 'sync', ip: `${ADDR.b.sync}/24` }] },
        { name: 'gw', ip: '10.61.0.254/24' },
      ],
    });
    for (const n of ['a', 'b'] as const) {
      dirs[n] = mkdtempSync(join(tmpdir(), `pbx-ha-${n}-`));
      const db = openDatabase(join(dirs[n], 'state', 'pbx-agent.db'));
      seedPairing(db, { key: KEY, peerSerial: SERIAL[n === 'a' ? 'b' : 'a'] });
      db.close();
    }
    await Promise.all([start('a'), start('b')]);
    sampler = (async () => {
      while (sampling) {
        maxHolders = Math.max(maxHolders, (await holdersNow()).length);
        await sleep(50);
      }
    })();
  });

  after(async () => {
    sampling = false;
    await sampler;
    for (const a of Object.values(agents)) await a?.stop().catch(() => {});
    await lab?.teardown();
    for (const d of Object.values(dirs)) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('simultaneous start: the default active node takes the resource, the other stands by; status shows it all', async (t) => {
    const ms = await waitHolders(['a'], 3000 + 3000);
    t.diagnostic(`resource on the default active node ${ms} ms after both daemons were ready (init timeout 3000 ms)`);
    await sleep(3 * 200);
    const sa = await status('a');
    const sb = await status('b');
    assert.equal(sa.state, 'active');
    assert.equal(sb.state, 'standby');
    assert.equal(sa.resource.holder, 'this node');
    assert.equal(sb.resource.holder, 'peer');
    assert.equal(sa.nodes.peer.serial, SERIAL.b);
    assert.equal(sa.nodes.peer.syncIp, ADDR.b.sync);
    assert.equal(sa.nodes.peer.liveness, 'alive');
    assert.deepEqual(sa.heartbeat.paths.map((p: any) => [p.name, p.state]), [['lan', 'up'], ['sync', 'up']]);
    assert.ok(sa.heartbeat.paths.every((p: any) => p.ageMs < 600 && p.rx > 0 && p.tx > 0));
    assert.deepEqual(sa.heartbeat.dropped, {});
    assert.equal(sa.pingGroup.self.total, 1);
    assert.ok(sa.transitions.length >= 2 && sa.transitions.some((t: any) => t.to === 'active'));
    const human = await agents.a!.pbxctl(['status']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /HA: enabled as coordinator, paired; service state active/);
    assert.match(human.stdout, /lan +10\.61\.0\.1 +10\.61\.0\.2 +up/);
    assert.match(human.stdout, /Resource: 10\.61\.0\.100\/24 on eth0, held by this node/);
  });

  it('takeover is refused without confirmation, and while the peer is alive', async () => {
    const noConfirm = await agents.b!.pbxctl(['ha', 'takeover']);
    assert.equal(noConfirm.code, 2, noConfirm.stderr);
    assert.match(noConfirm.stderr, /confirm/);
    const alive = await agents.b!.pbxctl(['ha', 'takeover', '--peer-is-down']);
    assert.equal(alive.code, 5, alive.stderr);
    assert.match(alive.stderr, /peer is alive/);
  });

  it('switchover moves the resource with a gap, never an overlap, and is audited', async (t) => {
    const t0 = Date.now();
    const r = await agents.a!.pbxctl(['ha', 'switchover']);
    assert.equal(r.code, 0, r.stderr);
    await waitHolders(['b'], 5000);
    t.diagnostic(`switchover: resource on the other node ${Date.now() - t0} ms after pbxctl started (includes pbxctl start-up)`);
    assert.equal(maxHolders, 1, 'never two holders');
    const audit = await agents.a!.pbxctl(['--json', 'audit', 'list', '--type', 'ha']);
    assert.match(audit.stdout, /switchover/);
    await sleep(400);
    assert.equal((await status('a')).state, 'standby');
    assert.equal((await status('b')).state, 'active');
  });

  it('graceful stop of the active node: the peer takes over well within the dead threshold', async (t) => {
    const t0 = Date.now();
    await agents.b!.stop();
    const stoppedAt = Date.now();
    await waitHolders(['a'], D * 2);
    const gapAfterExit = Date.now() - stoppedAt;
    t.diagnostic(`graceful stop: the peer holds the resource ${gapAfterExit} ms after the stopped daemon exited (its stop took ${stoppedAt - t0} ms; dead threshold ${D} ms)`);
    assert.ok(gapAfterExit < D, `took ${gapAfterExit} ms after the exit (stop took ${stoppedAt - t0} ms), dead is ${D}`);
    assert.equal(maxHolders, 1);
  });

  it('the stopped node restarts into standby: no failback, and its new generation is seen', async () => {
    const before = (await status('a')).nodes.peer.generation;
    await start('b');
    await sleep(3000 + 1000);
    assert.deepEqual(await holdersNow(), ['a']);
    const sb = await status('b');
    assert.equal(sb.state, 'standby');
    const sa = await status('a');
    assert.ok(sa.nodes.peer.generation > before, `${sa.nodes.peer.generation} > ${before}`);
  });

  it('disable on one node disables both; the resource stays on the active node', async () => {
    const r = await agents.a!.pbxctl(['ha', 'disable']);
    assert.equal(r.code, 0, r.stderr);
    await sleep(800);
    assert.equal((await status('a')).state, 'disabled');
    assert.equal((await status('b')).state, 'disabled');
    assert.deepEqual(await holdersNow(), ['a']);
    assert.equal(maxHolders, 1);
  });

  it('enable again on both nodes: init with resource detection; the node that kept the resource stays active', async () => {
    for (const n of ['a', 'b'] as const) {
      const r = await agents[n]!.pbxctl(['ha', 'enable']);
      assert.equal(r.code, 0, r.stderr);
    }
    await sleep(3000 + 1500);
    assert.deepEqual(await holdersNow(), ['a']);
    assert.equal((await status('a')).state, 'active');
    assert.equal((await status('b')).state, 'standby');
    assert.equal(maxHolders, 1);
  });

  it('kill -9 of the active daemon: the peer takes over after the dead threshold; restarted, the node reports its leftover and one holder remains', async (t) => {
    // The killed daemon's address stays in the kernel: two holders are expected until the
    // restarted node settles it (ha.md scenario 6), so the never-two sampler stops here.
    sampling = false;
    await sampler;
    const t0 = Date.now();
    await agents.a!.kill9();
    await waitHolders(['a', 'b'], D + 3000);
    const took = Date.now() - t0;
    t.diagnostic(`kill -9: the peer added the resource ${took} ms after the kill (dead threshold ${D} ms)`);
    assert.ok(took >= D - 200 - 50, `not before the dead threshold: ${took} ms`);
    await start('a');
    const startedAt = Date.now();
    for (;;) {
      const h = await holdersNow();
      if (h.length === 1) break;
      assert.ok(Date.now() - startedAt < 3000 + 2000, `still ${JSON.stringify(h)} ${Date.now() - startedAt} ms after the restart`);
      await sleep(20);
    }
    t.diagnostic(`restart after kill -9: one holder ${Date.now() - startedAt} ms after the daemon was ready`);
    const sa = await status('a');
    assert.ok(sa.transitions.some((x: any) => /already on the interface/.test(x.reason)), 'the leftover was found at start');
  });

  it('SIGUSR2 stops the daemon for a restart: the resource stays in place', async () => {
    const [holder] = await holdersNow();
    assert.ok(holder);
    const ag = agents[holder]!;
    const exited = new Promise<number | null>((r) => ag.proc.once('exit', (code) => r(code)));
    process.kill(ag.pid, 'SIGUSR2');
    assert.equal(await exited, 0);
    assert.ok((await holdersNow()).includes(holder), 'the resource IP is still on the node after its daemon exited');
    assert.ok(ag.logs.some((l) => /SIGUSR2/.test(String(l.msg))));
  });
});

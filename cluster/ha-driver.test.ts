// The HA runtime driver in-process, no root: two HaService instances talk real UDP over loopback
// (127.0.0.1/127.0.1.1 <-> 127.0.0.2/127.0.1.2) with their own in-memory stores, while `ip`,
// `arping` and `ping` are a recording fake (the real tools are ha-service.test.ts's, in
// namespaces). Covers what only the driver does: pairing picked up from the store at run time,
// persisted generations and transitions, the services switch PnP/DHCP listen to, and the peer's
// disable kept across restarts and audited.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { readAudit } from '../agent/audit.ts';
import { silentLogger } from '../agent/log.ts';
import { openDatabase, type Db } from '../agent/store/db.ts';
import { haDefaults, type HaConfig } from './config-schema.ts';
import { HaService } from './ha-service.ts';
import { HaStore, seedPairing } from './ha-store.ts';
import type { CommandRunner, CommandResult } from './resource/run.ts';

function defaultHaConfig(over: Partial<HaConfig>): HaConfig {
  return { ...haDefaults(), ...over };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KEY = Buffer.alloc(32, 9);
const PORT = 30000 + (process.pid % 20000);

/** `ip addr` over an in-memory address list; arping and ping succeed. */
function fakeRunner(addrs: Set<string>, log: string[]): CommandRunner {
  const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '', timedOut: false });
  return {
    async run(cmd, args) {
      log.push([cmd, ...args].join(' '));
      if (cmd === 'ip' && args.includes('show')) {
        return ok([...addrs].map((a) => `2: eth0    inet ${a} scope global secondary eth0:ha\\       valid_lft forever`).join('\n'));
      }
      if (cmd === 'ip' && args[2] === 'add') { addrs.add(args[3]!); return ok(); }
      if (cmd === 'ip' && args[2] === 'del') { addrs.delete(args[3]!); return ok(); }
      return ok();
    },
    background(cmd, args) { log.push([cmd, ...args].join(' ')); return { pid: undefined, done: Promise.resolve(ok()) }; },
    kill() {},
  };
}

interface N { svc: HaService; db: Db; addrs: Set<string>; ran: string[]; active: boolean[] }

function node(me: 'a' | 'b', db: Db, addrs = new Set<string>()): N {
  const lan = me === 'a' ? ['127.0.0.1', '127.0.0.2'] : ['127.0.0.2', '127.0.0.1'];
  const sync = me === 'a' ? ['127.0.1.1', '127.0.1.2'] : ['127.0.1.2', '127.0.1.1'];
  const ran: string[] = [];
  const ha = defaultHaConfig({
    enabled: true, coordinator: me === 'a', peerSerial: me === 'a' ? 'SN-B' : 'SN-A', interface: 'eth0',
    localIp: lan[0]!, remoteIp: lan[1]!, resourceIp: '127.0.0.100/8', syncInterface: 'eth1', localSyncIp: sync[0]!, remoteSyncIp: sync[1]!,
    defaultActive: 'SN-A', keepaliveIntervalMs: 100, warningMs: 300, deadMs: 800, initTimeoutMs: 1500, heartbeatPort: PORT,
    resourceCheckIntervalMs: 300, handoverTimeoutMs: 1000, resourceTimeoutMs: 2000, garpRepeatMs: 0,
  });
  const svc = new HaService({ ha, nodeSerial: me === 'a' ? 'SN-A' : 'SN-B', nodeName: me, db, log: silentLogger(), runner: fakeRunner(addrs, ran), carrier: () => true });
  const active: boolean[] = [];
  svc.onChange((x) => active.push(x));
  return { svc, db, addrs, ran, active };
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(10);
  }
}

const running: HaService[] = [];
after(async () => { for (const s of running) await s.stop(); });

describe('HA driver (in-process, loopback heartbeats, fake ip)', () => {
  const dbA = openDatabase(':memory:');
  const dbB = openDatabase(':memory:');
  let a: N;
  let b: N;

  it('unpaired: no heartbeats, no resource; a pairing written to the store starts the cluster', async () => {
    a = node('a', dbA);
    b = node('b', dbB);
    running.push(a.svc, b.svc);
    await a.svc.start();
    await b.svc.start();
    const s0 = a.svc.status() as any;
    assert.equal(s0.state, 'unpaired');
    assert.equal(s0.heartbeat.running, false);
    assert.match(s0.heartbeat.why, /not paired/);
    assert.equal(a.svc.isActive(), false);
    seedPairing(dbA, { key: KEY, peerSerial: 'SN-B' });
    seedPairing(dbB, { key: KEY, peerSerial: 'SN-A' });
    await until(() => a.addrs.has('127.0.0.100/8'), 4000, 'A takes the resource');
    await until(() => (b.svc.status() as any).state === 'standby', 2000, 'B stands by');
    assert.equal(b.addrs.size, 0);
    assert.equal(a.svc.isActive(), true);
    assert.equal(b.svc.isActive(), false);
    assert.deepEqual(a.active, [true], 'PnP/DHCP listeners told once');
    assert.equal(a.svc.resourceIp(), '127.0.0.100');
    assert.ok(a.ran.some((c) => c.startsWith('arping -q -U')), 'GARP after acquire');
  });

  it('transitions and the role are stored before they matter; generations are persisted', () => {
    const rows = dbA.prepare('SELECT from_state, to_state, generation FROM cluster_transitions ORDER BY id').all() as { from_state: string; to_state: string; generation: number }[];
    assert.deepEqual(rows.map((r) => r.to_state), ['unpaired', 'init', 'acquiring', 'active']);
    assert.ok(rows.every((r) => r.generation === 1));
    assert.equal((dbA.prepare('SELECT role, generation FROM cluster_state').get() as { role: string }).role, 'active');
    assert.equal(new HaStore(dbA).runtime().peerGeneration, 1);
    const st = a.svc.status() as any;
    assert.equal(st.nodes.peer.liveness, 'alive');
    assert.deepEqual(st.heartbeat.paths.map((p: any) => p.state), ['up', 'up']);
    assert.equal(st.transitions[0].to, 'active');
  });

  it('a restarted peer comes back with a new generation, which the other side stores', async () => {
    await b.svc.stop();
    b = node('b', dbB);
    running.push(b.svc);
    await b.svc.start();
    await until(() => new HaStore(dbA).runtime().peerGeneration === 2, 3000, 'A stores generation 2');
    await until(() => (b.svc.status() as any).state === 'standby', 3000, 'B back to standby');
    assert.ok(a.addrs.has('127.0.0.100/8') && b.addrs.size === 0, 'no failback');
  });

  it('disable reaches the peer, which keeps it across restarts and audits it as the peer\'s act', async () => {
    const r = await a.svc.admin({ action: 'disable' });
    assert.ok(r.ok, r.message);
    await until(() => (b.svc.status() as any).state === 'disabled', 2000, 'B disabled by the peer');
    assert.equal(new HaStore(dbB).runtime().adminEnabled, false);
    const audit = readAudit(dbB, { objectType: 'ha' });
    assert.equal(audit[0]?.user, 'peer');
    assert.ok(a.addrs.has('127.0.0.100/8'), 'the resource stays');
    assert.equal(a.svc.isActive(), true, 'the disabled node that kept the resource still serves');
    assert.equal(b.svc.isActive(), false, 'the other does not: never two DHCP servers');
  });

  it('a graceful stop of the holder (after re-enabling) releases the resource and the peer takes over at once', async () => {
    for (const n of [a, b]) assert.ok((await n.svc.admin({ action: 'enable' })).ok);
    await until(() => (a.svc.status() as any).state === 'active' && (b.svc.status() as any).state === 'standby', 4000, 'settled again');
    const t0 = Date.now();
    await a.svc.stop();
    assert.equal(a.addrs.size, 0, 'released on stop');
    await until(() => b.addrs.has('127.0.0.100/8'), 800, 'B takes over before the dead threshold');
    assert.ok(Date.now() - t0 < 800);
  });
});

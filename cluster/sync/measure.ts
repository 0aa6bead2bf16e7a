// Measures pairing and replication on loopback (two real ssh2 endpoints, one process):
//   node cluster/sync/measure.ts [devices=2000] [runs=5]
// Prints pairing time, session setup, snapshot size/take/apply for a store with N devices,
// edit-on-coordinator -> visible-on-member latency, and lease replication latency.
// Heavy-ish (CPU): run it as `flock /tmp/pbx-heavy.lock node cluster/sync/measure.ts`.
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../agent/log.ts';
import { defaultDhcpConfig } from '../../net/dhcp/config-schema.ts';
import { resolveConfig } from '../../net/dhcp/config.ts';
import { LeaseTable } from '../../net/dhcp/leases.ts';
import { ipToInt } from '../../net/lib/ipv4.ts';
import { provisioningMethods } from '../../provisioning/control-methods.ts';
import { fixture } from '../../provisioning/testing/fixture.ts';
import { freePort } from '../../test/lab/ports.ts';
import { encodeFrame } from '../pairing/frames.ts';
import { linkNode } from '../pairing/testing.ts';
import { guardConfigMethods } from './guard.ts';
import { createReplicator } from './replicator.ts';
import { applySnapshot, configState, takeSnapshot } from './snapshot.ts';

const devices = Number(process.argv[2] ?? 2000);
const runs = Number(process.argv[3] ?? 5);
const ACTOR = { user: 'bench', source: 'measure' };
const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0]!.toFixed(1)} / median ${s[Math.floor(s.length / 2)]!.toFixed(1)} / max ${s[s.length - 1]!.toFixed(1)} ms (n=${s.length})`;
};
const until = async (cond: () => boolean): Promise<void> => { while (!cond()) await new Promise((r) => setImmediate(r)); };

const pairTimes: number[] = [];
for (let i = 0; i < runs; i++) {
  const port = await freePort({ host: '127.0.0.51' });
  const b = await linkNode({ address: '127.0.0.52', peer: '127.0.0.51', serial: 'SN-B', name: 'b', port });
  const a = await linkNode({ address: '127.0.0.51', peer: '127.0.0.52', serial: 'SN-A', name: 'a', port, coordinator: true, peerSerial: 'SN-B' });
  const t0 = performance.now();
  await a.link.pair(ACTOR);
  pairTimes.push(performance.now() - t0);
  await a.close(); await b.close();
}
console.log(`pairing (ssh handshake + password + key exchange, both stores written): ${stats(pairTimes)}`);

// A big configuration.
const fa = fixture();
const fb = fixture();
const acc = fa.s.addAccount(ACTOR, { username: 'base', password: 'x' });
fa.db.transaction(() => {
  for (let i = 0; i < devices; i++) fa.s.addDevice(ACTOR, { mac: `0015650${i.toString(16).padStart(5, '0')}`, model: 'Yealink/T4x-T5x', account: acc.id });
})();
let t = performance.now();
const snap = takeSnapshot(fa.db);
const takeMs = performance.now() - t;
const bytes = encodeFrame(snap).length;
t = performance.now();
applySnapshot(fb.db, snap, ACTOR, 'measure', Date.now());
const applyMs = performance.now() - t;
console.log(`snapshot of ${devices} devices: ${(bytes / 1024).toFixed(0)} KiB framed, take ${takeMs.toFixed(1)} ms, apply+verify ${applyMs.toFixed(1)} ms`);

// Edit -> member latency, and lease latency, over a live session.
const port = await freePort({ host: '127.0.0.51' });
const nb = await linkNode({ address: '127.0.0.52', peer: '127.0.0.51', serial: 'SN-B', name: 'b', port, db: fb.db });
const na = await linkNode({ address: '127.0.0.51', peer: '127.0.0.52', serial: 'SN-A', name: 'a', port, coordinator: true, peerSerial: 'SN-B', db: fa.db });
const cfg = resolveConfig(defaultDhcpConfig({ pools: ['10.0.0.10-10.0.0.250/24'] }), { address: ipToInt('10.0.0.1')!, prefix: 24 });
const la = new LeaseTable(fa.db, cfg, Date.now());
const lb = new LeaseTable(fb.db, cfg, Date.now());
const src = (t2: LeaseTable) => ({ onLeaseChange: (f: Parameters<LeaseTable['onLeaseChange']>[0]) => t2.onLeaseChange(f), applyPeerLease: (l: Parameters<LeaseTable['applyPeerLease']>[0]) => t2.applyPeerLease(l, Date.now()), running: () => true });
const ra = createReplicator({ db: fa.db, link: na.link, ha: () => na.ha, log: silentLogger(), leases: src(la) });
const rb = createReplicator({ db: fb.db, link: nb.link, ha: () => nb.ha, log: silentLogger(), leases: src(lb) });
await ra.start(); await rb.start();
await na.link.pair(ACTOR);
await until(() => configState(fb.db).hash === configState(fa.db).hash);
await new Promise((r) => setTimeout(r, 300));
const methods = guardConfigMethods(provisioningMethods(fa.prov), { coordinator: () => undefined, changed: () => ra.kick() });
const editMs: number[] = [];
for (let i = 0; i < runs; i++) {
  const t1 = performance.now();
  await methods['tenant.add']!({ name: `T${i}` }, { actor: ACTOR });
  await until(() => (fb.db.prepare('SELECT count(*) AS n FROM tenants WHERE name = ?').get(`T${i}`) as { n: number }).n === 1);
  editMs.push(performance.now() - t1);
  await new Promise((r) => setTimeout(r, 100));
}
console.log(`config edit on the coordinator -> rows on the member (${devices} devices, full snapshot): ${stats(editMs)}`);
const leaseMs: number[] = [];
for (let i = 0; i < runs * 4; i++) {
  const now = Date.now();
  const ip = `10.0.0.${20 + i}`;
  const t1 = performance.now();
  la.apply([{ op: 'put', lease: { ip, mac: `02000000${(i + 16).toString(16).padStart(4, '0')}`, clientId: null, hostname: null, vendorClass: null, state: 'bound', startsAt: now, expiresAt: now + 60_000, updatedAt: now, version: 1 } }], now);
  la.commit(now);
  await until(() => lb.lease(ipToInt(ip)!) !== undefined);
  leaseMs.push(performance.now() - t1);
}
console.log(`lease commit on one node -> in the peer's live table: ${stats(leaseMs)}`);
await ra.stop(); await rb.stop(); await na.close(); await nb.close();
fa.db.close(); fb.db.close();

// Replication between two real ssh2 endpoints on loopback: a provisioning edit on the
// coordinator reaches the member's store (same rows, same hash) and the member renders the same
// file; a lease committed on either node reaches the other's live lease table; edits on the
// member are refused naming the coordinator; malformed or inconsistent snapshots change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAudit } from '../../agent/audit.ts';
import type { MethodTable } from '../../agent/control/registry.ts';
import { PbxError } from '../../agent/errors.ts';
import { silentLogger } from '../../agent/log.ts';
import { defaultDhcpConfig } from '../../net/dhcp/config-schema.ts';
import { resolveConfig } from '../../net/dhcp/config.ts';
import { LeaseTable, type Lease } from '../../net/dhcp/leases.ts';
import { ipToInt } from '../../net/lib/ipv4.ts';
import { provisioningMethods } from '../../provisioning/control-methods.ts';
import { fixture, type Fixture } from '../../provisioning/testing/fixture.ts';
import { freePort } from '../../test/lab/ports.ts';
import { linkNode, type LinkNode } from '../pairing/testing.ts';
import { NotCoordinatorError, guardConfigMethods, isConfigWrite } from './guard.ts';
import type { LeaseSource } from './leases.ts';
import { createReplicator, type Replicator } from './replicator.ts';
import { applySnapshot, configState, parseSnapshot, takeSnapshot } from './snapshot.ts';

const A = '127.0.0.21';
const B = '127.0.0.22';
const ADMIN = { user: 'alice', source: 'pbxctl' };
const CTX = { actor: ADMIN };

interface Node { f: Fixture; n: LinkNode; r: Replicator; leases: LeaseTable; methods: MethodTable }

function leaseTable(f: Fixture): LeaseTable {
  const cfg = resolveConfig(defaultDhcpConfig({ pools: ['10.0.0.100-10.0.0.199/24'] }), { address: ipToInt('10.0.0.1')!, prefix: 24 });
  return new LeaseTable(f.db, cfg, Date.now());
}

function source(t: LeaseTable): LeaseSource {
  return { onLeaseChange: (l) => t.onLeaseChange(l), applyPeerLease: (l) => t.applyPeerLease(l, Date.now()), running: () => true };
}

async function node(o: { address: string; peer: string; serial: string; name: string; port: number; coordinator: boolean; peerSerial?: string }): Promise<Node> {
  const f = fixture();
  const n = await linkNode({ ...o, db: f.db });
  const leases = leaseTable(f);
  const r = createReplicator({ db: f.db, link: n.link, ha: () => n.ha, log: silentLogger(), leases: source(leases) });
  await r.start();
  const methods = guardConfigMethods(provisioningMethods(f.prov), { coordinator: () => n.link.coordinatorName(), changed: () => r.kick() });
  return { f, n, r, leases, methods };
}

async function cluster(): Promise<{ a: Node; b: Node; close(): Promise<void> }> {
  const port = await freePort({ host: A });
  const b = await node({ address: B, peer: A, serial: 'SN-B', name: 'node-b', port, coordinator: false });
  const a = await node({ address: A, peer: B, serial: 'SN-A', name: 'node-a', port, coordinator: true, peerSerial: 'SN-B' });
  await a.n.link.pair(ADMIN);
  return {
    a, b,
    async close() {
      for (const x of [a, b]) { await x.r.stop(); await x.n.close(); x.f.db.close(); }
    },
  };
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const rows = (f: Fixture, sql: string): unknown[] => f.db.prepare(sql).all();

test('a config edit on the coordinator reaches the member, which then serves the same file', async () => {
  const { a, b, close } = await cluster();
  try {
    const file = '001565aabbcc.cfg';
    assert.equal((await b.f.get(file)).ok, false, 'the member does not know the device yet');
    // Through the guarded control methods, like pbxctl: the guard kicks replication.
    const acc = (await a.methods['account.add']!({ username: '201', password: 's3cret', displayName: 'Mario Rossi' }, CTX)) as { id: number };
    await a.methods['device.add']!({ mac: '00:15:65:aa:bb:cc', model: 'Yealink/T4x-T5x', account: acc.id, enabled: true }, CTX);
    await until('the member to hold the coordinator\'s configuration', () => configState(b.f.db).hash === configState(a.f.db).hash);
    assert.deepEqual(rows(b.f, 'SELECT * FROM devices ORDER BY id'), rows(a.f, 'SELECT * FROM devices ORDER BY id'));
    assert.deepEqual(rows(b.f, 'SELECT * FROM accounts ORDER BY id'), rows(a.f, 'SELECT * FROM accounts ORDER BY id'));
    assert.deepEqual(rows(b.f, 'SELECT * FROM templates ORDER BY id'), rows(a.f, 'SELECT * FROM templates ORDER BY id'));
    const onA = await a.f.text(file);
    const onB = await b.f.text(file);
    assert.equal(onB, onA);
    assert.match(onB, /201/);
    // Versions and audit: the member records where its configuration came from.
    const v = b.r.view();
    assert.equal(v.role, 'member', JSON.stringify(v));
    assert.equal(v.config.inSync, true, JSON.stringify(v));
    assert.equal(v.config.peer!.version, configState(a.f.db).version);
    const audit = readAudit(b.f.db, { objectType: 'config' });
    assert.equal(audit[0]!.action, 'replicate');
    assert.match(audit[0]!.description, /from the coordinator node-a \(serial SN-A\)/);
    await until('the coordinator to record the member\'s state', () => a.r.view().config.inSync === true);
    // A removal replicates too.
    await a.methods['device.remove']!({ mac: '001565aabbcc' }, CTX);
    await until('the removal to reach the member', () => (b.f.db.prepare('SELECT count(*) AS n FROM devices').get() as { n: number }).n === 0);
    assert.equal((await b.f.get(file)).ok, false);
  } finally { await close(); }
});

test('a config edit on the member is refused with the coordinator\'s name; reads still work', async () => {
  const { a, b, close } = await cluster();
  try {
    await assert.rejects(
      Promise.resolve().then(() => b.methods['device.add']!({ mac: '001565000009', model: 'Yealink/T4x-T5x' }, CTX)),
      (e: unknown) => e instanceof NotCoordinatorError && /coordinator node-a \(serial SN-A, 127\.0\.0\.21\)/.test(e.message) && /pbxctl ha unpair/.test(e.message),
    );
    assert.equal((b.f.db.prepare('SELECT count(*) AS n FROM devices').get() as { n: number }).n, 0);
    assert.ok(Array.isArray(await b.methods['device.list']!({}, CTX)));
    // The coordinator itself is not restricted.
    await a.methods['tenant.add']!({ name: 'Studio Rossi' }, CTX);
    // After unpairing, the former member is standalone and may be edited.
    await b.n.link.unpair(ADMIN);
    await b.methods['tenant.add']!({ name: 'Local' }, CTX);
  } finally { await close(); }
});

test('the guard classifies methods: writes of config areas only, unknown verbs count as writes', async () => {
  for (const m of ['device.add', 'device.update', 'template.copy', 'placeholder.remove', 'tenant.add', 'device.frobnicate']) assert.equal(isConfigWrite(m), true, m);
  for (const m of ['device.list', 'device.show', 'device.preview', 'template.check', 'audit.list', 'ha.pair', 'dhcp.release', 'status']) assert.equal(isConfigWrite(m), false, m);
  const called: string[] = [];
  const t = guardConfigMethods({ 'device.add': () => called.push('add'), 'device.list': () => called.push('list') }, { coordinator: () => ({ name: 'pbx1', serial: 'S1', address: '10.0.0.1' }) });
  await assert.rejects(Promise.resolve(t['device.add']!({}, CTX)), NotCoordinatorError);
  await t['device.list']!({}, CTX);
  assert.deepEqual(called, ['list']);
});

test('a lease committed on either node reaches the other\'s live lease table', async () => {
  const { a, b, close } = await cluster();
  try {
    const now = Date.now();
    const lease: Lease = { ip: '10.0.0.120', mac: '001565aabbcc', clientId: null, hostname: 'phone1', vendorClass: 'yealink', state: 'bound', startsAt: now, expiresAt: now + 3_600_000, updatedAt: now, version: 1 };
    a.leases.apply([{ op: 'put', lease }], now);
    a.leases.commit(now);
    await until('the lease on the member', () => b.leases.lease(ipToInt('10.0.0.120')!)?.mac === '001565aabbcc');
    assert.equal(b.leases.holder(ipToInt('10.0.0.120')!, Date.now()), '001565aabbcc');
    assert.deepEqual(b.f.db.prepare('SELECT * FROM dhcp_leases').all(), a.f.db.prepare('SELECT * FROM dhcp_leases').all());
    // The member (holding the resource after a takeover) releases it: the change flows back.
    const released = b.leases.adminRelease(ipToInt('10.0.0.120')!, Date.now())!;
    assert.equal(released.version, 2);
    await until('the release on the coordinator', () => a.leases.lease(ipToInt('10.0.0.120')!)?.state === 'released');
    await until('the member to see its push acknowledged', () => b.r.view().leases.pending === 0);
    assert.ok(b.r.view().leases.sent >= 1 && a.r.view().leases.received >= 1, JSON.stringify([a.r.view().leases, b.r.view().leases]));
    // No echo: the coordinator did not send the member's change back as its own.
    assert.equal(a.r.view().leases.sent, 1);
  } finally { await close(); }
});

test('pbxctl ha sync pushes now and is audited; a member that diverged is repaired', async () => {
  const { a, b, close } = await cluster();
  try {
    await until('first sync', () => b.r.view().config.inSync === true);
    // Someone edits the member's store behind the guard's back.
    b.f.db.prepare("INSERT INTO settings (key, value) VALUES ('rogue', '1')").run();
    assert.notEqual(configState(b.f.db).hash, configState(a.f.db).hash);
    const res = await a.r.syncNow(ADMIN);
    assert.equal(res.config, 'pushed');
    assert.equal(configState(b.f.db).hash, configState(a.f.db).hash);
    assert.equal(b.f.db.prepare("SELECT count(*) AS n FROM settings WHERE key = 'rogue'").get() !== undefined, true);
    assert.equal((b.f.db.prepare("SELECT count(*) AS n FROM settings WHERE key = 'rogue'").get() as { n: number }).n, 0);
    assert.equal(readAudit(a.f.db, { objectType: 'ha-peer' })[0]!.action, 'sync');
    // The periodic loop repairs without an admin, too.
    b.f.db.prepare("INSERT INTO settings (key, value) VALUES ('rogue2', '1')").run();
    await until('the repair loop', () => configState(b.f.db).hash === configState(a.f.db).hash);
  } finally { await close(); }
});

test('snapshots: malformed ones are rejected, a broken or mismatched one changes nothing', () => {
  const a = fixture();
  const b = fixture();
  try {
    a.s.addAccount(ADMIN, { username: '300', password: 'x' });
    const snap = takeSnapshot(a.db);
    for (const bad of [null, 1, {}, { ...snap, format: 2 }, { ...snap, hash: 'x' }, { ...snap, tables: [] }, { ...snap, tables: snap.tables.map((t) => ({ ...t, rows: [[{ evil: 1 }]] })) }]) {
      assert.equal(typeof parseSnapshot(bad), 'string');
    }
    assert.equal(typeof parseSnapshot(JSON.parse(JSON.stringify(snap))), 'object');
    const before = configState(b.db).hash;
    assert.throws(() => applySnapshot(b.db, { ...snap, schemaVersion: snap.schemaVersion + 1 }, ADMIN, 'x', 0), /same pbx-agent version/);
    // A device pointing at a model that does not exist: refused whole.
    const broken = structuredClone(snap);
    const dev = broken.tables.find((t) => t.name === 'devices')!;
    const cols = dev.columns;
    const row = cols.map((c) => ({ id: 1, mac: '001565000001', enabled: 1, model_id: 99999, dhcp: 1, notes: '', created_at: 't', updated_at: 't' } as Record<string, string | number>)[c] ?? (c.endsWith('_id') || c === 'tenant_uuid' || c === 'remote_port' ? null : ''));
    dev.rows.push(row);
    assert.throws(() => applySnapshot(b.db, broken, ADMIN, 'x', 0), (e: unknown) => e instanceof PbxError && /broken reference|hash/.test(e.message));
    assert.equal(configState(b.db).hash, before, 'nothing applied');
    // A faithful one applies, and the hash matches.
    const r = applySnapshot(b.db, snap, ADMIN, 'x', 0);
    assert.equal(r.hash, snap.hash);
    assert.equal(configState(b.db).hash, configState(a.db).hash);
  } finally { a.db.close(); b.db.close(); }
});

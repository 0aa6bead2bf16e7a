import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readAudit } from '../../agent/audit.ts';
import { openDatabase } from '../../agent/store/db.ts';
import { dhcpMethods } from './dhcp-methods.ts';

const ctx = { actor: { user: 'admin', source: 'test' } };

test('dhcp.leases / dhcp.lease / dhcp.release (store only, audited)', async () => {
  const db = openDatabase(':memory:');
  const now = 1_700_000_000_000;
  const ins = db.prepare('INSERT INTO dhcp_leases (ip, mac, state, starts_at, expires_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, 1)');
  ins.run('10.0.0.100', '020000000001', 'bound', now, now + 3_600_000, now);
  ins.run('10.0.0.101', '020000000002', 'bound', now - 7_200_000, now - 3_600_000, now - 7_200_000);
  ins.run('10.1.0.5', '020000000003', 'declined', now, now + 60_000, now);
  const m = dhcpMethods(db, undefined, () => now);
  assert.equal((await m['dhcp.leases']!({}, ctx) as unknown[]).length, 3);
  assert.deepEqual((await m['dhcp.leases']!({ state: 'expired' }, ctx) as Array<{ ip: string }>).map((l) => l.ip), ['10.0.0.101']);
  assert.deepEqual((await m['dhcp.leases']!({ subnet: '10.1.0.0/16' }, ctx) as Array<{ ip: string }>).map((l) => l.ip), ['10.1.0.5']);
  assert.equal((await m['dhcp.lease']!({ mac: '02:00:00:00:00:01' }, ctx) as { ip: string }).ip, '10.0.0.100');
  await assert.rejects(async () => m['dhcp.lease']!({ ip: '10.9.9.9' }, ctx), /not found/);
  await assert.rejects(async () => m['dhcp.leases']!({ state: 'nope' }, ctx), /state/);
  const r = await m['dhcp.release']!({ ip: '10.0.0.100' }, ctx) as { state: string; version: number };
  assert.equal(r.state, 'released');
  assert.equal(r.version, 2);
  await assert.rejects(async () => m['dhcp.release']!({ ip: '10.0.0.101' }, ctx), /not found/);
  const a = readAudit(db, { objectType: 'dhcp-lease' });
  assert.equal(a.length, 1);
  assert.equal(a[0]!.user, 'admin');
  assert.match(a[0]!.description, /10\.0\.0\.100/);
});

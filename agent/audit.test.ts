import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from './store/db.ts';
import { readAudit, withAudit } from './audit.ts';
import { exportAudit } from './audit-export.ts';

const actor = { user: 'alice', source: 'pbxctl' };

test('a change and its audit rows share one transaction id; ids increase', () => {
  const db = openDatabase(':memory:');
  withAudit(db, actor, (audit) => {
    audit({ action: 'create', objectType: 'device', objectId: 'a', description: 'one' });
    audit({ action: 'create', objectType: 'account', objectId: 'b', description: 'two' });
  });
  withAudit(db, actor, (audit) => audit({ action: 'delete', objectType: 'device', objectId: 'a', description: 'three' }));
  const rows = readAudit(db);
  assert.deepEqual(rows.map((r) => [r.txId, r.description]), [[2, 'three'], [1, 'two'], [1, 'one']]);
  assert.equal(rows[0]!.user, 'alice');
  assert.equal(readAudit(db, { objectType: 'account' }).length, 1);
});

test('a throwing change writes no audit row', () => {
  const db = openDatabase(':memory:');
  assert.throws(() => withAudit(db, actor, (audit) => {
    db.prepare("INSERT INTO tenants (uuid, name) VALUES ('t', 'x')").run();
    audit({ action: 'create', objectType: 'tenant', objectId: 't', description: 'x' });
    throw new Error('boom');
  }), /boom/);
  assert.equal(readAudit(db).length, 0);
  assert.equal((db.prepare("SELECT count(*) n FROM tenants").get() as { n: number }).n, 0);
});

test('exports: CSV quoting and formula guard, JSON, XML escaping', () => {
  const e = [{ id: 1, txId: 7, ts: '2026-11-22T00:00:00.000Z', user: 'bob', source: 'pbxctl', action: 'update', objectType: 'device', objectId: 'x', description: '=cmd, "quoted" <&>' }];
  const csv = exportAudit(e, 'csv');
  assert.match(csv, /^transaction_id,timestamp,user,source,action,object_type,object_id,description\r\n/);
  assert.match(csv, /"'=cmd, ""quoted"" <&>"\r\n$/);
  assert.equal(JSON.parse(exportAudit(e, 'json'))[0].transaction_id, 7);
  const xml = exportAudit(e, 'xml');
  assert.match(xml, /<description>=cmd, &quot;quoted&quot; &lt;&amp;&gt;<\/description>/);
  assert.match(exportAudit([], 'xml'), /<audit_log>\n<\/audit_log>/);
});

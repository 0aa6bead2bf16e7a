// kill -9 during writes: nothing acknowledged is lost and the store stays intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../agent/control/client.ts';
import { integrityCheck, openDatabase } from '../../agent/store/db.ts';
import { startAgent } from './agent.ts';

const mac = (n: number) => `02:00:00:${((n >> 16) & 0xff).toString(16).padStart(2, '0')}:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
const canonical = (m: string) => m.replace(/:/g, '').toLowerCase();

test('kill -9 during a stream of acknowledged writes loses nothing; integrity_check ok (3 cycles)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-crash-'));
  const acked = new Set<string>();
  let next = 1;
  try {
    for (let cycle = 0; cycle < 3; cycle++) {
      const agent = await startAgent({ dir });
      const client = new ControlClient(agent.socket);
      let stop = false;
      // Four concurrent writers, each waiting for its acknowledgement before the next write.
      const writers = Array.from({ length: 4 }, async () => {
        while (!stop) {
          const m = mac(next++);
          try {
            await client.call('device.add', { mac: m, model: 'Yealink/T4x-T5x', notes: `cycle ${cycle}` }, 5000);
            acked.add(canonical(m));
          } catch { return; /* the daemon died mid-request: not acknowledged */ }
        }
      });
      // Kill once a good number of writes have been acknowledged in this cycle.
      const before = acked.size;
      const deadline = Date.now() + 20000;
      while (acked.size - before < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await agent.kill9();
      stop = true;
      await Promise.all(writers);
      assert.ok(acked.size - before >= 60, `cycle ${cycle}: only ${acked.size - before} writes acknowledged`);
    }
    const db = openDatabase(join(dir, 'state', 'pbx-agent.db'));
    assert.equal(integrityCheck(db), 'ok');
    const stored = new Set((db.prepare('SELECT mac FROM devices').all() as { mac: string }[]).map((r) => r.mac));
    const missing = [...acked].filter((m) => !stored.has(m));
    assert.deepEqual(missing, [], `${missing.length} acknowledged devices lost`);
    const audited = (db.prepare("SELECT count(*) AS n FROM audit_log WHERE object_type = 'device' AND action = 'create'").get() as { n: number }).n;
    assert.ok(audited >= acked.size, 'every acknowledged change has its audit row');
    db.close();
    // And the daemon starts again on the crashed store.
    const again = await startAgent({ dir });
    assert.equal((await again.pbxctl(['status'])).code, 0);
    await again.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

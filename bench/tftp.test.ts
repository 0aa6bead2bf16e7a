// The benchmark in miniature: proves every client, reference server and check still works.
// Speed is not asserted here (a loaded CI machine says nothing about it); correctness is,
// since every transfer in the bench is sha256-checked and any mismatch throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatResult, runTftpBench } from './tftp.ts';
import { startFloor } from './lib/tftp-floor.ts';

test('tiny bench: every case runs against our server and the references', { timeout: 120_000 }, async () => {
  const lines: string[] = [];
  const r = await runTftpBench({ fileBytes: 300_000, runs: 1, clients: 8, warmup: false, print: (l) => lines.push(l) });
  assert.equal(r.rows.length, 5);
  for (const row of r.rows) {
    if (row.skipped) {
      assert.equal(row.ref, 'atftpd', 'only the unpacked atftpd may be unavailable (no network for apt-get download)');
      continue;
    }
    assert.ok(row.oursMiBs > 0 && row.refMiBs > 0 && Number.isFinite(row.ratio), JSON.stringify(row));
  }
  assert.equal(r.concurrency.clients, 8);
  assert.ok(r.concurrency.oursMs > 0 && r.concurrency.refMs > 0);
  assert.match(lines.join('\n'), /ratio/);
  assert.equal(formatResult(r), lines.join('\n'));
});

test('the server under test is a parameter', { timeout: 60_000 }, async () => {
  const r = await runTftpBench({ start: startFloor, fileBytes: 100_000, runs: 1, clients: 4, warmup: false, print: () => {} });
  assert.equal(r.concurrency.clients, 4);
});

// Smoke run of the PnP boot-storm bench (tiny: 300 phones at 200/s and 400/s, well under 30 s):
// the harness works end to end and our responder answers every phone at these rates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPnpBench } from './pnp.ts';

test('PnP bench, tiny mode', { timeout: 60_000 }, async () => {
  const lines: string[] = [];
  const r = await runPnpBench({ calls: 300, rates: [200, 400], say: (l) => lines.push(l) });
  assert.equal(r.steps.length, 4, lines.join('\n'));
  for (const s of r.steps) assert.ok(s.complete, `${s.server} at ${s.rate}/s: ${s.ok}/${s.calls} ok, ${s.failed} failed`);
  assert.equal(r.best.pnp?.rate, 400);
  assert.ok(Number.isFinite(r.steps[0]!.p99));
  assert.match(lines.at(-1)!, /ratio pnp\/floor/);
});

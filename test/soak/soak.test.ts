// The HA soak in miniature: 3 random cycles (fixed seed) with two real daemons in the lab. Each
// cycle must end with exactly one holder and the status agreeing. Needs root and the HA runtime:
// FAILS loudly without them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAULTS, rng, runSoak } from './run.ts';

test('the soak RNG is seedable: the same seed replays the same faults', () => {
  const a = rng(42);
  const b = rng(42);
  const xs = Array.from({ length: 20 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 20 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(xs, Array.from({ length: 20 }, rng(43)));
  // Every fault is reachable from the picker (floor(r * n) over many draws).
  const seen = new Set<number>();
  const r = rng(1);
  for (let i = 0; i < 2000; i++) seen.add(Math.floor(r() * FAULTS.length));
  assert.equal(seen.size, FAULTS.length);
});

test('soak: 3 cycles end with exactly one holder each', { timeout: 300_000 }, async () => {
  const lines: string[] = [];
  const s = await runSoak({ cycles: 3, seed: 20261130, print: (l) => lines.push(l) });
  assert.equal(s.cycles.length, 3);
  assert.equal(s.failed, 0, lines.join('\n'));
  for (const c of s.cycles) assert.ok(c.holder === 'nA' || c.holder === 'nB');
  assert.match(lines.at(-4) ?? lines.join('\n'), /summary: 3 cycles, 0 failed/);
});

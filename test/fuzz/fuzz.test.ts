// Smoke run of every registered fuzz target (the full run is `node test/fuzz/run.ts`), plus
// the framework's own promises: determinism and that a failing target is reported, not hidden.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTarget } from './engine.ts';
import { Mutator } from './mutate.ts';
import { Prng } from './prng.ts';
import { loadTargets } from './registry.ts';

const SMOKE_INPUTS = 20_000;

test('every registered target survives a smoke run', async () => {
  const targets = await loadTargets();
  assert.ok(targets.some((t) => t.name === 'tftp'));
  for (const t of targets) {
    const r = runTarget(t, { inputs: SMOKE_INPUTS, seed: 7 });
    assert.deepEqual(r.failures, [], `${t.name}: ${JSON.stringify(r.failures[0])}`);
    assert.equal(r.inputs, SMOKE_INPUTS);
    assert.ok(r.accepted > SMOKE_INPUTS / 20, `${t.name}: mutation still reaches valid inputs (${r.accepted})`);
  }
});

test('the PRNG and the mutator are deterministic for a seed', () => {
  const a = new Prng(42);
  const b = new Prng(42);
  for (let i = 0; i < 100; i++) assert.equal(a.u32(), b.u32());
  assert.notEqual(new Prng(1).u32(), new Prng(2).u32());
  const seeds = [Buffer.from('\x00\x01abc\x00octet\x00', 'latin1')];
  const m1 = new Mutator(new Prng(3), { seeds, dictionary: [], maxLength: 100 });
  const m2 = new Mutator(new Prng(3), { seeds, dictionary: [], maxLength: 100 });
  for (let i = 0; i < 200; i++) assert.deepEqual(m1.mutate(seeds[0]!), m2.mutate(seeds[0]!));
});

test('failures and slow inputs are reported with the input that caused them', () => {
  const r = runTarget({
    name: 'broken', seeds: [Buffer.from('ab')],
    run(input) {
      if (input.length > 3) throw new RangeError('boom');
      if (input.length === 0) {
        const until = performance.now() + 5;
        while (performance.now() < until);
      }
      return true;
    },
  }, { inputs: 5000, seed: 1, maxInputMs: 2, maxFailures: 3 });
  assert.equal(r.failures.length, 3);
  assert.ok(r.failures.some((f) => /boom/.test(f.error)));
  assert.ok(r.failures.every((f) => typeof f.input === 'string' && f.iteration >= 0));
});

// Runs one target: mutate, run, time each input, keep accepted inputs as new bases.
// Deterministic for a given seed, so a failure names the seed and iteration that reproduce it.
import { performance } from 'node:perf_hooks';
import { Mutator } from './mutate.ts';
import { Prng } from './prng.ts';
import type { FuzzTarget } from './target.ts';

export interface FuzzOptions {
  inputs: number;
  seed: number;
  /** An input slower than this (twice, to rule out a GC pause) is a failure. */
  maxInputMs?: number;
  /** Stop collecting after this many failures. */
  maxFailures?: number;
}

export interface FuzzFailure {
  iteration: number;
  error: string;
  /** The input, hex, to paste into a regression test. */
  input: string;
}

export interface FuzzReport {
  target: string;
  seed: number;
  inputs: number;
  accepted: number;
  seconds: number;
  perSecond: number;
  maxMs: number;
  failures: FuzzFailure[];
}

const POOL_MAX = 512;

export function runTarget(target: FuzzTarget, o: FuzzOptions): FuzzReport {
  const maxInputMs = o.maxInputMs ?? 50;
  const maxFailures = o.maxFailures ?? 5;
  const rng = new Prng(o.seed);
  const seeds = target.seeds.length > 0 ? target.seeds : [Buffer.alloc(0)];
  const mutator = new Mutator(rng, { seeds, dictionary: target.dictionary ?? [], maxLength: target.maxLength ?? 2048 });
  const pool: Buffer[] = [...seeds];
  const failures: FuzzFailure[] = [];
  let accepted = 0;
  let maxMs = 0;
  const started = performance.now();
  let i = 0;
  for (; i < o.inputs && failures.length < maxFailures; i++) {
    const base = i < seeds.length ? seeds[i]! : rng.pick(pool);
    const input = i < seeds.length ? base : mutator.mutate(base);
    const t0 = performance.now();
    let ok = false;
    try {
      ok = target.run(input);
    } catch (err) {
      failures.push({ iteration: i, error: describe(err), input: input.toString('hex') });
      continue;
    }
    let ms = performance.now() - t0;
    if (ms > maxInputMs) {
      const t1 = performance.now();
      try {
        target.run(input);
      } catch {
        // Already ran cleanly once; a second run is only for timing.
      }
      ms = Math.min(ms, performance.now() - t1);
      if (ms > maxInputMs) failures.push({ iteration: i, error: `took ${ms.toFixed(1)} ms (limit ${maxInputMs})`, input: input.toString('hex') });
    }
    if (ms > maxMs) maxMs = ms;
    if (ok) {
      accepted++;
      if (rng.oneIn(8)) {
        if (pool.length < POOL_MAX) pool.push(input);
        else pool[seeds.length + rng.int(POOL_MAX - seeds.length)] = input;
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { target: target.name, seed: o.seed, inputs: i, accepted, seconds, perSecond: i / seconds, maxMs, failures };
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 2000);
  return String(err).slice(0, 2000);
}

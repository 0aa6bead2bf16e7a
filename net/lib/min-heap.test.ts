import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MinHeap } from './min-heap.ts';

test('MinHeap pops in deadline order for random input, duplicates included', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 50; round++) {
    const h = new MinHeap<{ at: number; id: number }>();
    const xs = Array.from({ length: Math.floor(rnd() * 200) }, (_, id) => ({ at: Math.floor(rnd() * 50), id }));
    for (const x of xs) h.push(x);
    assert.equal(h.size, xs.length);
    const out: number[] = [];
    for (let x = h.pop(); x; x = h.pop()) out.push(x.at);
    assert.deepEqual(out, xs.map((x) => x.at).sort((a, b) => a - b));
    assert.equal(h.peek(), undefined);
  }
});

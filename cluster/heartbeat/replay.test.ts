import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplayWindow, WINDOW } from './replay.ts';

const D = 1500;

describe('replay window', () => {
  it('accepts increasing sequence numbers and reordering within the window, once each', () => {
    const w = new ReplayWindow({ maxDelayMs: D });
    assert.deepEqual(w.admit(1, 0, 100, 1100), { ok: true, restarted: false, firstSeen: true });
    assert.ok(w.admit(1, 2, 300, 1300).ok);
    assert.ok(w.admit(1, 1, 200, 1301).ok, 'late copy from the other path');
    assert.deepEqual(w.admit(1, 1, 200, 1302), { ok: false, reason: 'replay' });
    assert.deepEqual(w.admit(1, 2, 300, 1303), { ok: false, reason: 'replay' });
  });

  it('drops numbers older than the window', () => {
    const w = new ReplayWindow({ maxDelayMs: D });
    assert.ok(w.admit(1, WINDOW + 10, 0, 1000).ok);
    assert.deepEqual(w.admit(1, 5, 0, 1000), { ok: false, reason: 'outside-window' });
    assert.ok(w.admit(1, 20, 0, 1000).ok);
  });

  it('after our restart, the persisted seq of the peer\'s current life is a floor; a newer life lifts it', () => {
    const w = new ReplayWindow({ maxDelayMs: D, knownGeneration: 5, resumeAfter: { generation: 5, seq: 300 } });
    assert.deepEqual(w.admit(5, 250, 0, 0), { ok: false, reason: 'replay' }, 'captured before the restart, not seen by this window');
    assert.deepEqual(w.admit(5, 300, 0, 0), { ok: false, reason: 'replay' });
    assert.ok(w.admit(5, 301, 0, 0).ok);
    assert.equal(w.highestSeq, 301);
    assert.ok(w.admit(6, 3, 0, 0).ok, 'the peer restarted');
    assert.ok(w.admit(6, 4, 0, 0).ok);
    assert.deepEqual(w.admit(5, 302, 0, 0), { ok: false, reason: 'stale-generation' });
    const fresh = new ReplayWindow({ maxDelayMs: D, knownGeneration: 5, resumeAfter: { generation: 5, seq: -1 } });
    assert.ok(fresh.admit(5, 0, 0, 0).ok, 'no seq recorded: nothing refused');
  });

  it('a lower generation is stale; a higher one is a restart with a fresh window', () => {
    const w = new ReplayWindow({ maxDelayMs: D });
    assert.ok(w.admit(5, 100, 0, 0).ok);
    assert.deepEqual(w.admit(4, 101, 0, 0), { ok: false, reason: 'stale-generation' });
    assert.deepEqual(w.admit(6, 0, 0, 0), { ok: true, restarted: true, firstSeen: false });
    assert.ok(w.admit(6, 1, 0, 0).ok);
    assert.deepEqual(w.admit(5, 200, 0, 0), { ok: false, reason: 'stale-generation' });
    assert.equal(w.generation, 6);
  });

  it('the persisted generation keeps old lives out after our own restart', () => {
    const w = new ReplayWindow({ maxDelayMs: D, knownGeneration: 9 });
    assert.deepEqual(w.admit(8, 1000, 0, 0), { ok: false, reason: 'stale-generation' });
    assert.deepEqual(w.admit(9, 3, 0, 0), { ok: true, restarted: false, firstSeen: true }, 'the same life continues');
    const w2 = new ReplayWindow({ maxDelayMs: D, knownGeneration: 9 });
    assert.deepEqual(w2.admit(10, 0, 0, 0), { ok: true, restarted: true, firstSeen: true });
  });

  it('drops a withheld packet played back later than the dead threshold', () => {
    const w = new ReplayWindow({ maxDelayMs: D });
    // Sender clock 0, ours 5000: offset 5000 ms (different monotonic origins), latency ~1 ms.
    for (let i = 0; i < 10; i++) assert.ok(w.admit(1, i, i * 200, 5001 + i * 200).ok);
    // Packet 10 was sent at 2000 (sender) and withheld: played back at our 5000+2000+3000.
    assert.deepEqual(w.admit(1, 10, 2000, 10_001), { ok: false, reason: 'delayed' });
    // A packet late by less than D is still accepted (jitter, a frozen receiver).
    assert.ok(w.admit(1, 11, 2200, 7201 + 1000).ok);
  });

  it('tolerates clock drift but not a growing delay', () => {
    const w = new ReplayWindow({ maxDelayMs: 100 });
    // Sender clock 100 ppm slow: over 10 hours the offset grows 3.6 s, far past maxDelayMs.
    let seq = 0;
    for (let t = 0; t <= 36_000_000; t += 60_000) {
      const sent = Math.floor(t * (1 - 1e-4));
      assert.ok(w.admit(1, seq++, sent, t).ok, `drifted packet at ${t}`);
    }
  });
});

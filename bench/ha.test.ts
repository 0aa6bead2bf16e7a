// The HA failover bench in miniature: one crash and one graceful run per contender (keepalived at
// 1 s and 0.1 s adverts, our two daemons at the lab timers). Speed is not asserted against
// keepalived (a loaded CI box says little about it); what is asserted: every case measured a
// real takeover by nB, no overlap on a graceful stop, and ours within deadMs + 0.5 s on a crash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTools } from '../test/lab/preflight.ts';
import { requireHaRuntime } from '../test/ha/world.ts';
import { outageOf } from '../test/ha/probe.ts';
import { masterDownMs } from './lib/ha-keepalived.ts';
import { summarize } from './lib/ha-failover.ts';
import { formatCase, runHaBench } from './ha.ts';

test('outage is the longest run of unanswered probes', () => {
  const s = (seq: number, who?: string) => ({ seq, t: seq * 50, who, rttMs: who ? 1 : undefined });
  const o = outageOf([s(1, 'nA'), s(2), s(3), s(4, 'nA'), s(5), s(6), s(7), s(8), s(9, 'nB'), s(10, 'nB')]);
  assert.equal(o.ms, 200);
  assert.equal(o.failed, 4);
  assert.equal(o.before, 'nA');
  assert.equal(o.after, 'nB');
  assert.equal(outageOf([s(1, 'nA'), s(2, 'nA')]).ms, 0);
  const open = outageOf([s(1, 'nA'), s(2), s(3)]);
  assert.equal(open.recovered, false);
  assert.equal(open.ms, 100);
});

test('VRRP master-down interval and summaries', () => {
  assert.equal(Math.round(masterDownMs(1, 100)), 3609);
  assert.equal(Math.round(masterDownMs(0.1, 100)), 361);
  assert.deepEqual(summarize([3, 1, 2]), { n: 3, min: 1, median: 2, max: 3 });
});

test('tiny HA bench: keepalived at 1 s and 0.1 s adverts', { timeout: 180_000 }, async () => {
  requireTools(['keepalived']);
  const lines: string[] = [];
  const r = await runHaBench({ runs: 1, only: 'keepalived', print: (l) => lines.push(l) });
  assert.equal(r.cases.length, 4, lines.join('\n'));
  for (const c of r.cases) {
    assert.ok(c.runs.every((x) => x.after === 'nB'), formatCase(c));
    assert.ok(c.runs.every((x) => !x.overlap), formatCase(c));
    // A crash is seen only after the master-down interval; the outage cannot be much shorter.
    if (c.mode === 'crash') assert.ok(c.outage.min > c.deadMs * 0.6, formatCase(c));
    assert.ok(c.outage.max < c.deadMs + 1500, formatCase(c));
  }
});

test('tiny HA bench: our daemons, ratio to keepalived, target deadMs + 0.5 s', { timeout: 240_000 }, async () => {
  requireHaRuntime();
  const lines: string[] = [];
  const r = await runHaBench({ runs: 1, adverts: [1], print: (l) => lines.push(l) });
  const ours = r.cases.filter((c) => c.contender.startsWith('pbx-agent'));
  assert.equal(ours.length, 2, lines.join('\n'));
  assert.ok(ours.every((c) => c.runs.every((x) => x.after === 'nB' && !x.overlap)), lines.join('\n'));
  assert.equal(r.oursWithinTarget, true, lines.join('\n'));
  assert.equal(r.ratios.length, 2);
});

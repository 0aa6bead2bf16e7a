// The DHCP bench in miniature (< 30 s): both servers run, perfdhcp output parses, our server is
// answers nearly everything at a low rate. Neither speed nor a strict zero-loss is asserted: a
// loaded CI machine says nothing about them (`npm run bench` measures them on a quiet one).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTools } from '../test/lab/preflight.ts';
import { formatRow, parsePerfdhcp, runDhcpBench } from './dhcp.ts';

test('tiny DHCP bench: ours and dnsmasq at 100 exchanges/s', { timeout: 60_000 }, async () => {
  requireTools(['perfdhcp', 'dnsmasq']);
  const lines: string[] = [];
  const r = await runDhcpBench({ rates: [100], seconds: 2, print: (l) => lines.push(l) });
  assert.equal(r.rows.length, 2);
  for (const row of r.rows) {
    assert.ok(row.do.received > 50 && row.ra.received > 50, formatRow(row));
    assert.ok(Number.isFinite(row.ra.avgMs));
  }
  const ours = r.rows[0]!;
  assert.ok(ours.do.drops + ours.ra.drops <= Math.ceil(0.05 * ours.do.received), `ours lost more than 5%: ${formatRow(ours)}`);
  assert.match(lines.at(-1)!, /loss-free rate: ours (\d+\/s|none)/);
});

test('perfdhcp output parser', () => {
  const p = parsePerfdhcp('Rate: 499.7 4-way exchanges/second, expected rate: 500\n\n***Statistics for: DISCOVER-OFFER***\nsent packets: 10\nreceived packets: 9\ndrops: 1\nmin delay: 0.1 ms\navg delay: 0.2 ms\nmax delay: 0.9 ms\nstd deviation: 0.05 ms\n\n***Statistics for: REQUEST-ACK***\nsent packets: 9\nreceived packets: 9\ndrops: 0\navg delay: 0.4 ms\n');
  assert.equal(p.achieved, 499.7);
  assert.equal(p.do.drops, 1);
  assert.equal(p.ra.avgMs, 0.4);
});

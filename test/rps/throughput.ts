// How fast the worker drains a backlog, and what a scan costs: N devices linked to the Snom fake,
// the worker's own timer loop, default concurrency. `node test/rps/throughput.ts [N=1000]`.
// Prints registrations/s, the scan time with N links, and the event-loop delay seen meanwhile
// (the daemon must stay responsive while registering).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { silentLogger } from '../../agent/log.ts';
import { defaultRpsConfig } from '../../provisioning/rps/config-schema.ts';
import { startXmlRpcFake } from '../../provisioning/rps/fakes/xmlrpc-fakes.ts';
import { createRps, rpsDefaultUrl } from '../../provisioning/rps/index.ts';
import { ACTOR, fixture } from '../../provisioning/testing/fixture.ts';

const n = Number(process.argv[2] ?? 1000);
const fake = await startXmlRpcFake('snom', { accounts: { a: 'b' } });
const f = fixture();
const cfg = defaultRpsConfig();
const rps = createRps({ config: cfg, db: f.db, log: silentLogger(), stateDir: '/nonexistent', defaultUrl: rpsDefaultUrl('http://192.0.2.1/provisioning/', false) });
rps.service.addServer(ACTOR, { name: 's', provider: 'snom', username: 'a', password: 'b', baseUrl: fake.url });
for (let i = 0; i < n; i++) {
  const mac = `000413${i.toString(16).padStart(6, '0')}`;
  f.s.addDevice(ACTOR, { mac, model: 'Snom/D7xx' });
  rps.service.link(ACTOR, { mac, server: 's' });
}
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
const t0 = performance.now();
await rps.services[0]!.start();
while (rps.worker.stats().links.ok < n) await new Promise((r) => setTimeout(r, 20));
const secs = (performance.now() - t0) / 1000;
h.disable();
await rps.services[0]!.stop();
const s0 = performance.now();
for (let i = 0; i < 20; i++) await rps.worker.pass();
const scanMs = (performance.now() - s0) / 20;
console.log(`rps worker: ${n} devices registered in ${secs.toFixed(2)} s = ${Math.round(n / secs)} registrations/s (concurrency ${cfg.concurrency}); `
  + `idle scan of ${n} links ${scanMs.toFixed(1)} ms; event-loop delay p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms; vendor calls ${fake.calls.length}`);
await fake.close();

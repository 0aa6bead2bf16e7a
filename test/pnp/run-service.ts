// Runs the PnP service in this process's network namespace for the end-to-end test and the
// bench: `node test/pnp/run-service.ts '<json PnpConfig overrides>' [--http ADDR:PORT]`.
// Prints `READY <status json>`, then on a `status` line on stdin prints `STATUS <json>`, and on
// SIGTERM/SIGINT or stdin end stops and prints `FINAL <status json>` and `SEEN <pnp.list json>`.
// --http serves every GET under /provisioning/ with `cfg <path>` (proves the URL resolves).
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { silentLogger, createLogger } from '../../agent/log.ts';
import { openDatabase } from '../../agent/store/db.ts';
import { createSystemFacts } from '../../agent/system/facts.ts';
import { defaultPnpConfig, type PnpConfig } from '../../net/sip/config-schema.ts';
import { pnpMethods } from '../../net/sip/pnp-methods.ts';
import { createPnpService } from '../../net/sip/pnp-service.ts';

const over = JSON.parse(process.argv[2] ?? '{}') as Partial<PnpConfig>;
const httpAt = process.argv.indexOf('--http') > 0 ? process.argv[process.argv.indexOf('--http') + 1] : undefined;
const db = openDatabase(':memory:');
const log = process.env.PNP_LOG ? createLogger(process.env.PNP_LOG as 'debug', undefined) : silentLogger();
const svc = createPnpService({ config: defaultPnpConfig(over), multiTenant: false, db, log, facts: createSystemFacts({ serial: 'lab' }) });
await svc.start();
let http: ReturnType<typeof createServer> | undefined;
if (httpAt) {
  const [host, port] = httpAt.split(':');
  http = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/provisioning/')) { res.end(`cfg ${req.url}\n`); return; }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => http!.listen(Number(port), host, () => r()));
}
process.stdout.write(`READY ${JSON.stringify(svc.status())}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await svc.stop();
  http?.close();
  process.stdout.write(`FINAL ${JSON.stringify(svc.status())}\n`);
  process.stdout.write(`SEEN ${JSON.stringify(await pnpMethods(db)['pnp.list']!({}, { actor: { user: 'test' } } as never))}\n`);
  db.close();
  process.exit(0);
}
createInterface({ input: process.stdin }).on('line', (l) => {
  if (l.trim() === 'status') process.stdout.write(`STATUS ${JSON.stringify(svc.status())}\n`);
}).on('close', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

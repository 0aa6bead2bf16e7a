// Runs the DHCP service in this process's network namespace, for the end-to-end tests and the
// bench: `node test/dhcp/run-server.ts '<json DhcpConfig overrides>' DB_PATH`.
// Prints `READY <status json>`; on a `status` line on stdin prints `STATUS <json>`; on `leases`
// prints `LEASES <dhcp.leases json>`; on SIGTERM/SIGINT or stdin end stops and prints FINAL.
// DHCP_LOG=debug|info|warn logs to stderr (default warn).
import { createInterface } from 'node:readline';
import { createLogger } from '../../agent/log.ts';
import { openDatabase } from '../../agent/store/db.ts';
import { createSystemFacts } from '../../agent/system/facts.ts';
import { defaultDhcpConfig, type DhcpConfig } from '../../net/dhcp/config-schema.ts';
import { dhcpMethods } from '../../net/dhcp/dhcp-methods.ts';
import { createDhcpService } from '../../net/dhcp/dhcp-service.ts';

const over = JSON.parse(process.argv[2] ?? '{}') as Partial<DhcpConfig>;
const dbPath = process.argv[3] ?? ':memory:';
const db = openDatabase(dbPath);
const log = createLogger((process.env.DHCP_LOG ?? 'warn') as 'warn', process.stderr as never);
const reservations = JSON.parse(process.env.DHCP_REGISTRY ?? '{}') as Record<string, { ip?: string; hostname?: string }>;
const svc = createDhcpService({
  config: defaultDhcpConfig({ enabled: true, ...over }), db, log, facts: createSystemFacts({ serial: 'lab' }),
  reservationFor: (mac) => reservations[mac],
  ...(process.env.DHCP_RESOURCE_IP ? { resourceIp: () => process.env.DHCP_RESOURCE_IP } : {}),
});
await svc.start();
const methods = dhcpMethods(db, () => svc);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await svc.stop();
  const final = `FINAL ${JSON.stringify(svc.status())}\n`;
  db.close();
  // stdout is a pipe (asynchronous): exit only once the line is out.
  process.stdout.write(final, () => process.exit(0));
}
createInterface({ input: process.stdin }).on('line', (l) => {
  const cmd = l.trim();
  if (cmd === 'status') process.stdout.write(`STATUS ${JSON.stringify(svc.status())}\n`);
  else if (cmd === 'leases') process.stdout.write(`LEASES ${JSON.stringify(methods['dhcp.leases']!({ limit: 100000 }, { actor: { user: 'test', source: 'test' } }))}\n`);
}).on('close', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// Last: a test may signal us the moment it reads READY.
process.stdout.write(`READY ${JSON.stringify(svc.status())}\n`);

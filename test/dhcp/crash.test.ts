// kill -9 of the DHCP server during a perfdhcp lease storm loses no acknowledged lease: every
// ACK the client side saw on the wire (tshark in the relay's namespace) has its (ip, mac) in the
// store after a restart, and the store passes PRAGMA integrity_check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createLab, NODE_BIN } from '../lab/lab.ts';
import { requireTools } from '../lab/preflight.ts';
import { collectLines, waitForExit } from '../lab/proc.ts';
import { tmpDir } from '../lab/tmp.ts';

const HERE = new URL('.', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('kill -9 during a lease storm: every ACKed lease is in the store', { timeout: 120_000 }, async (t) => {
  requireTools(['perfdhcp', 'tshark', 'ip']);
  const tmp = await tmpDir(t, 'pbx-dhcp-crash-');
  const lab = await createLab({ hosts: [{ name: 'srv', ip: '10.99.0.1/24' }, { name: 'relay', ip: '10.99.0.3/24' }] });
  t.after(() => lab.teardown());
  await lab.exec('relay', 'ip', ['addr', 'add', '10.97.0.3/24', 'dev', 'eth0']);
  await lab.exec('srv', 'ip', ['route', 'add', '10.97.0.0/24', 'dev', 'eth0']);
  const db = tmp.join('leases.db');
  const cfg = JSON.stringify({ pools: ['10.99.0.100-10.99.0.199/24', '10.97.0.10-10.97.0.250/24'], probeOtherServers: false });
  const start = () => {
    const c = lab.spawn('srv', NODE_BIN, [HERE + 'run-server.ts', cfg, db], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = collectLines(c.stdout, 'dhcp server');
    const err = collectLines(c.stderr, 'dhcp server stderr');
    return { c, lines, err };
  };
  const s1 = start();
  await s1.lines.waitFor(/^READY /, 15_000);

  const pcap = tmp.join('acks.pcap');
  const shark = lab.spawn('relay', 'tshark', ['-i', 'eth0', '-f', 'udp port 67', '-w', pcap]);
  await collectLines(shark.stderr, 'tshark').waitFor(/Capturing on/, 15_000);
  const perf = lab.spawn('relay', 'perfdhcp', ['-4', '-l', '10.97.0.3', '-r', '400', '-R', '200', '-p', '5', '10.99.0.1']);
  const perfOut = collectLines(perf.stdout, 'perfdhcp');
  await sleep(1500);
  process.kill(s1.c.pid!, 'SIGKILL');
  await waitForExit(s1.c, 5_000);
  await waitForExit(perf, 20_000);
  await sleep(300);
  shark.kill('SIGINT');
  await waitForExit(shark, 10_000);
  assert.ok(perfOut.lines.some((l) => /received packets: [1-9]/.test(l)), perfOut.lines.join('\n'));

  const fields = await lab.exec('relay', 'tshark', ['-r', pcap, '-Y', 'dhcp.option.dhcp == 5', '-T', 'fields', '-e', 'dhcp.ip.your', '-e', 'dhcp.hw.mac_addr']);
  const acks = fields.stdout.split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]);
  assert.ok(acks.length > 100, `ACKs seen before the kill: ${acks.length}`);

  const s2 = start();
  await s2.lines.waitFor(/^READY /, 15_000);
  s2.c.kill('SIGTERM');
  await s2.lines.waitFor(/^FINAL /, 10_000).catch((e: Error) => { throw new Error(`${e.message}\nexit ${s2.c.exitCode} ${s2.c.signalCode} stderr: ${s2.err.lines.join("\n")}`); });

  const store = new Database(db, { readonly: true });
  try {
    assert.equal(store.pragma('integrity_check', { simple: true }), 'ok');
    const byIp = new Map((store.prepare('SELECT ip, mac FROM dhcp_leases').all() as Array<{ ip: string; mac: string }>).map((r) => [r.ip, r.mac]));
    const missing = acks.filter(([ip, mac]) => byIp.get(ip) !== mac.replace(/:/g, ''));
    assert.deepEqual(missing, [], `${missing.length} of ${acks.length} ACKed leases missing from the store`);
    t.diagnostic(`ACKs on the wire before kill -9: ${acks.length}; distinct leases stored: ${byIp.size}`);
  } finally {
    store.close();
  }
});

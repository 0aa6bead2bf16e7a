// The DHCP server in a namespace lab against real clients: udhcpc (options 66/150, renew,
// release, DECLINE via ARP check), dhclient (requests 66/150/160, vendor class, init-reboot),
// nmap broadcast-dhcp-discover, dhcping, perfdhcp as a relay (giaddr in another subnet), a
// crafted REQUEST for another server (silence) and an init-reboot for an unknown address (NAK),
// and the start-up probe seeing a rival dnsmasq.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { createLab, NODE_BIN, type Lab } from '../lab/lab.ts';
import { requireTools } from '../lab/preflight.ts';
import { collectLines, type LineCollector } from '../lab/proc.ts';
import { createTmpDir, type TmpDir } from '../lab/tmp.ts';

const HERE = new URL('.', import.meta.url).pathname;
const SRV = '10.99.0.1';
const CONFIG = {
  pools: ['10.99.0.100-10.99.0.199/24', '10.97.0.10-10.97.0.250/24'],
  routers: ['10.99.0.254'], dnsServers: ['%%SERVER%%'], domainName: 'lab.test',
  tftpServerName: '%%SERVER%%', tftpServers: ['%%SERVER%%'], leaseTimeMs: 600_000, declineQuarantineMs: 300_000,
  reservations: ['02:99:00:00:00:06 10.99.0.150 squatted'], probeWaitMs: 800,
};

let lab: Lab;
let tmp: TmpDir;
let server: { lines: LineCollector; child: ReturnType<Lab['spawn']> };

function startServer(db: string, over: object = {}): { lines: LineCollector; child: ReturnType<Lab['spawn']> } {
  const child = lab.spawn('srv', NODE_BIN, [HERE + 'run-server.ts', JSON.stringify({ ...CONFIG, ...over }), db], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = collectLines(child.stdout, 'dhcp server');
  collectLines(child.stderr, 'dhcp server stderr');
  return { lines, child };
}

function rows(): Array<Record<string, string | number>> {
  const db = new Database(tmp.join('leases.db'), { readonly: true });
  try { return db.prepare('SELECT * FROM dhcp_leases').all() as Array<Record<string, string | number>>; } finally { db.close(); }
}
const rowOf = (ip: string) => rows().find((r) => r.ip === ip);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  requireTools(['udhcpc', 'dhclient', 'nmap', 'dhcping', 'perfdhcp', 'ip']);
  tmp = await createTmpDir('pbx-dhcp-e2e-');
  lab = await createLab({
    hosts: [
      { name: 'srv', ip: `${SRV}/24` },
      { name: 'phone' },                         // udhcpc
      { name: 'phone2' },                        // dhclient
      { name: 'relay', ip: '10.99.0.3/24' },     // perfdhcp, raw client; also 10.97.0.3
      { name: 'squat', ip: '10.99.0.150/24' },   // holds the address reserved for 'dec'
      { name: 'dec' },                           // udhcpc -a: DECLINEs 10.99.0.150
    ],
  });
  await lab.exec('relay', 'ip', ['addr', 'add', '10.97.0.3/24', 'dev', 'eth0']);
  await lab.exec('srv', 'ip', ['route', 'add', '10.97.0.0/24', 'dev', 'eth0']);
  writeFileSync(tmp.join('udhcpc.sh'), '#!/bin/sh\necho "udhcpc event=$1 ip=$ip mask=$subnet router=$router dns=$dns domain=$domain serverid=$serverid lease=$lease tftp=$tftp opt150=$opt150 boot=$boot_file"\n' +
    'case "$1" in bound|renew) ip addr add "$ip/$subnet" dev "$interface" 2>/dev/null || true ;; esac\n');
  chmodSync(tmp.join('udhcpc.sh'), 0o755);
  writeFileSync(tmp.join('dhclient.sh'), '#!/bin/sh\necho "dhclient reason=$reason ip=$new_ip_address tftp=$new_tftp_server_name opt150=$new_tftp_server_address url=$new_provisioning_url routers=$new_routers dns=$new_domain_name_servers"\n');
  chmodSync(tmp.join('dhclient.sh'), 0o755);
  writeFileSync(tmp.join('dhclient.conf'), 'option tftp-server-address code 150 = array of ip-address;\noption provisioning-url code 160 = text;\n' +
    'send vendor-class-identifier "Polycom-VVX410-UA/6.4";\n' +
    'request subnet-mask, routers, domain-name-servers, domain-name, tftp-server-name, tftp-server-address, provisioning-url;\ntimeout 10;\nretry 1;\n');
  server = startServer(tmp.join('leases.db'));
  await server.lines.waitFor(/^READY /, 15_000);
});

after(async () => {
  await lab?.teardown();
  await tmp?.cleanup();
});

test('udhcpc: lease with options 66 and 150, stored; renew is unicast; release frees', async () => {
  const mac = lab.macOf('phone');
  const c = lab.spawn('phone', 'udhcpc', ['-i', 'eth0', '-f', '-t', '3', '-T', '2', '-O', 'tftp', '-O', '150', '-V', 'Cisco Systems, Inc. IP Phone', '-s', tmp.join('udhcpc.sh')]);
  const out = collectLines(c.stdout, 'udhcpc');
  const bound = await out.waitFor(/event=bound/, 15_000);
  const ip = /ip=(\S+)/.exec(bound)![1]!;
  assert.match(ip, /^10\.99\.0\.1\d\d$/);
  assert.match(bound, /mask=255\.255\.255\.0 router=10\.99\.0\.254 dns=10\.99\.0\.1 domain=lab\.test serverid=10\.99\.0\.1 lease=600/);
  // udhcpc rejects a URL in option 66 ("bad": not a host name), so this client gets the address.
  assert.match(bound, /tftp=10\.99\.0\.1 /);
  assert.match(bound, /opt150=0a630001/);
  const r = rowOf(ip)!;
  assert.equal(r.mac, mac.replace(/:/g, ''));
  assert.equal(r.state, 'bound');
  assert.equal(r.vendor_class, 'Cisco Systems, Inc. IP Phone');
  // dhcping from the bound client: a REQUEST with ciaddr (and server id), answered by unicast.
  const ping = await lab.exec('phone', 'dhcping', ['-s', SRV, '-c', ip, '-h', mac, '-t', '3'], { timeoutMs: 10_000 });
  assert.match(ping.stdout + ping.stderr, /Got answer from: 10\.99\.0\.1/);
  const v = Number(rowOf(ip)!.version);
  c.kill('SIGUSR1'); // renew: unicast REQUEST with ciaddr; the ACK must come back unicast
  await out.waitFor(/event=renew/, 10_000);
  // At least one durable change: udhcpc may send its renewing REQUEST twice before the ACK lands.
  assert.ok(Number(rowOf(ip)!.version) > v, `lease version ${rowOf(ip)!.version} did not move past ${v} on renew`);
  c.kill('SIGUSR2'); // release
  await out.waitFor(/event=deconfig/, 10_000);
  await sleep(300);
  assert.equal(rowOf(ip)!.state, 'released');
  c.kill('SIGKILL');
});

test('udhcpc -a: a conflicting address is DECLINEd and quarantined; the client gets another', async () => {
  const c = await lab.exec('dec', 'udhcpc', ['-i', 'eth0', '-f', '-q', '-n', '-t', '6', '-T', '2', '-a', '-s', tmp.join('udhcpc.sh')], { timeoutMs: 40_000 });
  const bound = /event=bound ip=(\S+)/.exec(c.stdout);
  assert.ok(bound, c.stdout + c.stderr);
  assert.notEqual(bound[1], '10.99.0.150');
  const r = rowOf('10.99.0.150')!;
  assert.equal(r.state, 'declined');
  assert.ok(Number(r.expires_at) > Date.now() + 200_000);
});

test('dhclient: vendor class Polycom gets 160; 66 and 150 as requested; init-reboot is ACKed', async () => {
  const args = ['-4', '-v', '-d', '-1', '-cf', tmp.join('dhclient.conf'), '-sf', tmp.join('dhclient.sh'), '-lf', tmp.join('dhcl.leases'), '-pf', tmp.join('dhcl.pid'), 'eth0'];
  const c = lab.spawn('phone2', 'dhclient', args);
  const out = collectLines(c.stdout, 'dhclient');
  const bound = await out.waitFor(/reason=BOUND/, 20_000);
  await sleep(700); // the lease file is written after the script runs
  c.kill('SIGKILL');
  assert.match(bound, /ip=10\.99\.0\.1\d\d tftp=10\.99\.0\.1 opt150=10\.99\.0\.1 url=http:\/\/10\.99\.0\.1\/provisioning\/ routers=10\.99\.0\.254/);
  const ip = /ip=(\S+)/.exec(bound)![1]!;
  assert.equal(rowOf(ip)!.vendor_class, 'Polycom-VVX410-UA/6.4');
  // A second run with the lease file starts in INIT-REBOOT (REQUEST, option 50, no server id).
  await lab.exec('phone2', 'ip', ['addr', 'flush', 'dev', 'eth0']);
  const v = Number(rowOf(ip)!.version);
  const c2 = lab.spawn('phone2', 'dhclient', args);
  const out2 = collectLines(c2.stdout, 'dhclient');
  const reboot = await out2.waitFor(/reason=(REBOOT|BOUND)/, 20_000);
  c2.kill('SIGKILL');
  assert.match(reboot, /reason=REBOOT/);
  assert.match(reboot, new RegExp(`ip=${ip.replace(/\./g, '\\.')} `));
  // At least one durable change: udhcpc may send its renewing REQUEST twice before the ACK lands.
  assert.ok(Number(rowOf(ip)!.version) > v, `lease version ${rowOf(ip)!.version} did not move past ${v} on renew`);
});

test('nmap broadcast-dhcp-discover sees our offer and its options', async () => {
  const r = await lab.exec('phone', 'nmap', ['-e', 'eth0', '--script', 'broadcast-dhcp-discover', '--script-args', 'broadcast-dhcp-discover.timeout=3s'], { timeoutMs: 30_000 });
  assert.match(r.stdout, /IP Offered: 10\.99\.0\.1\d\d/, r.stdout);
  assert.match(r.stdout, /Server Identifier: 10\.99\.0\.1/);
  assert.match(r.stdout, /Subnet Mask: 255\.255\.255\.0/);
  assert.match(r.stdout, /Router: 10\.99\.0\.254/);
});

test('REQUEST naming another server: silence; init-reboot for an unknown address: NAK', async () => {
  const client = HERE + 'raw-client.ts';
  const other = await lab.exec('relay', NODE_BIN, [client, JSON.stringify({ type: 'REQUEST', mac: '029900aa0001', xid: 77, requestedIp: '10.99.0.120', serverId: '10.99.0.250' }), '1000']);
  assert.equal(other.stdout.trim(), '', 'no reply to a REQUEST for another server');
  const nak = await lab.exec('relay', NODE_BIN, [client, JSON.stringify({ type: 'REQUEST', mac: '029900aa0002', xid: 78, requestedIp: '10.99.0.188' }), '1000']);
  assert.match(nak.stdout, /"type":"NAK","xid":78/);
});

test('perfdhcp as a relay (giaddr 10.97.0.3): pool of the relay subnet, no drops, leases stored', async () => {
  const r = await lab.exec('relay', 'perfdhcp', ['-4', '-l', '10.97.0.3', '-r', '50', '-R', '40', '-n', '80', '-p', '10', SRV], { timeoutMs: 30_000 });
  assert.match(r.stdout, /sent packets: 80/, r.stdout + r.stderr);
  const drops = [...r.stdout.matchAll(/drops: (\d+)/g)].map((m) => Number(m[1]));
  // A drop is an answer perfdhcp did not see in time; on a loaded machine an fsync can take that
  // long. Losing a few is load, losing many is a bug.
  assert.ok(drops.every((d) => d <= 4), r.stdout);
  const relayed = rows().filter((x) => String(x.ip).startsWith('10.97.0.') && x.state === 'bound');
  assert.ok(relayed.length >= 39, `bound in 10.97.0.0/24: ${relayed.length}`);
});

test('status: pool usage and counters; the start-up probe found no rival', async () => {
  server.child.stdin!.write('status\n');
  const s = JSON.parse((await server.lines.waitFor(/^STATUS /)).slice(7));
  assert.equal(s.otherServerWarning, false);
  assert.equal(s.probe, 'done');
  const local = s.pools.find((p: { subnet: string }) => p.subnet === '10.99.0.0/24');
  assert.ok(local.bound >= 1 && local.declined === 1, JSON.stringify(local));
  assert.ok(s.replies.ack > 40 && s.replies.nak >= 1);
});

test('start-up probe: a rival dnsmasq on the LAN is reported', async () => {
  requireTools(['dnsmasq']);
  server.child.kill('SIGTERM');
  await server.lines.waitFor(/^FINAL /, 10_000);
  const dm = lab.spawn('squat', 'dnsmasq', ['--no-daemon', '--conf-file=/dev/null', '--port=0', '--interface=eth0', '--bind-interfaces', '--except-interface=lo',
    '--dhcp-range=10.99.0.210,10.99.0.220,255.255.255.0,1h', '--no-ping', `--dhcp-leasefile=${tmp.join('dm.leases')}`, '--user=root', '--group=root']);
  await sleep(500);
  server = startServer(tmp.join('leases.db'), { probeWaitMs: 1500 });
  await server.lines.waitFor(/^READY /, 15_000);
  await sleep(2000);
  server.child.stdin!.write('status\n');
  const s = JSON.parse((await server.lines.waitFor(/^STATUS /)).slice(7));
  dm.kill('SIGKILL');
  assert.equal(s.otherServerWarning, true, JSON.stringify(s.otherServers));
  assert.equal(s.otherServers[0].address, '10.99.0.150');
});

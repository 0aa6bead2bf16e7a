// The handler per RFC 2131 state, against a real LeaseTable on an in-memory store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from '../../agent/store/db.ts';
import { decode, encode, getOption } from './codec.ts';
import { defaultDhcpConfig, type DhcpConfig } from './config-schema.ts';
import { resolveConfig } from './config.ts';
import { handle, type Decision, type HandlerState } from './handler.ts';
import { LeaseTable } from './leases.ts';
import { decodeOptionValue, OPT } from './options.ts';
import { intToIp, ipToInt } from '../lib/ipv4.ts';
import { clientMessage, type ClientMsgOpts } from './testing.ts';

const SERVER = '10.99.0.1';
type R = Record<string, number | string>;

function setup(over: Partial<DhcpConfig> = {}, extra: Partial<HandlerState> = {}) {
  const cfg = resolveConfig(defaultDhcpConfig({
    enabled: true, pools: ['10.99.0.100-10.99.0.109/24', '10.97.5.10-10.97.5.20/24'], routers: ['10.99.0.254'],
    dnsServers: ['%%SERVER%%'], tftpServerName: '%%SERVER%%', tftpServers: ['%%SERVER%%'], ...over,
  }), { address: ipToInt(SERVER)!, prefix: 24 });
  const db = openDatabase(':memory:');
  let now = 1_000_000;
  const leases = new LeaseTable(db, cfg, now);
  const state: HandlerState = {
    config: cfg, serverIp: ipToInt(SERVER)!, serverId: ipToInt(SERVER)!, ourIds: [ipToInt(SERVER)!],
    provisioningHost: SERVER, active: true, leases, ...extra,
  };
  const step = (type: Parameters<typeof clientMessage>[0], o: ClientMsgOpts = {}): Decision => {
    const msg = decode(encode(clientMessage(type, o)));
    assert.ok(msg.ok);
    leases.reclaim(now);
    const d = handle(state, { msg: msg.value, from: { address: '0.0.0.0', port: 68 } }, now);
    leases.apply(d.leaseWrites, now);
    leases.commit(now);
    return d;
  };
  return { cfg, db, leases, state, step, advance: (ms: number) => { now += ms; }, now: () => now };
}

const typeOf = (d: Decision, i = 0) => d.replies[i]?.msg.options.find((o) => o.code === OPT.MESSAGE_TYPE)?.data[0];
const yi = (d: Decision) => intToIp(d.replies[0]!.msg.yiaddr);
const opt = (d: Decision, code: number) => {
  const b = getOption(d.replies[0]!.msg, code);
  return b === undefined ? undefined : decodeOptionValue(code, b);
};

test('DISCOVER -> OFFER -> REQUEST (selecting) -> ACK, durable, broadcast to a client without address', () => {
  const { step, db } = setup();
  const o = step('DISCOVER', { mac: '020000000001' });
  assert.equal(typeOf(o), 2);
  assert.equal(o.replies[0]!.to.address, '255.255.255.255');
  assert.equal(o.replies[0]!.to.port, 68);
  const ip = yi(o);
  assert.equal(ip, '10.99.0.100');
  assert.equal(opt(o, OPT.SERVER_ID), ipToInt(SERVER));
  assert.equal(opt(o, OPT.LEASE_TIME), 3600);
  assert.equal(opt(o, OPT.RENEWAL_TIME), 1800);
  assert.equal(opt(o, OPT.REBINDING_TIME), 3150);
  assert.equal(opt(o, OPT.SUBNET_MASK), 0xffffff00);
  assert.deepEqual(opt(o, OPT.ROUTER), [ipToInt('10.99.0.254')]);
  assert.equal(opt(o, OPT.TFTP_SERVER_NAME), SERVER);
  assert.equal((db.prepare('SELECT count(*) AS n FROM dhcp_leases').get() as R).n, 0, 'offers are not stored');
  const a = step('REQUEST', { mac: '020000000001', requestedIp: ip, serverId: SERVER });
  assert.equal(typeOf(a), 5);
  assert.equal(yi(a), ip);
  const row = db.prepare('SELECT * FROM dhcp_leases WHERE ip = ?').get(ip) as R;
  assert.equal(row.mac, '020000000001');
  assert.equal(row.state, 'bound');
  assert.equal(row.version, 1);
});

test('a second client gets another address; a returning client gets its old one', () => {
  const { step } = setup();
  const a = yi(step('DISCOVER', { mac: '020000000001' }));
  step('REQUEST', { mac: '020000000001', requestedIp: a, serverId: SERVER });
  const b = yi(step('DISCOVER', { mac: '020000000002' }));
  assert.notEqual(a, b);
  assert.equal(yi(step('DISCOVER', { mac: '020000000001' })), a);
});

test('REQUEST naming another server: silence, and our offer is withdrawn', () => {
  const { step, leases } = setup();
  const ip = yi(step('DISCOVER', { mac: '020000000003' }));
  const d = step('REQUEST', { mac: '020000000003', requestedIp: ip, serverId: '10.99.0.250' });
  assert.equal(d.replies.length, 0);
  assert.equal(d.notes[0]!.kind, 'other-server');
  assert.equal(leases.offerForMac('020000000003'), undefined);
});

test('INIT-REBOOT: known lease ACKed, unknown address NAKed (broadcast), wrong network NAKed', () => {
  const { step } = setup();
  const ip = yi(step('DISCOVER', { mac: '020000000004' }));
  step('REQUEST', { mac: '020000000004', requestedIp: ip, serverId: SERVER });
  assert.equal(typeOf(step('REQUEST', { mac: '020000000004', requestedIp: ip })), 5);
  const n = step('REQUEST', { mac: '020000000005', requestedIp: '10.99.0.105' });
  assert.equal(typeOf(n), 6);
  assert.equal(n.replies[0]!.to.address, '255.255.255.255');
  assert.equal(typeOf(step('REQUEST', { mac: '020000000005', requestedIp: '192.168.1.5' })), 6);
  assert.equal(typeOf(step('REQUEST', { mac: '020000000005', requestedIp: ip })), 6, 'held by another client');
});

test('INIT-REBOOT unknown address with authoritative off: silence', () => {
  const { step } = setup({ authoritative: false });
  assert.equal(step('REQUEST', { mac: '020000000005', requestedIp: '10.99.0.105' }).replies.length, 0);
});

test('RENEWING: unicast ACK to ciaddr extends the lease; version bumps', () => {
  const { step, advance, db } = setup();
  const ip = yi(step('DISCOVER', { mac: '020000000006' }));
  step('REQUEST', { mac: '020000000006', requestedIp: ip, serverId: SERVER });
  advance(1_800_000);
  const r = step('REQUEST', { mac: '020000000006', ciaddr: ip });
  assert.equal(typeOf(r), 5);
  assert.deepEqual(r.replies[0]!.to, { address: ip, port: 68 });
  assert.equal(r.replies[0]!.broadcast, false);
  const row = db.prepare('SELECT * FROM dhcp_leases WHERE ip = ?').get(ip) as R;
  assert.equal(row.version, 2);
  assert.equal(row.expires_at, 1_000_000 + 1_800_000 + 3_600_000);
  const n = step('REQUEST', { mac: '020000000007', ciaddr: ip });
  assert.equal(typeOf(n), 6, 'another client renewing a held address is NAKed');
});

test('RELEASE frees the address; DECLINE quarantines it for declineQuarantineMs', () => {
  const { step, advance, leases, cfg } = setup({ pools: ['10.99.0.100-10.99.0.101/24'] });
  const a = yi(step('DISCOVER', { mac: '020000000008' }));
  step('REQUEST', { mac: '020000000008', requestedIp: a, serverId: SERVER });
  step('RELEASE', { mac: '020000000008', ciaddr: a, serverId: SERVER });
  assert.equal(leases.holder(ipToInt(a)!, 1_000_000), undefined);
  const b = yi(step('DISCOVER', { mac: '020000000009' }));
  assert.equal(b, '10.99.0.101', 'the never-used address first');
  step('REQUEST', { mac: '020000000009', requestedIp: b, serverId: SERVER });
  step('DECLINE', { mac: '020000000009', requestedIp: b, serverId: SERVER });
  assert.equal(leases.holder(ipToInt(b)!, 1_000_000), '');
  assert.equal(yi(step('DISCOVER', { mac: '02000000000a' })), a);
  step('REQUEST', { mac: '02000000000a', requestedIp: a, serverId: SERVER });
  const full = step('DISCOVER', { mac: '02000000000b' });
  assert.equal(full.replies.length, 0);
  assert.equal(full.notes[0]!.kind, 'exhausted');
  advance(cfg.declineQuarantineMs + 1);
  assert.equal(yi(step('DISCOVER', { mac: '02000000000b' })), b, 'back after the quarantine');
});

test('an exhausted pool answers at once; expired leases come back', () => {
  const { step, advance } = setup({ pools: ['10.99.0.100-10.99.0.102/24'] });
  for (let i = 1; i <= 3; i++) {
    const mac = `0200000001${i.toString(16).padStart(2, '0')}`;
    const ip = yi(step('DISCOVER', { mac }));
    step('REQUEST', { mac, requestedIp: ip, serverId: SERVER });
  }
  const t0 = performance.now();
  const d = step('DISCOVER', { mac: '0200000001ff' });
  assert.ok(performance.now() - t0 < 50);
  assert.equal(d.notes[0]!.kind, 'exhausted');
  advance(3_600_001);
  assert.equal(typeOf(step('DISCOVER', { mac: '0200000001ff' })), 2);
});

test('offers expire after offerHoldMs and return to the pool', () => {
  const { step, advance } = setup({ pools: ['10.99.0.100-10.99.0.100/24'] });
  step('DISCOVER', { mac: '020000000201' });
  assert.equal(step('DISCOVER', { mac: '020000000202' }).replies.length, 0);
  advance(30_001);
  assert.equal(yi(step('DISCOVER', { mac: '020000000202' })), '10.99.0.100');
});

test('relay: giaddr picks the pool, reply goes to giaddr:67, router defaults to giaddr', () => {
  const { step } = setup();
  const o = step('DISCOVER', { mac: '020000000301', giaddr: '10.97.5.1' });
  assert.equal(yi(o), '10.97.5.10');
  assert.deepEqual(o.replies[0]!.to, { address: '10.97.5.1', port: 67 });
  assert.deepEqual(opt(o, OPT.ROUTER), [ipToInt('10.97.5.1')]);
  assert.equal(step('DISCOVER', { mac: '020000000302', giaddr: '172.16.0.1' }).notes[0]!.kind, 'no-subnet');
  const a = step('REQUEST', { mac: '020000000301', giaddr: '10.97.5.1', requestedIp: '10.97.5.10', serverId: SERVER });
  assert.equal(typeOf(a), 5);
  const n = step('REQUEST', { mac: '020000000303', giaddr: '10.97.5.1', requestedIp: '10.97.5.10' });
  assert.equal(typeOf(n), 6);
  assert.equal(n.replies[0]!.to.address, '10.97.5.1');
  assert.equal(n.replies[0]!.msg.flags & 0x8000, 0x8000);
});

test('parameter request list: only requested options plus the always-sent; forced ones too', () => {
  const { step } = setup({ forceOptions: ['150'] });
  const o = step('DISCOVER', { mac: '020000000401', prl: [1, 3, 6] });
  const codes = o.replies[0]!.msg.options.map((x) => x.code);
  assert.ok(codes.includes(OPT.DNS));
  assert.ok(codes.includes(OPT.TFTP_SERVERS), 'forced');
  assert.ok(!codes.includes(OPT.TFTP_SERVER_NAME), 'not requested');
  assert.equal(o.replies[0]!.msg.sname.toString('latin1').replace(/\0+$/, ''), SERVER, 'option 66 not sent goes in sname');
});

test('vendor rules: Yealink gets 66 URL, Polycom 160, Cisco 150, by option 60 prefix', () => {
  const { step } = setup({ tftpServerName: '', tftpServers: [], vendorRules: [
    'yealink tftp-server-name=http://%%SERVER%%/provisioning/',
    'Polycom provisioning-url=http://%%SERVER%%/provisioning/',
    'Cisco tftp-server-address=%%SERVER%% 43=sub:1=hello',
  ] }, { provisioningHost: '10.99.0.100' });
  const y = step('DISCOVER', { mac: '020000000501', vendorClass: 'yealink T46S', prl: [1, 3] });
  assert.equal(opt(y, 66), 'http://10.99.0.100/provisioning/');
  assert.equal(opt(y, 160), undefined);
  const p = step('DISCOVER', { mac: '020000000502', vendorClass: 'Polycom-VVX410', prl: [1, 3] });
  assert.equal(opt(p, 160), 'http://10.99.0.100/provisioning/');
  const c = step('DISCOVER', { mac: '020000000503', vendorClass: 'Cisco Systems, Inc. IP Phone CP-7945G', prl: [1, 3] });
  assert.deepEqual(opt(c, 150), [ipToInt('10.99.0.100')]);
  assert.deepEqual(opt(c, 43), Buffer.from([1, 5, ...Buffer.from('hello')]));
  const n = step('DISCOVER', { mac: '020000000504', prl: [1, 3, 66, 150, 160] });
  assert.equal(opt(n, 66), undefined);
});

test('reservations: config and device registry; a reserved address is not given to others', () => {
  const { step } = setup({ reservations: ['02:00:00:00:06:01 10.99.0.100 desk1'] }, {
    reservationFor: (mac) => (mac === '020000000602' ? { ip: '10.99.0.50', hostname: 'lobby' } : undefined),
  });
  const o = step('DISCOVER', { mac: '020000000603' });
  assert.equal(yi(o), '10.99.0.101', 'the reserved .100 is skipped');
  const r = step('DISCOVER', { mac: '020000000601', prl: [1, 3, 12] });
  assert.equal(yi(r), '10.99.0.100');
  assert.equal(opt(r, OPT.HOSTNAME), 'desk1');
  const d = step('DISCOVER', { mac: '020000000602', prl: [12] });
  assert.equal(yi(d), '10.99.0.50', 'registry IP outside the range but in the subnet');
  assert.equal(opt(d, OPT.HOSTNAME), 'lobby');
  assert.equal(typeOf(step('REQUEST', { mac: '020000000602', requestedIp: '10.99.0.50', serverId: SERVER })), 5);
});

test('reservations: a registry entry that is not an IPv4 address reserves nothing', () => {
  const { step } = setup({}, {
    reservationFor: (mac) => (mac === '020000000611' ? { ip: '10.99.0', hostname: 'bad' } : mac === '020000000612' ? { ip: '10.99.0.256' } : undefined),
  });
  assert.equal(yi(step('DISCOVER', { mac: '020000000611' })), '10.99.0.100', 'a pool address instead');
  assert.equal(yi(step('DISCOVER', { mac: '020000000612' })), '10.99.0.101');
});

test('INFORM: ACK with options, no lease time, unicast to ciaddr', () => {
  const { step } = setup();
  const d = step('INFORM', { mac: '020000000701', ciaddr: '10.99.0.33' });
  assert.equal(typeOf(d), 5);
  assert.equal(d.replies[0]!.msg.yiaddr, 0);
  assert.equal(opt(d, OPT.LEASE_TIME), undefined);
  assert.deepEqual(d.replies[0]!.to, { address: '10.99.0.33', port: 68 });
});

test('passive (HA standby): silent', () => {
  const { step } = setup({}, { active: false });
  assert.equal(step('DISCOVER', { mac: '020000000801' }).replies.length, 0);
});

test('HA: lease changes are emitted in order with versions; the peer\'s higher version wins', () => {
  const { step, leases, db } = setup();
  const seen: Array<[number, string, number]> = [];
  leases.onLeaseChange((c) => seen.push([c.seq, c.lease.ip, c.lease.version]));
  const ip = yi(step('DISCOVER', { mac: '020000000901' }));
  step('REQUEST', { mac: '020000000901', requestedIp: ip, serverId: SERVER });
  step('REQUEST', { mac: '020000000901', ciaddr: ip });
  assert.deepEqual(seen, [[1, ip, 1], [2, ip, 2]]);
  const mine = leases.lease(ipToInt(ip)!)!;
  assert.equal(leases.applyPeerLease({ ...mine, mac: '02000000ffff', version: 1 }, 1_000_000), false);
  assert.equal(leases.applyPeerLease({ ...mine, ip: '10.99.0.107', mac: '02000000fffe', version: 7 }, 1_000_000), true);
  assert.equal((db.prepare('SELECT version FROM dhcp_leases WHERE ip = ?').get('10.99.0.107') as R).version, 7);
  // The merged address is no longer offered to anyone else.
  for (let i = 0; i < 9; i++) {
    const d = step('DISCOVER', { mac: `0200000009${(0x10 + i).toString(16)}` });
    if (d.replies.length) assert.notEqual(yi(d), '10.99.0.107');
  }
});

test('restart: the table is rebuilt from the store', () => {
  const { step, db, cfg } = setup();
  const ip = yi(step('DISCOVER', { mac: '020000000a01' }));
  step('REQUEST', { mac: '020000000a01', requestedIp: ip, serverId: SERVER });
  const again = new LeaseTable(db, cfg, 1_000_000);
  assert.equal(again.holder(ipToInt(ip)!, 1_000_000), '020000000a01');
  assert.notEqual(again.peekFree(cfg.subnets[0]!), ipToInt(ip));
});

test('allocation costs the same on an empty and a nearly full /16 pool', () => {
  const { step, cfg } = setup({ pools: ['10.99.0.2-10.99.255.250/16'], leaseTimeMs: 86_400_000 }, {});
  void cfg;
  const time = (n: number, base: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) step('DISCOVER', { mac: (base + i).toString(16).padStart(12, '0') });
    return (performance.now() - t0) / n;
  };
  const empty = time(2000, 0x020000000000);
  // Fill all but ~100 addresses with offers (cheap in memory, same free-queue path).
  time(65_535 - 2000 - 100 - 4, 0x020100000000);
  const full = time(90, 0x020200000000);
  assert.ok(full < empty * 5 + 0.2, `per-DISCOVER ms: empty ${empty.toFixed(3)} nearly full ${full.toFixed(3)}`);
});

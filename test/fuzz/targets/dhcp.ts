// DHCPv4: the message codec (net/dhcp/codec.ts, options overload) and the handler's decisions
// on whatever decodes, against a small live lease table (writes applied and committed to an
// in-memory store, so allocation, expiry and exhaustion paths are reached). Properties: no
// exception escapes, decoded messages round-trip, every reply the handler builds encodes and
// decodes, offers/ACKs name an address of a configured subnet.
import assert from 'node:assert/strict';
import { openDatabase } from '../../../agent/store/db.ts';
import { decode, encode, encodeInto, encodingLength, optionsWithOverload } from '../../../net/dhcp/codec.ts';
import { defaultDhcpConfig } from '../../../net/dhcp/config-schema.ts';
import { resolveConfig, subnetOf } from '../../../net/dhcp/config.ts';
import { handle, type HandlerState } from '../../../net/dhcp/handler.ts';
import { LeaseTable } from '../../../net/dhcp/leases.ts';
import { decodeOptionValue } from '../../../net/dhcp/options.ts';
import { ipToInt } from '../../../net/lib/ipv4.ts';
import { clientMessage } from '../../../net/dhcp/testing.ts';
import { roundTrip } from '../codec.ts';
import type { FuzzTarget } from '../target.ts';

const codec = { decode, encode, encodeInto, encodingLength };
const SERVER = ipToInt('10.99.0.1')!;
const cfg = resolveConfig(defaultDhcpConfig({
  enabled: true, pools: ['10.99.0.100-10.99.0.115/24', '10.97.5.10-10.97.5.13/24 router=10.97.5.1'],
  exclude: ['10.99.0.105'], reservations: ['020000000099 10.99.0.50 desk'], tftpServerName: '%%SERVER%%',
  tftpServers: ['%%SERVER%%'], options: ['43=sub:1=abc', '224=hex:0102'], forceOptions: ['66'], leaseTimeMs: 120_000,
}), { address: SERVER, prefix: 24 });
const db = openDatabase(':memory:');
let now = 1_000_000;
const leases = new LeaseTable(db, cfg, now);
const state: HandlerState = {
  config: cfg, serverIp: SERVER, serverId: SERVER, ourIds: [SERVER], provisioningHost: '10.99.0.1', active: true, leases,
  reservationFor: (mac) => (mac.endsWith('77') ? { ip: '10.99.0.77', hostname: 'x' } : undefined),
};

const mac = (n: number) => `02aabbccdd${n.toString(16).padStart(2, '0')}`;
const seeds = [
  clientMessage('DISCOVER', { mac: mac(1), prl: [1, 3, 6, 15, 42, 66, 67, 150, 160], vendorClass: 'yealink T46S' }),
  clientMessage('REQUEST', { mac: mac(1), requestedIp: '10.99.0.100', serverId: '10.99.0.1', hostname: 'p1' }),
  clientMessage('REQUEST', { mac: mac(2), requestedIp: '10.99.0.101' }),
  clientMessage('REQUEST', { mac: mac(1), ciaddr: '10.99.0.100' }),
  clientMessage('DECLINE', { mac: mac(1), requestedIp: '10.99.0.100', serverId: '10.99.0.1' }),
  clientMessage('RELEASE', { mac: mac(1), ciaddr: '10.99.0.100', serverId: '10.99.0.1' }),
  clientMessage('INFORM', { mac: mac(3), ciaddr: '10.99.0.33', prl: [1, 66] }),
  clientMessage('DISCOVER', { mac: mac(4), giaddr: '10.97.5.1', vendorClass: 'Cisco Systems, Inc. IP Phone', extra: [{ code: 82, data: Buffer.from([1, 2, 0, 1]) }] }),
  clientMessage('DISCOVER', { mac: mac(0x77), extra: [{ code: 52, data: Buffer.from([3]) }, { code: 57, data: Buffer.from([2, 64]) }] }),
].map(encode);
const dictionary = [[0x63, 0x82, 0x53, 0x63], [53, 1, 1], [53, 1, 3], [50, 4, 10, 99, 0, 100], [54, 4, 10, 99, 0, 1], [55, 3, 1, 66, 150],
  [52, 1, 3], [61, 7, 1, 2, 0xaa, 0xbb, 0xcc, 0xdd, 1], [255], [0], [82, 0], [10, 97, 5, 1]].map((b) => Buffer.from(b));

let n = 0;
export const target: FuzzTarget = {
  name: 'dhcp',
  seeds,
  dictionary,
  maxLength: 1500,
  run(input) {
    const d = decode(input);
    if (!d.ok) return false;
    roundTrip(codec, d.value);
    optionsWithOverload(d.value);
    for (const o of d.value.options) decodeOptionValue(o.code, o.data);
    now += 997;
    if (++n % 50_000 === 0) leases.reclaim(now);
    const out = handle(state, { msg: d.value, from: { address: '10.99.0.3', port: 68 } }, now);
    for (const r of out.replies) {
      const back = decode(encode(r.msg));
      assert.ok(back.ok, 'a reply decodes');
      if (r.msg.yiaddr !== 0) assert.ok(subnetOf(cfg, r.msg.yiaddr), 'yiaddr is in a configured subnet');
    }
    leases.reclaim(now);
    leases.apply(out.leaseWrites, now);
    leases.commit(now);
    return true;
  },
};

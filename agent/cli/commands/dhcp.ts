// pbxctl dhcp ...: leases and pool use of the node's DHCP server (methods dhcp.*).
import type { LeaseView } from '../../../net/dhcp/dhcp-methods.ts';
import type { PoolUsage } from '../../../net/dhcp/leases.ts';
import type { CliIo, Command } from '../command.ts';
import { keyValues, table } from '../format.ts';

function block(r: unknown, io: CliIo): void {
  const l = r as LeaseView;
  io.out(keyValues({
    ip: l.ip, mac: l.mac, state: l.state, hostname: l.hostname ?? '', vendorClass: l.vendorClass ?? '',
    starts: l.startsAt, expires: l.expiresAt, updated: l.updatedAt, version: l.version,
  }));
}

export function poolsTable(pools: readonly PoolUsage[]): string {
  return table(pools, [
    { header: 'SUBNET', get: (p) => p.subnet }, { header: 'SIZE', get: (p) => p.size }, { header: 'BOUND', get: (p) => p.bound },
    { header: 'OFFERED', get: (p) => p.offered }, { header: 'DECLINED', get: (p) => p.declined }, { header: 'FREE', get: (p) => p.free },
    { header: 'USED', get: (p) => (p.size ? `${Math.round(((p.size - p.free) / p.size) * 100)}%` : '-') },
  ]);
}

export const dhcpCommands: Command[] = [
  {
    path: ['dhcp', 'leases'],
    summary: 'List DHCP leases (newest change first)',
    options: [
      { name: 'state', type: 'string', help: 'only leases in this state: bound, released, declined, expired' },
      { name: 'mac', type: 'string', help: 'only this client MAC' },
      { name: 'subnet', type: 'string', help: 'only this subnet, e.g. 10.0.0.0/24' },
      { name: 'limit', type: 'int', help: 'at most this many rows (default 1000)' },
    ],
    examples: ['pbxctl dhcp leases', 'pbxctl dhcp leases --state bound', 'pbxctl --json dhcp leases --mac 805ec0123456'],
    method: 'dhcp.leases',
    render: (r, io) => {
      const rows = r as LeaseView[];
      if (rows.length === 0) { io.out('no lease\n'); return; }
      io.out(table(rows, [
        { header: 'IP', get: (l) => l.ip }, { header: 'MAC', get: (l) => l.mac }, { header: 'STATE', get: (l) => l.state },
        { header: 'HOSTNAME', get: (l) => l.hostname ?? '' }, { header: 'VENDOR CLASS', get: (l) => l.vendorClass ?? '' },
        { header: 'EXPIRES', get: (l) => l.expiresAt },
      ]));
    },
  },
  {
    path: ['dhcp', 'lease'],
    summary: 'Show one lease, by IP or by --mac',
    positionals: [{ name: 'ip', help: 'leased IPv4 address' }],
    options: [{ name: 'mac', type: 'string', help: 'client MAC instead of the IP' }],
    examples: ['pbxctl dhcp lease 10.0.0.123', 'pbxctl dhcp lease --mac 80:5e:c0:12:34:56'],
    method: 'dhcp.lease',
    render: block,
  },
  {
    path: ['dhcp', 'release'],
    summary: 'Release a bound lease now (the address returns to the pool; audited)',
    positionals: [{ name: 'ip', help: 'leased IPv4 address', required: true }],
    examples: ['pbxctl dhcp release 10.0.0.123'],
    method: 'dhcp.release',
    render: (r, io) => { io.out('released\n'); block(r, io); },
  },
  {
    path: ['dhcp', 'pools'],
    summary: 'Show each pool: size, bound, offered, declined, free, percentage used',
    examples: ['pbxctl dhcp pools'],
    method: 'dhcp.pools',
    render: (r, io) => {
      const pools = r as PoolUsage[];
      io.out(pools.length ? poolsTable(pools) : 'DHCP is off (dhcp.enabled) or not running: no pool in use\n');
    },
  },
];

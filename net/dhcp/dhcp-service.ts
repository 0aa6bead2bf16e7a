// The DHCP server as a daemon Service (agent/service.ts): validates its config once, resolves the
// served interface, rebuilds the lease table from the store, binds, probes for rival servers.
//
// Injected by the composition root (all optional):
//   reservationFor(mac)  the device registry's static address/hostname for a MAC
//   resourceIp()         HA resource address: server identifier and %%SERVER%% in options
//   isActive()           HA: only the node holding the resource answers (default: standalone, true)
// For HA replication the returned service also offers onLeaseChange(listener) (ordered, with a
// per-lease version) and applyPeerLease(lease) (merge; the higher version wins).
import { ConfigError } from '../../agent/errors.ts';
import type { Logger } from '../../agent/log.ts';
import { bindError, type Service } from '../../agent/service.ts';
import type { Db } from '../../agent/store/db.ts';
import type { SystemFacts } from '../../agent/system/facts.ts';
import type { DhcpConfig } from './config-schema.ts';
import { resolveConfig, type ResolvedConfig } from './config.ts';
import type { HandlerState } from './handler.ts';
import { LeaseTable, type Lease, type LeaseChange } from './leases.ts';
import { intToIp, ipToInt, maskToPrefix } from '../lib/ipv4.ts';
import { DhcpServer } from './server.ts';
import { systemInterfaces, type LocalIface } from '../../agent/system/interfaces.ts';

export interface DhcpServiceOptions {
  config: DhcpConfig;
  db: Db;
  log: Logger;
  facts: SystemFacts;
  reservationFor?: (mac: string) => { ip?: string; hostname?: string } | undefined;
  resourceIp?: () => string | undefined;
  isActive?: () => boolean;
  /** IPv4 interfaces with netmasks (default: os.networkInterfaces()); for tests. */
  interfaces?: () => LocalIface[];
  now?: () => number;
}

export interface DhcpService extends Service {
  /** The live lease table (undefined before start). */
  readonly leases: LeaseTable | undefined;
  onLeaseChange(listener: (c: LeaseChange) => void): () => void;
  applyPeerLease(lease: Lease): boolean;
  /** Admin release through the live table; undefined when the address has no bound lease. */
  release(ip: string): Lease | undefined;
}

/** Picks the served interface and address per dhcp.interface / dhcp.serverAddress. */
export function servedInterface(c: DhcpConfig, ifaces: LocalIface[]): LocalIface & { prefix: number } {
  let cands = ifaces;
  if (c.interface) {
    cands = ifaces.filter((i) => i.name === c.interface);
    if (cands.length === 0) throw new ConfigError('dhcp.interface', `no IPv4 interface '${c.interface}' (have: ${[...new Set(ifaces.map((i) => i.name))].join(', ') || 'none'})`);
  }
  if (c.serverAddress) {
    cands = cands.filter((i) => i.address === c.serverAddress);
    if (cands.length === 0) throw new ConfigError('dhcp.serverAddress', `${c.serverAddress} is not an address of ${c.interface || 'this node'}`);
  }
  const i = cands[0];
  if (!i) throw new ConfigError('dhcp.interface', 'no non-loopback IPv4 interface to serve; set dhcp.interface');
  const prefix = maskToPrefix(ipToInt(i.netmask) ?? 0);
  if (prefix === undefined) throw new ConfigError('dhcp.interface', `${i.name} has a non-contiguous netmask ${i.netmask}`);
  return { ...i, prefix };
}

export function createDhcpService(o: DhcpServiceOptions): DhcpService {
  const log = o.log;
  const now = o.now ?? Date.now;
  const isActive = o.isActive ?? (() => true);
  const pendingListeners = new Set<(c: LeaseChange) => void>();
  let leases: LeaseTable | undefined;
  let server: DhcpServer | undefined;
  let cfg: ResolvedConfig | undefined;
  let iface: (LocalIface & { prefix: number }) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let probe: 'off' | 'running' | 'done' = 'off';

  const state = (): HandlerState => {
    const self = ipToInt(iface!.address)!;
    const rip = o.resourceIp?.();
    const r = rip ? ipToInt(rip) : undefined;
    return {
      config: cfg!, serverIp: self, serverId: r ?? self, ourIds: r !== undefined ? [self, r] : [self],
      provisioningHost: r !== undefined ? rip! : iface!.address, active: isActive(), leases: leases!,
      ...(o.reservationFor ? { reservationFor: o.reservationFor } : {}),
    };
  };

  return {
    name: 'dhcp',
    get leases() { return leases; },
    async start() {
      const c = o.config;
      iface = servedInterface(c, (o.interfaces ?? systemInterfaces)());
      if (c.pools.length === 0) throw new ConfigError('dhcp.pools', 'dhcp is enabled but has no pool, e.g. ["10.0.0.100-10.0.0.199/24"]');
      cfg = resolveConfig(c, { address: ipToInt(iface.address)!, prefix: iface.prefix });
      if (!cfg.subnets.some((s) => s.local)) log.warn({ iface: iface.name, address: iface.address }, `dhcp: no pool in ${iface.name}'s subnet: only clients behind relays are served`);
      leases = new LeaseTable(o.db, cfg, now());
      for (const l of pendingListeners) leases.onLeaseChange(l);
      server = new DhcpServer({ port: c.port, address: iface.address, leases, state, groupCommit: c.groupCommit, log, now });
      try {
        await server.start();
      } catch (e) {
        server = undefined;
        throw bindError(e, 'dhcp.port', `${iface.address}:${c.port}/udp and 0.0.0.0:${c.port}/udp`);
      }
      const tick = (): void => { leases?.reclaim(now()); };
      timer = setInterval(tick, 5_000);
      timer.unref();
      log.info({ iface: iface.name, address: iface.address, pools: cfg.subnets.map((s) => s.id) }, 'dhcp: serving');
      if (c.probeOtherServers) {
        probe = 'running';
        void server.probeOtherServers(c.probeWaitMs).then(() => { probe = 'done'; }, () => { probe = 'done'; });
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await server?.stop();
      server = undefined;
    },
    status() {
      if (!server || !leases || !iface) return { enabled: o.config.enabled, listening: null };
      const n = now();
      return {
        enabled: true,
        listening: `0.0.0.0:${o.config.port}/udp + ${iface.address}:${o.config.port}/udp`,
        interface: iface.name,
        serverId: intToIp(state().serverId),
        active: isActive(),
        otherServers: server.otherServers,
        otherServerWarning: server.otherServers.length > 0,
        probe,
        pools: leases.usage(n),
        ...server.stats,
      };
    },
    onLeaseChange(listener) {
      pendingListeners.add(listener);
      const off = leases?.onLeaseChange(listener);
      return () => { pendingListeners.delete(listener); off?.(); };
    },
    applyPeerLease(lease) {
      if (!leases) throw new ConfigError('dhcp.enabled', 'the DHCP service is not running');
      return leases.applyPeerLease(lease, now());
    },
    release(ip) {
      const n = ipToInt(ip);
      if (!leases || n === undefined) return undefined;
      return leases.adminRelease(n, now());
    },
  };
}

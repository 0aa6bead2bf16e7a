// Builds the pairing and replication parts for the composition root (agent/parts.ts):
//   const ps = createPairSync({ cfg, db, log, facts, leases: dhcp && dhcpLeaseSource(dhcp) });
//   services.push(...ps.services);
//   methods = ps.guard({ ...provisioningMethods(prov), ...ps.methods, ... });
// The guard refuses config edits on the member and kicks replication on the coordinator.
import type { Config } from '../../agent/config/types.ts';
import type { MethodTable } from '../../agent/control/registry.ts';
import type { Logger } from '../../agent/log.ts';
import type { Service } from '../../agent/service.ts';
import type { Db } from '../../agent/store/db.ts';
import type { SystemFacts } from '../../agent/system/facts.ts';
import type { DhcpService } from '../../net/dhcp/dhcp-service.ts';
import { parseResourceIp, type HaConfig } from '../config-schema.ts';
import { HaStore, withAdminOverride } from '../ha-store.ts';
import { createClusterLink, type ClusterLink } from '../pairing/link.ts';
import { pairingMethods } from '../pairing/methods.ts';
import { guardConfigMethods } from './guard.ts';
import type { LeaseSource } from './leases.ts';
import { createReplicator, type Replicator } from './replicator.ts';
import { syncMethods } from './methods.ts';

export interface PairSync {
  link: ClusterLink;
  replicator: Replicator;
  /** ha-link (ssh server) then ha-sync; start after DHCP so lease listeners attach to a live table. */
  services: Service[];
  methods: MethodTable;
  /** Wraps a method table with the coordinator-only rule for config writes. */
  guard(methods: MethodTable): MethodTable;
}

/** The ha section as it applies now, admin enable/disable included (ha-store.ts withAdminOverride). */
export function effectiveHa(cfg: Config, db: Db): HaConfig {
  return withAdminOverride(cfg.ha, new HaStore(db).runtime());
}

export function createPairSync(o: { cfg: Config; db: Db; log: Logger; facts: SystemFacts; leases?: LeaseSource | undefined; now?: () => number; peerPort?: number }): PairSync {
  const log = o.log.child({ mod: 'ha-pair' });
  const ha = (): HaConfig => effectiveHa(o.cfg, o.db);
  const link = createClusterLink({
    ha, nodeSerial: () => o.facts.serial(), nodeName: () => o.facts.nodeName(), stateDir: o.cfg.state.dir,
    db: o.db, log, ...(o.now ? { now: o.now } : {}), ...(o.peerPort ? { peerPort: o.peerPort } : {}),
  });
  const replicator = createReplicator({ db: o.db, link, ha, log: o.log.child({ mod: 'ha-sync' }), ...(o.leases ? { leases: o.leases } : {}), ...(o.now ? { now: o.now } : {}) });
  return {
    link, replicator,
    services: [link, replicator],
    methods: { ...pairingMethods(link, () => ({ sync: replicator.view() })), ...syncMethods(replicator) },
    guard: (methods) => guardConfigMethods(methods, { coordinator: () => link.coordinatorName(), changed: () => replicator.kick() }),
  };
}

/** Adapts the DHCP service (net/dhcp/dhcp-service.ts) to what replication needs. */
export function dhcpLeaseSource(d: DhcpService): LeaseSource {
  return {
    onLeaseChange: (f) => d.onLeaseChange(f),
    applyPeerLease: (l) => d.applyPeerLease(l),
    running: () => d.leases !== undefined,
  };
}

/**
 * The address phones are given when pbx.address is empty. With HA it must be the floating
 * resource IP: each node's own address would make the two nodes render different files (and
 * point phones at one node, which defeats the takeover). Without HA: the node's primary address.
 */
export function defaultPbxAddress(cfg: Config, primary: string | undefined): string | undefined {
  return (cfg.ha.resourceIp && parseResourceIp(cfg.ha.resourceIp)?.address) || primary;
}

/** cfg.pbx with the address filled per defaultPbxAddress (an explicit pbx.address always wins). */
export function pbxWithHaAddress(cfg: Config, primary: string | undefined): Config['pbx'] {
  return cfg.pbx.address ? cfg.pbx : { ...cfg.pbx, address: defaultPbxAddress(cfg, primary) ?? '' };
}

// The production wiring: which services and control methods the daemon runs, built from the
// config. Servers get the provisioning FileSource; none of them knows a vendor format.
import { dhcpMethods } from '../net/dhcp/dhcp-methods.ts';
import { createDhcpService, type DhcpService } from '../net/dhcp/dhcp-service.ts';
import { defaultFetchAuthConfig } from '../net/http/auth-config.ts';
import { createFetchGuard } from '../net/http/auth-gate.ts';
import { fetchMethods } from '../net/http/auth-methods.ts';
import { createHttpServer } from '../net/http/server.ts';
import { resyncMethods } from '../net/sip/resync-methods.ts';
import { createResyncOnChange } from '../net/sip/resync-on-change.ts';
import { createFetchLog } from '../provisioning/fetch-log.ts';
import { phonebookMethods } from '../provisioning/phonebook-methods.ts';
import { pnpMethods } from '../net/sip/pnp-methods.ts';
import { seenRepo } from '../net/sip/pnp-repo.ts';
import { createPnpService } from '../net/sip/pnp-service.ts';
import { createTftpServer, type TftpServer } from '../net/tftp/server.ts';
import { allowParams } from './control/params.ts';
import { provisioningMethods } from '../provisioning/control-methods.ts';
import { adoptMethods } from '../provisioning/adopt.ts';
import { deviceByMac } from '../provisioning/repo/devices.ts';
import { createProvisioning } from '../provisioning/resolver.ts';
import { createRps, rpsDefaultUrl } from '../provisioning/rps/index.ts';
import { buildHa } from '../cluster/ha-wiring.ts';
import { createPairSync, defaultPbxAddress, dhcpLeaseSource, pbxWithHaAddress } from '../cluster/sync/wiring.ts';
import { assetsDir } from './config/load.ts';
import type { Config } from './config/types.ts';
import type { PartsFactory } from './daemon.ts';
import type { Db } from './store/db.ts';
import { bindError, type Service } from './service.ts';

export const buildParts: PartsFactory = ({ cfg, db, log, facts }) => {
  // HA (cluster/ha-wiring.ts): the HA service when the ha section is configured, else standalone.
  const ha = buildHa({ cfg, db, log, facts });
  // What PnP and DHCP ask on every packet (cluster/ha-service.ts ClusterHandle): answer only while
  // this node holds the resource, and which address to hand out. Standalone: always active, no resource IP.
  const cluster = ha.cluster;
  // The URLs phones are given; with HA they name the resource IP, else this node's address.
  const phoneUrls = () => baseUrls(cfg, defaultPbxAddress(cfg, facts.primaryIpv4()));
  const prov = createProvisioning({
    // With HA, phones are given the resource IP (cluster/sync/wiring.ts): both nodes render the same files.
    db, config: { pbx: pbxWithHaAddress(cfg, facts.primaryIpv4()), provisioning: cfg.provisioning }, assetsDir: assetsDir(cfg),
    facts, log: log.child({ mod: 'provisioning' }), urls: phoneUrls(),
  });
  // HA first: it stops last, so a graceful stop releases the resource after PnP/DHCP are down.
  const services: Service[] = [ha.service];
  // Fetch security: one guard for HTTP (auth, tokens, phonebooks) whose TFTP face refuses files
  // with secrets while auth applies; one fetch log for both.
  const authCfg = cfg.http.auth ?? defaultFetchAuthConfig();
  const fetchLog = createFetchLog(authCfg.logSize);
  const guard = createFetchGuard({ db, config: authCfg, multiTenant: cfg.provisioning.multiTenant, source: prov.source, log, fetchLog });

  let tftp: TftpServer | undefined;
  if (cfg.tftp.enabled) {
    tftp = createTftpServer({ config: cfg.tftp, source: guard.tftpSource(), log: log.child({ mod: 'tftp' }) });
    const server = tftp;
    let bound: { address: string; port: number } | undefined;
    services.push({
      name: 'tftp',
      async start() {
        try { bound = await server.start(); } catch (e) { throw bindError(e, 'tftp.port', `${cfg.tftp.address}:${cfg.tftp.port}/udp`); }
      },
      stop: () => server.stop(),
      status: () => ({ enabled: true, listening: bound ? `${bound.address}:${bound.port}/udp` : null, ...server.stats() }),
    });
  }

  if (cfg.http.enabled) {
    const http = createHttpServer({ config: cfg.http, httpPath: cfg.provisioning.httpPath, source: prov.source, log, guard });
    let bound: { port: number; httpsPort?: number } | undefined;
    services.push({
      name: 'http',
      async start() {
        try { bound = await http.start(); } catch (e) { throw bindError(e, 'http.port', `${cfg.http.address}:${cfg.http.port}/tcp`); }
      },
      stop: () => http.stop(),
      status: () => ({
        enabled: true,
        listening: bound ? `${cfg.http.address}:${bound.port}/tcp` : null,
        https: bound?.httpsPort ? `${cfg.http.address}:${bound.httpsPort}/tcp` : null,
        ...http.stats(),
      }),
    });
  }

  // PnP is always a service, enabled or not, so `pbxctl status` says "disabled" rather than nothing.
  services.push(createPnpService({
    config: { ...cfg.pnp, urlPort: pnpUrlPort(cfg), urlPath: cfg.pnp.urlPath || (cfg.pnp.scheme === 'tftp' ? '/' : cfg.provisioning.httpPath) },
    multiTenant: cfg.provisioning.multiTenant, db, log: log.child({ mod: 'pnp' }), facts,
    isActive: () => cluster.isActive(), resourceIp: () => cluster.resourceIp(),
    isKnownDevice: (mac) => deviceByMac(db, mac) !== undefined,
  }));

  let dhcp: DhcpService | undefined;
  if (cfg.dhcp.enabled) {
    dhcp = createDhcpService({
      config: cfg.dhcp, db, log: log.child({ mod: 'dhcp' }), facts,
      isActive: () => cluster.isActive(), resourceIp: () => cluster.resourceIp(),
      reservationFor: registryReservation(db),
    });
    services.push(dhcp);
  } else {
    services.push({ name: 'dhcp', start: async () => {}, stop: async () => {}, status: () => ({ enabled: false }) });
  }

  // Redirection services: the registration worker, and the Falconieri-compatible API when enabled.
  const rps = createRps({
    config: cfg.rps, db, log, stateDir: cfg.state.dir,
    defaultUrl: rpsDefaultUrl(phoneUrls().http, cfg.provisioning.multiTenant),
    isActive: () => cluster.isActive(),
  });
  services.push(...rps.services);

  const lastFetch = (mac: string) => fetchLog.recent({ mac, outcome: 'served', limit: 1 })[0];
  const securityMethods = {
    ...fetchMethods({ db, config: authCfg, multiTenant: cfg.provisioning.multiTenant, fetchLog, guard: cfg.http.enabled ? guard : undefined, httpBase: () => phoneUrls().http }),
    ...phonebookMethods({ db, multiTenant: cfg.provisioning.multiTenant }),
    ...resyncMethods({ db, lastFetch }),
  };
  const tftpMethods = {
    'tftp.sessions': (p: Record<string, unknown>) => {
      allowParams(p, []);
      return tftp?.sessions() ?? [];
    },
  };
  // HA pairing (SSH) and replication of config and leases (cluster/sync/wiring.ts). The guard
  // refuses config edits on the paired member, naming the coordinator, and kicks replication.
  const pairSync = createPairSync({ cfg, db, log, facts, leases: dhcp ? dhcpLeaseSource(dhcp) : undefined });
  services.push(...pairSync.services);
  // provisioning.resyncOnChange (net/sip/resync-on-change.ts): inside the guard, so an edit the
  // member refuses never queues a resync; only the node whose edits are accepted sends.
  const resync = createResyncOnChange({
    config: cfg.provisioning, db, log: log.child({ mod: 'resync' }), lastFetch,
    isMember: () => pairSync.link.coordinatorName() !== undefined,
  });
  services.push(resync.service);
  return { services, methods: pairSync.guard(resync.wrap({ ...provisioningMethods(prov), ...pnpMethods(db), ...adoptMethods(prov.service, (mac) => seenRepo(db).get(mac)), ...dhcpMethods(db, () => dhcp), ...tftpMethods, ...securityMethods, ...rps.methods, ...ha.methods, ...pairSync.methods })) };
};

/** The URLs phones are given: the PBX address, with the port when it is not the default. */
export function baseUrls(cfg: Config, primary: string | undefined): { http: string; tftp: string } {
  const addr = cfg.pbx.address || primary || '127.0.0.1';
  const httpPort = cfg.http.port === 80 ? '' : `:${cfg.http.port}`;
  const tftpPort = cfg.tftp.port === 69 ? '' : `:${cfg.tftp.port}`;
  return { http: `http://${addr}${httpPort}${cfg.provisioning.httpPath}/`, tftp: `tftp://${addr}${tftpPort}/` };
}

/** The port PnP puts in URLs when pnp.urlPort is 0: the port our own server of that scheme listens on. */
function pnpUrlPort(cfg: Config): number {
  if (cfg.pnp.urlPort > 0) return cfg.pnp.urlPort;
  return cfg.pnp.scheme === 'tftp' ? cfg.tftp.port : cfg.pnp.scheme === 'https' ? cfg.http.httpsPort : cfg.http.port;
}

/**
 * DHCP reservations from the device registry: an enabled device set to DHCP with an address
 * typed in gets that address every time (the admin's "this phone is 10.0.0.21").
 */
function registryReservation(db: Db): (mac: string) => { ip?: string } | undefined {
  return (mac) => {
    const d = deviceByMac(db, mac);
    return d && d.enabled === 1 && d.dhcp === 1 && d.ip ? { ip: d.ip } : undefined;
  };
}

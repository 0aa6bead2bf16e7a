// The SIP PnP responder as a daemon Service (agent/service.ts): validates its config once,
// resolves the interfaces, wires policy + URL templates + the pnp_seen recorder into the server.
//
// Injected by the composition root (all optional):
//   isActive()        HA: only the node holding the resource answers (default: always, standalone)
//   isKnownDevice(m)  the device registry, for pnp.knownDevicesOnly
//   resourceIp()      HA resource address to put in URLs (pnp.address still wins)
//   urlFor(info)      a URL for this phone, overriding the templates; undefined = use templates
import { ConfigError } from '../../agent/errors.ts';
import type { Logger } from '../../agent/log.ts';
import type { Service } from '../../agent/service.ts';
import type { Db } from '../../agent/store/db.ts';
import type { SystemFacts } from '../../agent/system/facts.ts';
import type { PnpConfig } from './config-schema.ts';
import type { DeviceInfo } from './pnp-device.ts';
import { checkPolicy, MacList, RateLimiter } from './pnp-policy.ts';
import { seenRepo, type SeenRow } from './pnp-repo.ts';
import { createPnpServer, type PnpServer, type SeenEvent } from './pnp-server.ts';
import { baseUrl, parseModelUrl, pnpUrl, type ModelUrl, type UrlTemplates } from './pnp-url.ts';
import { systemInterfaces, type LocalIface } from '../../agent/system/interfaces.ts';

export interface PnpUrlInfo {
  device: DeviceInfo;
  /** Address the URL should point at (pnp.address, the resource IP, or the interface's). */
  address: string;
  /** scheme://address[:port]/path/ as configured. */
  base: string;
  /** What the vendor template gives. */
  templated: string;
}

export interface PnpServiceOptions {
  config: PnpConfig;
  multiTenant: boolean;
  db: Db;
  log: Logger;
  facts: SystemFacts;
  urlFor?: (info: PnpUrlInfo) => string | undefined;
  isActive?: () => boolean;
  isKnownDevice?: (mac: string) => boolean;
  resourceIp?: () => string | undefined;
  /** The node's IPv4 interfaces with netmasks (default: os.networkInterfaces()); for tests. */
  interfaces?: () => LocalIface[];
}

export const MULTI_TENANT_REASON = 'SIP PnP is refused in multi-tenant mode (provisioning.multiTenant): a multicast SUBSCRIBE does not say which tenant a phone belongs to';

const SEEN_FLUSH_MS = 1000;
const SEEN_FLUSH_ROWS = 2000;

export function createPnpService(opts: PnpServiceOptions): Service {
  const cfg = opts.config;
  const log = opts.log;
  const allow = new MacList(cfg.allow, 'pnp.allow');
  const deny = new MacList(cfg.deny, 'pnp.deny');
  for (const [k, v] of Object.entries(cfg.urls)) {
    if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`pnp.urls.${k}`, 'must be a non-empty URL template');
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(v)) throw new ConfigError(`pnp.urls.${k}`, 'must not contain control characters');
  }
  const templates = cfg.urls as UrlTemplates;
  const modelUrls: ModelUrl[] = (cfg.modelUrls ?? []).map((entry, i) => {
    const r = parseModelUrl(entry, Object.keys(cfg.urls).filter((k) => k !== 'default'));
    if (typeof r === 'string') throw new ConfigError(`pnp.modelUrls[${i}]`, `'${entry.slice(0, 80)}' ${r}`);
    return r;
  });
  const isActive = opts.isActive ?? (() => true);
  const isKnownDevice = opts.isKnownDevice ?? (() => false);

  let state: 'stopped' | 'running' | 'refused' | 'disabled' = cfg.enabled ? 'stopped' : 'disabled';
  let server: PnpServer | undefined;
  let refusedLogged = false;
  let ifaces: LocalIface[] = [];

  // pnp_seen: coalesced by MAC and written in batches, so a boot storm costs one transaction a
  // second rather than one fsync per phone.
  const repo = seenRepo(opts.db);
  const pending = new Map<string, SeenRow>();
  let flushTimer: NodeJS.Timeout | undefined;
  let noMac = 0;
  let dbErrorLogged = false;
  const flush = (): void => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (pending.size === 0) return;
    const rows = [...pending.values()];
    pending.clear();
    try {
      repo.record(rows);
    } catch (err) {
      if (!dbErrorLogged) { dbErrorLogged = true; log.error({ err, rows: rows.length }, 'pnp: cannot record phones seen (further errors are not logged)'); }
    }
  };
  const onSeen = (e: SeenEvent): void => {
    if (!cfg.recordSeen) return;
    const d = e.device;
    if (!d.mac) { noMac++; return; }
    pending.set(d.mac, {
      mac: d.mac, vendor: d.vendor === 'unknown' ? null : d.vendor, model: d.model ?? null, firmware: d.firmware ?? null,
      ip: e.source.address, port: e.source.port, lastSeen: Math.round(e.at), url: e.url ?? null, refused: e.refused ?? null,
    });
    if (pending.size >= SEEN_FLUSH_ROWS) flush();
    else if (!flushTimer) { flushTimer = setTimeout(flush, SEEN_FLUSH_MS); flushTimer.unref(); }
  };

  const urlFor = (device: DeviceInfo, iface: LocalIface): string | undefined => {
    const address = cfg.address || opts.resourceIp?.() || iface.address;
    const base = baseUrl(cfg.scheme, address, cfg.urlPort, cfg.urlPath);
    const templated = pnpUrl(device, base, templates, modelUrls);
    if (!opts.urlFor) return templated;
    return opts.urlFor({ device, address, base, templated }) ?? templated;
  };

  function resolveInterfaces(): LocalIface[] {
    const all = (opts.interfaces ?? systemInterfaces)();
    const down = new Set(opts.facts.interfaces().filter((i) => !i.up).map((i) => i.name));
    if (cfg.interfaces.length === 0) return all.filter((i) => !down.has(i.name));
    const out: LocalIface[] = [];
    for (const name of cfg.interfaces) {
      const found = all.filter((i) => i.name === name);
      if (found.length === 0) {
        throw new ConfigError('pnp.interfaces', `'${name}' has no IPv4 address on this node (interfaces with one: ${[...new Set(all.map((i) => i.name))].join(', ') || 'none'})`);
      }
      out.push(...found);
    }
    return out;
  }

  return {
    name: 'pnp',
    async start() {
      if (!cfg.enabled) return;
      if (opts.multiTenant) {
        state = 'refused';
        if (!refusedLogged) { refusedLogged = true; log.warn(MULTI_TENANT_REASON); }
        return;
      }
      ifaces = resolveInterfaces();
      if (ifaces.length === 0) log.warn('pnp: no IPv4 interface to join the multicast group on; PnP will hear nothing');
      server = createPnpServer({
        group: cfg.group, port: cfg.port, replyPort: cfg.replyPort, interfaces: ifaces,
        t1Ms: cfg.t1Ms, maxTransactions: cfg.maxTransactions,
        rate: new RateLimiter(cfg.ratePerSecond, cfg.rateBurst),
        policy: (dev) => checkPolicy(dev, { isActive, isKnownDevice, allow, deny, knownDevicesOnly: cfg.knownDevicesOnly }),
        urlFor, onSeen, log,
      });
      try {
        await server.start();
      } catch (e) {
        await server.stop().catch(() => {});
        server = undefined;
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new ConfigError(cfg.replyPort ? 'pnp.replyPort' : 'pnp.port', `cannot bind: address in use (${(e as Error).message})`);
        if (code === 'EADDRNOTAVAIL') throw new ConfigError('pnp.interfaces', `cannot bind: ${(e as Error).message}`);
        throw e;
      }
      state = 'running';
    },
    async stop() {
      // The stopped server is kept: status() still reports its counters.
      if (server) await server.stop();
      flush();
      if (state === 'running') state = 'stopped';
    },
    status() {
      const base = {
        enabled: cfg.enabled, state, active: state === 'running' ? isActive() : undefined,
        scheme: cfg.scheme, address: cfg.address || opts.resourceIp?.() || '(interface address)',
      };
      if (state === 'refused') return { ...base, reason: MULTI_TENANT_REASON };
      if (state === 'disabled') return { ...base, reason: 'pnp.enabled is false' };
      const s = server?.status();
      return {
        ...base,
        listening: s?.listening ?? null,
        replySockets: s?.replySockets ?? [],
        interfaces: ifaces.map((i) => `${i.name} ${i.address}`),
        joined: s?.joined ?? [],
        joinFailed: s?.joinFailed ?? [],
        pendingNotifies: s?.pendingNotifies ?? 0,
        seenWithoutMac: noMac,
        ...(s?.counters ?? {}),
      };
    },
  };
}

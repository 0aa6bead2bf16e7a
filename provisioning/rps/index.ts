// Composition of the RPS part for the daemon: the admin service and its control methods, the
// registration worker (a Service), and the Falconieri-compatible API listener (a Service, only
// when rps.api.enabled). agent/parts.ts calls createRps once and spreads what it returns.
import { resolve } from 'node:path';
import type { MethodTable } from '../../agent/control/registry.ts';
import type { Logger } from '../../agent/log.ts';
import { bindError, type Service } from '../../agent/service.ts';
import type { Db } from '../../agent/store/db.ts';
import { createApiHandler } from './api.ts';
import { createApiServer, loadOrCreateToken } from './api-server.ts';
import { baseUrlOf, createClientPool, type ClientFactory } from './client-pool.ts';
import type { RpsConfig } from './config-schema.ts';
import { rpsMethods } from './control-methods.ts';
import { createRpsService, type RpsService } from './service.ts';
import type { DefaultUrl } from './target.ts';
import { createWorker, type Worker } from './worker.ts';

export interface RpsOptions {
  config: RpsConfig;
  db: Db;
  log: Logger;
  stateDir: string;
  /** This node's HTTP provisioning URL for a tenant: where phones are redirected by default. */
  defaultUrl: DefaultUrl;
  /** Tests: other clients, clock, randomness. */
  clients?: ClientFactory;
  now?: () => number;
  random?: () => number;
  /** HA: whether this node is the active one (only it registers). Default: always. */
  isActive?: () => boolean;
}

export interface Rps { service: RpsService; worker: Worker; services: Service[]; methods: MethodTable }

export function createRps(o: RpsOptions): Rps {
  const log = o.log.child({ mod: 'rps' });
  const clients = o.clients ?? createClientPool(o.config);
  const now = o.now ?? Date.now;
  const worker = createWorker({ db: o.db, log, config: o.config, clients, defaultUrl: o.defaultUrl, now, ...(o.random ? { random: o.random } : {}), ...(o.isActive ? { isActive: o.isActive } : {}) });
  const service = createRpsService({
    db: o.db, now: () => new Date(now()), defaultUrl: o.defaultUrl, clients,
    wake: () => { if (o.config.enabled) worker.wake(); },
    baseUrlOf: (s) => baseUrlOf(o.config, s),
  });
  const services: Service[] = [{
    name: 'rps',
    async start() { if (o.config.enabled) worker.start(); },
    stop: () => worker.stop(),
    status: () => ({ enabled: o.config.enabled, ...worker.stats() }),
  }];
  if (o.config.api.enabled) {
    const tokenFile = resolve(o.stateDir, o.config.api.tokenFile || 'rps-api.token');
    let api: ReturnType<typeof createApiServer> | undefined;
    let bound: { address: string; port: number } | undefined;
    services.push({
      name: 'rps-api',
      async start() {
        const token = loadOrCreateToken(tokenFile, log);
        api = createApiServer({ address: o.config.api.address, port: o.config.api.port, log, handler: createApiHandler({ db: o.db, token, clients, log, now: () => new Date(now()) }) });
        try { bound = await api.start(); } catch (e) { throw bindError(e, 'rps.api.port', `${o.config.api.address}:${o.config.api.port}/tcp`); }
        log.info({ listening: `${bound.address}:${bound.port}`, tokenFile }, 'rps api: listening');
      },
      stop: async () => { await api?.stop(); },
      status: () => ({ enabled: true, listening: bound ? `${bound.address}:${bound.port}/tcp` : null, tokenFile, ...(api?.stats() ?? {}) }),
    });
  }
  return { service, worker, services, methods: rpsMethods(service) };
}

/**
 * Where phones are redirected when neither the link nor the server names a URL: this node's
 * HTTP provisioning URL, plus the tenant folder on a multi-tenant node. A loopback address is
 * useless to a phone, so it yields '' and the registration fails with missing_url, asking for
 * pbx.address or a server URL.
 */
export function rpsDefaultUrl(httpBase: string, multiTenant: boolean): DefaultUrl {
  // httpBase is fixed: decide once, not for every link shown or compared.
  let host = '';
  try { host = new URL(httpBase).hostname; } catch { return () => ''; }
  if (host === '127.0.0.1' || host === 'localhost' || host === '[::1]') return () => '';
  return (tenant) => (multiTenant && tenant ? `${httpBase.replace(/\/?$/, '/')}${tenant}/` : httpBase);
}

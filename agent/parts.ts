// The production wiring: which services and control methods the daemon runs, built from the
// config. Servers get the provisioning FileSource; none of them knows a vendor format.
import { createHttpServer } from '../net/http/server.ts';
import { createTftpServer } from '../net/tftp/server.ts';
import { provisioningMethods } from '../provisioning/control-methods.ts';
import { createProvisioning } from '../provisioning/resolver.ts';
import { assetsDir } from './config/load.ts';
import type { Config } from './config/types.ts';
import type { PartsFactory } from './daemon.ts';
import { bindError, type Service } from './service.ts';

export const buildParts: PartsFactory = ({ cfg, db, log, facts }) => {
  const prov = createProvisioning({
    db, config: { pbx: cfg.pbx, provisioning: cfg.provisioning }, assetsDir: assetsDir(cfg),
    facts, log: log.child({ mod: 'provisioning' }), urls: baseUrls(cfg, facts.primaryIpv4()),
  });
  const services: Service[] = [];

  if (cfg.tftp.enabled) {
    const tftp = createTftpServer({ config: cfg.tftp, source: prov.source, log: log.child({ mod: 'tftp' }) });
    let bound: { address: string; port: number } | undefined;
    services.push({
      name: 'tftp',
      async start() {
        try { bound = await tftp.start(); } catch (e) { throw bindError(e, 'tftp.port', `${cfg.tftp.address}:${cfg.tftp.port}/udp`); }
      },
      stop: () => tftp.stop(),
      status: () => ({ enabled: true, listening: bound ? `${bound.address}:${bound.port}/udp` : null, ...tftp.stats() }),
    });
  }

  if (cfg.http.enabled) {
    const http = createHttpServer({ config: cfg.http, httpPath: cfg.provisioning.httpPath, source: prov.source, log });
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

  // Sections whose servers are later issues: reported honestly, never pretended.
  for (const name of ['pnp', 'dhcp', 'ha'] as const) {
    if (services.some((s) => s.name === name)) continue;
    services.push({
      name, start: async () => {}, stop: async () => {},
      status: () => ({ enabled: cfg[name].enabled, state: 'not built in this version' }),
    });
  }

  return { services, methods: { ...provisioningMethods(prov) } };
};

/** The URLs phones are given: the PBX address, with the port when it is not the default. */
export function baseUrls(cfg: Config, primary: string | undefined): { http: string; tftp: string } {
  const addr = cfg.pbx.address || primary || '127.0.0.1';
  const httpPort = cfg.http.port === 80 ? '' : `:${cfg.http.port}`;
  const tftpPort = cfg.tftp.port === 69 ? '' : `:${cfg.tftp.port}`;
  return { http: `http://${addr}${httpPort}${cfg.provisioning.httpPath}/`, tftp: `tftp://${addr}${tftpPort}/` };
}

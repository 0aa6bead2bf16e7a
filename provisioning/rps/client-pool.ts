// One client per server version, reused across registrations so YMCS's OAuth token is cached
// (Falconieri keeps a singleton for the same reason). An edited server gets a fresh client.
import type { RpsConfig } from './config-schema.ts';
import type { ClientOptions, ProviderId, RpsClient } from './clients/types.ts';
import { PROVIDERS } from './providers.ts';
import type { ServerRow } from './repo.ts';

export type ClientFactory = (server: ServerRow) => RpsClient;

function configuredBaseUrl(cfg: RpsConfig, provider: ProviderId): string {
  return { snom: cfg.snomUrl, yealink: cfg.yealinkUrl, ymcs: cfg.ymcsUrl, gigaset: cfg.gigasetUrl, fanvil: cfg.fanvilUrl }[provider];
}

/** The effective vendor endpoint of a server: its own base URL, else the configured one. */
export function baseUrlOf(cfg: RpsConfig, server: ServerRow): string {
  return server.base_url || configuredBaseUrl(cfg, server.provider);
}

export function createClientPool(cfg: RpsConfig, extra: Partial<ClientOptions> = {}): ClientFactory {
  const cache = new Map<number, { version: string; client: RpsClient }>();
  return (server) => {
    // In memory only; the secret is part of it so a changed password gets a new client.
    const version = [server.rev, server.base_url, server.username, server.password, server.server_name].join('\n');
    const hit = cache.get(server.id);
    if (hit && hit.version === version) return hit.client;
    const p = PROVIDERS[server.provider];
    const client = p.create({
      baseUrl: baseUrlOf(cfg, server),
      username: server.username,
      password: server.password,
      serverName: server.server_name || p.defaultServerName,
      timeoutMs: cfg.requestTimeoutMs,
      ...extra,
    });
    cache.set(server.id, { version, client });
    return client;
  };
}

// What a link asks the vendor for: the MAC, the URL (link's own, else the server's, else this
// node's provisioning URL; '{tenant}' filled in) and the Gigaset CRC, plus a fingerprint of all
// of it. The worker stores the fingerprint of each attempt; when the device's MAC or tenant, the
// link or the server changes, the fingerprint changes and the device is registered again.
// "Already registered with the same fingerprint" needs no vendor call: that is the idempotence.
import type { RegisterInput } from './clients/types.ts';
import type { LinkInfo, ServerRow } from './repo.ts';

export interface Target extends RegisterInput { fingerprint: string }

/** `defaultUrl(tenant)`: this node's HTTP provisioning URL for the tenant (from parts.ts). */
export type DefaultUrl = (tenant: string | null) => string;

export function expandUrl(template: string, tenant: string | null): string {
  return template.replaceAll('{tenant}', tenant ?? '');
}

export function targetOf(link: Pick<LinkInfo, 'mac' | 'tenant_uuid' | 'url' | 'crc'>, server: ServerRow, defaultUrl: DefaultUrl): Target {
  const template = link.url || server.provisioning_url;
  const url = template ? expandUrl(template, link.tenant_uuid) : defaultUrl(link.tenant_uuid);
  const crc = link.crc || undefined;
  const fingerprint = JSON.stringify([server.id, server.rev, link.mac, url, link.crc]);
  return { mac: link.mac, url, ...(crc ? { crc } : {}), fingerprint };
}

/** The server, MAC and CRC a stored fingerprint was made for (undefined if it is not one). */
export function parseFingerprint(fp: string): { serverId: number; mac: string; crc: string } | undefined {
  if (!fp) return undefined;
  try {
    const v = JSON.parse(fp) as unknown;
    if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[2] !== 'string' || typeof v[4] !== 'string') return undefined;
    return { serverId: v[0], mac: v[2], crc: v[4] };
  } catch {
    return undefined;
  }
}

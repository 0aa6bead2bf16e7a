// `device.resync`: find where a phone was last seen, send its vendor's NOTIFY, report whether it
// answered. The last known address is the most recent of: its PnP SUBSCRIBE (pnp_seen, with the
// port it used), its DHCP lease, its last successful file fetch (in memory); else its static IP.
// SIP port 5060 unless PnP saw another. The attempt and its outcome are audited.
import { isIPv4 } from 'node:net';
import { withAudit } from '../../agent/audit.ts';
import { optionalBool, optionalInt, optionalString, requireString, allowParams } from '../../agent/control/params.ts';
import type { MethodTable } from '../../agent/control/registry.ts';
import { InvalidArgumentError, NotFoundError, PbxError } from '../../agent/errors.ts';
import type { Db } from '../../agent/store/db.ts';
import { requireDeviceMac } from '../../provisioning/mac.ts';
import type { DeviceRow } from '../../provisioning/types.ts';
import { modelById } from '../../provisioning/repo/catalog.ts';
import { accountById, deviceByMac } from '../../provisioning/repo/devices.ts';
import { get } from '../../provisioning/repo/sql.ts';
import { sendResync, type ResyncRequest, type ResyncResult } from './resync-client.ts';
import { resyncEvent, type Endpoint } from './resync.ts';

export interface KnownAddress extends Endpoint { source: 'pnp' | 'dhcp' | 'fetch' | 'static' | 'given'; at?: string }

export interface ResyncMethodsOptions {
  db: Db;
  /** Last successful fetch of a MAC (the file source keeps it in memory). */
  lastFetch?: (mac: string) => { ip: string; at: string } | undefined;
  /** Injected for tests; default: the real UDP client. */
  send?: (r: ResyncRequest) => Promise<ResyncResult>;
  now?: () => Date;
}

/** Where to send: the newest sighting, else the static address; undefined when never seen. */
export function lastKnownAddress(db: Db, mac: string, lastFetch?: ResyncMethodsOptions['lastFetch']): KnownAddress | undefined {
  const found: Array<KnownAddress & { t: number }> = [];
  // Statements from the per-connection cache: a resync-on-change batch looks up every MAC it holds.
  const seen = get<{ ip: string; port: number; last_seen: number }>(db, 'SELECT ip, port, last_seen FROM pnp_seen WHERE mac = ?', mac);
  if (seen && isIPv4(seen.ip)) found.push({ address: seen.ip, port: seen.port || 5060, source: 'pnp', t: seen.last_seen });
  const lease = get<{ ip: string; updated_at: number }>(db, "SELECT ip, updated_at FROM dhcp_leases WHERE mac = ? AND state = 'bound' ORDER BY updated_at DESC LIMIT 1", mac);
  if (lease && isIPv4(lease.ip)) found.push({ address: lease.ip, port: 5060, source: 'dhcp', t: lease.updated_at });
  const fetch = lastFetch?.(mac);
  if (fetch && isIPv4(fetch.ip)) found.push({ address: fetch.ip, port: 5060, source: 'fetch', t: Date.parse(fetch.at) || 0 });
  found.sort((a, b) => b.t - a.t);
  const best = found[0];
  if (best) {
    // The PnP port is the phone's SIP port; a newer sighting by another route keeps it when the address is the same.
    const port = seen && seen.ip === best.address ? seen.port || 5060 : best.port;
    return { address: best.address, port, source: best.source, at: new Date(best.t).toISOString() };
  }
  const d = deviceByMac(db, mac);
  if (d && !d.dhcp && isIPv4(d.ip)) return { address: d.ip, port: 5060, source: 'static' };
  return undefined;
}

/** What the NOTIFY to a device says: its brand's event, and its account's user name (or ''). */
export function notifyFor(db: Db, device: DeviceRow, reboot: boolean): { brand: string; event: string; user: string } {
  const brand = modelById(db, device.model_id)?.brand ?? '';
  const user = device.account_id === null ? '' : accountById(db, device.account_id)?.username ?? '';
  return { brand, event: resyncEvent(brand, reboot), user };
}

function parseTarget(text: string): Endpoint {
  const m = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(text.trim());
  const port = m?.[2] === undefined ? 5060 : Number(m[2]);
  if (!m || !isIPv4(m[1]!) || port < 1 || port > 65535) throw new InvalidArgumentError('address', `'${text.slice(0, 40)}' is not IPV4[:PORT], e.g. 10.0.0.21 or 10.0.0.21:5062`);
  return { address: m[1]!, port };
}

export function resyncMethods(o: ResyncMethodsOptions): MethodTable {
  const { db } = o;
  const send = o.send ?? sendResync;
  const now = o.now ?? (() => new Date());
  return {
    'device.resync': async (p, { actor }) => {
      allowParams(p, ['mac', 'reboot', 'address', 't1Ms']);
      const mac = requireDeviceMac(requireString(p, 'mac'));
      const device = deviceByMac(db, mac);
      if (!device) throw new NotFoundError('device', mac);
      const reboot = optionalBool(p, 'reboot') ?? false;
      const t1Ms = optionalInt(p, 't1Ms', 10, 4000) ?? 500;
      const given = optionalString(p, 'address');
      const target: KnownAddress | undefined = given ? { ...parseTarget(given), source: 'given' } : lastKnownAddress(db, mac, o.lastFetch);
      if (!target) {
        throw new PbxError('PBX_ERR_UNAVAILABLE', `device ${mac} has no known address: it was never seen by PnP, DHCP or a file fetch since start, and has no static IP; give one with --address IP[:PORT]`, { mac });
      }
      const { brand, event, user } = notifyFor(db, device, reboot);
      const result = await send({ target, event, user, t1Ms });
      const said = result.outcome === 'answered' ? `answered ${result.status} ${result.reason ?? ''}`.trim() : result.outcome;
      withAudit(db, actor, (audit) => audit({
        action: reboot ? 'reboot' : 'resync', objectType: 'device', objectId: mac,
        description: `NOTIFY Event: ${event} sent to ${target.address}:${target.port} (${target.source}): ${said}`,
      }), now);
      return {
        mac, brand, event, reboot, target,
        answered: result.outcome === 'answered', ...result,
      };
    },
  };
}

// Control methods for DHCP: dhcp.leases (list, filters), dhcp.lease (by IP or MAC), dhcp.release
// (admin, audited), dhcp.pools (usage). Reads go to the store, so they work with the server off;
// a release goes through the live lease table when the server runs (the address is free at once
// and the change reaches HA listeners), else straight to the store.
import { withAudit } from '../../agent/audit.ts';
import { InvalidArgumentError, NotFoundError } from '../../agent/errors.ts';
import type { MethodTable } from '../../agent/control/registry.ts';
import { optionalInt, optionalString } from '../../agent/control/params.ts';
import type { Db } from '../../agent/store/db.ts';
import { parseMac } from '../../provisioning/mac.ts';
import type { DhcpService } from './dhcp-service.ts';
import { effectiveState, leaseFromRow, type Lease, type LeaseRow } from './leases.ts';
import { ipToInt, prefixToMask } from '../lib/ipv4.ts';

export interface LeaseView extends Omit<Lease, 'startsAt' | 'expiresAt' | 'updatedAt'> {
  startsAt: string; expiresAt: string; updatedAt: string;
}

const STATES = ['bound', 'released', 'declined', 'expired'] as const;

function view(l: Lease, now: number): LeaseView {
  const iso = (n: number) => new Date(n).toISOString();
  return { ...l, state: effectiveState(l, now), startsAt: iso(l.startsAt), expiresAt: iso(l.expiresAt), updatedAt: iso(l.updatedAt) };
}

function macArg(p: Record<string, unknown>): string | undefined {
  const v = optionalString(p, 'mac');
  if (v === undefined) return undefined;
  const m = parseMac(v);
  if (!m) throw new InvalidArgumentError('mac', `'${v.slice(0, 40)}' is not a MAC address (aabbccddeeff or aa:bb:cc:dd:ee:ff)`);
  return m;
}

function ipArg(p: Record<string, unknown>, required: boolean): string | undefined {
  const v = optionalString(p, 'ip');
  if (v === undefined) {
    if (required) throw new InvalidArgumentError('ip', 'is required (an IPv4 address)');
    return undefined;
  }
  if (ipToInt(v) === undefined) throw new InvalidArgumentError('ip', `'${v.slice(0, 40)}' is not an IPv4 address`);
  return v;
}

export function dhcpMethods(db: Db, service?: () => DhcpService | undefined, now: () => number = Date.now): MethodTable {
  const all = db.prepare('SELECT * FROM dhcp_leases ORDER BY updated_at DESC');
  const byIp = db.prepare('SELECT * FROM dhcp_leases WHERE ip = ?');
  const byMac = db.prepare('SELECT * FROM dhcp_leases WHERE mac = ? ORDER BY updated_at DESC');
  return {
    'dhcp.leases': (p) => {
      const state = optionalString(p, 'state');
      if (state !== undefined && !(STATES as readonly string[]).includes(state)) throw new InvalidArgumentError('state', `must be one of ${STATES.join(', ')}`);
      const mac = macArg(p);
      const subnet = optionalString(p, 'subnet');
      let net: { n: number; mask: number } | undefined;
      if (subnet !== undefined) {
        const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(subnet);
        const n = m ? ipToInt(m[1]!) : undefined;
        if (!m || n === undefined || Number(m[2]) > 32) throw new InvalidArgumentError('subnet', `'${subnet}' is not a subnet like 10.0.0.0/24`);
        const mask = prefixToMask(Number(m[2]));
        net = { n: (n & mask) >>> 0, mask };
      }
      const limit = optionalInt(p, 'limit', 1, 1_000_000) ?? 1000;
      const t = now();
      const out: LeaseView[] = [];
      for (const r of (mac ? byMac.all(mac) : all.all()) as LeaseRow[]) {
        const l = leaseFromRow(r);
        if (state !== undefined && effectiveState(l, t) !== state) continue;
        if (net && ((ipToInt(l.ip)! & net.mask) >>> 0) !== net.n) continue;
        out.push(view(l, t));
        if (out.length >= limit) break;
      }
      return out;
    },
    'dhcp.lease': (p) => {
      const ip = ipArg(p, false);
      const mac = macArg(p);
      if (!ip && !mac) throw new InvalidArgumentError('ip', 'give ip or mac');
      const r = (ip ? byIp.get(ip) : byMac.get(mac)) as LeaseRow | undefined;
      if (!r) throw new NotFoundError('DHCP lease', ip ?? mac!);
      return view(leaseFromRow(r), now());
    },
    'dhcp.release': (p, ctx) => {
      const ip = ipArg(p, true)!;
      return withAudit(db, ctx.actor, (audit) => {
        const t = now();
        const svc = service?.();
        let released: Lease | undefined;
        if (svc?.leases) {
          released = svc.release(ip);
        } else {
          const r = byIp.get(ip) as LeaseRow | undefined;
          const l = r ? leaseFromRow(r) : undefined;
          if (l && effectiveState(l, t) === 'bound') {
            released = { ...l, state: 'released', expiresAt: t, updatedAt: t, version: l.version + 1 };
            db.prepare('UPDATE dhcp_leases SET state = ?, expires_at = ?, updated_at = ?, version = ? WHERE ip = ?')
              .run('released', t, t, released.version, ip);
          }
        }
        if (!released) throw new NotFoundError('bound DHCP lease', ip);
        audit({ action: 'release', objectType: 'dhcp-lease', objectId: ip, description: `released the lease of ${ip} (MAC ${released.mac})` });
        return view(released, t);
      });
    },
    'dhcp.pools': () => {
      const svc = service?.();
      const s = svc?.status();
      return s && Array.isArray(s.pools) ? s.pools : [];
    },
  };
}

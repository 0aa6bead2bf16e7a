// Control methods for phones seen by SIP PnP: pnp.list, pnp.show, pnp.forget. `pbxctl pnp adopt
// MAC` reads pnp.show (vendor, model) to pick a device model, then adds the device.
import { InvalidArgumentError, NotFoundError } from '../../agent/errors.ts';
import type { MethodTable } from '../../agent/control/registry.ts';
import { optionalBool, optionalInt, optionalString, requireString } from '../../agent/control/params.ts';
import type { Db } from '../../agent/store/db.ts';
import { parseMac } from '../../provisioning/mac.ts';
import { seenRepo, type SeenRow } from './pnp-repo.ts';

export interface SeenView extends Omit<SeenRow, 'lastSeen'> { lastSeen: string }

const view = (r: SeenRow): SeenView => ({ ...r, lastSeen: new Date(r.lastSeen).toISOString() });

/** AABBCCDDEEFF, AA:BB:CC:DD:EE:FF, AA-BB-..., aabb.ccdd.eeff -> aabbccddeeff. */
function macParam(p: Record<string, unknown>, name = 'mac'): string {
  const v = requireString(p, name);
  const mac = parseMac(v);
  if (!mac) throw new InvalidArgumentError(name, `'${v.slice(0, 40)}' is not a MAC address (AABBCCDDEEFF or AA:BB:CC:DD:EE:FF)`);
  return mac;
}

function sinceParam(p: Record<string, unknown>): number | undefined {
  const v = p.since;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  const s = optionalString(p, 'since')!;
  const rel = /^(\d+)([smhd])$/.exec(s);
  if (rel) return Date.now() - Number(rel[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('since', `'${s}' is not a time (use 2026-11-01, 2026-11-01T08:00:00Z, or 30m / 2h / 7d ago)`);
  return d.getTime();
}

export function pnpMethods(db: Db): MethodTable {
  const repo = seenRepo(db);
  return {
    'pnp.list': (p) => {
      const q: { since?: number; limit?: number } = { limit: optionalInt(p, 'limit', 1, 100_000) ?? 1000 };
      const since = sinceParam(p);
      if (since !== undefined) q.since = since;
      return repo.list(q).map(view);
    },
    'pnp.show': (p) => {
      const mac = macParam(p);
      const r = repo.get(mac);
      if (!r) throw new NotFoundError('phone seen by PnP', mac);
      return view(r);
    },
    'pnp.forget': (p) => {
      const all = optionalBool(p, 'all') ?? false;
      if (all) return { forgotten: repo.forget() };
      const mac = macParam(p);
      const n = repo.forget(mac);
      if (n === 0) throw new NotFoundError('phone seen by PnP', mac);
      return { forgotten: n };
    },
  };
}

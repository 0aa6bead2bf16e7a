// Control methods of phonebooks (pbxctl phonebook ...). Params are untrusted JSON: read with the
// param readers, unknown params refused, every change audited by the store.
import { optionalString, requireString, allowParams as allow } from '../agent/control/params.ts';
import type { MethodTable } from '../agent/control/registry.ts';
import { InvalidArgumentError } from '../agent/errors.ts';
import type { Db } from '../agent/store/db.ts';
import { NUMBER_KINDS } from './phonebook-render.ts';
import { ACCESS_KINDS, createPhonebookStore } from './phonebook-store.ts';
import { resolveTenant } from './service/common.ts';

type P = Record<string, unknown>;

function id(p: P, name = 'id'): number {
  const v = p[name];
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(name, `is required (a phonebook id, a whole number), got ${JSON.stringify(v)}`);
  return n;
}

/** One grant from the params: exactly one of all, tenant, device, account. */
function grant(p: P): { kind: string; ref?: string } {
  const given = ACCESS_KINDS.filter((k) => p[k] !== undefined && p[k] !== false);
  if (given.length !== 1) throw new InvalidArgumentError('access', 'give exactly one of --all, --tenant UUID, --device MAC, --account USER');
  const k = given[0]!;
  if (k === 'all') return { kind: 'all' };
  const v = p[k];
  if (k === 'tenant' && v === true) return { kind: 'tenant' };
  return { kind: k, ref: typeof v === 'number' ? String(v) : requireString(p, k) };
}

export function phonebookMethods(opts: { db: Db; multiTenant: boolean; now?: () => Date }): MethodTable {
  const now = opts.now ?? (() => new Date());
  const ctx = { db: opts.db, now, multiTenant: opts.multiTenant, lastSeen: () => undefined };
  const store = createPhonebookStore(ctx);
  return {
    'phonebook.add': (p, { actor }) => { allow(p, ['name', 'tenant']); return store.add(actor, requireString(p, 'name'), optionalString(p, 'tenant') ?? null); },
    'phonebook.list': (p) => {
      allow(p, ['tenant']);
      const t = optionalString(p, 'tenant');
      return store.list(t === undefined ? undefined : resolveTenant(ctx, t));
    },
    'phonebook.show': (p) => { allow(p, ['id']); return store.show(id(p)); },
    'phonebook.remove': (p, { actor }) => { allow(p, ['id']); return store.remove(actor, id(p)); },
    'phonebook.entry.add': (p, { actor }) => {
      allow(p, ['id', 'name', ...NUMBER_KINDS]);
      const numbers: Array<{ kind: string; number: string }> = [];
      for (const kind of NUMBER_KINDS) {
        const v = p[kind];
        if (v === undefined || v === null) continue;
        const list = Array.isArray(v) ? v : [v];
        for (const n of list) {
          if (typeof n !== 'string' && typeof n !== 'number') throw new InvalidArgumentError(kind, 'must be a number or a list of numbers');
          numbers.push({ kind, number: String(n) });
        }
      }
      return store.addEntry(actor, id(p), requireString(p, 'name'), numbers);
    },
    'phonebook.entry.remove': (p, { actor }) => { allow(p, ['id', 'entry']); return store.removeEntry(actor, id(p), id(p, 'entry')); },
    'phonebook.allow': (p, { actor }) => { allow(p, ['id', ...ACCESS_KINDS]); return store.allow(actor, id(p), grant(p)); },
    'phonebook.deny': (p, { actor }) => { allow(p, ['id', ...ACCESS_KINDS]); return store.deny(actor, id(p), grant(p)); },
  };
}

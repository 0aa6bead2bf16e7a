// Shared pieces of the provisioning service: its context, reference resolution (ids or names
// to rows), secret masking and audit descriptions that never carry a secret.
import type { AuditRecord } from '../../agent/audit.ts';
import { InvalidArgumentError, NotFoundError } from '../../agent/errors.ts';
import type { Db } from '../../agent/store/db.ts';
import { MASK } from '../placeholders.ts';
import { brandById, brandByName, modelById, modelsByName, templateById, templateByName } from '../repo/catalog.ts';
import { accountById, accountsByUsername, tenantByUuid } from '../repo/devices.ts';
import { uuid } from '../validate.ts';
import type { AccountRow, BrandRow, ModelInfo, TemplateRow } from '../types.ts';

export interface LastSeen { at: string; file: string; transport: string; ip: string; userAgent?: string }

export type Audit = (r: AuditRecord) => void;

export interface ServiceContext {
  db: Db;
  now: () => Date;
  multiTenant: boolean;
  /** Last successful fetch per MAC (kept in memory by the file source). */
  lastSeen: (mac: string) => LastSeen | undefined;
}

/** An id (number or digit string) or a name. */
export type Ref = number | string;

export function asId(ref: Ref): number | undefined {
  if (typeof ref === 'number') return Number.isInteger(ref) ? ref : undefined;
  return /^\d+$/.test(ref) ? Number(ref) : undefined;
}

export function resolveBrand(db: Db, ref: Ref): BrandRow {
  const id = asId(ref);
  const row = id !== undefined ? brandById(db, id) : brandByName(db, String(ref));
  if (!row) throw new NotFoundError('brand', String(ref));
  return row;
}

/** A model by id, 'Brand/Model', or a model name that only one brand uses. */
export function resolveModel(db: Db, ref: Ref, field = 'model'): ModelInfo {
  const id = asId(ref);
  if (id !== undefined) {
    const m = modelById(db, id);
    if (!m) throw new NotFoundError('model', String(ref));
    return m;
  }
  const s = String(ref);
  const slash = s.indexOf('/');
  const found = slash >= 0 ? modelsByName(db, s.slice(slash + 1), s.slice(0, slash)) : modelsByName(db, s);
  if (found.length === 0) throw new NotFoundError('model', s);
  if (found.length > 1) {
    throw new InvalidArgumentError(field, `model '${s}' exists for several brands (${found.map((m) => m.brand).join(', ')}); write Brand/Model`);
  }
  return found[0]!;
}

export function resolveTemplate(db: Db, ref: Ref): TemplateRow {
  const id = asId(ref);
  const row = id !== undefined ? templateById(db, id) : templateByName(db, String(ref));
  if (!row) throw new NotFoundError('template', String(ref));
  return row;
}

/**
 * An account by id (a number), or by user name within the tenant (null: the single-tenant
 * node). User names are often digits (extensions), so a digit string is a user name first and
 * an id only when no account has that user name.
 */
export function resolveAccount(db: Db, ref: Ref, tenant: string | null | undefined, field = 'account'): AccountRow {
  const byId = (id: number): AccountRow => {
    const a = accountById(db, id);
    if (!a) throw new NotFoundError('account', String(ref));
    return a;
  };
  if (typeof ref === 'number') return byId(ref);
  const found = accountsByUsername(db, ref, tenant);
  if (found.length > 1) throw new InvalidArgumentError(field, `account '${ref}' exists in several tenants; give the tenant or the account id`);
  if (found.length === 1) return found[0]!;
  if (/^\d+$/.test(ref)) return byId(Number(ref));
  throw new NotFoundError('account', tenant ? `${tenant}/${ref}` : ref);
}

/** Checks a tenant reference: required in multi-tenant mode, and it must exist. */
export function resolveTenant(ctx: ServiceContext, value: string | null | undefined, field = 'tenant'): string | null {
  if (value === undefined || value === null || value === '') {
    if (ctx.multiTenant) throw new InvalidArgumentError(field, 'is required in multi-tenant mode (a tenant UUID)');
    return null;
  }
  const u = uuid(field, value);
  if (!tenantByUuid(ctx.db, u)) throw new NotFoundError('tenant', u);
  return u;
}

export function mask(value: string, show: boolean | undefined): string {
  return show || value === '' ? value : MASK;
}

export function modelRef(m: { brand: string; name: string }): string {
  return `${m.brand}/${m.name}`;
}

export interface FieldSpec { key: string; label: string; secret?: boolean }

const short = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v);
  const one = s.replace(/[\x00-\x1f\x7f]/g, ' ');
  return JSON.stringify(one.length > 40 ? one.slice(0, 40) + '…' : one);
};

/** "ip '' → '10.0.0.5', password changed": what changed, secrets named but never shown. */
export function describeChanges(beforeObj: object, afterObj: object, fields: readonly FieldSpec[]): string[] {
  const before = beforeObj as Record<string, unknown>;
  const after = afterObj as Record<string, unknown>;
  const out: string[] = [];
  for (const f of fields) {
    if (before[f.key] === after[f.key]) continue;
    if (f.secret) out.push(`${f.label} ${after[f.key] === '' ? 'cleared' : before[f.key] === '' ? 'set' : 'changed'}`);
    else out.push(`${f.label} ${short(before[f.key])} → ${short(after[f.key])}`);
  }
  return out;
}

export function summary(what: string, changes: string[]): string {
  return changes.length ? `${what} updated: ${changes.join(', ')}` : `${what} updated (no change)`;
}

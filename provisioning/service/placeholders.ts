// Service for custom placeholders %%_NAME%%: static text or a dynamic node attribute
// ('iface:eth0.100' = the first IPv4 of that interface or VLAN), global or per device. Values are
// never written to the audit log (a static value may well be a password).
import { withAudit, type Actor } from '../../agent/audit.ts';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../agent/errors.ts';
import { requireDeviceMac } from '../mac.ts';
import { BUILTIN_PLACEHOLDERS, MASK, parseDynamicSource, type CatalogueEntry } from '../placeholders.ts';
import { listTemplates } from '../repo/catalog.ts';
import { deviceById, deviceByMac, devicePlaceholders, globalPlaceholders, placeholderById, placeholderNamed } from '../repo/devices.ts';
import { deleteRow, insertRow, updateRow } from '../repo/sql.ts';
import { parseTemplate } from '../template.ts';
import type { PlaceholderRow } from '../types.ts';
import { customPlaceholderName, text } from '../validate.ts';
import { asId, describeChanges, summary, type Audit, type Ref, type ServiceContext } from './common.ts';

export interface PlaceholderView {
  id: number; name: string; token: string; kind: 'static' | 'dynamic'; value: string; secret: boolean;
  description: string; device: string | null; updatedAt: string; usedBy: string[];
}

export interface PlaceholderInput { name: string; kind: string; value: string; secret?: boolean; description?: string; device?: string | null }

function validated(kind: string, value: string): { kind: 'static' | 'dynamic'; value: string } {
  if (kind !== 'static' && kind !== 'dynamic') throw new InvalidArgumentError('kind', `must be static or dynamic, got ${JSON.stringify(kind)}`);
  if (kind === 'dynamic') {
    if (!parseDynamicSource(value)) {
      throw new InvalidArgumentError('value', `a dynamic placeholder takes a node attribute: iface:<interface>, e.g. iface:eth0 or iface:eth0.100; got ${JSON.stringify(value.slice(0, 40))}`);
    }
    return { kind, value };
  }
  return { kind, value: text('value', value, 1024) };
}

export function createPlaceholderService(ctx: ServiceContext) {
  const { db } = ctx;
  const ts = (): string => ctx.now().toISOString();
  const audited = <T>(actor: Actor, fn: (audit: Audit) => T): T => withAudit(db, actor, fn, ctx.now);

  const usedBy = (name: string): string[] => listTemplates(db).filter((t) => {
    try { return parseTemplate(t.body).placeholders.some((p) => p.name === name); } catch { return false; }
  }).map((t) => t.name);

  const view = (p: PlaceholderRow, showSecrets?: boolean): PlaceholderView => ({
    id: p.id, name: p.name, token: `%%${p.name}%%`, kind: p.kind, value: p.secret && !showSecrets && p.value ? MASK : p.value,
    secret: p.secret === 1, description: p.description, device: p.device_id === null ? null : deviceById(db, p.device_id)?.mac ?? null,
    updatedAt: p.updated_at, usedBy: usedBy(p.name),
  });

  const deviceId = (mac: string | null | undefined): number | null => {
    if (mac === undefined || mac === null || mac === '') return null;
    const m = requireDeviceMac(mac, 'device');
    const d = deviceByMac(db, m);
    if (!d) throw new NotFoundError('device', m);
    return d.id;
  };

  /** By id, or by name (global, or the device's when `device` is given). */
  const resolve = (ref: Ref, device?: string | null): PlaceholderRow => {
    const id = asId(ref);
    const p = id !== undefined ? placeholderById(db, id) : placeholderNamed(db, customPlaceholderName('name', String(ref)), deviceId(device));
    if (!p) throw new NotFoundError('placeholder', String(ref));
    return p;
  };

  const where = (p: { name: string; device_id: number | null }): string =>
    p.device_id === null ? `placeholder ${p.name}` : `placeholder ${p.name} of device ${deviceById(db, p.device_id)?.mac ?? p.device_id}`;

  return {
    /** The built-in placeholders, for documentation and pbxctl. */
    catalogue: (): readonly CatalogueEntry[] => BUILTIN_PLACEHOLDERS,
    listPlaceholders(opts: { device?: string | null; showSecrets?: boolean } = {}): PlaceholderView[] {
      const id = deviceId(opts.device);
      return (id === null ? globalPlaceholders(db) : devicePlaceholders(db, id)).map((p) => view(p, opts.showSecrets));
    },
    showPlaceholder: (ref: Ref, opts: { device?: string | null; showSecrets?: boolean } = {}): PlaceholderView =>
      view(resolve(ref, opts.device), opts.showSecrets),
    addPlaceholder(actor: Actor, input: PlaceholderInput): PlaceholderView {
      const name = customPlaceholderName('name', input.name);
      const v = validated(input.kind, input.value);
      const description = text('description', input.description ?? '', 200);
      return audited(actor, (audit) => {
        const dev = deviceId(input.device);
        if (placeholderNamed(db, name, dev)) throw new ConflictError(`${where({ name, device_id: dev })} already exists`);
        const id = insertRow(db, 'placeholders', { name, ...v, secret: input.secret ? 1 : 0, description, device_id: dev, updated_at: ts() });
        audit({ action: 'create', objectType: 'placeholder', objectId: String(id), description: `${where({ name, device_id: dev })} added (${v.kind}${input.secret ? ', secret' : ''})` });
        return view(placeholderById(db, id)!);
      });
    },
    updatePlaceholder(actor: Actor, ref: Ref, patch: { kind?: string; value?: string; secret?: boolean; description?: string }, opts: { device?: string | null } = {}): PlaceholderView {
      return audited(actor, (audit) => {
        const p = resolve(ref, opts.device);
        const v = validated(patch.kind ?? p.kind, patch.value ?? p.value);
        const next = { ...v, secret: patch.secret === undefined ? p.secret : patch.secret ? 1 : 0, description: text('description', patch.description ?? p.description, 200) };
        const changes = describeChanges(p, next, [
          { key: 'kind', label: 'kind' }, { key: 'value', label: 'value', secret: true }, { key: 'secret', label: 'secret flag' }, { key: 'description', label: 'description' },
        ]);
        updateRow(db, 'placeholders', p.id, { ...next, updated_at: ts() });
        audit({ action: 'update', objectType: 'placeholder', objectId: String(p.id), description: summary(where(p), changes) });
        return view(placeholderById(db, p.id)!);
      });
    },
    removePlaceholder(actor: Actor, ref: Ref, opts: { device?: string | null } = {}): { removed: string; usedBy: string[] } {
      return audited(actor, (audit) => {
        const p = resolve(ref, opts.device);
        const used = usedBy(p.name);
        deleteRow(db, 'placeholders', p.id);
        audit({ action: 'delete', objectType: 'placeholder', objectId: String(p.id), description: `${where(p)} removed${used.length ? `; still used by templates ${used.join(', ')}` : ''}` });
        return { removed: p.name, usedBy: used };
      });
    },
  };
}

export type PlaceholderService = ReturnType<typeof createPlaceholderService>;

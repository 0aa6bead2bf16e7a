// Seeds the built-in brands, models, templates and rules at store open. Idempotent: rows are
// found by builtin_key; missing ones are inserted, untouched ones (customized = 0) are refreshed
// to the shipped version, and rows an admin edited are left alone. A row an admin created
// before a built-in of the same name appeared is adopted as customized. One audited
// transaction; a run that changes nothing writes no audit row.
import { SYSTEM_ACTOR, withAudit, type AuditRecord } from '../agent/audit.ts';
import type { Db } from '../agent/store/db.ts';
import { BUILTIN_MODELS, type BuiltinModel } from './builtin/index.ts';
import { get, insertRow, updateRow } from './repo/sql.ts';

interface KeyedRow { id: number; customized: number }

export interface SeedResult { inserted: number; refreshed: number; skipped: string[] }

export function seedBuiltins(db: Db, now: () => Date, models: readonly BuiltinModel[] = BUILTIN_MODELS): SeedResult {
  const result: SeedResult = { inserted: 0, refreshed: 0, skipped: [] };
  withAudit(db, SYSTEM_ACTOR, (audit) => {
    const ts = now().toISOString();
    for (const def of models) seedModel(db, def, ts, audit, result);
  }, now);
  return result;
}

/**
 * Finds the row for `key`, else adopts a same-named row, else inserts `values`. Refreshes an
 * uncustomized row when `values` differ. Returns the row id.
 */
function upsert(
  db: Db, table: string, key: string, byName: { sql: string; args: unknown[] }, values: Record<string, string | number | null>,
  ts: string, label: string, audit: (r: AuditRecord) => void, result: SeedResult, objectType: string,
): number {
  const row = get<KeyedRow & Record<string, unknown>>(db, `SELECT * FROM ${table} WHERE builtin_key = ?`, key);
  if (row) {
    if (!row.customized && Object.entries(values).some(([k, v]) => row[k] !== v)) {
      updateRow(db, table, row.id, { ...values, updated_at: ts });
      audit({ action: 'update', objectType, objectId: String(row.id), description: `built-in ${label} refreshed to the shipped version` });
      result.refreshed++;
    }
    return row.id;
  }
  const adopt = get<KeyedRow>(db, `SELECT id, customized FROM ${table} WHERE builtin_key IS NULL AND ${byName.sql}`, ...byName.args);
  if (adopt) {
    updateRow(db, table, adopt.id, { builtin_key: key, customized: 1 });
    audit({ action: 'update', objectType, objectId: String(adopt.id), description: `existing ${label} adopted as the built-in (kept as customized)` });
    return adopt.id;
  }
  const id = insertRow(db, table, { ...values, builtin_key: key, customized: 0, updated_at: ts });
  audit({ action: 'create', objectType, objectId: String(id), description: `built-in ${label} added` });
  result.inserted++;
  return id;
}

function seedModel(db: Db, def: BuiltinModel, ts: string, audit: (r: AuditRecord) => void, result: SeedResult): void {
  const brandKey = `brand/${def.brand.toLowerCase()}`;
  const brandId = upsert(db, 'brands', brandKey, { sql: 'name = ?', args: [def.brand] }, { name: def.brand },
    ts, `brand ${def.brand}`, audit, result, 'brand');
  const modelId = upsert(db, 'models', def.key, { sql: 'brand_id = ? AND name = ?', args: [brandId, def.name] },
    { brand_id: brandId, name: def.name, description: def.description }, ts, `model ${def.brand}/${def.name}`, audit, result, 'model');
  const templateIds = new Map<string, number>();
  for (const t of def.templates) {
    const id = upsert(db, 'templates', t.key, { sql: 'name = ?', args: [t.name] },
      { model_id: modelId, name: t.name, format: t.format, body: t.body }, ts, `template ${t.name}`, audit, result, 'template');
    templateIds.set(t.key, id);
  }
  for (const r of def.rules) {
    const templateId = r.template ? templateIds.get(r.template) ?? null : null;
    try {
      upsert(db, 'file_rules', r.key, { sql: 'model_id = ? AND name = ?', args: [modelId, r.name] },
        { model_id: modelId, name: r.name, prefix: r.prefix, mac_format: r.macFormat, suffix: r.suffix, template_id: templateId, content_type: r.contentType ?? null },
        ts, `rule ${def.brand}/${def.name} ${r.name}`, audit, result, 'rule');
    } catch (e) {
      // An admin rule already produces this file name (unique indexes): keep theirs.
      if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) result.skipped.push(`rule ${def.brand}/${def.name} ${r.name}`);
      else throw e;
    }
  }
  const model = get<{ default_template_id: number | null; customized: number }>(db, 'SELECT default_template_id, customized FROM models WHERE id = ?', modelId)!;
  const wanted = templateIds.get(def.defaultTemplate) ?? null;
  if (!model.customized && model.default_template_id !== wanted) {
    updateRow(db, 'models', modelId, { default_template_id: wanted });
  }
}

// Store access for the device catalogue: brands, models, templates and file-name rules.
import type { Db } from '../../agent/store/db.ts';
import type { BrandRow, ModelInfo, RuleRow, TemplateRow } from '../types.ts';
import { all, get } from './sql.ts';

const MODEL_SELECT = `SELECT m.*, b.name AS brand, b.updated_at AS brand_updated_at
  FROM models m JOIN brands b ON b.id = m.brand_id`;

export function listBrands(db: Db): BrandRow[] {
  return all<BrandRow>(db, 'SELECT * FROM brands ORDER BY name');
}
export function brandById(db: Db, id: number): BrandRow | undefined {
  return get<BrandRow>(db, 'SELECT * FROM brands WHERE id = ?', id);
}
export function brandByName(db: Db, name: string): BrandRow | undefined {
  return get<BrandRow>(db, 'SELECT * FROM brands WHERE name = ?', name);
}

export function listModels(db: Db, brandId?: number): ModelInfo[] {
  return brandId === undefined
    ? all<ModelInfo>(db, `${MODEL_SELECT} ORDER BY b.name, m.name`)
    : all<ModelInfo>(db, `${MODEL_SELECT} WHERE m.brand_id = ? ORDER BY m.name`, brandId);
}
export function modelById(db: Db, id: number): ModelInfo | undefined {
  return get<ModelInfo>(db, `${MODEL_SELECT} WHERE m.id = ?`, id);
}
export function modelsByName(db: Db, name: string, brand?: string): ModelInfo[] {
  return brand === undefined
    ? all<ModelInfo>(db, `${MODEL_SELECT} WHERE m.name = ?`, name)
    : all<ModelInfo>(db, `${MODEL_SELECT} WHERE m.name = ? AND b.name = ?`, name, brand);
}

export function listTemplates(db: Db, modelId?: number): TemplateRow[] {
  return modelId === undefined
    ? all<TemplateRow>(db, 'SELECT * FROM templates ORDER BY name')
    : all<TemplateRow>(db, 'SELECT * FROM templates WHERE model_id = ? ORDER BY name', modelId);
}
export function templateById(db: Db, id: number): TemplateRow | undefined {
  return get<TemplateRow>(db, 'SELECT * FROM templates WHERE id = ?', id);
}
export function templateByName(db: Db, name: string): TemplateRow | undefined {
  return get<TemplateRow>(db, 'SELECT * FROM templates WHERE name = ?', name);
}

/** Who depends on a template: devices naming it, rules rendering it, models defaulting to it. */
export function templateUsage(db: Db, id: number): { devices: number; rules: string[]; models: string[] } {
  const devices = get<{ n: number }>(db, 'SELECT count(*) AS n FROM devices WHERE template_id = ?', id)!.n;
  const rules = all<{ name: string }>(db, 'SELECT name FROM file_rules WHERE template_id = ? ORDER BY name', id).map((r) => r.name);
  const models = all<{ name: string }>(db, `SELECT b.name || '/' || m.name AS name FROM models m JOIN brands b ON b.id = m.brand_id
    WHERE m.default_template_id = ? ORDER BY 1`, id).map((r) => r.name);
  return { devices, rules, models };
}

export function listRules(db: Db, modelId?: number): RuleRow[] {
  return modelId === undefined
    ? all<RuleRow>(db, 'SELECT * FROM file_rules ORDER BY model_id, id')
    : all<RuleRow>(db, 'SELECT * FROM file_rules WHERE model_id = ? ORDER BY id', modelId);
}
export function ruleById(db: Db, id: number): RuleRow | undefined {
  return get<RuleRow>(db, 'SELECT * FROM file_rules WHERE id = ?', id);
}
export function ruleByName(db: Db, modelId: number, name: string): RuleRow | undefined {
  return get<RuleRow>(db, 'SELECT * FROM file_rules WHERE model_id = ? AND name = ?', modelId, name);
}
/** The common rule producing exactly this file name (ignoring case), if any. */
export function commonRuleNamed(db: Db, fileName: string): RuleRow | undefined {
  return get<RuleRow>(db, `SELECT * FROM file_rules WHERE mac_format = 'none' AND lower(prefix || suffix) = lower(?)`, fileName);
}

export function countDevicesOfModel(db: Db, modelId: number): number {
  return get<{ n: number }>(db, 'SELECT count(*) AS n FROM devices WHERE model_id = ?', modelId)!.n;
}
export function countModelsOfBrand(db: Db, brandId: number): number {
  return get<{ n: number }>(db, 'SELECT count(*) AS n FROM models WHERE brand_id = ?', brandId)!.n;
}

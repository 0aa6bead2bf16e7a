// Service for the device catalogue: brands, models, templates and file-name rules. Every change
// is one audited transaction; built-in rows may be edited (they become 'customized' and the seed
// leaves them alone) or copied, not removed.
import { withAudit, type Actor } from '../../agent/audit.ts';
import { ConflictError, InvalidArgumentError } from '../../agent/errors.ts';
import type { Db } from '../../agent/store/db.ts';
import { knownNames } from '../placeholders.ts';
import { countDevicesOfModel, countModelsOfBrand, listBrands, listModels, listRules, listTemplates, modelById, ruleById, templateById, templateUsage } from '../repo/catalog.ts';
import { customPlaceholderNames } from '../repo/devices.ts';
import { deleteRow, get, insertRow, run, updateRow } from '../repo/sql.ts';
import { buildFileName } from '../rules.ts';
import { parseTemplate, unknownPlaceholderError, unknownPlaceholders } from '../template.ts';
import { MAC_FORMATS, TEMPLATE_FORMATS, type BrandRow, type MacFormat, type ModelInfo, type RuleRow, type TemplateFormat, type TemplateRow } from '../types.ts';
import { catalogName, contentType, MAX_TEMPLATE_BYTES, multiline, nameAffix, ruleFileName } from '../validate.ts';
import { describeChanges, modelRef, resolveBrand, resolveModel, resolveTemplate, summary, type Audit, type Ref, type ServiceContext } from './common.ts';

export interface BrandView { id: number; name: string; builtin: boolean; customized: boolean; models: number }
export interface ModelView {
  id: number; ref: string; brand: string; name: string; description: string;
  defaultTemplate: { id: number; name: string } | null; builtin: boolean; customized: boolean; updatedAt: string;
  rules?: RuleView[]; templates?: TemplateView[]; devices?: number;
}
export interface TemplateView {
  id: number; name: string; model: string; modelId: number; format: TemplateFormat; builtin: boolean; customized: boolean;
  updatedAt: string; size: number; placeholders: string[]; body?: string;
  usedBy?: { devices: number; rules: string[]; models: string[] };
}
export interface RuleView {
  id: number; name: string; model: string; modelId: number; kind: 'device' | 'common'; prefix: string; macFormat: MacFormat; suffix: string;
  /** null: the device's own template (or its model's default). */
  template: { id: number; name: string } | null; contentType: string | null; example: string;
  builtin: boolean; customized: boolean; updatedAt: string;
}

export interface ModelInput { brand: string; name: string; description?: string; defaultTemplate?: Ref | null }
export interface TemplateInput { model: Ref; name: string; body: string; format?: TemplateFormat }
export interface RuleInput { model: Ref; name: string; prefix?: string; macFormat: string; suffix?: string; template?: Ref | null; contentType?: string | null }

const EXAMPLE_MAC = '0015651a2b3c';

function sniffFormat(body: string): TemplateFormat {
  return body.trimStart().startsWith('<?xml') ? 'xml' : 'text';
}

/** Validates a template body for a scope; throws TemplateError naming an unknown placeholder and its line. */
export function checkTemplateBody(db: Db, body: string, scope: 'device' | 'common', where = 'template'): string[] {
  if (Buffer.byteLength(body) > MAX_TEMPLATE_BYTES) throw new InvalidArgumentError('body', `must be at most ${MAX_TEMPLATE_BYTES} bytes`);
  const parsed = parseTemplate(body);
  const unknown = unknownPlaceholders(parsed, knownNames(scope, customPlaceholderNames(db)));
  if (unknown.length) throw unknownPlaceholderError(unknown, where);
  return [...new Set(parsed.placeholders.map((p) => p.name))];
}

function templateScope(db: Db, templateId: number): 'device' | 'common' {
  return get(db, `SELECT 1 FROM file_rules WHERE template_id = ? AND mac_format = 'none'`, templateId) ? 'common' : 'device';
}

function format(field: string, v: string | undefined, body: string): TemplateFormat {
  if (v === undefined || v === '') return sniffFormat(body);
  if (!(TEMPLATE_FORMATS as readonly string[]).includes(v)) throw new InvalidArgumentError(field, `must be one of ${TEMPLATE_FORMATS.join(', ')}, got ${JSON.stringify(v)}`);
  return v as TemplateFormat;
}

export function createCatalogService(ctx: ServiceContext) {
  const { db } = ctx;
  const ts = (): string => ctx.now().toISOString();
  const audited = <T>(actor: Actor, fn: (audit: Audit) => T): T => withAudit(db, actor, fn, ctx.now);

  const brandView = (b: BrandRow): BrandView =>
    ({ id: b.id, name: b.name, builtin: b.builtin_key !== null, customized: b.customized === 1, models: countModelsOfBrand(db, b.id) });

  const templateView = (t: TemplateRow, withBody = false): TemplateView => {
    const m = modelById(db, t.model_id)!;
    let placeholders: string[] = [];
    try { placeholders = [...new Set(parseTemplate(t.body).placeholders.map((p) => p.name))]; } catch { /* shown by template.check */ }
    return {
      id: t.id, name: t.name, model: modelRef(m), modelId: m.id, format: t.format, builtin: t.builtin_key !== null,
      customized: t.customized === 1, updatedAt: t.updated_at, size: Buffer.byteLength(t.body), placeholders,
      ...(withBody ? { body: t.body, usedBy: templateUsage(db, t.id) } : {}),
    };
  };

  const ruleView = (r: RuleRow): RuleView => {
    const m = modelById(db, r.model_id)!;
    const t = r.template_id === null ? undefined : templateById(db, r.template_id);
    return {
      id: r.id, name: r.name, model: modelRef(m), modelId: m.id, kind: r.mac_format === 'none' ? 'common' : 'device',
      prefix: r.prefix, macFormat: r.mac_format, suffix: r.suffix, template: t ? { id: t.id, name: t.name } : null,
      contentType: r.content_type, example: buildFileName(r, EXAMPLE_MAC), builtin: r.builtin_key !== null,
      customized: r.customized === 1, updatedAt: r.updated_at,
    };
  };

  const modelView = (m: ModelInfo, detail = false): ModelView => {
    const dt = m.default_template_id === null ? undefined : templateById(db, m.default_template_id);
    return {
      id: m.id, ref: modelRef(m), brand: m.brand, name: m.name, description: m.description,
      defaultTemplate: dt ? { id: dt.id, name: dt.name } : null, builtin: m.builtin_key !== null, customized: m.customized === 1,
      updatedAt: m.updated_at,
      ...(detail ? { rules: listRules(db, m.id).map(ruleView), templates: listTemplates(db, m.id).map((t) => templateView(t)), devices: countDevicesOfModel(db, m.id) } : {}),
    };
  };

  const templateOfModel = (ref: Ref, model: ModelInfo, field: string): TemplateRow => {
    const t = resolveTemplate(db, ref);
    if (t.model_id !== model.id) {
      throw new InvalidArgumentError(field, `template '${t.name}' belongs to model ${modelRef(modelById(db, t.model_id)!)}, not ${modelRef(model)}`);
    }
    return t;
  };

  const ensureBrand = (name: string, audit: Audit): BrandRow => {
    const existing = get<BrandRow>(db, 'SELECT * FROM brands WHERE name = ?', name);
    if (existing) return existing;
    catalogName('brand', name);
    const id = insertRow(db, 'brands', { name, updated_at: ts() });
    audit({ action: 'create', objectType: 'brand', objectId: String(id), description: `brand ${name} added` });
    return get<BrandRow>(db, 'SELECT * FROM brands WHERE id = ?', id)!;
  };

  return {
    // ---- brands
    listBrands: (): BrandView[] => listBrands(db).map(brandView),
    addBrand(actor: Actor, name: string): BrandView {
      catalogName('name', name);
      return audited(actor, (audit) => {
        if (get(db, 'SELECT 1 FROM brands WHERE name = ?', name)) throw new ConflictError(`brand '${name}' already exists`);
        const id = insertRow(db, 'brands', { name, updated_at: ts() });
        audit({ action: 'create', objectType: 'brand', objectId: String(id), description: `brand ${name} added` });
        return brandView(resolveBrand(db, id));
      });
    },
    renameBrand(actor: Actor, ref: Ref, name: string): BrandView {
      catalogName('name', name);
      return audited(actor, (audit) => {
        const b = resolveBrand(db, ref);
        const other = get<BrandRow>(db, 'SELECT * FROM brands WHERE name = ?', name);
        if (other && other.id !== b.id) throw new ConflictError(`brand '${name}' already exists`);
        updateRow(db, 'brands', b.id, { name, updated_at: ts(), customized: b.builtin_key ? 1 : 0 });
        audit({ action: 'update', objectType: 'brand', objectId: String(b.id), description: `brand ${b.name} renamed to ${name}` });
        return brandView(resolveBrand(db, b.id));
      });
    },
    removeBrand(actor: Actor, ref: Ref): { removed: string } {
      return audited(actor, (audit) => {
        const b = resolveBrand(db, ref);
        if (b.builtin_key) throw new ConflictError(`brand ${b.name} is built in and cannot be removed`);
        const n = countModelsOfBrand(db, b.id);
        if (n > 0) throw new ConflictError(`brand ${b.name} still has ${n} model(s); remove them first`);
        deleteRow(db, 'brands', b.id);
        audit({ action: 'delete', objectType: 'brand', objectId: String(b.id), description: `brand ${b.name} removed` });
        return { removed: b.name };
      });
    },

    // ---- models
    listModels: (brand?: Ref): ModelView[] => listModels(db, brand === undefined ? undefined : resolveBrand(db, brand).id).map((m) => modelView(m)),
    showModel: (ref: Ref): ModelView => modelView(resolveModel(db, ref), true),
    addModel(actor: Actor, input: ModelInput): ModelView {
      catalogName('brand', input.brand);
      catalogName('name', input.name);
      const description = multiline('description', input.description ?? '', 500);
      return audited(actor, (audit) => {
        const brand = ensureBrand(input.brand, audit);
        if (get(db, 'SELECT 1 FROM models WHERE brand_id = ? AND name = ?', brand.id, input.name)) {
          throw new ConflictError(`model ${brand.name}/${input.name} already exists`);
        }
        const id = insertRow(db, 'models', { brand_id: brand.id, name: input.name, description, updated_at: ts() });
        audit({ action: 'create', objectType: 'model', objectId: String(id), description: `model ${brand.name}/${input.name} added` });
        return modelView(modelById(db, id)!, true);
      });
    },
    updateModel(actor: Actor, ref: Ref, patch: Partial<ModelInput>): ModelView {
      return audited(actor, (audit) => {
        const m = resolveModel(db, ref);
        const next = { brand_id: m.brand_id, name: m.name, description: m.description, default_template_id: m.default_template_id };
        if (patch.name !== undefined) next.name = catalogName('name', patch.name);
        if (patch.description !== undefined) next.description = multiline('description', patch.description, 500);
        if (patch.brand !== undefined) next.brand_id = ensureBrand(catalogName('brand', patch.brand), audit).id;
        if (patch.defaultTemplate !== undefined) {
          next.default_template_id = patch.defaultTemplate === null ? null : templateOfModel(patch.defaultTemplate, m, 'defaultTemplate').id;
        }
        const clash = get<{ id: number }>(db, 'SELECT id FROM models WHERE brand_id = ? AND name = ?', next.brand_id, next.name);
        if (clash && clash.id !== m.id) throw new ConflictError(`another model is already named ${next.name} for this brand`);
        const changes = describeChanges(m, next, [
          { key: 'name', label: 'name' }, { key: 'brand_id', label: 'brand id' }, { key: 'description', label: 'description' },
          { key: 'default_template_id', label: 'default template id' },
        ]);
        updateRow(db, 'models', m.id, { ...next, updated_at: ts(), customized: m.builtin_key ? 1 : 0 });
        audit({ action: 'update', objectType: 'model', objectId: String(m.id), description: summary(`model ${modelRef(m)}`, changes) });
        return modelView(modelById(db, m.id)!, true);
      });
    },
    removeModel(actor: Actor, ref: Ref): { removed: string } {
      return audited(actor, (audit) => {
        const m = resolveModel(db, ref);
        if (m.builtin_key) throw new ConflictError(`model ${modelRef(m)} is built in and cannot be removed`);
        const n = countDevicesOfModel(db, m.id);
        if (n > 0) throw new ConflictError(`model ${modelRef(m)} is used by ${n} device(s)`);
        const rules = run(db, 'DELETE FROM file_rules WHERE model_id = ?', m.id);
        run(db, 'UPDATE models SET default_template_id = NULL WHERE id = ?', m.id);
        const templates = run(db, 'DELETE FROM templates WHERE model_id = ?', m.id);
        deleteRow(db, 'models', m.id);
        audit({ action: 'delete', objectType: 'model', objectId: String(m.id), description: `model ${modelRef(m)} removed with ${rules} rule(s) and ${templates} template(s)` });
        return { removed: modelRef(m) };
      });
    },

    // ---- templates
    listTemplates: (model?: Ref): TemplateView[] => listTemplates(db, model === undefined ? undefined : resolveModel(db, model).id).map((t) => templateView(t)),
    showTemplate: (ref: Ref): TemplateView => templateView(resolveTemplate(db, ref), true),
    addTemplate(actor: Actor, input: TemplateInput): TemplateView {
      catalogName('name', input.name);
      const fmt = format('format', input.format, input.body);
      return audited(actor, (audit) => {
        const m = resolveModel(db, input.model);
        if (get(db, 'SELECT 1 FROM templates WHERE name = ?', input.name)) throw new ConflictError(`template '${input.name}' already exists`);
        checkTemplateBody(db, input.body, 'device', `template '${input.name}'`);
        const id = insertRow(db, 'templates', { model_id: m.id, name: input.name, format: fmt, body: input.body, updated_at: ts() });
        audit({ action: 'create', objectType: 'template', objectId: String(id), description: `template '${input.name}' added to model ${modelRef(m)} (${fmt}, ${Buffer.byteLength(input.body)} bytes)` });
        return templateView(templateById(db, id)!, true);
      });
    },
    updateTemplate(actor: Actor, ref: Ref, patch: { name?: string; body?: string; format?: TemplateFormat }): TemplateView {
      return audited(actor, (audit) => {
        const t = resolveTemplate(db, ref);
        const next = { name: t.name, body: t.body, format: t.format };
        if (patch.name !== undefined) {
          next.name = catalogName('name', patch.name);
          const other = get<{ id: number }>(db, 'SELECT id FROM templates WHERE name = ?', next.name);
          if (other && other.id !== t.id) throw new ConflictError(`template '${next.name}' already exists`);
        }
        if (patch.body !== undefined) next.body = patch.body;
        if (patch.format !== undefined) next.format = format('format', patch.format, next.body);
        checkTemplateBody(db, next.body, templateScope(db, t.id), `template '${next.name}'`);
        const changes = describeChanges(t, next, [{ key: 'name', label: 'name' }, { key: 'format', label: 'format' }]);
        if (next.body !== t.body) changes.push(`body changed (${Buffer.byteLength(t.body)} → ${Buffer.byteLength(next.body)} bytes)`);
        updateRow(db, 'templates', t.id, { ...next, updated_at: ts(), customized: t.builtin_key ? 1 : 0 });
        audit({ action: 'update', objectType: 'template', objectId: String(t.id), description: summary(`template '${t.name}'`, changes) });
        return templateView(templateById(db, t.id)!, true);
      });
    },
    copyTemplate(actor: Actor, ref: Ref, name: string, model?: Ref): TemplateView {
      catalogName('name', name);
      return audited(actor, (audit) => {
        const t = resolveTemplate(db, ref);
        const m = model === undefined ? modelById(db, t.model_id)! : resolveModel(db, model);
        if (get(db, 'SELECT 1 FROM templates WHERE name = ?', name)) throw new ConflictError(`template '${name}' already exists`);
        const id = insertRow(db, 'templates', { model_id: m.id, name, format: t.format, body: t.body, updated_at: ts() });
        audit({ action: 'create', objectType: 'template', objectId: String(id), description: `template '${name}' copied from '${t.name}' into model ${modelRef(m)}` });
        return templateView(templateById(db, id)!, true);
      });
    },
    removeTemplate(actor: Actor, ref: Ref): { removed: string } {
      return audited(actor, (audit) => {
        const t = resolveTemplate(db, ref);
        if (t.builtin_key) throw new ConflictError(`template '${t.name}' is built in and cannot be removed (copy it to change it freely)`);
        const use = templateUsage(db, t.id);
        if (use.devices || use.rules.length || use.models.length) {
          throw new ConflictError(`template '${t.name}' is in use: ${use.devices} device(s), rules [${use.rules.join(', ')}], default of [${use.models.join(', ')}]`, { usedBy: use });
        }
        deleteRow(db, 'templates', t.id);
        audit({ action: 'delete', objectType: 'template', objectId: String(t.id), description: `template '${t.name}' removed` });
        return { removed: t.name };
      });
    },
    /** Checks a template body (or a stored template) for a scope; throws TemplateError when it would not render. */
    checkTemplate(input: { template?: Ref; body?: string; scope?: 'device' | 'common' }): { ok: true; scope: 'device' | 'common'; placeholders: string[] } {
      let body = input.body;
      let scope = input.scope;
      let where = 'template';
      if (input.template !== undefined) {
        const t = resolveTemplate(db, input.template);
        body ??= t.body;
        scope ??= templateScope(db, t.id);
        where = `template '${t.name}'`;
      }
      if (body === undefined) throw new InvalidArgumentError('body', 'give a template body or a template');
      const s = scope ?? 'device';
      return { ok: true, scope: s, placeholders: checkTemplateBody(db, body, s, where) };
    },

    // ---- file-name rules
    listRules: (model?: Ref): RuleView[] => listRules(db, model === undefined ? undefined : resolveModel(db, model).id).map(ruleView),
    showRule: (id: number): RuleView => ruleView(requireRule(db, id)),
    addRule(actor: Actor, input: RuleInput): RuleView {
      return audited(actor, (audit) => {
        const m = resolveModel(db, input.model);
        const row = validateRule(db, m, input, undefined, templateOfModel);
        if (get(db, 'SELECT 1 FROM file_rules WHERE model_id = ? AND name = ?', m.id, row.name)) throw new ConflictError(`model ${modelRef(m)} already has a rule named '${row.name}'`);
        const id = insertRow(db, 'file_rules', { model_id: m.id, ...row, updated_at: ts() });
        const r = ruleById(db, id)!;
        audit({ action: 'create', objectType: 'rule', objectId: String(id), description: `rule '${r.name}' (${buildFileName(r, EXAMPLE_MAC)}) added to model ${modelRef(m)}` });
        return ruleView(r);
      });
    },
    updateRule(actor: Actor, id: number, patch: Partial<Omit<RuleInput, 'model'>>): RuleView {
      return audited(actor, (audit) => {
        const r = requireRule(db, id);
        const m = modelById(db, r.model_id)!;
        const merged: RuleInput = {
          model: m.id, name: patch.name ?? r.name, prefix: patch.prefix ?? r.prefix, macFormat: patch.macFormat ?? r.mac_format,
          suffix: patch.suffix ?? r.suffix, template: patch.template === undefined ? r.template_id : patch.template,
          contentType: patch.contentType === undefined ? r.content_type : patch.contentType,
        };
        const row = validateRule(db, m, merged, r.id, templateOfModel);
        const clash = get<{ id: number }>(db, 'SELECT id FROM file_rules WHERE model_id = ? AND name = ?', m.id, row.name);
        if (clash && clash.id !== r.id) throw new ConflictError(`model ${modelRef(m)} already has a rule named '${row.name}'`);
        const changes = describeChanges(r, row, [
          { key: 'name', label: 'name' }, { key: 'prefix', label: 'prefix' }, { key: 'mac_format', label: 'MAC format' },
          { key: 'suffix', label: 'suffix' }, { key: 'template_id', label: 'template id' }, { key: 'content_type', label: 'content type' },
        ]);
        updateRow(db, 'file_rules', r.id, { ...row, updated_at: ts(), customized: r.builtin_key ? 1 : 0 });
        audit({ action: 'update', objectType: 'rule', objectId: String(r.id), description: summary(`rule '${r.name}' of ${modelRef(m)}`, changes) });
        return ruleView(ruleById(db, r.id)!);
      });
    },
    removeRule(actor: Actor, id: number): { removed: string } {
      return audited(actor, (audit) => {
        const r = requireRule(db, id);
        if (r.builtin_key) throw new ConflictError(`rule '${r.name}' is built in and cannot be removed`);
        deleteRow(db, 'file_rules', r.id);
        audit({ action: 'delete', objectType: 'rule', objectId: String(r.id), description: `rule '${r.name}' removed` });
        return { removed: r.name };
      });
    },
  };
}

function requireRule(db: Db, id: number): RuleRow {
  const r = ruleById(db, id);
  if (!r) throw new InvalidArgumentError('id', `no file-name rule with id ${id}`);
  return r;
}

function validateRule(
  db: Db, m: ModelInfo, input: RuleInput, selfId: number | undefined,
  templateOfModel: (ref: Ref, model: ModelInfo, field: string) => TemplateRow,
): Omit<RuleRow, 'id' | 'model_id' | 'builtin_key' | 'customized' | 'updated_at'> {
  const name = catalogName('name', input.name);
  const prefix = nameAffix('prefix', input.prefix ?? '');
  const suffix = nameAffix('suffix', input.suffix ?? '');
  if (!(MAC_FORMATS as readonly string[]).includes(input.macFormat)) {
    throw new InvalidArgumentError('macFormat', `must be one of ${MAC_FORMATS.join(', ')}, got ${JSON.stringify(input.macFormat)}`);
  }
  const macFormat = input.macFormat as MacFormat;
  const shape = { prefix, mac_format: macFormat, suffix };
  ruleFileName(macFormat === 'none' ? 'prefix' : 'name', buildFileName(shape, EXAMPLE_MAC));
  const template = input.template === null || input.template === undefined ? undefined : templateOfModel(input.template, m, 'template');
  if (macFormat === 'none') {
    if (!template) throw new InvalidArgumentError('template', 'a common file (macFormat none) must name its template');
    checkTemplateBody(db, template.body, 'common', `template '${template.name}' (for common file ${prefix + suffix})`);
    const other = get<RuleRow>(db, `SELECT * FROM file_rules WHERE mac_format = 'none' AND lower(prefix || suffix) = lower(?)`, prefix + suffix);
    if (other && other.id !== selfId) {
      throw new ConflictError(`common file ${prefix + suffix} is already produced by rule '${other.name}' of ${modelRef(modelById(db, other.model_id)!)}`);
    }
  } else {
    const other = get<RuleRow>(db, `SELECT * FROM file_rules WHERE model_id = ? AND mac_format = ? AND lower(prefix) = lower(?) AND lower(suffix) = lower(?)`,
      m.id, macFormat, prefix, suffix);
    if (other && other.id !== selfId) throw new ConflictError(`rule '${other.name}' of ${modelRef(m)} already produces these file names`);
  }
  return { name, prefix, mac_format: macFormat, suffix, template_id: template?.id ?? null, content_type: contentType('contentType', input.contentType ?? null) };
}

export type CatalogService = ReturnType<typeof createCatalogService>;

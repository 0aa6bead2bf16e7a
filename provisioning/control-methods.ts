// The provisioning part of the control API (pbxctl). Params are untrusted JSON: each method
// reads its params with the agent/control/params.ts readers (errors name the param), refuses
// params it does not know (a typo must not silently do nothing), and calls the service with the
// caller as the audit actor. Secrets are masked in results unless `showSecrets: true`.
import type { MethodTable } from '../agent/control/registry.ts';
import { optionalBool, optionalInt, optionalString, requireString, allowParams as allow } from '../agent/control/params.ts';
import { InvalidArgumentError } from '../agent/errors.ts';
import type { Provisioning } from './resolver.ts';
import type { Ref } from './service.ts';
import type { TemplateFormat } from './types.ts';

type P = Record<string, unknown>;

/** An id (integer) or a name. */
function optionalRef(p: P, name: string): Ref | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  if (typeof v === 'string' && v !== '') return v;
  throw new InvalidArgumentError(name, `must be an id or a name, got ${JSON.stringify(v)}`);
}

function requireRef(p: P, name: string, alias = 'id'): Ref {
  const v = optionalRef(p, name) ?? optionalRef(p, alias);
  if (v === undefined) throw new InvalidArgumentError(name, 'is required (an id or a name)');
  return v;
}

/** undefined: leave as is; null (or '' / 'none'): clear; else a reference. */
function nullableRef(p: P, name: string): Ref | null | undefined {
  const v = p[name];
  if (v === null || v === '' || v === 'none') return v === undefined ? undefined : null;
  return optionalRef(p, name);
}

function nullableString(p: P, name: string): string | null | undefined {
  return p[name] === null ? null : optionalString(p, name);
}

function nullableInt(p: P, name: string, min: number, max: number): number | null | undefined {
  const v = p[name];
  if (v === null || v === '') return v === undefined ? undefined : null;
  return optionalInt(p, name, min, max);
}

function requireInt(p: P, name: string): number {
  const v = optionalInt(p, name, 1, Number.MAX_SAFE_INTEGER);
  if (v === undefined) throw new InvalidArgumentError(name, 'is required (an id)');
  return v;
}

function format(p: P): TemplateFormat | undefined {
  const f = optionalString(p, 'format');
  if (f !== undefined && f !== 'xml' && f !== 'text') throw new InvalidArgumentError('format', `must be xml or text, got ${JSON.stringify(f)}`);
  return f;
}

function scope(p: P): 'device' | 'common' | undefined {
  const s = optionalString(p, 'scope');
  if (s !== undefined && s !== 'device' && s !== 'common') throw new InvalidArgumentError('scope', `must be device or common, got ${JSON.stringify(s)}`);
  return s;
}

/** Copies the optional string params that are present. */
function strings<K extends string>(p: P, keys: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) {
    const v = optionalString(p, k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

const ACCOUNT_STRINGS = ['password', 'authUser', 'displayName', 'extension', 'firstName', 'lastName', 'voicemail', 'transport'] as const;
const DEVICE_STRINGS = ['notes', 'ip', 'netmask', 'gateway', 'dns1', 'dns2', 'phoneUsername', 'phonePassword', 'remoteAddress'] as const;
const DEVICE_KEYS = ['model', 'brand', 'template', 'account', 'enabled', 'dhcp', 'remotePort', ...DEVICE_STRINGS] as const;

/** A model param, optionally qualified by a separate brand param. */
function modelParam(p: P): Ref | undefined {
  const m = optionalRef(p, 'model');
  const brand = optionalString(p, 'brand');
  if (m === undefined) return undefined;
  return brand && typeof m === 'string' && !m.includes('/') ? `${brand}/${m}` : m;
}

function deviceFields(p: P) {
  const out: Record<string, unknown> = { ...strings(p, DEVICE_STRINGS) };
  const model = modelParam(p); if (model !== undefined) out.model = model;
  const template = nullableRef(p, 'template'); if (template !== undefined) out.template = template;
  const account = nullableRef(p, 'account'); if (account !== undefined) out.account = account;
  const enabled = optionalBool(p, 'enabled'); if (enabled !== undefined) out.enabled = enabled;
  const dhcp = optionalBool(p, 'dhcp'); if (dhcp !== undefined) out.dhcp = dhcp;
  const rp = nullableInt(p, 'remotePort', 1, 65535); if (rp !== undefined) out.remotePort = rp;
  return out;
}

export function provisioningMethods(prov: Provisioning): MethodTable {
  const s = prov.service;
  const secrets = (p: P): boolean => optionalBool(p, 'showSecrets') ?? false;
  const tenantOpt = (p: P): { tenant?: string | null } => {
    const t = nullableString(p, 'tenant');
    return t === undefined ? {} : { tenant: t };
  };

  return {
    // tenants
    'tenant.add': (p, { actor }) => { allow(p, ['uuid', 'name']); return s.addTenant(actor, { name: requireString(p, 'name'), ...strings(p, ['uuid']) }); },
    'tenant.list': (p) => { allow(p, []); return s.listTenants(); },
    'tenant.show': (p) => { allow(p, ['uuid']); return s.showTenant(requireString(p, 'uuid')); },
    'tenant.update': (p, { actor }) => { allow(p, ['uuid', 'name']); return s.renameTenant(actor, requireString(p, 'uuid'), requireString(p, 'name')); },
    'tenant.remove': (p, { actor }) => { allow(p, ['uuid']); return s.removeTenant(actor, requireString(p, 'uuid')); },

    // brands
    'brand.add': (p, { actor }) => { allow(p, ['name']); return s.addBrand(actor, requireString(p, 'name')); },
    'brand.list': (p) => { allow(p, []); return s.listBrands(); },
    'brand.update': (p, { actor }) => { allow(p, ['brand', 'id', 'name']); return s.renameBrand(actor, requireRef(p, 'brand'), requireString(p, 'name')); },
    'brand.remove': (p, { actor }) => { allow(p, ['brand', 'id']); return s.removeBrand(actor, requireRef(p, 'brand')); },

    // models
    'model.add': (p, { actor }) => {
      allow(p, ['brand', 'name', 'description']);
      return s.addModel(actor, { brand: requireString(p, 'brand'), name: requireString(p, 'name'), ...strings(p, ['description']) });
    },
    'model.list': (p) => { allow(p, ['brand']); return s.listModels(optionalRef(p, 'brand')); },
    'model.show': (p) => { allow(p, ['model', 'id', 'brand']); return s.showModel(modelParam(p) ?? requireRef(p, 'model')); },
    'model.update': (p, { actor }) => {
      allow(p, ['model', 'id', 'name', 'brand', 'description', 'defaultTemplate']);
      const dt = nullableRef(p, 'defaultTemplate');
      return s.updateModel(actor, requireRef(p, 'model'), { ...strings(p, ['name', 'brand', 'description']), ...(dt !== undefined ? { defaultTemplate: dt } : {}) });
    },
    'model.remove': (p, { actor }) => { allow(p, ['model', 'id']); return s.removeModel(actor, requireRef(p, 'model')); },

    // templates
    'template.add': (p, { actor }) => {
      allow(p, ['model', 'brand', 'name', 'body', 'format']);
      const f = format(p);
      const model = modelParam(p);
      if (model === undefined) throw new InvalidArgumentError('model', 'is required (an id or Brand/Model)');
      if (typeof p.body !== 'string') throw new InvalidArgumentError('body', 'is required (the template text)');
      return s.addTemplate(actor, { model, name: requireString(p, 'name'), body: p.body, ...(f ? { format: f } : {}) });
    },
    'template.list': (p) => { allow(p, ['model', 'brand']); return s.listTemplates(modelParam(p)); },
    'template.show': (p) => { allow(p, ['template', 'id']); return s.showTemplate(requireRef(p, 'template')); },
    'template.update': (p, { actor }) => {
      allow(p, ['template', 'id', 'name', 'body', 'format']);
      const f = format(p);
      if (p.body !== undefined && typeof p.body !== 'string') throw new InvalidArgumentError('body', 'must be the template text');
      return s.updateTemplate(actor, requireRef(p, 'template'), {
        ...strings(p, ['name']), ...(typeof p.body === 'string' ? { body: p.body } : {}), ...(f ? { format: f } : {}),
      });
    },
    'template.copy': (p, { actor }) => {
      allow(p, ['template', 'id', 'name', 'model', 'brand']);
      return s.copyTemplate(actor, requireRef(p, 'template'), requireString(p, 'name'), modelParam(p));
    },
    'template.remove': (p, { actor }) => { allow(p, ['template', 'id']); return s.removeTemplate(actor, requireRef(p, 'template')); },
    'template.check': (p) => {
      allow(p, ['template', 'id', 'body', 'scope']);
      if (p.body !== undefined && typeof p.body !== 'string') throw new InvalidArgumentError('body', 'must be the template text');
      const t = optionalRef(p, 'template') ?? optionalRef(p, 'id');
      const sc = scope(p);
      return s.checkTemplate({ ...(t !== undefined ? { template: t } : {}), ...(typeof p.body === 'string' ? { body: p.body } : {}), ...(sc ? { scope: sc } : {}) });
    },

    // file-name rules
    'rule.add': (p, { actor }) => {
      allow(p, ['model', 'brand', 'name', 'prefix', 'macFormat', 'suffix', 'template', 'contentType']);
      const model = modelParam(p);
      if (model === undefined) throw new InvalidArgumentError('model', 'is required (an id or Brand/Model)');
      const template = nullableRef(p, 'template');
      const ct = nullableString(p, 'contentType');
      return s.addRule(actor, {
        model, name: requireString(p, 'name'), macFormat: requireString(p, 'macFormat'), ...strings(p, ['prefix', 'suffix']),
        ...(template !== undefined ? { template } : {}), ...(ct !== undefined ? { contentType: ct } : {}),
      });
    },
    'rule.list': (p) => { allow(p, ['model', 'brand']); return s.listRules(modelParam(p)); },
    'rule.show': (p) => { allow(p, ['id']); return s.showRule(requireInt(p, 'id')); },
    'rule.update': (p, { actor }) => {
      allow(p, ['id', 'name', 'prefix', 'macFormat', 'suffix', 'template', 'contentType']);
      const template = nullableRef(p, 'template');
      const ct = nullableString(p, 'contentType');
      return s.updateRule(actor, requireInt(p, 'id'), {
        ...strings(p, ['name', 'prefix', 'macFormat', 'suffix']),
        ...(template !== undefined ? { template } : {}), ...(ct !== undefined ? { contentType: ct } : {}),
      });
    },
    'rule.remove': (p, { actor }) => { allow(p, ['id']); return s.removeRule(actor, requireInt(p, 'id')); },

    // custom placeholders
    'placeholder.catalogue': (p) => { allow(p, []); return s.catalogue(); },
    'placeholder.add': (p, { actor }) => {
      allow(p, ['name', 'kind', 'value', 'secret', 'description', 'device']);
      if (typeof p.value !== 'string') throw new InvalidArgumentError('value', 'is required (text, or iface:<interface> for a dynamic placeholder)');
      const secret = optionalBool(p, 'secret');
      return s.addPlaceholder(actor, {
        name: requireString(p, 'name'), kind: optionalString(p, 'kind') ?? 'static', value: p.value,
        ...strings(p, ['description', 'device']), ...(secret !== undefined ? { secret } : {}),
      });
    },
    'placeholder.list': (p) => { allow(p, ['device', 'showSecrets']); return s.listPlaceholders({ ...strings(p, ['device']), showSecrets: secrets(p) }); },
    'placeholder.show': (p) => {
      allow(p, ['placeholder', 'id', 'name', 'device', 'showSecrets']);
      return s.showPlaceholder(optionalRef(p, 'name') ?? requireRef(p, 'placeholder'), { ...strings(p, ['device']), showSecrets: secrets(p) });
    },
    'placeholder.update': (p, { actor }) => {
      allow(p, ['placeholder', 'id', 'name', 'device', 'kind', 'value', 'secret', 'description']);
      const secret = optionalBool(p, 'secret');
      return s.updatePlaceholder(actor, optionalRef(p, 'name') ?? requireRef(p, 'placeholder'),
        { ...strings(p, ['kind', 'value', 'description']), ...(secret !== undefined ? { secret } : {}) }, strings(p, ['device']));
    },
    'placeholder.remove': (p, { actor }) => {
      allow(p, ['placeholder', 'id', 'name', 'device']);
      return s.removePlaceholder(actor, optionalRef(p, 'name') ?? requireRef(p, 'placeholder'), strings(p, ['device']));
    },

    // accounts
    'account.add': (p, { actor }) => {
      allow(p, ['tenant', 'username', ...ACCOUNT_STRINGS]);
      return s.addAccount(actor, { ...tenantOpt(p), username: requireString(p, 'username'), ...strings(p, ACCOUNT_STRINGS) });
    },
    'account.list': (p) => { allow(p, ['tenant', 'showSecrets']); return s.listAccounts({ ...tenantOpt(p), showSecrets: secrets(p) }); },
    'account.show': (p) => {
      allow(p, ['account', 'id', 'username', 'tenant', 'showSecrets']);
      return s.showAccount(optionalRef(p, 'username') ?? requireRef(p, 'account'), { ...tenantOpt(p), showSecrets: secrets(p) });
    },
    'account.update': (p, { actor }) => {
      allow(p, ['account', 'id', 'tenant', 'username', ...ACCOUNT_STRINGS]);
      return s.updateAccount(actor, requireRef(p, 'account'), strings(p, ['username', ...ACCOUNT_STRINGS]), tenantOpt(p));
    },
    'account.remove': (p, { actor }) => {
      allow(p, ['account', 'id', 'username', 'tenant']);
      return s.removeAccount(actor, optionalRef(p, 'username') ?? requireRef(p, 'account'), tenantOpt(p));
    },

    // devices
    'device.add': (p, { actor }) => {
      allow(p, ['mac', 'tenant', ...DEVICE_KEYS]);
      const f = deviceFields(p);
      if (f.model === undefined) throw new InvalidArgumentError('model', 'is required (an id, Brand/Model, or a model name with brand)');
      return s.addDevice(actor, { mac: requireString(p, 'mac'), ...tenantOpt(p), ...f } as Parameters<typeof s.addDevice>[1]);
    },
    'device.list': (p) => { allow(p, ['tenant', 'showSecrets']); return s.listDevices({ ...tenantOpt(p), showSecrets: secrets(p) }); },
    'device.show': (p) => { allow(p, ['mac', 'showSecrets']); return s.showDevice(requireString(p, 'mac'), { showSecrets: secrets(p) }); },
    'device.update': (p, { actor }) => {
      allow(p, ['mac', 'newMac', ...DEVICE_KEYS]);
      return s.updateDevice(actor, requireString(p, 'mac'), { ...deviceFields(p), ...strings(p, ['newMac']) });
    },
    'device.remove': (p, { actor }) => { allow(p, ['mac']); return s.removeDevice(actor, requireString(p, 'mac')); },
    'device.preview': (p) => {
      allow(p, ['mac', 'showSecrets', 'httpBaseUrl', 'tftpBaseUrl']);
      return prov.preview(requireString(p, 'mac'), { showSecrets: secrets(p), ...strings(p, ['httpBaseUrl', 'tftpBaseUrl']) });
    },

    // diagnostics
    'provisioning.unresolved': (p) => { allow(p, ['limit']); return prov.unresolved(optionalInt(p, 'limit', 1, 10_000)); },
  };
}

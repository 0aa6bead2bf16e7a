// The file source the TFTP and HTTP servers ask, and the composition root of the engine.
// A request path resolves in this order:
//   1. the name is checked (names.ts): traversal, absolute, backslash, NUL... are 'bad-name';
//   2. multi-tenant: the first segment must be a known tenant ('unknown-tenant');
//      single-tenant: a path with folders can only be an asset;
//   3. a single file name is matched against every file-name rule (ignoring case): a common
//      file renders without a device; a device file needs a device with that MAC (in the
//      tenant) whose model owns the rule, an account, enabled, and a template;
//   4. otherwise, or when the rule match fails, an asset of that name is served if one exists;
//   5. else the most specific reason from step 3, or 'unknown-file'.
// Files are rendered per request, never written to disk.
import type { Config } from '../agent/config/types.ts';
import type { Logger } from '../agent/log.ts';
import type { Db } from '../agent/store/db.ts';
import { findAsset } from './assets.ts';
import type { FileRequest, FileResult, FileSource, NotServed, NotServedReason, ServedFile } from './file-source.ts';
import { requireDeviceMac } from './mac.ts';
import { contentTypeFor, parseRequestPath } from './names.ts';
import { pbxAddress } from './placeholders.ts';
import { createDynamicTracker, renderFile, type RenderEnv, type RenderedFile } from './render.ts';
import { listRules, modelById, templateById } from './repo/catalog.ts';
import { accountById, deviceByMac, tenantByUuid } from './repo/devices.ts';
import { buildFileName, matchAll } from './rules.ts';
import { seedBuiltins } from './seed.ts';
import { createService, type LastSeen, type ProvisioningService } from './service.ts';
import { deviceStatus, effectiveTemplate } from './service/devices.ts';
import type { ServiceContext } from './service/common.ts';
import type { DeviceRow, ModelInfo, ProvisioningFacts, RuleRow, TemplateRow } from './types.ts';
import { createUnresolvedLog, type UnresolvedRequest } from './unresolved.ts';

export interface ProvisioningOptions {
  db: Db;
  config: { pbx: Config['pbx']; provisioning: Config['provisioning'] };
  /** Folder of static assets (resolved by the caller, e.g. assetsDir(config) in agent/config/load.ts). */
  assetsDir: string;
  facts: ProvisioningFacts;
  log?: Logger;
  now?: () => Date;
  /** Base URLs phones fetch from, for %%PROVHTTPURL%%/%%PROVTFTPURL%% and previews. Default: http://<pbx address><httpPath>/ and tftp://<pbx address>/. */
  urls?: { http?: string; tftp?: string };
  /** How many not-served requests to keep for `provisioning.unresolved` (default 200). */
  unresolvedCapacity?: number;
  /** Seed the built-in models at start (default true). */
  seed?: boolean;
}

export interface PreviewFile {
  name: string;
  rule: string;
  kind: 'device' | 'common';
  contentType: string;
  size: number;
  etag: string;
  /** The file as the phone gets it; secrets masked unless showSecrets. */
  content: string;
  warnings: string[];
  urls: { http: string; tftp: string };
}

export interface DevicePreview {
  mac: string;
  tenant: string | null;
  model: string;
  served: boolean;
  reason?: NotServedReason;
  detail?: string;
  files: PreviewFile[];
  warnings: string[];
}

export interface PreviewOptions { showSecrets?: boolean; httpBaseUrl?: string; tftpBaseUrl?: string }

export interface Provisioning {
  source: FileSource;
  service: ProvisioningService;
  /** Renders every file of a device strictly (unknown placeholders throw TemplateError). */
  preview(mac: string, opts?: PreviewOptions): DevicePreview;
  /** Recent requests that were not served, newest first. */
  unresolved(limit?: number): UnresolvedRequest[];
}

const withSlash = (s: string): string => (s.endsWith('/') ? s : s + '/');

export function createProvisioning(opts: ProvisioningOptions): Provisioning {
  const { db, config, facts } = opts;
  const now = opts.now ?? (() => new Date());
  const multiTenant = config.provisioning.multiTenant;
  const unresolvedLog = createUnresolvedLog(opts.unresolvedCapacity ?? 200);
  const lastSeen = new Map<string, LastSeen>();
  if (opts.seed ?? true) seedBuiltins(db, now);

  const baseUrls = (): { http: string; tftp: string } => {
    const addr = pbxAddress(config.pbx, facts) || '127.0.0.1';
    const path = '/' + config.provisioning.httpPath.replace(/^\/+|\/+$/g, '');
    return {
      http: withSlash(opts.urls?.http ?? `http://${addr}${path === '/' ? '' : path}`),
      tftp: withSlash(opts.urls?.tftp ?? `tftp://${addr}`),
    };
  };
  const env: RenderEnv = { db, pbx: config.pbx, facts, urls: baseUrls, now, startedAt: now(), dynamic: createDynamicTracker(now) };
  const ctx: ServiceContext = { db, now, multiTenant, lastSeen: (mac) => lastSeen.get(mac) };
  const service = createService(ctx);

  const notServed = (reason: NotServedReason, detail: string): NotServed => ({ ok: false, reason, detail });

  const served = (f: RenderedFile, origin: ServedFile['origin']): ServedFile => ({
    ok: true, body: { kind: 'buffer', data: f.data }, contentType: f.contentType, lastModified: f.lastModified,
    etag: f.etag, origin, warnings: f.warnings, sensitive: f.sensitive,
  });

  const render = (fileName: string, rule: RuleRow, template: TemplateRow, model: ModelInfo, tenant: string | null, device?: DeviceRow): FileResult => {
    try {
      const account = device?.account_id ? accountById(db, device.account_id) : undefined;
      const f = renderFile(env, { fileName, rule, template, model, tenant, ...(device ? { device } : {}), account, strict: false });
      const t = tenant ? { tenant } : {};
      return served(f, device ? { kind: 'device', mac: device.mac, rule: rule.name, ...t } : { kind: 'common', rule: rule.name, ...t });
    } catch (e) {
      opts.log?.warn({ err: e, file: fileName, template: template.name }, 'provisioning file failed to render');
      return notServed('render-error', `template '${template.name}' failed to render ${fileName}: ${(e as Error).message}`);
    }
  };

  /** Step 3: a single file name against the rules. */
  const resolveByRule = (name: string, tenant: string | null): FileResult => {
    const matches = matchAll(name, listRules(db));
    if (matches.length === 0) return notServed('unknown-file', `no file-name rule or asset matches '${name}'`);
    const common = matches.find((m) => m.mac === undefined);
    if (common) {
      const template = common.rule.template_id === null ? undefined : templateById(db, common.rule.template_id);
      const model = modelById(db, common.rule.model_id)!;
      if (!template) return notServed('no-template', `common file rule '${common.rule.name}' has no template`);
      return render(name, common.rule, template, model, tenant);
    }
    let best: NotServed | undefined;
    for (const mac of new Set(matches.map((m) => m.mac!))) {
      const device = deviceByMac(db, mac);
      if (!device || (multiTenant && device.tenant_uuid !== tenant)) {
        best ??= notServed('unknown-mac', `no device with MAC ${mac}${multiTenant ? ` in tenant ${tenant}` : ''} (file '${name}')`);
        continue;
      }
      const model = modelById(db, device.model_id)!;
      const rule = matches.find((m) => m.mac === mac && m.rule.model_id === device.model_id)?.rule;
      if (!rule) {
        best = notServed('unknown-file', `device ${mac} is a ${model.brand}/${model.name}, which has no file rule for '${name}'`);
        continue;
      }
      const status = deviceStatus(ctx, device, model);
      if (!status.served) return notServed(status.reason!, status.detail!);
      const template = rule.template_id !== null ? templateById(db, rule.template_id) : effectiveTemplate(ctx, device, model);
      if (!template) return notServed('no-template', `rule '${rule.name}' of ${model.brand}/${model.name} has no template`);
      return render(name, rule, template, model, tenant, device);
    }
    return best!;
  };

  const resolveAsset = async (segments: string[], tenant: string | null): Promise<FileResult | undefined> => {
    const candidates = tenant ? [[tenant, ...segments], segments] : [segments];
    for (const segs of candidates) {
      const a = await findAsset(opts.assetsDir, segs);
      if (a.kind === 'escape') return notServed('bad-name', a.detail);
      if (a.kind === 'found') {
        return {
          ok: true, body: { kind: 'file', path: a.path, size: a.size }, contentType: contentTypeFor(segments[segments.length - 1]!),
          lastModified: a.mtime, etag: `"${a.size.toString(16)}-${Math.floor(a.mtime.getTime()).toString(16)}"`,
          origin: { kind: 'asset' }, warnings: [],
        };
      }
    }
    return undefined;
  };

  const resolve = async (req: FileRequest): Promise<FileResult> => {
    const parsed = parseRequestPath(req.path);
    if (!parsed.ok) return notServed('bad-name', parsed.detail);
    let segments = parsed.segments;
    let tenant: string | null = null;
    if (multiTenant) {
      const first = segments[0]!;
      if (!/^[0-9a-f-]{36}$/i.test(first) || !tenantByUuid(db, first.toLowerCase())) {
        return notServed('unknown-tenant', `'${first}' is not a tenant UUID of this node (multi-tenant paths are <tenant_uuid>/<file>)`);
      }
      tenant = first.toLowerCase();
      segments = segments.slice(1);
      if (segments.length === 0) return notServed('unknown-file', `no file name after tenant ${tenant}`);
    }
    let byRule: FileResult | undefined;
    if (segments.length === 1) {
      byRule = resolveByRule(segments[0]!, tenant);
      if (byRule.ok) return byRule;
    }
    const asset = await resolveAsset(segments, tenant);
    if (asset) return asset;
    if (byRule) return byRule;
    return notServed('unknown-file', `no asset '${segments.join('/')}'${multiTenant ? '' : ' (on a single-tenant node only assets live in folders)'}`);
  };

  const source: FileSource = {
    async get(req) {
      const res = await resolve(req);
      const at = now().toISOString();
      if (!res.ok) {
        unresolvedLog.record({
          at, path: req.path.slice(0, 300), transport: req.transport, client: req.client.ip,
          ...(req.client.userAgent ? { userAgent: req.client.userAgent.slice(0, 200) } : {}), reason: res.reason, detail: res.detail,
        });
      } else if (res.origin.kind === 'device') {
        lastSeen.set(res.origin.mac, {
          at, file: req.path.slice(0, 300), transport: req.transport, ip: req.client.ip,
          ...(req.client.userAgent ? { userAgent: req.client.userAgent.slice(0, 200) } : {}),
        });
      }
      return res;
    },
  };

  const preview = (macInput: string, p: PreviewOptions = {}): DevicePreview => {
    const device = service.requireDevice(macInput);
    const model = modelById(db, device.model_id)!;
    const status = deviceStatus(ctx, device, model);
    const base = baseUrls();
    const httpBase = withSlash(p.httpBaseUrl ?? base.http);
    const tftpBase = withSlash(p.tftpBaseUrl ?? base.tftp);
    const t = device.tenant_uuid ? `${device.tenant_uuid}/` : '';
    const account = device.account_id === null ? undefined : accountById(db, device.account_id);
    const warnings: string[] = status.served ? [] : [`not served: ${status.detail}`];
    const files: PreviewFile[] = [];
    for (const rule of listRules(db, model.id)) {
      const name = buildFileName(rule, device.mac);
      const common = rule.mac_format === 'none';
      const template = rule.template_id !== null ? templateById(db, rule.template_id) : effectiveTemplate(ctx, device, model);
      if (!template) {
        warnings.push(`${name}: no template (the device names none and the model has no default)`);
        continue;
      }
      const args = { fileName: name, rule, template, model, tenant: device.tenant_uuid, ...(common ? {} : { device }), account, strict: true };
      const real = renderFile(env, args);
      const shown = p.showSecrets ? real : renderFile(env, { ...args, maskSecrets: true });
      files.push({
        name, rule: rule.name, kind: common ? 'common' : 'device', contentType: real.contentType, size: real.data.length,
        etag: real.etag, content: shown.data.toString('utf8'), warnings: real.warnings,
        urls: { http: httpBase + t + name, tftp: tftpBase + t + name },
      });
    }
    return {
      mac: device.mac, tenant: device.tenant_uuid, model: `${model.brand}/${model.name}`, served: status.served,
      ...(status.served ? {} : { reason: status.reason!, detail: status.detail! }), files, warnings,
    };
  };

  return {
    source,
    service,
    preview: (mac, p) => preview(requireDeviceMac(mac), p),
    unresolved: (limit) => unresolvedLog.recent(limit),
  };
}

// Renders one file: gathers the placeholder context from the store, runs the template, and
// dates and fingerprints the bytes. Shared by the file source (lenient: unknown placeholders
// render empty with a warning) and previews (strict: they throw TemplateError).
import { createHash } from 'node:crypto';
import type { Config } from '../agent/config/types.ts';
import type { Db } from '../agent/store/db.ts';
import { contentTypeFor } from './names.ts';
import { builtinPlaceholder, createContext } from './placeholders.ts';
import { devicePlaceholders, globalPlaceholders } from './repo/devices.ts';
import { parseTemplate, renderTemplate, type ParsedTemplate } from './template.ts';
import type { AccountRow, DeviceRow, ModelInfo, ProvisioningFacts, RuleRow, TemplateRow } from './types.ts';

export interface RenderEnv {
  db: Db;
  pbx: Config['pbx'];
  facts: ProvisioningFacts;
  /** Provisioning base URLs (each ending in '/', without the tenant), read per render. */
  urls: () => { http: string; tftp: string };
  now: () => Date;
  /** When this engine started: config (PBX attributes) can only change across a restart. */
  startedAt: Date;
  dynamic: DynamicTracker;
}

export interface RenderRequest {
  fileName: string;
  rule: RuleRow;
  template: TemplateRow;
  model: ModelInfo;
  tenant: string | null;
  device?: DeviceRow;
  account?: AccountRow | undefined;
  strict: boolean;
  maskSecrets?: boolean;
}

export interface RenderedFile {
  name: string;
  data: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
  warnings: string[];
  /** The template puts a secret in the file (a secret built-in or custom placeholder): fetch auth never serves it unauthenticated. */
  sensitive: boolean;
}

/** Remembers when each dynamic value (an interface address) last changed, for Last-Modified. */
export interface DynamicTracker {
  observe(source: string, value: string | undefined): void;
  since(source: string): Date | undefined;
}

export function createDynamicTracker(now: () => Date): DynamicTracker {
  const seen = new Map<string, { value: string | undefined; since: Date }>();
  return {
    observe(source, value) {
      const prev = seen.get(source);
      if (!prev || prev.value !== value) seen.set(source, { value, since: now() });
    },
    since(source) {
      return seen.get(source)?.since;
    },
  };
}

const parsedCache = new Map<string, ParsedTemplate>();
const PARSED_CACHE_MAX = 256;

/** Parses a template body, reusing the last parse of the same text. */
function parseCached(body: string): ParsedTemplate {
  let p = parsedCache.get(body);
  if (!p) {
    p = parseTemplate(body);
    if (parsedCache.size >= PARSED_CACHE_MAX) parsedCache.clear();
    parsedCache.set(body, p);
  }
  return p;
}

/** A strong ETag over the bytes. */
export function etagOf(data: Buffer): string {
  return `"${createHash('sha256').update(data).digest('base64url').slice(0, 27)}"`;
}

export function renderFile(env: RenderEnv, req: RenderRequest): RenderedFile {
  const { db } = env;
  const dynamicSources: string[] = [];
  const ctx = createContext({
    pbx: env.pbx,
    facts: env.facts,
    now: env.now(),
    urls: env.urls(),
    tenant: req.tenant,
    ...(req.device ? { device: { row: req.device, brand: req.model.brand, model: req.model.name } } : {}),
    account: req.account,
    globals: globalPlaceholders(db),
    deviceVars: req.device ? devicePlaceholders(db, req.device.id) : [],
    maskSecrets: req.maskSecrets ?? false,
    onDynamic: (source, value) => {
      env.dynamic.observe(source, value);
      dynamicSources.push(source);
    },
  });
  const parsed = parseCached(req.template.body);
  const out = renderTemplate(parsed, ctx.lookup, { format: req.template.format, strict: req.strict, where: `template '${req.template.name}'` });
  const data = Buffer.from(out.text, 'utf8');
  const stamps = [
    req.template.updated_at, req.rule.updated_at, req.model.updated_at, req.model.brand_updated_at,
    req.device?.updated_at, req.account?.updated_at, ...ctx.usedCustom.map((r) => r.updated_at),
  ];
  let newest = env.startedAt.getTime();
  for (const s of stamps) {
    const t = s ? Date.parse(s) : NaN;
    if (t > newest) newest = t;
  }
  for (const src of dynamicSources) {
    const t = env.dynamic.since(src)?.getTime() ?? 0;
    if (t > newest) newest = t;
  }
  return {
    name: req.fileName,
    data,
    contentType: req.rule.content_type ?? contentTypeFor(req.fileName),
    etag: etagOf(data),
    // HTTP dates have one-second resolution; round down so If-Modified-Since compares cleanly.
    lastModified: new Date(Math.floor(newest / 1000) * 1000),
    warnings: [...ctx.warnings, ...out.warnings],
    sensitive: parsed.placeholders.some((p) => builtinPlaceholder(p.name)?.secret === true) || ctx.usedCustom.some((r) => r.secret === 1),
  };
}

// Loads the one config file, applies environment overrides, validates every key against
// SCHEMA and returns a typed Config. Any problem is a ConfigError naming the key, the value
// seen and what is allowed: the daemon prints it and exits, with no stack trace.
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { SCHEMA, envName, walk, type Field, type Section } from './schema.ts';
import type { Config } from './types.ts';

type Json = Record<string, unknown>;

export interface LoadOptions {
  /** Path of the config file; undefined means the embedded defaults only. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Base for relative paths in the file (default: the file's folder for state.dir? no: cwd). */
  cwd?: string;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  let raw: Json = {};
  if (opts.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (e) {
      throw new ConfigError('(file)', `cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    try {
      raw = JSON.parse(text) as Json;
    } catch (e) {
      throw new ConfigError('(file)', `${opts.file} is not valid JSON: ${(e as Error).message}`);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ConfigError('(file)', `${opts.file} must hold a JSON object at the top level`);
    }
  }
  checkUnknownKeys(raw, SCHEMA, '');
  const out: Json = {};
  const env = opts.env ?? process.env;
  for (const [key, field] of walk()) {
    const ev = env[envName(key)];
    let value: unknown;
    if (ev !== undefined) value = fromEnv(key, field, ev);
    else {
      const v = getPath(raw, key);
      value = v === undefined ? field.default : v;
    }
    setPath(out, key, validate(key, field, value));
  }
  const cfg = out as unknown as Config;
  cfg.state.dir = resolve(opts.cwd ?? process.cwd(), cfg.state.dir);
  runSectionChecks(SCHEMA, out, out);
  return cfg;
}

/** Rules that span keys: each section's own (Section.check), depth first. */
function runSectionChecks(s: Section, value: Json, root: Json): void {
  for (const [name, node] of Object.entries(s.fields)) {
    if (node.kind === 'section') runSectionChecks(node, value[name] as Json, root);
  }
  s.check?.(value, root);
}

function checkUnknownKeys(obj: Json, s: Section, prefix: string): void {
  for (const [name, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${name}` : name;
    const node = s.fields[name];
    if (!node) {
      const near = nearest(name, Object.keys(s.fields));
      throw new ConfigError(key, `unknown key${near ? `; did you mean '${prefix ? prefix + '.' : ''}${near}'?` : ''} (allowed here: ${Object.keys(s.fields).join(', ')})`);
    }
    if (node.kind === 'section') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        throw new ConfigError(key, `must be an object with keys ${Object.keys(node.fields).join(', ')}, got ${show(v)}`);
      }
      checkUnknownKeys(v as Json, node, key);
    }
  }
}

function fromEnv(key: string, field: Field, text: string): unknown {
  switch (field.type) {
    case 'int': case 'port': case 'duration-ms': {
      if (!/^-?\d+$/.test(text.trim())) throw new ConfigError(key, `environment ${envName(key)}='${text}' is not a whole number`);
      return Number(text.trim());
    }
    case 'bool': {
      const t = text.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(t)) return true;
      if (['0', 'false', 'no', 'off'].includes(t)) return false;
      throw new ConfigError(key, `environment ${envName(key)}='${text}' is not a boolean (use true/false, 1/0, yes/no, on/off)`);
    }
    case 'string[]': return text.split(/[\s,]+/).filter(Boolean);
    default: return text;
  }
}

export function validate(key: string, field: Field, v: unknown): unknown {
  const fail = (allowed: string): never => { throw new ConfigError(key, `got ${show(v)}; allowed: ${allowed}`); };
  switch (field.type) {
    case 'string':
      if (typeof v !== 'string') fail('a string');
      if (v === '' && !field.emptyOk) fail('a non-empty string');
      return v;
    case 'bool':
      if (typeof v !== 'boolean') fail('true or false');
      return v;
    case 'enum':
      if (typeof v !== 'string' || !field.values!.includes(v)) fail(field.values!.map((x) => `"${x}"`).join(', '));
      return v;
    case 'int': case 'duration-ms': case 'port': {
      const min = field.type === 'port' ? 1 : field.min ?? Number.MIN_SAFE_INTEGER;
      const max = field.type === 'port' ? 65535 : field.max ?? Number.MAX_SAFE_INTEGER;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`a whole number from ${min} to ${max}${field.type === 'duration-ms' ? ' (milliseconds)' : ''}`);
      return v;
    }
    case 'ipv4':
      if (typeof v !== 'string' || !isIPv4(v)) fail('an IPv4 address such as 0.0.0.0 or 192.0.2.10');
      return v;
    case 'string[]':
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail('an array of strings');
      return v;
  }
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

function getPath(o: Json, key: string): unknown {
  let cur: unknown = o;
  for (const p of key.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[p];
  }
  return cur;
}

function setPath(o: Json, key: string, v: unknown): void {
  const parts = key.split('.');
  let cur = o;
  for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Json;
  cur[parts[parts.length - 1]!] = v;
}

/** Closest candidate by edit distance, for "did you mean" (only when it is close). */
function nearest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Infinity;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** Derived paths, so callers never recompute them differently. */
export function controlSocketPath(cfg: Config): string {
  return cfg.control.socket || resolve(cfg.state.dir, 'control.sock');
}
export function assetsDir(cfg: Config): string {
  return cfg.provisioning.assetsDir ? resolve(cfg.state.dir, cfg.provisioning.assetsDir) : resolve(cfg.state.dir, 'assets');
}
export function databasePath(cfg: Config): string {
  return resolve(cfg.state.dir, 'pbx-agent.db');
}

// The template language: vendor text with %%NAME%% placeholders, nothing else. Pure: no store,
// no clock. Rendering is a single pass over the parsed tokens, so a substituted value is never
// scanned again (a display name "%%SIPPASSWORD%%" stays literal), and every value is escaped for
// the template's format.
//
// Syntax:
//   %%NAME%%        built-in placeholder (A-Z, 0-9, _; starts with a letter)
//   %%_NAME%%       custom placeholder
//   %%NAME(k=v|k2=v2|*=d)%%
//                   value map: the value is compared with each key (ignoring case) and replaced by
//                   the matching text, '*' matching anything else; with no match the value passes
//                   through. Map texts are template text, inserted as written (not escaped).
//                   Keys and texts cannot contain '|', '%' or a line break; the key ends at the
//                   first '='. Example: %%SIPTRANSPORT(udp=0|tcp=1|tls=2)%%, %%PHONEPASSWORD(=admin)%%.
// Anything else, including a lone or lower-case %%...%%, is literal text.
import { TemplateError } from '../agent/errors.ts';
import type { TemplateFormat } from './types.ts';

export interface ValueMap { entries: ReadonlyMap<string, string>; fallback: string | undefined }

export interface PlaceholderRef { name: string; line: number; column: number; map: ValueMap | undefined }

export type Token = { kind: 'text'; text: string } | { kind: 'placeholder'; ref: PlaceholderRef };

export interface ParsedTemplate { tokens: Token[]; placeholders: PlaceholderRef[] }

const PLACEHOLDER = /%%(_[A-Z0-9][A-Z0-9_]*|[A-Z][A-Z0-9_]*)(?:\(([^%\r\n]*)\))?%%/g;

/** Tokenizes a template. Throws TemplateError (with the line) for a malformed value map. */
export function parseTemplate(body: string): ParsedTemplate {
  const tokens: Token[] = [];
  const placeholders: PlaceholderRef[] = [];
  let last = 0;
  let line = 1;
  let lineStart = 0;
  const advance = (to: number): void => {
    for (let i = body.indexOf('\n', last); i !== -1 && i < to; i = body.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
  };
  for (const m of body.matchAll(PLACEHOLDER)) {
    const at = m.index;
    advance(at);
    if (at > last) tokens.push({ kind: 'text', text: body.slice(last, at) });
    const name = m[1]!;
    const ref: PlaceholderRef = { name, line, column: at - lineStart + 1, map: m[2] === undefined ? undefined : parseMap(name, m[2], line) };
    tokens.push({ kind: 'placeholder', ref });
    placeholders.push(ref);
    last = at + m[0].length;
  }
  if (last < body.length) tokens.push({ kind: 'text', text: body.slice(last) });
  return { tokens, placeholders };
}

function parseMap(name: string, args: string, line: number): ValueMap {
  if (args === '') throw new TemplateError(`%%${name}()%% at line ${line}: empty value map`, { placeholder: name, line });
  const entries = new Map<string, string>();
  let fallback: string | undefined;
  for (const entry of args.split('|')) {
    const eq = entry.indexOf('=');
    if (eq < 0) {
      throw new TemplateError(`%%${name}(...)%% at line ${line}: value map entry '${entry}' has no '=' (write key=text)`, { placeholder: name, line });
    }
    const key = entry.slice(0, eq);
    const text = entry.slice(eq + 1);
    if (key === '*') fallback ??= text;
    else if (!entries.has(key.toLowerCase())) entries.set(key.toLowerCase(), text);
  }
  return { entries, fallback };
}

// C0 controls (CR and LF included) and DEL; tab is kept.
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f]/g;
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes one substituted value for the file format. */
export function escapeValue(value: string, format: TemplateFormat): string {
  const clean = value.replace(CONTROLS, '');
  return format === 'xml' ? clean.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!) : clean;
}

export interface UnknownPlaceholder { placeholder: string; line: number }

/** Placeholders of a template that `known` does not know, in order, each name once. */
export function unknownPlaceholders(parsed: ParsedTemplate, known: (name: string) => boolean): UnknownPlaceholder[] {
  const seen = new Set<string>();
  const out: UnknownPlaceholder[] = [];
  for (const ref of parsed.placeholders) {
    if (known(ref.name) || seen.has(ref.name)) continue;
    seen.add(ref.name);
    out.push({ placeholder: ref.name, line: ref.line });
  }
  return out;
}

/** The TemplateError for unknown placeholders: names the first with its line, lists the rest. */
export function unknownPlaceholderError(unknown: UnknownPlaceholder[], where = 'template'): TemplateError {
  const first = unknown[0]!;
  const more = unknown.slice(1, 6).map((u) => `%%${u.placeholder}%% (line ${u.line})`);
  const tail = more.length ? `; also ${more.join(', ')}${unknown.length > 6 ? ', …' : ''}` : '';
  return new TemplateError(`${where} uses unknown placeholder %%${first.placeholder}%% at line ${first.line}${tail}`,
    { placeholder: first.placeholder, line: first.line, unknown });
}

export type Lookup = (name: string) => string | undefined;

export interface RenderOptions {
  format: TemplateFormat;
  /** strict: an unknown placeholder throws TemplateError (save, check, preview); otherwise it renders empty with a warning (serving). */
  strict: boolean;
  /** Used in error messages, e.g. the template name. */
  where?: string;
}

export interface RenderResult { text: string; warnings: string[] }

/** Renders in one pass. `lookup` returns undefined for a placeholder nobody defines. */
export function renderTemplate(parsed: ParsedTemplate, lookup: Lookup, opts: RenderOptions): RenderResult {
  if (opts.strict) {
    const unknown = unknownPlaceholders(parsed, (n) => lookup(n) !== undefined);
    if (unknown.length) throw unknownPlaceholderError(unknown, opts.where);
  }
  const parts: string[] = [];
  const warnings: string[] = [];
  for (const tok of parsed.tokens) {
    if (tok.kind === 'text') {
      parts.push(tok.text);
      continue;
    }
    const { name, map, line } = tok.ref;
    const value = lookup(name);
    if (value === undefined) {
      warnings.push(`unknown placeholder %%${name}%% at line ${line} rendered empty`);
      continue;
    }
    const mapped = map ? (map.entries.get(value.toLowerCase()) ?? map.fallback) : undefined;
    parts.push(mapped ?? escapeValue(value, opts.format));
  }
  return { text: parts.join(''), warnings };
}

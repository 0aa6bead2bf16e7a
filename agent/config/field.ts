// Schema building blocks, shared by the central schema and the per-protocol sections
// (net/sip/config-schema.ts, net/dhcp/config-schema.ts, ...).

export type FieldType = 'string' | 'int' | 'bool' | 'enum' | 'string[]' | 'port' | 'ipv4' | 'duration-ms';

export interface Field {
  readonly kind: 'field';
  readonly type: FieldType;
  readonly default: unknown;
  readonly doc: string;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** When true, the empty string is allowed (meaning "derive it", documented in `doc`). */
  readonly emptyOk?: boolean;
}

export interface Section {
  readonly kind: 'section';
  readonly doc: string;
  readonly fields: Readonly<Record<string, Field | Section>>;
  /**
   * Rules that span this section's keys, run by the loader after every field has passed
   * (`value` is the validated section, `root` the whole config). Throws a ConfigError.
   */
  readonly check?: (value: any, root: any) => void;
}

export const f = (type: FieldType, def: unknown, doc: string, extra: Partial<Field> = {}): Field =>
  ({ kind: 'field', type, default: def, doc, ...extra });
export const section = (doc: string, fields: Record<string, Field | Section>, check?: Section['check']): Section =>
  (check ? { kind: 'section', doc, fields, check } : { kind: 'section', doc, fields });

/**
 * A section's defaults as a plain object (nested sections included, arrays copied), for tests
 * and callers that build a config without the loader.
 */
export function sectionDefaults<T>(s: Section): T {
  const out: Record<string, unknown> = {};
  for (const [k, node] of Object.entries(s.fields)) {
    out[k] = node.kind === 'section' ? sectionDefaults(node) : Array.isArray(node.default) ? [...node.default] : node.default;
  }
  return out as T;
}

// File-name rules: name = prefix + MAC (in the rule's format) + suffix. Building is for previews
// and URLs; matching reads a requested name back to (rule, MAC). Matching ignores case (Snom asks
// in upper case, Cisco in lower case, phones and admins disagree) and never builds a regex from
// the prefix or suffix, so metacharacters in them are plain text.
import { MAC_LENGTH, formatMac, readMacAs } from './mac.ts';
import type { MacFormat } from './types.ts';

export interface RuleShape { prefix: string; mac_format: MacFormat; suffix: string }

export function isCommonRule(rule: RuleShape): boolean {
  return rule.mac_format === 'none';
}

/** The file name a rule gives a device (or the fixed name of a common file). */
export function buildFileName(rule: RuleShape, mac?: string): string {
  if (rule.mac_format === 'none') return rule.prefix + rule.suffix;
  if (!mac) throw new Error('buildFileName: a device rule needs a MAC');
  return rule.prefix + formatMac(mac, rule.mac_format) + rule.suffix;
}

/**
 * Whether `name` is one this rule produces, ignoring case. Returns `{}` for a common file,
 * `{ mac }` (canonical) for a device file, or undefined when the name is not this rule's.
 */
export function matchFileName(name: string, rule: RuleShape): { mac?: string } | undefined {
  const lower = name.toLowerCase();
  const prefix = rule.prefix.toLowerCase();
  const suffix = rule.suffix.toLowerCase();
  if (rule.mac_format === 'none') return lower === prefix + suffix ? {} : undefined;
  const macLen = MAC_LENGTH[rule.mac_format];
  if (name.length !== prefix.length + macLen + suffix.length) return undefined;
  if (!lower.startsWith(prefix) || !lower.endsWith(suffix)) return undefined;
  const mac = readMacAs(name.slice(prefix.length, prefix.length + macLen), rule.mac_format);
  return mac ? { mac } : undefined;
}

/** Every rule the name matches, in the given order, with the MAC it carries. */
export function matchAll<R extends RuleShape>(name: string, rules: readonly R[]): { rule: R; mac?: string }[] {
  const out: { rule: R; mac?: string }[] = [];
  for (const rule of rules) {
    const m = matchFileName(name, rule);
    if (m) out.push(m.mac ? { rule, mac: m.mac } : { rule });
  }
  return out;
}

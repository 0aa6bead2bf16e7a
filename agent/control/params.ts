// Param readers for control methods: untrusted JSON in, typed values out, errors that name the field.
import { InvalidArgumentError } from '../errors.ts';

export function requireString(p: Record<string, unknown>, name: string): string {
  const v = p[name];
  if (typeof v !== 'string' || v === '') throw new InvalidArgumentError(name, `is required (a non-empty string)`);
  return v;
}

export function optionalString(p: Record<string, unknown>, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidArgumentError(name, `must be a string, got ${JSON.stringify(v)}`);
  return v;
}

export function optionalBool(p: Record<string, unknown>, name: string): boolean | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(t)) return true;
    if (['false', 'no', 'off', '0'].includes(t)) return false;
  }
  throw new InvalidArgumentError(name, `must be true or false (yes/no, on/off), got ${JSON.stringify(v)}`);
}

export function optionalInt(p: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(name, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** Refuses params a method does not know, naming the known ones: a typo never passes silently. */
export function allowParams(p: Record<string, unknown>, keys: readonly string[]): void {
  for (const k of Object.keys(p)) {
    if (!keys.includes(k)) throw new InvalidArgumentError(k, `is not a parameter of this method (known: ${keys.join(', ') || 'none'})`);
  }
}

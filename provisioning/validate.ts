// Field validation for admin input. Each check names the field and says what is allowed; the
// service runs them once at the edge and stores only values that passed.
import { isIPv4 } from 'node:net';
import { InvalidArgumentError } from '../agent/errors.ts';
import { ipToInt, maskToPrefix } from '../net/lib/ipv4.ts';
import { SEGMENT_CHARS, MAX_SEGMENT_LENGTH } from './names.ts';

const show = (v: unknown): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + '…' : s);
};

/** A dotted-quad IPv4 address (no leading zeros), or '' when empty is allowed. */
export function ipv4(field: string, v: string, allowEmpty = true): string {
  if (v === '' && allowEmpty) return '';
  if (!isIPv4(v)) throw new InvalidArgumentError(field, `must be an IPv4 address such as 192.0.2.10, got ${show(v)}`);
  return v;
}

/** A contiguous IPv4 netmask such as 255.255.255.0. */
export function netmask(field: string, v: string): string {
  if (v === '') return '';
  if (!isIPv4(v)) throw new InvalidArgumentError(field, `must be a netmask such as 255.255.255.0, got ${show(v)}`);
  const n = ipToInt(v)!;
  if (n === 0 || maskToPrefix(n) === undefined) throw new InvalidArgumentError(field, `${show(v)} is not a contiguous netmask (such as 255.255.255.0)`);
  return v;
}

export function port(field: string, v: number | null): number | null {
  if (v === null) return null;
  if (!Number.isInteger(v) || v < 1 || v > 65535) throw new InvalidArgumentError(field, `must be a port number from 1 to 65535, got ${show(v)}`);
  return v;
}

const CONTROL = /[\x00-\x1f\x7f]/;
const CONTROL_BUT_NEWLINE = /[\x00-\x08\x0b-\x1f\x7f]/;

/** A single-line text of at most `max` characters (empty allowed unless `required`). */
export function text(field: string, v: string, max: number, required = false): string {
  if (required && v.trim() === '') throw new InvalidArgumentError(field, 'is required');
  if (v.length > max) throw new InvalidArgumentError(field, `must be at most ${max} characters, got ${v.length}`);
  if (CONTROL.test(v)) throw new InvalidArgumentError(field, 'must be one line without control characters');
  return v;
}

/** Free text (notes): line breaks and tabs allowed. */
export function multiline(field: string, v: string, max: number): string {
  if (v.length > max) throw new InvalidArgumentError(field, `must be at most ${max} characters, got ${v.length}`);
  if (CONTROL_BUT_NEWLINE.test(v)) throw new InvalidArgumentError(field, 'must not contain control characters');
  return v;
}

/** A catalogue name (brand, model, template, rule): 1-64 printable characters, no '/'. */
export function catalogName(field: string, v: string): string {
  text(field, v, 64, true);
  if (v !== v.trim()) throw new InvalidArgumentError(field, 'must not start or end with spaces');
  if (v.includes('/')) throw new InvalidArgumentError(field, `must not contain '/' (it separates brand and model), got ${show(v)}`);
  if (/^\d+$/.test(v)) throw new InvalidArgumentError(field, `must not be only digits (those are ids), got ${show(v)}`);
  return v;
}

/** SIP user part characters (RFC 3261 unreserved and user-unreserved, without '?', '/', ';'). */
const SIP_USER = /^[A-Za-z0-9\-_.!~*'()&=+$,]+$/;

export function sipUser(field: string, v: string, required: boolean): string {
  if (v === '' && !required) return '';
  text(field, v, 64, required);
  if (!SIP_USER.test(v)) throw new InvalidArgumentError(field, `must be a SIP user name (letters, digits and - _ . ! ~ * ' ( ) & = + $ ,), got ${show(v)}`);
  return v;
}

/** A secret: any single line up to 128 characters (it is escaped when rendered). */
export function secret(field: string, v: string): string {
  return text(field, v, 128);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function uuid(field: string, v: string): string {
  const lower = v.toLowerCase();
  if (!UUID.test(lower)) throw new InvalidArgumentError(field, `must be a UUID such as 3f2b8c1e-9a4d-4c6b-8e2f-0a1b2c3d4e5f, got ${show(v)}`);
  return lower;
}

/** A prefix or suffix of a file-name rule: characters allowed in a file name, no '/'. */
export function nameAffix(field: string, v: string): string {
  if (v === '') return '';
  if (v.length > 100) throw new InvalidArgumentError(field, `must be at most 100 characters, got ${v.length}`);
  if (!SEGMENT_CHARS.test(v)) throw new InvalidArgumentError(field, `may use only A-Z a-z 0-9 . _ ~ + = , : @ - (no '/'), got ${show(v)}`);
  return v;
}

/** The whole file name a rule produces must itself be a valid, visible single-segment name. */
export function ruleFileName(field: string, name: string): void {
  if (name.startsWith('.')) throw new InvalidArgumentError(field, `file names must not start with '.', got ${show(name)}`);
  if (name.length > MAX_SEGMENT_LENGTH) throw new InvalidArgumentError(field, `file name longer than ${MAX_SEGMENT_LENGTH} characters`);
  if (name === '') throw new InvalidArgumentError(field, 'a common file needs a prefix or suffix (its whole name)');
}

export function contentType(field: string, v: string | null): string | null {
  if (v === null || v === '') return null;
  if (!/^[a-z]+\/[a-z0-9.+-]+(; ?charset=[a-z0-9_-]+)?$/i.test(v)) throw new InvalidArgumentError(field, `must be a media type such as text/plain, got ${show(v)}`);
  return v;
}

/** A custom placeholder name: accepts FOO, _FOO or %%_FOO%% in any case; returns _FOO. */
export function customPlaceholderName(field: string, v: string): string {
  const bare = v.trim().replace(/^%%/, '').replace(/%%$/, '').toUpperCase();
  const name = bare.startsWith('_') ? bare : '_' + bare;
  if (!/^_[A-Z0-9][A-Z0-9_]{0,39}$/.test(name)) {
    throw new InvalidArgumentError(field, `must be a placeholder name of letters, digits and _ (used as %%_NAME%%), got ${show(v)}`);
  }
  return name;
}

export const MAX_TEMPLATE_BYTES = 256 * 1024;

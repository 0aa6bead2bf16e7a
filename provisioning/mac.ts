// MAC addresses: parsed once at the edge into the canonical form (12 lowercase hex digits) and
// formatted only when a file name or a template needs another spelling.
import { InvalidArgumentError } from '../agent/errors.ts';
import type { MacFormat } from './types.ts';

const BARE = /^[0-9a-f]{12}$/i;
const GROUPED = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;
const DOTTED = /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i;

/**
 * Accepts AABBCCDDEEFF, AA:BB:CC:DD:EE:FF, AA-BB-CC-DD-EE-FF and aabb.ccdd.eeff in any case
 * (one separator kind throughout). Returns the canonical form, or undefined when it is not a MAC.
 */
export function parseMac(input: string): string | undefined {
  const s = input.trim();
  if (BARE.test(s)) return s.toLowerCase();
  if (GROUPED.test(s) || DOTTED.test(s)) return s.replace(/[:.-]/g, '').toLowerCase();
  return undefined;
}

/** Why a canonical MAC cannot belong to a phone, or undefined when it can. */
export function unusableMacReason(mac: string): string | undefined {
  if (mac === '000000000000') return 'the all-zero MAC is not a device address';
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1) return 'a group (multicast/broadcast) MAC is not a device address';
  return undefined;
}

/** Parses a device MAC from admin input, or throws naming the field. */
export function requireDeviceMac(input: unknown, field = 'mac'): string {
  if (typeof input !== 'string' || input === '') {
    throw new InvalidArgumentError(field, 'is required: a MAC such as AABBCCDDEEFF, AA:BB:CC:DD:EE:FF or AA-BB-CC-DD-EE-FF');
  }
  const mac = parseMac(input);
  if (!mac) {
    throw new InvalidArgumentError(field, `'${input.slice(0, 40)}' is not a MAC address (accepted: AABBCCDDEEFF, AA:BB:CC:DD:EE:FF, AA-BB-CC-DD-EE-FF)`);
  }
  const why = unusableMacReason(mac);
  if (why) throw new InvalidArgumentError(field, why);
  return mac;
}

/** Length of the MAC part of a file name in each format (0 for common files). */
export const MAC_LENGTH: Record<MacFormat, number> = {
  'lower': 12, 'upper': 12, 'lower-colon': 17, 'upper-colon': 17,
  'lower-hyphen': 17, 'upper-hyphen': 17, 'lower-dot': 14, 'upper-dot': 14, 'none': 0,
};

const SHAPE: Record<Exclude<MacFormat, 'none'>, RegExp> = {
  'lower': BARE, 'upper': BARE,
  'lower-colon': /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i, 'upper-colon': /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i,
  'lower-hyphen': /^[0-9a-f]{2}(?:-[0-9a-f]{2}){5}$/i, 'upper-hyphen': /^[0-9a-f]{2}(?:-[0-9a-f]{2}){5}$/i,
  'lower-dot': DOTTED, 'upper-dot': DOTTED,
};

/** Reads the MAC part of a file name in `format`, ignoring case; canonical MAC or undefined. */
export function readMacAs(text: string, format: Exclude<MacFormat, 'none'>): string | undefined {
  if (!SHAPE[format].test(text)) return undefined;
  return text.replace(/[:.-]/g, '').toLowerCase();
}

/** Spells a canonical MAC in `format` ('none' gives the empty string). */
export function formatMac(mac: string, format: MacFormat): string {
  const pairs = mac.match(/../g) ?? [];
  let s: string;
  switch (format) {
    case 'none': return '';
    case 'lower': case 'upper': s = mac; break;
    case 'lower-colon': case 'upper-colon': s = pairs.join(':'); break;
    case 'lower-hyphen': case 'upper-hyphen': s = pairs.join('-'); break;
    case 'lower-dot': case 'upper-dot': s = `${mac.slice(0, 4)}.${mac.slice(4, 8)}.${mac.slice(8)}`; break;
  }
  return format.startsWith('upper') ? s.toUpperCase() : s;
}

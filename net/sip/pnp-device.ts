// Who sent a ua-profile SUBSCRIBE: MAC, vendor, model, firmware. Pure; reads only the parsed
// message. The MAC comes from the Request-URI, From or To user part in any of the spellings
// phones use (pnp.md section 1):
//   Snom        MAC%3a00135E874B49      Grandstream  MAC%3AC074AD112233
//   Yealink     MAC001565f4f9e1         Fanvil       MAC=00304fa99948
// then from an Event `mac` parameter, then from a trailing 12-hex token of the User-Agent
// (Fanvil's style). Phones with none (AudioCodes) are still answered, without a MAC.
import { getHeader, parseEvent, parseNameAddr, parseUri, type SipRequest } from './message.ts';
import { vendorOfMac } from './oui.ts';
import { unusableMacReason } from '../../provisioning/mac.ts';

export type Vendor = 'snom' | 'yealink' | 'grandstream' | 'fanvil' | 'panasonic' | 'gigaset' | 'audiocodes' | 'akuvox' | 'unknown';

export const VENDORS: readonly Vendor[] = ['snom', 'yealink', 'grandstream', 'fanvil', 'panasonic', 'gigaset', 'audiocodes', 'akuvox', 'unknown'];

export type MacSource = 'request-uri' | 'from' | 'to' | 'event' | 'user-agent';

export interface DeviceInfo {
  /** Canonical: 12 lower-case hex digits. */
  mac: string | undefined;
  macFrom: MacSource | undefined;
  vendor: Vendor;
  model: string | undefined;
  firmware: string | undefined;
  userAgent: string | undefined;
  /** Event profile-type ('device', 'application'...). */
  profileType: string | undefined;
}

const HEX = /^[0-9a-fA-F]$/;
const isHex = (c: string | undefined): boolean => c !== undefined && HEX.test(c);

/** Canonical MAC, or undefined for the all-zero or a group address. */
export function usableMac(hex12: string): string | undefined {
  const mac = hex12.toLowerCase();
  return /^[0-9a-f]{12}$/.test(mac) && unusableMacReason(mac) === undefined ? mac : undefined;
}

/**
 * Reads 12 hex digits at `i`, plain or as six pairs separated by ':' or '-'; the next character
 * must not be another hex digit.
 */
function hexAt(s: string, i: number): string | undefined {
  let j = i;
  while (j < s.length && j - i < 12 && isHex(s[j])) j++;
  if (j - i === 12 && !isHex(s[j])) return s.slice(i, j);
  const sep = s[i + 2];
  if (sep !== ':' && sep !== '-') return undefined;
  let out = '';
  for (let k = 0; k < 6; k++) {
    const p = i + k * 3;
    if (!isHex(s[p]) || !isHex(s[p + 1])) return undefined;
    if (k < 5 && s[p + 2] !== sep) return undefined;
    out += s[p]! + s[p + 1]!;
  }
  return isHex(s[i + 17]) ? undefined : out;
}

/** `MAC%3a..`, `MAC:..`, `MAC=..`, `MAC..` anywhere in a user part (case-insensitive). */
export function macInUser(user: string): string | undefined {
  const lower = user.toLowerCase();
  for (let at = lower.indexOf('mac'); at >= 0; at = lower.indexOf('mac', at + 3)) {
    let i = at + 3;
    if (lower.startsWith('%3a', i)) i += 3;
    else if (lower[i] === ':' || lower[i] === '=' || lower[i] === '-' || lower[i] === '_') i += 1;
    const hex = hexAt(user, i);
    const mac = hex && usableMac(hex);
    if (mac) return mac;
  }
  return undefined;
}

function userOf(uri: string | undefined): string {
  if (!uri) return '';
  return parseUri(uri)?.user ?? '';
}

const VENDOR_WORDS: ReadonlyArray<readonly [string, Vendor]> = [
  ['snom', 'snom'], ['yealink', 'yealink'], ['grandstream', 'grandstream'], ['fanvil', 'fanvil'],
  ['planet', 'fanvil'], ['panasonic', 'panasonic'], ['gigaset', 'gigaset'], ['audiocodes', 'audiocodes'],
  ['audc', 'audiocodes'], ['akuvox', 'akuvox'],
];

export function vendorOfText(text: string | undefined): Vendor {
  if (!text) return 'unknown';
  const t = text.toLowerCase();
  for (const [word, v] of VENDOR_WORDS) if (t.includes(word)) return v;
  return 'unknown';
}

/** Printable, at most 64 characters; 'OEM' and empty count as unknown. */
function clean(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const s = v.replace(/[\x00-\x1f\x7f]/g, '').trim().slice(0, 64);
  return s && s.toUpperCase() !== 'OEM' ? s : undefined;
}

export function identify(req: SipRequest): DeviceInfo {
  const eventText = getHeader(req, 'Event');
  const event = eventText ? parseEvent(eventText) : undefined;
  const ep = event?.params ?? new Map<string, string>();
  const ua = clean(getHeader(req, 'User-Agent')?.slice(0, 256));
  const fromUri = parseNameAddr(getHeader(req, 'From') ?? '')?.uri;
  const toUri = parseNameAddr(getHeader(req, 'To') ?? '')?.uri;

  let mac: string | undefined;
  let macFrom: MacSource | undefined;
  const tries: Array<[MacSource, () => string | undefined]> = [
    ['request-uri', () => macInUser(userOf(req.uri))],
    ['from', () => macInUser(userOf(fromUri))],
    ['to', () => macInUser(userOf(toUri))],
    ['event', () => { const m = ep.get('mac'); return m ? (macInUser(`mac${m}`) ?? undefined) : undefined; }],
    ['user-agent', () => {
      if (!ua) return undefined;
      const last = ua.slice(ua.lastIndexOf(' ') + 1);
      return last.length === 12 && /^[0-9a-fA-F]{12}$/.test(last) ? usableMac(last) : undefined;
    }],
  ];
  for (const [src, fn] of tries) {
    mac = fn();
    if (mac) { macFrom = src; break; }
  }

  const uaWords = ua ? ua.split(/\s+/) : [];
  let vendor = vendorOfText(clean(ep.get('vendor')));
  if (vendor === 'unknown') vendor = vendorOfText(uaWords[0]);
  if (vendor === 'unknown' && ep.get('model')) vendor = vendorOfText(ep.get('model'));
  if (vendor === 'unknown' && mac) vendor = vendorOfMac(mac);
  // Snom writes `MAC%3a` with a lower-case 'a' (its wiki trace, snompnpd); Grandstream `%3A`.
  // A weak hint, used last: it only picks the URL template.
  if (vendor === 'unknown' && macFrom === 'request-uri' && userOf(req.uri).startsWith('MAC%3a')) vendor = 'snom';

  const model = clean(ep.get('model')) ?? (uaWords.length >= 2 ? clean(uaWords[1]) : undefined);
  const firmware = clean(ep.get('version')) ?? (uaWords.length >= 3 ? clean(uaWords[2]) : undefined);
  return { mac, macFrom, vendor, model, firmware, userAgent: ua, profileType: clean(ep.get('profile-type')) };
}

// Checks shared by the admin service and the Falconieri-compatible API, with Falconieri's codes:
// the provisioning URL (ftp, tftp, http, https only), the Gigaset MAC-ID CRC, the MAC.
import { parseMac, unusableMacReason } from '../mac.ts';
import { RpsError } from './errors.ts';

const URL_SCHEMES = ['ftp:', 'tftp:', 'http:', 'https:'];

/** Returns the URL as given (trimmed), or throws RpsError naming what is wrong. */
export function checkRedirectUrl(url: string | undefined): string {
  if (url === undefined || url.trim() === '') throw new RpsError('missing_url', 'the provisioning URL is missing');
  const s = url.trim();
  if (s.length > 1024) throw new RpsError('unable_to_parse_url', 'the provisioning URL is longer than 1024 characters');
  if (/[\s<>"\x00-\x1f\x7f]/.test(s)) throw new RpsError('unable_to_parse_url', `'${s.slice(0, 100)}' contains spaces, quotes, angle brackets or control characters`);
  let u: URL;
  try { u = new URL(s); } catch { throw new RpsError('unable_to_parse_url', `'${s.slice(0, 100)}' is not a URL (e.g. https://pbx.example.com/provisioning/)`); }
  if (!URL_SCHEMES.includes(u.protocol)) {
    throw new RpsError('unsupported_url_scheme', `scheme '${u.protocol.slice(0, -1)}' is not supported; use ftp, tftp, http or https`);
  }
  if (!u.hostname) throw new RpsError('unable_to_parse_url', `'${s.slice(0, 100)}' has no host`);
  return s;
}

/** Gigaset MAC-ID suffix: 4 letters or digits from the label (uppercase on the wire). */
export function checkCrc(crc: string | undefined): string {
  if (crc === undefined || crc === '') throw new RpsError('missing_mac-id_crc', 'Gigaset needs the MAC-ID CRC: the 4 characters after the dash in the MAC-ID on the label (AABBCCDDEEFF-XXXX)');
  if (!/^[A-Za-z0-9]{4}$/.test(crc)) throw new RpsError('invalid_mac-id_crc_format', `CRC '${crc.slice(0, 20)}' must be 4 letters or digits (the part after the dash in the label's MAC-ID)`);
  return crc.toUpperCase();
}

/** A device MAC in any accepted spelling, canonical out. */
export function checkMac(mac: string | undefined): string {
  if (mac === undefined || mac === '') throw new RpsError('missing_mac_address', 'the MAC address is missing');
  const m = parseMac(mac);
  if (!m) throw new RpsError('malformed_mac_address', `'${mac.slice(0, 40)}' is not a MAC address (e.g. AC-DE-48-23-45-67)`);
  const why = unusableMacReason(m);
  if (why) throw new RpsError('malformed_mac_address', why);
  return m;
}

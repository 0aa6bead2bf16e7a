// The MAC a phone announces in its HTTP User-Agent, when it announces one. Pure.
//   Yealink  "Yealink SIP-T46S 66.86.0.15 80:5e:c0:12:34:56" (some firmware: 805ec0123456)
//   Snom     "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 010.1.33.33 000413A1B2C3)"
//   Fanvil   "Fanvil X4U 2.12.1 0c383e1a2b3c"
// Only user agents naming one of these vendors are read: a 12-hex token in another product's
// user agent (a build id, a serial) must not be taken for a MAC. A user agent with two
// different MACs claims nothing.
import { parseMac, unusableMacReason } from '../../provisioning/mac.ts';

const MAX_UA = 256;

const VENDORS = /\b(?:yealink|snom|fanvil|gigaset|htek)/i;

/** The canonical MAC (12 lower-case hex digits) the user agent carries, or undefined. */
export function macFromUserAgent(ua: string | undefined): string | undefined {
  if (!ua || ua.length > MAX_UA || !VENDORS.test(ua)) return undefined;
  let found: string | undefined;
  for (const token of ua.split(/[\s;()/,]+/)) {
    if (token.length !== 12 && token.length !== 17) continue;
    const mac = parseMac(token);
    if (!mac || unusableMacReason(mac)) continue;
    if (found !== undefined && found !== mac) return undefined;
    found = mac;
  }
  return found;
}

// Option negotiation for a read request (RFC 2347-2349, 7440). Pure. Out-of-range values are
// clamped rather than refused: a phone asking for blksize 99999 still gets its file, at the
// largest block we grant, instead of an ERROR 8 it may not handle. Unknown options are ignored.
import type { Options } from './packet.ts';
import { BLKSIZE, TIMEOUT, TSIZE, WINDOWSIZE } from './options.ts';

export interface OptionLimits {
  /** tftp.maxBlksize */
  maxBlksize: number;
  /** tftp.maxWindowsize */
  maxWindowsize: number;
}

export interface Negotiated {
  blksize: number;
  windowsize: number;
  /** Retransmission timeout the client asked for, in ms; null means use the server default. */
  timeoutMs: number | null;
  /** What to send in the OACK, in the client's order; null when no option was recognised. */
  oack: Map<string, string> | null;
}

// Digits only, as RFC 2347 values are decimal strings; more digits than this is "huge".
const MAX_DIGITS = 10;

/** A decimal value: a number, Infinity for absurdly long digit strings, or null if not decimal. */
function parseDecimal(v: string): number | null {
  if (v.length === 0) return null;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return v.length > MAX_DIGITS ? Infinity : Number(v);
}

function clamp(n: number, min: number, max: number): number {
  return n < min ? min : n > max ? max : n;
}

/** `size` is the number of bytes that will be sent (after netascii conversion). */
export function negotiate(requested: Options, limits: OptionLimits, size: number): Negotiated {
  const out: Negotiated = { blksize: BLKSIZE.default, windowsize: WINDOWSIZE.default, timeoutMs: null, oack: null };
  const oack = new Map<string, string>();
  for (const [name, value] of requested) {
    const n = parseDecimal(value);
    if (n === null) continue;
    switch (name) {
      case BLKSIZE.name:
        out.blksize = clamp(n, BLKSIZE.min, Math.min(BLKSIZE.max, limits.maxBlksize));
        oack.set(name, String(out.blksize));
        break;
      case WINDOWSIZE.name:
        out.windowsize = clamp(n, WINDOWSIZE.min, Math.min(WINDOWSIZE.max, limits.maxWindowsize));
        oack.set(name, String(out.windowsize));
        break;
      case TIMEOUT.name: {
        const s = clamp(n, TIMEOUT.min, TIMEOUT.max);
        out.timeoutMs = s * 1000;
        oack.set(name, String(s));
        break;
      }
      case TSIZE.name:
        oack.set(name, String(size));
        break;
      default:
        break;
    }
  }
  if (oack.size > 0) out.oack = oack;
  return out;
}

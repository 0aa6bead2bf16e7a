// Who gets an answer. Pure: the HA role, the device registry and the clock come in as inputs.
//  1. only the node holding the resource answers (isActive; standalone: always true);
//  2. deny list, then allow list, by MAC or OUI (empty allow list: everyone);
//  3. optionally, only MACs that are registered devices;
// and, before anything is parsed, a token bucket per source IP.
import { ConfigError } from '../../agent/errors.ts';
import type { DeviceInfo } from './pnp-device.ts';

export type RefuseReason =
  | 'not-active'
  | 'denied'
  | 'not-allowed'
  | 'no-mac'
  | 'unknown-device'
  | 'no-url'
  | 'not-ua-profile'
  | 'not-subscribe'
  | 'missing-header'
  | 'malformed'
  | 'rate-limited';

export const REFUSE_REASONS: readonly RefuseReason[] = [
  'not-active', 'denied', 'not-allowed', 'no-mac', 'unknown-device', 'no-url', 'not-ua-profile',
  'not-subscribe', 'missing-header', 'malformed', 'rate-limited',
];

/** A list of MACs (12 hex) and OUIs (6 hex), any separators and case. */
export class MacList {
  readonly macs: ReadonlySet<string>;
  readonly ouis: ReadonlySet<string>;
  constructor(entries: readonly string[], key: string) {
    const macs = new Set<string>();
    const ouis = new Set<string>();
    for (const e of entries) {
      const hex = e.replace(/[:.\-\s]/g, '').toLowerCase();
      if (/^[0-9a-f]{12}$/.test(hex)) macs.add(hex);
      else if (/^[0-9a-f]{6}$/.test(hex)) ouis.add(hex);
      else throw new ConfigError(key, `'${e}' is neither a MAC (AABBCCDDEEFF, AA:BB:CC:DD:EE:FF) nor an OUI (AABBCC, AA:BB:CC)`);
    }
    this.macs = macs;
    this.ouis = ouis;
  }
  get size(): number { return this.macs.size + this.ouis.size; }
  has(mac: string): boolean { return this.macs.has(mac) || this.ouis.has(mac.slice(0, 6)); }
}

export interface PolicyInputs {
  isActive: () => boolean;
  isKnownDevice: (mac: string) => boolean;
  allow: MacList;
  deny: MacList;
  knownDevicesOnly: boolean;
}

/** undefined: answer. Otherwise why not. */
export function checkPolicy(dev: DeviceInfo, p: PolicyInputs): RefuseReason | undefined {
  if (!p.isActive()) return 'not-active';
  if (dev.mac && p.deny.has(dev.mac)) return 'denied';
  if (p.allow.size > 0 && (!dev.mac || !p.allow.has(dev.mac))) return 'not-allowed';
  if (p.knownDevicesOnly) {
    if (!dev.mac) return 'no-mac';
    if (!p.isKnownDevice(dev.mac)) return 'unknown-device';
  }
  return undefined;
}

/**
 * Token bucket per source IP: `burst` datagrams at once, refilled at `perSecond`. The table is
 * bounded (the oldest source is forgotten first), so a spoofed-source flood costs memory O(max).
 */
export class RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #max: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(perSecond: number, burst: number, maxSources = 65536) {
    this.#perMs = perSecond / 1000;
    this.#burst = Math.max(1, burst);
    this.#max = maxSources;
  }
  /** true: let it through (and spend a token). perSecond 0 disables the limiter. */
  take(ip: string, now: number): boolean {
    if (this.#perMs <= 0) return true;
    let b = this.#buckets.get(ip);
    if (!b) {
      if (this.#buckets.size >= this.#max) {
        const oldest = this.#buckets.keys().next();
        if (!oldest.done) this.#buckets.delete(oldest.value);
      }
      b = { tokens: this.#burst, at: now };
      this.#buckets.set(ip, b);
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) * this.#perMs);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
  get sources(): number { return this.#buckets.size; }
}

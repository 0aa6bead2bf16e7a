// Digest nonces: self-verifying (issue time + random, signed with a per-process HMAC key), so
// issuing one stores nothing and a flood of unauthenticated requests costs no memory. Only a
// nonce that a client answered correctly enters the nc table, which refuses a repeated nonce
// count (replay) and is bounded: the oldest nonces are forgotten first (their clients get
// stale=true and simply retry). A restart changes the key: every client is re-challenged once.
// The clock is injected (`now` in every call).
import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

export type NonceCheck = 'ok' | 'stale' | 'invalid' | 'replay';

export interface NonceBookOptions {
  ttlMs: number;
  /** Nonces whose counts are tracked at once (default 10 000). */
  maxTracked?: number;
  /** Counts remembered per nonce (default 1 000); a phone re-fetching more gets a new nonce. */
  maxCounts?: number;
  /** HMAC key (tests pass a fixed one). */
  key?: Buffer;
  random?: (n: number) => Buffer;
}

const STAMP = 6;
const RAND = 9;
const SIG = 12;

export class NonceBook {
  readonly #ttl: number;
  readonly #key: KeyObject;
  readonly #random: (n: number) => Buffer;
  readonly #maxTracked: number;
  readonly #maxCounts: number;
  readonly #seen = new Map<string, { counts: Set<number>; expires: number }>();

  constructor(o: NonceBookOptions) {
    this.#ttl = o.ttlMs;
    // A KeyObject once, not a Buffer per HMAC (Node rebuilds a key from a Buffer on every call).
    this.#key = createSecretKey(o.key ?? randomBytes(32));
    this.#random = o.random ?? randomBytes;
    this.#maxTracked = o.maxTracked ?? 10_000;
    this.#maxCounts = o.maxCounts ?? 1_000;
  }

  get tracked(): number { return this.#seen.size; }

  #sign(body: Buffer, realm: string): Buffer {
    return createHmac('sha256', this.#key).update(body).update(realm).digest().subarray(0, SIG);
  }

  /** A fresh nonce for `realm` (the realm is signed in, so a nonce cannot cross tenants). */
  issue(realm: string, now: number): string {
    const body = Buffer.alloc(STAMP + RAND);
    body.writeUIntBE(Math.max(0, Math.floor(now)) % 2 ** 48, 0, STAMP);
    this.#random(RAND).copy(body, STAMP);
    return Buffer.concat([body, this.#sign(body, realm)]).toString('base64url');
  }

  /** Is this a nonce we issued for `realm`, and is it still fresh? Does not record anything. */
  verify(nonce: string, realm: string, now: number): 'ok' | 'stale' | 'invalid' {
    if (nonce.length !== 36 || !/^[A-Za-z0-9_-]+$/.test(nonce)) return 'invalid';
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== STAMP + RAND + SIG) return 'invalid';
    const body = raw.subarray(0, STAMP + RAND);
    if (!timingSafeEqual(raw.subarray(STAMP + RAND), this.#sign(body, realm))) return 'invalid';
    const issued = body.readUIntBE(0, STAMP);
    if (issued > now + 1_000 || now - issued > this.#ttl) return 'stale';
    return 'ok';
  }

  /**
   * Records nonce-count `nc` for a nonce whose response was already verified. 'replay' when
   * the same count was used before with this nonce.
   */
  use(nonce: string, nc: number, now: number): NonceCheck {
    this.#sweep(now);
    let entry = this.#seen.get(nonce);
    if (!entry) {
      if (this.#seen.size >= this.#maxTracked) {
        const oldest = this.#seen.keys().next();
        if (!oldest.done) this.#seen.delete(oldest.value);
      }
      entry = { counts: new Set(), expires: now + this.#ttl };
      this.#seen.set(nonce, entry);
    }
    if (entry.counts.has(nc)) return 'replay';
    if (entry.counts.size >= this.#maxCounts) return 'stale';
    entry.counts.add(nc);
    return 'ok';
  }

  /** Entries are in insertion order with one TTL: expiry only looks at the front. */
  #sweep(now: number): void {
    for (const [k, v] of this.#seen) {
      if (v.expires > now) break;
      this.#seen.delete(k);
    }
  }
}

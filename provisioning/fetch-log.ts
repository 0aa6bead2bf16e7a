// Recent provisioning fetches with their outcome, for `pbxctl fetch log`. In memory and bounded:
// the durable record is the journal (one line per refusal, in the fail2ban format of
// net/http/auth-gate.ts); this ring answers "what did that phone just get, and why".
import type { Transport } from './file-source.ts';
import { createRing } from './ring.ts';

/** Every outcome a fetch can have. Failures (FAILURE_OUTCOMES) count toward the per-IP limit. */
export const FETCH_OUTCOMES = [
  'served',           // the file was sent (or 304)
  'challenged',       // no credentials: 401 with the Digest challenge (the normal first step)
  'stale-nonce',      // right password, expired nonce: 401 stale=true
  'bad-credentials',  // wrong user or password, or a replayed/forged Digest
  'basic-refused',    // Basic over plain HTTP: not even looked at
  'bad-token',        // /t/<token>/ with a token nobody holds
  'token-mismatch',   // a device's token used for another device's file
  'ua-mismatch',      // the User-Agent MAC is not the MAC of the file
  'unknown-mac',      // no device with the MAC of the file
  'disabled-device',
  'not-allowed',      // a phonebook the device may not read
  'secret-refused',   // a file with secrets asked on an unauthenticated path
  'not-found',        // any other 404 (unknown file, no account, no template...)
  'rate-limited',     // too many failures from this source
] as const;
export type FetchOutcome = (typeof FETCH_OUTCOMES)[number];

export const FAILURE_OUTCOMES: ReadonlySet<FetchOutcome> = new Set<FetchOutcome>([
  'bad-credentials', 'bad-token', 'token-mismatch', 'ua-mismatch', 'unknown-mac',
]);

export interface FetchEntry {
  at: string;
  ip: string;
  transport: Transport;
  path: string;
  status: number;
  outcome: FetchOutcome;
  userAgent?: string;
  /** Device the file or the token belongs to, when known. */
  mac?: string;
  tenant?: string;
  /** Who authenticated: a credential user name, or 'token'. */
  user?: string;
  detail?: string;
}

export interface FetchQuery { limit?: number; ip?: string; mac?: string; outcome?: FetchOutcome; failuresOnly?: boolean }

export interface FetchLog {
  record(e: FetchEntry): void;
  /** Newest first. */
  recent(q?: FetchQuery): FetchEntry[];
  readonly size: number;
  /** Outcome counters since start. */
  counts(): Record<FetchOutcome, number>;
}

export function createFetchLog(capacity = 1000): FetchLog {
  const ring = createRing<FetchEntry>(capacity);
  const counts = Object.fromEntries(FETCH_OUTCOMES.map((o) => [o, 0])) as Record<FetchOutcome, number>;
  return {
    record(e) {
      ring.push(e);
      counts[e.outcome]++;
    },
    recent(q = {}) {
      const limit = q.limit ?? 100;
      const out: FetchEntry[] = [];
      for (const e of ring.newest()) {
        if (!(out.length < limit)) break;
        if (q.ip && e.ip !== q.ip) continue;
        if (q.mac && e.mac !== q.mac) continue;
        if (q.outcome && e.outcome !== q.outcome) continue;
        if (q.failuresOnly && e.outcome === 'served') continue;
        out.push(e);
      }
      return out;
    },
    get size() { return ring.size; },
    counts() { return { ...counts }; },
  };
}

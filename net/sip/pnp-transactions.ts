// Transaction state with an injected clock (STYLE rule 8): the server owns the one timer and
// calls due(now) when it fires.
//
// NotifyTransactions: the NOTIFY is a non-INVITE client transaction over UDP (RFC 3261 17.1.2):
// sent at once, retransmitted after T1, 2*T1, 4*T1... capped at T2 (after a provisional
// response: every T2), until a final response or Timer F (64*T1) expires it. Responses match by
// Via branch. 2xx = acked, 481 = the phone forgot the dialog (quietly done), other finals =
// rejected.
//
// SubscribeCache: the server transaction side (17.2.2): a retransmitted SUBSCRIBE gets the same
// 200 again for 64*T1 (Timer J), without a second NOTIFY.
import type { Endpoint } from './pnp-handler.ts';
import { MinHeap } from '../lib/min-heap.ts';

export type NotifyOutcome = 'acked' | 'gone' | 'rejected' | 'timeout';

export interface Resend { branch: string; payload: Buffer; dest: Endpoint }

interface Tx {
  payload: Buffer;
  dest: Endpoint;
  interval: number;
  nextAt: number;
  endAt: number;
  started: number;
}

interface HeapItem { at: number; branch: string }

export interface NotifyTimers {
  /** RFC 3261 T1, default 500 ms. */
  t1Ms: number;
  /** RFC 3261 T2 (retransmit interval cap), default 4000 ms. */
  t2Ms?: number;
  /** Concurrent transactions kept; start() refuses past it. */
  max?: number;
}

export class NotifyTransactions {
  readonly #t1: number;
  readonly #t2: number;
  readonly #max: number;
  readonly #txs = new Map<string, Tx>();
  readonly #heap = new MinHeap<HeapItem>();

  constructor(o: NotifyTimers) {
    this.#t1 = o.t1Ms;
    this.#t2 = Math.max(o.t1Ms, o.t2Ms ?? 4000);
    this.#max = o.max ?? 100_000;
  }

  get size(): number { return this.#txs.size; }

  /** Registers a NOTIFY just sent at `now`. false when the table is full or the branch is in use. */
  start(branch: string, payload: Buffer, dest: Endpoint, now: number): boolean {
    if (this.#txs.size >= this.#max || this.#txs.has(branch)) return false;
    const tx: Tx = { payload, dest, interval: this.#t1, nextAt: now + this.#t1, endAt: now + 64 * this.#t1, started: now };
    this.#txs.set(branch, tx);
    this.#heap.push({ at: tx.nextAt, branch });
    return true;
  }

  /**
   * A response to one of our NOTIFYs. Returns the outcome and how long the transaction took,
   * 'provisional' for 1xx (retransmits slow to T2), or undefined for an unknown branch.
   */
  response(branch: string, status: number, now: number): { outcome: NotifyOutcome | 'provisional'; ms: number; dest: Endpoint } | undefined {
    const tx = this.#txs.get(branch);
    if (!tx) return undefined;
    const ms = now - tx.started;
    if (status < 200) {
      tx.interval = this.#t2;
      return { outcome: 'provisional', ms, dest: tx.dest };
    }
    this.#txs.delete(branch);
    return { outcome: status < 300 ? 'acked' : status === 481 ? 'gone' : 'rejected', ms, dest: tx.dest };
  }

  /** Retransmissions due at `now`, and transactions that timed out (Timer F). */
  due(now: number): { resend: Resend[]; expired: Array<{ branch: string; dest: Endpoint }> } {
    const resend: Resend[] = [];
    const expired: Array<{ branch: string; dest: Endpoint }> = [];
    for (let top = this.#heap.peek(); top && top.at <= now; top = this.#heap.peek()) {
      this.#heap.pop();
      const tx = this.#txs.get(top.branch);
      if (!tx || tx.nextAt !== top.at) continue;
      if (now >= tx.endAt) {
        this.#txs.delete(top.branch);
        expired.push({ branch: top.branch, dest: tx.dest });
        continue;
      }
      resend.push({ branch: top.branch, payload: tx.payload, dest: tx.dest });
      tx.interval = Math.min(tx.interval * 2, this.#t2);
      tx.nextAt = Math.min(now + tx.interval, tx.endAt);
      this.#heap.push({ at: tx.nextAt, branch: top.branch });
    }
    return { resend, expired };
  }

  /** When due() next has something to do, or undefined when idle. */
  nextDeadline(): number | undefined {
    for (let top = this.#heap.peek(); top; top = this.#heap.peek()) {
      const tx = this.#txs.get(top.branch);
      if (tx && tx.nextAt === top.at) return top.at;
      this.#heap.pop();
    }
    return undefined;
  }

  clear(): void {
    this.#txs.clear();
    this.#heap.clear();
  }
}

export interface CachedAnswer { reply: Buffer; dest: Endpoint; mac: string | undefined }

/** Answers already given, by subscribeKey, for `ttlMs` (64*T1). Bounded; the oldest go first. */
export class SubscribeCache {
  readonly #ttl: number;
  readonly #max: number;
  readonly #m = new Map<string, CachedAnswer & { until: number }>();
  constructor(ttlMs: number, max = 100_000) {
    this.#ttl = ttlMs;
    this.#max = max;
  }
  get size(): number { return this.#m.size; }
  get(key: string, now: number): CachedAnswer | undefined {
    this.sweep(now);
    return this.#m.get(key);
  }
  set(key: string, a: CachedAnswer, now: number): void {
    this.sweep(now);
    if (this.#m.size >= this.#max) {
      const oldest = this.#m.keys().next();
      if (!oldest.done) this.#m.delete(oldest.value);
    }
    this.#m.delete(key);
    this.#m.set(key, { ...a, until: now + this.#ttl });
  }
  /** Entries are in insertion order and share one TTL, so expiry only ever looks at the front. */
  sweep(now: number): void {
    for (const [k, v] of this.#m) {
      if (v.until > now) break;
      this.#m.delete(k);
    }
  }
  clear(): void { this.#m.clear(); }
}

// Failed fetches per source IP, over a fixed window: past `limit` failures the source is refused
// (429) until its window ends. Bounded: at most `maxSources` IPs are tracked, the oldest window
// first out. The clock is injected.

export interface FailureLimiterOptions { limit: number; windowMs: number; maxSources?: number }

interface Window { start: number; failures: number; reported: boolean }

export class FailureLimiter {
  readonly #limit: number;
  readonly #window: number;
  readonly #max: number;
  readonly #m = new Map<string, Window>();

  constructor(o: FailureLimiterOptions) {
    this.#limit = o.limit;
    this.#window = o.windowMs;
    this.#max = o.maxSources ?? 10_000;
  }

  get size(): number { return this.#m.size; }

  #current(ip: string, now: number): Window | undefined {
    const w = this.#m.get(ip);
    if (w && now - w.start >= this.#window) {
      this.#m.delete(ip);
      return undefined;
    }
    return w;
  }

  /** Is this source over its limit now? `first` is true once per window (log it once). */
  blocked(ip: string, now: number): { blocked: boolean; first: boolean; retryAfterMs: number } {
    const w = this.#current(ip, now);
    if (!w || w.failures < this.#limit) return { blocked: false, first: false, retryAfterMs: 0 };
    const first = !w.reported;
    w.reported = true;
    return { blocked: true, first, retryAfterMs: Math.max(0, w.start + this.#window - now) };
  }

  /** Counts one failure; returns the failures in the current window. */
  fail(ip: string, now: number): number {
    let w = this.#current(ip, now);
    if (!w) {
      if (this.#m.size >= this.#max) {
        const oldest = this.#m.keys().next();
        if (!oldest.done) this.#m.delete(oldest.value);
      }
      w = { start: now, failures: 0, reported: false };
      this.#m.set(ip, w);
    }
    w.failures++;
    return w.failures;
  }

  /** Sources refused now, for status. */
  blockedSources(now: number): Array<{ ip: string; failures: number; retryAfterMs: number }> {
    const out: Array<{ ip: string; failures: number; retryAfterMs: number }> = [];
    for (const [ip, w] of this.#m) {
      if (now - w.start < this.#window && w.failures >= this.#limit) out.push({ ip, failures: w.failures, retryAfterMs: w.start + this.#window - now });
    }
    return out;
  }
}

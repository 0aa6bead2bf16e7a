// Password attempt limiting for the pairing server. Pure: time comes in as `now`.
// After `max` failures within `windowMs` the server refuses every password for `lockoutMs`,
// including the right one, so guessing serials costs a lockout per `max` guesses. A success
// clears the count.

export interface AttemptPolicy { max: number; windowMs: number; lockoutMs: number }

export class AttemptLimiter {
  private failures: number[] = [];
  private lockedUntil = 0;
  private readonly p: AttemptPolicy;
  constructor(p: AttemptPolicy) { this.p = p; }

  /** When locked, the time the lockout ends; else undefined. */
  locked(now: number): number | undefined {
    return now < this.lockedUntil ? this.lockedUntil : undefined;
  }

  /** Records a failure; returns the lockout end when this failure started one. */
  fail(now: number): number | undefined {
    this.failures = this.failures.filter((t) => now - t < this.p.windowMs);
    this.failures.push(now);
    if (this.failures.length >= this.p.max) {
      this.failures = [];
      this.lockedUntil = now + this.p.lockoutMs;
      return this.lockedUntil;
    }
    return undefined;
  }

  succeed(): void { this.failures = []; }

  /** Failures counted in the current window. */
  recent(now: number): number { return this.failures.filter((t) => now - t < this.p.windowMs).length; }
}

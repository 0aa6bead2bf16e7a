// Retry pacing for registrations: exponential with "equal jitter" (a random 50-100% of the
// exponential delay), so devices that failed together (a vendor outage) do not retry in step,
// and no retry comes sooner than half the nominal delay. Pure: the caller supplies randomness.

/** Delay before attempt `attempt + 1`, after `attempt` failures (attempt >= 1); `random` in [0, 1). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 40));
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(exp / 2 + (r * exp) / 2);
}

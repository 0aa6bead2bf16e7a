// Dampened ping-group score (ha.md 4.2; Pacemaker ping "dampen", attrd_updater -d). A new raw
// count replaces the score only after it has been seen continuously for `dampenMs`, so a flicker
// (one lost echo, a gateway rebooting for a second) moves nothing. The score is "stable" once it
// has held for dampenMs; only stable scores take part in the tie-break, so the two nodes, which
// notice a loss at different moments, do not decide on half-settled numbers.
import type { PingView } from './types.ts';

export function emptyPing(): PingView {
  return { score: null, stable: false, raw: null, rawSince: 0, scoreSince: 0 };
}

/** The view after one round's raw count at `now` (pure). */
export function pingUpdate(v: PingView, raw: number, now: number, dampenMs: number): PingView {
  const out = { ...v };
  if (out.raw !== raw) {
    out.raw = raw;
    out.rawSince = now;
  }
  if (out.score === null) {
    // The first measurement is adopted at once (there is nothing to protect), but not stable.
    out.score = raw;
    out.scoreSince = now;
  } else if (raw !== out.score && now - out.rawSince >= dampenMs) {
    // It has already held for dampenMs, so it is stable from the moment it is adopted.
    out.score = raw;
    out.scoreSince = out.rawSince;
  }
  out.stable = now - out.scoreSince >= dampenMs;
  return out;
}

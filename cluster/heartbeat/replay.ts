// Anti-replay for one peer's heartbeats, checked AFTER the MAC (only authentic packets move it).
//
// 1. Generation: the peer raises it at every start (persisted there). A lower generation than the
//    highest seen is a replay of an old life: dropped. A higher one means the peer restarted: the
//    window starts over. The highest generation is persisted here too (the service stores it), so
//    a restart of THIS node does not reopen old lives to replay.
// 2. Sequence: one counter per sender for all paths, so the two copies a path pair delivers are
//    two different packets. A sliding window of WINDOW sequence numbers (RFC 4303 3.4.3) accepts
//    the reordering two paths cause and drops any number seen before or older than the window.
//    The highest sequence number of the peer's current life is persisted as well (every few
//    seconds and at stop; `resumeAfter`): after a restart of THIS node, a packet of that life
//    numbered at or below it is a replay, although the fresh window has not seen it.
// 3. Delay: a packet withheld by an attacker and played back later is authentic and unseen. Each
//    packet carries the sender's MONOTONIC clock (sentAt); for an honest path, now - sentAt is the
//    clock offset plus the latency, so its minimum over recent packets is a baseline. A packet
//    later than baseline + maxDelayMs is dropped. Only differences of each side's own monotonic
//    clock are used, so wall-clock steps (NTP, admin) change nothing. The baseline may rise by
//    DRIFT_PER_MS per elapsed ms, which absorbs crystal drift (a few ppm, 1000 ppm allowed) but lets a
//    delayer gain at most 1 ms per second. With maxDelayMs = the dead threshold, a withheld
//    packet can keep a dead peer "alive" no longer than an on-time one could.
// Pure: time comes in as arguments.

export const WINDOW = 256;
/** Allowed rise of the delay baseline per elapsed ms (1000 ppm). */
export const DRIFT_PER_MS = 0.001;

export type ReplayDrop = 'stale-generation' | 'replay' | 'outside-window' | 'delayed';

export type ReplayVerdict =
  | { ok: true; restarted: boolean; firstSeen: boolean }
  | { ok: false; reason: ReplayDrop };

export class ReplayWindow {
  #generation: number | undefined;
  #highest = -1;
  #seen = new Uint8Array(WINDOW);
  #baseline: number | undefined;
  #baselineAt = 0;
  readonly #maxDelayMs: number;
  /** Generations below this are refused even before the first packet (persisted history). */
  readonly #floor: number | undefined;
  /** Packets of this generation up to this seq were accepted before our restart (persisted). */
  #resume: { generation: number; seq: number } | undefined;

  /**
   * `knownGeneration`: the highest generation of this peer ever accepted (from the store).
   * `resumeAfter`: the highest (generation, seq) accepted before this node restarted.
   */
  constructor(opts: { maxDelayMs: number; knownGeneration?: number | undefined; resumeAfter?: { generation: number; seq: number } | undefined }) {
    this.#maxDelayMs = opts.maxDelayMs;
    this.#floor = opts.knownGeneration;
    this.#resume = opts.resumeAfter && opts.resumeAfter.seq >= 0 ? opts.resumeAfter : undefined;
  }

  /** The highest seq accepted in the current generation (-1: none yet), for the store. */
  get highestSeq(): number { return this.#highest; }

  get generation(): number | undefined { return this.#generation ?? this.#floor; }

  /** Checks one authentic packet and, when accepted, records it. `now` is this node's monotonic ms. */
  admit(generation: number, seq: number, sentAt: number, now: number): ReplayVerdict {
    const known = this.#generation ?? this.#floor;
    if (known !== undefined && generation < known) return { ok: false, reason: 'stale-generation' };
    const r = this.#resume;
    if (r && generation === r.generation && seq <= r.seq) return { ok: false, reason: 'replay' };
    const sample = now - sentAt;
    let restarted = false;
    let firstSeen = false;
    if (this.#generation === undefined || generation > this.#generation) {
      // A new life of the peer (or the first packet since our start): a fresh window and baseline.
      // The same generation as the persisted floor is allowed here: our own restart must not
      // make a peer that kept running look like a replay; its seq window is simply new to us.
      firstSeen = this.#generation === undefined;
      restarted = known !== undefined && generation > known;
      this.#generation = generation;
      this.#highest = -1;
      this.#seen.fill(0);
      this.#baseline = sample;
      this.#baselineAt = now;
    }
    const base = Math.min(this.#baseline! + Math.max(0, now - this.#baselineAt) * DRIFT_PER_MS, sample);
    const limit = this.#baseline! + Math.max(0, now - this.#baselineAt) * DRIFT_PER_MS + this.#maxDelayMs;
    if (sample > limit) return { ok: false, reason: 'delayed' };
    if (seq > this.#highest) {
      const gap = seq - this.#highest;
      if (gap >= WINDOW) this.#seen.fill(0);
      else for (let s = this.#highest + 1; s < seq; s++) this.#seen[s % WINDOW] = 0;
      this.#highest = seq;
    } else {
      if (this.#highest - seq >= WINDOW) return { ok: false, reason: 'outside-window' };
      if (this.#seen[seq % WINDOW]) return { ok: false, reason: 'replay' };
    }
    this.#seen[seq % WINDOW] = 1;
    // A newer life of the peer: the persisted floor of the older one has done its work.
    if (r && generation > r.generation) this.#resume = undefined;
    this.#baseline = base;
    this.#baselineAt = now;
    return { ok: true, restarted, firstSeen };
  }
}

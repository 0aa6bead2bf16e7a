// The ping group: the addresses both nodes probe to learn which of them sees more of the network
// (Heartbeat's `ping` nodes, Pacemaker's ocf:pacemaker:ping). One round probes every target in
// parallel with one bounded `ping -c1 -W` each; a round never starts while the previous one runs.
// A target counts as reachable while it answered within `targetDeadMs` (Heartbeat's deadping),
// so one lost echo moves nothing. Dampening the count is the core's job; this reports raw counts.
import type { Logger } from '../../agent/log.ts';
import { describe, type CommandRunner } from '../resource/run.ts';

export interface PingGroupOptions {
  targets: string[];
  /** Per-echo timeout (ms), below the probe interval. */
  timeoutMs: number;
  targetDeadMs: number;
  runner: CommandRunner;
  log: Logger;
  /** Monotonic ms. */
  now: () => number;
}

export interface TargetStatus { address: string; reachable: boolean; lastReplyAgeMs: number | null; probes: number; replies: number; errors: number }

export class PingGroup {
  readonly #o: PingGroupOptions;
  readonly #targets: { address: string; lastReply: number | undefined; probes: number; replies: number; errors: number; failing: boolean }[];
  #running = false;
  #toolMissing = false;

  constructor(o: PingGroupOptions) {
    this.#o = o;
    this.#targets = o.targets.map((address) => ({ address, lastReply: undefined, probes: 0, replies: 0, errors: 0, failing: false }));
  }

  get total(): number { return this.#targets.length; }

  /** The target answered within targetDeadMs of `now`. */
  #answered(t: { lastReply: number | undefined }, now: number): boolean {
    return t.lastReply !== undefined && now - t.lastReply <= this.#o.targetDeadMs;
  }

  /** Targets that answered within targetDeadMs. */
  reachable(): number {
    const now = this.#o.now();
    return this.#targets.filter((t) => this.#answered(t, now)).length;
  }

  /** One probe round; resolves with the reachable count after it. Overlapping calls return at once. */
  async probe(): Promise<number> {
    if (this.#running || this.#targets.length === 0) return this.reachable();
    this.#running = true;
    try {
      const waitS = Math.max(0.1, this.#o.timeoutMs / 1000).toFixed(1);
      await Promise.all(this.#targets.map(async (t) => {
        const args = ['-n', '-q', '-c', '1', '-W', waitS, t.address];
        t.probes++;
        const r = await this.#o.runner.run('ping', args, this.#o.timeoutMs + 1000);
        if (r.code === 0) {
          t.replies++;
          t.lastReply = this.#o.now();
          if (t.failing) this.#o.log.info({ target: t.address }, 'ping group target can be probed again');
          t.failing = false;
        } else if (r.code === 127) {
          if (!this.#toolMissing) this.#o.log.error({ cmd: describe('ping', args, r) }, 'ping group probe cannot run: install iputils-ping');
          this.#toolMissing = true;
        } else if (r.code !== 1) {
          // Exit 1 is "no reply" (the normal failure). Anything else is an error such as "network
          // unreachable" while our interface is down: a fact about this node, not a broken tool,
          // so it is counted and logged once per streak, not on every round.
          t.errors++;
          if (!t.failing) this.#o.log.warn({ cmd: describe('ping', args, r), target: t.address }, 'ping group probe fails (interface down, no route, or a bad address in ha.pingGroup); counted until it recovers');
          t.failing = true;
        }
      }));
    } finally {
      this.#running = false;
    }
    return this.reachable();
  }

  status(): TargetStatus[] {
    const now = this.#o.now();
    return this.#targets.map((t) => ({
      address: t.address,
      reachable: this.#answered(t, now),
      lastReplyAgeMs: t.lastReply === undefined ? null : Math.round(now - t.lastReply),
      probes: t.probes, replies: t.replies, errors: t.errors,
    }));
  }
}

// Who should hold the resource when both nodes could (ha.md 4.5). The same inputs give the same
// answer on both nodes: each side builds the two candidates from what is on the wire (its own
// outgoing message and the peer's last one), never from private state, and the rules below are
// symmetric in (a, b).
import type { PeerMessage } from './types.ts';

export interface Candidate {
  serial: string;
  /** Holds by a confirmed forced takeover. */
  forced: boolean;
  /** May take the resource at all: not in fault, and reaches the ping group (or there is none). */
  eligible: boolean;
  pingReachable: number;
  pingStable: boolean;
}

export type TieRule = 'forced' | 'eligible' | 'ping' | 'default-active' | 'lower-serial';

export interface TieResult {
  winner: string;
  rule: TieRule;
}

/** A node may take the resource: not in fault and (no ping group, or it reaches at least one). */
export function eligibleFrom(msg: Pick<PeerMessage, 'state' | 'pingReachable' | 'pingTotal'>): boolean {
  if (msg.state === 'fault' || msg.state === 'disabled' || msg.state === 'unpaired') return false;
  return msg.pingTotal === 0 || msg.pingReachable > 0;
}

export function candidate(serial: string, msg: PeerMessage): Candidate {
  return { serial, forced: msg.forced, eligible: eligibleFrom(msg), pingReachable: msg.pingReachable, pingStable: msg.pingStable };
}

/**
 * Rules, first that separates wins:
 *  0. an admin's confirmed forced takeover (the admin said the other side was down);
 *  1. eligibility (a node that sees none of the ping group, or is in fault, never wins);
 *  2. the higher dampened ping count, only when both sides report it stable (ipfail, Pacemaker
 *     score-attribute): a count still settling on one side would give the two sides different
 *     answers;
 *  3. the default active node;
 *  4. the lower serial (corosync auto_tie_breaker_node: lowest), by code-unit order.
 */
export function tieBreak(a: Candidate, b: Candidate, defaultActive: string): TieResult {
  if (a.forced !== b.forced) return { winner: a.forced ? a.serial : b.serial, rule: 'forced' };
  if (a.eligible !== b.eligible) return { winner: a.eligible ? a.serial : b.serial, rule: 'eligible' };
  if (a.pingStable && b.pingStable && a.pingReachable !== b.pingReachable) {
    return { winner: a.pingReachable > b.pingReachable ? a.serial : b.serial, rule: 'ping' };
  }
  if (defaultActive !== '' && (defaultActive === a.serial || defaultActive === b.serial)) {
    return { winner: defaultActive, rule: 'default-active' };
  }
  return { winner: a.serial < b.serial ? a.serial : b.serial, rule: 'lower-serial' };
}

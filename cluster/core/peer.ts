// The peer as we see it: per-path liveness (UNKNOWN -> ALIVE <-> LATE -> DEAD, ha.md 4.3) and
// what its messages say. Heartbeat's rules: a late heartbeat (gap > warning) is logged with its
// interval; the peer is dead only when EVERY path has been silent past the dead threshold; a peer
// that comes back with the same generation is "returning after partition", with a higher one it
// restarted.
import { log, type Ctx } from './ctx.ts';
import type { PathName, PathStatus, PeerMessage, PeerView } from './types.ts';

export function emptyPeer(): PeerView {
  return {
    liveness: 'unknown',
    lastRxAt: null,
    last: null,
    generation: null,
    paths: { lan: { lastRxAt: null, status: 'unknown' }, sync: { lastRxAt: null, status: 'unknown' } },
    timersMismatch: false,
  };
}

/** Record a message from the peer. Returns false when it must be ignored (an older generation). */
export function intake(c: Ctx, path: PathName, msg: PeerMessage, ourTimersHash: number): boolean {
  const s = c.s;
  const p = s.peer;
  if (p.generation !== null && msg.generation < p.generation) {
    // The runtime's replay window should have dropped it; never let an old life speak.
    log(c, 'warn', 'peer-old-generation', `ignored a message from the peer's older generation ${msg.generation} (current ${p.generation})`, { path });
    return false;
  }
  const pv = p.paths[path];
  if (pv.lastRxAt !== null && pv.status !== 'down' && c.now - pv.lastRxAt > s.cfg.warningMs && p.generation === msg.generation) {
    log(c, 'warn', 'late-heartbeat', `late heartbeat from the peer on path ${path}: ${Math.round(c.now - pv.lastRxAt)} ms since the previous one (warning at ${s.cfg.warningMs} ms, dead at ${s.cfg.deadMs} ms)`, { path, gapMs: Math.round(c.now - pv.lastRxAt) });
  }
  if (pv.status === 'down' && p.liveness !== 'dead' && p.liveness !== 'gone') {
    log(c, 'info', 'path-up', `heartbeat path ${path} is back`, { path });
  }
  pv.lastRxAt = c.now;
  pv.status = 'up';
  p.lastRxAt = c.now;

  if (p.generation === null) {
    log(c, 'info', 'peer-heard', `peer heard on path ${path} (generation ${msg.generation}, ${msg.state}${msg.holdsResource ? ', holds the resource' : ''})`, { path, generation: msg.generation, state: msg.state });
  } else if (msg.generation > p.generation) {
    log(c, 'warn', 'peer-new-generation', `peer restarted: generation ${p.generation} -> ${msg.generation} (${msg.state}${msg.holdsResource ? ', holds the resource' : ''})`, { from: p.generation, to: msg.generation });
  } else if (p.liveness === 'dead') {
    // Heartbeat: "Cluster node X returning after partition". Critical: the dead threshold
    // was too short, or every path was cut; either way both sides may have acted alone.
    log(c, 'fatal', 'peer-returned', `peer returning after partition (same generation ${msg.generation}); dead threshold ${s.cfg.deadMs} ms may be too small or every path was cut`, { generation: msg.generation });
  }
  if (p.liveness === 'dead' || p.liveness === 'gone' || p.liveness === 'unknown') {
    for (const other of s.cfg.paths) if (other !== path && p.paths[other].status === 'down') p.paths[other].status = 'unknown';
  }
  const wasGone = p.liveness === 'gone' && p.generation === msg.generation;
  p.generation = msg.generation;
  p.last = msg;
  p.liveness = msg.shutdown || msg.kind === 'disable' || msg.state === 'disabled' || msg.state === 'unpaired' ? 'gone' : 'alive';
  if (p.liveness === 'gone' && !wasGone && (msg.shutdown || msg.kind === 'disable')) {
    log(c, 'info', 'peer-leaving', `peer is leaving the cluster (${msg.kind === 'disable' ? 'disable' : 'graceful stop'}); it ${msg.holdsResource ? 'keeps' : 'does not hold'} the resource`, { holds: msg.holdsResource });
  }
  s.commsUp = true;

  if (msg.timersHash !== ourTimersHash) {
    if (!p.timersMismatch) {
      log(c, 'error', 'timers-mismatch', `the peer's HA timers differ from ours (hash ${msg.timersHash.toString(16)} vs ${ourTimersHash.toString(16)}): set the same ha.keepaliveIntervalMs, warningMs, deadMs, initTimeoutMs, pingDampenMs and ping group on both nodes`);
    }
    p.timersMismatch = true;
  } else p.timersMismatch = false;
  return true;
}

function statusOf(gap: number, warningMs: number, deadMs: number): PathStatus {
  if (gap >= deadMs) return 'down';
  if (gap > warningMs) return 'late';
  return 'up';
}

/** Re-evaluate path and peer liveness at `now`; logs each change once. */
export function refreshLiveness(c: Ctx): void {
  const s = c.s;
  const p = s.peer;
  const { warningMs, deadMs } = s.cfg;
  let anyUp = false;
  let anyLate = false;
  for (const path of s.cfg.paths) {
    const pv = p.paths[path];
    if (pv.lastRxAt === null) continue;
    const st = statusOf(c.now - pv.lastRxAt, warningMs, deadMs);
    if (st === 'down' && pv.status !== 'down' && p.liveness !== 'gone') {
      const others = s.cfg.paths.filter((x) => x !== path && p.paths[x].status !== 'down' && p.paths[x].lastRxAt !== null);
      if (others.length > 0) {
        log(c, 'warn', 'path-down', `heartbeat path ${path} is down: nothing heard for ${Math.round(c.now - pv.lastRxAt)} ms; still in touch on ${others.join(', ')}`, { path });
      }
    }
    pv.status = st;
    if (st === 'up') anyUp = true;
    if (st === 'late') anyLate = true;
  }
  if (p.liveness === 'unknown' || p.liveness === 'gone') return;
  const next = anyUp ? 'alive' : anyLate ? 'late' : 'dead';
  if (next === p.liveness) return;
  if (next === 'dead') {
    log(c, 'warn', 'peer-dead', `peer dead: no heartbeat on any path (${s.cfg.paths.join(', ')}) for ${deadMs} ms`, { deadMs });
  }
  p.liveness = next;
}

/** Deadlines at which a path or the peer changes status (for nextDeadline). */
export function livenessDeadlines(p: PeerView, paths: readonly PathName[], warningMs: number, deadMs: number): number[] {
  const out: number[] = [];
  if (p.liveness === 'gone') return out;
  for (const path of paths) {
    const pv = p.paths[path];
    if (pv.lastRxAt === null) continue;
    if (pv.status === 'up') out.push(pv.lastRxAt + warningMs + 1);
    if (pv.status !== 'down') out.push(pv.lastRxAt + deadMs);
  }
  return out;
}

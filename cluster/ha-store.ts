// The HA runtime's rows: cluster_state (003: generation, pairing, key, role; pairing writes the
// key), ha_runtime (005: peer generation, admin enable) and cluster_transitions. Synchronous
// better-sqlite3 writes, committed before the runtime acts on them (STYLE rule 7: a transition
// is stored before the resource moves or a heartbeat announces it).
import type { Db } from '../agent/store/db.ts';
import type { HaConfig } from './config-schema.ts';
import type { Role } from './core/types.ts';

export interface PairingRow {
  paired: boolean;
  key: Buffer | null;
  peerSerial: string | null;
  configVersion: number;
}

export interface RuntimeRow {
  peerGeneration: number;
  /** Highest heartbeat seq accepted in peerGeneration before the last stop (-1: none). */
  peerSeq: number;
  adminEnabled: boolean | null;
  adminCoordinator: boolean | null;
}

export interface TransitionRow { id: number; at: string; from: Role; to: Role; reason: string; generation: number }

const bool = (v: number | null): boolean | null => (v === null ? null : v === 1);

/**
 * The ha section as it applies now: `pbxctl ha enable/disable` (the admin columns of ha_runtime,
 * migration 005) override ha.enabled and ha.coordinator until the config file says otherwise.
 * The one place that rule lives: the HA runtime and the pairing/replication wiring both use it.
 */
export function withAdminOverride(ha: HaConfig, rt: Pick<RuntimeRow, 'adminEnabled' | 'adminCoordinator'>): HaConfig {
  return { ...ha, enabled: rt.adminEnabled ?? ha.enabled, coordinator: rt.adminCoordinator ?? ha.coordinator };
}

export class HaStore {
  readonly #db: Db;
  constructor(db: Db) { this.#db = db; }

  /** Raises this node's generation (ha.md 4.1: at every start) and returns the new value. */
  bumpGeneration(now: number): number {
    const r = this.#db.prepare('UPDATE cluster_state SET generation = generation + 1, updated_at = ? WHERE id = 1 RETURNING generation').get(now) as { generation: number };
    return r.generation;
  }

  pairing(): PairingRow {
    const r = this.#db.prepare('SELECT paired, cluster_key, peer_serial, config_version FROM cluster_state WHERE id = 1').get() as
      { paired: number; cluster_key: Buffer | null; peer_serial: string | null; config_version: number };
    return { paired: r.paired === 1, key: r.cluster_key, peerSerial: r.peer_serial, configVersion: r.config_version };
  }

  runtime(): RuntimeRow {
    const r = this.#db.prepare('SELECT peer_generation, peer_seq, admin_enabled, admin_coordinator FROM ha_runtime WHERE id = 1').get() as
      { peer_generation: number; peer_seq: number; admin_enabled: number | null; admin_coordinator: number | null };
    return { peerGeneration: r.peer_generation, peerSeq: r.peer_seq, adminEnabled: bool(r.admin_enabled), adminCoordinator: bool(r.admin_coordinator) };
  }

  /**
   * The peer's highest (generation, seq) accepted: never moves back. A newer generation resets
   * the seq; an older one changes nothing.
   */
  setPeerSeq(g: number, seq: number, now: number): void {
    this.#db.prepare(`UPDATE ha_runtime SET
        peer_seq = CASE WHEN ? > peer_generation THEN ? WHEN ? = peer_generation THEN max(peer_seq, ?) ELSE peer_seq END,
        peer_generation = max(peer_generation, ?), updated_at = ? WHERE id = 1`).run(g, seq, g, seq, g, now);
  }

  setPeerGeneration(g: number, now: number): void {
    // A newer life starts with no seq recorded (setPeerSeq records it).
    this.#db.prepare('UPDATE ha_runtime SET peer_seq = CASE WHEN ? > peer_generation THEN -1 ELSE peer_seq END, peer_generation = max(peer_generation, ?), updated_at = ? WHERE id = 1').run(g, g, now);
  }

  /** A new cluster key: the peer's sequence numbers start over (see HaService #checkPairing). */
  clearPeerSeq(now: number): void {
    this.#db.prepare('UPDATE ha_runtime SET peer_seq = -1, updated_at = ? WHERE id = 1').run(now);
  }

  /** Call inside withAudit: the admin's enable/disable, kept across restarts. */
  setAdminEnabled(enabled: boolean, coordinator: boolean | null, now: number): void {
    if (coordinator === null) this.#db.prepare('UPDATE ha_runtime SET admin_enabled = ?, updated_at = ? WHERE id = 1').run(enabled ? 1 : 0, now);
    else this.#db.prepare('UPDATE ha_runtime SET admin_enabled = ?, admin_coordinator = ?, updated_at = ? WHERE id = 1').run(enabled ? 1 : 0, coordinator ? 1 : 0, now);
  }

  recordTransition(t: { at: number; from: Role; to: Role; reason: string; generation: number }): void {
    this.#db.transaction(() => {
      this.#db.prepare('INSERT INTO cluster_transitions (ts, from_state, to_state, reason, generation) VALUES (?, ?, ?, ?, ?)').run(t.at, t.from, t.to, t.reason, t.generation);
      this.#db.prepare('UPDATE cluster_state SET role = ?, updated_at = ? WHERE id = 1').run(t.to, t.at);
      // Keep the table bounded: the status page shows the last few, the log has everything.
      this.#db.prepare('DELETE FROM cluster_transitions WHERE id <= (SELECT max(id) FROM cluster_transitions) - 1000').run();
    })();
  }

  lastTransitions(n: number): TransitionRow[] {
    const rows = this.#db.prepare('SELECT id, ts, from_state, to_state, reason, generation FROM cluster_transitions ORDER BY id DESC LIMIT ?').all(n) as
      { id: number; ts: number; from_state: Role; to_state: Role; reason: string; generation: number }[];
    return rows.map((r) => ({ id: r.id, at: new Date(r.ts).toISOString(), from: r.from_state, to: r.to_state, reason: r.reason, generation: r.generation }));
  }
}

/**
 * Test and lab helper: stores a pairing as cluster/pairing would (paired, key, peer serial), so a
 * two-node test can run heartbeats without the SSH pairing. Never used by the daemon itself.
 */
export function seedPairing(db: Db, p: { key: Buffer; peerSerial: string }): void {
  db.prepare('UPDATE cluster_state SET paired = 1, cluster_key = ?, peer_serial = ?, updated_at = ? WHERE id = 1').run(p.key, p.peerSerial, Date.now());
}

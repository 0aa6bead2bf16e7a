// The audit log: every change is a row with transaction id, timestamp, user, source, action,
// object type and a description (never a secret). A change and its audit rows commit in the
// same SQLite transaction, so the log cannot miss a change that happened.
import type { Db } from './store/db.ts';

export interface Actor { user: string; source: string }

export const SYSTEM_ACTOR: Actor = { user: 'system', source: 'pbx-agent' };

export interface AuditEntry {
  id: number; txId: number; ts: string; user: string; source: string;
  action: string; objectType: string; objectId: string; description: string;
}

export interface AuditRecord { action: string; objectType: string; objectId: string; description: string }

/**
 * Runs `fn` in one write transaction and appends its audit records under a fresh tx id.
 * `fn` returns its result and pushes records through `audit`.
 */
export function withAudit<T>(db: Db, actor: Actor, fn: (audit: (r: AuditRecord) => void) => T, now: () => Date = () => new Date()): T {
  return db.transaction(() => {
    const records: AuditRecord[] = [];
    const result = fn((r) => records.push(r));
    if (records.length > 0) {
      const txId = (db.prepare('SELECT coalesce(max(tx_id), 0) + 1 AS n FROM audit_log').get() as { n: number }).n;
      const ts = now().toISOString();
      const ins = db.prepare(`INSERT INTO audit_log (tx_id, ts, user, source, action, object_type, object_id, description)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const r of records) ins.run(txId, ts, actor.user, actor.source, r.action, r.objectType, r.objectId, r.description);
    }
    return result;
  }).immediate();
}

export interface AuditQuery { since?: string; until?: string; objectType?: string; user?: string; txId?: number; limit?: number }

export function readAudit(db: Db, q: AuditQuery = {}): AuditEntry[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.since) { where.push('ts >= ?'); args.push(q.since); }
  if (q.until) { where.push('ts < ?'); args.push(q.until); }
  if (q.objectType) { where.push('object_type = ?'); args.push(q.objectType); }
  if (q.user) { where.push('user = ?'); args.push(q.user); }
  if (q.txId !== undefined) { where.push('tx_id = ?'); args.push(q.txId); }
  const sql = `SELECT id, tx_id AS txId, ts, user, source, action, object_type AS objectType, object_id AS objectId, description
    FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
  args.push(q.limit ?? 1000);
  return db.prepare(sql).all(...args) as AuditEntry[];
}

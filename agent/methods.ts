// Control methods owned by the daemon itself: status and the audit log.
import { readAudit, type AuditQuery } from './audit.ts';
import { AUDIT_FORMATS, exportAudit, type AuditFormat } from './audit-export.ts';
import { InvalidArgumentError } from './errors.ts';
import type { Db } from './store/db.ts';
import type { MethodTable } from './control/registry.ts';
import { optionalInt, optionalString } from './control/params.ts';

export function auditMethods(db: Db): MethodTable {
  const query = (p: Record<string, unknown>): AuditQuery => {
    const q: AuditQuery = {};
    const since = optionalString(p, 'since'); if (since) q.since = isoArg('since', since);
    const until = optionalString(p, 'until'); if (until) q.until = isoArg('until', until);
    const t = optionalString(p, 'objectType'); if (t) q.objectType = t;
    const u = optionalString(p, 'user'); if (u) q.user = u;
    const tx = optionalInt(p, 'txId', 1, Number.MAX_SAFE_INTEGER); if (tx !== undefined) q.txId = tx;
    q.limit = optionalInt(p, 'limit', 1, 1_000_000) ?? 1000;
    return q;
  };
  return {
    'audit.list': (p) => readAudit(db, query(p)),
    'audit.export': (p) => {
      const format = (optionalString(p, 'format') ?? 'csv').toLowerCase();
      if (!AUDIT_FORMATS.includes(format as AuditFormat)) throw new InvalidArgumentError('format', `'${format}' is not one of ${AUDIT_FORMATS.join(', ')}`);
      return exportAudit(readAudit(db, { ...query(p), limit: optionalInt(p, 'limit', 1, 10_000_000) ?? 10_000_000 }), format as AuditFormat);
    },
  };
}

/** Accepts a date or a full ISO time; returns the ISO form the log stores, for string comparison. */
function isoArg(field: string, v: string): string {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError(field, `'${v}' is not a date (use 2026-11-01 or 2026-11-01T08:00:00Z)`);
  return d.toISOString();
}

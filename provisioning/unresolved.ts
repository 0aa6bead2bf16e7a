// The last N requests that were not served, so an admin can ask "why was this a 404" without
// reading logs. In memory only: it is a debugging aid, and a restart is a fresh start.
import type { NotServedReason, Transport } from './file-source.ts';
import { createRing } from './ring.ts';

export interface UnresolvedRequest {
  at: string;
  path: string;
  transport: Transport;
  client: string;
  userAgent?: string;
  reason: NotServedReason;
  detail: string;
}

export interface UnresolvedLog {
  record(entry: UnresolvedRequest): void;
  /** Newest first. */
  recent(limit?: number): UnresolvedRequest[];
  readonly size: number;
}

export function createUnresolvedLog(capacity = 200): UnresolvedLog {
  const ring = createRing<UnresolvedRequest>(capacity);
  return {
    record(entry) {
      ring.push(entry);
    },
    recent(limit = ring.capacity) {
      const n = Math.floor(Math.min(limit, ring.size));
      const out: UnresolvedRequest[] = [];
      for (const e of ring.newest()) {
        if (!(out.length < n)) break;
        out.push(e);
      }
      return out;
    },
    get size() {
      return ring.size;
    },
  };
}

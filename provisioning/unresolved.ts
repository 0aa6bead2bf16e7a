// The last N requests that were not served, so an admin can ask "why was this a 404" without
// reading logs. In memory only: it is a debugging aid, and a restart is a fresh start.
import type { NotServedReason, Transport } from './file-source.ts';

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
  const cap = Math.max(1, Math.floor(capacity));
  const ring: (UnresolvedRequest | undefined)[] = new Array(cap);
  let next = 0;
  let count = 0;
  return {
    record(entry) {
      ring[next] = entry;
      next = (next + 1) % cap;
      if (count < cap) count++;
    },
    recent(limit = cap) {
      const out: UnresolvedRequest[] = [];
      for (let i = 1; i <= Math.min(limit, count); i++) out.push(ring[(next - i + cap) % cap]!);
      return out;
    },
    get size() {
      return count;
    },
  };
}

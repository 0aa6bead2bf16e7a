// The `pnp_seen` table (migration 003): one row per MAC, the latest sighting wins. Phones that
// send no MAC (AudioCodes) are not recorded: the table is keyed by MAC.
import type { Db } from '../../agent/store/db.ts';

export interface SeenRow {
  mac: string;
  vendor: string | null;
  model: string | null;
  firmware: string | null;
  ip: string;
  port: number;
  /** unix ms */
  lastSeen: number;
  /** The URL we answered with, or null when refused. */
  url: string | null;
  /** Why we did not answer, or null when answered. */
  refused: string | null;
}

interface DbRow {
  mac: string; vendor: string | null; model: string | null; firmware: string | null;
  ip: string; port: number; last_seen: number; url: string | null; refused: string | null;
}

const toRow = (r: DbRow): SeenRow => ({
  mac: r.mac, vendor: r.vendor, model: r.model, firmware: r.firmware, ip: r.ip, port: r.port,
  lastSeen: r.last_seen, url: r.url, refused: r.refused,
});

export interface SeenRepo {
  /** Upserts many rows in one transaction (one fsync for a whole batch). */
  record(rows: readonly SeenRow[]): void;
  list(q?: { since?: number; limit?: number }): SeenRow[];
  get(mac: string): SeenRow | undefined;
  /** Deletes one MAC, or every row when mac is undefined. Returns the rows deleted. */
  forget(mac?: string): number;
}

export function seenRepo(db: Db): SeenRepo {
  const upsert = db.prepare(`
    INSERT INTO pnp_seen (mac, vendor, model, firmware, ip, port, last_seen, url, refused)
    VALUES (@mac, @vendor, @model, @firmware, @ip, @port, @lastSeen, @url, @refused)
    ON CONFLICT(mac) DO UPDATE SET
      vendor = COALESCE(excluded.vendor, vendor), model = COALESCE(excluded.model, model),
      firmware = COALESCE(excluded.firmware, firmware), ip = excluded.ip, port = excluded.port,
      last_seen = excluded.last_seen, url = excluded.url, refused = excluded.refused`);
  const listStmt = db.prepare('SELECT * FROM pnp_seen WHERE last_seen >= ? ORDER BY last_seen DESC, mac LIMIT ?');
  const getStmt = db.prepare('SELECT * FROM pnp_seen WHERE mac = ?');
  const delOne = db.prepare('DELETE FROM pnp_seen WHERE mac = ?');
  const delAll = db.prepare('DELETE FROM pnp_seen');
  const recordAll = db.transaction((rows: readonly SeenRow[]) => { for (const r of rows) upsert.run(r); });
  return {
    record(rows) { if (rows.length) recordAll(rows); },
    list(q = {}) { return (listStmt.all(q.since ?? 0, q.limit ?? 1000) as DbRow[]).map(toRow); },
    get(mac) { const r = getStmt.get(mac) as DbRow | undefined; return r ? toRow(r) : undefined; },
    forget(mac) { return (mac === undefined ? delAll.run() : delOne.run(mac)).changes; },
  };
}

// SQL for redirection servers, device links (configuration, replicated) and registration state
// (runtime, this node only); tables in migration 007-rps.sql. Plain rows in, plain rows out; the
// service and the worker decide what they mean.
import type { Db } from '../../agent/store/db.ts';
import { all, get, run } from '../repo/sql.ts';
import type { ProviderId } from './clients/types.ts';

export interface ServerRow {
  id: number; name: string; provider: ProviderId; brand: string; username: string; password: string;
  base_url: string; provisioning_url: string; server_name: string; enabled: number; rev: number; created_at: string; updated_at: string;
}

export type LinkState = 'pending' | 'ok' | 'error';

/** A link, its registration state on this node (defaults when it has none yet), and what the views need. */
export interface LinkInfo {
  device_id: number; server_id: number; crc: string; url: string; link_rev: number;
  state: LinkState; error: string; message: string; pin: string; attempts: number;
  last_attempt_at: string | null; next_attempt_at: string | null; target: string;
  registered_url: string; registered_target: string; registered_at: string | null; state_rev: number;
  mac: string; tenant_uuid: string | null; brand: string; model: string;
}

const LINK_INFO = `SELECT l.device_id, l.server_id, l.crc, l.url, l.rev AS link_rev,
    coalesce(st.state, 'pending') AS state, coalesce(st.error, '') AS error, coalesce(st.message, '') AS message,
    coalesce(st.pin, '') AS pin, coalesce(st.attempts, 0) AS attempts, st.last_attempt_at, st.next_attempt_at,
    coalesce(st.target, '') AS target, coalesce(st.registered_url, '') AS registered_url,
    coalesce(st.registered_target, '') AS registered_target, st.registered_at, coalesce(st.rev, 0) AS state_rev,
    d.mac AS mac, d.tenant_uuid AS tenant_uuid, b.name AS brand, m.name AS model
  FROM rps_links l LEFT JOIN rps_state st ON st.device_id = l.device_id
  JOIN devices d ON d.id = l.device_id JOIN models m ON m.id = d.model_id JOIN brands b ON b.id = m.brand_id`;

export const listServers = (db: Db): ServerRow[] => all<ServerRow>(db, 'SELECT * FROM rps_servers ORDER BY name');
export const serverById = (db: Db, id: number): ServerRow | undefined => get<ServerRow>(db, 'SELECT * FROM rps_servers WHERE id = ?', id);
export const serverByName = (db: Db, name: string): ServerRow | undefined => get<ServerRow>(db, 'SELECT * FROM rps_servers WHERE name = ?', name);
export const enabledServersOf = (db: Db, provider: ProviderId): ServerRow[] =>
  all<ServerRow>(db, 'SELECT * FROM rps_servers WHERE provider = ? AND enabled = 1 ORDER BY name', provider);

export const linkCount = (db: Db, serverId: number): number =>
  get<{ n: number }>(db, 'SELECT count(*) AS n FROM rps_links WHERE server_id = ?', serverId)!.n;
export const linkOfDevice = (db: Db, deviceId: number): LinkInfo | undefined => get<LinkInfo>(db, `${LINK_INFO} WHERE l.device_id = ?`, deviceId);
export const listLinks = (db: Db): LinkInfo[] => all<LinkInfo>(db, `${LINK_INFO} ORDER BY d.mac`);
/** Whether a device other than `exceptDeviceId` is linked with `mac` to server `serverId`. */
export const macLinkedElsewhere = (db: Db, mac: string, serverId: number, exceptDeviceId: number): boolean =>
  get(db, `${LINK_INFO} WHERE d.mac = ? AND l.server_id = ? AND l.device_id <> ? LIMIT 1`, mac, serverId, exceptDeviceId) !== undefined;

/**
 * Pending links whose time has come, on enabled servers, oldest first. Driven by the
 * rps_state_due index: every link has a state row (ensureStates), so this stays cheap however
 * many links are waiting.
 */
export const dueLinks = (db: Db, nowIso: string, limit: number): LinkInfo[] => all<LinkInfo>(db,
  `${LINK_INFO} WHERE st.state = 'pending' AND st.next_attempt_at <= ?
     AND l.server_id IN (SELECT id FROM rps_servers WHERE enabled = 1)
   ORDER BY st.next_attempt_at LIMIT ?`, nowIso, limit);

/** Gives every link a state row (links that arrived by HA replication have none): pending, due now. */
export const ensureStates = (db: Db, nowIso: string): number => run(db,
  `INSERT OR IGNORE INTO rps_state (device_id, next_attempt_at, updated_at) SELECT device_id, ?, ? FROM rps_links`, nowIso, nowIso);

/** Pending links on enabled servers by due time, for the worker's timer (uses rps_state_due). */
export const pendingDue = (db: Db, limit: number): { id: number; t: string | null }[] => all(db,
  `SELECT st.device_id AS id, st.next_attempt_at AS t FROM rps_state st JOIN rps_links l ON l.device_id = st.device_id
   WHERE st.state = 'pending' AND l.server_id IN (SELECT id FROM rps_servers WHERE enabled = 1)
   ORDER BY st.next_attempt_at LIMIT ?`, limit);

export const stateCounts = (db: Db): { state: LinkState; n: number }[] => all(db,
  `SELECT coalesce(st.state, 'pending') AS state, count(*) AS n FROM rps_links l LEFT JOIN rps_state st ON st.device_id = l.device_id GROUP BY 1`);

export type StateFields = Partial<{
  state: LinkState; error: string; message: string; pin: string; attempts: number; last_attempt_at: string | null;
  next_attempt_at: string | null; target: string; registered_url: string; registered_target: string; registered_at: string | null;
}>;

/** Writes the registration state of a device's link (creating its row), bumping its revision. */
export function writeState(db: Db, deviceId: number, fields: StateFields, nowIso: string): void {
  run(db, 'INSERT OR IGNORE INTO rps_state (device_id, updated_at) VALUES (?, ?)', deviceId, nowIso);
  const cols = Object.entries(fields).filter(([, v]) => v !== undefined);
  // Column names come from StateFields, never from input.
  run(db, `UPDATE rps_state SET ${cols.map(([k]) => `${k} = ?`).join(', ')}${cols.length ? ', ' : ''}updated_at = ?, rev = rev + 1 WHERE device_id = ?`,
    ...cols.map(([, v]) => v), nowIso, deviceId);
}

/** Puts links back to pending for a new attempt now (link, retry, server edit). */
export function requeue(db: Db, where: { deviceId?: number; serverId?: number }, nowIso: string, extra: StateFields = {}): number {
  const ids = where.deviceId !== undefined ? [where.deviceId]
    : all<{ id: number }>(db, 'SELECT device_id AS id FROM rps_links WHERE server_id = ?', where.serverId).map((r) => r.id);
  for (const id of ids) writeState(db, id, { state: 'pending', error: '', message: '', attempts: 0, next_attempt_at: nowIso, ...extra }, nowIso);
  return ids.length;
}

/** Registration state of devices that have no link any more (unlinked, removed, replaced by replication). */
export const dropOrphanStates = (db: Db): number => run(db, 'DELETE FROM rps_state WHERE device_id NOT IN (SELECT device_id FROM rps_links)');

// Configuration replication by versioned snapshot: the coordinator sends the whole content of
// the replicated tables; the member replaces its own in one transaction.
//
// Why snapshots rather than a change log: the configuration is small (thousands of rows at
// most: a few hundred kB of JSON), and a snapshot is idempotent and self-healing. A member that
// missed changes, restarted, was re-seeded or diverged in any way is repaired by the next push,
// with no log to truncate or replay and no ordering bugs. Versions come from triggers
// (migration 006: any write to a replicated table bumps cluster_state.config_version), so no
// writer can forget to announce a change; the content hash tells whether the member really holds
// the same rows, whatever its version says.
//
// Ids are preserved, so foreign keys, the resolver and rendered files are identical on both nodes.
import { createHash } from 'node:crypto';
import { withAudit, type Actor } from '../../agent/audit.ts';
import { PbxError } from '../../agent/errors.ts';
import type { Db } from '../../agent/store/db.ts';
import { isObj } from '../pairing/messages.ts';

/**
 * In dependency order (parents first); deleted in reverse order. Everything a phone's files
 * depend on: provisioning (002), redirection-service servers and links (007; rps_state is the
 * node's own progress), fetch credentials, device tokens and phonebooks (008). Not replicated:
 * the audit log, leases (own path), pnp_seen, cluster and runtime tables.
 */
export const REPLICATED_TABLES = [
  'settings', 'tenants', 'brands', 'models', 'templates', 'file_rules', 'accounts', 'devices', 'placeholders',
  'rps_servers', 'rps_links', 'fetch_credentials', 'device_tokens', 'phonebooks', 'phonebook_entries', 'phonebook_numbers', 'phonebook_access',
] as const;

const triggered = new WeakSet<Db>();

/**
 * Version triggers: any write to a replicated table bumps cluster_state.config_version, whoever
 * makes it (pbxctl, the built-in seed, replication), so the coordinator cannot miss a change.
 * Created here rather than in migration 006 because some replicated tables come from later
 * migrations (007, 008); IF NOT EXISTS makes it idempotent, and it runs before any version is read.
 */
export function ensureVersionTriggers(db: Db): void {
  if (triggered.has(db)) return;
  db.transaction(() => {
    for (const t of REPLICATED_TABLES) {
      for (const op of ['insert', 'update', 'delete']) {
        db.exec(`CREATE TRIGGER IF NOT EXISTS ha_cfgver_${t}_${op} AFTER ${op.toUpperCase()} ON ${quote(t)} BEGIN UPDATE cluster_state SET config_version = config_version + 1 WHERE id = 1; END`);
      }
    }
  })();
  triggered.add(db);
}

export type Cell = string | number | null | { b64: string };

export interface TableData { name: string; columns: string[]; rows: Cell[][] }

export interface Snapshot {
  format: 1;
  /** PRAGMA user_version of the sender: both nodes must run the same schema. */
  schemaVersion: number;
  /** cluster_state.config_version of the sender. */
  version: number;
  /** sha256 over the canonical table content. */
  hash: string;
  tables: TableData[];
}

export interface ConfigState { version: number; hash: string; rows: number }

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function columnsOf(db: Db, table: string): { names: string[]; pk: string[] } {
  const info = db.pragma(`table_info(${quote(table)})`) as { name: string; pk: number }[];
  if (info.length === 0) throw new PbxError('PBX_ERR_STORE', `replicated table ${table} does not exist in this store`);
  const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  return { names: info.map((c) => c.name), pk: pk.length ? pk : ['rowid'] };
}

function encodeCell(v: unknown): Cell {
  if (v === null || typeof v === 'string' || typeof v === 'number') return v;
  if (Buffer.isBuffer(v)) return { b64: v.toString('base64') };
  if (typeof v === 'bigint') return Number(v);
  throw new PbxError('PBX_ERR_STORE', `cannot replicate a value of type ${typeof v}`);
}

function decodeCell(v: Cell): string | number | null | Buffer {
  return v !== null && typeof v === 'object' ? Buffer.from(v.b64, 'base64') : v;
}

function readTables(db: Db): TableData[] {
  return REPLICATED_TABLES.map((name) => {
    const { names, pk } = columnsOf(db, name);
    const rows = db.prepare(`SELECT ${names.map(quote).join(', ')} FROM ${quote(name)} ORDER BY ${pk.map(quote).join(', ')}`).raw().all() as unknown[][];
    return { name, columns: names, rows: rows.map((r) => r.map(encodeCell)) };
  });
}

export function hashTables(tables: readonly TableData[]): string {
  const h = createHash('sha256');
  for (const t of tables) h.update(JSON.stringify([t.name, t.columns, t.rows])).update('\n');
  return h.digest('hex');
}

export function configVersion(db: Db): number {
  ensureVersionTriggers(db);
  return (db.prepare('SELECT config_version AS v FROM cluster_state WHERE id = 1').get() as { v: number }).v;
}

const cache = new WeakMap<Db, ConfigState>();

/** Version and content hash of the local configuration (hash cached per version). */
export function configState(db: Db): ConfigState {
  const version = configVersion(db);
  const c = cache.get(db);
  if (c && c.version === version) return c;
  const tables = readTables(db);
  const st = { version, hash: hashTables(tables), rows: tables.reduce((n, t) => n + t.rows.length, 0) };
  cache.set(db, st);
  return st;
}

export function takeSnapshot(db: Db): Snapshot {
  return db.transaction(() => {
    const tables = readTables(db);
    const version = configVersion(db);
    const hash = hashTables(tables);
    cache.set(db, { version, hash, rows: tables.reduce((n, t) => n + t.rows.length, 0) });
    return { format: 1 as const, schemaVersion: db.pragma('user_version', { simple: true }) as number, version, hash, tables };
  })();
}

const isCell = (v: unknown): v is Cell =>
  v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || (isObj(v) && typeof v.b64 === 'string' && Object.keys(v).length === 1);

/** Validates a snapshot from the network; a string names what is wrong. Never throws. */
export function parseSnapshot(v: unknown): Snapshot | string {
  if (!isObj(v)) return 'snapshot: not an object';
  if (v.format !== 1) return `format: ${JSON.stringify(v.format)} is not 1`;
  for (const k of ['schemaVersion', 'version'] as const) {
    if (typeof v[k] !== 'number' || !Number.isSafeInteger(v[k]) || (v[k] as number) < 0) return `${k}: must be a whole number`;
  }
  if (typeof v.hash !== 'string' || !/^[0-9a-f]{64}$/.test(v.hash)) return 'hash: must be 64 hex digits';
  if (!Array.isArray(v.tables) || v.tables.length !== REPLICATED_TABLES.length) return `tables: must list the ${REPLICATED_TABLES.length} replicated tables`;
  for (const [i, t] of v.tables.entries()) {
    if (!isObj(t) || t.name !== REPLICATED_TABLES[i]) return `tables[${i}]: expected table ${REPLICATED_TABLES[i]}`;
    if (!Array.isArray(t.columns) || t.columns.length === 0 || t.columns.length > 200 || !t.columns.every((c) => typeof c === 'string' && /^[a-z_][a-z0-9_]*$/.test(c))) {
      return `tables[${i}].columns: must be column names`;
    }
    if (new Set(t.columns).size !== t.columns.length) return `tables[${i}].columns: repeated column`;
    if (!Array.isArray(t.rows)) return `tables[${i}].rows: must be a list`;
    for (const [j, r] of t.rows.entries()) {
      if (!Array.isArray(r) || r.length !== t.columns.length || !r.every(isCell)) return `tables[${i}].rows[${j}]: must have ${t.columns.length} cells`;
    }
  }
  return v as unknown as Snapshot;
}

export interface ApplyResult { version: number; hash: string; rows: number }

/**
 * Replaces the replicated tables with the snapshot, in one transaction with the audit row.
 * Foreign keys are off during the swap (rows arrive parents-first but cross-references such as
 * models.default_template_id point forwards) and checked in full before commit; the local hash
 * must equal the sender's, or nothing is changed.
 */
export function applySnapshot(db: Db, snap: Snapshot, actor: Actor, from: string, now: number): ApplyResult {
  const schema = db.pragma('user_version', { simple: true }) as number;
  if (snap.schemaVersion !== schema) {
    throw new PbxError('PBX_ERR_CONFLICT', `the coordinator's store is at schema version ${snap.schemaVersion} and this node's at ${schema}: run the same pbx-agent version on both nodes`);
  }
  for (const t of snap.tables) {
    const local = columnsOf(db, t.name).names;
    if (local.join(',') !== t.columns.join(',')) {
      throw new PbxError('PBX_ERR_CONFLICT', `table ${t.name} has columns (${t.columns.join(', ')}) on the coordinator but (${local.join(', ')}) here: run the same pbx-agent version on both nodes`);
    }
  }
  const rows = snap.tables.reduce((n, t) => n + t.rows.length, 0);
  ensureVersionTriggers(db);
  db.pragma('foreign_keys = OFF');
  try {
    withAudit(db, actor, (audit) => {
      for (const name of [...REPLICATED_TABLES].reverse()) db.prepare(`DELETE FROM ${quote(name)}`).run();
      for (const t of snap.tables) {
        const ins = db.prepare(`INSERT INTO ${quote(t.name)} (${t.columns.map(quote).join(', ')}) VALUES (${t.columns.map(() => '?').join(', ')})`);
        for (const r of t.rows) ins.run(...r.map(decodeCell));
      }
      const bad = (db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[])
        .filter((v) => (REPLICATED_TABLES as readonly string[]).includes(v.table));
      if (bad.length > 0) {
        const b = bad[0]!;
        throw new PbxError('PBX_ERR_STORE', `the coordinator's configuration has ${bad.length} broken reference(s), e.g. ${b.table} row ${b.rowid} -> ${b.parent}; nothing was applied`);
      }
      const hash = hashTables(readTables(db));
      if (hash !== snap.hash) throw new PbxError('PBX_ERR_STORE', 'the applied configuration does not hash to the coordinator\'s; nothing was applied');
      db.prepare('UPDATE cluster_state SET config_version = ? WHERE id = 1').run(snap.version);
      db.prepare(`UPDATE ha_peer SET applied_version = ?, applied_hash = ?, last_sync_at = ?, last_sync_error = '' WHERE id = 1`).run(snap.version, snap.hash, now);
      audit({ action: 'replicate', objectType: 'config', objectId: String(snap.version), description: `configuration version ${snap.version} (${rows} rows, ${snap.hash.slice(0, 12)}) from the coordinator ${from}` });
    });
  } finally {
    db.pragma('foreign_keys = ON');
  }
  cache.set(db, { version: snap.version, hash: snap.hash, rows });
  return { version: snap.version, hash: snap.hash, rows };
}

// The one store: SQLite through better-sqlite3, WAL, numbered migrations. Writes are
// synchronous and committed before the caller acknowledges anything (a kill -9 after an
// acknowledgement loses nothing; synchronous=FULL also survives power loss).
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PbxError } from '../errors.ts';

export type Db = Database.Database;

export interface StoreOptions {
  synchronous?: 'full' | 'normal';
  readonly?: boolean;
}

export interface Migration { version: number; name: string; sql: string }

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Migrations are files `NNN-name.sql`; their number is their order and is never reused. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = /^(\d{3})-([a-z0-9-]+)\.sql$/.exec(file);
    if (!m) continue;
    out.push({ version: Number(m[1]), name: m[2]!, sql: readFileSync(join(dir, file), 'utf8') });
  }
  out.forEach((m, i) => {
    if (m.version !== i + 1) throw new PbxError('PBX_ERR_STORE', `migration numbering has a gap or duplicate at ${m.version}-${m.name}`);
  });
  return out;
}

export function openDatabase(path: string, opts: StoreOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false });
  } catch (e) {
    throw new PbxError('PBX_ERR_STORE', `cannot open the store at ${path}: ${(e as Error).message}`);
  }
  if (!opts.readonly) db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (!opts.readonly) migrate(db);
  return db;
}

/** Applies every migration newer than PRAGMA user_version, each in its own transaction. */
export function migrate(db: Db, migrations = loadMigrations()): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (current > latest) {
    throw new PbxError('PBX_ERR_STORE', `the store is at schema version ${current}, newer than this pbx-agent knows (${latest}); upgrade pbx-agent or restore a backup`);
  }
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest - current;
}

export function integrityCheck(db: Db): string {
  return db.pragma('integrity_check', { simple: true }) as string;
}

// Small helpers over better-sqlite3 shared by the repos: a per-connection statement cache and
// row insert/update from plain objects. Column names always come from this code, never from input.
import type Database from 'better-sqlite3';
import type { Db } from '../../agent/store/db.ts';

type Stmt = Database.Statement<unknown[], unknown>;
const cache = new WeakMap<Db, Map<string, Stmt>>();

export function stmt(db: Db, sql: string): Stmt {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

export function all<T>(db: Db, sql: string, ...args: unknown[]): T[] {
  return stmt(db, sql).all(...args) as T[];
}

export function get<T>(db: Db, sql: string, ...args: unknown[]): T | undefined {
  return stmt(db, sql).get(...args) as T | undefined;
}

export function run(db: Db, sql: string, ...args: unknown[]): number {
  return stmt(db, sql).run(...args).changes;
}

type Values = Record<string, string | number | null | undefined>;

function defined(values: Values): [string, string | number | null][] {
  return Object.entries(values).filter((e): e is [string, string | number | null] => e[1] !== undefined);
}

export function insertRow(db: Db, table: string, values: Values): number {
  const cols = defined(values);
  const sql = `INSERT INTO ${table} (${cols.map(([k]) => k).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
  return Number(stmt(db, sql).run(...cols.map(([, v]) => v)).lastInsertRowid);
}

export function updateRow(db: Db, table: string, id: number, values: Values): number {
  const cols = defined(values);
  if (cols.length === 0) return 0;
  const sql = `UPDATE ${table} SET ${cols.map(([k]) => `${k} = ?`).join(', ')} WHERE id = ?`;
  return stmt(db, sql).run(...cols.map(([, v]) => v), id).changes;
}

export function deleteRow(db: Db, table: string, id: number): number {
  return stmt(db, `DELETE FROM ${table} WHERE id = ?`).run(id).changes;
}

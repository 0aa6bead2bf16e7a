import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { integrityCheck, loadMigrations, migrate, openDatabase } from './db.ts';

test('migrations are numbered without gaps and apply once', () => {
  const ms = loadMigrations();
  assert.ok(ms.length >= 3);
  ms.forEach((m, i) => assert.equal(m.version, i + 1));
  const dir = mkdtempSync(join(tmpdir(), 'pbxdb-'));
  try {
    const db = openDatabase(join(dir, 'a.db'));
    assert.equal(db.pragma('user_version', { simple: true }), ms.length);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2); // FULL
    assert.equal(migrate(db), 0, 'second run applies nothing');
    assert.equal(integrityCheck(db), 'ok');
    db.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a store newer than the code is refused with an actionable message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbxdb-'));
  try {
    const db = openDatabase(join(dir, 'a.db'));
    db.pragma('user_version = 999');
    db.close();
    assert.throws(() => openDatabase(join(dir, 'a.db')), /schema version 999.*upgrade pbx-agent/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a failing migration rolls back and leaves the version unchanged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbxdb-'));
  try {
    const mdir = join(dir, 'm');
    mkdirSync(mdir);
    writeFileSync(join(mdir, '001-a.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(mdir, '002-b.sql'), 'CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);');
    const db = openDatabase(':memory:');
    db.pragma('user_version = 0');
    assert.throws(() => migrate(db, loadMigrations(mdir)), /nope/);
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    assert.equal((db.prepare("SELECT count(*) n FROM sqlite_master WHERE name = 'b'").get() as { n: number }).n, 0);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

// Phonebooks in the store (migration 008): books, entries with typed numbers, and who may read
// each. Every change is audited in its own transaction and bumps the book's updated_at, which
// is the Last-Modified phones see. mayRead() is the one access rule. The reads a phonebook fetch
// makes (bookById, accessOf, entriesOf) use the repos' statement cache: they run per request.
import { withAudit, type Actor } from '../agent/audit.ts';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../agent/errors.ts';
import type { Db } from '../agent/store/db.ts';
import { parseMac } from './mac.ts';
import { NUMBER_KINDS, PHONEBOOK_FORMATS, phonebookFileName, type NumberKind, type PhonebookData } from './phonebook-render.ts';
import { accountById, deviceByMac } from './repo/devices.ts';
import { all, get } from './repo/sql.ts';
import { resolveAccount, resolveTenant, type ServiceContext } from './service/common.ts';
import type { DeviceRow } from './types.ts';

const MAX_ENTRIES = 10_000;
const MAX_NUMBERS = 8;

export const ACCESS_KINDS = ['all', 'tenant', 'device', 'account'] as const;
export type AccessKind = (typeof ACCESS_KINDS)[number];

interface BookRow { id: number; tenant_uuid: string | null; name: string; created_at: string; updated_at: string }
interface EntryRow { id: number; phonebook_id: number; name: string }
interface NumberRow { entry_id: number; position: number; kind: NumberKind; number: string }
interface AccessRow { phonebook_id: number; kind: AccessKind; ref: string }

export interface AccessView { kind: AccessKind; ref: string; label: string }
export interface EntryView { id: number; name: string; numbers: Array<{ kind: NumberKind; number: string }> }
export interface PhonebookView {
  id: number; tenant: string | null; name: string; entries: number; access: AccessView[];
  files: string[]; createdAt: string; updatedAt: string;
}
export interface PhonebookDetail extends Omit<PhonebookView, 'entries'> { entries: EntryView[] }

const TEXT = /^[^\x00-\x1f\x7f]+$/;
const NUMBER = /^(?=[^0-9]*[0-9*#])[0-9+*#(]([0-9+*#() .-]{0,38}[0-9#*)])?$/;

export function bookById(db: Db, id: number): BookRow | undefined {
  return get<BookRow>(db, 'SELECT * FROM phonebooks WHERE id = ?', id);
}

function requireBook(db: Db, id: number): BookRow {
  const b = bookById(db, id);
  if (!b) throw new NotFoundError('phonebook', String(id));
  return b;
}

function accessOf(db: Db, id: number): AccessRow[] {
  return all<AccessRow>(db, 'SELECT * FROM phonebook_access WHERE phonebook_id = ? ORDER BY kind, ref', id);
}

function accessLabel(db: Db, a: AccessRow): string {
  switch (a.kind) {
    case 'all': return 'every device of the tenant';
    case 'tenant': return `tenant ${a.ref}`;
    case 'device': return `device ${a.ref}`;
    case 'account': {
      const acc = accountById(db, Number(a.ref));
      return `account ${acc ? acc.username : '(removed)'} (id ${a.ref})`;
    }
  }
}

function viewOf(db: Db, b: BookRow): PhonebookView {
  return {
    id: b.id, tenant: b.tenant_uuid, name: b.name, entries: entryCount(db, b.id),
    access: accessOf(db, b.id).map((a) => ({ kind: a.kind, ref: a.ref, label: accessLabel(db, a) })),
    files: PHONEBOOK_FORMATS.map((f) => phonebookFileName(f, b.id)), createdAt: b.created_at, updatedAt: b.updated_at,
  };
}

function entryCount(db: Db, id: number): number {
  return (db.prepare('SELECT count(*) AS n FROM phonebook_entries WHERE phonebook_id = ?').get(id) as { n: number }).n;
}

/** Entries with their numbers, by name (what the phone shows): two queries for the whole book. */
function entriesOf(db: Db, id: number): EntryView[] {
  const entries = all<EntryRow>(db, 'SELECT * FROM phonebook_entries WHERE phonebook_id = ? ORDER BY name COLLATE NOCASE, id', id);
  const nums = all<NumberRow>(db, `SELECT n.* FROM phonebook_numbers n JOIN phonebook_entries e ON e.id = n.entry_id
    WHERE e.phonebook_id = ? ORDER BY n.entry_id, n.position`, id);
  const byEntry = new Map<number, NumberRow[]>();
  for (const n of nums) {
    const l = byEntry.get(n.entry_id) ?? [];
    l.push(n);
    byEntry.set(n.entry_id, l);
  }
  return entries.map((e) => ({ id: e.id, name: e.name, numbers: (byEntry.get(e.id) ?? []).map((n) => ({ kind: n.kind, number: n.number })) }));
}

/** The book as the renderer takes it. */
export function phonebookData(db: Db, b: { id: number; name: string }): PhonebookData {
  return { id: b.id, name: b.name, entries: entriesOf(db, b.id).map((e) => ({ name: e.name, numbers: e.numbers })) };
}

export interface Reader {
  /** Tenant the reader proved (credentials) or belongs to (token or User-Agent device); null: default organisation. */
  tenant: string | null;
  device?: DeviceRow;
}

/**
 * May this reader have this book? The book's tenant must be the reader's; then an access row
 * must match: 'all' or 'tenant' for anyone identified in the tenant, 'device' and 'account' only
 * for a known device.
 */
export function mayRead(db: Db, book: { id: number; tenant_uuid: string | null }, reader: Reader): boolean {
  if (book.tenant_uuid !== reader.tenant) return false;
  if (reader.device && reader.device.tenant_uuid !== book.tenant_uuid) return false;
  for (const a of accessOf(db, book.id)) {
    if (a.kind === 'all') return true;
    if (a.kind === 'tenant' && a.ref === (reader.tenant ?? '')) return true;
    if (!reader.device) continue;
    if (a.kind === 'device' && a.ref === reader.device.mac) return true;
    if (a.kind === 'account' && reader.device.account_id !== null && a.ref === String(reader.device.account_id)) return true;
  }
  return false;
}

function checkText(field: string, v: string, max: number): string {
  const t = v.trim();
  if (t === '' || t.length > max || !TEXT.test(t)) throw new InvalidArgumentError(field, `must be 1-${max} characters without control characters`);
  return t;
}

export interface PhonebookStore {
  add(actor: Actor, name: string, tenant?: string | null): PhonebookView;
  list(tenant?: string | null): PhonebookView[];
  show(id: number): PhonebookDetail;
  remove(actor: Actor, id: number): { removed: string };
  addEntry(actor: Actor, id: number, name: string, numbers: Array<{ kind: string; number: string }>): EntryView;
  removeEntry(actor: Actor, id: number, entryId: number): { removed: string };
  allow(actor: Actor, id: number, grant: { kind: string; ref?: string }): PhonebookView;
  deny(actor: Actor, id: number, grant: { kind: string; ref?: string }): PhonebookView;
}

export function createPhonebookStore(ctx: ServiceContext): PhonebookStore {
  const { db, now } = ctx;
  const touch = (id: number): void => { db.prepare('UPDATE phonebooks SET updated_at = ? WHERE id = ?').run(now().toISOString(), id); };

  /** Turns a grant into an access row, checking that what it names exists. */
  const grantRow = (book: BookRow, g: { kind: string; ref?: string }): AccessRow => {
    if (!(ACCESS_KINDS as readonly string[]).includes(g.kind)) throw new InvalidArgumentError('kind', `must be one of ${ACCESS_KINDS.join(', ')}`);
    const kind = g.kind as AccessKind;
    const ref = (g.ref ?? '').trim();
    switch (kind) {
      case 'all': return { phonebook_id: book.id, kind, ref: '' };
      case 'tenant': {
        const t = resolveTenant(ctx, ref || book.tenant_uuid, 'tenant');
        if (t !== book.tenant_uuid) throw new InvalidArgumentError('tenant', `phonebook ${book.id} belongs to ${book.tenant_uuid ?? 'the default organisation'}; only its own tenant can be allowed`);
        return { phonebook_id: book.id, kind, ref: t ?? '' };
      }
      case 'device': {
        const mac = parseMac(ref);
        if (!mac) throw new InvalidArgumentError('device', `'${ref.slice(0, 40)}' is not a MAC address`);
        const d = deviceByMac(db, mac);
        if (!d) throw new NotFoundError('device', mac);
        if (d.tenant_uuid !== book.tenant_uuid) throw new InvalidArgumentError('device', `device ${mac} is not in the phonebook's tenant`);
        return { phonebook_id: book.id, kind, ref: mac };
      }
      case 'account': {
        if (!ref) throw new InvalidArgumentError('account', 'is required (a user name or id)');
        const a = resolveAccount(db, ref, book.tenant_uuid);
        return { phonebook_id: book.id, kind, ref: String(a.id) };
      }
    }
  };

  return {
    add(actor, nameIn, tenantIn) {
      const name = checkText('name', nameIn, 100);
      const tenant = resolveTenant(ctx, tenantIn);
      return withAudit(db, actor, (audit) => {
        const dup = db.prepare('SELECT id FROM phonebooks WHERE tenant_uuid IS ? AND name = ?').get(tenant, name);
        if (dup) throw new ConflictError(`a phonebook named '${name}' already exists${tenant ? ` in tenant ${tenant}` : ''}`);
        const ts = now().toISOString();
        const id = Number(db.prepare('INSERT INTO phonebooks (tenant_uuid, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run(tenant, name, ts, ts).lastInsertRowid);
        audit({ action: 'create', objectType: 'phonebook', objectId: String(id), description: `phonebook '${name}' created (nobody may read it until allowed)` });
        return viewOf(db, bookById(db, id)!);
      }, now);
    },
    list(tenant) {
      const rows = tenant === undefined
        ? db.prepare('SELECT * FROM phonebooks ORDER BY tenant_uuid, name').all() as BookRow[]
        : db.prepare('SELECT * FROM phonebooks WHERE tenant_uuid IS ? ORDER BY name').all(tenant) as BookRow[];
      return rows.map((b) => viewOf(db, b));
    },
    show(id) {
      return { ...viewOf(db, requireBook(db, id)), entries: entriesOf(db, id) };
    },
    remove(actor, id) {
      return withAudit(db, actor, (audit) => {
        const b = requireBook(db, id);
        db.prepare('DELETE FROM phonebooks WHERE id = ?').run(id);
        audit({ action: 'delete', objectType: 'phonebook', objectId: String(id), description: `phonebook '${b.name}' removed` });
        return { removed: `${id} (${b.name})` };
      }, now);
    },
    addEntry(actor, id, nameIn, numbersIn) {
      const name = checkText('name', nameIn, 100);
      if (numbersIn.length === 0) throw new InvalidArgumentError('numbers', 'an entry needs at least one number (--work, --mobile, --home or --other)');
      if (numbersIn.length > MAX_NUMBERS) throw new InvalidArgumentError('numbers', `at most ${MAX_NUMBERS} numbers per entry`);
      const numbers = numbersIn.map((n, i) => {
        if (!(NUMBER_KINDS as readonly string[]).includes(n.kind)) throw new InvalidArgumentError(`numbers[${i}].kind`, `must be one of ${NUMBER_KINDS.join(', ')}`);
        const number = String(n.number ?? '').trim();
        if (!NUMBER.test(number)) throw new InvalidArgumentError(`numbers[${i}].number`, `'${number.slice(0, 40)}' is not a dialable number (digits, + * #, spaces, dots, dashes, brackets; at most 40)`);
        return { kind: n.kind as NumberKind, number };
      });
      return withAudit(db, actor, (audit) => {
        const b = requireBook(db, id);
        if (entryCount(db, id) >= MAX_ENTRIES) throw new ConflictError(`phonebook ${id} already has ${MAX_ENTRIES} entries, the most a phone can be given`);
        const entryId = Number(db.prepare('INSERT INTO phonebook_entries (phonebook_id, name, created_at) VALUES (?, ?, ?)').run(id, name, now().toISOString()).lastInsertRowid);
        const ins = db.prepare('INSERT INTO phonebook_numbers (entry_id, position, kind, number) VALUES (?, ?, ?, ?)');
        numbers.forEach((x, i) => ins.run(entryId, i, x.kind, x.number));
        touch(id);
        audit({ action: 'create', objectType: 'phonebook-entry', objectId: `${id}/${entryId}`, description: `phonebook '${b.name}': entry '${name}' added (${numbers.map((x) => `${x.kind} ${x.number}`).join(', ')})` });
        return { id: entryId, name, numbers };
      }, now);
    },
    removeEntry(actor, id, entryId) {
      return withAudit(db, actor, (audit) => {
        const b = requireBook(db, id);
        const e = db.prepare('SELECT * FROM phonebook_entries WHERE id = ? AND phonebook_id = ?').get(entryId, id) as EntryRow | undefined;
        if (!e) throw new NotFoundError('phonebook entry', `${id}/${entryId}`);
        db.prepare('DELETE FROM phonebook_entries WHERE id = ?').run(entryId);
        touch(id);
        audit({ action: 'delete', objectType: 'phonebook-entry', objectId: `${id}/${entryId}`, description: `phonebook '${b.name}': entry '${e.name}' removed` });
        return { removed: `${entryId} (${e.name})` };
      }, now);
    },
    allow(actor, id, grant) {
      return withAudit(db, actor, (audit) => {
        const b = requireBook(db, id);
        const row = grantRow(b, grant);
        const r = db.prepare('INSERT OR IGNORE INTO phonebook_access (phonebook_id, kind, ref) VALUES (?, ?, ?)').run(row.phonebook_id, row.kind, row.ref);
        if (r.changes > 0) {
          touch(id);
          audit({ action: 'update', objectType: 'phonebook', objectId: String(id), description: `phonebook '${b.name}': ${accessLabel(db, row)} may read it` });
        }
        return viewOf(db, bookById(db, id)!);
      }, now);
    },
    deny(actor, id, grant) {
      return withAudit(db, actor, (audit) => {
        const b = requireBook(db, id);
        const row = grantRow(b, grant);
        const r = db.prepare('DELETE FROM phonebook_access WHERE phonebook_id = ? AND kind = ? AND ref = ?').run(row.phonebook_id, row.kind, row.ref);
        if (r.changes === 0) throw new NotFoundError('phonebook access', `${id}: ${accessLabel(db, row)}`);
        touch(id);
        audit({ action: 'update', objectType: 'phonebook', objectId: String(id), description: `phonebook '${b.name}': ${accessLabel(db, row)} may no longer read it` });
        return viewOf(db, bookById(db, id)!);
      }, now);
    },
  };
}

// Serving a phonebook file: the name (phonebook-render.ts), the access rule (mayRead) and the
// bytes with their validators. A phonebook that does not exist and one the reader may not have
// look the same to the phone (404, as the seed asks); the log says which.
import type { Db } from '../agent/store/db.ts';
import type { ServedFile } from './file-source.ts';
import { parsePhonebookName, renderPhonebook } from './phonebook-render.ts';
import { bookById, mayRead, phonebookData, type Reader } from './phonebook-store.ts';
import { etagOf } from './render.ts';

export type PhonebookResult =
  | { kind: 'not-phonebook' }
  | { kind: 'refused'; outcome: 'not-allowed' | 'not-found'; detail: string }
  | { kind: 'file'; file: ServedFile };

/**
 * `fileName` is the last path segment, `tenant` the tenant of the path (null on a single-tenant
 * node), `reader` who is asking (undefined: nobody identified).
 */
export function servePhonebook(db: Db, fileName: string, tenant: string | null, reader: Reader | undefined): PhonebookResult {
  const name = parsePhonebookName(fileName);
  if (!name) return { kind: 'not-phonebook' };
  const book = bookById(db, name.id);
  if (!book || book.tenant_uuid !== tenant) return { kind: 'refused', outcome: 'not-found', detail: `no phonebook ${name.id}${tenant ? ` in tenant ${tenant}` : ''}` };
  if (!reader) return { kind: 'refused', outcome: 'not-allowed', detail: `phonebook ${name.id}: the phone is not identified (no credentials, token or MAC in its User-Agent)` };
  if (!mayRead(db, book, reader)) {
    const who = reader.device ? `device ${reader.device.mac}` : `tenant ${reader.tenant ?? 'default'} without a device`;
    return { kind: 'refused', outcome: 'not-allowed', detail: `phonebook ${name.id} ('${book.name}'): ${who} may not read it` };
  }
  const data = renderPhonebook(name.format, phonebookData(db, book));
  const updated = Date.parse(book.updated_at);
  return {
    kind: 'file',
    file: {
      ok: true, body: { kind: 'buffer', data }, contentType: 'application/xml; charset=utf-8',
      lastModified: new Date(Math.floor(updated / 1000) * 1000),
      etag: etagOf(data),
      origin: { kind: 'common', rule: `phonebook ${book.id}`, ...(tenant ? { tenant } : {}) }, warnings: [],
    },
  };
}

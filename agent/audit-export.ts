// Audit log export formats (CSV, JSON, XML), pure: entries in, text out.
import type { AuditEntry } from './audit.ts';

export type AuditFormat = 'csv' | 'json' | 'xml';
export const AUDIT_FORMATS: readonly AuditFormat[] = ['csv', 'json', 'xml'];

const COLUMNS: (keyof AuditEntry)[] = ['txId', 'ts', 'user', 'source', 'action', 'objectType', 'objectId', 'description'];
const HEADERS = ['transaction_id', 'timestamp', 'user', 'source', 'action', 'object_type', 'object_id', 'description'];

export function exportAudit(entries: AuditEntry[], format: AuditFormat): string {
  switch (format) {
    case 'json': return JSON.stringify(entries.map((e) => pick(e)), null, 2) + '\n';
    case 'csv': return [HEADERS.join(','), ...entries.map((e) => COLUMNS.map((c) => csvCell(String(e[c]))).join(','))].join('\r\n') + '\r\n';
    case 'xml': {
      const rows = entries.map((e) => '  <entry>\n' + COLUMNS.map((c, i) => `    <${HEADERS[i]}>${xmlEscape(String(e[c]))}</${HEADERS[i]}>`).join('\n') + '\n  </entry>');
      return `<?xml version="1.0" encoding="UTF-8"?>\n<audit_log>\n${rows.join('\n')}${rows.length ? '\n' : ''}</audit_log>\n`;
    }
  }
}

function pick(e: AuditEntry): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  COLUMNS.forEach((c, i) => { o[HEADERS[i]!] = e[c]; });
  return o;
}

/** RFC 4180 quoting; a leading = + - @ is prefixed with ' so spreadsheets do not run it as a formula. */
function csvCell(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function xmlEscape(s: string): string {
  // Characters XML 1.0 forbids are dropped, the five specials escaped.
  return s.replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

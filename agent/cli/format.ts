// Human output for pbxctl: aligned tables and key/value blocks. Scripts use --json instead.

export interface Column<T> { header: string; get: (row: T) => unknown }

export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((r) => columns.map((c) => cell(c.get(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

export function keyValues(obj: Record<string, unknown>, indent = ''): string {
  const keys = Object.keys(obj);
  const w = Math.max(0, ...keys.map((k) => k.length));
  let out = '';
  for (const k of keys) {
    const v = obj[k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
      out += `${indent}${k}:\n${keyValues(v as Record<string, unknown>, indent + '  ')}`;
    } else {
      out += `${indent}${(k + ':').padEnd(w + 1)} ${cell(v)}\n`;
    }
  }
  return out;
}

export function cell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.map(cell).join(', ') || '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v).replace(/[\r\n]+/g, ' ');
}

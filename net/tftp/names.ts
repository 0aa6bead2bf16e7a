// Which requested names reach the FileSource. The FileSource checks traversal as well; this is
// the transport's own line of defence, and the place that knows TFTP's habits (phones often
// ask for "/file.cfg", meaning the root).

export type NameCheck = { ok: true; path: string } | { ok: false; why: string };

export function checkRequestName(filename: string): NameCheck {
  const path = filename.startsWith('/') ? filename.slice(1) : filename;
  if (path.length === 0) return { ok: false, why: 'empty name' };
  if (path.startsWith('/')) return { ok: false, why: 'absolute path' };
  if (path.includes('\\')) return { ok: false, why: 'backslash in name' };
  if (path.includes('\0')) return { ok: false, why: 'NUL in name' };
  for (const seg of path.split('/')) {
    if (seg === '..') return { ok: false, why: "'..' segment in name" };
  }
  return { ok: true, path };
}

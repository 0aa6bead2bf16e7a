// Request names: what a phone may ask for, checked before any lookup. A name is a relative path
// of at most MAX_SEGMENTS plain segments; anything that could climb out of the served root, hide
// in an encoding or address a dotfile is refused here as 'bad-name'. Also: content types.

export const MAX_PATH_LENGTH = 512;
export const MAX_SEGMENT_LENGTH = 255;
export const MAX_SEGMENTS = 8;

/** Characters allowed in one requested path segment (asset names may have spaces and brackets). */
export const REQUEST_SEGMENT_CHARS = /^[A-Za-z0-9._~+=,:@ ()!\[\]-]+$/;
/** Characters allowed in the names rules produce (rule prefixes and suffixes). */
export const SEGMENT_CHARS = /^[A-Za-z0-9._~+=,:@-]+$/;

export type ParsedPath = { ok: true; segments: string[] } | { ok: false; detail: string };

/**
 * Splits a request path into safe segments. The path is already URL-decoded by the HTTP server,
 * so '%2e%2e' arrives as '..' and is refused as traversal; a literal '%' (double encoding) is
 * refused as a bad character.
 */
export function parseRequestPath(path: string): ParsedPath {
  if (typeof path !== 'string' || path.length === 0) return { ok: false, detail: 'empty file name' };
  const shown = JSON.stringify(path.length > 80 ? path.slice(0, 80) + '…' : path);
  if (path.length > MAX_PATH_LENGTH) return { ok: false, detail: `file name longer than ${MAX_PATH_LENGTH} characters` };
  if (/[\x00-\x1f\x7f]/.test(path)) return { ok: false, detail: `file name ${JSON.stringify(path.replace(/[\x00-\x1f\x7f]/g, '?').slice(0, 80))} contains a control character or NUL` };
  if (path.includes('\\')) return { ok: false, detail: `file name ${shown} contains a backslash` };
  if (path.startsWith('/')) return { ok: false, detail: `file name ${shown} is absolute` };
  const segments = path.split('/');
  if (segments.length > MAX_SEGMENTS) return { ok: false, detail: `file name ${shown} has more than ${MAX_SEGMENTS} path segments` };
  for (const seg of segments) {
    if (seg === '') return { ok: false, detail: `file name ${shown} has an empty path segment` };
    if (seg === '.' || seg === '..') return { ok: false, detail: `file name ${shown} climbs directories ('${seg}')` };
    if (seg.startsWith('.')) return { ok: false, detail: `file name ${shown} names a hidden file` };
    if (seg.length > MAX_SEGMENT_LENGTH) return { ok: false, detail: `file name ${shown} has a segment longer than ${MAX_SEGMENT_LENGTH} characters` };
    if (!REQUEST_SEGMENT_CHARS.test(seg) || seg !== seg.trim()) {
      return { ok: false, detail: `file name ${shown} contains a character outside A-Z a-z 0-9 . _ ~ + = , : @ ( ) [ ] ! - and inner spaces` };
    }
  }
  return { ok: true, segments };
}

const CONTENT_TYPES: Record<string, string> = {
  xml: 'application/xml',
  cfg: 'text/plain', txt: 'text/plain', conf: 'text/plain', ini: 'text/plain', boot: 'text/plain', csv: 'text/plain',
  htm: 'text/html', html: 'text/html',
  json: 'application/json',
  bin: 'application/octet-stream', rom: 'application/octet-stream', ld: 'application/octet-stream',
  img: 'application/octet-stream', z: 'application/octet-stream', zip: 'application/zip',
  tar: 'application/x-tar', gz: 'application/gzip',
  pem: 'application/x-pem-file', crt: 'application/x-x509-ca-cert', der: 'application/x-x509-ca-cert',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', bmp: 'image/bmp',
  wav: 'audio/wav', mp3: 'audio/mpeg', ogg: 'audio/ogg',
};

/** Content-Type from the file extension; unknown extensions are application/octet-stream. */
export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot < 0 || dot === name.length - 1) return 'application/octet-stream';
  return CONTENT_TYPES[name.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}

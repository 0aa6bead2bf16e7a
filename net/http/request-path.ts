// Turns an HTTP request-target into the provisioning path handed to the FileSource. Pure: no
// sockets, no logs. The FileSource checks names again (defense in depth); this layer refuses
// what no legitimate phone sends, before any lookup happens.

/** Longest request-target accepted, raw, before any decoding. */
export const MAX_TARGET_LENGTH = 4096;

/** Default cap on the decoded path, in UTF-8 bytes (a tenant UUID plus a long firmware name fit). */
export const DEFAULT_MAX_PATH_LENGTH = 512;

export type PathResult =
  | { ok: true; path: string }
  /** 400: a malformed or hostile name. 404: not ours to serve (outside the prefix, no file name). */
  | { ok: false; status: 400 | 404; detail: string };

/**
 * `target` is the raw request-target (`req.url`), `httpPath` the configured prefix without a
 * trailing slash (e.g. `/provisioning`). Rules, in order:
 * - origin-form (`/a/b?q`) or absolute-form (`http://host/a/b`); the query and fragment are dropped;
 * - the raw path must start with `httpPath + '/'` (compared before decoding, so `%2f` cannot fake it);
 * - the rest is percent-decoded exactly once (`%252e` stays the literal `%2e`); a bad escape is 400;
 * - NUL, other control characters and backslashes are 400; so are `.` and `..` segments;
 * - runs of `/` collapse to one and a leading `/` is dropped (phones configured with a trailing
 *   slash ask for `/provisioning//file.cfg`); the result is always relative.
 */
export function parseRequestPath(target: string, httpPath: string, maxPathLength = DEFAULT_MAX_PATH_LENGTH): PathResult {
  if (target.length > MAX_TARGET_LENGTH) return bad(`request target longer than ${MAX_TARGET_LENGTH} characters`);
  let raw = target;
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(raw);
  if (abs) raw = raw.slice(abs[0].length) || '/';
  if (!raw.startsWith('/')) return { ok: false, status: 404, detail: 'request target is not a path' };
  const cut = raw.search(/[?#]/);
  if (cut >= 0) raw = raw.slice(0, cut);
  const prefix = httpPath + '/';
  if (!raw.startsWith(prefix)) return { ok: false, status: 404, detail: `outside ${prefix}` };

  let decoded: string;
  try {
    decoded = decodeURIComponent(raw.slice(prefix.length));
  } catch {
    return bad('malformed %-escape');
  }
  if (Buffer.byteLength(decoded) > maxPathLength) return bad(`path longer than ${maxPathLength} bytes`);
  if (decoded.includes('\0')) return bad('NUL byte in path');
  if (/[\x01-\x1f\x7f]/.test(decoded)) return bad('control character in path');
  if (decoded.includes('\\')) return bad('backslash in path');

  const path = decoded.replace(/\/{2,}/g, '/').replace(/^\//, '');
  for (const seg of path.split('/')) {
    if (seg === '..') return bad("'..' segment in path");
    if (seg === '.') return bad("'.' segment in path");
  }
  if (path === '') return { ok: false, status: 404, detail: 'no file name' };
  return { ok: true, path };
}

function bad(detail: string): PathResult {
  return { ok: false, status: 400, detail };
}

// Validators and conditional GET (RFC 9110 sections 8.8 and 13). Pure functions.

/**
 * Quotes an entity-tag for the ETag header. A tag that is already a valid entity-tag (`"x"` or
 * `W/"x"`) is kept; otherwise characters an entity-tag cannot hold (quote, controls, space) are
 * dropped and the rest is quoted.
 */
export function quoteEtag(tag: string): string {
  if (/^(W\/)?"[\x21\x23-\x7e]*"$/.test(tag)) return tag;
  return `"${tag.replace(/[^\x21\x23-\x7e]/g, '')}"`;
}

/** HTTP-date (IMF-fixdate) of a Date, or undefined for an invalid one. */
export function httpDate(d: Date): string | undefined {
  const t = d.getTime();
  return Number.isFinite(t) ? new Date(t).toUTCString() : undefined;
}

export interface ConditionalHeaders {
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
}

/**
 * True when a GET/HEAD may be answered 304. If-None-Match, when present, decides alone (weak
 * comparison, `*` matches any current representation); If-Modified-Since is used only without it,
 * at one-second resolution, and an unparsable date is ignored (RFC 9110 13.1.3, 13.2.2).
 */
export function isNotModified(h: ConditionalHeaders, etag: string, lastModified: Date): boolean {
  if (h.ifNoneMatch !== undefined) {
    const mine = opaque(quoteEtag(etag));
    const tags = h.ifNoneMatch.match(/\*|(?:W\/)?"[^"]*"/g) ?? [];
    return tags.some((t) => t === '*' || opaque(t) === mine);
  }
  if (h.ifModifiedSince !== undefined) {
    const since = Date.parse(h.ifModifiedSince);
    const lm = lastModified.getTime();
    if (!Number.isFinite(since) || !Number.isFinite(lm)) return false;
    return Math.floor(lm / 1000) * 1000 <= since;
  }
  return false;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

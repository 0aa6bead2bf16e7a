// SIP registries as small tables (STYLE rule 3): header names (canonical spelling, compact
// forms of RFC 3261 7.3.3 and later RFCs) and which headers may carry comma-separated lists.

/** Compact form (one letter, lower case) -> canonical header name. */
export const COMPACT: Readonly<Record<string, string>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

const CANONICAL_LIST = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition', 'Content-Encoding',
  'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Error-Info', 'Event', 'Expires',
  'From', 'Identity', 'Identity-Info', 'In-Reply-To', 'Max-Forwards', 'MIME-Version', 'Min-Expires',
  'Organization', 'Priority', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'Record-Route',
  'Refer-To', 'Referred-By', 'Reject-Contact', 'Reply-To', 'Request-Disposition', 'Require', 'Retry-After',
  'Route', 'Server', 'Session-Expires', 'Subject', 'Subscription-State', 'Supported', 'Timestamp', 'To',
  'Unsupported', 'User-Agent', 'Via', 'Warning', 'WWW-Authenticate',
];

/** Lower-cased name (full or compact) -> canonical name. */
const CANONICAL = new Map<string, string>();
for (const n of CANONICAL_LIST) CANONICAL.set(n.toLowerCase(), n);
for (const [k, v] of Object.entries(COMPACT)) CANONICAL.set(k, v);

/**
 * The canonical spelling of a header name: known names (any case, compact or full) map to the
 * RFC spelling; unknown names are kept as written, so re-encoding is lossless.
 */
export function canonicalHeaderName(name: string): string {
  return CANONICAL.get(name.toLowerCase()) ?? name;
}

/** Headers whose grammar is a comma-separated list (RFC 3261 7.3.1), so one line may hold several values. */
export const LIST_HEADERS: ReadonlySet<string> = new Set([
  'Accept', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events', 'Call-Info',
  'Contact', 'Content-Encoding', 'Content-Language', 'Error-Info', 'In-Reply-To', 'Proxy-Require',
  'Record-Route', 'Require', 'Route', 'Supported', 'Unsupported', 'Via', 'Warning',
]);

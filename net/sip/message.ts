// SIP message codec (RFC 3261 section 7, UDP framing of 18.3): pure, symmetric, bounded.
//
// decode(buf, offset) never throws: it returns { ok: false, error: { code } } for anything it
// cannot read. Work is linear in the datagram: lines are found with Buffer.indexOf, every byte is
// checked once, and no regular expression ever sees more than one short token. A datagram over
// MAX_MESSAGE bytes is refused before any scanning.
//
// What is tolerated (real phones do it): LF-only line ends, leading CRLF keep-alives, a missing
// final blank line (UDP: the datagram ends the headers), folded header lines (joined with one
// space), header names in any case and in compact form (stored canonically, see tables.ts), no
// Content-Length (the body is the rest of the datagram). Bytes after Content-Length are ignored
// (RFC 3261 18.3) and not counted in bytesRead.
//
// Start line and headers are read and written as Latin-1 (one byte, one char): a From or To
// echoed back is byte-identical whatever its encoding, and lengths never change on re-encoding.
// Bodies stay Buffers; builders take a string body as UTF-8.
//
// The value shape keeps headers in order as { name, value } lines; list headers (Via, Contact...)
// are split by the accessors, not here, so re-encoding is lossless. encode() writes CRLF and
// `Name: value`; it does not add Content-Length (the builders do).
import { canonicalHeaderName, LIST_HEADERS } from './tables.ts';

export const MAX_MESSAGE = 8192;
export const MAX_HEADERS = 128;

export interface SipHeader { name: string; value: string }

export interface SipRequest {
  type: 'request';
  method: string;
  uri: string;
  headers: SipHeader[];
  body: Buffer;
}

export interface SipResponse {
  type: 'response';
  status: number;
  reason: string;
  headers: SipHeader[];
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export type SipErrorCode =
  | 'EMPTY'
  | 'TOO_LARGE'
  | 'BAD_CHARACTER'
  | 'BAD_START_LINE'
  | 'BAD_VERSION'
  | 'BAD_STATUS'
  | 'BAD_HEADER'
  | 'TOO_MANY_HEADERS'
  | 'BAD_CONTENT_LENGTH'
  | 'TRUNCATED_BODY';

export interface SipDecodeError { code: SipErrorCode; message: string }

export type DecodeResult =
  | { ok: true; value: SipMessage; bytesRead: number }
  | { ok: false; error: SipDecodeError };

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;

const fail = (code: SipErrorCode, message: string): DecodeResult => ({ ok: false, error: { code, message } });

// RFC 3261 token characters: alphanumerics and -.!%*_+`'~
const TOKEN = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  TOKEN[c] = /[A-Za-z0-9\-.!%*_+`'~]/.test(ch) ? 1 : 0;
}

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || TOKEN[c] !== 1) return false;
  }
  return true;
}

function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HT)) a++;
  while (b > a && (s.charCodeAt(b - 1) === SP || s.charCodeAt(b - 1) === HT)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Control characters other than HTAB are refused anywhere in the start line or headers. */
function hasControl(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if ((c < 32 && c !== HT) || c === 127) return true;
  }
  return false;
}

function parseStartLine(line: string): { ok: true; value: Omit<SipRequest, 'headers' | 'body'> | Omit<SipResponse, 'headers' | 'body'> } | { ok: false; error: SipDecodeError } {
  if (line.length >= 8 && line.slice(0, 8).toUpperCase() === 'SIP/2.0 ') {
    const rest = line.slice(8);
    if (rest.length < 3) return { ok: false, error: { code: 'BAD_STATUS', message: 'status line has no code' } };
    const code = rest.slice(0, 3);
    if (!/^[1-6][0-9][0-9]$/.test(code)) return { ok: false, error: { code: 'BAD_STATUS', message: 'status code is not 100-699' } };
    if (rest.length > 3 && rest.charCodeAt(3) !== SP) return { ok: false, error: { code: 'BAD_STATUS', message: 'status code is not followed by a space' } };
    return { ok: true, value: { type: 'response', status: Number(code), reason: trimWs(rest.slice(4)) } };
  }
  if (line.length >= 4 && line.slice(0, 4).toUpperCase() === 'SIP/') {
    return { ok: false, error: { code: 'BAD_VERSION', message: 'only SIP/2.0 is supported' } };
  }
  const s1 = line.indexOf(' ');
  const s2 = s1 < 0 ? -1 : line.indexOf(' ', s1 + 1);
  if (s1 <= 0 || s2 < 0) return { ok: false, error: { code: 'BAD_START_LINE', message: 'request line is not METHOD URI SIP/2.0' } };
  const method = line.slice(0, s1);
  const uri = line.slice(s1 + 1, s2);
  const version = line.slice(s2 + 1);
  if (!isToken(method)) return { ok: false, error: { code: 'BAD_START_LINE', message: 'method is not a token' } };
  if (uri.length === 0 || uri.includes('\t')) return { ok: false, error: { code: 'BAD_START_LINE', message: 'empty or malformed request URI' } };
  if (version.toUpperCase() !== 'SIP/2.0') return { ok: false, error: { code: 'BAD_VERSION', message: 'only SIP/2.0 is supported' } };
  return { ok: true, value: { type: 'request', method, uri } };
}

/** Decodes one SIP message from a datagram. Never throws. */
export function decode(buf: Buffer, offset = 0): DecodeResult {
  if (!Buffer.isBuffer(buf) || !Number.isInteger(offset) || offset < 0 || offset > buf.length) return fail('EMPTY', 'no input');
  const end = buf.length;
  if (end - offset > MAX_MESSAGE) return fail('TOO_LARGE', `message over ${MAX_MESSAGE} bytes`);
  let pos = offset;
  while (pos < end && (buf[pos] === CR || buf[pos] === LF)) pos++;
  if (pos >= end) return fail('EMPTY', 'empty datagram (keep-alive)');

  let start: ReturnType<typeof parseStartLine> | undefined;
  const headers: SipHeader[] = [];
  let bodyStart = end;
  let sawBlank = false;
  while (pos < end) {
    const lf = buf.indexOf(LF, pos);
    const lineEnd = lf < 0 ? end : lf;
    const next = lf < 0 ? end : lf + 1;
    const contentEnd = lineEnd > pos && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    if (contentEnd === pos) { // blank line: end of headers
      if (start === undefined) return fail('BAD_START_LINE', 'no start line');
      bodyStart = next;
      sawBlank = true;
      break;
    }
    if (hasControl(buf, pos, contentEnd)) return fail('BAD_CHARACTER', 'control character in start line or header');
    const line = buf.toString('latin1', pos, contentEnd);
    if (start === undefined) {
      start = parseStartLine(trimWs(line));
      if (!start.ok) return { ok: false, error: start.error };
    } else {
      const c0 = line.charCodeAt(0);
      if (c0 === SP || c0 === HT) { // folded continuation of the previous header
        const prev = headers[headers.length - 1];
        if (!prev) return fail('BAD_HEADER', 'continuation line before any header');
        const more = trimWs(line);
        if (more) prev.value = prev.value ? `${prev.value} ${more}` : more;
      } else {
        const colon = line.indexOf(':');
        if (colon <= 0) return fail('BAD_HEADER', 'header line without a name and colon');
        const name = trimWs(line.slice(0, colon));
        if (!isToken(name)) return fail('BAD_HEADER', 'header name is not a token');
        if (headers.length >= MAX_HEADERS) return fail('TOO_MANY_HEADERS', `more than ${MAX_HEADERS} headers`);
        headers.push({ name: canonicalHeaderName(name), value: trimWs(line.slice(colon + 1)) });
      }
    }
    pos = next;
  }
  if (start === undefined || !start.ok) return fail('BAD_START_LINE', 'no start line');
  if (!sawBlank) bodyStart = end;

  let bodyEnd = end;
  let cl: number | undefined;
  for (const h of headers) {
    if (h.name !== 'Content-Length') continue;
    const v = h.value;
    if (!/^[0-9]{1,9}$/.test(v)) return fail('BAD_CONTENT_LENGTH', 'Content-Length is not a number');
    const n = Number(v);
    if (cl !== undefined && cl !== n) return fail('BAD_CONTENT_LENGTH', 'two different Content-Length values');
    cl = n;
  }
  if (cl !== undefined) {
    if (bodyStart + cl > end) return fail('TRUNCATED_BODY', `Content-Length ${cl} is more than the ${end - bodyStart} bytes left`);
    bodyEnd = bodyStart + cl;
  }
  const body = Buffer.from(buf.subarray(bodyStart, bodyEnd));
  const value: SipMessage = start.value.type === 'request'
    ? { type: 'request', method: start.value.method, uri: start.value.uri, headers, body }
    : { type: 'response', status: start.value.status, reason: start.value.reason, headers, body };
  return { ok: true, value, bytesRead: bodyEnd - offset };
}

function headText(m: SipMessage): string {
  let s = m.type === 'request' ? `${m.method} ${m.uri} SIP/2.0\r\n` : `SIP/2.0 ${m.status} ${m.reason}\r\n`;
  for (const h of m.headers) s += `${h.name}: ${h.value}\r\n`;
  return s + '\r\n';
}

export function encodingLength(m: SipMessage): number {
  return headText(m).length + m.body.length;
}

/** Writes the message into `buf` at `offset`; returns the bytes written. */
export function encodeInto(m: SipMessage, buf: Buffer, offset = 0): number {
  const head = headText(m);
  if (offset + head.length + m.body.length > buf.length) throw new RangeError('buffer too small for the SIP message');
  const n = buf.write(head, offset, 'latin1');
  if (n !== head.length) {
    throw new RangeError('buffer too small for the SIP message');
  }
  m.body.copy(buf, offset + n);
  return n + m.body.length;
}

export function encode(m: SipMessage): Buffer {
  const head = Buffer.from(headText(m), 'latin1');
  return m.body.length ? Buffer.concat([head, m.body]) : head;
}

// ---------------------------------------------------------------------------------------------
// Accessors and header-value grammars. All linear, all total (no throw), inputs already capped
// by MAX_MESSAGE.

/** First value of a header (any spelling or compact form of `name`). */
export function getHeader(m: SipMessage, name: string): string | undefined {
  const want = canonicalHeaderName(name);
  for (const h of m.headers) if (h.name === want) return h.value;
  return undefined;
}

/** Every value of a header, list headers split at top-level commas, in order. */
export function getHeaders(m: SipMessage, name: string): string[] {
  const want = canonicalHeaderName(name);
  const out: string[] = [];
  for (const h of m.headers) {
    if (h.name !== want) continue;
    if (LIST_HEADERS.has(want)) out.push(...splitList(h.value));
    else out.push(h.value);
  }
  return out;
}

/** Splits `a, "x,y" <sip:b,c>, d` at commas outside quotes and angle brackets. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let angle = false;
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') angle = true;
    else if (c === '>') angle = false;
    else if (c === ',' && !angle) {
      const part = value.slice(from, i).trim();
      if (part) out.push(part);
      from = i + 1;
    }
  }
  const last = value.slice(from).trim();
  if (last) out.push(last);
  return out;
}

/** Removes surrounding double quotes and backslash escapes. */
export function unquote(s: string): string {
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') return s;
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length - 1) { out += s[i + 1]; i++; } else out += c;
  }
  return out;
}

/**
 * Parses `;a=b;c="d;e";flag` (leading ';' optional). Names are lower-cased, values unquoted; a
 * flag without '=' gets ''. First occurrence wins.
 */
export function parseParams(s: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (s[i] === ';' || s[i] === ' ' || s[i] === '\t')) i++;
    if (i >= s.length) break;
    let j = i;
    let quoted = false;
    let eq = -1;
    for (; j < s.length; j++) {
      const c = s[j];
      if (quoted) {
        if (c === '\\') j++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === ';') break;
      else if (c === '=' && eq < 0) eq = j;
    }
    const name = (eq < 0 ? s.slice(i, j) : s.slice(i, eq)).trim().toLowerCase();
    const val = eq < 0 ? '' : unquote(s.slice(eq + 1, j).trim());
    if (name && !out.has(name)) out.set(name, val);
    i = j + 1;
  }
  return out;
}

export interface NameAddr {
  display: string;
  uri: string;
  params: Map<string, string>;
}

/** `"Bob" <sip:b@h>;tag=1` or `sip:b@h;tag=1` (no brackets: the params belong to the header). */
export function parseNameAddr(value: string): NameAddr | undefined {
  const v = value.trim();
  if (!v) return undefined;
  let quoted = false;
  let lt = -1;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') { lt = i; break; }
  }
  if (lt >= 0) {
    const gt = v.indexOf('>', lt + 1);
    if (gt < 0) return undefined;
    const uri = v.slice(lt + 1, gt).trim();
    if (!uri) return undefined;
    return { display: unquote(v.slice(0, lt).trim()), uri, params: parseParams(v.slice(gt + 1)) };
  }
  if (quoted) return undefined;
  const semi = v.indexOf(';');
  const uri = (semi < 0 ? v : v.slice(0, semi)).trim();
  if (!uri || uri.includes(' ')) return undefined;
  return { display: '', uri, params: parseParams(semi < 0 ? '' : v.slice(semi)) };
}

export interface SipUri {
  scheme: string;
  user: string;
  host: string;
  port: number | undefined;
  params: Map<string, string>;
}

/** `sip:user@host:port;params?headers`. Host is lower-cased; IPv6 references keep their brackets. */
export function parseUri(uri: string): SipUri | undefined {
  const colon = uri.indexOf(':');
  if (colon <= 0) return undefined;
  const scheme = uri.slice(0, colon).toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips') return undefined;
  let rest = uri.slice(colon + 1);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  const at = rest.indexOf('@');
  let user = '';
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const semi = rest.indexOf(';');
  const hostport = semi < 0 ? rest : rest.slice(0, semi);
  const params = parseParams(semi < 0 ? '' : rest.slice(semi));
  let host: string;
  let portText = '';
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) return undefined;
    host = hostport.slice(0, close + 1);
    const after = hostport.slice(close + 1);
    if (after) { if (after[0] !== ':') return undefined; portText = after.slice(1); }
  } else {
    const c = hostport.indexOf(':');
    host = c < 0 ? hostport : hostport.slice(0, c);
    if (c >= 0) portText = hostport.slice(c + 1);
  }
  if (!host || !/^[A-Za-z0-9.\-_[\]:]+$/.test(host)) return undefined;
  let port: number | undefined;
  if (portText) {
    if (!/^[0-9]{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
    if (port < 1 || port > 65535) return undefined;
  }
  return { scheme, user, host: host.toLowerCase(), port, params };
}

export interface Via {
  transport: string;
  host: string;
  port: number | undefined;
  params: Map<string, string>;
}

/** `SIP/2.0/UDP host:port;branch=z9hG4bK..;rport` (one value of a Via list). */
export function parseVia(value: string): Via | undefined {
  const v = value.trim();
  let i = 0;
  while (i < v.length && v[i] !== ' ' && v[i] !== '\t') i++;
  const proto = v.slice(0, i).split('/');
  if (proto.length !== 3 || proto[0]!.toUpperCase() !== 'SIP' || proto[1] !== '2.0' || !isToken(proto[2]!)) return undefined;
  const rest = v.slice(i).trim();
  const semi = rest.indexOf(';');
  const sentBy = (semi < 0 ? rest : rest.slice(0, semi)).trim();
  const u = parseUri(`sip:${sentBy}`);
  if (!u || u.user) return undefined;
  return { transport: proto[2]!.toUpperCase(), host: u.host, port: u.port, params: parseParams(semi < 0 ? '' : rest.slice(semi)) };
}

/** `CSeq: 20000 SUBSCRIBE`. */
export function parseCSeq(value: string): { seq: number; method: string } | undefined {
  const v = value.trim();
  const sp = v.search(/[ \t]/);
  if (sp <= 0 || sp > 10) return undefined;
  const num = v.slice(0, sp);
  const method = v.slice(sp).trim();
  if (!/^[0-9]{1,10}$/.test(num) || !isToken(method)) return undefined;
  const seq = Number(num);
  if (seq > 0xffffffff) return undefined;
  return { seq, method };
}

/** `ua-profile;profile-type="device";vendor="Yealink"` -> type (lower case) and params. */
export function parseEvent(value: string): { type: string; params: Map<string, string> } | undefined {
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (!isToken(type)) return undefined;
  return { type, params: parseParams(semi < 0 ? '' : value.slice(semi)) };
}

// ---------------------------------------------------------------------------------------------
// Builders: header lists in, messages out, Content-Length always computed from the body bytes.

export type HeaderList = ReadonlyArray<readonly [string, string]>;

function assertHeaderSafe(name: string, value: string): void {
  if (!isToken(name)) throw new RangeError(`header name '${name}' is not a token`);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 32 && c !== HT) || c === 127 || c > 255) throw new RangeError(`header ${name} has a control or non-Latin-1 character`);
  }
}

function withLength(headers: HeaderList, body: Buffer): SipHeader[] {
  const out: SipHeader[] = [];
  for (const [name, value] of headers) {
    assertHeaderSafe(name, value);
    if (canonicalHeaderName(name) !== 'Content-Length') out.push({ name, value });
  }
  out.push({ name: 'Content-Length', value: String(body.length) });
  return out;
}

export function buildRequest(method: string, uri: string, headers: HeaderList, body: Buffer | string = Buffer.alloc(0)): SipRequest {
  if (!isToken(method)) throw new RangeError(`method '${method}' is not a token`);
  if (!uri || /[\s]/.test(uri)) throw new RangeError('request URI is empty or has white space');
  assertHeaderSafe('Request-URI', uri);
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { type: 'request', method, uri, headers: withLength(headers, b), body: b };
}

export function buildResponse(status: number, reason: string, headers: HeaderList, body: Buffer | string = Buffer.alloc(0)): SipResponse {
  if (!Number.isInteger(status) || status < 100 || status > 699) throw new RangeError(`status ${status} is not 100-699`);
  assertHeaderSafe('Reason', reason);
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { type: 'response', status, reason, headers: withLength(headers, b), body: b };
}

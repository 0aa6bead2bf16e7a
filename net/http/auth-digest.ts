// HTTP Digest (RFC 7616) and Basic (RFC 7617) for provisioning fetches: the Authorization
// header parser, the challenge builder and the response arithmetic. Pure: no clock, no store,
// no logs. parseAuthorization never throws; its work is linear in the header, which is capped.
//
// What is accepted: scheme names in any case; auth-params as token or quoted-string, in any
// order, with optional white space around '=' and ','. What is refused: duplicate params (an
// attacker's way to make two parsers disagree), values over MAX_VALUE, more than MAX_PARAMS
// params, userhash and *-sess algorithms (we never offer them), qop other than auth.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { DigestAlgorithm } from './auth-config.ts';

const MAX_AUTHORIZATION = 4096;
const MAX_PARAMS = 32;
export const MAX_VALUE = 1024;

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop: 'auth';
  /** nonce-count as a number (8 hex digits on the wire). */
  nc: number;
  cnonce: string;
  opaque: string | undefined;
}

export type Authorization =
  | { scheme: 'digest'; credentials: DigestCredentials }
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'other'; name: string };

export type AuthErrorCode = 'TOO_LONG' | 'MALFORMED' | 'DUPLICATE_PARAM' | 'MISSING_PARAM' | 'UNSUPPORTED';

export type AuthParse = { ok: true; value: Authorization } | { ok: false; code: AuthErrorCode; message: string };

const fail = (code: AuthErrorCode, message: string): AuthParse => ({ ok: false, code, message });

const TCHAR = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Splits `a=b, c="d, e"` into a map (names lower-cased). Returns a string describing the
 * problem when the list is malformed.
 */
export function parseAuthParams(s: string): Map<string, string> | { error: AuthErrorCode; message: string } {
  const out = new Map<string, string>();
  let i = 0;
  const n = s.length;
  const ws = (): void => { while (i < n && (s[i] === ' ' || s[i] === '\t')) i++; };
  while (i < n) {
    ws();
    if (i < n && s[i] === ',') { i++; continue; }
    if (i >= n) break;
    const start = i;
    while (i < n && s[i] !== '=' && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
    const name = s.slice(start, i).toLowerCase();
    if (!TCHAR.test(name)) return { error: 'MALFORMED', message: `bad auth-param name at offset ${start}` };
    ws();
    if (s[i] !== '=') return { error: 'MALFORMED', message: `auth-param '${name.slice(0, 20)}' has no '='` };
    i++;
    ws();
    let value = '';
    if (s[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = s[i]!;
        if (c === '\\') {
          if (i + 1 >= n) break;
          value += s[i + 1];
          i += 2;
          continue;
        }
        if (c === '"') { closed = true; i++; break; }
        value += c;
        i++;
        if (value.length > MAX_VALUE) return { error: 'MALFORMED', message: `auth-param '${name.slice(0, 20)}' is longer than ${MAX_VALUE}` };
      }
      if (!closed) return { error: 'MALFORMED', message: `unterminated quoted value of '${name.slice(0, 20)}'` };
    } else {
      const vs = i;
      while (i < n && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
      value = s.slice(vs, i);
      if (!TCHAR.test(value) && !/^[A-Za-z0-9+/=._~-]+$/.test(value)) return { error: 'MALFORMED', message: `bad token value of '${name.slice(0, 20)}'` };
    }
    if (value.length > MAX_VALUE) return { error: 'MALFORMED', message: `auth-param '${name.slice(0, 20)}' is longer than ${MAX_VALUE}` };
    if (out.has(name)) return { error: 'DUPLICATE_PARAM', message: `auth-param '${name.slice(0, 20)}' appears twice` };
    if (out.size >= MAX_PARAMS) return { error: 'MALFORMED', message: `more than ${MAX_PARAMS} auth-params` };
    out.set(name, value);
    ws();
    if (i < n && s[i] !== ',') return { error: 'MALFORMED', message: `expected ',' at offset ${i}` };
  }
  return out;
}

/** Parses an Authorization header value. Never throws. */
export function parseAuthorization(value: string): AuthParse {
  if (typeof value !== 'string' || value.length === 0) return fail('MALFORMED', 'empty Authorization header');
  if (value.length > MAX_AUTHORIZATION) return fail('TOO_LONG', `Authorization header longer than ${MAX_AUTHORIZATION} characters`);
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) return fail('MALFORMED', 'control character in Authorization header');
  const v = value.trim();
  const sp = v.search(/[ \t]/);
  const scheme = (sp < 0 ? v : v.slice(0, sp)).toLowerCase();
  const rest = sp < 0 ? '' : v.slice(sp + 1).trim();
  if (!TCHAR.test(scheme)) return fail('MALFORMED', 'Authorization scheme is not a token');
  if (scheme === 'basic') return parseBasic(rest);
  if (scheme !== 'digest') return { ok: true, value: { scheme: 'other', name: scheme.slice(0, 20) } };
  const p = parseAuthParams(rest);
  if (!(p instanceof Map)) return fail(p.error, p.message);
  for (const k of ['username', 'realm', 'nonce', 'uri', 'response']) {
    if (!p.has(k)) return fail('MISSING_PARAM', `Digest credentials without '${k}'`);
  }
  if (p.has('username*') || p.get('userhash') === 'true') return fail('UNSUPPORTED', 'userhash and username* are not offered');
  const alg = (p.get('algorithm') ?? 'MD5').toUpperCase();
  if (alg !== 'MD5' && alg !== 'SHA-256') return fail('UNSUPPORTED', `algorithm '${alg.slice(0, 20)}' is not offered (MD5, SHA-256)`);
  const qop = p.get('qop');
  if (qop === undefined) return fail('MISSING_PARAM', "Digest credentials without 'qop' (RFC 2069 digests are not accepted)");
  if (qop.toLowerCase() !== 'auth') return fail('UNSUPPORTED', `qop '${qop.slice(0, 20)}' is not offered (auth)`);
  const ncText = p.get('nc');
  const cnonce = p.get('cnonce');
  if (ncText === undefined || cnonce === undefined || cnonce === '') return fail('MISSING_PARAM', "qop=auth needs 'nc' and 'cnonce'");
  if (!/^[0-9a-fA-F]{8}$/.test(ncText)) return fail('MALFORMED', "'nc' is not 8 hex digits");
  const response = p.get('response')!;
  const want = alg === 'MD5' ? 32 : 64;
  if (response.length !== want || !/^[0-9a-fA-F]+$/.test(response)) return fail('MALFORMED', `'response' is not ${want} hex digits`);
  return {
    ok: true,
    value: {
      scheme: 'digest',
      credentials: {
        username: p.get('username')!, realm: p.get('realm')!, nonce: p.get('nonce')!, uri: p.get('uri')!,
        response: response.toLowerCase(), algorithm: alg, qop: 'auth', nc: parseInt(ncText, 16), cnonce,
        opaque: p.get('opaque'),
      },
    },
  };
}

function parseBasic(token68: string): AuthParse {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token68) || token68.length % 4 === 1) return fail('MALFORMED', 'Basic credentials are not base64');
  const text = Buffer.from(token68, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return fail('MALFORMED', "Basic credentials without ':'");
  const username = text.slice(0, colon);
  if (/[\x00-\x1f\x7f]/.test(text)) return fail('MALFORMED', 'control character in Basic credentials');
  return { ok: true, value: { scheme: 'basic', username, password: text.slice(colon + 1) } };
}

export function hash(alg: DigestAlgorithm, text: string): string {
  return createHash(alg === 'MD5' ? 'md5' : 'sha256').update(text, 'utf8').digest('hex');
}

/** HA1 = H(username:realm:password), what the store keeps instead of the password. */
export function ha1(alg: DigestAlgorithm, username: string, realm: string, password: string): string {
  return hash(alg, `${username}:${realm}:${password}`);
}

/** The expected response for qop=auth (RFC 7616 3.4.1): H(HA1:nonce:nc:cnonce:qop:H(method:uri)). */
export function digestResponse(alg: DigestAlgorithm, ha1Hex: string, method: string, c: Pick<DigestCredentials, 'nonce' | 'nc' | 'cnonce' | 'uri'>): string {
  const ha2 = hash(alg, `${method}:${c.uri}`);
  const nc = c.nc.toString(16).padStart(8, '0');
  return hash(alg, `${ha1Hex}:${c.nonce}:${nc}:${c.cnonce}:auth:${ha2}`);
}

/** Constant-time comparison of two hex strings of the same algorithm. */
export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'latin1');
  const y = Buffer.from(b.toLowerCase(), 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}

const quote = (s: string): string => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

export interface ChallengeInput {
  realm: string;
  nonce: string;
  opaque: string;
  algorithms: readonly DigestAlgorithm[];
  stale?: boolean;
  /** Offer Basic too (only over HTTPS). */
  basic?: boolean;
}

/** WWW-Authenticate values, one per algorithm (RFC 7616 3.7), then Basic when offered. */
export function buildChallenges(c: ChallengeInput): string[] {
  const out = c.algorithms.map((alg) =>
    `Digest realm=${quote(c.realm)}, qop="auth", algorithm=${alg}, nonce=${quote(c.nonce)}, opaque=${quote(c.opaque)}${c.stale ? ', stale=true' : ''}`);
  if (c.basic) out.push(`Basic realm=${quote(c.realm)}, charset="UTF-8"`);
  return out;
}

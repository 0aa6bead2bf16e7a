// The fetch gate: who may fetch which provisioning file over HTTP(S), and the record of every
// fetch. It sits between the HTTP server (transport) and the FileSource (what a file is):
//
//   1. a source over its failure limit gets 429 (one fail2ban line per window);
//   2. /t/<token>/<file>: the token names a device; the rest is fetched as that device;
//   3. otherwise, when auth applies to the path's tenant (http.auth.mode), the request must
//      carry Digest credentials of that tenant (or Basic, over HTTPS only), else 401 with a
//      challenge per algorithm; http.auth.publicFiles are let through unauthenticated;
//   4. pb-<type>-<id>.xml is a phonebook, served only to a reader it allows (404 otherwise);
//      anything else is asked of the FileSource;
//   5. a device file is refused (403) when the token's device or the MAC in the User-Agent is
//      another device; a file with secrets is never served unauthenticated while auth applies.
//
// Refusals are logged once each, failures in one stable line fail2ban can match:
//   "msg":"fetch failure ip=<ip> reason=<outcome>"
// Outcomes are listed in provisioning/fetch-log.ts.
import type { Logger } from '../../agent/log.ts';
import type { Db } from '../../agent/store/db.ts';
import type { FileRequest, FileResult, FileSource, NotServedReason, ServedFile, Transport } from '../../provisioning/file-source.ts';
import { FAILURE_OUTCOMES, type FetchEntry, type FetchLog, type FetchOutcome } from '../../provisioning/fetch-log.ts';
import { servePhonebook } from '../../provisioning/phonebook-source.ts';
import type { Reader } from '../../provisioning/phonebook-store.ts';
import { deviceByMac, tenantByUuid } from '../../provisioning/repo/devices.ts';
import type { DeviceRow } from '../../provisioning/types.ts';
import { DIGEST_ALGORITHMS, type DigestAlgorithm, type FetchAuthConfig } from './auth-config.ts';
import { buildChallenges, digestResponse, ha1, parseAuthorization, sameHex } from './auth-digest.ts';
import { NonceBook } from './auth-nonce.ts';
import { FailureLimiter } from './auth-rate.ts';
import { credentialFor, deviceByToken, firstCredential } from './auth-store.ts';
import { macFromUserAgent } from './auth-ua.ts';
import { ConfigError } from '../../agent/errors.ts';
import { randomBytes } from 'node:crypto';

export interface GuardRequest {
  method: string;
  /** The raw request-target: a Digest `uri` must be exactly this. */
  target: string;
  /** The decoded path after the provisioning prefix (net/http/request-path.ts). */
  path: string;
  transport: 'http' | 'https';
  ip: string;
  port: number;
  userAgent?: string;
  authorization?: string;
}

export type GuardResult =
  | { kind: 'file'; result: FileResult }
  | { kind: 'refuse'; status: 401 | 403 | 404 | 429; headers: Record<string, string | string[]> };

export interface FetchGuardStatus {
  mode: string;
  fetches: Record<FetchOutcome, number>;
  blockedSources: Array<{ ip: string; failures: number; retryAfterMs: number }>;
  trackedNonces: number;
}

export interface FetchGuard {
  fetch(req: GuardRequest): Promise<GuardResult>;
  /** The FileSource TFTP gets: no credentials exist there, so files with secrets are refused while auth applies. */
  tftpSource(): FileSource;
  status(): FetchGuardStatus;
}

export interface FetchGuardOptions {
  db: Db;
  config: FetchAuthConfig;
  multiTenant: boolean;
  source: FileSource;
  log: Logger;
  fetchLog: FetchLog;
  now?: () => number;
  nonceKey?: Buffer;
}

interface Identity {
  via: 'credentials' | 'token' | 'none';
  user?: string;
  device?: DeviceRow;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The fetch-log outcome of a file the FileSource did not serve. */
const notServedOutcome = (reason: NotServedReason): FetchOutcome =>
  reason === 'unknown-mac' || reason === 'disabled-device' ? reason : 'not-found';

/** The path as logs show it: a token (t/<token>/...) is cut to its first 4 characters. */
export function shownPath(path: string): string {
  const m = /^t\/([^/]+)\/(.+)$/.exec(path);
  return m ? `t/${m[1]!.slice(0, 4)}…/${m[2]}` : path;
}

/** `*` within a segment, `**` across segments; everything else literal, compared ignoring case. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') { re += '.*'; i++; } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

export function createFetchGuard(o: FetchGuardOptions): FetchGuard {
  const { db, config, multiTenant, source, fetchLog } = o;
  const log = o.log.child({ mod: 'fetch' });
  const now = o.now ?? Date.now;
  const algorithms = config.algorithms.map((a) => a.toUpperCase());
  for (const a of algorithms) {
    if (!(DIGEST_ALGORITHMS as readonly string[]).includes(a)) throw new ConfigError('http.auth.algorithms', `'${a}' is not one of ${DIGEST_ALGORITHMS.join(', ')}`);
  }
  if (algorithms.length === 0) throw new ConfigError('http.auth.algorithms', 'must offer at least one of MD5, SHA-256');
  const offered = algorithms as DigestAlgorithm[];
  const publicFiles = config.publicFiles.map(globToRegExp);
  const nonces = new NonceBook({ ttlMs: config.nonceTtlMs, ...(o.nonceKey ? { key: o.nonceKey } : {}) });
  const limiter = new FailureLimiter({ limit: config.failLimit, windowMs: config.failWindowMs });
  const opaque = randomBytes(12).toString('base64url');

  /**
   * Does auth apply to this tenant now? undefined when not; else how to get the realm of its
   * challenge. Asked per request (credentials can change at any time), and the tenant's first
   * credential is read at most once: 'auto' reads it to decide and keeps its realm, 'required'
   * reads it only when a challenge needs the realm.
   */
  const authFor = (tenant: string | null): { realm: () => string } | undefined => {
    if (config.mode === 'required') return { realm: () => firstCredential(db, tenant)?.realm ?? config.realm };
    if (config.mode !== 'auto') return undefined;
    const first = firstCredential(db, tenant);
    return first ? { realm: () => first.realm } : undefined;
  };
  /** Nonces are bound to tenant and realm: one tenant's nonce is worthless for another. */
  const nonceScope = (tenant: string | null, realm: string): string => `${tenant ?? ''}|${realm}`;

  /** The path's tenant: null on a single-tenant node; undefined when the first segment names no tenant. */
  const tenantOf = (segments: readonly string[]): string | null | undefined => {
    if (!multiTenant) return null;
    const first = segments[0] ?? '';
    if (!UUID.test(first)) return undefined;
    return tenantByUuid(db, first.toLowerCase()) ? first.toLowerCase() : undefined;
  };

  const record = (req: { ip: string; transport: Transport; path: string; userAgent?: string | undefined }, status: number, outcome: FetchOutcome,
    extra: { mac?: string | undefined; tenant?: string | null | undefined; user?: string | undefined; detail?: string | undefined } = {}): void => {
    const e: FetchEntry = {
      at: new Date(now()).toISOString(), ip: req.ip, transport: req.transport, path: req.path.slice(0, 300), status, outcome,
      ...(req.userAgent ? { userAgent: req.userAgent.slice(0, 200) } : {}),
      ...(extra.mac ? { mac: extra.mac } : {}), ...(extra.tenant ? { tenant: extra.tenant } : {}),
      ...(extra.user ? { user: extra.user.slice(0, 64) } : {}), ...(extra.detail ? { detail: extra.detail.slice(0, 300) } : {}),
    };
    fetchLog.record(e);
    if (FAILURE_OUTCOMES.has(outcome)) {
      const n = limiter.fail(req.ip, now());
      // The stable fail2ban line: only the IP and the outcome are in the message; the rest are fields.
      log.warn({ ip: req.ip, outcome, status, path: e.path, user: e.user, mac: e.mac, tenant: e.tenant, userAgent: e.userAgent, detail: e.detail, failures: n },
        `fetch failure ip=${req.ip} reason=${outcome}`);
    } else if (outcome !== 'served') {
      log.info({ ip: req.ip, outcome, status, path: e.path, user: e.user, mac: e.mac, userAgent: e.userAgent, detail: e.detail }, `fetch refused: ${outcome}`);
    }
  };

  const challenge = (req: GuardRequest, tenant: string | null, realm: string, stale: boolean): GuardResult => {
    const nonce = nonces.issue(nonceScope(tenant, realm), now());
    return {
      kind: 'refuse', status: 401,
      headers: { 'WWW-Authenticate': buildChallenges({ realm, nonce, opaque, algorithms: offered, stale, basic: req.transport === 'https' }) },
    };
  };

  type Verdict = { ok: true; user: string } | { ok: false; outcome: FetchOutcome; detail: string; user?: string };

  /** Checks the Authorization header against the tenant's credentials. */
  const verify = (req: GuardRequest, tenant: string | null): Verdict => {
    const parsed = parseAuthorization(req.authorization ?? '');
    if (!parsed.ok) return { ok: false, outcome: 'bad-credentials', detail: `unreadable Authorization header: ${parsed.message}` };
    const a = parsed.value;
    if (a.scheme === 'other') return { ok: false, outcome: 'challenged', detail: `scheme '${a.name}' is not offered` };
    if (a.scheme === 'basic') {
      if (req.transport !== 'https') return { ok: false, outcome: 'basic-refused', detail: 'Basic credentials over plain HTTP are ignored (Digest, or Basic over HTTPS)', user: a.username };
      const row = credentialFor(db, tenant, a.username);
      if (!row || !sameHex(ha1('MD5', a.username, row.realm, a.password), row.ha1_md5)) {
        return { ok: false, outcome: 'bad-credentials', detail: row ? 'wrong password (Basic)' : 'unknown user (Basic)', user: a.username };
      }
      return { ok: true, user: a.username };
    }
    const c = a.credentials;
    const row = credentialFor(db, tenant, c.username);
    if (!row) return { ok: false, outcome: 'bad-credentials', detail: 'unknown user (Digest)', user: c.username };
    if (c.realm !== row.realm) return { ok: false, outcome: 'bad-credentials', detail: `realm '${c.realm.slice(0, 40)}' is not '${row.realm}'`, user: c.username };
    if (!offered.includes(c.algorithm)) return { ok: false, outcome: 'bad-credentials', detail: `algorithm ${c.algorithm} is not offered`, user: c.username };
    if (c.uri !== req.target) return { ok: false, outcome: 'bad-credentials', detail: 'Digest uri is not the request target (replayed for another file?)', user: c.username };
    const expected = digestResponse(c.algorithm, c.algorithm === 'MD5' ? row.ha1_md5 : row.ha1_sha256, req.method, c);
    if (!sameHex(expected, c.response)) return { ok: false, outcome: 'bad-credentials', detail: `wrong password (Digest ${c.algorithm})`, user: c.username };
    // The password is right; now the nonce: ours and fresh, and this count not used before.
    const scope = nonceScope(tenant, row.realm);
    const v = nonces.verify(c.nonce, scope, now());
    if (v !== 'ok') return { ok: false, outcome: 'stale-nonce', detail: v === 'stale' ? 'nonce expired' : 'nonce not issued by this process (restart?)', user: c.username };
    const use = nonces.use(c.nonce, c.nc, now());
    if (use === 'replay') return { ok: false, outcome: 'bad-credentials', detail: `nonce count ${c.nc} used twice (replay)`, user: c.username };
    if (use !== 'ok') return { ok: false, outcome: 'stale-nonce', detail: 'nonce used too often', user: c.username };
    return { ok: true, user: c.username };
  };

  const fetch = async (req: GuardRequest): Promise<GuardResult> => {
    const t = now();
    const base = { ip: req.ip, transport: req.transport as Transport, path: req.path, userAgent: req.userAgent };
    const blocked = limiter.blocked(req.ip, t);
    if (blocked.blocked) {
      fetchLog.record({ at: new Date(t).toISOString(), ip: req.ip, transport: req.transport, path: req.path.slice(0, 300), status: 429, outcome: 'rate-limited' });
      if (blocked.first) log.warn({ ip: req.ip, outcome: 'rate-limited', retryAfterMs: blocked.retryAfterMs }, `fetch failure ip=${req.ip} reason=rate-limited`);
      return { kind: 'refuse', status: 429, headers: { 'Retry-After': String(Math.max(1, Math.ceil(blocked.retryAfterMs / 1000))) } };
    }

    let segments = req.path.split('/');
    let identity: Identity = { via: 'none' };
    let tenant: string | null | undefined;

    if (segments[0] === 't' && segments.length >= 3) {
      const device = deviceByToken(db, segments[1]!);
      const shown = shownPath(req.path);
      const tokenBase = { ...base, path: shown };
      if (!device) {
        record(tokenBase, 404, 'bad-token', { detail: 'no device holds this token' });
        return { kind: 'refuse', status: 404, headers: {} };
      }
      if (!device.enabled) {
        record(tokenBase, 404, 'disabled-device', { mac: device.mac, user: 'token', detail: `device ${device.mac} is disabled` });
        return { kind: 'refuse', status: 404, headers: {} };
      }
      segments = segments.slice(2);
      if (multiTenant && device.tenant_uuid) {
        if (UUID.test(segments[0] ?? '') && segments[0]!.toLowerCase() !== device.tenant_uuid) {
          record(tokenBase, 403, 'token-mismatch', { mac: device.mac, user: 'token', detail: `token of device ${device.mac} (tenant ${device.tenant_uuid}) used for tenant ${segments[0]}` });
          return { kind: 'refuse', status: 403, headers: {} };
        }
        if (segments[0]?.toLowerCase() !== device.tenant_uuid) segments = [device.tenant_uuid, ...segments];
      }
      tenant = device.tenant_uuid;
      identity = { via: 'token', user: 'token', device };
      base.path = shown;
    } else {
      tenant = tenantOf(segments);
      const auth = tenant === undefined ? undefined : authFor(tenant);
      if (tenant !== undefined && auth) {
        const rest = multiTenant ? segments.slice(1).join('/') : segments.join('/');
        if (req.authorization !== undefined) {
          const v = verify(req, tenant);
          if (v.ok) identity = { via: 'credentials', user: v.user };
          else {
            record(base, 401, v.outcome, { tenant, user: v.user, detail: v.detail });
            return challenge(req, tenant, auth.realm(), v.outcome === 'stale-nonce');
          }
        } else if (!publicFiles.some((re) => re.test(rest))) {
          record(base, 401, 'challenged', { tenant });
          return challenge(req, tenant, auth.realm(), false);
        }
      }
    }

    const uaMac = macFromUserAgent(req.userAgent);
    const rest = multiTenant ? segments.slice(1) : segments;
    const path = segments.join('/');

    // Phonebooks: the reader is the token's device, or the device the User-Agent names (trusted
    // as far as the request is: within the authenticated tenant, or on an open tenant).
    if (rest.length === 1 && tenant !== undefined) {
      let reader: Reader | undefined;
      if (identity.device) reader = { tenant: identity.device.tenant_uuid, device: identity.device };
      else {
        const d = uaMac ? deviceByMac(db, uaMac) : undefined;
        if (d && d.tenant_uuid === tenant) reader = { tenant, device: d };
        else if (identity.via === 'credentials') reader = { tenant };
      }
      const pb = servePhonebook(db, rest[0]!, tenant, reader);
      if (pb.kind === 'refused') {
        record(base, 404, pb.outcome, { tenant, user: identity.user, mac: reader?.device?.mac, detail: pb.detail });
        return { kind: 'refuse', status: 404, headers: {} };
      }
      if (pb.kind === 'file') {
        record(base, 200, 'served', { tenant, user: identity.user, mac: reader?.device?.mac });
        return { kind: 'file', result: pb.file };
      }
    }

    const result = await source.get({ path, transport: req.transport, client: { ip: req.ip, port: req.port, ...(req.userAgent ? { userAgent: req.userAgent } : {}) } });
    if (!result.ok) {
      record(base, 404, notServedOutcome(result.reason), { tenant, user: identity.user, mac: identity.device?.mac, detail: result.detail });
      return { kind: 'file', result };
    }
    const fileMac = result.origin.kind === 'device' ? result.origin.mac : undefined;
    if (fileMac && identity.device && identity.device.mac !== fileMac) {
      record(base, 403, 'token-mismatch', { tenant, user: identity.user, mac: fileMac, detail: `token of device ${identity.device.mac} used for the file of ${fileMac}` });
      return { kind: 'refuse', status: 403, headers: {} };
    }
    if (fileMac && uaMac && uaMac !== fileMac) {
      record(base, 403, 'ua-mismatch', { tenant, user: identity.user, mac: fileMac, detail: `User-Agent names ${uaMac}, the file is for ${fileMac}` });
      return { kind: 'refuse', status: 403, headers: {} };
    }
    const secretAuth = result.sensitive && identity.via === 'none' && tenant !== undefined ? authFor(tenant) : undefined;
    if (tenant !== undefined && secretAuth) {
      record(base, 401, 'secret-refused', { tenant, mac: fileMac, detail: 'the file carries secrets; a public path does not serve it' });
      return challenge(req, tenant, secretAuth.realm(), false);
    }
    record(base, 200, 'served', { tenant, user: identity.user, mac: fileMac ?? identity.device?.mac });
    return { kind: 'file', result: result as ServedFile };
  };

  const tftpSource = (): FileSource => ({
    async get(req: FileRequest): Promise<FileResult> {
      const base = { ip: req.client.ip, transport: req.transport, path: req.path };
      const tenant = tenantOf(req.path.split('/'));
      const result = await source.get(req);
      if (!result.ok) {
        record(base, 404, notServedOutcome(result.reason), { tenant, detail: result.detail });
        return result;
      }
      const mac = result.origin.kind === 'device' ? result.origin.mac : undefined;
      if (result.sensitive && (tenant === undefined || authFor(tenant) !== undefined)) {
        const detail = 'the file carries secrets and TFTP cannot authenticate; fetch it over HTTP(S) with credentials or a token';
        record(base, 404, 'secret-refused', { tenant, mac, detail });
        return { ok: false, reason: 'auth-required', detail };
      }
      record(base, 200, 'served', { tenant, mac });
      return result;
    },
  });

  return {
    fetch,
    tftpSource,
    status: () => ({ mode: config.mode, fetches: fetchLog.counts(), blockedSources: limiter.blockedSources(now()), trackedNonces: nonces.tracked }),
  };
}

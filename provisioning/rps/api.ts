// Falconieri's REST call on this node: PUT /providers/{provider}/{mac}[?crc=XXXX] with
// {"url": "..."} registers the MAC with that vendor using the redirection server configured for
// it (pbxctl rps server add), and answers exactly as Falconieri does: 200 with an empty body
// (YMCS: {"device_pin": "123456" | null}), or {"error": code, "message"?: text} with 400/404/500.
// GET /health/check answers {"status":"ok"}. Every request needs `Authorization: Bearer
// <token>` (Falconieri itself has none; this node never answers unauthenticated).
//
// Differences from Falconieri, on purpose: MACs are accepted in any of our spellings (Falconieri's
// regex takes only AA-BB-CC-DD-EE-FF uppercase); when several enabled servers serve one provider,
// `?server=NAME` picks one (else 400 ambiguous_provider); grape and sraps are not offered
// (404 provider_not_supported, as Falconieri answers for a disabled provider).
import { createHash, timingSafeEqual } from 'node:crypto';
import { withAudit } from '../../agent/audit.ts';
import type { Logger } from '../../agent/log.ts';
import type { Db } from '../../agent/store/db.ts';
import type { ClientFactory } from './client-pool.ts';
import { asRpsError, RpsError } from './errors.ts';
import { isProviderId, PROVIDERS } from './providers.ts';
import { enabledServersOf } from './repo.ts';
import { checkCrc, checkMac, checkRedirectUrl } from './validate.ts';

export interface ApiRequest { method: string; url: string; authorization: string | undefined; body: string; remote: string }
export interface ApiResponse { status: number; headers: Record<string, string>; body: string }

export interface ApiDeps {
  db: Db;
  token: string;
  clients: ClientFactory;
  log: Logger;
  now?: () => Date;
  /** Registrations in flight through the API at once (more get 429). */
  maxInFlight?: number;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse =>
  ({ status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) });

const errorReply = (e: RpsError): ApiResponse => json(e.status, e.message ? { error: e.code, message: e.message } : { error: e.code });

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer ([\x21-\x7e]+)$/.exec(header ?? '');
  if (!m) return false;
  // Compare digests so the comparison takes the same time whatever the length.
  const a = createHash('sha256').update(m[1]!).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

export function createApiHandler(deps: ApiDeps): (req: ApiRequest) => Promise<ApiResponse> {
  const max = deps.maxInFlight ?? 8;
  let inFlight = 0;
  const now = deps.now ?? (() => new Date());

  return async (req) => {
    let u: URL;
    try { u = new URL(req.url, 'http://api.invalid'); } catch { return json(400, { error: 'bad_request' }); }
    if (!tokenMatches(req.authorization, deps.token)) {
      deps.log.warn({ remote: req.remote, path: u.pathname.slice(0, 100) }, 'rps api: request without a valid bearer token refused');
      return json(401, { error: 'unauthorized', message: 'send Authorization: Bearer <token> (the token is in rps.api.tokenFile)' }, { 'www-authenticate': 'Bearer realm="pbx-agent rps"' });
    }
    if (u.pathname === '/health/check') {
      return req.method === 'GET' || req.method === 'HEAD' ? json(200, { status: 'ok' }) : json(405, { error: 'method_not_allowed' }, { allow: 'GET' });
    }
    const m = /^\/providers\/([^/]*)\/([^/]*)$/.exec(u.pathname);
    if (!m) return json(404, { error: 'not_found', message: 'use PUT /providers/{provider}/{mac}' });
    if (req.method !== 'PUT') return json(405, { error: 'method_not_allowed' }, { allow: 'PUT' });

    let provider: string;
    let macText: string;
    try {
      provider = decodeURIComponent(m[1]!);
      macText = decodeURIComponent(m[2]!);
    } catch {
      return errorReply(new RpsError('malformed_mac_address', 'bad percent-encoding in the path'));
    }
    if (!isProviderId(provider)) return errorReply(new RpsError('provider_not_supported', `provider '${provider.slice(0, 40)}' is not supported here (snom, gigaset, fanvil, yealink, ymcs)`));
    const servers = enabledServersOf(deps.db, provider);
    const wanted = u.searchParams.get('server');
    const candidates = wanted ? servers.filter((s) => s.name.toLowerCase() === wanted.toLowerCase()) : servers;
    if (candidates.length === 0) {
      return errorReply(new RpsError('provider_not_supported', wanted ? `no enabled ${provider} server named '${wanted.slice(0, 64)}'` : `no enabled ${provider} redirection server is configured (pbxctl rps server add)`));
    }
    if (candidates.length > 1) {
      return json(400, { error: 'ambiguous_provider', message: `several enabled ${provider} servers (${candidates.map((s) => s.name).join(', ')}); add ?server=NAME` });
    }
    const server = candidates[0]!;

    let mac: string;
    let url: string;
    let crc: string | undefined;
    try {
      mac = checkMac(macText);
      let body: unknown;
      try { body = JSON.parse(req.body); } catch { throw new RpsError('missing_url', 'the body must be JSON: {"url": "..."}'); }
      const raw = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { url?: unknown }).url : undefined;
      if (typeof raw !== 'string') throw new RpsError('missing_url', 'the body must be JSON with a "url" string');
      url = checkRedirectUrl(raw);
      if (PROVIDERS[provider].needsCrc) crc = checkCrc(u.searchParams.get('crc') ?? undefined);
    } catch (e) {
      return errorReply(asRpsError(e));
    }

    if (inFlight >= max) return json(429, { error: 'too_many_requests', message: `${max} registrations are already in flight; retry shortly` }, { 'retry-after': '1' });
    inFlight++;
    try {
      const r = await deps.clients(server).register({ mac, url, ...(crc ? { crc } : {}) });
      withAudit(deps.db, { user: 'api', source: `api ${req.remote}` }, (audit) => {
        audit({ action: 'rps-register', objectType: 'rps', objectId: mac, description: `MAC ${mac} registered with redirection server ${server.name} (${provider}) through PUT /providers/${provider}/{mac}` });
      }, now);
      deps.log.info({ mac, server: server.name, provider, remote: req.remote }, 'rps api: MAC registered');
      return provider === 'ymcs' ? json(200, { device_pin: r.pin ?? null }) : { status: 200, headers: {}, body: '' };
    } catch (e) {
      const r = asRpsError(e);
      deps.log.warn({ mac, server: server.name, provider, code: r.code, detail: r.message, remote: req.remote }, 'rps api: registration failed');
      return errorReply(r);
    } finally {
      inFlight--;
    }
  };
}

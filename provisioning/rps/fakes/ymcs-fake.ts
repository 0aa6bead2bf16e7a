// Fake of Yealink's YMCS RPS API as Falconieri's libs/ymcs client uses it: OAuth2 client
// credentials at /v2/token (Basic client id:secret), Bearer tokens on the /v2/rps/* calls,
// `timestamp` and `nonce` headers required, JSON bodies, YMCS error bodies
// {code, error, requestId, message, details}. Scripted: tokens expire (900401), the account
// lacks addDevicesByMac (403), a MAC managed by another organisation, 5xx (base.ts).
// Test-only code.
import { basicCredentials, startFake, type FakeBase, type Reply } from './base.ts';

export interface YmcsFake extends FakeBase {
  /** mac -> {owner org, url, pin} */
  readonly devices: Map<string, { org: string; url: string; pin: string }>;
  readonly tokensIssued: number;
  /** Every issued token stops working (as after expiry). */
  expireTokens(): void;
  /** The account may not use addDevicesByMac (regular accounts get 403). */
  forbidAddByMac(on: boolean): void;
  ownedByOther(mac: string): void;
}

export interface YmcsFakeOptions { clients: Record<string, string>; expiresIn?: number; org?: string }

const json = (status: number, body: unknown): Reply => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
const apiError = (status: number, code: string, message: string): Reply =>
  json(status, { code, error: status === 401 ? 'invalid_token' : '', requestId: `req-${code}`, message, details: [] });

export async function startYmcsFake(opts: YmcsFakeOptions): Promise<YmcsFake> {
  const devices: YmcsFake['devices'] = new Map();
  const tokens = new Set<string>();
  let issued = 0;
  let forbid = false;
  const org = opts.org ?? 'our-org';

  const base = await startFake('/v2/', (req) => {
    if (req.method !== 'POST') return apiError(405, '900400', 'POST only');
    if (!/^\d{13}$/.test(req.headers.timestamp ?? '') || !/^[0-9a-f]{32}$/.test(req.headers.nonce ?? '')) {
      return apiError(400, '900400', 'Request parameters are incorrect or missing: timestamp, nonce');
    }
    let body: unknown;
    try { body = JSON.parse(req.body); } catch { return apiError(400, '900400', 'body is not JSON'); }
    if (req.path === '/v2/token') {
      const c = basicCredentials(req.headers.authorization);
      if (!c || opts.clients[c.user] !== c.password) return json(401, { code: '900401', error: 'invalid_client', requestId: 'req-token', message: 'Bad client credentials', details: [] });
      if ((body as { grant_type?: unknown }).grant_type !== 'client_credentials') return apiError(400, '70011', 'Invalid grant_type');
      const token = `tok-${++issued}-${Math.random().toString(36).slice(2)}`;
      tokens.add(token);
      return json(200, { access_token: token, token_type: 'bearer', expires_in: opts.expiresIn ?? 7200 });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer)) return apiError(401, '900401', 'Not logged in or session expired');
    switch (req.path) {
      case '/v2/rps/delDevices': {
        const b = body as { deviceIdType?: unknown; deviceIds?: unknown };
        if (b.deviceIdType !== 'mac' || !Array.isArray(b.deviceIds)) return apiError(400, '800007', 'Invalid parameters');
        let ok = 0;
        const errors: { field: string; msg: string }[] = [];
        for (const mac of b.deviceIds as string[]) {
          const d = devices.get(mac);
          if (d && d.org === org) { devices.delete(mac); ok++; } else errors.push({ field: mac, msg: 'Resource not found' });
        }
        return json(200, { total: b.deviceIds.length, successCount: ok, failureCount: errors.length, errors });
      }
      case '/v2/rps/addDevicesByMac': {
        if (forbid) return apiError(403, '900403', 'Request forbidden');
        if (!Array.isArray(body)) return apiError(400, '800007', 'Invalid parameters');
        if (body.length > 100) return apiError(400, '800006', 'Batch size exceeds limit');
        let ok = 0;
        const errors: { mac: string; sn: string; errorInfo: string }[] = [];
        for (const item of body as { mac?: unknown; uniqueServerUrl?: unknown }[]) {
          const mac = typeof item.mac === 'string' ? item.mac : '';
          const cur = devices.get(mac);
          if (!/^[0-9a-f]{12}$/.test(mac)) errors.push({ mac, sn: '', errorInfo: 'Invalid MAC' });
          else if (cur && cur.org !== org) errors.push({ mac, sn: '', errorInfo: 'Device already managed by another organization' });
          else if (cur) errors.push({ mac, sn: '', errorInfo: 'Resource already exists' });
          else {
            devices.set(mac, { org, url: String(item.uniqueServerUrl ?? ''), pin: String(100000 + devices.size * 7919 % 900000) });
            ok++;
          }
        }
        return json(200, { total: body.length, successCount: ok, failureCount: errors.length, errors });
      }
      case '/v2/rps/listDevicePins': {
        const macs = (body as { macs?: unknown }).macs;
        if (!Array.isArray(macs)) return apiError(400, '800007', 'Invalid parameters');
        return json(200, (macs as string[]).filter((m) => devices.get(m)?.org === org).map((m) => ({ mac: m, pin: devices.get(m)!.pin })));
      }
      default: return apiError(404, '900404', 'Resource not found');
    }
  });

  const fake = Object.assign(base, {
    devices,
    tokensIssued: 0,
    expireTokens() { tokens.clear(); },
    forbidAddByMac(on: boolean) { forbid = on; },
    ownedByOther(mac: string) { devices.set(mac, { org: 'other-org', url: 'https://other.example/', pin: '000000' }); },
  });
  // Object.assign would copy a getter's value once; define it live.
  Object.defineProperty(fake, 'tokensIssued', { get: () => issued });
  return fake;
}

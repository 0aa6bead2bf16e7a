// Yealink Management Cloud Service (YMCS) RPS, REST + OAuth2 client credentials
// (Falconieri libs/ymcs). Base https://eu-api.ymcs.yealink.com (or us-api). MACs are 12
// lowercase hex digits. Every request carries `timestamp` (ms) and `nonce` (32 hex) headers.
//   POST /v2/token                Authorization: Basic b64(clientId:secret), {"grant_type":"client_credentials"}
//                                 -> {access_token, token_type, expires_in}; cached until expires_in - 60 s
//   POST /v2/rps/delDevices       Bearer; {"deviceIdType":"mac","deviceIds":[mac]}   (errors ignored: may not exist)
//   POST /v2/rps/addDevicesByMac  Bearer; [{"mac":mac,"uniqueServerUrl":url}]
//                                 -> {total, successCount, failureCount, errors:[{mac, sn, errorInfo}]}
//   POST /v2/rps/listDevicePins   Bearer; {"macs":[mac]} -> [{mac, pin}]
// Errors: {code, error, requestId, message, details[]}; 900401 / HTTP 401 means the token is no
// longer valid: it is dropped and the call made once more with a fresh one.
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { httpStatusError, mapProviderMessage, RpsError } from '../errors.ts';
import { parseJson, readAddResult, readApiError, readPin, readToken } from './ymcs-replies.ts';
import { basicAuth, send, where } from '../http.ts';
import type { ClientOptions, RpsClient } from './types.ts';

interface Token { value: string; expiresAt: number }

const JSON_HEADERS = { 'content-type': 'application/json', 'accept': 'application/json' };

export function createYmcsClient(o: ClientOptions): RpsClient {
  const base = o.baseUrl.replace(/\/+$/, '');
  const now = o.now ?? Date.now;
  const rnd = o.randomBytes ?? nodeRandomBytes;
  let token: Token | undefined;
  let pending: Promise<Token> | undefined;

  const stamp = (): Record<string, string> => ({ timestamp: String(now()), nonce: rnd(16).toString('hex') });

  const fetchToken = async (signal?: AbortSignal): Promise<Token> => {
    const url = `${base}/v2/token`;
    const reply = await send({
      method: 'POST', url, timeoutMs: o.timeoutMs, signal,
      headers: { ...JSON_HEADERS, ...stamp(), 'authorization': basicAuth(o.username, o.password) },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    if (reply.status !== 200) {
      const d = readApiError(reply.body);
      throw httpStatusError(reply.status, `YMCS token at ${where(url)}`, [d.code, d.message].filter(Boolean).join(' '));
    }
    const t = readToken(parseJson(reply.body, 'YMCS token'));
    return { value: t.token, expiresAt: now() + Math.max(0, t.ttlSeconds - 60) * 1000 };
  };

  const getToken = async (signal?: AbortSignal): Promise<string> => {
    if (token && now() < token.expiresAt) return token.value;
    // One token request at a time, shared by concurrent registrations.
    pending ??= fetchToken(signal).finally(() => { pending = undefined; });
    token = await pending;
    return token.value;
  };

  const api = async (path: string, body: unknown, signal?: AbortSignal, retried = false): Promise<unknown> => {
    const bearer = await getToken(signal);
    const url = `${base}${path}`;
    const reply = await send({
      method: 'POST', url, timeoutMs: o.timeoutMs, signal,
      headers: { ...JSON_HEADERS, ...stamp(), 'authorization': `Bearer ${bearer}` },
      body: JSON.stringify(body),
    });
    if (reply.status === 200) return reply.body.length ? parseJson(reply.body, `YMCS ${path}`) : null;
    const d = readApiError(reply.body);
    if ((reply.status === 401 || d.code === '900401' || d.code === '900440') && !retried) {
      token = undefined;
      return api(path, body, signal, true);
    }
    if (d.code === '800004' || d.code === '800001') throw mapProviderMessage(`${d.code} ${d.message}`);
    throw httpStatusError(reply.status, `YMCS ${path} at ${where(url)}`, [d.code, d.message].filter(Boolean).join(' '));
  };

  const pinOf = async (mac: string, signal?: AbortSignal): Promise<string | null> =>
    readPin(await api('/v2/rps/listDevicePins', { macs: [mac] }, signal), mac);

  return {
    provider: 'ymcs',
    async register(d, signal) {
      const mac = d.mac.toLowerCase();
      // Delete first (Falconieri does too): addDevicesByMac refuses a MAC that already exists.
      try {
        await api('/v2/rps/delDevices', { deviceIdType: 'mac', deviceIds: [mac] }, signal);
      } catch (e) {
        if (e instanceof RpsError && e.code === 'connection_to_remote_provider_failed') throw e;
      }
      readAddResult(await api('/v2/rps/addDevicesByMac', [{ mac, uniqueServerUrl: d.url }], signal));
      // The PIN is a convenience for the admin: a failed lookup does not undo the registration.
      let pin: string | null = null;
      try { pin = await pinOf(mac, signal); } catch { pin = null; }
      return { pin };
    },
    async deregister(d, signal) {
      await api('/v2/rps/delDevices', { deviceIdType: 'mac', deviceIds: [d.mac.toLowerCase()] }, signal);
    },
  };
}

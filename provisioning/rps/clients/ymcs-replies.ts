// Readers of YMCS JSON answers: untrusted input in, typed values or an RpsError out, never any
// other exception (fuzzed by test/fuzz/targets/rps-ymcs.ts). Kept apart from the HTTP calls so
// they are pure.
import { mapProviderMessage, RpsError } from '../errors.ts';

export function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new RpsError('unknown_response_from_provider', `${what}: the answer is not JSON`, { retryable: true });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** {code, error, requestId, message, details} -> code and a short message ('' when absent). */
export function readApiError(body: Buffer): { code: string; message: string } {
  let j: unknown;
  try { j = JSON.parse(body.toString('utf8')); } catch { return { code: '', message: '' }; }
  if (!isObject(j)) return { code: '', message: '' };
  const code = typeof j.code === 'string' || (typeof j.code === 'number' && Number.isFinite(j.code)) ? String(j.code).slice(0, 20) : '';
  const message = [j.message, j.error].find((x): x is string => typeof x === 'string' && x !== '') ?? '';
  return { code, message: message.slice(0, 200) };
}

/** {access_token, expires_in} -> the token and its lifetime in seconds (default 3600). */
export function readToken(j: unknown): { token: string; ttlSeconds: number } {
  if (!isObject(j) || typeof j.access_token !== 'string' || j.access_token === '' || j.access_token.length > 4096 || /[\s\x00-\x1f]/.test(j.access_token)) {
    throw new RpsError('unknown_response_from_provider', 'YMCS token: no usable access_token in the answer', { retryable: true });
  }
  const e = j.expires_in;
  const ttl = typeof e === 'number' && Number.isFinite(e) && e > 0 ? Math.min(e, 86_400 * 365) : 3600;
  return { token: j.access_token, ttlSeconds: ttl };
}

/** addDevicesByMac's {total, successCount, failureCount, errors[]}: success, or the mapped error. */
export function readAddResult(j: unknown): void {
  if (!isObject(j)) throw new RpsError('unknown_response_from_provider', 'YMCS addDevicesByMac: the answer is not an object', { retryable: true });
  const errors = Array.isArray(j.errors) ? j.errors : [];
  if (typeof j.failureCount === 'number' && j.failureCount > 0 && errors.length > 0) {
    const first = errors[0];
    const info = isObject(first) ? first.errorInfo : undefined;
    throw mapProviderMessage(typeof info === 'string' ? info : typeof info === 'number' ? String(info) : '');
  }
  if (!(typeof j.successCount === 'number' && j.successCount > 0)) {
    throw new RpsError('provider_remote_call_failed', 'YMCS addDevicesByMac: no device added and no error given');
  }
}

/** listDevicePins' [{mac, pin}] -> the PIN of `mac` (12 lowercase hex), or null. */
export function readPin(j: unknown, mac: string): string | null {
  if (!Array.isArray(j)) throw new RpsError('unknown_response_from_provider', 'YMCS listDevicePins: expected an array', { retryable: true });
  for (const x of j) {
    if (!isObject(x) || typeof x.mac !== 'string') continue;
    if (x.mac.replace(/[:-]/g, '').toLowerCase() !== mac) continue;
    return typeof x.pin === 'string' && x.pin !== '' && x.pin.length <= 64 ? x.pin : typeof x.pin === 'number' && Number.isFinite(x.pin) ? String(x.pin) : null;
  }
  return null;
}

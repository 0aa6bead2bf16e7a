// One XML-RPC call over HTTP as the vendors expect it: POST, Content-Type text/xml, HTTP Basic
// auth, the compact methodCall body. The answer must be HTTP 200 with a methodResponse; what
// the vendors put in it is read by the caller (most answer [boolean success, string message]).
import { httpStatusError, mapProviderMessage, RpsError } from '../errors.ts';
import { basicAuth, send, where } from '../http.ts';
import { decodeResponseText, encodeCallText, XmlRpcDateTime, type XmlRpcValue } from '../xmlrpc.ts';
import type { CheckResult, ClientOptions } from './types.ts';

export interface XmlRpcTarget { url: string; username: string; password: string; timeoutMs: number }

/** The endpoint and account of a client's options (Fanvil sends a derived password). */
export function xmlRpcTarget(o: ClientOptions, password = o.password): XmlRpcTarget {
  return { url: o.baseUrl, username: o.username, password, timeoutMs: o.timeoutMs };
}

export async function xmlRpcCall(t: XmlRpcTarget, method: string, params: XmlRpcValue[], signal?: AbortSignal): Promise<XmlRpcValue> {
  const reply = await send({
    method: 'POST', url: t.url, timeoutMs: t.timeoutMs, signal,
    headers: { 'content-type': 'text/xml', 'authorization': basicAuth(t.username, t.password) },
    body: encodeCallText({ method, params }),
  });
  const what = `${method} at ${where(t.url)}`;
  if (reply.status !== 200) throw httpStatusError(reply.status, what);
  const text = reply.body.toString('utf8');
  const r = decodeResponseText(text);
  // A proxy's HTML error page or a truncated body is most likely transient: retry it.
  if (!r.ok) throw new RpsError('unknown_response_from_provider', `${what}: not an XML-RPC response (${r.error.message})`, { retryable: true });
  if (r.value.kind === 'fault') {
    throw new RpsError('unknown_provider_error', `${what}: fault ${r.value.faultCode}: ${r.value.faultString.slice(0, 200)}`);
  }
  return r.value.value;
}

/** The [success, message] pair most vendor methods return. */
export function statusPair(v: XmlRpcValue, what: string): { ok: boolean; message: string } {
  if (Array.isArray(v) && v.length >= 1 && typeof v[0] === 'boolean') {
    const m = v[1];
    const message = typeof m === 'string' ? m : typeof m === 'number' || typeof m === 'boolean' ? String(m) : m instanceof XmlRpcDateTime ? m.iso : '';
    return { ok: v[0], message };
  }
  throw new RpsError('unknown_response_from_provider', `${what}: expected [boolean, message], got ${describe(v)}`);
}

/** Calls and requires success; a false status is mapped to a Falconieri code. */
export async function callOk(t: XmlRpcTarget, method: string, params: XmlRpcValue[], signal?: AbortSignal): Promise<string> {
  const { ok, message } = statusPair(await xmlRpcCall(t, method, params, signal), method);
  if (!ok) throw mapProviderMessage(message);
  return message;
}

/** Calls and requires success, except that a false status whose message matches `tolerated` (e.g. "no such MAC") is fine too. */
export async function callOkOr(t: XmlRpcTarget, method: string, params: XmlRpcValue[], tolerated: RegExp, signal?: AbortSignal): Promise<void> {
  const r = statusPair(await xmlRpcCall(t, method, params, signal), method);
  if (!r.ok && !tolerated.test(r.message)) throw mapProviderMessage(r.message);
}

/** A check call answering [true, ...] when registered, [false, <notFound>] when unknown, [false, <owned elsewhere>]. */
export async function checkCall(t: XmlRpcTarget, method: string, params: XmlRpcValue[], notFound: RegExp, signal?: AbortSignal): Promise<CheckResult> {
  const r = statusPair(await xmlRpcCall(t, method, params, signal), method);
  if (r.ok) return 'registered';
  if (notFound.test(r.message)) return 'unregistered';
  const e = mapProviderMessage(r.message);
  if (e.code === 'device_owned_by_other_user') return 'elsewhere';
  throw e;
}

function describe(v: XmlRpcValue): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'nil';
  if (Buffer.isBuffer(v)) return 'base64';
  return typeof v;
}

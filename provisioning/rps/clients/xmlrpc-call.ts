// One XML-RPC call over HTTP as the vendors expect it: POST, Content-Type text/xml, HTTP Basic
// auth, the compact methodCall body. The answer must be HTTP 200 with a methodResponse; what
// the vendors put in it is read by the caller (most answer [boolean success, string message]).
import { httpStatusError, mapProviderMessage, RpsError } from '../errors.ts';
import { basicAuth, send, where } from '../http.ts';
import { decodeResponseText, encodeCallText, XmlRpcDateTime, type XmlRpcValue } from '../xmlrpc.ts';

export interface XmlRpcTarget { url: string; username: string; password: string; timeoutMs: number }

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

function describe(v: XmlRpcValue): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'nil';
  if (Buffer.isBuffer(v)) return 'base64';
  return typeof v;
}

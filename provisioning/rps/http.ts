// The one outbound HTTP(S) call the RPS clients make: a timeout on every request (connect and
// whole exchange), a cap on the response size, no redirects followed, and every failure turned
// into an RpsError with Falconieri's code. Credentials travel in headers the caller sets and are
// never put in an error message.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { RpsError } from './errors.ts';

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Largest response body read (default 1 MiB). */
  maxBytes?: number;
  /** Aborts the call (daemon shutdown). */
  signal?: AbortSignal;
}

export interface HttpReply { status: number; headers: IncomingHttpHeaders; body: Buffer }

const USER_AGENT = 'pbx-agent/0.1 (redirection client)';

/** Where a URL points, without credentials or query, for messages and logs. */
export function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(bad URL)';
  }
}

export function send(call: HttpCall): Promise<HttpReply> {
  let u: URL;
  try {
    u = new URL(call.url);
  } catch {
    return Promise.reject(new RpsError('connection_to_remote_provider_failed', `bad provider URL ${JSON.stringify(call.url.slice(0, 100))}; fix the server's base URL`));
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return Promise.reject(new RpsError('connection_to_remote_provider_failed', `provider URL ${where(call.url)} must be http or https`));
  }
  const maxBytes = call.maxBytes ?? 1 << 20;
  const target = where(call.url);
  return new Promise<HttpReply>((resolve, reject) => {
    let settled = false;
    const fail = (e: RpsError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(e);
    };
    const body = call.body === undefined ? undefined : Buffer.from(call.body, 'utf8');
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...call.headers };
    if (body) headers['content-length'] = String(body.length);
    const fn = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = fn(u, { method: call.method, headers });
    const timer = setTimeout(() => fail(new RpsError('connection_to_remote_provider_failed', `${target}: no complete answer within ${call.timeoutMs} ms`, { retryable: true })), call.timeoutMs);
    const onAbort = (): void => fail(new RpsError('connection_to_remote_provider_failed', `${target}: aborted (shutting down)`, { retryable: true }));
    if (call.signal) {
      if (call.signal.aborted) { onAbort(); return; }
      call.signal.addEventListener('abort', onAbort, { once: true });
    }
    req.on('error', (e: NodeJS.ErrnoException) => fail(new RpsError('connection_to_remote_provider_failed', `${target}: ${e.code ?? e.message}`, { retryable: true })));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) fail(new RpsError('read_remote_response_failed', `${target}: answer larger than ${maxBytes} bytes`, { retryable: true }));
        else chunks.push(c);
      });
      res.on('error', () => fail(new RpsError('read_remote_response_failed', `${target}: the answer broke off`, { retryable: true })));
      res.on('aborted', () => fail(new RpsError('read_remote_response_failed', `${target}: the answer broke off`, { retryable: true })));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        call.signal?.removeEventListener('abort', onAbort);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.end(body);
  });
}

export function basicAuth(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
}

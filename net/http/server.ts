// The HTTP(S) provisioning file server. It owns the listeners and the transport rules (methods,
// validators, timeouts, connection cap); what a phone receives, and why it receives nothing, is
// decided by the FileSource. A phone that is refused learns only "404": the reason (unknown MAC,
// disabled device...) goes to the log, once, because it would tell a scanner which MACs exist.
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { createSecureContext } from 'node:tls';
import type { Config } from '../../agent/config/types.ts';
import { ConfigError, InvalidArgumentError, UnavailableError } from '../../agent/errors.ts';
import type { Logger } from '../../agent/log.ts';
import type { FileSource, ServedFile, Transport } from '../../provisioning/file-source.ts';
import { unmapIPv4 } from '../lib/ipv4.ts';
import { shownPath, type FetchGuard } from './auth-gate.ts';
import { httpDate, isNotModified, quoteEtag } from './conditional.ts';
import { DEFAULT_MAX_PATH_LENGTH, parseRequestPath } from './request-path.ts';

export interface HttpLimits {
  /** Time for a client to send the request headers (slowloris guard). */
  headersTimeoutMs: number;
  /** Time for a client to send the whole request; must be >= headersTimeoutMs. */
  requestTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (also stalled downloads). */
  idleTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open between requests. */
  keepAliveTimeoutMs: number;
  /** Concurrent connections per listener; connections past it are closed at once. */
  maxConnections: number;
  /** Longest decoded path, in UTF-8 bytes; longer ones get 400. */
  maxPathLength: number;
  /** stop() lets in-flight responses finish for this long, then cuts every connection. */
  stopGraceMs: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
  maxPathLength: DEFAULT_MAX_PATH_LENGTH,
  stopGraceMs: 2_000,
});

export interface HttpServerOptions {
  config: Config['http'];
  /** URL prefix, from provisioning.httpPath: starts with '/', no trailing '/'. */
  httpPath: string;
  source: FileSource;
  log: Logger;
  /** Transport limits; the defaults suit a LAN of phones. */
  limits?: Partial<HttpLimits>;
  /** Fetch security (auth-gate.ts): authentication, tokens, phonebooks, the fetch log. Absent: every file is open. */
  guard?: FetchGuard;
}

export interface HttpStats {
  requests: number;
  /** 200 responses (GET and HEAD). */
  served: number;
  notModified: number;
  notFound: number;
  badRequest: number;
  methodNotAllowed: number;
  /** 401/403/429 from the fetch guard (and its 404s for tokens and phonebooks). */
  refused: number;
  /** 500 responses and failed streams. */
  errors: number;
  /** Body bytes handed to sockets. */
  bytesSent: number;
  /** Connections open now, both listeners. */
  connections: number;
}

export interface HttpListening {
  port: number;
  httpsPort?: number;
}

export interface HttpServer {
  /** Binds the listeners; port 0 in the config means "any free port" (tests). */
  start(): Promise<HttpListening>;
  stop(): Promise<void>;
  stats(): HttpStats;
}

const ALLOW = 'GET, HEAD';
const MAX_UA_LENGTH = 256;
const PLAIN: Record<number, string> = {
  400: 'Bad Request\n',
  401: 'Unauthorized\n',
  403: 'Forbidden\n',
  404: 'Not Found\n',
  429: 'Too Many Requests\n',
  405: 'Method Not Allowed\n',
  500: 'Internal Server Error\n',
};

export function createHttpServer(opts: HttpServerOptions): HttpServer {
  const { config, httpPath, source } = opts;
  const limits = validate(opts);
  const log = opts.log.child({ mod: 'http' });
  const stats: HttpStats = {
    requests: 0, served: 0, notModified: 0, notFound: 0, badRequest: 0, methodNotAllowed: 0, refused: 0,
    errors: 0, bytesSent: 0, connections: 0,
  };
  const listeners: http.Server[] = [];
  let starting: Promise<HttpListening> | undefined;
  let stopping: Promise<void> | undefined;

  const serverOptions: http.ServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often Node checks the two timeouts above (its default, 30 s, is coarser than them).
    connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4))),
    // Phones are sloppy HTTP/1.1 clients and there is no virtual hosting here.
    requireHostHeader: false,
  };

  function setup(server: http.Server, transport: Transport): http.Server {
    server.maxConnections = limits.maxConnections;
    // With no 'timeout' listener Node destroys the idle socket itself.
    server.setTimeout(limits.idleTimeoutMs);
    server.on('connection', (socket: Socket) => {
      stats.connections++;
      socket.once('close', () => { stats.connections--; });
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code !== 'ECONNRESET' && socket.writable) {
        const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
          : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
        if (status.startsWith('400')) stats.badRequest++;
        socket.end(`HTTP/1.1 ${status}\r\nServer: pbx-agent\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      } else {
        socket.destroy();
      }
      log.debug({ transport, ip: clientIp(socket), err: err.code ?? err.message }, 'http: client error');
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      handle(req, res, transport).catch((e: unknown) => {
        stats.errors++;
        log.error({ err: errText(e), path: req.url, ip: clientIp(req.socket) }, 'http: request failed');
        if (!res.headersSent) sendPlain(res, 500);
        else res.destroy();
      });
    });
    return server;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, transport: Transport): Promise<void> {
    stats.requests++;
    res.setHeader('Server', 'pbx-agent');
    const ip = clientIp(req.socket);
    const ua = userAgent(req);
    const target = req.url ?? '';

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      stats.methodNotAllowed++;
      res.setHeader('Allow', ALLOW);
      log.info({ method: req.method, path: clip(target), ip, userAgent: ua, transport }, 'http: method not allowed');
      return sendPlain(res, 405);
    }
    const parsed = parseRequestPath(target, httpPath, limits.maxPathLength);
    if (!parsed.ok) {
      if (parsed.status === 400) stats.badRequest++;
      else stats.notFound++;
      const reason = parsed.status === 400 ? 'bad-name' : 'outside-prefix';
      log.info({ reason, detail: parsed.detail, path: clip(target), ip, userAgent: ua, transport }, 'http: not served');
      return sendPlain(res, parsed.status);
    }
    // A token path is logged with the token cut to its first characters (auth-gate.ts).
    const path = opts.guard ? shownPath(parsed.path) : parsed.path;
    const client = { ip, port: req.socket.remotePort ?? 0, ...(ua === undefined ? {} : { userAgent: ua }) };

    let result;
    try {
      if (opts.guard) {
        const g = await opts.guard.fetch({
          method: req.method, target, path: parsed.path, transport: transport === 'https' ? 'https' : 'http', ip, port: client.port,
          ...(ua === undefined ? {} : { userAgent: ua }),
          ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
        });
        if (g.kind === 'refuse') {
          // The guard logged why, once; the phone learns only the status.
          stats.refused++;
          for (const [name, value] of Object.entries(g.headers)) res.setHeader(name, value);
          return sendPlain(res, g.status);
        }
        result = g.result;
      } else {
        result = await source.get({ path, transport, client });
      }
    } catch (e) {
      stats.errors++;
      log.error({ err: errText(e), path, ip, userAgent: ua, transport }, 'http: file source failed');
      return sendPlain(res, 500);
    }
    if (!result.ok) {
      stats.notFound++;
      log.info({ reason: result.reason, detail: result.detail, path, ip, userAgent: ua, transport }, 'http: not served');
      return sendPlain(res, 404);
    }
    if (result.warnings.length > 0) {
      log.warn({ path, ip, placeholders: result.warnings, origin: result.origin }, 'http: placeholders rendered empty');
    }
    setValidators(res, result);
    const cond = { ifNoneMatch: req.headers['if-none-match'], ifModifiedSince: req.headers['if-modified-since'] };
    if (isNotModified(cond, result.etag, result.lastModified)) {
      stats.notModified++;
      log.debug({ path, ip, userAgent: ua, transport }, 'http: not modified');
      res.statusCode = 304;
      res.end();
      return;
    }
    res.setHeader('Content-Type', result.contentType);
    const body = result.body;

    if (req.method === 'HEAD') {
      res.setHeader('Content-Length', body.kind === 'buffer' ? body.data.length : body.size);
      res.statusCode = 200;
      res.end();
      stats.served++;
      return;
    }
    if (body.kind === 'buffer') {
      res.setHeader('Content-Length', body.data.length);
      res.statusCode = 200;
      res.end(body.data);
      stats.served++;
      stats.bytesSent += body.data.length;
      log.info({ path, ip, userAgent: ua, transport, bytes: body.data.length, origin: result.origin }, 'http: served');
      return;
    }

    // An on-disk asset: open first, so a vanished file is still a clean 404 or 500.
    let fh;
    try {
      fh = await open(body.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        stats.notFound++;
        log.info({ reason: 'unknown-file', detail: 'asset vanished before it was opened', path, ip, userAgent: ua, transport }, 'http: not served');
        return sendPlain(res, 404);
      }
      stats.errors++;
      log.error({ err: errText(e), path, file: body.path, ip, transport }, 'http: cannot open asset');
      return sendPlain(res, 500);
    }
    let size: number;
    try {
      size = (await fh.stat()).size;
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
    res.setHeader('Content-Length', size);
    res.statusCode = 200;
    if (size === 0) {
      await fh.close();
      res.end();
      stats.served++;
      return;
    }
    // The read is bounded by the size announced; a file that shrank mid-way leaves the socket
    // destroyed (the client sees a short body), never a hung response.
    const stream = createReadStream('', { fd: fh, start: 0, end: size - 1, autoClose: true });
    try {
      await pipeline(stream, res);
    } catch (e) {
      if (!res.destroyed) res.destroy();
      stats.bytesSent += stream.bytesRead;
      log.debug({ err: errText(e), path, ip, sent: stream.bytesRead, size }, 'http: transfer cut short');
      return;
    }
    stats.bytesSent += stream.bytesRead;
    if (stream.bytesRead !== size) {
      stats.errors++;
      res.destroy();
      log.error({ path, file: body.path, ip, sent: stream.bytesRead, size }, 'http: asset shrank during transfer');
      return;
    }
    stats.served++;
    log.info({ path, ip, userAgent: ua, transport, bytes: size, origin: result.origin }, 'http: served');
  }

  async function listen(server: http.Server, port: number, key: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        reject(new UnavailableError(`cannot listen on ${config.address}:${port} (${key}): ${e.code ?? e.message}`,
          { key, address: config.address, port, code: e.code }));
      };
      server.once('error', onError);
      server.listen(port, config.address, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (e: Error) => log.error({ err: errText(e), key }, 'http: listener error'));
    const addr = server.address();
    return typeof addr === 'object' && addr !== null ? addr.port : port;
  }

  async function doStart(): Promise<HttpListening> {
    // TLS material first, so a bad certificate opens no listener at all.
    const tlsOptions = config.httpsEnabled ? await loadTls(config) : undefined;
    try {
      const plain = setup(http.createServer(serverOptions), 'http');
      listeners.push(plain);
      const out: HttpListening = { port: await listen(plain, config.port, 'http.port') };
      if (tlsOptions) {
        const secure = setup(https.createServer({ ...serverOptions, ...tlsOptions }), 'https');
        listeners.push(secure);
        out.httpsPort = await listen(secure, config.httpsPort, 'http.httpsPort');
      }
      log.info({ address: config.address, ...out, httpPath }, 'http: listening');
      return out;
    } catch (e) {
      await closeAll();
      throw e;
    }
  }

  async function closeAll(): Promise<void> {
    const closing = listeners.filter((s) => s.listening).map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    // close() stops accepting and drops idle keep-alive sockets; in-flight responses get a grace.
    const timer = setTimeout(() => { for (const s of listeners) s.closeAllConnections(); }, limits.stopGraceMs);
    await Promise.all(closing);
    clearTimeout(timer);
    listeners.length = 0;
  }

  return {
    start() {
      if (stopping) return Promise.reject(new InvalidArgumentError('http', 'server was stopped; create a new one'));
      starting ??= doStart();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        if (starting) await starting.catch(() => {});
        await closeAll();
        log.info('http: stopped');
      })();
      return stopping;
    },
    stats() {
      return { ...stats };
    },
  };
}

function validate(opts: HttpServerOptions): HttpLimits {
  const { config, httpPath } = opts;
  if (!config.enabled) {
    throw new InvalidArgumentError('http.enabled', 'is false: the HTTP server should not be created (HTTPS is served only alongside HTTP)');
  }
  if (!httpPath.startsWith('/') || httpPath.endsWith('/') || /[?#%\\\s]/.test(httpPath)) {
    throw new InvalidArgumentError('provisioning.httpPath', `'${httpPath}' must start with '/', not end with one and hold no ?, #, %, \\ or spaces`);
  }
  for (const [key, port] of [['http.port', config.port], ['http.httpsPort', config.httpsPort]] as const) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(key, `${port} is not a port (0 to 65535)`);
  }
  if (config.httpsEnabled && (!config.certFile || !config.keyFile)) {
    throw new InvalidArgumentError('http.httpsEnabled', 'is true but http.certFile and http.keyFile are not both set');
  }
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...opts.limits };
  for (const [name, v] of Object.entries(limits)) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`limits.${name}`, `${v} must be a positive integer`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new InvalidArgumentError('limits.headersTimeoutMs', `${limits.headersTimeoutMs} must not exceed limits.requestTimeoutMs (${limits.requestTimeoutMs})`);
  }
  return limits;
}

/** Reads and checks the certificate and key; every failure names the config key to fix. */
async function loadTls(config: Config['http']): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (key: 'http.certFile' | 'http.keyFile', file: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (e) {
      throw new ConfigError(key, `cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  };
  const cert = await read('http.certFile', config.certFile);
  const key = await read('http.keyFile', config.keyFile);
  try {
    createSecureContext({ cert });
  } catch (e) {
    throw new ConfigError('http.certFile', `'${config.certFile}' is not a usable PEM certificate: ${errText(e)}`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw new ConfigError('http.keyFile', `'${config.keyFile}' is not a usable PEM private key for http.certFile: ${errText(e)}`);
  }
  return { cert, key };
}

function setValidators(res: http.ServerResponse, f: ServedFile): void {
  res.setHeader('ETag', quoteEtag(f.etag));
  const lm = httpDate(f.lastModified);
  if (lm !== undefined) res.setHeader('Last-Modified', lm);
  res.setHeader('Cache-Control', 'no-cache');
}

/** A short fixed body: it never says why, so it cannot reveal which MACs or tenants exist. */
function sendPlain(res: http.ServerResponse, status: number): void {
  const body = PLAIN[status] ?? '\n';
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-cache');
  res.end(body);
}

function clientIp(socket: Socket): string {
  return unmapIPv4(socket.remoteAddress ?? '');
}

function userAgent(req: http.IncomingMessage): string | undefined {
  const ua = req.headers['user-agent'];
  return ua === undefined ? undefined : ua.slice(0, MAX_UA_LENGTH);
}

function clip(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

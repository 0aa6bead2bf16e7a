// The listener of the Falconieri-compatible API: its own small HTTP server, bound to loopback by
// default. It is kept apart from the provisioning HTTP server on purpose: that one faces the
// phones on the LAN (0.0.0.0:80, fetches that must work before a phone has credentials); this
// one changes vendor registrations and belongs to admins and local tools. Separate sockets mean
// separate exposure, and a bug in one cannot open the other.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../../agent/errors.ts';
import type { Logger } from '../../agent/log.ts';
import type { ApiRequest, ApiResponse } from './api.ts';

const MAX_BODY = 16 * 1024;

/** Reads the bearer token, creating the file with a random one (mode 0600) when it is missing. */
export function loadOrCreateToken(path: string, log: Logger): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError('rps.api.tokenFile', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code}`);
    mkdirSync(dirname(path), { recursive: true });
    const token = randomBytes(32).toString('base64url');
    writeFileSync(path, token + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    log.info({ file: path }, 'rps api: created a bearer token file (give it to the API callers)');
    return token;
  }
  const token = text.trim();
  if (!/^[\x21-\x7e]{16,512}$/.test(token)) throw new ConfigError('rps.api.tokenFile', `${path} must hold one token of 16 to 512 printable characters (no spaces)`);
  if ((statSync(path).mode & 0o077) !== 0) log.warn({ file: path }, 'rps api: the token file is readable by group or others; chmod 600 it');
  return token;
}

export interface ApiServer {
  start(): Promise<{ address: string; port: number }>;
  stop(): Promise<void>;
  stats(): { requests: number; refused: number };
}

export function createApiServer(o: { address: string; port: number; handler: (r: ApiRequest) => Promise<ApiResponse>; log: Logger }): ApiServer {
  let server: Server | undefined;
  const stats = { requests: 0, refused: 0 };
  return {
    async start() {
      server = createServer((req, res) => {
        stats.requests++;
        const chunks: Buffer[] = [];
        let size = 0;
        let tooBig = false;
        req.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) tooBig = true;
          else chunks.push(c);
        });
        req.on('end', () => {
          if (tooBig) {
            stats.refused++;
            res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'body_too_large' }));
            return;
          }
          o.handler({
            method: req.method ?? '', url: req.url ?? '/', authorization: req.headers.authorization,
            body: Buffer.concat(chunks).toString('utf8'), remote: req.socket.remoteAddress ?? '?',
          }).then((r) => {
            if (r.status === 401) stats.refused++;
            res.writeHead(r.status, r.headers).end(req.method === 'HEAD' ? undefined : r.body);
          }, (e: unknown) => {
            o.log.error({ err: e }, 'rps api: handler failed');
            res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unknown_provider_error' }));
          });
        });
        req.on('error', () => res.destroy());
      });
      server.requestTimeout = 120_000;
      server.headersTimeout = 10_000;
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(o.port, o.address, () => { server!.off('error', reject); resolve(); });
      });
      const a = server.address() as AddressInfo;
      return { address: a.address, port: a.port };
    },
    async stop() {
      if (!server) return;
      const s = server;
      server = undefined;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    stats: () => ({ ...stats }),
  };
}

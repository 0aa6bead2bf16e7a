// Scaffolding shared by the vendor fakes: a real HTTP server on loopback that records every
// request as it came over the wire, checks HTTP Basic credentials, and plays scripted failures
// before the vendor logic (5xx, hangs for timeout tests, garbage bodies). Test-only code.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAuthorization } from '../../../net/http/auth-digest.ts';

export interface WireRecord { method: string; path: string; headers: Record<string, string>; body: string; reply?: { status: number; body: string } }

export type Scripted =
  | { kind: 'status'; status: number; body?: string; contentType?: string }
  | { kind: 'hang' }
  | { kind: 'raw'; body: string; contentType?: string };

export interface Reply { status: number; body: string; contentType: string; headers?: Record<string, string> }

export interface FakeBase {
  readonly url: string;
  readonly wire: WireRecord[];
  /** The next `n` requests get this instead of the vendor's answer. */
  script(s: Scripted, n?: number): void;
  close(): Promise<void>;
}

export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const a = parseAuthorization(header ?? '');
  return a.ok && a.value.scheme === 'basic' ? { user: a.value.username, password: a.value.password } : undefined;
}

export async function startFake(path: string, handle: (req: WireRecord, raw: IncomingMessage) => Reply): Promise<FakeBase> {
  const wire: WireRecord[] = [];
  const queue: Scripted[] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size <= 1 << 20) chunks.push(c); });
    req.on('end', () => {
      const rec: WireRecord = {
        method: req.method ?? '', path: req.url ?? '',
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? ''])),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      wire.push(rec);
      const s = queue.shift();
      if (s?.kind === 'hang') { hanging.add(res); res.on('close', () => hanging.delete(res)); return; }
      if (s?.kind === 'status') return void res.writeHead(s.status, { 'content-type': s.contentType ?? 'text/plain' }).end(s.body ?? '');
      if (s?.kind === 'raw') return void res.writeHead(200, { 'content-type': s.contentType ?? 'text/xml' }).end(s.body);
      const reqPath = (req.url ?? '').split('?')[0];
      if (!reqPath!.startsWith(path)) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      const r = handle(rec, req);
      rec.reply = { status: r.status, body: r.body };
      res.writeHead(r.status, { 'content-type': r.contentType, ...r.headers }).end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    wire,
    script(s, n = 1) { for (let i = 0; i < n; i++) queue.push(s); },
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

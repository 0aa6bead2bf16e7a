// The HTTP server against real curl, on 127.0.0.1 with a stub FileSource.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { truncate, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { createTmpDir, type TmpDir } from '../../test/lab/tmp.ts';
import { requireTools } from '../../test/lab/preflight.ts';
import { createHttpServer, type HttpServer } from './server.ts';
import { StubSource, captureLogger, curl, httpConfig, served, type LogLine } from './test-helpers.ts';

const execFileP = promisify(execFile);
const TENANT = '3f2b6a1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const MAC_REASON_WORDS = /unknown|mac|disabled|device|rule|tenant|001565/i;

/** Sends raw bytes on one connection and collects everything until the server closes it. */
function raw(port: number, request: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { s.destroy(); reject(new Error('raw request timed out')); }, timeoutMs);
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString('latin1')); });
    s.write(request);
  });
}

function linesFor(lines: LogLine[], path: string): LogLine[] {
  return lines.filter((l) => l.path === path);
}

describe('HTTP server', () => {
  let tmp: TmpDir;
  let server: HttpServer;
  let base: string;
  let port: number;
  const source = new StubSource();
  const { log, lines } = captureLogger();
  const big = randomBytes(10 * 1024 * 1024);

  before(async () => {
    requireTools(['curl']);
    tmp = await createTmpDir('pbx-http-');
    await writeFile(tmp.join('big.bin'), big);
    await writeFile(tmp.join('empty.bin'), '');
    source.files.set('y000000000028.cfg', served('#!version:1.0.0.1\naccount.1.enable = 1\n', {
      contentType: 'text/plain; charset=utf-8', etag: 'abc123',
    }));
    source.files.set(`${TENANT}/y000000000028.cfg`, served('tenant file\n'));
    source.files.set('fw/big.bin', served('', {
      body: { kind: 'file', path: tmp.join('big.bin'), size: big.length }, contentType: 'application/octet-stream', etag: 'big',
    }));
    source.files.set('empty.bin', served('', { body: { kind: 'file', path: tmp.join('empty.bin'), size: 0 } }));
    source.files.set('gone.bin', served('', { body: { kind: 'file', path: tmp.join('nope.bin'), size: 3 } }));
    source.files.set('001565aabbcc.cfg', { ok: false, reason: 'disabled-device', detail: 'device 001565aabbcc is disabled' });
    source.files.set('boom.cfg', new Error('store exploded'));
    source.files.set('warn.cfg', served('x', { warnings: ['SIPPASSWORD'] }));
    server = createHttpServer({ config: httpConfig(), httpPath: '/provisioning', source, log });
    ({ port } = await server.start());
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await server?.stop();
    await tmp?.cleanup();
  });

  it('GET serves the bytes with type, length, validators, no-cache and a bare Server header', async () => {
    const r = await curl(tmp.path, `${base}/provisioning/y000000000028.cfg`);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), '#!version:1.0.0.1\naccount.1.enable = 1\n');
    assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(r.headers.get('content-length'), String(r.body.length));
    assert.equal(r.headers.get('etag'), '"abc123"');
    assert.equal(r.headers.get('last-modified'), 'Wed, 04 Mar 2026 05:06:07 GMT');
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    assert.equal(r.headers.get('server'), 'pbx-agent');
    assert.equal(r.headers.has('x-powered-by'), false);
    const call = source.calls.at(-1)!;
    assert.equal(call.path, 'y000000000028.cfg');
    assert.equal(call.transport, 'http');
    assert.equal(call.client.ip, '127.0.0.1');
    assert.ok(call.client.port > 0);
  });

  it('HEAD gives the same headers and no body', async () => {
    const r = await curl(tmp.path, `${base}/provisioning/y000000000028.cfg`, ['-I']);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-length'), '39');
    assert.equal(r.headers.get('etag'), '"abc123"');
    const text = await raw(port, 'HEAD /provisioning/y000000000028.cfg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /\r\nContent-Length: 39\r\n/i);
    assert.ok(text.endsWith('\r\n\r\n'), 'no body after the headers');
  });

  it('If-None-Match with the ETag gets 304; another tag gets 200', async () => {
    const r = await curl(tmp.path, `${base}/provisioning/y000000000028.cfg`, ['-H', 'If-None-Match: "abc123"']);
    assert.equal(r.status, 304);
    assert.equal(r.body.length, 0);
    assert.equal(r.headers.get('etag'), '"abc123"');
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    const star = await curl(tmp.path, `${base}/provisioning/y000000000028.cfg`, ['-H', 'If-None-Match: *']);
    assert.equal(star.status, 304);
    const other = await curl(tmp.path, `${base}/provisioning/y000000000028.cfg`, ['-H', 'If-None-Match: "old", "older"']);
    assert.equal(other.status, 200);
  });

  it('If-Modified-Since at or after Last-Modified gets 304, before it 200; If-None-Match wins', async () => {
    const url = `${base}/provisioning/y000000000028.cfg`;
    assert.equal((await curl(tmp.path, url, ['-H', 'If-Modified-Since: Wed, 04 Mar 2026 05:06:07 GMT'])).status, 304);
    assert.equal((await curl(tmp.path, url, ['-H', 'If-Modified-Since: Thu, 05 Mar 2026 00:00:00 GMT'])).status, 304);
    assert.equal((await curl(tmp.path, url, ['-H', 'If-Modified-Since: Wed, 04 Mar 2026 05:06:06 GMT'])).status, 200);
    assert.equal((await curl(tmp.path, url, ['-H', 'If-Modified-Since: garbage'])).status, 200);
    assert.equal((await curl(tmp.path, url, ['-H', 'If-None-Match: "old"', '-H', 'If-Modified-Since: Thu, 05 Mar 2026 00:00:00 GMT'])).status, 200);
    // curl's own conditional flag sends If-Modified-Since from a date.
    assert.equal((await curl(tmp.path, url, ['-z', 'Thu, 05 Mar 2026 00:00:00 GMT'])).status, 304);
  });

  it('404 says nothing about the reason; one info log line has it', async () => {
    const before = lines.length;
    const r = await curl(tmp.path, `${base}/provisioning/001565aabbcc.cfg`, ['-A', 'Yealink SIP-T46S 66.84.0.10']);
    assert.equal(r.status, 404);
    assert.equal(r.body.toString(), 'Not Found\n');
    assert.doesNotMatch(r.body.toString(), MAC_REASON_WORDS);
    for (const [k, v] of r.headers) assert.doesNotMatch(`${k}: ${v}`, /disabled|001565/i);
    const mine = linesFor(lines.slice(before), '001565aabbcc.cfg');
    assert.equal(mine.length, 1, JSON.stringify(mine));
    const l = mine[0]!;
    assert.equal(l.level, 30);
    assert.equal(l.reason, 'disabled-device');
    assert.equal(l.detail, 'device 001565aabbcc is disabled');
    assert.equal(l.ip, '127.0.0.1');
    assert.equal(l.userAgent, 'Yealink SIP-T46S 66.84.0.10');
    // An unknown name is the same 404, byte for byte.
    const u = await curl(tmp.path, `${base}/provisioning/0015650000ff.cfg`);
    assert.equal(u.status, 404);
    assert.deepEqual(u.body, r.body);
    assert.equal(u.headers.get('content-length'), r.headers.get('content-length'));
  });

  it('other methods get 405 with Allow and never reach the source', async () => {
    const n = source.calls.length;
    for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const r = await curl(tmp.path, `${base}/provisioning/y000000000028.cfg`, ['-X', m, ...(m === 'POST' || m === 'PUT' ? ['--data', 'x=1'] : [])]);
      assert.equal(r.status, 405, m);
      assert.equal(r.headers.get('allow'), 'GET, HEAD', m);
    }
    assert.equal(source.calls.length, n);
  });

  it('paths outside httpPath are 404 without asking the source', async () => {
    const n = source.calls.length;
    for (const p of ['/', '/provisioning', '/y000000000028.cfg', '/provisioningX/y000000000028.cfg', '/%2fprovisioning/y000000000028.cfg', '/provisioning/']) {
      const r = await curl(tmp.path, `${base}${p}`, ['--path-as-is']);
      assert.equal(r.status, 404, p);
      assert.equal(r.body.toString(), 'Not Found\n', p);
    }
    assert.equal(source.calls.length, n);
  });

  it('traversal and malformed names are 400 and never reach the source', async () => {
    const n = source.calls.length;
    const before = lines.length;
    const attempts = [
      '/provisioning/../etc/passwd',
      '/provisioning/../../../../etc/passwd',
      '/provisioning/x/../../etc/passwd',
      '/provisioning/%2e%2e/etc/passwd',
      '/provisioning/%2E%2E%2Fetc%2Fpasswd',
      '/provisioning/.%2e/etc/passwd',
      '/provisioning/y000000000028.cfg%00.png',
      '/provisioning/..\\..\\etc\\passwd',
      '/provisioning/..%5c..%5cetc%5cpasswd',
      '/provisioning/%zz',
      '/provisioning/' + 'a'.repeat(1000),
    ];
    for (const p of attempts) {
      const r = await curl(tmp.path, `${base}${p}`, ['--path-as-is']);
      assert.equal(r.status, 400, p);
      assert.equal(r.body.toString(), 'Bad Request\n', p);
    }
    assert.equal(source.calls.length, n, 'the source saw none of them');
    const logged = lines.slice(before).filter((l) => l.reason === 'bad-name');
    assert.equal(logged.length, attempts.length);
    // Whatever did reach the source never had a bad path.
    for (const c of source.calls) {
      assert.doesNotMatch(c.path, /(^|\/)\.\.(\/|$)|\\|\0/);
      assert.ok(!c.path.startsWith('/'));
    }
  });

  it('a multi-tenant path passes through as tenant/file, decoded once', async () => {
    const r = await curl(tmp.path, `${base}/provisioning/${TENANT}/y000000000028.cfg`, ['-A', 'Yealink SIP-T46S 66.84.0.10']);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'tenant file\n');
    const call = source.calls.at(-1)!;
    assert.equal(call.path, `${TENANT}/y000000000028.cfg`);
    assert.equal(call.client.userAgent, 'Yealink SIP-T46S 66.84.0.10');
    await curl(tmp.path, `${base}/provisioning/a%20b%252e.cfg`);
    assert.equal(source.calls.at(-1)!.path, 'a b%2e.cfg');
  });

  it('streams a 10 MiB asset from disk intact', async () => {
    const r = await curl(tmp.path, `${base}/provisioning/fw/big.bin`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-length'), String(big.length));
    assert.equal(r.headers.get('content-type'), 'application/octet-stream');
    assert.equal(createHash('sha256').update(r.body).digest('hex'), createHash('sha256').update(big).digest('hex'));
    const e = await curl(tmp.path, `${base}/provisioning/empty.bin`);
    assert.equal(e.status, 200);
    assert.equal(e.headers.get('content-length'), '0');
    assert.equal(e.body.length, 0);
  });

  it('an asset that vanished is a plain 404', async () => {
    const r = await curl(tmp.path, `${base}/provisioning/gone.bin`);
    assert.equal(r.status, 404);
    assert.equal(r.body.toString(), 'Not Found\n');
  });

  it('a throwing source gives 500 and one error line, and the server keeps serving', async () => {
    const before = lines.length;
    const r = await curl(tmp.path, `${base}/provisioning/boom.cfg`);
    assert.equal(r.status, 500);
    assert.equal(r.body.toString(), 'Internal Server Error\n');
    assert.doesNotMatch(r.body.toString(), /exploded/);
    const errs = lines.slice(before).filter((l) => l.level === 50);
    assert.equal(errs.length, 1);
    assert.match(String(errs[0]!.err), /store exploded/);
    assert.equal((await curl(tmp.path, `${base}/provisioning/y000000000028.cfg`)).status, 200);
  });

  it('placeholders rendered empty are logged as a warning', async () => {
    const before = lines.length;
    assert.equal((await curl(tmp.path, `${base}/provisioning/warn.cfg`)).status, 200);
    const warns = lines.slice(before).filter((l) => l.level === 40);
    assert.equal(warns.length, 1);
    assert.deepEqual(warns[0]!.placeholders, ['SIPPASSWORD']);
  });

  it('keeps connections alive across requests', async () => {
    const url = `${base}/provisioning/y000000000028.cfg`;
    const { stdout } = await execFileP('curl', ['-sS', '-o', '/dev/null', '-o', '/dev/null', '-w', '%{num_connects}\\n', url, url], { timeout: 10_000 });
    assert.deepEqual(stdout.trim().split('\n'), ['1', '0'], 'the second request reused the connection');
  });

  it('counts what it did', () => {
    const s = server.stats();
    assert.ok(s.requests > 20);
    assert.ok(s.served > 5);
    assert.ok(s.notModified >= 3);
    assert.ok(s.notFound >= 5);
    assert.ok(s.badRequest >= 11);
    assert.ok(s.methodNotAllowed >= 5);
    assert.ok(s.errors >= 1);
    assert.ok(s.bytesSent >= big.length);
  });
});

describe('HTTP server limits', () => {
  it('closes a client that never finishes its headers', async () => {
    const { log } = captureLogger();
    const server = createHttpServer({
      config: httpConfig(), httpPath: '/provisioning', source: new StubSource(), log,
      limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 },
    });
    try {
      const { port } = await server.start();
      const t0 = Date.now();
      const text = await raw(port, 'GET /provisioning/a.cfg HTTP/1.1\r\nHost: x\r\n', 5_000);
      const took = Date.now() - t0;
      assert.ok(took < 3_000, `closed after ${took} ms`);
      assert.match(text, /^HTTP\/1\.1 408 /);
    } finally {
      await server.stop();
    }
  });

  it('drops a client that stops reading a download', async () => {
    const { log } = captureLogger();
    const tmp = await createTmpDir('pbx-http-idle-');
    const size = 256 * 1024 * 1024;
    await writeFile(tmp.join('huge.bin'), '');
    await truncate(tmp.join('huge.bin'), size); // sparse: more than any socket buffer holds
    const source = new StubSource();
    source.files.set('huge.bin', served('', { body: { kind: 'file', path: tmp.join('huge.bin'), size } }));
    const server = createHttpServer({ config: httpConfig(), httpPath: '/provisioning', source, log, limits: { idleTimeoutMs: 400 } });
    try {
      const { port } = await server.start();
      // A paused client never reads the FIN, so watch the server's side of the connection.
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      const firstData = new Promise<void>((resolve) => s.once('data', () => { s.pause(); resolve(); }));
      s.write('GET /provisioning/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n');
      try {
        await firstData;
        const t0 = Date.now();
        while (server.stats().connections > 0 && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 20));
        const took = Date.now() - t0;
        assert.equal(server.stats().connections, 0, `still connected after ${took} ms`);
        assert.ok(took >= 300, `closed after ${took} ms, before the idle timeout`);
      } finally {
        s.destroy();
      }
      assert.ok(server.stats().bytesSent < size);
    } finally {
      await server.stop();
      await tmp.cleanup();
    }
  });

  it('refuses connections past maxConnections', async () => {
    const { log } = captureLogger();
    const server = createHttpServer({ config: httpConfig(), httpPath: '/provisioning', source: new StubSource(), log, limits: { maxConnections: 2 } });
    const socks: Socket[] = [];
    try {
      const { port } = await server.start();
      const open = (): Promise<Socket> => new Promise((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => resolve(s));
        s.on('error', () => {});
        s.once('error', reject);
        socks.push(s);
      });
      await open();
      await open();
      for (let i = 0; i < 50 && server.stats().connections < 2; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(server.stats().connections, 2);
      const third = await open();
      const closed = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 3_000);
        third.once('close', () => { clearTimeout(t); resolve(true); });
      });
      assert.equal(closed, true, 'the third connection is dropped');
      assert.equal(socks[0]!.destroyed, false);
    } finally {
      for (const s of socks) s.destroy();
      await server.stop();
    }
  });

  it('validates options at construction', () => {
    const { log } = captureLogger();
    const src = new StubSource();
    assert.throws(() => createHttpServer({ config: httpConfig(), httpPath: 'provisioning', source: src, log }), /provisioning.httpPath/);
    assert.throws(() => createHttpServer({ config: httpConfig(), httpPath: '/provisioning/', source: src, log }), /provisioning.httpPath/);
    assert.throws(() => createHttpServer({ config: httpConfig({ enabled: false }), httpPath: '/p', source: src, log }), /http.enabled/);
    assert.throws(() => createHttpServer({ config: httpConfig({ httpsEnabled: true }), httpPath: '/p', source: src, log }), /certFile/);
    assert.throws(() => createHttpServer({ config: httpConfig(), httpPath: '/p', source: src, log, limits: { headersTimeoutMs: 10, requestTimeoutMs: 5 } }), /headersTimeoutMs/);
    assert.throws(() => createHttpServer({ config: httpConfig(), httpPath: '/p', source: src, log, limits: { maxConnections: 0 } }), /maxConnections/);
  });

  it('a busy port is a typed error naming the key', async () => {
    const { log } = captureLogger();
    const a = createHttpServer({ config: httpConfig(), httpPath: '/p', source: new StubSource(), log });
    try {
      const { port } = await a.start();
      const b = createHttpServer({ config: httpConfig({ port }), httpPath: '/p', source: new StubSource(), log });
      await assert.rejects(b.start(), (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'PBX_ERR_UNAVAILABLE' && /http\.port/.test(e.message) && /EADDRINUSE/.test(e.message));
      await b.stop();
    } finally {
      await a.stop();
    }
  });
});

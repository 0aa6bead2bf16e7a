// HTTPS: a self-signed certificate made by openssl in the test, real curl against it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ConfigError } from '../../agent/errors.ts';
import { requireTools } from '../../test/lab/preflight.ts';
import { createTmpDir, type TmpDir } from '../../test/lab/tmp.ts';
import { createHttpServer, type HttpServer } from './server.ts';
import { StubSource, captureLogger, curl, httpConfig, served } from './test-helpers.ts';

const execFileP = promisify(execFile);

async function selfSigned(dir: TmpDir, name: string): Promise<{ cert: string; key: string }> {
  const cert = dir.join(`${name}.crt`);
  const key = dir.join(`${name}.key`);
  await execFileP('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { timeout: 30_000 });
  return { cert, key };
}

describe('HTTPS', () => {
  let tmp: TmpDir;
  let server: HttpServer;
  let port: number;
  let httpsPort: number;
  let cert: string;
  let key: string;
  const source = new StubSource();
  const { log } = captureLogger();

  before(async () => {
    requireTools(['curl', 'openssl']);
    tmp = await createTmpDir('pbx-https-');
    ({ cert, key } = await selfSigned(tmp, 'srv'));
    source.files.set('y000000000028.cfg', served('secret config\n', { etag: 'v1' }));
    server = createHttpServer({
      config: httpConfig({ httpsEnabled: true, certFile: cert, keyFile: key }),
      httpPath: '/provisioning', source, log,
    });
    const l = await server.start();
    port = l.port;
    assert.ok(l.httpsPort !== undefined && l.httpsPort > 0 && l.httpsPort !== port);
    httpsPort = l.httpsPort;
  });

  after(async () => {
    await server?.stop();
    await tmp?.cleanup();
  });

  it('serves over TLS, verified against the self-signed certificate', async () => {
    const r = await curl(tmp.path, `https://localhost:${httpsPort}/provisioning/y000000000028.cfg`,
      ['--cacert', cert, '--resolve', `localhost:${httpsPort}:127.0.0.1`, '-A', 'Yealink SIP-T46S 66.84.0.10']);
    assert.equal(r.status, 200, r.stderr);
    assert.equal(r.body.toString(), 'secret config\n');
    assert.equal(r.headers.get('etag'), '"v1"');
    assert.equal(r.headers.get('server'), 'pbx-agent');
    const call = source.calls.at(-1)!;
    assert.equal(call.transport, 'https');
    assert.equal(call.client.ip, '127.0.0.1');
  });

  it('same handler: 304, 404, 405 and 400 behave as over plain HTTP', async () => {
    const url = `https://127.0.0.1:${httpsPort}/provisioning`;
    assert.equal((await curl(tmp.path, `${url}/y000000000028.cfg`, ['-k', '-H', 'If-None-Match: "v1"'])).status, 304);
    const nf = await curl(tmp.path, `${url}/nope.cfg`, ['-k']);
    assert.equal(nf.status, 404);
    assert.equal(nf.body.toString(), 'Not Found\n');
    assert.equal((await curl(tmp.path, `${url}/y000000000028.cfg`, ['-k', '-X', 'POST'])).status, 405);
    assert.equal((await curl(tmp.path, `${url}/../etc/passwd`, ['-k', '--path-as-is'])).status, 400);
  });

  it('plain HTTP keeps running beside it, with transport http', async () => {
    const r = await curl(tmp.path, `http://127.0.0.1:${port}/provisioning/y000000000028.cfg`);
    assert.equal(r.status, 200);
    assert.equal(source.calls.at(-1)!.transport, 'http');
  });

  it('curl refuses the certificate without --cacert (it really is TLS)', async () => {
    const r = await curl(tmp.path, `https://localhost:${httpsPort}/provisioning/y000000000028.cfg`, ['--resolve', `localhost:${httpsPort}:127.0.0.1`]);
    assert.equal(r.code, 60, r.stderr);
  });

  it('an unreadable or unusable certificate or key is a ConfigError naming the key', async () => {
    const other = await selfSigned(tmp, 'other');
    await writeFile(tmp.join('garbage.pem'), 'not a pem\n');
    const cases: Array<[Partial<{ certFile: string; keyFile: string }>, string]> = [
      [{ certFile: tmp.join('missing.crt'), keyFile: key }, 'http.certFile'],
      [{ certFile: cert, keyFile: tmp.join('missing.key') }, 'http.keyFile'],
      [{ certFile: tmp.join('garbage.pem'), keyFile: key }, 'http.certFile'],
      [{ certFile: cert, keyFile: tmp.join('garbage.pem') }, 'http.keyFile'],
      [{ certFile: cert, keyFile: other.key }, 'http.keyFile'],
    ];
    for (const [files, keyName] of cases) {
      const s = createHttpServer({
        config: httpConfig({ httpsEnabled: true, certFile: cert, keyFile: key, ...files }),
        httpPath: '/provisioning', source, log,
      });
      await assert.rejects(s.start(), (e: unknown) => e instanceof ConfigError && e.key === keyName, `${JSON.stringify(files)} -> ${keyName}`);
      await s.stop();
    }
  });
});

// The Falconieri-compatible REST call, driven with curl as its callers would: bearer token
// required (401 otherwise), PUT /providers/{provider}/{mac} with {"url"} answering Falconieri's
// status codes and JSON error bodies, the YMCS PIN, the token file created 0600.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readAudit } from '../../agent/audit.ts';
import { silentLogger } from '../../agent/log.ts';
import { defaultRpsConfig } from '../../provisioning/rps/config-schema.ts';
import { startXmlRpcFake, type XmlRpcFake } from '../../provisioning/rps/fakes/xmlrpc-fakes.ts';
import { startYmcsFake, type YmcsFake } from '../../provisioning/rps/fakes/ymcs-fake.ts';
import { createRps, rpsDefaultUrl, type Rps } from '../../provisioning/rps/index.ts';
import { ACTOR, fixture } from '../../provisioning/testing/fixture.ts';

interface Curl { status: number; body: string; headers: string }

function curl(args: string[]): Promise<Curl> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-D', '-', '--max-time', '10', ...args], (err, stdout) => {
      if (err && !stdout) return reject(err);
      const split = stdout.indexOf('\r\n\r\n');
      const headers = stdout.slice(0, split);
      resolve({ status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(headers)?.[1]), headers, body: stdout.slice(split + 4) });
    });
  });
}

describe('PUT /providers/{provider}/{mac} (curl)', () => {
  let dir: string;
  let rps: Rps;
  let base: string;
  let token: string;
  let snom: XmlRpcFake;
  let gigaset: XmlRpcFake;
  let ymcs: YmcsFake;
  const f = fixture();

  before(async () => {
    snom = await startXmlRpcFake('snom', { accounts: { alice: 'pw1' } });
    gigaset = await startXmlRpcFake('gigaset', { accounts: { carol: 'pw2' }, labels: { '7C2F80AABBCC': '3F9K' } });
    ymcs = await startYmcsFake({ clients: { cid: 'csecret' } });
    dir = mkdtempSync(join(tmpdir(), 'pbx-rps-api-'));
    rps = createRps({
      config: defaultRpsConfig({ enabled: false, api: { enabled: true, address: '127.0.0.1', port: 0, tokenFile: '' }, requestTimeoutMs: 1500 }),
      db: f.db, log: silentLogger(), stateDir: dir, defaultUrl: rpsDefaultUrl('http://192.0.2.1/provisioning/', false),
    });
    rps.service.addServer(ACTOR, { name: 'snom-main', provider: 'snom', username: 'alice', password: 'pw1', baseUrl: snom.url });
    rps.service.addServer(ACTOR, { name: 'gs', provider: 'gigaset', username: 'carol', password: 'pw2', baseUrl: gigaset.url });
    rps.service.addServer(ACTOR, { name: 'ymcs-eu', provider: 'ymcs', username: 'cid', password: 'csecret', baseUrl: ymcs.url.replace(/\/v2\/$/, '') });
    rps.service.addServer(ACTOR, { name: 'yl', provider: 'yealink', username: 'u', password: 'p', baseUrl: 'http://127.0.0.1:1/xmlrpc' });
    for (const s of rps.services) await s.start();
    const api = rps.services.find((s) => s.name === 'rps-api')!;
    base = `http://${String(api.status().listening).replace('/tcp', '')}`;
    token = readFileSync(join(dir, 'rps-api.token'), 'utf8').trim();
  });
  after(async () => {
    for (const s of rps.services) await s.stop();
    await Promise.all([snom.close(), gigaset.close(), ymcs.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (path: string, body: string | undefined, auth = `Bearer ${token}`): Promise<Curl> =>
    curl(['-X', 'PUT', '-H', `Authorization: ${auth}`, '-H', 'Content-Type: application/json', ...(body === undefined ? [] : ['--data-binary', body]), `${base}${path}`]);

  test('the token file is created, random, mode 0600', () => {
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(join(dir, 'rps-api.token')).mode & 0o777, 0o600);
  });

  test('no token or a wrong one: 401 with WWW-Authenticate, nothing registered', async () => {
    const none = await curl(['-X', 'PUT', '--data-binary', '{"url":"https://x/"}', `${base}/providers/snom/00-04-13-AA-BB-CC`]);
    assert.equal(none.status, 401);
    assert.match(none.headers, /www-authenticate: Bearer/i);
    assert.equal(JSON.parse(none.body).error, 'unauthorized');
    const wrong = await put('/providers/snom/00-04-13-AA-BB-CC', '{"url":"https://x/"}', 'Bearer not-the-token-at-all');
    assert.equal(wrong.status, 401);
    assert.equal((await curl([`${base}/health/check`])).status, 401);
    assert.equal(snom.calls.length, 0);
  });

  test('health check', async () => {
    const r = await curl(['-H', `Authorization: Bearer ${token}`, `${base}/health/check`]);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { status: 'ok' });
  });

  test('snom: 200 with an empty body; registered at the vendor; audited as the API caller', async () => {
    const r = await put('/providers/snom/00-04-13-AA-BB-CC', '{"url":"https://pbx.example.com/provisioning/{mac}.xml"}');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body, '');
    assert.equal(snom.registry.get('000413AABBCC')?.url, 'https://pbx.example.com/provisioning/{mac}.xml');
    const a = readAudit(f.db, { objectType: 'rps' })[0]!;
    assert.equal(a.user, 'api');
    assert.match(a.source, /^api 127\.0\.0\.1/);
  });

  test('ymcs: {"device_pin": ...}', async () => {
    const r = await put('/providers/ymcs/80-5E-C0-AA-BB-CC', '{"url":"https://pbx.example.com/provisioning/"}');
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { device_pin: ymcs.devices.get('805ec0aabbcc')!.pin });
  });

  test('gigaset needs ?crc=; wrong format and a CRC not on the label are refused', async () => {
    const url = '{"url":"https://pbx.example.com/p/"}';
    const missing = await put('/providers/gigaset/7C-2F-80-AA-BB-CC', url);
    assert.equal(missing.status, 400);
    assert.equal(JSON.parse(missing.body).error, 'missing_mac-id_crc');
    const bad = await put('/providers/gigaset/7C-2F-80-AA-BB-CC?crc=12', url);
    assert.equal(JSON.parse(bad.body).error, 'invalid_mac-id_crc_format');
    const wrongLabel = await put('/providers/gigaset/7C-2F-80-AA-BB-CC?crc=ZZZZ', url);
    assert.equal(wrongLabel.status, 500);
    assert.equal(JSON.parse(wrongLabel.body).error, 'not_valid_mac_address');
    const ok = await put('/providers/gigaset/7C-2F-80-AA-BB-CC?crc=3F9K', url);
    assert.equal(ok.status, 200, ok.body);
  });

  test('Falconieri\'s 400/404/500 codes', async () => {
    const cases: [string, string | undefined, number, string][] = [
      ['/providers/grape/00-04-13-AA-BB-CC', '{"url":"https://x/"}', 404, 'provider_not_supported'],
      ['/providers/fanvil/0C-38-3E-11-22-33', '{"url":"https://x/"}', 404, 'provider_not_supported'],
      ['/providers/snom/00-04-13-AA-BB', '{"url":"https://x/"}', 400, 'malformed_mac_address'],
      ['/providers/snom/01-00-5E-00-00-01', '{"url":"https://x/"}', 400, 'malformed_mac_address'],
      ['/providers/snom/00-04-13-AA-BB-CC', undefined, 400, 'missing_url'],
      ['/providers/snom/00-04-13-AA-BB-CC', '{"nope":1}', 400, 'missing_url'],
      ['/providers/snom/00-04-13-AA-BB-CC', '{"url":"gopher://x/"}', 400, 'unsupported_url_scheme'],
      ['/providers/snom/00-04-13-AA-BB-CC', '{"url":"::nope"}', 400, 'unable_to_parse_url'],
      ['/providers/yealink/80-5E-C0-00-00-01', '{"url":"https://x/"}', 500, 'connection_to_remote_provider_failed'],
    ];
    for (const [path, body, status, code] of cases) {
      const r = await put(path, body);
      assert.equal(r.status, status, `${path} ${body}: ${r.body}`);
      assert.equal(JSON.parse(r.body).error, code, `${path} ${body}`);
    }
    snom.ownedByOther('000413000001');
    const owned = await put('/providers/snom/00-04-13-00-00-01', '{"url":"https://x/"}');
    assert.equal(owned.status, 500);
    assert.equal(JSON.parse(owned.body).error, 'device_owned_by_other_user');
    assert.equal((await curl(['-H', `Authorization: Bearer ${token}`, `${base}/providers/snom/00-04-13-AA-BB-CC`])).status, 405);
  });

  test('a body over 16 KiB is refused with 413', async () => {
    const r = await put('/providers/snom/00-04-13-AA-BB-CC', JSON.stringify({ url: 'https://x/' + 'a'.repeat(20000) }));
    assert.equal(r.status, 413);
  });
});

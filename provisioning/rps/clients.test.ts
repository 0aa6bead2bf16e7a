// Each vendor client against a local fake that speaks that vendor's protocol: the wire shape
// (method, path, headers, body), success, idempotence, the vendors' refusals mapped to
// Falconieri's codes, wrong credentials, 5xx, hangs (timeouts) and garbage answers.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createFanvilClient, materialServer } from './clients/fanvil.ts';
import { createGigasetClient } from './clients/gigaset.ts';
import { createSnomClient } from './clients/snom.ts';
import type { RpsClient } from './clients/types.ts';
import { createYealinkClient } from './clients/yealink.ts';
import { createYmcsClient } from './clients/ymcs.ts';
import { xmlRpcCall } from './clients/xmlrpc-call.ts';
import { RpsError, type RpsErrorCode } from './errors.ts';
import { startXmlRpcFake, type XmlRpcFake } from './fakes/xmlrpc-fakes.ts';
import { startYmcsFake, type YmcsFake } from './fakes/ymcs-fake.ts';
import { decodeCallText } from './xmlrpc.ts';

const MAC = '0004132a0b0c';
const URL = 'https://pbx.example.com/provisioning/';

async function rejectsWith(p: Promise<unknown>, code: RpsErrorCode, retryable?: boolean): Promise<RpsError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RpsError, `not an RpsError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (retryable !== undefined) assert.equal(e.retryable, retryable, `retryable for ${e.message}`);
    return e;
  }
  assert.fail(`expected ${code}`);
}

const basic = (u: string, p: string): string => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');

describe('Snom redirect.registerPhone', () => {
  let fake: XmlRpcFake;
  let client: RpsClient;
  before(async () => {
    fake = await startXmlRpcFake('snom', { accounts: { alice: 's3cret' } });
    client = createSnomClient({ baseUrl: fake.url, username: 'alice', password: 's3cret', serverName: '', timeoutMs: 2000 });
  });
  after(() => fake.close());

  test('wire: POST /xmlrpc/, text/xml, Basic, uppercase MAC, URL as given', async () => {
    await client.register({ mac: MAC, url: URL });
    const w = fake.wire.at(-1)!;
    assert.equal(w.method, 'POST');
    assert.equal(w.path, '/xmlrpc/');
    assert.equal(w.headers['content-type'], 'text/xml');
    assert.equal(w.headers.authorization, basic('alice', 's3cret'));
    assert.equal(w.body, `<?xml version="1.0"?><methodCall><methodName>redirect.registerPhone</methodName><params><param><value><string>0004132A0B0C</string></value></param><param><value><string>${URL}</string></value></param></params></methodCall>`);
    assert.equal(fake.registry.get('0004132A0B0C')?.url, URL);
  });

  test('idempotent: registering again (same or new URL) succeeds', async () => {
    await client.register({ mac: MAC, url: URL });
    await client.register({ mac: MAC, url: URL + 'v2/' });
    assert.equal(fake.registry.get('0004132A0B0C')?.url, URL + 'v2/');
    assert.equal(await client.check!({ mac: MAC }), 'registered');
  });

  test('refusals map to Falconieri codes and are final', async () => {
    fake.ownedByOther('001565000001');
    await rejectsWith(client.register({ mac: '001565000001', url: URL }), 'device_owned_by_other_user', false);
    assert.equal(await client.check!({ mac: '001565000001' }), 'elsewhere');
    await rejectsWith(client.register({ mac: MAC, url: 'gopher://x/' }), 'malformed_url', false);
    await rejectsWith(client.register({ mac: 'zz', url: URL }), 'not_valid_mac_address', false);
  });

  test('deregister, then check says unregistered; deregistering again is fine', async () => {
    await client.deregister({ mac: MAC });
    assert.equal(await client.check!({ mac: MAC }), 'unregistered');
    await client.deregister({ mac: MAC });
  });

  test('wrong credentials: HTTP 401 -> provider_remote_call_failed, not retried', async () => {
    const bad = createSnomClient({ baseUrl: fake.url, username: 'alice', password: 'nope', serverName: '', timeoutMs: 2000 });
    const e = await rejectsWith(bad.register({ mac: MAC, url: URL }), 'provider_remote_call_failed', false);
    assert.match(e.message, /401/);
    assert.doesNotMatch(e.message, /nope/);
  });

  test('5xx is retryable; a hang times out as connection_to_remote_provider_failed; garbage is unknown_response_from_provider', async () => {
    fake.script({ kind: 'status', status: 503, body: 'busy' });
    await rejectsWith(client.register({ mac: MAC, url: URL }), 'provider_remote_call_failed', true);
    const quick = createSnomClient({ baseUrl: fake.url, username: 'alice', password: 's3cret', serverName: '', timeoutMs: 200 });
    fake.script({ kind: 'hang' });
    const t0 = Date.now();
    await rejectsWith(quick.register({ mac: MAC, url: URL }), 'connection_to_remote_provider_failed', true);
    assert.ok(Date.now() - t0 < 2000);
    fake.script({ kind: 'raw', body: '<html>proxy error</html>' });
    await rejectsWith(client.register({ mac: MAC, url: URL }), 'unknown_response_from_provider', true);
    fake.script({ kind: 'raw', body: '<methodResponse><params><param><value><string>Ok</string></value></param></params></methodResponse>' });
    await rejectsWith(client.register({ mac: MAC, url: URL }), 'unknown_response_from_provider');
  });

  test('connection refused is connection_to_remote_provider_failed (retryable)', async () => {
    const dead = createSnomClient({ baseUrl: 'http://127.0.0.1:1/xmlrpc/', username: 'a', password: 'b', serverName: '', timeoutMs: 1000 });
    await rejectsWith(dead.register({ mac: MAC, url: URL }), 'connection_to_remote_provider_failed', true);
  });
});

describe('Yealink legacy redirect.registerDeviceWithUniqueUrl', () => {
  let fake: XmlRpcFake;
  let client: RpsClient;
  before(async () => {
    fake = await startXmlRpcFake('yealink', { accounts: { bob: 'pw' } });
    client = createYealinkClient({ baseUrl: fake.url, username: 'bob', password: 'pw', serverName: 'pbx-agent', timeoutMs: 2000 });
  });
  after(() => fake.close());

  test('wire: MAC AA-BB-..., server name, URL, override "1"; idempotent; check', async () => {
    await client.register({ mac: '805ec0112233', url: URL });
    await client.register({ mac: '805ec0112233', url: URL });
    const c = decodeCallText(fake.wire.at(-1)!.body);
    assert.deepEqual(c.ok && c.value, { method: 'redirect.registerDeviceWithUniqueUrl', params: ['80-5E-C0-11-22-33', 'pbx-agent', URL, '1'] });
    assert.equal(fake.wire.at(-1)!.path, '/xmlrpc');
    assert.equal(await client.check!({ mac: '805ec0112233' }), 'registered');
  });

  test('owned by another account (Error:<10 chars>), bad URL, bad MAC', async () => {
    fake.ownedByOther('80-5E-C0-00-00-01');
    await rejectsWith(client.register({ mac: '805ec0000001', url: URL }), 'device_owned_by_other_user');
    assert.equal(await client.check!({ mac: '805ec0000001' }), 'elsewhere');
    await rejectsWith(client.register({ mac: '805ec0112233', url: 'file:///etc/passwd' }), 'malformed_url');
  });

  test('deregister', async () => {
    await client.deregister({ mac: '805ec0112233' });
    assert.equal(await client.check!({ mac: '805ec0112233' }), 'unregistered');
  });
});

describe('Gigaset autoprov with the MAC-ID CRC', () => {
  let fake: XmlRpcFake;
  let client: RpsClient;
  before(async () => {
    fake = await startXmlRpcFake('gigaset', { accounts: { carol: 'pw' }, labels: { '7C2F80AABBCC': '3F9K' } });
    client = createGigasetClient({ baseUrl: fake.url, username: 'carol', password: 'pw', serverName: 'pbx-agent', timeoutMs: 2000 });
  });
  after(() => fake.close());

  test('wire: deregisterDevice(macId) then registerDevice(macId, url, name); re-register replaces', async () => {
    await client.register({ mac: '7c2f80aabbcc', url: URL, crc: '3f9k' });
    const methods = fake.calls.map((c) => [c.method, ...c.params]);
    assert.deepEqual(methods, [
      ['autoprov.deregisterDevice', '7C2F80AABBCC-3F9K'],
      ['autoprov.registerDevice', '7C2F80AABBCC-3F9K', URL, 'pbx-agent'],
    ]);
    assert.equal(fake.wire[0]!.path, '/apxml/rpc.do');
    await client.register({ mac: '7c2f80aabbcc', url: URL + 'x/', crc: '3F9K' });
    assert.equal(fake.registry.get('7C2F80AABBCC')?.url, URL + 'x/');
    assert.equal(await client.check!({ mac: '7c2f80aabbcc', crc: '3F9K' }), 'registered');
  });

  test('a wrong CRC (not the label) is not_valid_mac_address; owned elsewhere; bad URL', async () => {
    await rejectsWith(client.register({ mac: '7c2f80aabbcc', url: URL, crc: 'ZZZZ' }), 'not_valid_mac_address');
    fake.ownedByOther('7C2F80000001');
    await rejectsWith(client.register({ mac: '7c2f80000001', url: URL, crc: 'AAAA' }), 'device_owned_by_other_user');
    await rejectsWith(client.register({ mac: '7c2f80aabbcc', url: 'mailto:x', crc: '3F9K' }), 'malformed_url');
  });
});

describe('Fanvil FDPS four-call sequence', () => {
  let fake: XmlRpcFake;
  let client: RpsClient;
  before(async () => {
    fake = await startXmlRpcFake('fanvil', { accounts: { dave: 'plain-pw' } });
    client = createFanvilClient({ baseUrl: fake.url, username: 'dave', password: 'plain-pw', serverName: '', timeoutMs: 2000 });
  });
  after(() => fake.close());

  test('wire: double-MD5 password; deleteServer, addMaterialServer, deRegisterDevice, registerDevice', async () => {
    await client.register({ mac: '0c383e112233', url: 'https://pbx.example.com:8443/provisioning/t1/' });
    const dmd5 = createHash('md5').update(createHash('md5').update('plain-pw').digest('hex')).digest('hex');
    assert.equal(fake.wire[0]!.headers.authorization, basic('dave', dmd5));
    assert.deepEqual(fake.calls.map((c) => [c.method, ...c.params]), [
      ['redirect.deleteServer', '0C383E112233'],
      ['redirect.addMaterialServer', ['cfgName=0C383E112233', 'cfgPfMode=1', 'cfgDhcpOpt=false', 'cfgPnpEnable=false',
        'cfgPfSrv=pbx.example.com:8443', 'cfgPfName=provisioning/t1/', 'cfgPfProt=5']],
      ['redirect.deRegisterDevice', '0C383E112233'],
      ['redirect.registerDevice', '0C383E112233', '0C383E112233'],
    ]);
    assert.equal(fake.registry.get('0C383E112233')?.url, 'https://pbx.example.com:8443/provisioning/t1/');
  });

  test('idempotent: the sequence again replaces server and registration', async () => {
    await client.register({ mac: '0c383e112233', url: 'http://10.0.0.1/p/' });
    assert.equal(fake.registry.get('0C383E112233')?.url, 'http://10.0.0.1/p/');
  });

  test('owned by another account: Error: device_had_existed', async () => {
    fake.ownedByOther('0C383E000001');
    await rejectsWith(client.register({ mac: '0c383e000001', url: URL }), 'device_owned_by_other_user');
  });

  test('the fake refuses the plain password: only the double MD5 authenticates', async () => {
    const plain = await xmlRpcCall({ url: fake.url, username: 'dave', password: 'plain-pw', timeoutMs: 2000 }, 'redirect.deleteServer', ['X']).catch((e: unknown) => e);
    assert.ok(plain instanceof RpsError && /401/.test(plain.message));
    const wrong = createFanvilClient({ baseUrl: fake.url, username: 'dave', password: 'other', serverName: '', timeoutMs: 2000 });
    await rejectsWith(wrong.register({ mac: '0c383e112233', url: URL }), 'provider_remote_call_failed', false);
  });

  test('a URL query string is dropped by FDPS: the material server keeps host, path, protocol', () => {
    assert.deepEqual(materialServer('AABBCCDDEEFF', 'tftp://10.0.0.1:6969/a%20b/?tok=1').slice(4), ['cfgPfSrv=10.0.0.1:6969', 'cfgPfName=a b/', 'cfgPfProt=2']);
  });
});

describe('Yealink YMCS (OAuth2 client credentials)', () => {
  let fake: YmcsFake;
  let client: RpsClient;
  let clock = 1_700_000_000_000;
  before(async () => {
    fake = await startYmcsFake({ clients: { 'client-id': 'client-secret' }, expiresIn: 3600 });
    client = createYmcsClient({ baseUrl: fake.url.replace(/\/v2\/$/, ''), username: 'client-id', password: 'client-secret', serverName: '', timeoutMs: 2000, now: () => clock });
  });
  after(() => fake.close());

  test('wire: token (Basic, grant_type), then delDevices, addDevicesByMac (array), listDevicePins; PIN returned', async () => {
    const r = await client.register({ mac: '805ec0aabbcc', url: URL });
    assert.match(r.pin ?? '', /^\d{6}$/);
    const [tok, del, add, pins] = fake.wire;
    assert.equal(tok!.path, '/v2/token');
    assert.equal(tok!.headers.authorization, basic('client-id', 'client-secret'));
    assert.deepEqual(JSON.parse(tok!.body), { grant_type: 'client_credentials' });
    for (const w of fake.wire) {
      assert.equal(w.method, 'POST');
      assert.equal(w.headers['content-type'], 'application/json');
      assert.match(w.headers.timestamp!, /^\d{13}$/);
      assert.match(w.headers.nonce!, /^[0-9a-f]{32}$/);
    }
    assert.equal(del!.path, '/v2/rps/delDevices');
    assert.deepEqual(JSON.parse(del!.body), { deviceIdType: 'mac', deviceIds: ['805ec0aabbcc'] });
    assert.match(del!.headers.authorization!, /^Bearer tok-/);
    assert.equal(add!.path, '/v2/rps/addDevicesByMac');
    assert.deepEqual(JSON.parse(add!.body), [{ mac: '805ec0aabbcc', uniqueServerUrl: URL }]);
    assert.deepEqual(JSON.parse(pins!.body), { macs: ['805ec0aabbcc'] });
  });

  test('the token is cached until expires_in - 60 s, then fetched again', async () => {
    const before = fake.tokensIssued;
    await client.register({ mac: '805ec0aabbcc', url: URL });
    assert.equal(fake.tokensIssued, before, 'cached');
    clock += 3541_000;
    await client.register({ mac: '805ec0aabbcc', url: URL });
    assert.equal(fake.tokensIssued, before + 1, 'renewed after expiry');
  });

  test('a token the server dropped (900401) is renewed once and the call succeeds', async () => {
    fake.expireTokens();
    const before = fake.tokensIssued;
    await client.register({ mac: '805ec0aabbcc', url: URL });
    assert.equal(fake.tokensIssued, before + 1);
  });

  test('owned by another organisation; 403 when addDevicesByMac is not enabled; bad client secret', async () => {
    fake.ownedByOther('805ec0000001');
    await rejectsWith(client.register({ mac: '805ec0000001', url: URL }), 'device_owned_by_other_user', false);
    fake.forbidAddByMac(true);
    const e = await rejectsWith(client.register({ mac: '805ec0aabbcc', url: URL }), 'provider_remote_call_failed', false);
    assert.match(e.message, /403/);
    fake.forbidAddByMac(false);
    const bad = createYmcsClient({ baseUrl: fake.url.replace(/\/v2\/$/, ''), username: 'client-id', password: 'WrongSecret42', serverName: '', timeoutMs: 2000 });
    const e2 = await rejectsWith(bad.register({ mac: '805ec0aabbcc', url: URL }), 'provider_remote_call_failed', false);
    assert.match(e2.message, /401/);
    assert.doesNotMatch(e2.message, /WrongSecret42|client-secret/);
  });

  test('5xx on addDevicesByMac is retryable', async () => {
    await client.register({ mac: '805ec0aabbcc', url: URL }); // warm token
    fake.script({ kind: 'status', status: 200, contentType: 'application/json', body: '{"total":1,"successCount":1,"failureCount":0,"errors":[]}' }); // delDevices
    fake.script({ kind: 'status', status: 502, body: 'bad gateway' });
    await rejectsWith(client.register({ mac: '805ec0aabbcc', url: URL }), 'provider_remote_call_failed', true);
  });
});

// The fetch gate in process, with the real resolver over an in-memory store and an injected
// clock: nonce expiry (stale=true), per-tenant credentials on a multi-tenant node, a token
// crossing tenants, modes required and off, and the record of outcomes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../agent/log.ts';
import { createFetchLog } from '../../provisioning/fetch-log.ts';
import { ACTOR, fixture } from '../../provisioning/testing/fixture.ts';
import { defaultFetchAuthConfig, type FetchAuthConfig } from './auth-config.ts';
import { digestResponse, ha1 } from './auth-digest.ts';
import { createFetchGuard, globToRegExp, type GuardRequest, type GuardResult } from './auth-gate.ts';
import { issueToken, setCredential } from './auth-store.ts';
import { createPhonebookStore } from '../../provisioning/phonebook-store.ts';

function setup(over: Partial<FetchAuthConfig> = {}, multiTenant = false) {
  const f = fixture({ multiTenant });
  let t = 1_000_000;
  const fetchLog = createFetchLog(100);
  const guard = createFetchGuard({
    db: f.db, config: defaultFetchAuthConfig(over), multiTenant, source: f.prov.source, log: silentLogger(), fetchLog,
    now: () => t, nonceKey: Buffer.alloc(32, 1),
  });
  return { f, guard, fetchLog, advance: (ms: number) => { t += ms; } };
}

const req = (path: string, extra: Partial<GuardRequest> = {}): GuardRequest =>
  ({ method: 'GET', target: `/provisioning/${path}`, path, transport: 'http', ip: '192.0.2.50', port: 40000, ...extra });

/** Answers the MD5 challenge of a 401 the way a phone does. */
function answer(r: GuardResult, path: string, user: string, pw: string, nc = 1): string {
  assert.equal(r.kind, 'refuse');
  const h = (r as { headers: Record<string, string[]> }).headers['WWW-Authenticate']![0]!;
  const realm = /realm="([^"]+)"/.exec(h)![1]!;
  const nonce = /nonce="([^"]+)"/.exec(h)![1]!;
  const uri = `/provisioning/${path}`;
  const response = digestResponse('MD5', ha1('MD5', user, realm, pw), 'GET', { nonce, nc, cnonce: 'cn', uri });
  return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", qop=auth, nc=${nc.toString(16).padStart(8, '0')}, cnonce="cn", response="${response}", algorithm=MD5`;
}

const status = (r: GuardResult): number => (r.kind === 'refuse' ? r.status : r.result.ok ? 200 : 404);

describe('fetch gate', () => {
  it('globs: * within a segment, ** across, case ignored', () => {
    assert.equal(globToRegExp('*.crt').test('ca.crt'), true);
    assert.equal(globToRegExp('*.crt').test('certs/ca.crt'), false);
    assert.equal(globToRegExp('**/*.CRT').test('certs/a/ca.crt'), true);
    assert.equal(globToRegExp('a.b').test('axb'), false);
  });

  it('an expired nonce with the right password gets 401 stale=true, then a fresh nonce works', async () => {
    const { f, guard, advance, fetchLog } = setup({ nonceTtlMs: 10_000 });
    f.s.addAccount(ACTOR, { username: '201', password: 'pw-201-xx' });
    f.s.addDevice(ACTOR, { mac: '001565aabbcc', model: 'Yealink/T4x-T5x', account: '201' });
    setCredential(f.db, ACTOR, { tenant: null, username: 'phones', password: 'p4ssword!', realm: 'pbx-agent' }, () => new Date());
    const first = await guard.fetch(req('001565aabbcc.cfg'));
    const auth = answer(first, '001565aabbcc.cfg', 'phones', 'p4ssword!');
    assert.equal(status(await guard.fetch(req('001565aabbcc.cfg', { authorization: auth }))), 200);
    advance(11_000);
    const again = await guard.fetch(req('001565aabbcc.cfg', { authorization: auth.replace('nc=00000001', 'nc=00000002').replace(/response="[^"]+"/, `response="${/response="([^"]+)"/.exec(answer(first, '001565aabbcc.cfg', 'phones', 'p4ssword!', 2))![1]}"`) }));
    assert.equal(status(again), 401);
    assert.match(String((again as { headers: Record<string, string[]> }).headers['WWW-Authenticate']![0]), /stale=true/);
    assert.equal(fetchLog.recent({ limit: 1 })[0]!.outcome, 'stale-nonce', 'not counted as a failure');
    assert.equal(status(await guard.fetch(req('001565aabbcc.cfg', { authorization: answer(again, '001565aabbcc.cfg', 'phones', 'p4ssword!') }))), 200);
    // A digest for one file does not open another (uri is checked against the request target).
    const c = await guard.fetch(req('y000000000000.cfg'));
    const forOther = answer(c, 'y000000000000.cfg', 'phones', 'p4ssword!');
    assert.equal(status(await guard.fetch(req('001565aabbcc.cfg', { authorization: forOther }))), 401);
    assert.equal(fetchLog.recent({ limit: 1 })[0]!.outcome, 'bad-credentials');
  });

  it("multi-tenant: each tenant's credentials open only its own files; a token cannot cross tenants", async () => {
    const { f, guard } = setup({}, true);
    const a = f.s.addTenant(ACTOR, { name: 'A' }).uuid;
    const b = f.s.addTenant(ACTOR, { name: 'B' }).uuid;
    f.s.addAccount(ACTOR, { username: '201', password: 'pw-201-xx', tenant: a });
    f.s.addAccount(ACTOR, { username: '301', password: 'pw-301-xx', tenant: b });
    f.s.addDevice(ACTOR, { mac: '001565aaaaaa', model: 'Yealink/T4x-T5x', account: '201', tenant: a });
    f.s.addDevice(ACTOR, { mac: '001565bbbbbb', model: 'Yealink/T4x-T5x', account: '301', tenant: b });
    setCredential(f.db, ACTOR, { tenant: a, username: 'phones', password: 'tenant-a-pw', realm: 'pbx-agent' }, () => new Date());
    setCredential(f.db, ACTOR, { tenant: b, username: 'phones', password: 'tenant-b-pw', realm: 'pbx-agent' }, () => new Date());
    const pa = `${a}/001565aaaaaa.cfg`;
    const pb = `${b}/001565bbbbbb.cfg`;
    assert.equal(status(await guard.fetch(req(pa, { authorization: answer(await guard.fetch(req(pa)), pa, 'phones', 'tenant-a-pw') }))), 200);
    assert.equal(status(await guard.fetch(req(pb, { authorization: answer(await guard.fetch(req(pb)), pb, 'phones', 'tenant-a-pw') }))), 401, "A's password is not B's");
    // A nonce issued for tenant A answered (with B's password) on B's path: refused too.
    assert.equal(status(await guard.fetch(req(pb, { authorization: answer(await guard.fetch(req(pa)), pb, 'phones', 'tenant-b-pw') }))), 401);
    const { token } = issueToken(f.db, ACTOR, '001565aaaaaa', () => new Date());
    assert.equal(status(await guard.fetch(req(`t/${token}/001565aaaaaa.cfg`))), 200, 'the token adds its tenant');
    assert.equal(status(await guard.fetch(req(`t/${token}/${b}/001565bbbbbb.cfg`))), 403);
  });

  it('mode required: no credentials means only token paths work; mode off: nothing is asked', async () => {
    const req1 = setup({ mode: 'required' });
    req1.f.s.addAccount(ACTOR, { username: '201', password: 'pw-201-xx' });
    req1.f.s.addDevice(ACTOR, { mac: '001565aabbcc', model: 'Yealink/T4x-T5x', account: '201' });
    assert.equal(status(await req1.guard.fetch(req('y000000000000.cfg'))), 401);
    const { token } = issueToken(req1.f.db, ACTOR, '001565aabbcc', () => new Date());
    assert.equal(status(await req1.guard.fetch(req(`t/${token}/y000000000000.cfg`))), 200);
    const off = setup({ mode: 'off' });
    setCredential(off.f.db, ACTOR, { tenant: null, username: 'phones', password: 'p4ssword!', realm: 'r' }, () => new Date());
    assert.equal(status(await off.guard.fetch(req('y000000000000.cfg'))), 200);
  });

  it('TFTP face: a file with secrets is refused while auth applies, with reason auth-required', async () => {
    const { f, guard, fetchLog } = setup();
    f.s.addAccount(ACTOR, { username: '201', password: 'pw-201-xx' });
    f.s.addDevice(ACTOR, { mac: '001565aabbcc', model: 'Yealink/T4x-T5x', account: '201' });
    const tftp = guard.tftpSource();
    const get = (path: string) => tftp.get({ path, transport: 'tftp', client: { ip: '192.0.2.9', port: 1 } });
    assert.equal((await get('001565aabbcc.cfg')).ok, true, 'no credentials yet: open');
    setCredential(f.db, ACTOR, { tenant: null, username: 'phones', password: 'p4ssword!', realm: 'r' }, () => new Date());
    const r = await get('001565aabbcc.cfg');
    assert.ok(!r.ok && r.reason === 'auth-required');
    assert.equal((await get('y000000000000.cfg')).ok, true, 'the common file carries no secret');
    assert.equal(fetchLog.recent({ limit: 2 }).map((e) => e.outcome).join(','), 'served,secret-refused');
  });

  it('open tenant (no credentials): a phonebook reader is the device its User-Agent names', async () => {
    const { f, guard, fetchLog } = setup();
    f.s.addAccount(ACTOR, { username: '201', password: 'pw-201-xx' });
    f.s.addDevice(ACTOR, { mac: '001565aabbcc', model: 'Yealink/T4x-T5x', account: '201' });
    const store = createPhonebookStore({ db: f.db, now: () => new Date(), multiTenant: false, lastSeen: () => undefined });
    const pb = store.add(ACTOR, 'Company');
    store.addEntry(ACTOR, pb.id, 'Reception', [{ kind: 'work', number: '200' }]);
    store.allow(ACTOR, pb.id, { kind: 'device', ref: '00:15:65:AA:BB:CC' });
    const name = `pb-yealink-${pb.id}.xml`;
    assert.equal(status(await guard.fetch(req(name, { userAgent: 'Yealink SIP-T46S 66.86.0.15 001565aabbcc' }))), 200);
    assert.equal(status(await guard.fetch(req(name))), 404, 'nobody identified');
    assert.equal(fetchLog.recent({ limit: 1 })[0]!.outcome, 'not-allowed');
    assert.equal(status(await guard.fetch(req(name, { userAgent: 'Yealink SIP-T46S 66.86.0.15 001565000009' }))), 404, 'a device that does not exist');
  });

  it('invalid algorithms in the config are refused, naming the key', () => {
    assert.throws(() => setup({ algorithms: ['SHA-512'] }), /http\.auth\.algorithms/);
    assert.throws(() => setup({ algorithms: [] }), /http\.auth\.algorithms/);
  });
});

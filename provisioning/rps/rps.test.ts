// The RPS service and registration worker over a real store, against the vendor fakes, with an
// injected clock and randomness: links, idempotence, re-registration on change, retries with
// exponential jittered backoff, final errors, retry, the attempt cap, bounded concurrency,
// shutdown mid-request, the YMCS PIN, validation, and secrets kept out of views, audit and logs.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import { readAudit } from '../../agent/audit.ts';
import { InvalidArgumentError } from '../../agent/errors.ts';
import { createLogger } from '../../agent/log.ts';
import { ACTOR, fixture, type Fixture } from '../testing/fixture.ts';
import type { RpsClient } from './clients/types.ts';
import { defaultRpsConfig, type RpsConfig } from './config-schema.ts';
import { RpsError } from './errors.ts';
import { startXmlRpcFake, type XmlRpcFake } from './fakes/xmlrpc-fakes.ts';
import { startYmcsFake, type YmcsFake } from './fakes/ymcs-fake.ts';
import { createRps, rpsDefaultUrl, type Rps } from './index.ts';
import type { LinkView } from './service.ts';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const SECRET = 'Sup3r-Secret-Pw';

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { lines, logger: createLogger('debug', sink) };
}

interface Env { f: Fixture; rps: Rps; clock: { t: number }; logs: string[]; cfg: RpsConfig }

function env(opts: { cfg?: Partial<RpsConfig>; clients?: (s: import('./repo.ts').ServerRow) => RpsClient; random?: number; defaultHttp?: string } = {}): Env {
  const f = fixture();
  const clock = { t: T0 };
  const { lines, logger } = capture();
  const cfg = defaultRpsConfig({ backoffBaseMs: 30_000, backoffMaxMs: 3_600_000, maxAttempts: 8, concurrency: 4, requestTimeoutMs: 2000, ...opts.cfg });
  const rps = createRps({
    config: cfg, db: f.db, log: logger, stateDir: '/nonexistent',
    defaultUrl: rpsDefaultUrl(opts.defaultHttp ?? 'http://192.0.2.1/provisioning/', false),
    now: () => clock.t, random: () => opts.random ?? 0.5,
    ...(opts.clients ? { clients: opts.clients } : {}),
  });
  return { f, rps, clock, logs: lines, cfg };
}

const status = (e: Env, mac: string): LinkView => e.rps.service.status(mac) as LinkView;

function device(e: Env, mac: string, model: string): void {
  e.f.s.addDevice(ACTOR, { mac, model });
}

describe('worker with the Snom fake', () => {
  let snom: XmlRpcFake;
  before(async () => { snom = await startXmlRpcFake('snom', { accounts: { alice: SECRET, bob: 'pw-bob' } }); });
  after(() => snom.close());
  beforeEach(() => { snom.registry.clear(); snom.calls.length = 0; });

  const server = (e: Env, extra: Record<string, unknown> = {}) => e.rps.service.addServer(ACTOR, {
    name: 'snom-main', provider: 'snom', username: 'alice', password: SECRET, baseUrl: snom.url, provisioningUrl: 'https://pbx.example.com/provisioning/{tenant}', ...extra,
  });

  test('link -> registered, recorded, audited; a second pass calls nobody (idempotent)', async () => {
    const e = env();
    server(e);
    device(e, '000413aabbcc', 'Snom/D7xx');
    const linked = e.rps.service.link(ACTOR, { mac: '00:04:13:AA:BB:CC', server: 'snom-main' });
    assert.equal(linked.state, 'pending');
    assert.equal(linked.provisioned, false);
    assert.equal(await e.rps.worker.pass(), 1);
    const s = status(e, '000413aabbcc');
    assert.equal(s.state, 'ok');
    assert.equal(s.provisioned, true);
    assert.equal(s.attempts, 1);
    assert.equal(s.registeredUrl, 'https://pbx.example.com/provisioning/');
    assert.equal(snom.registry.get('000413AABBCC')?.url, 'https://pbx.example.com/provisioning/');
    assert.equal(await e.rps.worker.pass(), 0);
    assert.equal(snom.calls.length, 1, 'no second vendor call');
    const audit = readAudit(e.f.db, { objectType: 'device' }).filter((a) => a.action === 'rps-register');
    assert.equal(audit.length, 1);
    assert.match(audit[0]!.description, /registered with redirection server snom-main \(snom\)/);
    assert.equal(audit[0]!.user, 'system');
  });

  test('a changed server URL or device MAC registers again', async () => {
    const e = env();
    server(e);
    device(e, '000413aabbcc', 'Snom/D7xx');
    e.rps.service.link(ACTOR, { mac: '000413aabbcc', server: 'snom-main' });
    await e.rps.worker.pass();
    // Same millisecond on purpose: changes are told apart by revision, not by timestamp.
    e.rps.service.updateServer(ACTOR, 'snom-main', { provisioningUrl: 'https://pbx2.example.com/p/' });
    assert.equal(status(e, '000413aabbcc').provisioned, false);
    assert.equal(await e.rps.worker.pass(), 1);
    assert.equal(snom.registry.get('000413AABBCC')?.url, 'https://pbx2.example.com/p/');
    e.clock.t += 1000;
    e.f.s.updateDevice(ACTOR, '000413aabbcc', { newMac: '000413aabbcd' });
    assert.equal(await e.rps.worker.pass(), 1, 'the scan notices the new MAC');
    assert.equal(snom.registry.get('000413AABBCD')?.url, 'https://pbx2.example.com/p/');
    assert.equal(snom.registry.has('000413AABBCC'), false, 'the old MAC is deregistered');
    assert.equal(status(e, '000413aabbcd').provisioned, true);
    assert.match(readAudit(e.f.db, { objectType: 'device' })[0]!.description, /previous registration 000413aabbcc at snom-main removed/);
  });

  test('moving a device to another account registers it there and removes it from the first', async () => {
    const e = env();
    server(e);
    e.rps.service.addServer(ACTOR, { name: 'snom-second', provider: 'snom', username: 'bob', password: 'pw-bob', baseUrl: snom.url, provisioningUrl: 'https://pbx.example.com/provisioning/' });
    device(e, '000413aabbcc', 'Snom/D7xx');
    e.rps.service.link(ACTOR, { mac: '000413aabbcc', server: 'snom-main' });
    await e.rps.worker.pass();
    assert.equal(snom.registry.get('000413AABBCC')?.owner, 'alice');
    e.clock.t += 1000;
    e.rps.service.link(ACTOR, { mac: '000413aabbcc', server: 'snom-second' });
    await e.rps.worker.pass();
    assert.equal(snom.registry.get('000413AABBCC')?.owner, 'bob');
    assert.equal(status(e, '000413aabbcc').provisioned, true);
  });

  test('5xx: retried with exponential backoff and jitter, then success; one audit row per distinct outcome', async () => {
    const e = env({ random: 0.5 });
    server(e);
    device(e, '000413aabbcc', 'Snom/D7xx');
    e.rps.service.link(ACTOR, { mac: '000413aabbcc', server: 'snom-main' });
    snom.script({ kind: 'status', status: 503, body: 'maintenance' }, 2);
    await e.rps.worker.pass();
    let s = status(e, '000413aabbcc');
    assert.equal(s.state, 'pending');
    assert.equal(s.error, 'provider_remote_call_failed');
    assert.equal(s.attempts, 1);
    // attempt 1 failed: 30 s nominal, equal jitter with random 0.5 -> 22.5 s
    assert.equal(Date.parse(s.nextAttemptAt!) - e.clock.t, 22_500);
    assert.equal(await e.rps.worker.pass(), 0, 'not due yet');
    e.clock.t += 22_500;
    await e.rps.worker.pass();
    s = status(e, '000413aabbcc');
    assert.equal(s.attempts, 2);
    assert.equal(Date.parse(s.nextAttemptAt!) - e.clock.t, 45_000, 'doubled: 60 s nominal -> 45 s');
    e.clock.t += 45_000;
    await e.rps.worker.pass();
    s = status(e, '000413aabbcc');
    assert.equal(s.state, 'ok');
    assert.equal(s.error, '');
    assert.equal(s.attempts, 3);
    const audit = readAudit(e.f.db, { objectType: 'device' }).filter((a) => a.action === 'rps-register').map((a) => a.description);
    assert.equal(audit.length, 2, audit.join('\n'));
  });

  test('jitter stays within 50-100% of the nominal delay and the cap holds', async () => {
    const { backoffDelay } = await import('./backoff.ts');
    for (const r of [0, 0.25, 0.999]) {
      for (let a = 1; a < 30; a++) {
        const nominal = Math.min(3_600_000, 30_000 * 2 ** (a - 1));
        const d = backoffDelay(a, 30_000, 3_600_000, r);
        assert.ok(d >= nominal / 2 && d <= nominal, `attempt ${a} r ${r}: ${d}`);
      }
    }
  });

  test('attempts are capped: a vendor that stays down ends in error; pbxctl rps retry starts again', async () => {
    const e = env({ cfg: { maxAttempts: 3 } });
    server(e);
    device(e, '000413aabbcc', 'Snom/D7xx');
    e.rps.service.link(ACTOR, { mac: '000413aabbcc', server: 'snom-main' });
    snom.script({ kind: 'status', status: 500 }, 3);
    for (let i = 0; i < 3; i++) {
      await e.rps.worker.pass();
      e.clock.t += 10 * 3_600_000;
    }
    let s = status(e, '000413aabbcc');
    assert.equal(s.state, 'error');
    assert.equal(s.attempts, 3);
    assert.equal(await e.rps.worker.pass(), 0, 'no more attempts');
    assert.match(readAudit(e.f.db, { objectType: 'device' })[0]!.description, /gave up after 3 attempts/);
    e.rps.service.retry(ACTOR, '000413aabbcc');
    assert.equal(await e.rps.worker.pass(), 1);
    s = status(e, '000413aabbcc');
    assert.equal(s.state, 'ok');
  });

  test('a vendor refusal is final (no retries) and shown with Falconieri\'s code', async () => {
    const e = env();
    server(e);
    device(e, '000413aabbcc', 'Snom/D7xx');
    snom.ownedByOther('000413AABBCC');
    e.rps.service.link(ACTOR, { mac: '000413aabbcc', server: 'snom-main' });
    await e.rps.worker.pass();
    const s = status(e, '000413aabbcc');
    assert.equal(s.state, 'error');
    assert.equal(s.error, 'device_owned_by_other_user');
    assert.equal(s.provisioned, false);
    e.clock.t += 86_400_000;
    assert.equal(await e.rps.worker.pass(), 0);
  });

  test('wrong credentials are final until the server is edited; the edit re-registers', async () => {
    const e = env();
    server(e, { password: 'wrong-one' });
    device(e, '000413aabbcc', 'Snom/D7xx');
    e.rps.service.link(ACTOR, { mac: '000413aabbcc', server: 'snom-main' });
    await e.rps.worker.pass();
    assert.equal(status(e, '000413aabbcc').error, 'provider_remote_call_failed');
    assert.equal(status(e, '000413aabbcc').state, 'error');
    e.clock.t += 1000;
    e.rps.service.updateServer(ACTOR, 'snom-main', { password: SECRET });
    await e.rps.worker.pass();
    assert.equal(status(e, '000413aabbcc').state, 'ok');
  });

  test('HA replication replacing devices and links (same ids) keeps this node\'s registration state; orphans are dropped', async () => {
    const e = env();
    server(e);
    device(e, '000413aabbcc', 'Snom/D7xx');
    e.rps.service.link(ACTOR, { mac: '000413aabbcc', server: 'snom-main' });
    await e.rps.worker.pass();
    const db = e.f.db;
    // What cluster/sync/snapshot.ts does on the member: delete children first, insert the same rows.
    const insertAll = (table: string, rows: Record<string, unknown>[]) => {
      for (const r of rows) db.prepare(`INSERT INTO ${table} (${Object.keys(r).join(', ')}) VALUES (${Object.keys(r).map(() => '?').join(', ')})`).run(...Object.values(r));
    };
    const devices = db.prepare('SELECT * FROM devices').all() as Record<string, unknown>[];
    const links = db.prepare('SELECT * FROM rps_links').all() as Record<string, unknown>[];
    db.transaction(() => {
      db.exec('DELETE FROM rps_links; DELETE FROM placeholders; DELETE FROM devices');
      insertAll('devices', devices);
      insertAll('rps_links', links);
    })();
    assert.equal(status(e, '000413aabbcc').provisioned, true);
    assert.equal(await e.rps.worker.pass(), 0, 'no new registration');
    db.exec('DELETE FROM rps_links');
    await e.rps.worker.pass();
    assert.equal((db.prepare('SELECT count(*) AS n FROM rps_state').get() as { n: number }).n, 0);
  });

  test('a disabled server registers nothing until enabled', async () => {
    const e = env();
    server(e, { enabled: false });
    device(e, '000413aabbcc', 'Snom/D7xx');
    e.rps.service.link(ACTOR, { mac: '000413aabbcc', server: 'snom-main' });
    assert.equal(await e.rps.worker.pass(), 0);
    e.rps.service.updateServer(ACTOR, 'snom-main', { enabled: true });
    assert.equal(await e.rps.worker.pass(), 1);
  });

  test('secrets: masked in views, absent from audit and logs', async () => {
    const e = env();
    server(e);
    device(e, '000413aabbcc', 'Snom/D7xx');
    e.rps.service.link(ACTOR, { mac: '000413aabbcc', server: 'snom-main' });
    snom.script({ kind: 'status', status: 401 });
    await e.rps.worker.pass();
    e.rps.service.updateServer(ACTOR, 'snom-main', { password: SECRET + '2' });
    assert.equal(e.rps.service.showServer('snom-main').password, '********');
    assert.equal(e.rps.service.listServers()[0]!.password, '********');
    assert.equal(e.rps.service.showServer('snom-main', { showSecrets: true }).password, SECRET + '2');
    const audit = readAudit(e.f.db).map((a) => a.description).join('\n');
    assert.doesNotMatch(audit, /Sup3r/);
    assert.match(audit, /password changed/);
    assert.ok(e.logs.length > 0);
    assert.doesNotMatch(e.logs.join(''), /Sup3r/);
  });
});

describe('bounded concurrency and shutdown (scripted client)', () => {
  function gated(): { clients: () => RpsClient; release: () => void; max: () => number; started: () => number } {
    let active = 0;
    let max = 0;
    let started = 0;
    let gate!: () => void;
    let opened = new Promise<void>((r) => { gate = r; });
    const client: RpsClient = {
      provider: 'snom',
      async register(_d, signal) {
        started++;
        active++;
        max = Math.max(max, active);
        try {
          await new Promise<void>((resolve, reject) => {
            void opened.then(resolve);
            signal?.addEventListener('abort', () => reject(new RpsError('connection_to_remote_provider_failed', 'aborted', { retryable: true })));
          });
          return {};
        } finally { active--; }
      },
      async deregister() {},
    };
    return { clients: () => client, release: () => { gate(); opened = Promise.resolve(); }, max: () => max, started: () => started };
  }

  test('never more than rps.concurrency registrations at once', async () => {
    const g = gated();
    const e = env({ cfg: { concurrency: 2 }, clients: g.clients });
    e.rps.service.addServer(ACTOR, { name: 's', provider: 'snom', username: 'u', password: 'p', provisioningUrl: 'http://pbx.example/' });
    for (let i = 0; i < 5; i++) {
      device(e, `00041300000${i}`, 'Snom/D7xx');
      e.rps.service.link(ACTOR, { mac: `00041300000${i}`, server: 's' });
    }
    const first = e.rps.worker.pass();
    assert.equal(g.started(), 2);
    assert.equal(e.rps.worker.stats().inFlight, 2);
    g.release();
    assert.equal(await first, 2);
    assert.equal(await e.rps.worker.pass(), 2);
    assert.equal(await e.rps.worker.pass(), 1);
    assert.equal(g.max(), 2);
    assert.equal(e.rps.worker.stats().links.ok, 5);
  });

  test('an admin change during a registration wins: the stale outcome is dropped, the new settings are sent', async () => {
    const g = gated();
    const sent: string[] = [];
    const e = env({ clients: () => ({ ...g.clients(), register: async (d, signal) => { sent.push(d.url); return g.clients().register(d, signal); } }) });
    e.rps.service.addServer(ACTOR, { name: 's', provider: 'snom', username: 'u', password: 'p', provisioningUrl: 'http://pbx.example/' });
    device(e, '000413000001', 'Snom/D7xx');
    e.rps.service.link(ACTOR, { mac: '000413000001', server: 's' });
    const first = e.rps.worker.pass();
    e.rps.service.link(ACTOR, { mac: '000413000001', server: 's', url: 'http://pbx.example/new/' });
    g.release();
    await first;
    let s = status(e, '000413000001');
    assert.equal(s.state, 'pending', 'the outcome of the old settings is not recorded');
    assert.equal(s.attempts, 0);
    await e.rps.worker.pass();
    s = status(e, '000413000001');
    assert.equal(s.provisioned, true);
    assert.deepEqual(sent, ['http://pbx.example/', 'http://pbx.example/new/']);
  });

  test('the timer loop does not spin while every slot is busy, nor on a passive (HA) node', async () => {
    const g = gated();
    const e = env({ cfg: { concurrency: 1 }, clients: g.clients });
    e.rps.service.addServer(ACTOR, { name: 's', provider: 'snom', username: 'u', password: 'p', provisioningUrl: 'http://pbx.example/' });
    for (let i = 0; i < 3; i++) {
      device(e, `00041300000${i}`, 'Snom/D7xx');
      e.rps.service.link(ACTOR, { mac: `00041300000${i}`, server: 's' });
    }
    e.rps.worker.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(g.started(), 1);
    assert.ok(e.rps.worker.stats().passes < 10, `passes: ${e.rps.worker.stats().passes}`);
    g.release();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(e.rps.worker.stats().links.ok, 3);
    await e.rps.worker.stop();

    const g2 = gated();
    let active = false;
    const f2 = env({ clients: g2.clients });
    const passive = createRps({
      config: f2.cfg, db: f2.f.db, log: createLogger('silent'), stateDir: '/nonexistent',
      defaultUrl: rpsDefaultUrl('http://192.0.2.1/provisioning/', false), clients: g2.clients, isActive: () => active,
    });
    passive.service.addServer(ACTOR, { name: 's', provider: 'snom', username: 'u', password: 'p', provisioningUrl: 'http://pbx.example/' });
    device(f2, '000413000009', 'Snom/D7xx');
    passive.service.link(ACTOR, { mac: '000413000009', server: 's' });
    passive.worker.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(g2.started(), 0, 'a passive node registers nothing');
    assert.ok(passive.worker.stats().passes < 10, `passes: ${passive.worker.stats().passes}`);
    g2.release();
    active = true;
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(g2.started(), 1, 'it registers once active');
    await passive.worker.stop();
  });

  test('stop() aborts a hung registration at once; the link stays pending for the next start', async () => {
    const g = gated();
    const e = env({ clients: g.clients });
    e.rps.service.addServer(ACTOR, { name: 's', provider: 'snom', username: 'u', password: 'p', provisioningUrl: 'http://pbx.example/' });
    device(e, '000413000001', 'Snom/D7xx');
    e.rps.service.link(ACTOR, { mac: '000413000001', server: 's' });
    const p = e.rps.worker.pass();
    const t0 = Date.now();
    await e.rps.worker.stop();
    await p;
    assert.ok(Date.now() - t0 < 500);
    const s = status(e, '000413000001');
    assert.equal(s.state, 'pending');
    assert.equal(s.attempts, 0);
  });
});

describe('YMCS through the worker: the PIN is recorded on the link', () => {
  let ymcs: YmcsFake;
  before(async () => { ymcs = await startYmcsFake({ clients: { cid: SECRET } }); });
  after(() => ymcs.close());

  test('registered with a PIN', async () => {
    const e = env();
    e.rps.service.addServer(ACTOR, { name: 'ymcs-eu', provider: 'ymcs', username: 'cid', password: SECRET, baseUrl: ymcs.url.replace(/\/v2\/$/, ''), provisioningUrl: 'https://pbx.example.com/provisioning/' });
    device(e, '805ec0aabbcc', 'Yealink/T4x-T5x');
    e.rps.service.link(ACTOR, { mac: '805ec0aabbcc', server: 'ymcs-eu' });
    await e.rps.worker.pass();
    const s = status(e, '805ec0aabbcc');
    assert.equal(s.state, 'ok', s.message);
    assert.equal(s.pin, ymcs.devices.get('805ec0aabbcc')!.pin);
    assert.doesNotMatch(readAudit(e.f.db).map((a) => a.description).join('\n'), new RegExp(s.pin!));
  });
});

describe('validation of servers and links', () => {
  test('errors name the field and carry Falconieri codes where they apply', () => {
    const e = env();
    const svc = e.rps.service;
    const invalid = (field: string, re?: RegExp) => (err: unknown) => err instanceof InvalidArgumentError && err.message.startsWith(field) && (!re || re.test(err.message));
    assert.throws(() => svc.addServer(ACTOR, { name: 'x', provider: 'grape', username: 'u', password: 'p' }), invalid('provider', /snom, yealink, ymcs, gigaset, fanvil/));
    assert.throws(() => svc.addServer(ACTOR, { name: 'x', provider: 'snom', username: 'u' }), invalid('password', /required/));
    assert.throws(() => svc.addServer(ACTOR, { name: 'x', provider: 'snom', username: 'u', password: 'p', provisioningUrl: 'gopher://x/' }), invalid('provisioningUrl', /unsupported_url_scheme/));
    assert.throws(() => svc.addServer(ACTOR, { name: 'x', provider: 'snom', username: 'u', password: 'p', provisioningUrl: 'not a url' }), invalid('provisioningUrl', /unable_to_parse_url/));
    assert.throws(() => svc.addServer(ACTOR, { name: 'x', provider: 'fanvil', username: 'u', password: 'p', provisioningUrl: 'http://pbx/p/?token=1' }), invalid('provisioningUrl', /query string/));
    assert.throws(() => svc.addServer(ACTOR, { name: 'x', provider: 'yealink', username: 'u', password: 'p', serverName: '' }), invalid('serverName'));
    assert.throws(() => svc.addServer(ACTOR, { name: 'x', provider: 'snom', brand: 'Nokia', username: 'u', password: 'p' }), invalid('brand', /known: /));
    svc.addServer(ACTOR, { name: 'gs', provider: 'gigaset', username: 'u', password: 'p' });
    svc.addServer(ACTOR, { name: 'sn', provider: 'snom', username: 'u', password: 'p' });
    e.f.s.addDevice(ACTOR, { mac: '7c2f80aabbcc', model: 'Gigaset/Maxwell' });
    assert.throws(() => svc.link(ACTOR, { mac: '7c2f80aabbcc', server: 'sn' }), invalid('server', /for Snom devices; device 7c2f80aabbcc is a Gigaset\/Maxwell/));
    assert.throws(() => svc.link(ACTOR, { mac: '7c2f80aabbcc', server: 'gs' }), invalid('crc', /missing_mac-id_crc/));
    assert.throws(() => svc.link(ACTOR, { mac: '7c2f80aabbcc', server: 'gs', crc: 'AB-1' }), invalid('crc', /invalid_mac-id_crc_format/));
    assert.equal(svc.link(ACTOR, { mac: '7c2f80aabbcc', server: 'gs', crc: 'ab12' }).crc, 'AB12');
    assert.throws(() => svc.removeServer(ACTOR, 'gs'), /1 linked device/);
    assert.throws(() => svc.addServer(ACTOR, { name: 'GS', provider: 'gigaset', username: 'u', password: 'p' }), /already exists/);
  });

  test('no usable default URL (loopback node address) is refused at link time', () => {
    const e = env({ defaultHttp: 'http://127.0.0.1/provisioning/' });
    e.rps.service.addServer(ACTOR, { name: 'sn', provider: 'snom', username: 'u', password: 'p' });
    e.f.s.addDevice(ACTOR, { mac: '000413aabbcc', model: 'Snom/D7xx' });
    assert.throws(() => e.rps.service.link(ACTOR, { mac: '000413aabbcc', server: 'sn' }), /set pbx.address/);
    assert.equal(e.rps.service.link(ACTOR, { mac: '000413aabbcc', server: 'sn', url: 'https://pbx.example/p/' }).url, 'https://pbx.example/p/');
  });

  test('the default URL gets the tenant folder on a multi-tenant node', () => {
    const d = rpsDefaultUrl('http://192.0.2.1/provisioning/', true);
    assert.equal(d('3f2b8c1e-9a4d-4c6b-8e2f-0a1b2c3d4e5f'), 'http://192.0.2.1/provisioning/3f2b8c1e-9a4d-4c6b-8e2f-0a1b2c3d4e5f/');
    assert.equal(d(null), 'http://192.0.2.1/provisioning/');
  });
});

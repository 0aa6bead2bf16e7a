// End to end: the real daemon (test/e2e/agent.ts) with pbxctl as a process, the vendor endpoints
// pointed at local fakes through the rps.*Url config keys. Covers: add a server (password from
// stdin), link, background registration, outcome in `rps status`, retry after a 503 with the
// daemon's own timers, secrets masked and never logged, unlink --deregister, audit rows, exit codes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startAgent, type Agent } from '../e2e/agent.ts';
import { freePort } from '../lab/ports.ts';
import { startXmlRpcFake, type XmlRpcFake } from '../../provisioning/rps/fakes/xmlrpc-fakes.ts';
import { startYmcsFake, type YmcsFake } from '../../provisioning/rps/fakes/ymcs-fake.ts';

const SECRET = 'E2e-Snom-Secret-77';

async function until<T>(fn: () => Promise<T | undefined>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('pbxctl rps against the real daemon', () => {
  let agent: Agent;
  let snom: XmlRpcFake;
  let ymcs: YmcsFake;
  let apiPort: number;

  before(async () => {
    apiPort = await freePort();
    snom = await startXmlRpcFake('snom', { accounts: { acme: SECRET } });
    ymcs = await startYmcsFake({ clients: { 'cid-1': 'ymcs-secret-1' } });
    agent = await startAgent({
      config: {
        pbx: { address: '192.0.2.10' },
        rps: { snomUrl: snom.url, ymcsUrl: ymcs.url.replace(/\/v2\/$/, ''), backoffBaseMs: 300, backoffMaxMs: 1000, scanIntervalMs: 1000, api: { enabled: true, port: apiPort } },
      },
    });
  });
  after(async () => {
    await agent?.stop();
    agent?.cleanup();
    await Promise.all([snom?.close(), ymcs?.close()]);
  });

  const ctl = async (args: string[], input?: string) => {
    const r = await agent.pbxctl(args, input);
    return r;
  };
  const json = async (args: string[], input?: string): Promise<any> => {
    const r = await ctl([...args, '--json'], input);
    assert.equal(r.code, 0, `pbxctl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return JSON.parse(r.stdout);
  };

  test('providers list the five vendor APIs', async () => {
    const p = await json(['rps', 'providers']);
    assert.deepEqual(p.map((x: { id: string }) => x.id), ['snom', 'yealink', 'ymcs', 'gigaset', 'fanvil']);
  });

  test('server add (password from stdin), link, registered in the background', async () => {
    const add = await ctl(['rps', 'server', 'add', 'snom-main', '--provider', 'snom', '--username', 'acme', '--password-file', '-'], SECRET + '\n');
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /password: +\*{8}/);
    assert.match(add.stdout, new RegExp(`endpoint: +${snom.url.replace(/[/.]/g, '\\$&')} \\(default\\)`));
    assert.equal((await ctl(['device', 'add', '000413AABBCC', '--model', 'Snom/D7xx'])).code, 0);
    const link = await ctl(['rps', 'link', '00:04:13:AA:BB:CC', 'snom-main']);
    assert.equal(link.code, 0, link.stderr);
    assert.match(link.stdout, /registration queued/);
    const st = await until(async () => { const s = await json(['rps', 'status', '000413aabbcc']); return s.provisioned ? s : undefined; });
    assert.equal(st.url, 'http://192.0.2.10/provisioning/');
    assert.equal(snom.registry.get('000413AABBCC')?.url, 'http://192.0.2.10/provisioning/');
    const human = await ctl(['rps', 'status', '000413aabbcc']);
    assert.match(human.stdout, /provisioned on redirection server: +yes/);
  });

  test('editing the server\'s provisioning URL registers its devices again', async () => {
    const r = await ctl(['rps', 'server', 'edit', 'snom-main', '--provisioning-url', 'https://pbx.example.com/provisioning/']);
    assert.equal(r.code, 0, r.stderr);
    await until(async () => (snom.registry.get('000413AABBCC')?.url === 'https://pbx.example.com/provisioning/' ? true : undefined));
    await until(async () => { const s = await json(['rps', 'status', '000413aabbcc']); return s.provisioned ? s : undefined; });
  });

  test('the daemon serves PUT /providers/{provider}/{mac} on loopback with its bearer token (curl)', async () => {
    const token = readFileSync(join(agent.dir, 'state', 'rps-api.token'), 'utf8').trim();
    // Async: the vendor fake lives in this process and must keep answering while curl runs.
    const call = async (auth: string): Promise<string> => (await promisify(execFile)('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'PUT', '-H', auth,
      '--data-binary', '{"url":"https://pbx.example.com/api/"}', `http://127.0.0.1:${apiPort}/providers/snom/00-04-13-00-00-99`], { encoding: 'utf8' })).stdout;
    assert.equal(await call('X-None: 1'), '401');
    assert.equal(await call(`Authorization: Bearer ${token}`), '200');
    assert.equal(snom.registry.get('000413000099')?.url, 'https://pbx.example.com/api/');
    const st = await json(['status']);
    assert.equal(st.services['rps-api'].listening, `127.0.0.1:${apiPort}/tcp`);
  });

  test('a 503 is retried by the daemon\'s own timer until it succeeds', async () => {
    assert.equal((await ctl(['device', 'add', '000413000002', '--model', 'Snom/D7xx'])).code, 0);
    snom.script({ kind: 'status', status: 503, body: 'maintenance' }, 2);
    assert.equal((await ctl(['rps', 'link', '000413000002', 'snom-main', '--url', 'https://pbx.example.com/p/{mac}'])).code, 0);
    const st = await until(async () => { const s = await json(['rps', 'status', '000413000002']); return s.provisioned ? s : undefined; });
    assert.equal(st.attempts, 3);
    assert.equal(snom.registry.get('000413000002')?.url, 'https://pbx.example.com/p/{mac}');
    const all = await json(['rps', 'status']);
    assert.equal(all.length, 2);
  });

  test('YMCS: the PIN shows in rps status', async () => {
    assert.equal((await ctl(['rps', 'server', 'add', 'yl-cloud', '--provider', 'ymcs', '--username', 'cid-1', '--password', 'ymcs-secret-1', '--provisioning-url', 'https://pbx.example.com/provisioning/'])).code, 0);
    assert.equal((await ctl(['device', 'add', '805EC0AABBCC', '--model', 'Yealink/T4x-T5x'])).code, 0);
    assert.equal((await ctl(['rps', 'link', '805EC0AABBCC', 'yl-cloud'])).code, 0);
    const st = await until(async () => { const s = await json(['rps', 'status', '805ec0aabbcc']); return s.provisioned ? s : undefined; });
    assert.equal(st.pin, ymcs.devices.get('805ec0aabbcc')!.pin);
    assert.match((await ctl(['rps', 'status', '805ec0aabbcc'])).stdout, /PIN: +\d{6}/);
    // The device itself shows the outcome, as the seed's device page does.
    const dev = (await ctl(['device', 'show', '805ec0aabbcc'])).stdout;
    assert.match(dev, /provisioned on redirection server: +yes/);
    assert.match(dev, new RegExp(`YMCS PIN: +${st.pin}`));
  });

  test('a vendor refusal shows its Falconieri code; retry sends again', async () => {
    assert.equal((await ctl(['device', 'add', '000413000003', '--model', 'Snom/D7xx'])).code, 0);
    snom.ownedByOther('000413000003');
    assert.equal((await ctl(['rps', 'link', '000413000003', 'snom-main'])).code, 0);
    const st = await until(async () => { const s = await json(['rps', 'status', '000413000003']); return s.state === 'error' ? s : undefined; });
    assert.equal(st.error, 'device_owned_by_other_user');
    assert.match((await ctl(['rps', 'status'])).stdout, /no \(device_owned_by_other_user\)/);
    snom.registry.delete('000413000003');
    assert.equal((await ctl(['rps', 'retry', '000413000003'])).code, 0);
    await until(async () => { const s = await json(['rps', 'status', '000413000003']); return s.provisioned ? s : undefined; });
  });

  test('secrets: masked unless --show-secrets, never in the daemon log', async () => {
    const list = await ctl(['rps', 'server', 'list']);
    assert.doesNotMatch(list.stdout, /E2e-Snom/);
    const shown = await json(['rps', 'server', 'show', 'snom-main', '--show-secrets']);
    assert.equal(shown.password, SECRET);
    assert.ok(agent.logs.some((l) => l.msg === 'rps: device registered with redirection server'));
    assert.doesNotMatch(JSON.stringify(agent.logs), /E2e-Snom|ymcs-secret-1/);
  });

  test('errors: unknown server (exit 4), brand mismatch and missing Gigaset CRC (exit 2), server with links (exit 5)', async () => {
    assert.equal((await ctl(['rps', 'link', '000413AABBCC', 'nope'])).code, 4);
    const brand = await ctl(['rps', 'link', '805EC0AABBCC', 'snom-main']);
    assert.equal(brand.code, 2);
    assert.match(brand.stderr, /is for Snom devices/);
    assert.equal((await ctl(['rps', 'server', 'add', 'gs', '--provider', 'gigaset', '--username', 'u', '--password', 'p'])).code, 0);
    assert.equal((await ctl(['device', 'add', '7C2F80AABBCC', '--model', 'Gigaset/Maxwell'])).code, 0);
    const crc = await ctl(['rps', 'link', '7C2F80AABBCC', 'gs']);
    assert.equal(crc.code, 2);
    assert.match(crc.stderr, /missing_mac-id_crc/);
    assert.equal((await ctl(['rps', 'server', 'remove', 'snom-main'])).code, 5);
  });

  test('unlink --deregister removes the MAC at the vendor; audit has the story', async () => {
    const r = await ctl(['rps', 'unlink', '000413AABBCC', '--deregister']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(snom.registry.has('000413AABBCC'), false);
    assert.equal((await ctl(['rps', 'status', '000413AABBCC'])).code, 4);
    const audit = await json(['audit', 'list']);
    const text = JSON.stringify(audit);
    for (const re of [/redirection server snom-main added/, /linked to redirection server snom-main/, /registered with redirection server snom-main/, /unlinked from redirection server snom-main and deregistered/]) {
      assert.match(text, re);
    }
    assert.doesNotMatch(text, /E2e-Snom/);
  });

  test('pbxctl status reports the worker', async () => {
    const s = await json(['status']);
    assert.equal(s.services.rps.enabled, true);
    assert.ok(s.services.rps.registered >= 4);
  });
});

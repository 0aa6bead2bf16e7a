// Phonebooks end to end: pbxctl builds a phonebook and its access list, curl plays the phone.
// Allowed devices get the vendor XML (Yealink pb-<type>-<id>.xml, Snom, Grandstream), escaped
// and well formed; every other reader gets 404, as the seed asks. Identity comes from the
// credentials plus the User-Agent MAC, or from a device token.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ControlClient } from '../../agent/control/client.ts';
import { checkXml } from '../../provisioning/testing/xml-check.ts';
import { freePort } from '../lab/ports.ts';
import { requireTools } from '../lab/preflight.ts';
import { run, startAgent, type Agent } from '../e2e/agent.ts';

const PW = 'phonebook-pass-1';
const MAC = '001565aabbcc';
const OTHER = '001565000002';
const UA = (mac: string) => `Yealink SIP-T46S 66.86.0.15 ${mac}`;

describe('phonebooks (real daemon, curl as the phone)', () => {
  let agent: Agent;
  let client: ControlClient;
  let base: string;
  let id: number;

  const get = async (path: string, args: string[] = []): Promise<{ status: number; body: string }> => {
    const r = await run('curl', ['-sS', '-w', '\n%{http_code}', ...args, `${base}${path}`]);
    const i = r.stdout.lastIndexOf('\n');
    return { status: Number(r.stdout.slice(i + 1)), body: r.stdout.slice(0, i) };
  };
  const auth = ['--digest', '-u', `phones:${PW}`];

  before(async () => {
    requireTools(['curl']);
    const port = await freePort({ proto: 'tcp' });
    agent = await startAgent({ config: { pbx: { address: '127.0.0.1' }, http: { enabled: true, address: '127.0.0.1', port, auth: { failLimit: 1000 } } } });
    client = new ControlClient(agent.socket);
    base = `http://127.0.0.1:${port}/provisioning/`;
    await client.call('account.add', { username: '201', password: 'pw201-secret' });
    await client.call('account.add', { username: '202', password: 'pw202-secret' });
    await client.call('device.add', { mac: MAC, model: 'Yealink/T4x-T5x', account: '201' });
    await client.call('device.add', { mac: OTHER, model: 'Yealink/T4x-T5x', account: '202' });
    await client.call('fetch.credential.set', { username: 'phones', password: PW });
  });

  after(async () => {
    await agent?.stop();
    agent?.cleanup();
  });

  it('pbxctl builds a phonebook: add, entry add, allow, show', async () => {
    const add = await agent.pbxctl(['--json', 'phonebook', 'add', 'Company & Co']);
    assert.equal(add.code, 0, add.stderr);
    id = (JSON.parse(add.stdout) as { id: number }).id;
    for (const args of [
      ['--name', 'Reception <desk>', '--work', '200'],
      ['--name', 'Anna "AR" Rossi', '--work', '201', '--mobile', '+39 333 1234567'],
      ['--name', "O'Brien & Sons", '--home', '(06) 555-0100'],
    ]) {
      const r = await agent.pbxctl(['phonebook', 'entry', 'add', String(id), ...args]);
      assert.equal(r.code, 0, r.stderr);
    }
    const bad = await agent.pbxctl(['phonebook', 'entry', 'add', String(id), '--name', 'X', '--work', '12<script>']);
    assert.equal(bad.code, 2, 'a number that is not dialable is refused, naming the field');
    assert.match(bad.stderr, /numbers\[0\]\.number/);
    const allow = await agent.pbxctl(['phonebook', 'allow', String(id), '--device', MAC.toUpperCase()]);
    assert.equal(allow.code, 0, allow.stderr);
    assert.match(allow.stdout, new RegExp(`device ${MAC}`));
    const show = await agent.pbxctl(['phonebook', 'show', String(id)]);
    assert.match(show.stdout, /pb-yealink-\d+\.xml/);
    assert.match(show.stdout, /mobile \+39 333 1234567/);
  });

  it('the allowed device gets Yealink XML (pb-t4xg-<id>.xml), escaped and well formed', async () => {
    const r = await get(`pb-t4xg-${id}.xml`, [...auth, '-A', UA(MAC)]);
    assert.equal(r.status, 200);
    assert.equal(checkXml(r.body), undefined, r.body);
    assert.match(r.body, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<YealinkIPPhoneDirectory>/);
    assert.match(r.body, /<DirectoryEntry>\s*<Name>Anna &quot;AR&quot; Rossi<\/Name>\s*<Telephone>201<\/Telephone>\s*<Telephone>\+39 333 1234567<\/Telephone>/);
    assert.match(r.body, /<Name>Reception &lt;desk&gt;<\/Name>/);
    assert.match(r.body, /<Name>O&apos;Brien &amp; Sons<\/Name>/);
  });

  it('another device, a request without a device, and a missing phonebook all get 404', async () => {
    assert.equal((await get(`pb-t4xg-${id}.xml`, [...auth, '-A', UA(OTHER)])).status, 404);
    assert.equal((await get(`pb-t4xg-${id}.xml`, auth)).status, 404, 'credentials name the organisation, not a device');
    assert.equal((await get(`pb-t4xg-${id + 100}.xml`, [...auth, '-A', UA(MAC)])).status, 404);
    assert.equal((await get(`pb-t4xg-${id}.xml`, ['-A', UA(MAC)])).status, 401, 'auth applies to phonebooks too');
    const log = await client.call<Array<{ outcome: string; detail?: string }>>('fetch.log', { outcome: 'not-allowed' });
    assert.ok(log.some((e) => /may not read it/.test(e.detail ?? '')));
    const nf = await client.call<Array<{ outcome: string; detail?: string }>>('fetch.log', { outcome: 'not-found' });
    assert.ok(nf.some((e) => /no phonebook/.test(e.detail ?? '')));
  });

  it('a device token identifies the device: Snom and Grandstream formats', async () => {
    const { token } = await client.call<{ token: string }>('fetch.token.issue', { mac: MAC });
    const snom = await get(`t/${token}/pb-snom-${id}.xml`);
    assert.equal(snom.status, 200);
    assert.equal(checkXml(snom.body), undefined, snom.body);
    assert.match(snom.body, /<SnomIPPhoneDirectory>\s*<Title>Company &amp; Co<\/Title>/);
    assert.match(snom.body, /<Name>Anna &quot;AR&quot; Rossi \(mobile\)<\/Name>\s*<Telephone>\+39 333 1234567<\/Telephone>/);
    const gs = await get(`t/${token}/pb-gs-${id}.xml`);
    assert.equal(gs.status, 200);
    assert.equal(checkXml(gs.body), undefined, gs.body);
    assert.match(gs.body, /<AddressBook>[\s\S]*<Phone type="Cell">\s*<phonenumber>\+39 333 1234567<\/phonenumber>/);
    const { token: other } = await client.call<{ token: string }>('fetch.token.issue', { mac: OTHER });
    assert.equal((await get(`t/${other}/pb-yealink-${id}.xml`)).status, 404);
  });

  it('allow --account and --all widen the readers; deny takes it back', async () => {
    await client.call('phonebook.allow', { id, account: '202' });
    assert.equal((await get(`pb-yealink-${id}.xml`, [...auth, '-A', UA(OTHER)])).status, 200, 'the device of account 202');
    await client.call('phonebook.allow', { id, all: true });
    assert.equal((await get(`pb-yealink-${id}.xml`, auth)).status, 200, 'every reader of the organisation');
    const deny = await agent.pbxctl(['phonebook', 'deny', String(id), '--all']);
    assert.equal(deny.code, 0, deny.stderr);
    assert.equal((await get(`pb-yealink-${id}.xml`, auth)).status, 404);
    const audit = await client.call<Array<{ objectType: string }>>('audit.list', { objectType: 'phonebook' });
    assert.ok(audit.length >= 4, 'create, allow x3, deny: all audited');
  });

  it('phonebook list and remove', async () => {
    const l = await agent.pbxctl(['phonebook', 'list']);
    assert.match(l.stdout, /Company & Co/);
    const rm = await agent.pbxctl(['phonebook', 'remove', String(id)]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((await get(`pb-yealink-${id}.xml`, [...auth, '-A', UA(MAC)])).status, 404);
  });
});

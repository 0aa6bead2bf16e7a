// Fetch security end to end: the real daemon, curl as the phone, pbxctl as the admin.
// 401 then success with Digest (curl --digest); wrong password; unknown MAC; disabled device;
// User-Agent MAC mismatch; token paths; Basic refused over plain HTTP and accepted over HTTPS;
// files with secrets refused on public paths and over TFTP; per-source rate limit; the fetch
// log and the fail2ban line.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ControlClient } from '../../agent/control/client.ts';
import { freePort } from '../lab/ports.ts';
import { requireTools } from '../lab/preflight.ts';
import { run, startAgent, type Agent } from '../e2e/agent.ts';

const execFileP = promisify(execFile);
const PW = 'correct-horse-9';
const MAC = '001565aabbcc';
const OTHER = '001565000002';
const YEALINK_UA = (mac: string) => `Yealink SIP-T46S 66.86.0.15 ${mac.match(/../g)!.join(':')}`;
/** The filter regex the report gives for fail2ban (journald backend; the whole JSON line is the message). */
export const FAIL2BAN_REGEX = /"msg":"fetch failure ip=(\S+) reason=(?:bad-credentials|bad-token|token-mismatch|ua-mismatch|unknown-mac|rate-limited)"/;

interface Fetch { status: number; body: string; headers: string; code: number | null }

describe('fetch security (real daemon, curl as the phone)', () => {
  let agent: Agent;
  let client: ControlClient;
  let httpPort: number;
  let httpsPort: number;
  let tftpPort: number;
  let dir: string;
  let base: string;

  /** curl from a chosen loopback source address, so each scenario has its own failure budget. */
  const fetch = async (path: string, args: string[] = [], from = '127.0.0.1'): Promise<Fetch> => {
    const r = await run('curl', ['-sS', '--interface', from, '-D', '-', '-w', '\n%{http_code}', ...args, `${base}${path}`]);
    const lines = r.stdout.split('\n');
    const status = Number(lines.pop());
    const text = lines.join('\n');
    const split = text.lastIndexOf('\r\n\r\n');
    return { status, headers: text.slice(0, split), body: text.slice(split + 4), code: r.code };
  };
  const digest = (user = 'phones', pw = PW): string[] => ['--digest', '-u', `${user}:${pw}`];

  before(async () => {
    requireTools(['curl', 'openssl', 'fail2ban-regex']);
    httpPort = await freePort({ proto: 'tcp' });
    httpsPort = await freePort({ proto: 'tcp' });
    tftpPort = await freePort({ proto: 'udp' });
    const tmp = join('/tmp', `pbx-fetchsec-${process.pid}`);
    mkdirSync(tmp, { recursive: true });
    const cert = join(tmp, 'srv.crt');
    const key = join(tmp, 'srv.key');
    await execFileP('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { timeout: 30_000 });
    agent = await startAgent({
      config: {
        pbx: { address: '127.0.0.1' },
        tftp: { enabled: true, address: '127.0.0.1', port: tftpPort },
        http: {
          enabled: true, address: '127.0.0.1', port: httpPort, httpsEnabled: true, httpsPort, certFile: cert, keyFile: key,
          auth: { publicFiles: ['*.crt', 'y000000000000.cfg', `${OTHER}.cfg`], failLimit: 4, failWindowMs: 60_000 },
        },
      },
    });
    client = new ControlClient(agent.socket);
    dir = join(agent.dir, 'state', 'assets');
    base = `http://127.0.0.1:${httpPort}/provisioning/`;
    await client.call('account.add', { username: '201', password: 's3cret&<x>', displayName: 'Reception & Desk' });
    await client.call('account.add', { username: '202', password: 'pw202-secret' });
    await client.call('account.add', { username: '203', password: 'pw203-secret' });
    await client.call('device.add', { mac: MAC, model: 'Yealink/T4x-T5x', account: '201' });
    await client.call('device.add', { mac: OTHER, model: 'Yealink/T4x-T5x', account: '202' });
    await client.call('device.add', { mac: '001565000003', model: 'Yealink/T4x-T5x', account: '203', enabled: false });
    mkdirSync(join(dir, 'xml', '_global'), { recursive: true });
    writeFileSync(join(dir, 'xml', '_global', 'softkeys.xml'), '<SoftKeys/>\n');
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  });

  after(async () => {
    await agent?.stop();
    agent?.cleanup();
  });

  it('without credentials (mode auto) files are open, as before', async () => {
    const r = await fetch(`${MAC}.cfg`);
    assert.equal(r.status, 200);
    assert.match(r.body, /account\.1\.password = s3cret&<x>/);
  });

  it('after pbxctl fetch credential set: 401 with Digest challenges, then 200 with curl --digest', async () => {
    const set = await agent.pbxctl(['fetch', 'credential', 'set', '--username', 'phones', '--password-file', '-'], `${PW}\n`);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /credential set/);
    const plain = await fetch(`${MAC}.cfg`);
    assert.equal(plain.status, 401);
    const challenges = plain.headers.split('\r\n').filter((l) => /^www-authenticate:/i.test(l));
    assert.equal(challenges.length, 2, plain.headers);
    assert.match(challenges[0]!, /Digest realm="pbx-agent", qop="auth", algorithm=MD5, nonce="[A-Za-z0-9_-]{36}"/);
    assert.match(challenges[1]!, /algorithm=SHA-256/);
    assert.ok(!challenges.some((c) => /Basic/.test(c)), 'Basic is not offered over plain HTTP');
    assert.doesNotMatch(plain.body, /s3cret/);

    const ok = await fetch(`${MAC}.cfg`, digest());
    assert.equal(ok.status, 200, ok.headers);
    assert.match(ok.headers, /^HTTP\/1\.1 401/m, 'curl saw the 401 first');
    assert.match(ok.body, /account\.1\.password = s3cret&<x>/);
    const log = await client.call<Array<{ outcome: string; path: string; user?: string }>>('fetch.log', { limit: 3 });
    assert.equal(log[0]!.outcome, 'served');
    assert.equal(log[0]!.user, 'phones');
    assert.equal(log[1]!.outcome, 'challenged');
  });

  it('SHA-256 Digest alone (curl with only the SHA-256 challenge) authenticates too', async () => {
    // curl answers the first challenge it can; force SHA-256 by building the response ourselves.
    const first = await fetch(`${MAC}.cfg`);
    const ch = first.headers.split('\r\n').find((l) => /algorithm=SHA-256/.test(l))!;
    const nonce = /nonce="([^"]+)"/.exec(ch)![1]!;
    const { createHash } = await import('node:crypto');
    const h = (s: string) => createHash('sha256').update(s).digest('hex');
    const uri = `/provisioning/${MAC}.cfg`;
    const resp = h(`${h(`phones:pbx-agent:${PW}`)}:${nonce}:00000001:abcdef:auth:${h(`GET:${uri}`)}`);
    const auth = `Digest username="phones", realm="pbx-agent", nonce="${nonce}", uri="${uri}", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="abcdef", response="${resp}"`;
    const r = await fetch(`${MAC}.cfg`, ['-H', `Authorization: ${auth}`]);
    assert.equal(r.status, 200);
    const replay = await fetch(`${MAC}.cfg`, ['-H', `Authorization: ${auth}`], '127.0.0.9');
    assert.equal(replay.status, 401, 'the same nonce count twice is a replay');
  });

  it('wrong password: 401, logged as bad-credentials in the fail2ban line', async () => {
    const r = await fetch(`${MAC}.cfg`, digest('phones', 'wrong-password'), '127.0.0.2');
    assert.equal(r.status, 401);
    assert.doesNotMatch(r.body, /s3cret/);
    const log = await client.call<Array<{ outcome: string; ip: string }>>('fetch.log', { ip: '127.0.0.2', limit: 5 });
    assert.ok(log.some((e) => e.outcome === 'bad-credentials'));
    await waitFor(() => agent.logs.some((l) => String(l.msg) === 'fetch failure ip=127.0.0.2 reason=bad-credentials'));
    const line = JSON.stringify(agent.logs.find((l) => String(l.msg) === 'fetch failure ip=127.0.0.2 reason=bad-credentials'));
    assert.equal(FAIL2BAN_REGEX.exec(line)?.[1], '127.0.0.2');
    assert.ok(!JSON.stringify(agent.logs).includes(PW), 'the password never reaches the log');
    assert.ok(!JSON.stringify(agent.logs).includes('wrong-password'), 'nor a wrong one');
  });

  it('unknown MAC and disabled device: 404 after authentication, each with its outcome', async () => {
    const u = await fetch('001565000001.cfg', digest(), '127.0.0.3');
    assert.equal(u.status, 404);
    const d = await fetch('001565000003.cfg', digest(), '127.0.0.3');
    assert.equal(d.status, 404);
    const log = await client.call<Array<{ outcome: string; status: number }>>('fetch.log', { ip: '127.0.0.3', failures: true });
    assert.deepEqual(log.map((e) => e.outcome).filter((o) => o !== 'challenged'), ['disabled-device', 'unknown-mac']);
  });

  it("a Yealink User-Agent naming another MAC is refused (403) and logged; its own MAC is served", async () => {
    const bad = await fetch(`${MAC}.cfg`, [...digest(), '-A', YEALINK_UA(OTHER)], '127.0.0.4');
    assert.equal(bad.status, 403);
    const good = await fetch(`${MAC}.cfg`, [...digest(), '-A', YEALINK_UA(MAC)], '127.0.0.4');
    assert.equal(good.status, 200);
    const snom = await fetch(`${MAC}.cfg`, [...digest(), '-A', 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 010.1.33.33 000413A1B2C3)'], '127.0.0.4');
    assert.equal(snom.status, 403, 'Snom user agents carry a MAC too');
    const log = await client.call<Array<{ outcome: string }>>('fetch.log', { ip: '127.0.0.4', outcome: 'ua-mismatch' });
    assert.equal(log.length, 2);
  });

  it('token path: pbxctl fetch token issue, then /provisioning/t/<token>/<file> without HTTP auth', async () => {
    const r = await agent.pbxctl(['--json', 'fetch', 'token', 'issue', MAC]);
    assert.equal(r.code, 0, r.stderr);
    const { token, url } = JSON.parse(r.stdout) as { token: string; url: string };
    assert.match(token, /^[A-Za-z0-9_-]{32}$/);
    assert.ok(url.endsWith(`/provisioning/t/${token}/`), url);
    const own = await fetch(`t/${token}/${MAC}.cfg`, [], '127.0.0.5');
    assert.equal(own.status, 200);
    assert.match(own.body, /account\.1\.user_name = 201/);
    const common = await fetch(`t/${token}/y000000000000.cfg`, [], '127.0.0.5');
    assert.equal(common.status, 200);
    const other = await fetch(`t/${token}/${OTHER}.cfg`, [], '127.0.0.5');
    assert.equal(other.status, 403, "a token never opens another device's file");
    const wrong = await fetch(`t/${'A'.repeat(32)}/${MAC}.cfg`, [], '127.0.0.6');
    assert.equal(wrong.status, 404);
    const revoke = await agent.pbxctl(['fetch', 'token', 'revoke', MAC]);
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.equal((await fetch(`t/${token}/${MAC}.cfg`, [], '127.0.0.6')).status, 404, 'a revoked token is dead');
    assert.ok(!JSON.stringify(agent.logs).includes(token), 'the token never reaches the log');
  });

  it('Basic: refused over plain HTTP, offered and accepted over HTTPS', async () => {
    const plain = await fetch(`${MAC}.cfg`, ['--basic', '-u', `phones:${PW}`], '127.0.0.7');
    assert.equal(plain.status, 401);
    const httpsUrl = `https://127.0.0.1:${httpsPort}/provisioning/${MAC}.cfg`;
    const anon = await run('curl', ['-sS', '-k', '-D', '-', '-o', '/dev/null', httpsUrl]);
    assert.match(anon.stdout, /www-authenticate: Basic realm="pbx-agent"/i);
    const basic = await run('curl', ['-sS', '-k', '--basic', '-u', `phones:${PW}`, '-w', '\n%{http_code}', httpsUrl]);
    assert.match(basic.stdout, /account\.1\.user_name = 201[\s\S]*\n200$/);
    const bad = await run('curl', ['-sS', '-k', '--basic', '-u', 'phones:nope-nope', '-o', '/dev/null', '-w', '%{http_code}', httpsUrl]);
    assert.equal(bad.stdout, '401');
  });

  it('public files: served without auth, except a file carrying secrets (401, secret-refused)', async () => {
    assert.equal((await fetch('ca.crt', [], '127.0.0.8')).status, 200);
    const common = await fetch('y000000000000.cfg', [], '127.0.0.8');
    assert.equal(common.status, 200, 'the common file has no secrets');
    const secret = await fetch(`${OTHER}.cfg`, [], '127.0.0.8');
    assert.equal(secret.status, 401, 'matches publicFiles but renders a SIP password');
    assert.doesNotMatch(secret.body, /pw202/);
    const log = await client.call<Array<{ outcome: string }>>('fetch.log', { ip: '127.0.0.8', outcome: 'secret-refused' });
    assert.equal(log.length, 1);
  });

  it('TFTP cannot authenticate: files with secrets are refused while auth applies, the rest served', async () => {
    const secret = await run('curl', ['-sS', `tftp://127.0.0.1:${tftpPort}/${MAC}.cfg`]);
    assert.notEqual(secret.code, 0);
    assert.doesNotMatch(secret.stdout, /s3cret/);
    const common = await run('curl', ['-sS', `tftp://127.0.0.1:${tftpPort}/y000000000000.cfg`]);
    assert.equal(common.code, 0, common.stderr);
    assert.match(common.stdout, /^#!version/);
  });

  it('assets: global XML and CA certificate served, a missing wallpaper is 404', async () => {
    const sk = await fetch('xml/_global/softkeys.xml', digest(), '127.0.0.10');
    assert.equal(sk.status, 200);
    assert.equal(sk.body, '<SoftKeys/>\n');
    assert.equal((await fetch('logo.png', digest(), '127.0.0.10')).status, 404);
    writeFileSync(join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const png = await fetch('logo.png', [...digest(), '-o', '/dev/null'], '127.0.0.10');
    assert.equal(png.status, 200);
  });

  it('a source past http.auth.failLimit is refused with 429 and one rate-limited line', async () => {
    const from = '127.0.0.11';
    for (let i = 0; i < 4; i++) assert.equal((await fetch(`${MAC}.cfg`, digest('phones', `bad-${i}-password`), from)).status, 401);
    const blocked = await fetch(`${MAC}.cfg`, digest(), from);
    assert.equal(blocked.status, 429, 'even the right password waits out the window');
    assert.match(blocked.headers, /retry-after: \d+/i);
    assert.equal((await fetch(`${MAC}.cfg`, digest(), '127.0.0.12')).status, 200, 'other sources are not affected');
    await waitFor(() => agent.logs.some((l) => String(l.msg) === `fetch failure ip=${from} reason=rate-limited`));
    const st = await client.call<{ blockedSources: Array<{ ip: string }> }>('fetch.status', {});
    assert.ok(st.blockedSources.some((b) => b.ip === from));
  });

  it('fail2ban-regex with net/http/auth-fail2ban.conf finds exactly the failure lines of this run', async () => {
    const file = join(agent.dir, 'journal.log');
    writeFileSync(file, agent.logs.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const want = agent.logs.filter((l) => /^fetch failure ip=/.test(String(l.msg))).length;
    assert.ok(want >= 8, `failures logged: ${want}`);
    const r = await run('fail2ban-regex', [file, join(import.meta.dirname, '../../net/http/auth-fail2ban.conf')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Failregex: ${want} total`), r.stdout);
  });

  it('pbxctl fetch log shows recent fetches with their outcome', async () => {
    const r = await agent.pbxctl(['fetch', 'log', '--limit', '200']);
    assert.equal(r.code, 0, r.stderr);
    for (const o of ['served', 'challenged', 'bad-credentials', 'unknown-mac', 'disabled-device', 'ua-mismatch', 'bad-token', 'token-mismatch', 'rate-limited']) {
      assert.match(r.stdout, new RegExp(`\\b${o}\\b`), o);
    }
    const audit = await client.call<Array<{ objectType: string; description: string }>>('audit.list', { limit: 50 });
    assert.ok(audit.some((a) => a.objectType === 'fetch-credential'));
    assert.ok(audit.some((a) => a.objectType === 'device-token'));
    assert.ok(!JSON.stringify(audit).includes(PW));
  });
});

async function waitFor(pred: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

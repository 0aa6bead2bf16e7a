// What fetch security costs: the same device file served over real HTTP (keep-alive, one
// client, sequential) with no guard, with the guard and no credentials (open), and with Digest
// MD5 (the client answers each request with the next nonce count, as phones do). Also the
// in-process cost of one guard decision. Prints one JSON line; run under the heavy lock:
//   flock /tmp/pbx-heavy.lock node_modules/.bin/node test/fetch-security/measure-gate.ts [requests]
import { Agent, request } from 'node:http';
import { silentLogger } from '../../agent/log.ts';
import { defaultFetchAuthConfig } from '../../net/http/auth-config.ts';
import { digestResponse, ha1 } from '../../net/http/auth-digest.ts';
import { createFetchGuard, type FetchGuard } from '../../net/http/auth-gate.ts';
import { setCredential } from '../../net/http/auth-store.ts';
import { createHttpServer } from '../../net/http/server.ts';
import { createFetchLog } from '../../provisioning/fetch-log.ts';
import { ACTOR, fixture } from '../../provisioning/testing/fixture.ts';

const N = Number(process.argv[2] ?? 3000);
const PATH = '001565aabbcc.cfg';
const TARGET = `/provisioning/${PATH}`;

const f = fixture();
f.s.addAccount(ACTOR, { username: '201', password: 'pw-201-xx' });
f.s.addDevice(ACTOR, { mac: '001565aabbcc', model: 'Yealink/T4x-T5x', account: '201' });
const newGuard = (): FetchGuard => createFetchGuard({
  db: f.db, config: defaultFetchAuthConfig({ failLimit: 1e9 }), multiTenant: false, source: f.prov.source, log: silentLogger(), fetchLog: createFetchLog(1000),
});

function get(port: number, agent: Agent, auth?: string): Promise<{ status: number; challenge?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: TARGET, agent, headers: auth ? { authorization: auth } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers['www-authenticate'] ? { challenge: String(res.headers['www-authenticate']) } : {}) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function serve(guard: FetchGuard | undefined, digest: boolean): Promise<number> {
  const server = createHttpServer({
    config: { enabled: true, address: '127.0.0.1', port: 0, httpsEnabled: false, httpsPort: 0, certFile: '', keyFile: '' },
    httpPath: '/provisioning', source: f.prov.source, log: silentLogger(), ...(guard ? { guard } : {}),
  });
  const { port } = await server.start();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const H1 = ha1('MD5', 'phones', 'pbx-agent', 'p4ssword!');
  let nonce = '';
  let nc = 0;
  const auth = (): string | undefined => {
    if (!digest) return undefined;
    nc++;
    const ncHex = nc.toString(16).padStart(8, '0');
    const response = digestResponse('MD5', H1, 'GET', { nonce, nc, cnonce: 'c0ffee', uri: TARGET });
    return `Digest username="phones", realm="pbx-agent", nonce="${nonce}", uri="${TARGET}", qop=auth, nc=${ncHex}, cnonce="c0ffee", response="${response}", algorithm=MD5`;
  };
  let ok = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    let r = await get(port, agent, nonce || !digest ? auth() : undefined);
    if (r.status === 401 && digest) {
      nonce = /nonce="([^"]+)"/.exec(r.challenge ?? '')?.[1] ?? '';
      nc = 0;
      r = await get(port, agent, auth());
    }
    if (r.status === 200) ok++;
  }
  const ms = performance.now() - t0;
  agent.destroy();
  await server.stop();
  if (ok !== N) throw new Error(`only ${ok} of ${N} served`);
  return Math.round((N * 1000) / ms);
}

const open = await serve(undefined, false);
const guardedOpen = await serve(newGuard(), false);
setCredential(f.db, ACTOR, { tenant: null, username: 'phones', password: 'p4ssword!', realm: 'pbx-agent' }, () => new Date());
const guardedDigest = await serve(newGuard(), true);
console.log(JSON.stringify({
  requests: N, noGuardReqPerS: open, guardNoCredentialsReqPerS: guardedOpen, guardDigestMd5ReqPerS: guardedDigest,
  ratioGuardOpen: +(guardedOpen / open).toFixed(2), ratioDigest: +(guardedDigest / open).toFixed(2),
}));

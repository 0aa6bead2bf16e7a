// Pairing between two real ssh2 endpoints on loopback (distinct 127.x addresses, so the
// "only from ha.remoteIp" rule is exercised for real): right serial, wrong serial, wrong address,
// attempt limit and lockout, already paired, host-key pinning both ways, the cluster-key
// challenge, unpair and pairing again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { readAudit } from '../../agent/audit.ts';
import { createLogger } from '../../agent/log.ts';
import { freePort } from '../../test/lab/ports.ts';
import { generateEd25519, hostKeyPath, loadOrCreateHostKey } from './host-key.ts';
import { base32, derivePairingPassword, normaliseSerial } from './password.ts';
import { readPairing } from './store.ts';
import { linkNode, type LinkNode } from './testing.ts';

const A = '127.0.0.11';
const B = '127.0.0.12';
const ADMIN = { user: 'alice', source: 'pbxctl' };

async function pair(opts: { bSerial?: string; aPeerSerial?: string; aAddress?: string; maxAttempts?: number; now?: () => number } = {}): Promise<{ a: LinkNode; b: LinkNode; close(): Promise<void> }> {
  const port = await freePort({ host: A });
  const b = await linkNode({ address: B, peer: A, serial: opts.bSerial ?? 'SN-B-0002', name: 'node-b', port, maxAttempts: opts.maxAttempts ?? 3, ...(opts.now ? { now: opts.now } : {}) });
  const a = await linkNode({ address: opts.aAddress ?? A, peer: B, serial: 'SN-A-0001', name: 'node-a', port, coordinator: true, peerSerial: opts.aPeerSerial ?? 'SN-B-0002' });
  return { a, b, async close() { await a.close(); await b.close(); } };
}

test('password: documented derivation, normalised serial, RFC 4648 base32', () => {
  assert.equal(base32(Buffer.from('foobar')), 'MZXW6YTBOI');
  assert.equal(base32(Buffer.from('f')), 'MY');
  const p = derivePairingPassword('ab 1234');
  assert.equal(p, derivePairingPassword('AB1234'));
  assert.match(p, /^[A-Z2-7]{32}$/);
  assert.notEqual(p, derivePairingPassword('AB1235'));
  assert.throws(() => normaliseSerial('  '), /PBX|empty/);
});

test('pairing with the right serial pins host keys both ways and shares one cluster key', async () => {
  const { a, b, close } = await pair();
  try {
    const view = await a.link.pair(ADMIN);
    assert.equal(view.paired, true);
    assert.equal(view.role, 'coordinator');
    const pa = readPairing(a.db);
    const pb = readPairing(b.db);
    assert.equal(pa.paired && pb.paired, true);
    assert.equal(pa.clusterKey!.length, 32);
    assert.ok(pa.clusterKey!.equals(pb.clusterKey!), 'both sides derive the same key');
    assert.equal(pa.peerSerial, 'SN-B-0002');
    assert.equal(pb.peerSerial, 'SN-A-0001');
    assert.equal(pb.localRole, 'member');
    assert.equal(pa.peerFingerprint, b.link.view().localHostKey);
    assert.equal(pb.peerFingerprint, a.link.view().localHostKey);
    // Audited on both sides, never with the key.
    const auditA = readAudit(a.db, { objectType: 'ha-peer' });
    const auditB = readAudit(b.db, { objectType: 'ha-peer' });
    assert.equal(auditA[0]!.action, 'pair');
    assert.equal(auditA[0]!.user, 'alice');
    assert.equal(auditB[0]!.user, 'peer');
    assert.ok(!JSON.stringify([auditA, auditB, a.link.view(), b.link.view()]).includes(pa.clusterKey!.toString('base64')));
    // The authenticated channel works: a request from the coordinator to the member.
    const pong = (await a.link.request('ping', null)) as { serial: string };
    assert.equal(pong.serial, 'SN-B-0002');
    // And from the member to the coordinator.
    const pong2 = (await b.link.request('ping', null)) as { serial: string };
    assert.equal(pong2.serial, 'SN-A-0001');
  } finally { await close(); }
});

test('a wrong serial is refused and counted; nothing is stored', async () => {
  const { a, b, close } = await pair({ aPeerSerial: 'SN-B-9999' });
  try {
    await assert.rejects(a.link.pair(ADMIN), /refused the pairing password: check ha.peerSerial/);
    assert.equal(readPairing(a.db).paired, false);
    assert.equal(readPairing(b.db).paired, false);
    assert.equal((b.link.view().server as { passwordFailures: number }).passwordFailures, 1);
  } finally { await close(); }
});

test('pairing from an address other than ha.remoteIp is refused before the handshake', async () => {
  const { a, b, close } = await pair({ aAddress: '127.0.0.13' });
  try {
    await assert.rejects(a.link.pair(ADMIN), /only from its ha.remoteIp/);
    assert.equal(readPairing(b.db).paired, false);
    const st = b.link.view().server as { refusedAddress: number; passwordFailures: number };
    assert.equal(st.refusedAddress, 1);
    assert.equal(st.passwordFailures, 0, 'the password was never even asked');
  } finally { await close(); }
});

test('after the attempt limit even the right password is refused until the lockout ends', async () => {
  let t = 1_000_000;
  const { a, b, close } = await pair({ aPeerSerial: 'WRONG', maxAttempts: 3, now: () => t });
  try {
    for (let i = 0; i < 3; i++) await assert.rejects(a.link.pair(ADMIN), /refused the pairing password/);
    a.ha.peerSerial = 'SN-B-0002';
    await assert.rejects(a.link.pair(ADMIN), /refused the pairing password/);
    const st = b.link.view().server as { lockouts: number; passwordRefusedLocked: number; lockedUntil: string | null };
    assert.equal(st.lockouts, 1);
    assert.equal(st.passwordRefusedLocked, 1);
    assert.ok(st.lockedUntil);
    assert.equal(readPairing(b.db).paired, false);
    t += 60_001;
    const v = await a.link.pair(ADMIN);
    assert.equal(v.paired, true);
  } finally { await close(); }
});

test('once paired the password is refused, even for the right serial from the right address', async () => {
  const { a, b, close } = await pair();
  try {
    await a.link.pair(ADMIN);
    // A second coordinator (fresh host key) at the same address with the right serial.
    const port = b.ha.pairingPort;
    const intruder = await linkNode({ address: A, peer: B, serial: 'SN-X', name: 'x', port, coordinator: true, peerSerial: 'SN-B-0002', start: false });
    try {
      await assert.rejects(intruder.link.pair(ADMIN), /refused the pairing password/);
      assert.equal((b.link.view().server as { passwordRefusedPaired: number }).passwordRefusedPaired, 1);
      assert.equal(readPairing(b.db).peerSerial, 'SN-A-0001', 'the pairing is untouched');
      // Its host key is not the pinned one either: a cluster session is refused.
      const p = readPairing(a.db);
      intruder.db.prepare('UPDATE cluster_state SET paired = 1, peer_serial = ?, peer_host_key = ?, cluster_key = ? WHERE id = 1').run(p.peerSerial, p.peerHostKey, p.clusterKey);
      await assert.rejects(intruder.link.request('ping', null), /refused this node's host key/);
      assert.ok((b.link.view().server as { publickeyRefused: number }).publickeyRefused >= 1);
    } finally { await intruder.close(); }
  } finally { await close(); }
});

test('a peer presenting another host key than the pinned one is refused (no TOFU after pairing)', async () => {
  const { a, b, close } = await pair();
  try {
    await a.link.pair(ADMIN);
    // The member is "reinstalled": same address and port, same store, new host key.
    await b.link.stop();
    writeFileSync(hostKeyPath(b.dir), generateEd25519(), { mode: 0o600 });
    const b2 = await linkNode({ address: B, peer: A, serial: 'SN-B-0002', name: 'node-b', port: b.ha.pairingPort, db: b.db, dir: b.dir });
    try {
      await assert.rejects(a.link.request('ping', null), /host key mismatch/);
      assert.match(a.link.view().session.lastError ?? '', /host key mismatch/);
    } finally { await b2.close(); }
  } finally { await close(); }
});

test('a session without the cluster key fails the challenge', async () => {
  const { a, b, close } = await pair();
  try {
    await a.link.pair(ADMIN);
    a.db.prepare('UPDATE cluster_state SET cluster_key = ? WHERE id = 1').run(Buffer.alloc(32, 7));
    await assert.rejects(a.link.request('ping', null), /cluster key|closed/);
    assert.equal((b.link.view().server as { helloFailures: number }).helloFailures, 1);
  } finally { await close(); }
});

test('unpair: both sides forget, the password works again, and pairing again succeeds', async () => {
  const { a, b, close } = await pair();
  try {
    await a.link.pair(ADMIN);
    const r = await a.link.unpair(ADMIN);
    assert.deepEqual({ unpaired: r.unpaired, peerNotified: r.peerNotified }, { unpaired: true, peerNotified: true });
    assert.equal(readPairing(a.db).paired, false);
    assert.equal(readPairing(b.db).paired, false);
    assert.equal(readPairing(b.db).clusterKey, null);
    assert.equal(readAudit(b.db, { objectType: 'ha-peer' })[0]!.action, 'unpair');
    const again = await a.link.pair(ADMIN);
    assert.equal(again.paired, true);
    assert.ok(!readPairing(a.db).clusterKey!.equals(Buffer.alloc(32)), 'a fresh key');
  } finally { await close(); }
});

test('the member refuses to be paired when it is itself a coordinator, or expects another coordinator', async () => {
  const { a, b, close } = await pair();
  try {
    b.ha.coordinator = true;
    await assert.rejects(a.link.pair(ADMIN), /itself configured as the coordinator/);
    b.ha.coordinator = false;
    b.ha.peerSerial = 'SN-OTHER';
    await assert.rejects(a.link.pair(ADMIN), /expects a coordinator with serial SN-OTHER/);
    assert.equal(readPairing(b.db).paired, false);
    assert.equal(readPairing(a.db).paired, false);
  } finally { await close(); }
});

test('pair is refused on a node that is not the coordinator, with the reason', async () => {
  const { b, close } = await pair();
  try {
    await assert.rejects(b.link.pair(ADMIN), /not the coordinator/);
  } finally { await close(); }
});

test('with a sync path: sessions use it first, fall back to the LAN; pairing only from ha.remoteIp', async () => {
  const port = await freePort({ host: '127.0.0.41' });
  const b = await linkNode({ address: '127.0.0.42', peer: '127.0.0.41', serial: 'SN-B', name: 'b', port, sync: { local: '127.0.1.42', peer: '127.0.1.41' } });
  const a = await linkNode({ address: '127.0.0.41', peer: '127.0.0.42', serial: 'SN-A', name: 'a', port, coordinator: true, peerSerial: 'SN-B', sync: { local: '127.0.1.41', peer: '127.0.1.42' } });
  try {
    await a.link.pair(ADMIN);
    await a.link.request('ping', null);
    assert.match(a.link.view().session.path ?? '', /^sync 127\.0\.1\.42/);
    // The sync path goes away (the peer's sync address no longer answers): the LAN carries on.
    a.ha.remoteSyncIp = '127.0.1.99';
    await b.link.stop(); // drops the current session; the peer comes back below
    const b2 = await linkNode({ address: '127.0.0.42', peer: '127.0.0.41', serial: 'SN-B', name: 'b', port, db: b.db, dir: b.dir, sync: { local: '127.0.1.42', peer: '127.0.1.41' } });
    try {
      await assert.rejects(a.link.request('ping', null)); // the old session died with the restart
      await new Promise((r) => setTimeout(r, 1100)); // back-off after the failed reconnect
      await a.link.request('ping', null).catch(async () => { await new Promise((r) => setTimeout(r, 2100)); return a.link.request('ping', null); });
      assert.match(a.link.view().session.path ?? '', /^lan 127\.0\.0\.42/);
    } finally { await b2.close(); }
  } finally { await a.close(); await b.close(); }
});

test('host keys: generated valid every time (works around an ssh2 keygen bug), kept 0600, stable across loads', () => {
  for (let i = 0; i < 600; i++) assert.ok(!(ssh2.utils.parseKey(generateEd25519()) instanceof Error));
  const dir = mkdtempSync(join(tmpdir(), 'pbx-ha-key-'));
  try {
    const k1 = loadOrCreateHostKey(hostKeyPath(dir));
    assert.equal(statSync(hostKeyPath(dir)).mode & 0o777, 0o600);
    chmodSync(hostKeyPath(dir), 0o644);
    const warnings: string[] = [];
    const k2 = loadOrCreateHostKey(hostKeyPath(dir), (m) => warnings.push(m));
    assert.equal(k2.fingerprint, k1.fingerprint);
    assert.equal(statSync(hostKeyPath(dir)).mode & 0o777, 0o600);
    assert.equal(warnings.length, 1);
    assert.match(k1.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('pairing logs never carry the password or the cluster key', async () => {
  const lines: string[] = [];
  const stream = { write: (s: string) => { lines.push(s); } };
  const log = createLogger('debug', stream as never);
  const port = await freePort({ host: A });
  const b = await linkNode({ address: B, peer: A, serial: 'SN-LOG-B', name: 'b', port, log });
  const a = await linkNode({ address: A, peer: B, serial: 'SN-LOG-A', name: 'a', port, coordinator: true, peerSerial: 'SN-LOG-B', log });
  try {
    a.ha.peerSerial = 'SN-WRONG';
    await assert.rejects(a.link.pair(ADMIN));
    a.ha.peerSerial = 'SN-LOG-B';
    await a.link.pair(ADMIN);
    await a.link.request('ping', null);
    const key = readPairing(a.db).clusterKey!;
    const text = lines.join('');
    assert.ok(lines.length > 3, 'something was logged');
    for (const secret of [derivePairingPassword('SN-LOG-B'), derivePairingPassword('SN-WRONG'), key.toString('base64'), key.toString('hex')]) {
      assert.ok(!text.includes(secret), 'a secret reached the log');
    }
    assert.match(text, /wrong pairing password/);
  } finally { await a.close(); await b.close(); }
});

test('unpair with the peer unreachable: done here within seconds, and says the peer was not told', async () => {
  const { a, b, close } = await pair();
  try {
    await a.link.pair(ADMIN);
    await b.link.stop();
    const t0 = Date.now();
    const r = await a.link.unpair(ADMIN);
    assert.ok(Date.now() - t0 < 6000, `took ${Date.now() - t0} ms`);
    assert.equal(r.unpaired, true);
    assert.equal(r.peerNotified, false);
    assert.equal(readPairing(a.db).paired, false);
    assert.equal(readPairing(b.db).paired, true, 'the member still holds it: its admin must unpair there too');
    assert.match(readAudit(a.db, { objectType: 'ha-peer' })[0]!.description, /the peer was not told/);
  } finally { await close(); }
});

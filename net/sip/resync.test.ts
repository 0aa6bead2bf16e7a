// Resync, pure parts: the NOTIFY per vendor decodes with our codec and carries the right Event;
// answers are matched by Call-ID, CSeq method and branch; the last known address prefers the
// newest sighting; the control method reports and audits (with the UDP send injected).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readAudit } from '../../agent/audit.ts';
import { ACTOR, fixture } from '../../provisioning/testing/fixture.ts';
import { decode, encode, getHeader, buildResponse } from './message.ts';
import { lastKnownAddress, resyncMethods } from './resync-methods.ts';
import { buildResyncNotify, readAnswer, resyncEvent } from './resync.ts';

describe('resync NOTIFY', () => {
  it('events per vendor', () => {
    assert.equal(resyncEvent('Yealink', false), 'check-sync;reboot=false');
    assert.equal(resyncEvent('yealink', true), 'check-sync;reboot=true');
    assert.equal(resyncEvent('Snom', true), 'check-sync;reboot=true');
    assert.equal(resyncEvent('Fanvil', false), 'check-sync');
    assert.equal(resyncEvent('Grandstream', false), 'resync');
    assert.equal(resyncEvent('Polycom', true), 'check-sync');
    assert.equal(resyncEvent('Gigaset', false), 'check-sync;reboot=false');
    assert.equal(resyncEvent('Acme', false), 'check-sync');
  });
  it('is a well-formed request our codec reads back, with every mandatory header', () => {
    const { bytes, branch } = buildResyncNotify({
      event: 'check-sync;reboot=false', target: { address: '10.0.0.21', port: 5062 }, local: { address: '10.0.0.1', port: 40000 },
      user: '201', callId: 'cid@x', tag: 't1', branch: 'abc',
    });
    assert.equal(branch, 'z9hG4bKabc');
    const r = decode(bytes);
    assert.ok(r.ok && r.value.type === 'request');
    const m = r.value;
    assert.equal(m.method, 'NOTIFY');
    assert.equal(m.uri, 'sip:201@10.0.0.21:5062');
    assert.equal(getHeader(m, 'Via'), 'SIP/2.0/UDP 10.0.0.1:40000;branch=z9hG4bKabc;rport');
    assert.equal(getHeader(m, 'Event'), 'check-sync;reboot=false');
    assert.equal(getHeader(m, 'CSeq'), '1 NOTIFY');
    assert.equal(getHeader(m, 'Max-Forwards'), '70');
    assert.equal(getHeader(m, 'Content-Length'), '0');
    assert.deepEqual(encode(m), bytes, 'round trip');
    const noUser = buildResyncNotify({ event: 'resync', target: { address: '10.0.0.21', port: 5060 }, local: { address: '10.0.0.1', port: 1 }, user: 'a b', callId: 'c', tag: 't', branch: 'b' });
    assert.match(noUser.bytes.toString('latin1'), /^NOTIFY sip:10\.0\.0\.21:5060 SIP\/2\.0\r\n/, 'a user name that is not a plain token is left out');
  });
  it('reads only answers to our NOTIFY', () => {
    const resp = (cid: string, cseq: string, via = 'SIP/2.0/UDP 10.0.0.1:40000;branch=z9hG4bKabc') =>
      encode(buildResponse(200, 'OK', [['Via', via], ['From', '<sip:a@b>;tag=1'], ['To', '<sip:c@d>;tag=2'], ['Call-ID', cid], ['CSeq', cseq]]));
    assert.deepEqual(readAnswer(resp('cid', '1 NOTIFY'), 'cid'), { status: 200, reason: 'OK', branch: 'z9hG4bKabc' });
    assert.equal(readAnswer(resp('other', '1 NOTIFY'), 'cid'), undefined);
    assert.equal(readAnswer(resp('cid', '1 OPTIONS'), 'cid'), undefined);
    assert.equal(readAnswer(resp('cid', '1 NOTIFY', 'garbage'), 'cid'), undefined);
    assert.equal(readAnswer(Buffer.from('NOTIFY sip:x SIP/2.0\r\n\r\n'), 'cid'), undefined);
    assert.equal(readAnswer(Buffer.from([0, 1, 2]), 'cid'), undefined);
  });
});

describe('last known address and device.resync', () => {
  it('prefers the newest sighting; the PnP port is kept for its address; else the static IP', async () => {
    const f = fixture();
    f.s.addDevice(ACTOR, { mac: '001565aabbcc', model: 'Yealink/T4x-T5x' });
    assert.equal(lastKnownAddress(f.db, '001565aabbcc'), undefined);
    f.db.prepare('INSERT INTO pnp_seen (mac, ip, port, last_seen) VALUES (?, ?, ?, ?)').run('001565aabbcc', '10.0.0.5', 5062, 1000);
    assert.deepEqual(lastKnownAddress(f.db, '001565aabbcc'), { address: '10.0.0.5', port: 5062, source: 'pnp', at: new Date(1000).toISOString() });
    f.db.prepare(`INSERT INTO dhcp_leases (ip, mac, state, starts_at, expires_at, updated_at, version) VALUES (?, ?, 'bound', 0, 9e12, ?, 1)`).run('10.0.0.9', '001565aabbcc', 2000);
    assert.equal(lastKnownAddress(f.db, '001565aabbcc')?.address, '10.0.0.9');
    assert.equal(lastKnownAddress(f.db, '001565aabbcc')?.port, 5060);
    const fetch = () => ({ ip: '10.0.0.5', at: new Date(3000).toISOString() });
    assert.deepEqual(lastKnownAddress(f.db, '001565aabbcc', fetch), { address: '10.0.0.5', port: 5062, source: 'fetch', at: new Date(3000).toISOString() });
    f.s.addDevice(ACTOR, { mac: '001565000002', model: 'Yealink/T4x-T5x', dhcp: false, ip: '10.0.0.30', netmask: '255.255.255.0' });
    assert.deepEqual(lastKnownAddress(f.db, '001565000002'), { address: '10.0.0.30', port: 5060, source: 'static' });
  });
  it('device.resync sends the brand event to the address, reports and audits', async () => {
    const f = fixture();
    f.s.addAccount(ACTOR, { username: '201', password: 'pw-201-x' });
    f.s.addDevice(ACTOR, { mac: '000413112233', model: 'Snom/D7xx', account: '201' });
    const sent: unknown[] = [];
    const m = resyncMethods({
      db: f.db,
      send: async (r) => { sent.push(r); return { outcome: 'answered', status: 200, reason: 'OK', transmissions: 1, ms: 3 }; },
    });
    const r = await m['device.resync']!({ mac: '00:04:13:11:22:33', reboot: true, address: '10.0.0.21' }, { actor: ACTOR }) as Record<string, unknown>;
    assert.deepEqual(sent, [{ target: { address: '10.0.0.21', port: 5060, source: 'given' }, event: 'check-sync;reboot=true', user: '201', t1Ms: 500 }]);
    assert.equal(r.answered, true);
    const audit = readAudit(f.db, { objectType: 'device', limit: 1 });
    assert.match(audit[0]!.description, /NOTIFY Event: check-sync;reboot=true sent to 10\.0\.0\.21:5060 \(given\): answered 200 OK/);
    assert.equal(audit[0]!.action, 'reboot');
    await assert.rejects(async () => m['device.resync']!({ mac: '000413112233', address: '10.0.0.300' }, { actor: ACTOR }), /IPV4\[:PORT\]/);
    await assert.rejects(async () => m['device.resync']!({ mac: '000413112233', bogus: 1 }, { actor: ACTOR }), /bogus/);
    await assert.rejects(async () => m['device.resync']!({ mac: '000413112233' }, { actor: ACTOR }), /no known address/);
  });
});

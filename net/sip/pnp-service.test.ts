// The service on loopback only (root namespace): SUBSCRIBEs are sent unicast to the reply
// socket, which takes the same path as the multicast socket. Multicast itself, the real
// interfaces and the PBX sharing 5060 are covered in namespaces by test/pnp/e2e.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { silentLogger } from '../../agent/log.ts';
import { openDatabase, type Db } from '../../agent/store/db.ts';
import { createSystemFacts } from '../../agent/system/facts.ts';
import type { Service } from '../../agent/service.ts';
import { YEALINK } from '../../test/pnp/samples.ts';
import { defaultPnpConfig } from './config-schema.ts';
import { decode, encode, getHeader, getHeaders, parseVia, buildResponse, type SipMessage } from './message.ts';
import { pnpMethods } from './pnp-methods.ts';
import { createPnpService } from './pnp-service.ts';

const LO = [{ name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0' }];
const actor = { actor: { user: 'test', via: 'test' } } as never;

/** A phone on 127.0.0.1: sends bytes, collects decoded messages. */
async function phone(): Promise<{ sock: Socket; port: number; inbox: SipMessage[]; next(pred: (m: SipMessage) => boolean, ms?: number): Promise<SipMessage> }> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const inbox: SipMessage[] = [];
  sock.on('message', (b) => { const d = decode(b); if (d.ok) inbox.push(d.value); });
  return {
    sock, port: sock.address().port, inbox,
    async next(pred, ms = 3000) {
      const end = Date.now() + ms;
      for (;;) {
        const i = inbox.findIndex(pred);
        if (i >= 0) return inbox.splice(i, 1)[0]!;
        if (Date.now() > end) throw new Error('timed out waiting for a message');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

function subscribeFrom(port: number, callId = '1536537630@127.0.0.1'): Buffer {
  return Buffer.from(YEALINK.toString('latin1')
    .replaceAll('10.1.3.239:5059', `127.0.0.1:${port}`)
    .replace('Call-ID: 1536537630@10.1.3.239', `Call-ID: ${callId}`), 'latin1');
}

describe('PnP service on loopback', () => {
  let db: Db;
  let svc: Service;
  let target: { address: string; port: number };

  before(async () => {
    db = openDatabase(':memory:');
    svc = createPnpService({
      config: defaultPnpConfig({ port: 0 as number, t1Ms: 100 }), multiTenant: false, db, log: silentLogger(),
      facts: createSystemFacts({ serial: 'x' }), interfaces: () => LO,
    });
    await svc.start();
    const st = svc.status() as { replySockets: string[]; state: string };
    assert.equal(st.state, 'running');
    const [addr, port] = st.replySockets[0]!.replace('/udp', '').split(':');
    target = { address: addr!, port: Number(port) };
  });
  after(async () => { await svc.stop(); db.close(); });

  it('answers 200 then NOTIFY; the phone\'s 200 completes it; a retransmitted SUBSCRIBE gets the same 200 and no second NOTIFY', async () => {
    const p = await phone();
    try {
      const sub = subscribeFrom(p.port);
      p.sock.send(sub, target.port, target.address);
      const ok = await p.next((m) => m.type === 'response');
      assert.equal(ok.type === 'response' && ok.status, 200);
      const notify = await p.next((m) => m.type === 'request' && m.method === 'NOTIFY');
      assert.equal(notify.body.toString(), 'http://127.0.0.1/provisioning/');
      const via = parseVia(getHeaders(notify, 'Via')[0]!)!;
      assert.deepEqual([via.host, via.port], [target.address, target.port]);

      p.sock.send(sub, target.port, target.address); // retransmission
      const ok2 = await p.next((m) => m.type === 'response');
      assert.deepEqual(encode(ok2), encode(ok), 'byte-identical 200');

      const resp = buildResponse(200, 'OK', [
        ['Via', getHeader(notify, 'Via')!], ['From', getHeader(notify, 'From')!], ['To', getHeader(notify, 'To')!],
        ['Call-ID', getHeader(notify, 'Call-ID')!], ['CSeq', getHeader(notify, 'CSeq')!],
      ]);
      p.sock.send(encode(resp), via.port!, via.host);
      await new Promise((r) => setTimeout(r, 400));
      const st = svc.status() as Record<string, number>;
      assert.equal(st.answered, 1);
      assert.equal(st.subscribeRetransmits, 1);
      assert.equal(st.notifyAcked, 1);
      assert.equal(st.pendingNotifies, 0);
      assert.equal(p.inbox.filter((m) => m.type === 'request').length, 0, 'no second NOTIFY, no retransmission after the 200');
    } finally {
      p.sock.close();
    }
  });

  it('an unanswered NOTIFY is retransmitted on T1 doubling and given up at 64*T1', async () => {
    const p = await phone();
    try {
      p.sock.send(subscribeFrom(p.port, 'unanswered@127.0.0.1'), target.port, target.address);
      await p.next((m) => m.type === 'response');
      await new Promise((r) => setTimeout(r, 64 * 100 + 600));
      const notifies = p.inbox.filter((m) => m.type === 'request');
      // T1 = 100, T2 = 4000: sends at 0, 100, 300, 700, 1500, 3100, 6300; Timer F at 6400
      assert.equal(notifies.length, 7);
      const st = svc.status() as Record<string, number>;
      assert.equal(st.notifyTimedOut, 1);
      assert.equal(st.notifyRetransmits, 6);
    } finally {
      p.sock.close();
    }
  });

  it('garbage is counted, not fatal', async () => {
    const s = createSocket('udp4');
    for (const g of ['', 'hello', 'SUBSCRIBE sip:x SIP/9.9\r\n\r\n', 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=nope\r\n\r\n']) {
      s.send(Buffer.from(g), target.port, target.address);
    }
    await new Promise((r) => setTimeout(r, 200));
    s.close();
    const st = svc.status() as Record<string, number>;
    assert.ok((st.malformed ?? 0) >= 2);
    assert.ok((st.strayResponses ?? 0) >= 1);
  });

  it('records the phone in pnp_seen; pnp.list / pnp.show / pnp.forget', async () => {
    await svc.stop(); // flushes the recorder
    const m = pnpMethods(db);
    const list = await m['pnp.list']!({}, actor) as Array<{ mac: string; vendor: string; model: string; url: string }>;
    assert.equal(list.length, 1);
    assert.deepEqual([list[0]!.mac, list[0]!.vendor, list[0]!.model, list[0]!.url], ['001565f4f9e1', 'yealink', 'W52P', 'http://127.0.0.1/provisioning/']);
    assert.equal((await m['pnp.list']!({ since: '2999-01-01' }, actor) as unknown[]).length, 0);
    const shown = await m['pnp.show']!({ mac: '00:15:65:F4:F9:E1' }, actor) as { vendor: string; model: string; firmware: string };
    assert.deepEqual([shown.vendor, shown.model, shown.firmware], ['yealink', 'W52P', '25.81.0.10']);
    await assert.rejects(async () => m['pnp.show']!({ mac: 'nope' }, actor), /not a MAC/);
    assert.deepEqual(await m['pnp.forget']!({ mac: '001565f4f9e1' }, actor), { forgotten: 1 });
    await assert.rejects(async () => m['pnp.show']!({ mac: '001565f4f9e1' }, actor), /not found/);
    await svc.start();
  });
});

describe('PnP service refusals', () => {
  it('multi-tenant: does not open sockets, says why', async () => {
    const db = openDatabase(':memory:');
    const svc = createPnpService({ config: defaultPnpConfig(), multiTenant: true, db, log: silentLogger(), facts: createSystemFacts(), interfaces: () => LO });
    await svc.start();
    const st = svc.status() as { state: string; reason: string; listening?: unknown };
    assert.equal(st.state, 'refused');
    assert.match(st.reason, /multi-tenant/);
    assert.equal(st.listening, undefined);
    await svc.stop();
    db.close();
  });

  it('bad config is refused at construction, naming the key', () => {
    const db = openDatabase(':memory:');
    assert.throws(() => createPnpService({ config: defaultPnpConfig({ deny: ['xyz'] }), multiTenant: false, db, log: silentLogger(), facts: createSystemFacts() }), /pnp\.deny/);
    db.close();
  });

  it('an interface named in pnp.interfaces that does not exist is a config error at start', async () => {
    const db = openDatabase(':memory:');
    const svc = createPnpService({ config: defaultPnpConfig({ interfaces: ['nosuch0'] }), multiTenant: false, db, log: silentLogger(), facts: createSystemFacts(), interfaces: () => LO });
    await assert.rejects(svc.start(), /pnp\.interfaces.*nosuch0/);
    db.close();
  });

  it('a passive node stays silent', async () => {
    const db = openDatabase(':memory:');
    const svc = createPnpService({ config: defaultPnpConfig({ port: 0 as number }), multiTenant: false, db, log: silentLogger(), facts: createSystemFacts(), interfaces: () => LO, isActive: () => false });
    await svc.start();
    const st0 = svc.status() as { replySockets: string[] };
    const port = Number(st0.replySockets[0]!.split(':')[1]!.replace('/udp', ''));
    const p = await phone();
    p.sock.send(subscribeFrom(p.port), port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(p.inbox.length, 0);
    const st = svc.status() as { refused: Record<string, number> };
    assert.equal(st.refused['not-active'], 1);
    p.sock.close();
    await svc.stop();
    db.close();
  });
});


// Two real transports over loopback UDP (127.0.0.1 <-> 127.0.0.2, and a second "sync" pair on
// 127.0.1.x), plus a raw socket playing the attacker: forged, replayed, delayed and misdirected
// packets must be dropped and counted, and liveness must follow the (injected) clock.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Logger } from '../../agent/log.ts';
import { clusterIdOf, seal, senderIdOf } from './auth.ts';
import { encode, FLAG, type Heartbeat } from './codec.ts';
import { HeartbeatTransport, type TransportOptions } from './transport.ts';

const KEY = Buffer.alloc(32, 0x42);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function capture(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  return { log: pino({ level: 'debug' }, stream) as Logger, lines };
}

let basePort = 20000 + (process.pid % 20000);
const opened: HeartbeatTransport[] = [];
const sockets: Socket[] = [];
after(async () => {
  for (const t of opened) await t.stop();
  for (const s of sockets) s.close();
});

interface Pair { a: HeartbeatTransport; b: HeartbeatTransport; clock: { t: number }; gotA: Heartbeat[]; gotB: Heartbeat[]; logA: Record<string, unknown>[]; port: number }

async function pair(over: Partial<TransportOptions> = {}): Promise<Pair> {
  const port = basePort++;
  const clock = { t: 1000 };
  const gotA: Heartbeat[] = [];
  const gotB: Heartbeat[] = [];
  const ca = capture();
  const common = { port, key: KEY, warnMs: 300, deadMs: 1000, now: () => clock.t, ...over };
  const a = new HeartbeatTransport({
    ...common, localSerial: 'SN-A', peerSerial: 'SN-B', log: ca.log, onPacket: (hb) => gotA.push(hb),
    paths: [{ name: 'lan', localAddress: '127.0.0.1', peerAddress: '127.0.0.2' }, { name: 'sync', localAddress: '127.0.1.1', peerAddress: '127.0.1.2' }],
  });
  const b = new HeartbeatTransport({
    ...common, localSerial: 'SN-B', peerSerial: 'SN-A', log: capture().log, onPacket: (hb) => gotB.push(hb),
    paths: [{ name: 'lan', localAddress: '127.0.0.2', peerAddress: '127.0.0.1' }, { name: 'sync', localAddress: '127.0.1.2', peerAddress: '127.0.1.1' }],
  });
  opened.push(a, b);
  a.setGeneration(3);
  b.setGeneration(5);
  await a.start();
  await b.start();
  return { a, b, clock, gotA, gotB, logA: ca.lines, port };
}

const OUT = { kind: 'heartbeat', flags: FLAG.stable, state: 'standby', pingReachable: 0, pingTotal: 0, configVersion: 1, timersHash: 7, msgId: 0 } as const;

async function attacker(address: string): Promise<Socket> {
  const s = createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, address, () => r()));
  return s;
}

function forged(over: Partial<Heartbeat>, key = KEY): Buffer {
  const b = encode({
    ...OUT, path: 0, clusterId: clusterIdOf(key), sender: senderIdOf('SN-B'), generation: 5, seq: 1000, sentAt: 1000, mac: Buffer.alloc(32), ...over,
  });
  seal(b, key);
  return b;
}

const send = (s: Socket, buf: Buffer, port: number, to = '127.0.0.1') => new Promise<void>((r) => s.send(buf, port, to, () => r()));

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('heartbeat transport (loopback UDP)', () => {
  it('delivers on both paths, one sequence per packet, and reports paths up', async () => {
    const { a, b, gotA, gotB } = await pair();
    b.send(OUT);
    a.send({ ...OUT, state: 'active', flags: FLAG.holdsResource });
    await until(() => gotA.length === 2 && gotB.length === 2);
    assert.deepEqual(gotA.map((h) => h.path).sort(), [0, 1]);
    assert.deepEqual(gotA.map((h) => h.seq).sort(), [0, 1], 'each path copy is its own packet');
    assert.equal(gotB[0]!.state, 'active');
    assert.equal(gotA[0]!.generation, 5);
    assert.ok(a.peerAlive());
    assert.deepEqual(a.paths().map((p) => [p.name, p.state, p.rx]), [['lan', 'up', 1], ['sync', 'up', 1]]);
    await a.flush();
  });

  it('drops and counts forged, replayed, stale, foreign and misdirected packets', async () => {
    const { a, gotA, port } = await pair();
    const evil = await attacker('127.0.0.2');
    await send(evil, forged({ seq: 1 }), port);
    await until(() => gotA.length === 1);
    await send(evil, forged({ seq: 1 }), port); // replay
    const wrongKey = forged({ seq: 2 }, Buffer.alloc(32, 1));
    await send(evil, wrongKey, port); // another cluster
    const badMac = forged({ seq: 3 });
    badMac[80]! ^= 0xff;
    await send(evil, badMac, port); // forged MAC
    await send(evil, forged({ seq: 4, sender: senderIdOf('SN-X') }), port); // unknown node
    await send(evil, forged({ seq: 5, generation: 4 }), port); // an older life
    await send(evil, forged({ seq: 6, path: 1 }), port); // sync packet on the LAN path
    await send(evil, Buffer.from('hello'), port);
    const other = await attacker('127.0.0.3');
    await send(other, forged({ seq: 7 }), port); // right packet, wrong source address
    await until(() => Object.values(a.drops).reduce((x, y) => x + y, 0) >= 8);
    assert.equal(gotA.length, 1);
    assert.deepEqual(
      Object.fromEntries(Object.entries(a.drops).filter(([, n]) => n > 0)),
      { replay: 1, 'wrong-cluster': 1, 'bad-mac': 1, 'unknown-sender': 1, 'stale-generation': 1, 'wrong-path': 1, malformed: 1, 'wrong-source': 1 },
    );
  });

  it('after this node restarts, packets of the peer\'s current life up to the stored seq are replays', async () => {
    // A transport as HaService starts it after a restart: peer generation 5 known, seq 1000 stored.
    const { a, gotA, port } = await pair({ knownPeerGeneration: 5, resumeAfter: { generation: 5, seq: 1000 } });
    const evil = await attacker('127.0.0.2');
    await send(evil, forged({ seq: 999 }), port); // captured before the restart
    await send(evil, forged({ seq: 1000 }), port);
    await until(() => a.drops.replay === 2);
    assert.equal(gotA.length, 0, 'a fresh window alone would have taken both');
    await send(evil, forged({ seq: 1001 }), port); // the peer's next packet
    await until(() => gotA.length === 1);
    assert.equal(a.peerSeq, 1001);
  });

  it('a withheld packet played back past the dead threshold is dropped as delayed', async () => {
    const { a, gotA, port, clock } = await pair();
    const evil = await attacker('127.0.0.2');
    await send(evil, forged({ seq: 1, sentAt: 5000 }), port);
    await until(() => gotA.length === 1);
    clock.t += 5000; // 5 s later, a packet sent (by the peer's clock) right after the first
    await send(evil, forged({ seq: 2, sentAt: 5010 }), port);
    await until(() => a.drops.delayed === 1);
    assert.equal(gotA.length, 1);
  });

  it('liveness: late past warning, down past dead per path; peer dead only when every path is', async () => {
    const { a, b, gotA, clock, logA } = await pair();
    b.send(OUT);
    await until(() => gotA.length === 2);
    clock.t += 400;
    a.check();
    assert.deepEqual(a.paths().map((p) => p.state), ['late', 'late']);
    assert.ok(a.peerAlive());
    // Silent past dead on both paths: both down, the peer is dead.
    clock.t += 700;
    a.check();
    assert.deepEqual(a.paths().map((p) => p.state), ['down', 'down']);
    assert.ok(!a.peerAlive());
    assert.ok(logA.some((l) => l.msg === 'heartbeat path down'));
    const n = gotA.length;
    b.send(OUT);
    await until(() => gotA.length === n + 2);
    assert.ok(a.peerAlive());
    assert.ok(logA.some((l) => l.msg === 'late heartbeat' && (l.intervalMs as number) >= 1100), 'late heartbeat logged with its interval');
    assert.equal(a.paths()[0]!.maxGapMs, 1100);
  });

  it('one path cut: that path goes down, the peer stays alive on the other', async () => {
    const port = basePort++;
    const clock = { t: 1000 };
    const got: Heartbeat[] = [];
    const common = { port, key: KEY, warnMs: 300, deadMs: 1000, now: () => clock.t, log: capture().log };
    const a = new HeartbeatTransport({
      ...common, localSerial: 'SN-A', peerSerial: 'SN-B', onPacket: (hb) => got.push(hb),
      paths: [{ name: 'lan', localAddress: '127.0.0.1', peerAddress: '127.0.0.2' }, { name: 'sync', localAddress: '127.0.1.1', peerAddress: '127.0.1.2' }],
    });
    // B's sync side is gone (a cut cable): it sends on the LAN only.
    const b = new HeartbeatTransport({
      ...common, localSerial: 'SN-B', peerSerial: 'SN-A', onPacket: () => {},
      paths: [{ name: 'lan', localAddress: '127.0.0.2', peerAddress: '127.0.0.1' }],
    });
    opened.push(a, b);
    await a.start();
    await b.start();
    for (let i = 0; i < 6; i++) {
      clock.t += 400;
      const n = got.length;
      b.send(OUT);
      await until(() => got.length === n + 1);
      a.check();
    }
    assert.ok(a.peerAlive());
    assert.deepEqual(a.paths().map((p) => [p.name, p.state]), [['lan', 'up'], ['sync', 'down']], 'never heard on sync for longer than dead: down');
  });
});

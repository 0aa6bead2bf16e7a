// The server over real loopback sockets, driven by raw peers that misbehave on purpose.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileRequest } from '../../provisioning/file-source.ts';
import { tftpGet, TftpClientError } from './client.ts';
import { toNetascii } from './netascii.ts';
import { decode, encode, type Packet } from './packet.ts';
import { createTftpServer, type TftpConfig } from './server.ts';
import { rng } from '../../test/lib/rng.ts';
import { captureLog, RawPeer, sha256, tableSource, TEST_ENGINE, testConfig } from './testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'tftp-srv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const small = Buffer.from('#!version:1.0.0.1\naccount.1.user_name = 201\n');
const medium = randomBytes(50_000);
const diskData = randomBytes(3 * 1024 * 1024 + 777);
const diskPath = join(dir, 'fw.rom');
writeFileSync(diskPath, diskData);
const FILES = {
  'small.cfg': small,
  'medium.bin': medium,
  'empty.cfg': Buffer.alloc(0),
  'exact.bin': randomBytes(1024),
  'fw.rom': { path: diskPath, size: diskData.length },
  'wrap.bin': randomBytes(8 * 70_000 + 3),
};

async function withServer(over: Partial<TftpConfig>, fn: (port: number, ctx: { seen: FileRequest[]; lines: Record<string, unknown>[]; server: ReturnType<typeof createTftpServer> }) => Promise<void>): Promise<void> {
  const seen: FileRequest[] = [];
  const { log, lines } = captureLog();
  const server = createTftpServer({ config: testConfig(over), source: tableSource(FILES, seen), log });
  const { port } = await server.start();
  assert.equal(server.stats().engine, TEST_ENGINE, 'the engine under test');
  try {
    await fn(port, { seen, lines, server });
  } finally {
    await server.stop();
  }
  assert.equal(server.stats().sessionsActive, 0, 'every slot released after stop');
}

function rrq(filename: string, options: Record<string, string> = {}, mode: 'octet' | 'netascii' = 'octet'): Buffer {
  return encode({ op: 'RRQ', filename, mode, options: new Map(Object.entries(options)) });
}

async function expectPacket(peer: RawPeer, ms = 2000): Promise<{ p: Packet; port: number }> {
  const m = await peer.recv(ms);
  assert.ok(m, 'expected a datagram');
  const d = decode(m.msg);
  assert.ok(d.ok, 'server sent something decodable');
  return { p: d.value, port: m.rinfo.port };
}

test('option clamping: blksize 99999, windowsize 1000, upper-case BLKSIZE', async () => {
  await withServer({ maxBlksize: 1468, maxWindowsize: 16 }, async (port) => {
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('small.cfg', { blksize: '99999', windowsize: '1000', tsize: '0', timeout: '0', unknownopt: 'x' }), port);
      const { p, port: tid } = await expectPacket(peer);
      assert.equal(p.op, 'OACK');
      assert.deepEqual(p.op === 'OACK' && [...p.options], [['blksize', '1468'], ['windowsize', '16'], ['tsize', String(small.length)], ['timeout', '1']]);
      assert.notEqual(tid, port, 'the OACK comes from the transfer TID');
      peer.send(encode({ op: 'ACK', block: 0 }), tid);
      const d = await expectPacket(peer);
      assert.ok(d.p.op === 'DATA' && d.p.block === 1 && d.p.data.equals(small));
      peer.send(encode({ op: 'ACK', block: 1 }), tid);

      const upper = Buffer.concat([Buffer.from([0, 1]), Buffer.from('small.cfg\0OCTET\0BLKSIZE\x00100\0', 'latin1')]);
      peer.send(upper, port);
      const o = await expectPacket(peer);
      assert.ok(o.p.op === 'OACK' && o.p.options.get('blksize') === '100');
      peer.send(encode({ op: 'ERROR', code: 0, message: 'enough' }), o.port);
    } finally {
      peer.close();
    }
  });
});

test('real transfers: tiny, empty, exact multiple of blksize, on-disk file in chunks, block-number wrap', async () => {
  await withServer({}, async (port) => {
    const get = (file: string, options?: Record<string, number>) => tftpGet({ host: '127.0.0.1', port, file, ...(options ? { options } : {}) });
    assert.deepEqual((await get('small.cfg')).data, small);
    assert.equal((await get('empty.cfg')).data.length, 0);
    assert.deepEqual((await get('exact.bin', { blksize: 512 })).data, FILES['exact.bin']);
    assert.deepEqual((await get('medium.bin', { blksize: 1428, tsize: 0 })).data, medium);
    const fw = await get('fw.rom', { blksize: 1428, windowsize: 16, tsize: 0 });
    assert.equal(fw.oack?.get('tsize'), String(diskData.length));
    assert.equal(sha256(fw.data), sha256(diskData));
    assert.equal(sha256((await get('fw.rom', { blksize: 65464, windowsize: 64 })).data), sha256(diskData));
    const wrap = await get('wrap.bin', { blksize: 8, windowsize: 64 });
    assert.equal(sha256(wrap.data), sha256(FILES['wrap.bin']), '70001 blocks of 8 bytes wrap the block number');
  });
});

test('netascii: converted bytes, tsize of the converted size', async () => {
  await withServer({}, async (port) => {
    const src = Buffer.from('line1\nline2\r\nbare\rcr\n');
    const r = await tftpGet({ host: '127.0.0.1', port, file: 'small.cfg', mode: 'netascii', options: { tsize: 0 } });
    assert.deepEqual(r.data, toNetascii(small));
    assert.equal(r.oack?.get('tsize'), String(toNetascii(small).length));
    assert.notDeepEqual(toNetascii(src), src);
    const fw = await tftpGet({ host: '127.0.0.1', port, file: 'fw.rom', mode: 'netascii', options: { blksize: 1428, windowsize: 8 } });
    assert.equal(sha256(fw.data), sha256(toNetascii(diskData)));
  });
});

test('TID check: a foreign peer gets ERROR 5 and the transfer completes untouched', async () => {
  await withServer({}, async (port, { server }) => {
    const a = await RawPeer.open();
    const b = await RawPeer.open();
    try {
      a.send(rrq('medium.bin'), port);
      const first = await expectPacket(a);
      assert.ok(first.p.op === 'DATA' && first.p.block === 1);
      const tid = first.port;
      // The intruder acknowledges, errors, and sends garbage on the transfer port.
      b.send(encode({ op: 'ACK', block: 1 }), tid);
      const e = await expectPacket(b);
      assert.deepEqual(e.p, { op: 'ERROR', code: 5, message: 'Unknown transfer ID' });
      assert.equal(e.port, tid);
      b.send(encode({ op: 'ERROR', code: 0, message: 'go away' }), tid);
      b.send(Buffer.alloc(0), tid);
      const chunks = [first.p.op === 'DATA' ? first.p.data : Buffer.alloc(0)];
      let block = 1;
      for (;;) {
        a.send(encode({ op: 'ACK', block }), tid);
        if (chunks.at(-1)!.length < 512) break;
        const d = await expectPacket(a);
        assert.ok(d.p.op === 'DATA' && d.port === tid);
        assert.equal(d.p.block, (block + 1) & 0xffff);
        chunks.push(d.p.data);
        block++;
      }
      assert.deepEqual(Buffer.concat(chunks), medium);
      const forEmpty = await expectPacket(b);
      assert.equal(forEmpty.p.op === 'ERROR' && forEmpty.p.code, 5, 'the 0-byte datagram gets ERROR 5 too');
      assert.equal(await b.recv(300), null, 'the foreign ERROR is not answered');
    } finally {
      a.close();
      b.close();
    }
    const s = server.stats();
    assert.equal(s.completed, 1);
    assert.equal(s.errors['unknown-tid'], 3);
  });
});

test('retransmission: a client that ignores the first DATA and ACKs late still gets the file', async () => {
  await withServer({ retransmitMs: 100 }, async (port, { server }) => {
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('small.cfg'), port);
      const t0 = Date.now();
      const first = await expectPacket(peer);
      assert.ok(first.p.op === 'DATA');
      const again = await expectPacket(peer, 1000);
      assert.deepEqual(again.p, first.p);
      assert.ok(Date.now() - t0 >= 80, 'not before the retransmission timeout');
      peer.send(encode({ op: 'ACK', block: 1 }), first.port);
      peer.send(encode({ op: 'ACK', block: 1 }), first.port);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      peer.close();
    }
    const s = server.stats();
    assert.equal(s.completed, 1);
    assert.ok(s.retransmits >= 1);
  });
});

test('a silent client: exponential backoff, then ERROR and the slot is freed', async () => {
  await withServer({ retransmitMs: 50, retries: 2 }, async (port, { server }) => {
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('medium.bin'), port);
      const times: number[] = [];
      let last: Packet | null = null;
      for (let i = 0; i < 4; i++) {
        const m = await expectPacket(peer, 2000);
        times.push(Date.now());
        last = m.p;
      }
      assert.deepEqual(last, { op: 'ERROR', code: 0, message: 'transfer timed out' });
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      assert.ok(gaps[0]! >= 40 && gaps[1]! >= 80 && gaps[2]! >= 160, `backoff doubles: ${gaps.join(',')}`);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(server.stats().sessionsActive, 0);
      assert.equal(server.stats().errors['timed-out'], 1);
    } finally {
      peer.close();
    }
  });
});

test('session limits: total and per client IP, refused from the request port', async () => {
  await withServer({ maxSessions: 3, maxSessionsPerClient: 2 }, async (port, { server }) => {
    const peers = await Promise.all([RawPeer.open(), RawPeer.open(), RawPeer.open(), RawPeer.open('127.0.0.2'), RawPeer.open('127.0.0.3')]);
    try {
      const [p1, p2, p3, q1, r1] = peers as [RawPeer, RawPeer, RawPeer, RawPeer, RawPeer];
      for (const p of [p1, p2]) {
        p.send(rrq('medium.bin'), port);
        assert.equal((await expectPacket(p)).p.op, 'DATA');
      }
      p3.send(rrq('medium.bin'), port);
      const busy = await expectPacket(p3);
      assert.equal(busy.port, port, 'refusal comes from the request socket: no new socket');
      assert.deepEqual(busy.p, { op: 'ERROR', code: 0, message: 'too many transfers from 127.0.0.1' });
      q1.send(rrq('medium.bin'), port);
      assert.equal((await expectPacket(q1)).p.op, 'DATA', 'another IP is admitted');
      r1.send(rrq('medium.bin'), port);
      const full = await expectPacket(r1);
      assert.ok(full.p.op === 'ERROR' && /server busy/.test(full.p.message));
      assert.equal(server.stats().errors.busy, 2);
      assert.equal(server.stats().sessionsActive, 3);
    } finally {
      for (const p of peers) p.close();
    }
  });
});

test('0- and 1-byte datagrams on the request port and a transfer port: counted, no crash', async () => {
  await withServer({}, async (port, { server }) => {
    const peer = await RawPeer.open();
    try {
      peer.send(Buffer.alloc(0), port);
      peer.send(Buffer.from([1]), port);
      peer.send(Buffer.from([0, 4, 0]), port);
      assert.equal(await peer.recv(200), null, 'noise gets no answer');
      peer.send(rrq('small.cfg', { blksize: '1024' }), port);
      const o = await expectPacket(peer);
      assert.equal(o.p.op, 'OACK');
      peer.send(Buffer.alloc(0), o.port);
      peer.send(Buffer.from([4]), o.port);
      peer.send(encode({ op: 'ACK', block: 0 }), o.port);
      const d = await expectPacket(peer);
      assert.ok(d.p.op === 'DATA' && d.p.data.equals(small));
      peer.send(encode({ op: 'ACK', block: 1 }), o.port);
      await new Promise((r) => setTimeout(r, 50));
      const s = server.stats();
      assert.equal(s.malformed, 5);
      assert.equal(s.completed, 1);
      assert.equal(s.errors.internal, 0);
    } finally {
      peer.close();
    }
  });
});

test('WRQ, bad requests and traversal names are refused; the FileSource sees clean names only', async () => {
  await withServer({}, async (port, { seen, server }) => {
    const peer = await RawPeer.open();
    try {
      peer.send(encode({ op: 'WRQ', filename: 'x.cfg', mode: 'octet', options: new Map() }), port);
      assert.deepEqual((await expectPacket(peer)).p, { op: 'ERROR', code: 2, message: 'read-only server' });
      peer.send(Buffer.from('\x00\x01f\x00mail\x00', 'latin1'), port);
      const mode = await expectPacket(peer);
      assert.ok(mode.p.op === 'ERROR' && mode.p.code === 4 && /mode/.test(mode.p.message));
      for (const bad of ['../etc/passwd', '/../etc/passwd', 'a/b/../../../x', '..\\..\\etc\\passwd', '//etc/passwd']) {
        peer.send(rrq(bad), port);
        const e = await expectPacket(peer);
        assert.deepEqual(e.p, { op: 'ERROR', code: 2, message: 'bad file name' }, bad);
      }
      assert.equal(seen.length, 0, 'none of them reached the FileSource');
      const r = await tftpGet({ host: '127.0.0.1', port, file: '/small.cfg' });
      assert.deepEqual(r.data, small);
      assert.equal(seen[0]?.path, 'small.cfg', 'one leading slash stripped');
      assert.equal(seen[0]?.transport, 'tftp');
      assert.equal(server.stats().errors['bad-name'], 5);
      assert.equal(server.stats().errors['write-refused'], 1);
    } finally {
      peer.close();
    }
  });
});

test('not served: ERROR 1 and one info line with reason, detail and client', async () => {
  await withServer({}, async (port, { lines }) => {
    await assert.rejects(tftpGet({ host: '127.0.0.1', port, file: 'nope.cfg' }), (e: unknown) => e instanceof TftpClientError && e.code === 1);
    const logged = lines.filter((l) => l.msg === 'file not served');
    assert.equal(logged.length, 1);
    assert.equal(logged[0]!.level, 30);
    assert.equal(logged[0]!.reason, 'unknown-file');
    assert.match(String(logged[0]!.detail), /nope\.cfg/);
    assert.equal((logged[0]!.client as { address: string }).address, '127.0.0.1');
  });
});

test('a repeated RRQ before the client answered anything is ignored, not a second transfer', async () => {
  await withServer({ retransmitMs: 300 }, async (port, { server }) => {
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('small.cfg', { tsize: '0' }), port);
      peer.send(rrq('small.cfg', { tsize: '0' }), port);
      const o = await expectPacket(peer);
      assert.equal(o.p.op, 'OACK');
      assert.equal(await peer.recv(150), null, 'no second OACK from another TID');
      assert.equal(server.stats().duplicateRequests, 1);
      assert.equal(server.stats().sessionsTotal, 1);
      peer.send(encode({ op: 'ERROR', code: 8, message: 'no' }), o.port);
    } finally {
      peer.close();
    }
  });
});

test('a client sending DATA on its transfer gets ERROR 4 and the transfer ends as illegal-op', async () => {
  await withServer({}, async (port, { server }) => {
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('medium.bin'), port);
      const d = await expectPacket(peer);
      assert.equal(d.p.op, 'DATA');
      peer.send(encode({ op: 'DATA', block: 1, data: Buffer.from('x') }), d.port);
      const e = await expectPacket(peer);
      assert.deepEqual(e.p, { op: 'ERROR', code: 4, message: 'illegal operation during read' });
      await waitFor(() => server.stats().errors['illegal-op'] === 1);
      assert.equal(server.stats().sessionsActive, 0);
    } finally {
      peer.close();
    }
  });
});

test('sessions(): a transfer in progress with its client, file, progress and engine; gone when it ends', async () => {
  await withServer({}, async (port, { server }) => {
    const peer = await RawPeer.open();
    try {
      assert.deepEqual(server.sessions(), []);
      peer.send(rrq('medium.bin'), port);
      const d1 = await expectPacket(peer);
      peer.send(encode({ op: 'ACK', block: 1 }), d1.port);
      assert.equal((await expectPacket(peer)).p.op, 'DATA');
      await waitFor(() => server.sessions()[0]?.acked === 1);
      const [v] = server.sessions();
      assert.deepEqual({ ...v!, ageMs: 0 }, {
        client: { address: '127.0.0.1', port: peer.port }, file: 'medium.bin', engine: TEST_ENGINE, size: medium.length,
        blksize: 512, windowsize: 1, acked: 1, blocks: Math.floor(medium.length / 512) + 1, ackedBytes: 512, ageMs: 0,
      });
      peer.send(encode({ op: 'ERROR', code: 0, message: 'enough' }), d1.port);
      await waitFor(() => server.sessions().length === 0);
    } finally {
      peer.close();
    }
  });
});

test('DATA and then the last ACK, back to back: the illegal DATA decides (illegal-op, not complete)', async () => {
  await withServer({}, async (port, { server }) => {
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('small.cfg'), port);
      const d = await expectPacket(peer);
      assert.equal(d.p.op, 'DATA');
      peer.send(encode({ op: 'DATA', block: 1, data: Buffer.from('x') }), d.port);
      peer.send(encode({ op: 'ACK', block: 1 }), d.port);
      const e = await expectPacket(peer);
      assert.deepEqual(e.p, { op: 'ERROR', code: 4, message: 'illegal operation during read' });
      await waitFor(() => server.stats().sessionsActive === 0);
      assert.equal(server.stats().errors['illegal-op'], 1);
      assert.equal(server.stats().completed, 0);
    } finally {
      peer.close();
    }
  });
});

test('an asset that shrinks before it is sent: ERROR 0 "read error", counted, slot freed', async () => {
  const path = join(dir, 'shrinks.rom');
  writeFileSync(path, randomBytes(512 * 1024));
  const { log } = captureLog();
  const server = createTftpServer({ config: testConfig(), source: tableSource({ 'shrinks.rom': { path, size: 512 * 1024 } }), log });
  const { port } = await server.start();
  const peer = await RawPeer.open();
  try {
    peer.send(rrq('shrinks.rom', { blksize: '1428', tsize: '0' }), port);
    const o = await expectPacket(peer);
    assert.equal(o.p.op, 'OACK');
    writeFileSync(path, 'short');
    peer.send(encode({ op: 'ACK', block: 0 }), o.port);
    const e = await expectPacket(peer);
    assert.deepEqual(e.p, { op: 'ERROR', code: 0, message: 'read error' });
    await waitFor(() => server.stats().sessionsActive === 0);
    assert.equal(server.stats().errors['read-error'], 1);
  } finally {
    peer.close();
    await server.stop();
  }
});

test('hostile datagrams on transfer ports: each transfer ends or completes, nothing crashes or leaks a slot', async () => {
  const rand = rng(20261130);
  const byte = () => Math.floor(rand() * 256);
  const garbage = (): Buffer => {
    const kind = Math.floor(rand() * 6);
    const n = Math.floor(rand() * 40);
    const tail = Buffer.from(Array.from({ length: n }, byte));
    // Near misses of what the pump's fast path takes (ACK, ERROR) and of what only JS decides.
    if (kind === 0) return Buffer.concat([Buffer.from([0, 4, byte(), byte()]), rand() < 0.5 ? Buffer.alloc(n) : tail]);
    if (kind === 1) return Buffer.concat([Buffer.from([0, 5, 0, byte()]), tail, rand() < 0.5 ? Buffer.from([0]) : Buffer.alloc(0)]);
    if (kind === 2) return Buffer.from([0, Math.floor(rand() * 8)]);
    if (kind === 3) return Buffer.concat([Buffer.from([0, 3, 0, 1]), tail]);
    if (kind === 4) return Buffer.alloc(0);
    return tail;
  };
  await withServer({ retransmitMs: 50, retries: 2 }, async (port, { server }) => {
    // Peers stay open to the end: a closed peer's port could be reused by the next one, whose
    // RRQ would then be taken for a repeat of the unfinished transfer.
    const peers: RawPeer[] = [];
    try {
      for (let round = 0; round < 40; round++) {
        const peer = await RawPeer.open();
        peers.push(peer);
        peer.send(rrq('medium.bin'), port);
        const d = await expectPacket(peer);
        for (let i = 0; i < 50; i++) peer.send(garbage(), d.port);
      }
      // Every transfer ends one way or another (illegal-op, client-error, timed out).
      await waitFor(() => server.stats().sessionsActive === 0, 5000);
    } finally {
      for (const p of peers) p.close();
    }
    const st = server.stats();
    assert.equal(st.errors.internal, 0);
    assert.equal(st.sessionsTotal, 40);
    assert.ok(st.malformed > 0, 'malformed datagrams were counted');
    // And the server still serves.
    const r = await tftpGet({ host: '127.0.0.1', port, file: 'medium.bin', options: { blksize: 1428 } });
    assert.deepEqual(r.data, medium);
  });
});

async function waitFor(ok: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('stop() ends every transfer with an ERROR and closes its socket', async () => {
  const { log } = captureLog();
  const server = createTftpServer({ config: testConfig(), source: tableSource(FILES), log });
  const { port } = await server.start();
  const peer = await RawPeer.open();
  try {
    peer.send(rrq('medium.bin'), port);
    const d = await expectPacket(peer);
    await server.stop();
    const e = await expectPacket(peer);
    assert.deepEqual(e.p, { op: 'ERROR', code: 0, message: 'server shutting down' });
    assert.equal(server.stats().sessionsActive, 0);
    peer.send(encode({ op: 'ACK', block: 1 }), d.port);
    assert.equal(await peer.recv(200), null, 'the transfer socket is gone');
  } finally {
    peer.close();
  }
});

test('the FileSource throwing costs one error reply, not the server', async () => {
  const { log, lines } = captureLog();
  const server = createTftpServer({ config: testConfig(), source: { get: () => Promise.reject(new Error('db locked')) }, log });
  const { port } = await server.start();
  try {
    await assert.rejects(tftpGet({ host: '127.0.0.1', port, file: 'a.cfg' }), (e: unknown) => e instanceof TftpClientError && e.code === 0);
    assert.equal(server.stats().errors['source-error'], 1);
    assert.equal(lines.filter((l) => l.msg === 'file source failed').length, 1);
  } finally {
    await server.stop();
  }
});

test('a port in use rejects start() with the socket error code, for the caller to explain', async () => {
  const { log } = captureLog();
  const a = createTftpServer({ config: testConfig(), source: tableSource(FILES), log });
  const { port } = await a.start();
  const b = createTftpServer({ config: testConfig({ port }), source: tableSource(FILES), log });
  try {
    await assert.rejects(b.start(), (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE');
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('bound to 0.0.0.0, a transfer answers from the address the request came to (e.g. a floating IP)', async () => {
  const locals = ['127.0.0.1', '127.0.0.5'];
  const { log } = captureLog();
  const server = createTftpServer({ config: testConfig({ address: '0.0.0.0' }), source: tableSource(FILES), log, localAddresses: () => locals, rescanMs: 0 });
  const { port, address } = await server.start();
  assert.equal(address, '0.0.0.0');
  const peer = await RawPeer.open('127.0.0.9');
  const replyFrom = async (host: string): Promise<string> => {
    peer.send(rrq('small.cfg'), port, host);
    const m = await peer.recv(2000);
    assert.ok(m, `an answer to ${host}`);
    peer.send(encode({ op: 'ACK', block: 1 }), m.rinfo.port, m.rinfo.address);
    return m.rinfo.address;
  };
  try {
    assert.equal(await replyFrom('127.0.0.5'), '127.0.0.5');
    assert.equal(await replyFrom('127.0.0.1'), '127.0.0.1');
    // A new address is served from itself once refreshed (the HA driver calls this after adding the VIP).
    assert.notEqual(await replyFrom('127.0.0.6'), '127.0.0.6', 'before the refresh only the wildcard socket hears it');
    locals.push('127.0.0.6');
    await server.refreshAddresses();
    assert.equal(await replyFrom('127.0.0.6'), '127.0.0.6');
    const r = await tftpGet({ host: '127.0.0.6', port, file: 'medium.bin', localAddress: '127.0.0.9', options: { blksize: 1428, windowsize: 8 } });
    assert.deepEqual(r.data, medium);
    // Refusals come from the asked address too.
    peer.send(encode({ op: 'WRQ', filename: 'x', mode: 'octet', options: new Map() }), port, '127.0.0.5');
    const e = await peer.recv(2000);
    assert.equal(e?.rinfo.address, '127.0.0.5');
    locals.splice(locals.indexOf('127.0.0.5'), 1);
    await server.refreshAddresses();
    assert.notEqual(await replyFrom('127.0.0.5'), '127.0.0.5', 'a vanished address is dropped');
  } finally {
    peer.close();
    await server.stop();
  }
});

// The server against the real clients phones resemble: curl, atftp and tftp-hpa on loopback.
// A missing tool fails the test naming it (test/setup-tools.sh installs them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTftpServer, type TftpServer } from './server.ts';
import { captureLog, run, sha256, tableSource, testConfig } from './testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'tftp-interop-'));
const cfg = Buffer.from('#!version:1.0.0.1\naccount.1.enable = 1\r\nlabel = with\rbare CR\n'.repeat(40));
const big = randomBytes(2 * 1024 * 1024 + 321);
const bigPath = join(dir, 'firmware.bin');
writeFileSync(bigPath, big);
const FILES = {
  'y000000000028.cfg': cfg,
  'exact.bin': randomBytes(512 * 8),
  'firmware.bin': { path: bigPath, size: big.length },
};

let server: TftpServer;
let port = 0;
before(async () => {
  server = createTftpServer({ config: testConfig({ retransmitMs: 500 }), source: tableSource(FILES), log: captureLog('info').log });
  port = (await server.start()).port;
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const url = (name: string) => `tftp://127.0.0.1:${port}/${name}`;
const out = (name: string) => join(dir, `out-${name}-${Math.random().toString(36).slice(2)}`);

function tool(bin: string): string {
  for (const d of ['/usr/bin', '/usr/sbin', '/bin']) if (existsSync(join(d, bin))) return join(d, bin);
  assert.fail(`${bin} is not installed (run test/setup-tools.sh as root)`);
}

async function check(file: string, expected: Buffer, cmd: string, args: string[], dest: string): Promise<void> {
  const r = await run(tool(cmd), args);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  assert.equal(sha256(readFileSync(dest)), sha256(expected), `${cmd} received ${file} intact`);
}

test('curl: default options, --tftp-blksize 1428, --tftp-no-options', async () => {
  for (const [file, data] of [['y000000000028.cfg', cfg], ['exact.bin', FILES['exact.bin']], ['firmware.bin', big]] as const) {
    for (const extra of [[], ['--tftp-blksize', '1428'], ['--tftp-no-options']]) {
      const o = out('curl');
      await check(file, data, 'curl', ['-sS', ...extra, '-o', o, url(file)], o);
    }
  }
});

test('curl: not found exits 68', async () => {
  const r = await run(tool('curl'), ['-sS', '-o', out('nf'), url('missing.cfg')]);
  assert.equal(r.code, 68);
});

test('atftp: blksize 1428, windowsize 16, tsize 0', async () => {
  for (const [file, data] of [['firmware.bin', big], ['y000000000028.cfg', cfg], ['exact.bin', FILES['exact.bin']]] as const) {
    const o = out('atftp');
    await check(file, data, 'atftp', ['--option', 'blksize 1428', '--option', 'windowsize 16', '--option', 'tsize 0', '-g', '-r', file, '-l', o, '127.0.0.1', String(port)], o);
  }
  const r = await run(tool('atftp'), ['-g', '-r', 'missing.cfg', '-l', out('nf'), '127.0.0.1', String(port)]);
  assert.notEqual(r.code, 0, 'atftp fails on not found');
});

test('tftp-hpa: binary, and netascii undone by the client', async () => {
  for (const [file, data] of [['firmware.bin', big], ['y000000000028.cfg', cfg]] as const) {
    const o = out('hpa');
    await check(file, data, 'tftp', ['127.0.0.1', String(port), '-m', 'binary', '-c', 'get', file, o], o);
  }
  const a = out('hpa-ascii');
  await check('y000000000028.cfg', cfg, 'tftp', ['127.0.0.1', String(port), '-m', 'ascii', '-c', 'get', 'y000000000028.cfg', a], a);
  // tftp-hpa exits 0 on "File not found": the file is what tells.
  const nf = out('hpa-nf');
  const r = await run(tool('tftp'), ['127.0.0.1', String(port), '-m', 'binary', '-c', 'get', 'missing.cfg', nf]);
  assert.match(r.stdout + r.stderr, /File not found/i);
  assert.ok(!existsSync(nf) || readFileSync(nf).length === 0);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlServer } from './server.ts';
import { ControlClient } from './client.ts';
import { InvalidArgumentError, PbxError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import { runCli } from '../cli/run.ts';
import type { Command } from '../cli/command.ts';

async function withServer(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pbxctl-'));
  const path = join(dir, 'c.sock');
  const srv = createControlServer({
    path, group: '', log: silentLogger(),
    methods: {
      echo: (p, ctx) => ({ p, user: ctx.actor.user }),
      bad: () => { throw new InvalidArgumentError('mac', 'is not a MAC'); },
      crash: () => { throw new Error('secret detail'); },
    },
  });
  await srv.start();
  try { await fn(path); } finally { await srv.stop(); rmSync(dir, { recursive: true, force: true }); }
}

test('socket is private (0600) and round-trips a call', async () => {
  await withServer(async (path) => {
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const r = await new ControlClient(path).call<{ p: unknown; user: string }>('echo', { a: 1 });
    assert.deepEqual(r.p, { a: 1 });
    assert.ok(r.user.length > 0);
  });
});

test('typed errors keep their code; internal errors do not leak their message', async () => {
  await withServer(async (path) => {
    const c = new ControlClient(path);
    await assert.rejects(c.call('bad'), (e: unknown) => e instanceof PbxError && e.code === 'PBX_ERR_INVALID_ARGUMENT' && /mac: is not a MAC/.test(e.message));
    await assert.rejects(c.call('crash'), (e: unknown) => e instanceof PbxError && e.code === 'PBX_ERR_INTERNAL' && !/secret/.test(e.message));
    await assert.rejects(c.call('nope'), /unknown method 'nope'/);
  });
});

test('garbage and oversized lines get a protocol error, not a crash', async () => {
  await withServer(async (path) => {
    const reply = await new Promise<string>((resolve) => {
      const s = connect(path, () => s.write('not json\n'));
      let buf = '';
      s.on('data', (d) => { buf += d; if (buf.includes('\n')) { s.end(); resolve(buf); } });
    });
    assert.match(reply, /PBX_ERR_PROTOCOL/);
    const big = await new Promise<string>((resolve) => {
      const s = connect(path, () => s.write(Buffer.alloc(5 * 1024 * 1024, 0x61)));
      let buf = '';
      s.on('data', (d) => { buf += d; });
      s.on('close', () => resolve(buf));
      s.on('error', () => resolve(buf));
    });
    assert.match(big, /too long/);
    assert.deepEqual((await new ControlClient(path).call<{ p: unknown }>('echo', { still: 'up' })).p, { still: 'up' });
  });
});

test('pbxctl: exit codes, --json, usage errors, daemon down', async () => {
  const cmds: Command[] = [
    { path: ['thing', 'show'], summary: 's', method: 'echo', positionals: [{ name: 'id', help: 'the id', required: true }],
      options: [{ name: 'max-count', type: 'int', help: 'n' }, { name: 'on', type: 'bool', help: 'b' }], render: (r, io) => io.out('human\n') },
    { path: ['thing', 'bad'], summary: 'b', method: 'bad' },
  ];
  await withServer(async (path) => {
    let out = '';
    let err = '';
    const io = { out: (s: string) => { out += s; }, err: (s: string) => { err += s; } };
    const run = (argv: string[]) => { out = ''; err = ''; return runCli(['--socket', path, ...argv], { commands: cmds, io, defaultSockets: [path], exists: () => true }); };
    assert.equal(await run(['thing', 'show', 'x1', '--max-count', '3', '--on']), 0);
    assert.equal(out, 'human\n');
    assert.equal(await run(['--json', 'thing', 'show', 'x1']), 0);
    assert.deepEqual(JSON.parse(out).p, { id: 'x1' });
    assert.equal(await run(['thing', 'show']), 2);
    assert.match(err, /missing ID/);
    assert.equal(await run(['thing', 'show', 'x', '--max-count', 'many']), 2);
    assert.equal(await run(['thing', 'show', 'x', '--bogus', '1']), 2);
    assert.match(err, /unknown option --bogus/);
    assert.equal(await run(['thing', 'bad']), 2);
    assert.equal(await run(['nothing']), 2);
    assert.match(err, /unknown command/);
    assert.equal(await run(['thing', 'show', '--help']), 0);
    assert.match(out, /Usage: pbxctl thing show ID/);
  });
  const r = await runCli(['--socket', '/nonexistent/x.sock', 'thing', 'show', 'a'], { commands: cmds, io: { out: () => {}, err: () => {} }, defaultSockets: [], exists: () => false });
  assert.equal(r, 7);
});

// The real daemon and the real pbxctl, as processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE, ROOT, run, runPbxctl, startAgent } from './agent.ts';

const agentMain = join(ROOT, 'agent/main.ts');

test('--check-config accepts the shipped systemd config and refuses a bad one by key, without a stack trace', async () => {
  const ok = await run(NODE, [agentMain, '--config', join(ROOT, 'systemd/pbx-agent.json'), '--check-config']);
  assert.equal(ok.code, 0, ok.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'pbxcfg-'));
  try {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ tftp: { port: 'sixty-nine' } }));
    const r = await run(NODE, [agentMain, '--config', bad]);
    assert.equal(r.code, 78);
    assert.match(r.stderr, /tftp\.port/);
    assert.match(r.stderr, /"sixty-nine"/);
    assert.match(r.stderr, /1 to 65535/);
    assert.doesNotMatch(r.stderr, /\s+at .*\.ts:\d+/, 'no stack trace');
    const env = await run('env', ['PBX_AGENT__HTTP__HTTPS_ENABLED=maybe', NODE, agentMain, '--check-config']);
    assert.equal(env.code, 78);
    assert.match(env.stderr, /PBX_AGENT__HTTP__HTTPS_ENABLED='maybe'/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('daemon starts, pbxctl status answers (human and --json), SIGTERM stops it cleanly', async () => {
  const agent = await startAgent({ config: { node: { serial: 'TEST-SERIAL-1', name: 'node-a' } } });
  try {
    assert.equal(statSync(agent.socket).mode & 0o777, 0o600);
    const human = await agent.pbxctl(['status']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /serial TEST-SERIAL-1/);
    const json = await agent.pbxctl(['--json', 'status']);
    const s = JSON.parse(json.stdout);
    assert.equal(s.node.name, 'node-a');
    assert.ok(s.store.schemaVersion >= 3);
    assert.equal(await agent.stop(), 0);
    const down = await runPbxctl(['--socket', agent.socket, 'status']);
    assert.equal(down.code, 7);
    assert.match(down.stderr, /not running/);
  } finally {
    await agent.kill9();
    agent.cleanup();
  }
});

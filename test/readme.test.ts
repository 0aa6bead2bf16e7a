import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { README, render } from '../agent/readme-sections.ts';

test('README generated sections (config keys, pbxctl commands) match the code; run `npm run docs` to fix', () => {
  const text = readFileSync(README, 'utf8');
  assert.equal(text, render(text));
});

test('README quick start is exactly two commands: run the daemon, run the tests', () => {
  const text = readFileSync(README, 'utf8');
  const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(text);
  assert.ok(block);
  const cmds = block[1]!.trim().split('\n');
  assert.equal(cmds.length, 2);
  assert.match(cmds[0]!, /npm start/);
  assert.match(cmds[1]!, /npm test/);
});

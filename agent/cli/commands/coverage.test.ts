// Every pbxctl command against the REAL daemon's method table (test/e2e/agent.ts): each has
// help with a summary and an example, and every option maps to a param its method accepts —
// so a renamed param or a method that was never wired fails here, not at an installer's desk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent } from '../../../test/e2e/agent.ts';
import { runCli } from '../run.ts';
import { COMMANDS } from './index.ts';

test('every command has help with a summary and an example; every option maps to a param its method accepts', async () => {
  const agent = await startAgent({ config: { log: { level: 'info' }, node: { serial: 'COVERAGE-1' } } });
  try {
    const file = join(agent.dir, 'value.txt');
    writeFileSync(file, 'x\n');
    let out = '';
    let err = '';
    const run = (...argv: string[]): Promise<number> => {
      out = '';
      err = '';
      const io = { out: (s: string) => { out += s; }, err: (s: string) => { err += s; } };
      return runCli(['--socket', agent.socket, ...argv], { commands: COMMANDS, io, defaultSockets: [agent.socket], exists: () => true });
    };
    for (const c of COMMANDS) {
      const name = c.path.join(' ');
      if (process.env.PBX_TEST_TRACE) console.error(`coverage: ${name}`);
      assert.ok(c.summary.length > 10, name);
      assert.ok((c.examples?.length ?? 0) >= 1, `${name} has an example`);
      assert.equal(await run(...c.path, '--help'), 0);
      assert.match(out, new RegExp(`^Usage: pbxctl ${name}`));
      // Every option at once: the daemon refuses unknown params before it looks at values.
      const argv = [...c.path, ...(c.positionals ?? []).map(() => 'x')];
      for (const o of c.options ?? []) argv.push(...(o.type === 'bool' ? [`--${o.name}`] : [`--${o.name}`, o.type === 'int' ? '1' : o.type === 'file' ? file : 'x']));
      const t0 = Date.now();
      await run(...argv);
      assert.ok(Date.now() - t0 < 20_000, `${name} took ${Date.now() - t0} ms`);
      assert.doesNotMatch(err, /is not a parameter of this method|unknown method/, `${name}: ${err}`);
    }
  } finally {
    await agent.stop();
    agent.cleanup();
  }
});

// pbxctl entry point.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { COMMANDS } from './commands/index.ts';
import { runCli } from './run.ts';

const code = await runCli(process.argv.slice(2), {
  commands: COMMANDS,
  defaultSockets: ['/run/pbx-agent/control.sock', resolve('state/control.sock')],
  exists: existsSync,
});
process.exitCode = code;

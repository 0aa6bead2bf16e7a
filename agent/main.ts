// pbx-agent entry point: runs in the foreground (systemd, or a terminal).
import { parseArgs } from 'node:util';
import { loadConfig } from './config/load.ts';
import { isPbxError } from './errors.ts';
import { createLogger } from './log.ts';
import { createSystemFacts } from './system/facts.ts';
import { VERSION, startDaemon } from './daemon.ts';
import { buildParts } from './parts.ts';

const HELP = `Usage: pbx-agent [--config FILE] [--check-config] [--version]

Runs the pbx-agent daemon in the foreground: provisioning over TFTP and HTTP(S), SIP plug-and-play,
DHCP and HA as configured. Logs are JSON lines on stdout.

  --config FILE    JSON config file (see README "Configuration"). Without it, embedded defaults
                   are used: state in ./state, TFTP on 69, HTTP on 80, DHCP and HA off.
                   Any key can be overridden by an environment variable, e.g.
                   PBX_AGENT__TFTP__PORT=6969 for tftp.port.
  --check-config   validate the config and exit (0 valid, 78 invalid)
  --version        print the version and exit
`;

const EX_CONFIG = 78;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { config: { type: 'string' }, 'check-config': { type: 'boolean' }, version: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    process.stderr.write(`pbx-agent: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.values.help) { process.stdout.write(HELP); return 0; }
  if (args.values.version) { process.stdout.write(`pbx-agent ${VERSION}\n`); return 0; }

  let cfg;
  try {
    cfg = loadConfig({ file: args.values.config });
  } catch (e) {
    if (isPbxError(e)) { process.stderr.write(`pbx-agent: ${e.message}\n`); return EX_CONFIG; }
    throw e;
  }
  if (args.values['check-config']) { process.stdout.write('config ok\n'); return 0; }

  const log = createLogger(cfg.log.level);
  const facts = createSystemFacts({ serial: cfg.node.serial, name: cfg.node.name });
  if (!args.values.config) log.info({ stateDir: cfg.state.dir }, 'no --config given: running on the embedded default config');

  let daemon;
  try {
    daemon = await startDaemon(cfg, log, facts, buildParts);
  } catch (e) {
    if (isPbxError(e)) {
      log.fatal({ code: e.code }, e.message);
      process.stderr.write(`pbx-agent: ${e.message}\n`);
      return e.code === 'PBX_ERR_CONFIG' ? EX_CONFIG : 1;
    }
    throw e;
  }
  log.info({ version: VERSION, pid: process.pid, services: daemon.services.map((s) => s.name) }, 'pbx-agent ready');

  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      daemon.stop().finally(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  log.info('stopped');
  return 0;
}

process.exitCode = await main();

// The composition root: opens the store, builds provisioning, starts the servers and the
// control socket, and stops them in reverse order. No protocol logic lives here.
import { mkdirSync, statSync } from 'node:fs';
import { controlSocketPath, databasePath } from './config/load.ts';
import type { Config } from './config/types.ts';
import { createControlServer, type ControlServer } from './control/server.ts';
import type { MethodTable } from './control/registry.ts';
import type { Logger } from './log.ts';
import { auditMethods } from './methods.ts';
import type { Service } from './service.ts';
import { openDatabase, type Db } from './store/db.ts';
import type { SystemFacts } from './system/facts.ts';

export const VERSION = '0.1.0';

export interface Daemon {
  db: Db;
  services: Service[];
  stop(): Promise<void>;
}

export interface DaemonParts {
  /** Services in start order. */
  services: Service[];
  methods: MethodTable;
}

/** Builds the parts that need the store; kept apart so tests can compose a daemon differently. */
export type PartsFactory = (env: { cfg: Config; db: Db; log: Logger; facts: SystemFacts }) => DaemonParts;

export async function startDaemon(cfg: Config, log: Logger, facts: SystemFacts, buildParts: PartsFactory): Promise<Daemon> {
  const started = Date.now();
  mkdirSync(cfg.state.dir, { recursive: true, mode: 0o750 });
  const db = openDatabase(databasePath(cfg), { synchronous: cfg.state.synchronous });
  const { services, methods } = buildParts({ cfg, db, log, facts });
  const running: Service[] = [];
  let control: ControlServer | undefined;

  const stop = async () => {
    if (control) await control.stop().catch((e) => log.warn({ err: e }, 'control socket stop failed'));
    control = undefined;
    for (const s of running.reverse()) {
      await s.stop().catch((e) => log.warn({ err: e, service: s.name }, 'service stop failed'));
    }
    running.length = 0;
    if (db.open) db.close();
  };

  try {
    for (const s of services) {
      await s.start();
      running.push(s);
    }
    const status = () => ({
      node: {
        name: facts.nodeName(), serial: facts.serial() || '(unknown: set node.serial)', version: VERSION,
        pid: process.pid, uptimeSeconds: Math.round((Date.now() - started) / 1000), node: process.version,
      },
      store: { path: databasePath(cfg), schemaVersion: db.pragma('user_version', { simple: true }), sizeBytes: fileSize(databasePath(cfg)) },
      services: Object.fromEntries(services.map((s) => [s.name, s.status()])),
    });
    control = createControlServer({
      path: controlSocketPath(cfg), group: cfg.control.group, log,
      methods: { status, ...auditMethods(db), ...methods },
    });
    await control.start();
  } catch (e) {
    await stop();
    throw e;
  }
  return { db, services, stop };
}

function fileSize(p: string): number | null {
  try { return statSync(p).size; } catch { return null; }
}

// keepalived (VRRP) as the failover reference, in the HA lab: one instance per node namespace,
// same virtual router and VIP as our resource IP, multicast adverts on eth0 (br-lan carries
// 224.0.0.18 like any link-local group). VRRPv2 at advert_int 1 s is keepalived's default; sub-
// second adverts need VRRPv3 (advert_int in centiseconds), so the 0.1 s case switches version.
//
// Master-down interval (RFC 5798 / vrrp.h): 3 x advert + skew, skew = (256 - priority) / 256 x
// advert. With the backup at priority 100: 3.61 s at 1 s adverts, 0.361 s at 0.1 s.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { collectLines, waitForExit, type LineCollector } from '../../test/lab/proc.ts';
import type { HaLab, NodeName } from '../../test/ha/lab.ts';
import type { Contender } from './ha-failover.ts';

export interface KeepalivedOptions {
  node: NodeName;
  priority: number;
  /** Seconds between adverts (1 = keepalived's default). */
  advertSec: number;
  /** Working folder for the config and pid files. */
  dir: string;
}

export interface Keepalived {
  readonly node: NodeName;
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly log: LineCollector;
  /** Graceful stop: SIGTERM, keepalived sends a priority-0 advert and drops the VIP. */
  stop(): Promise<void>;
}

/** Master-down interval in ms for a backup of this priority (RFC 5798 section 6.1). */
export function masterDownMs(advertSec: number, priority: number): number {
  return (3 * advertSec + ((256 - priority) / 256) * advertSec) * 1000;
}

export function keepalivedConf(ha: HaLab, o: KeepalivedOptions): string {
  const v3 = o.advertSec < 1;
  return [
    'global_defs {',
    `  router_id ${o.node}`,
    ...(v3 ? ['  vrrp_version 3'] : []),
    // keepalived's own default (5 GARPs, again after 5 s): left as is, this is the reference.
    '}',
    'vrrp_instance VI_PBX {',
    '  state BACKUP',
    `  interface ${ha.ifOf('lan')}`,
    '  virtual_router_id 51',
    `  priority ${o.priority}`,
    `  advert_int ${o.advertSec}`,
    '  virtual_ipaddress {',
    `    ${ha.vipCidr} dev ${ha.ifOf('lan')}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

let starts = 0;

export async function startKeepalived(ha: HaLab, o: KeepalivedOptions): Promise<Keepalived> {
  // A folder per start: a VRRP child of the previous instance that is still exiting must not
  // make this one refuse to start ("daemon is already running", seen in CI).
  const dir = join(o.dir, `ka-${o.node}-${++starts}`);
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, keepalivedConf(ha, o));
  // -n: no fork of the parent (its PID is ours); -P: VRRP only; -R: a killed VRRP child is not
  // respawned (a crash is a crash); private pid files so two instances never see each other.
  const proc = ha.lab.spawn(o.node, 'keepalived', ['-n', '-l', '-D', '-P', '-R', '-G', '-f', conf,
    '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid'), '-i', o.node]);
  const log = collectLines(proc.stderr, `keepalived ${o.node}`);
  collectLines(proc.stdout, `keepalived ${o.node} stdout`);
  // The VRRP child logs its first state once it runs.
  await log.waitFor(/Entering (BACKUP|MASTER) STATE/, 15_000);
  return {
    node: o.node, proc, pid: proc.pid!, log,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await waitForExit(proc, 10_000).catch(() => proc.kill('SIGKILL'));
      }
      await reapVrrpChild(join(dir, 'vrrp.pid'), conf);
    },
  };
}

/**
 * The parent's exit does not wait for its VRRP child, which would go on advertising into the
 * next measurement. Its PID comes from our private pid file and is checked against our config
 * path before any signal; it gets 3 s to leave on its own, then SIGKILL.
 */
async function reapVrrpChild(pidFile: string, conf: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  const ours = () => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(conf);
    } catch {
      return false;
    }
  };
  if (!Number.isInteger(pid) || pid <= 1) return;
  for (let i = 0; i < 30 && ours(); i++) await new Promise((r) => setTimeout(r, 100));
  if (ours()) {
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 30 && ours(); i++) await new Promise((r) => setTimeout(r, 100));
  }
}

/** The two-node keepalived pair as a bench contender: nA priority 200 (wins), nB priority 100. */
export function keepalivedPair(ha: HaLab, advertSec: number, dir: string): Contender {
  const running = new Map<NodeName, Keepalived>();
  return {
    name: `keepalived advert ${advertSec} s`,
    deadMs: masterDownMs(advertSec, BACKUP_PRIORITY),
    async start() {
      const [a, b] = await Promise.all([
        startKeepalived(ha, { node: 'nA', priority: 200, advertSec, dir }),
        startKeepalived(ha, { node: 'nB', priority: BACKUP_PRIORITY, advertSec, dir }),
      ]);
      running.set('nA', a!);
      running.set('nB', b!);
      await a!.log.waitFor(/Entering MASTER STATE/, 30_000);
    },
    async stopGracefully(node) {
      await running.get(node)?.stop();
    },
    async stopAll() {
      await Promise.all([...running.values()].map((k) => k.stop()));
      running.clear();
    },
  };
}

const BACKUP_PRIORITY = 100;

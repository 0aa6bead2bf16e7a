// Two real pbx-agent daemons with HA on, one in each node namespace of the HA lab: the config
// both get from the lab's addresses, start/stop/kill -9/freeze by PID, the control socket for
// status and admin calls (in-process, fast: a poll every 50 ms must not fork a Node process), and
// the JSON log lines each daemon wrote, across restarts.
//
// Everything that depends on how the HA runtime names things (control methods, status fields,
// log events) is in the ADAPTER block below, so a rename there is a one-line fix here.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../agent/control/client.ts';
import { startAgent, type Agent, type RunResult } from '../e2e/agent.ts';
import { waitForExit } from '../lab/proc.ts';
import { epochNow } from './audit.ts';
import { createWatch } from './watch.ts';
import { freeze, HA_ADDR, HA_SERIAL, kill9, NODES, peerOf, thaw, type HaLab, type NodeName } from './lab.ts';

// ---- ADAPTER: names the HA runtime (cluster/ha-methods.ts, cluster/ha-service.ts) uses --------
export const HA_METHOD = {
  status: 'ha.status',
  pair: 'ha.pair',
  switchover: 'ha.switchover',
  takeover: 'ha.takeover',
  unpair: 'ha.unpair',
  disable: 'ha.disable',
  enable: 'ha.enable',
} as const;

/** The role (core state) out of `ha.status`; see cluster/core/types.ts Role. */
export function roleOf(status: unknown): string | undefined {
  const s = status as Record<string, unknown> | undefined;
  const r = s?.state ?? s?.role ?? (s?.self as Record<string, unknown> | undefined)?.state;
  return typeof r === 'string' ? r : undefined;
}

/** Log record's stable event name (the core's log effects carry one). */
export function eventOf(rec: Record<string, unknown>): string | undefined {
  return typeof rec.event === 'string' ? rec.event : undefined;
}
/**
 * What the scenarios look for in the logs, matched against `event` (then `msg`). Regexes, so a
 * small naming difference in the runtime does not break the scenarios.
 */
export const LOG_EVENT = {
  lateHeartbeat: /late/i,
  /** core: split-brain (fatal), peer-returned (fatal, "returning after partition"). */
  splitBrain: /split.?brain|peer.?returned|returning.?after.?partition/i,
  /** core: peer-new-generation. */
  peerRestarted: /new.?generation|peer.?restarted/i,
  peerDead: /peer.?dead/i,
  timersMismatch: /timer|mismatch|hash/i,
  dropped: /drop|replay|bad.?mac|forged|wrong/i,
  garp: /garp|gratuitous|announce/i,
} as const;

export function matchesEvent(rec: Record<string, unknown>, re: RegExp): boolean {
  const ev = eventOf(rec);
  if (ev !== undefined && re.test(ev)) return true;
  return typeof rec.msg === 'string' && re.test(rec.msg);
}

/** pino levels: 40 warn, 50 error, 60 fatal. */
export const LEVEL = { warn: 40, error: 50, fatal: 60 } as const;

/** Flags of `pbxctl ha` (agent/cli/commands/ha.ts). */
export const HA_CLI = {
  switchover: ['ha', 'switchover'],
  takeover: ['ha', 'takeover'],
  /** The explicit confirmation that the peer is down. */
  confirmPeerDown: '--peer-is-down',
  unpair: ['ha', 'unpair'],
  disable: ['ha', 'disable'],
} as const;
// ---- end ADAPTER ---------------------------------------------------------------------------

/** Timers of reference/ha.md section 6 (ms): K 0.2 s, W 0.6 s, D 1.5 s, I 4 s. */
export interface HaTimers {
  keepaliveIntervalMs: number;
  warningMs: number;
  deadMs: number;
  initTimeoutMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  pingDampenMs: number;
  resourceCheckIntervalMs: number;
  handoverTimeoutMs: number;
}

export const LAB_TIMERS: HaTimers = {
  keepaliveIntervalMs: 200, warningMs: 600, deadMs: 1500, initTimeoutMs: 4000,
  pingIntervalMs: 200, pingTimeoutMs: 150, pingDampenMs: 1000,
  resourceCheckIntervalMs: 200, handoverTimeoutMs: 2000,
};

export interface NodeConfigOptions {
  timers?: Partial<HaTimers>;
  /** Which node is "Nodo attivo predefinito" (default nA). */
  defaultActive?: NodeName;
  /** Extra keys merged into `ha` (e.g. waitForPeerAtBoot). */
  ha?: Record<string, unknown>;
}

/** The config file of one node (node.serial override: a namespace has no DMI of its own). */
export function nodeConfig(ha: HaLab, node: NodeName, o: NodeConfigOptions = {}): Record<string, unknown> {
  const peer = peerOf(node);
  return {
    node: { name: node, serial: HA_SERIAL[node] },
    log: { level: 'debug' },
    dhcp: { enabled: false },
    ha: {
      enabled: true,
      coordinator: node === 'nA',
      peerSerial: HA_SERIAL[peer],
      interface: ha.ifOf('lan'),
      localIp: HA_ADDR[node].lan,
      remoteIp: HA_ADDR[peer].lan,
      resourceIp: ha.vipCidr,
      pingGroup: [HA_ADDR.gw1, HA_ADDR.gw2],
      syncInterface: ha.ifOf('sync'),
      localSyncIp: HA_ADDR[node].sync,
      remoteSyncIp: HA_ADDR[peer].sync,
      defaultActive: HA_SERIAL[o.defaultActive ?? 'nA'],
      garpRepeatMs: 1000,
      ...LAB_TIMERS,
      ...o.timers,
      ...o.ha,
    },
  };
}

export type LogRecord = Record<string, unknown> & { t: number; node: NodeName; life: number };

export interface HaNode {
  readonly name: NodeName;
  readonly dir: string;
  /** Daemon PID, undefined when not running. */
  readonly pid: number | undefined;
  /** Starts (or restarts, on the same state dir) and waits for "pbx-agent ready". */
  start(o?: NodeConfigOptions): Promise<void>;
  running(): boolean;
  /** Graceful stop (SIGTERM), waits for the exit. Returns the exit code. */
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
  freeze(): void;
  thaw(): void;
  /** SIGUSR2: the daemon stops for a restart, leaving the resource in place (Reattach). */
  stopForRestart(): Promise<void>;
  /** A control method over the socket (in-process). */
  call<T = unknown>(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  status(): Promise<Record<string, unknown>>;
  role(): Promise<string | undefined>;
  /** pbxctl as a real process, inside the node namespace. */
  pbxctl(args: string[], input?: string): Promise<RunResult>;
  /** Every log line of every life of this node (life = start count), with `t` in epoch ms. */
  readonly logs: readonly LogRecord[];
}

export interface HaCluster {
  readonly nodes: Record<NodeName, HaNode>;
  /** Starts both within a few ms of each other. */
  startBoth(o?: NodeConfigOptions): Promise<void>;
  stopAll(): Promise<void>;
  /** Log records (both nodes) matching, since `since`. */
  findLogs(pred: (r: LogRecord) => boolean, since?: number): LogRecord[];
  /** Resolves with the first matching record at/after `since`. */
  waitLog(pred: (r: LogRecord) => boolean, opts?: { since?: number; timeoutMs?: number; what?: string }): Promise<LogRecord>;
  /** Kills both daemons and removes the state dirs. */
  destroy(): Promise<void>;
}

export function createCluster(ha: HaLab, base?: string): HaCluster {
  const root = base ?? mkdtempSync(join(tmpdir(), 'pbx-ha-lab-'));
  const logs: LogRecord[] = [];
  const watch = createWatch();

  const makeNode = (name: NodeName): HaNode => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    let agent: Agent | undefined;
    let life = 0;
    const client = (): ControlClient => {
      if (!agent) throw new Error(`${name}: the daemon is not running`);
      return new ControlClient(agent.socket);
    };
    const alive = (): boolean => agent !== undefined && agent.proc.exitCode === null && agent.proc.signalCode === null;
    const n: HaNode = {
      name,
      dir,
      get pid() { return alive() ? agent!.pid : undefined; },
      get logs() { return logs.filter((r) => r.node === name); },
      async start(o = {}) {
        if (alive()) throw new Error(`${name}: already running (pid ${agent!.pid})`);
        life++;
        const myLife = life;
        const a = await startAgent({ dir, netns: ha.lab.ns(name), config: nodeConfig(ha, name, o), readyTimeoutMs: 30_000 });
        agent = a;
        // startAgent collects parsed lines in a.logs; mirror them (with node, life, epoch time).
        let seen = 0;
        const pump = (): void => {
          for (; seen < a.logs.length; seen++) {
            const r = a.logs[seen]!;
            const t = typeof r.time === 'string' ? Date.parse(r.time) : typeof r.time === 'number' ? r.time : epochNow();
            logs.push({ ...r, t, node: name, life: myLife });
          }
          watch.notify();
        };
        pump();
        a.proc.stdout!.on('data', () => setImmediate(pump));
      },
      running: alive,
      async stop() {
        if (!alive()) return agent?.proc.exitCode ?? null;
        agent!.proc.kill('SIGTERM');
        const r = await waitForExit(agent!.proc, 30_000);
        return r.code;
      },
      async kill9() {
        if (!alive()) return;
        kill9(agent!.pid);
        await waitForExit(agent!.proc, 10_000);
      },
      async stopForRestart() {
        if (!alive()) throw new Error(`${name}: cannot stop for restart, not running`);
        agent!.proc.kill('SIGUSR2');
        await waitForExit(agent!.proc, 30_000);
      },
      freeze() {
        if (!alive()) throw new Error(`${name}: cannot freeze, not running`);
        freeze(agent!.pid);
      },
      thaw() {
        if (!agent) throw new Error(`${name}: cannot thaw, never started`);
        thaw(agent.pid);
      },
      call: (method, params = {}, timeoutMs = 10_000) => client().call(method, params, timeoutMs),
      status: () => client().call<Record<string, unknown>>(HA_METHOD.status, {}, 5_000),
      async role() {
        return roleOf(await n.status());
      },
      pbxctl(args, input) {
        if (!agent) throw new Error(`${name}: the daemon was never started`);
        return agent.pbxctl(args, input);
      },
    };
    return n;
  };

  const nodes = { nA: makeNode('nA'), nB: makeNode('nB') };
  const cluster: HaCluster = {
    nodes,
    async startBoth(o) {
      await Promise.all(NODES.map((x) => nodes[x].start(o)));
    },
    async stopAll() {
      await Promise.all(NODES.map(async (x) => {
        const node = nodes[x];
        if (!node.running()) return;
        // A frozen daemon cannot act on SIGTERM: thaw first so it shuts down normally.
        node.thaw();
        await node.stop().catch(() => node.kill9());
      }));
    },
    findLogs: (pred, since = -Infinity) => logs.filter((r) => r.t >= since && pred(r)),
    waitLog(pred, { since = -Infinity, timeoutMs = 10_000, what = 'log line' } = {}) {
      return watch.until(() => logs.find((r) => r.t >= since && pred(r)), timeoutMs,
        () => new Error(`${what} not logged within ${timeoutMs} ms`));
    },
    async destroy() {
      await Promise.all(NODES.map((x) => nodes[x].kill9().catch(() => {})));
      if (base === undefined) rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** Polls a node's status (control socket) every 50 ms until its role is one of `roles`. */
export async function waitRole(node: HaNode, roles: string | readonly string[], timeoutMs = 10_000): Promise<{ role: string; t: number }> {
  const want = typeof roles === 'string' ? [roles] : roles;
  const deadline = epochNow() + timeoutMs;
  let last: string | undefined;
  let lastErr = '';
  while (epochNow() < deadline) {
    try {
      last = await node.role();
      if (last !== undefined && want.includes(last)) return { role: last, t: epochNow() };
    } catch (e) {
      lastErr = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${node.name}: role ${want.join('|')} not reached within ${timeoutMs} ms (last: ${last ?? 'none'}${lastErr ? `; last error: ${lastErr}` : ''})`);
}

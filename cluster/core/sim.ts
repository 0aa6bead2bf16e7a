// A deterministic simulated two-node cluster for the pure core: one clock, two machines (kernel
// state: the resource address, link carriers, ping-group reachability), two daemons running
// step(), and a network with per-path, per-direction delivery. Faults: process kill -9, freeze
// (SIGSTOP: packets pile up in the socket buffer, timers stop), graceful stop, power off, path
// cuts (both ways or one way), link carrier loss, the resource deleted behind the daemon.
//
// The clock jumps from event to event (timers come from nextDeadline), so a scenario of a minute
// of cluster time runs in milliseconds. The auditor records who holds the resource after every
// event: `dualIntervals()` is what the scenario tests assert against (at most one holder outside
// the window a scenario allows). Everything is seeded: no Math.random, no Date.
import { coreConfig } from './config.ts';
import { initialState, nextDeadline, step } from './step.ts';
import { haDefaults, type HaConfig } from '../config-schema.ts';
import { rng } from '../../test/lib/rng.ts';
import type { AdminAction, CoreConfig, CoreState, Effect, Input, LogLevel, PathName, Role } from './types.ts';

export type NodeName = 'A' | 'B';
const OTHER: Record<NodeName, NodeName> = { A: 'B', B: 'A' };

export interface SimOptions {
  /** Overrides of the HA config used by both nodes (timers of ha.md section 6 by default). */
  ha?: Partial<HaConfig>;
  /** Per-node core-config overrides (e.g. a different deadMs on one node, scenario 20). */
  perNode?: Partial<Record<NodeName, Partial<CoreConfig>>>;
  serials?: Record<NodeName, string>;
  latencyMs?: number;
  acquireMs?: number;
  releaseMs?: number;
  pingMs?: number;
  /** Start of the clock (ms). */
  t0?: number;
  /** Extra random delay per packet, 0..jitterMs (so the two paths can reorder); seeded by `seed`. */
  jitterMs?: number;
  seed?: number;
}

/** ha.md section 6 lab timers: K 200 ms, W 600 ms, D 1500 ms, I 4 s; faster ping/check for tests. */
export const LAB_HA: HaConfig = {
  ...haDefaults(),
  enabled: true, coordinator: false, peerSerial: '', interface: 'eth0', localIp: '10.99.0.1', remoteIp: '10.99.0.2',
  resourceIp: '10.99.0.100/24', pingGroup: ['10.99.0.251', '10.99.0.252'], syncInterface: 'eth1',
  localSyncIp: '10.98.0.1', remoteSyncIp: '10.98.0.2', defaultActive: '',
  keepaliveIntervalMs: 200, warningMs: 600, deadMs: 1500, initTimeoutMs: 4000, waitForPeerAtBoot: false,
  heartbeatPort: 694, pairingPort: 7022, pingIntervalMs: 200, pingTimeoutMs: 150, pingDampenMs: 1000,
  resourceCheckIntervalMs: 500, resourceTimeoutMs: 2000, handoverTimeoutMs: 1000,
  garpCount: 5, garpRepeatMs: 1000, garpRefreshMs: 0,
};

export interface LogLine { at: number; level: LogLevel; event: string; msg: string }
export interface TransitionRec { at: number; from: Role; to: Role; reason: string }

export interface SimNode {
  name: NodeName;
  serial: string;
  cfg: CoreConfig;
  /** The daemon; null when not running. */
  core: CoreState | null;
  /** Bumped at every daemon start; results for an older incarnation are dropped. */
  incarnation: number;
  generation: number;
  machineUp: boolean;
  frozen: boolean;
  /** Inputs that arrived while frozen (socket buffer), delivered at thaw. */
  inbox: Input[];
  /** Kernel: the resource address is on the interface. */
  resource: boolean;
  links: Record<PathName, boolean>;
  pingReach: number;
  services: boolean;
  failAcquire: boolean;
  log: LogLine[];
  transitions: TransitionRec[];
  garps: number[];
  timerToken: number;
}

type Event =
  | { at: number; seq: number; type: 'input'; node: NodeName; incarnation: number; input: Input }
  | { at: number; seq: number; type: 'timer'; node: NodeName; token: number }
  | { at: number; seq: number; type: 'fn'; fn: () => void };

export interface AdminRecord { node: NodeName; at: number; ok: boolean | null; message: string }

export class Sim {
  now: number;
  readonly nodes: Record<NodeName, SimNode>;
  readonly latencyMs: number;
  readonly acquireMs: number;
  readonly releaseMs: number;
  readonly pingMs: number;
  /** Path cut in both directions (bridge ports isolated). */
  readonly cut: Record<PathName, boolean> = { lan: false, sync: false };
  /** One-way cuts, "A>B" (A's packets to B are lost), per path. */
  readonly oneWay = new Set<string>();
  /** Whose MAC the phones' ARP entry for the resource IP points at (last GARP heard). */
  neighOwner: NodeName | null = null;
  readonly admin = new Map<string, AdminRecord>();
  /** Holder history: one row per change. */
  readonly holders: { at: number; who: NodeName[] }[] = [];
  readonly jitterMs: number;
  private rand: () => number;
  private queue: Event[] = [];
  private seq = 0;
  private nextReq = 1;

  constructor(opts: SimOptions = {}) {
    this.now = opts.t0 ?? 1000;
    this.latencyMs = opts.latencyMs ?? 1;
    this.acquireMs = opts.acquireMs ?? 50;
    this.releaseMs = opts.releaseMs ?? 30;
    this.pingMs = opts.pingMs ?? 5;
    this.jitterMs = opts.jitterMs ?? 0;
    this.rand = rng(opts.seed ?? 1);
    const serials = opts.serials ?? { A: 'SN-A0001', B: 'SN-B0002' };
    const ha = { ...LAB_HA, ...opts.ha };
    const mk = (name: NodeName): SimNode => ({
      name,
      serial: serials[name],
      cfg: { ...coreConfig(ha, serials[name], serials[OTHER[name]]), ...opts.perNode?.[name] },
      core: null, incarnation: 0, generation: 0, machineUp: true, frozen: false, inbox: [],
      resource: false, links: { lan: true, sync: true }, pingReach: ha.pingGroup.length, services: false,
      failAcquire: false, log: [], transitions: [], garps: [], timerToken: 0,
    });
    this.nodes = { A: mk('A'), B: mk('B') };
    this.holders.push({ at: this.now, who: [] });
  }

  // ---- faults and actions ----

  /** Start the daemon (boot or restart after a kill); the resource check is what `ip -o addr` shows. */
  start(name: NodeName, opts: { enabled?: boolean; paired?: boolean } = {}): void {
    const n = this.nodes[name];
    if (n.core) throw new Error(`sim: ${name} is already running`);
    n.machineUp = true;
    n.incarnation++;
    n.generation++;
    n.frozen = false;
    n.inbox = [];
    const r = initialState(n.cfg, {
      generation: n.generation, enabled: opts.enabled ?? true, paired: opts.paired ?? true,
      resourcePresent: n.resource, linkUp: n.links.lan,
    }, this.now);
    n.core = r.state;
    this.apply(n, r.effects);
    this.schedule(n);
  }

  kill9(name: NodeName): void {
    const n = this.nodes[name];
    n.core = null;
    n.frozen = false;
    n.inbox = [];
    n.services = false;
  }

  /** Everything in the node dies: the machine is off, its addresses are gone with it. */
  powerOff(name: NodeName): void {
    this.kill9(name);
    const n = this.nodes[name];
    n.machineUp = false;
    n.resource = false;
    this.audit();
  }

  freeze(name: NodeName): void { this.nodes[name].frozen = true; }

  thaw(name: NodeName): void {
    const n = this.nodes[name];
    if (!n.frozen) return;
    n.frozen = false;
    const pending = n.inbox;
    n.inbox = [];
    for (const input of pending) this.deliver(n, input);
    this.deliver(n, { kind: 'tick' });
  }

  stop(name: NodeName, release = true): void { this.input(name, { kind: 'shutdown', release }); }

  setCut(path: PathName, on: boolean): void { this.cut[path] = on; }
  cutAll(on: boolean): void { this.cut.lan = on; this.cut.sync = on; }
  setOneWay(from: NodeName, to: NodeName, on: boolean, path?: PathName): void {
    for (const p of path ? [path] : (['lan', 'sync'] as PathName[])) {
      if (on) this.oneWay.add(`${from}>${to}:${p}`); else this.oneWay.delete(`${from}>${to}:${p}`);
    }
  }

  /** Carrier change on a node's interface; the daemon is told (netlink). */
  setLink(name: NodeName, path: PathName, up: boolean): void {
    const n = this.nodes[name];
    n.links[path] = up;
    this.input(name, { kind: 'link', path, up });
  }

  setPing(name: NodeName, reach: number): void { this.nodes[name].pingReach = reach; }

  /** `ip addr del` behind the daemon's back. */
  deleteResource(name: NodeName): void {
    this.nodes[name].resource = false;
    this.audit();
  }

  adminAction(name: NodeName, action: AdminAction): string {
    const requestId = `r${this.nextReq++}`;
    this.admin.set(requestId, { node: name, at: this.now, ok: null, message: '' });
    this.input(name, { kind: 'admin', requestId, ...action } as Input);
    return requestId;
  }

  /** Feed an input to a running daemon now (held if frozen). */
  input(name: NodeName, input: Input): void {
    this.deliver(this.nodes[name], input);
  }

  at(t: number, fn: () => void): void { this.push({ at: t, seq: this.seq++, type: 'fn', fn }); }
  after(ms: number, fn: () => void): void { this.at(this.now + ms, fn); }

  // ---- running ----

  runUntil(t: number): void {
    for (;;) {
      const e = this.peek();
      if (!e || e.at > t) break;
      this.queue.shift();
      this.now = Math.max(this.now, e.at);
      this.process(e);
    }
    this.now = Math.max(this.now, t);
  }

  runFor(ms: number): void { this.runUntil(this.now + ms); }

  /** Run until `pred` holds (checked after every event) or `maxMs` passes; returns the time or null. */
  runUntilTrue(pred: () => boolean, maxMs: number): number | null {
    const end = this.now + maxMs;
    if (pred()) return this.now;
    for (;;) {
      const e = this.peek();
      if (!e || e.at > end) { this.now = end; return null; }
      this.queue.shift();
      this.now = Math.max(this.now, e.at);
      this.process(e);
      if (pred()) return this.now;
    }
  }

  // ---- observation ----

  role(name: NodeName): Role | 'down' { return this.nodes[name].core?.role ?? 'down'; }
  holdersNow(): NodeName[] { return (['A', 'B'] as NodeName[]).filter((x) => this.nodes[x].machineUp && this.nodes[x].resource); }

  /** Intervals [start, end) during which both nodes held the resource, from `since`. */
  dualIntervals(since = 0): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.holders.length; i++) {
      const h = this.holders[i]!;
      if (h.who.length < 2) continue;
      const end = this.holders[i + 1]?.at ?? this.now;
      if (end > since) out.push([Math.max(h.at, since), end]);
    }
    return out;
  }

  /** Longest run with no serving node (holds the address, services up, daemon running, not frozen, link up), from `since`. */
  longestOutage(since: number, until = this.now): number {
    // Serving is sampled from the holder history plus the node flags at each change, so it is
    // recorded separately in `serving`.
    let worst = 0;
    let start: number | null = null;
    for (const row of this.serving) {
      if (row.at < since) { start = row.up ? null : since; continue; }
      if (row.at > until) break;
      if (!row.up && start === null) start = row.at;
      if (row.up && start !== null) { worst = Math.max(worst, row.at - start); start = null; }
    }
    if (start !== null) worst = Math.max(worst, until - Math.max(start, since));
    return worst;
  }

  readonly serving: { at: number; up: boolean }[] = [{ at: 0, up: false }];

  logs(name: NodeName, event?: string): LogLine[] {
    return event ? this.nodes[name].log.filter((l) => l.event === event) : this.nodes[name].log;
  }

  // ---- machinery ----

  private peek(): Event | undefined { return this.queue[0]; }

  private push(e: Event): void {
    // Sorted insert by (at, seq): queues stay short (tens of events), so this is cheap and stable.
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1]!.at > e.at || (this.queue[i - 1]!.at === e.at && this.queue[i - 1]!.seq > e.seq))) i--;
    this.queue.splice(i, 0, e);
  }

  private later(n: SimNode, ms: number, input: Input): void {
    this.push({ at: this.now + ms, seq: this.seq++, type: 'input', node: n.name, incarnation: n.incarnation, input });
  }

  private sameTime = 0;
  private lastAt = -1;

  private process(e: Event): void {
    // A core whose deadline never advances would spin here at one instant: fail loudly.
    if (e.at === this.lastAt) {
      if (++this.sameTime > 20_000) throw new Error(`sim: livelock at t=${e.at} (${e.type}${e.type !== 'fn' ? ' ' + e.node : ''}; A ${this.role('A')}, B ${this.role('B')})`);
    } else { this.lastAt = e.at; this.sameTime = 0; }
    if (e.type === 'fn') e.fn();
    else if (e.type === 'timer') {
      const n = this.nodes[e.node];
      if (e.token === n.timerToken && n.core && !n.frozen) this.deliver(n, { kind: 'tick' });
    } else {
      const n = this.nodes[e.node];
      if (e.incarnation === n.incarnation) this.deliver(n, e.input);
    }
    this.audit();
  }

  private deliver(n: SimNode, input: Input): void {
    if (!n.core || !n.machineUp) return;
    if (n.frozen) { if (input.kind !== 'tick') n.inbox.push(input); return; }
    const r = step(n.core, input, this.now);
    n.core = r.state;
    this.apply(n, r.effects);
    if (n.core) this.schedule(n);
    this.audit();
  }

  private schedule(n: SimNode): void {
    if (!n.core) return;
    const d = nextDeadline(n.core);
    n.timerToken++;
    if (d === null) return;
    this.push({ at: Math.max(d, this.now), seq: this.seq++, type: 'timer', node: n.name, token: n.timerToken });
  }

  private canSend(from: SimNode, to: SimNode, path: PathName): boolean {
    if (!from.machineUp || !to.machineUp) return false;
    if (!from.links[path] || !to.links[path] || this.cut[path]) return false;
    return !this.oneWay.has(`${from.name}>${to.name}:${path}`);
  }

  private apply(n: SimNode, effects: Effect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'transition': n.transitions.push({ at: e.at, from: e.from, to: e.to, reason: e.reason }); break;
        case 'log': n.log.push({ at: this.now, level: e.level, event: e.event, msg: e.msg }); break;
        case 'send': {
          const to = this.nodes[OTHER[n.name]];
          for (const path of n.cfg.paths) {
            if (!this.canSend(n, to, path)) continue;
            const delay = this.latencyMs + (this.jitterMs > 0 ? Math.floor(this.rand() * (this.jitterMs + 1)) : 0);
            this.push({ at: this.now + delay, seq: this.seq++, type: 'input', node: to.name, incarnation: to.incarnation, input: { kind: 'message', path, msg: e.msg } });
          }
          break;
        }
        case 'acquire': {
          const inc = n.incarnation;
          this.at(this.now + this.acquireMs, () => {
            const ok = n.machineUp && n.links.lan && !n.failAcquire;
            if (ok) n.resource = true;
            if (n.incarnation === inc) this.deliver(n, { kind: 'acquire-result', ok, ...(ok ? {} : { error: n.links.lan ? 'RTNETLINK answers: Operation not permitted' : 'Cannot assign: link down' }) });
          });
          break;
        }
        case 'release': {
          const inc = n.incarnation;
          this.at(this.now + this.releaseMs, () => {
            if (n.machineUp) n.resource = false;
            if (n.incarnation === inc) this.deliver(n, { kind: 'release-result', ok: true });
          });
          break;
        }
        case 'garp':
          if (n.resource && n.links.lan && n.machineUp) { this.neighOwner = n.name; n.garps.push(this.now); }
          break;
        case 'services': n.services = e.run; break;
        case 'check-resource': this.later(n, 1, { kind: 'resource-check', present: n.resource }); break;
        case 'probe-ping': this.later(n, this.pingMs, { kind: 'ping-result', reachable: n.links.lan ? n.pingReach : 0, total: n.cfg.pingTotal }); break;
        case 'admin-result': {
          const rec = this.admin.get(e.requestId);
          if (rec) { rec.ok = e.ok; rec.message = e.message; }
          break;
        }
        case 'exit': n.core = null; n.services = false; break;
      }
    }
  }

  private audit(): void {
    const who = this.holdersNow();
    const last = this.holders[this.holders.length - 1]!;
    if (last.who.join() !== who.join()) this.holders.push({ at: this.now, who });
    const up = (['A', 'B'] as NodeName[]).some((x) => {
      const n = this.nodes[x];
      return n.machineUp && n.resource && n.services && n.core !== null && !n.frozen && n.links.lan;
    });
    const lastS = this.serving[this.serving.length - 1]!;
    if (lastS.up !== up) this.serving.push({ at: this.now, up });
  }
}

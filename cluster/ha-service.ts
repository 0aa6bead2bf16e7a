// The HA runtime: the imperative shell around the pure core (cluster/core). It owns the clock
// (monotonic), the heartbeat sockets, the floating IP, the ping group, the carrier checks and the
// store rows; it feeds each event to `step` one at a time and executes the effects in order
// (types.ts: a transition is stored before anything else of its batch runs).
//
// Keys: heartbeats run only with the cluster key that pairing stored (cluster_state.cluster_key);
// an unpaired node sends and accepts nothing (cluster/heartbeat/auth.ts says why). The row is
// polled every second, so a pairing or an unpairing done by cluster/pairing takes effect at once.
//
// Stopping: SIGTERM/SIGINT (daemon stop) is a graceful stop: the resource is released and the
// peer is told (shutdown notice) so it takes over without waiting deadMs. SIGUSR2 is a stop for a
// restart (upgrade, Reattach): the resource stays in place and nothing is said; the restarted
// daemon finds it at boot and announces it.
import { performance } from 'node:perf_hooks';
import { withAudit } from '../agent/audit.ts';
import type { Logger } from '../agent/log.ts';
import { ConfigError, UnavailableError } from '../agent/errors.ts';
import type { Service } from '../agent/service.ts';
import type { Db } from '../agent/store/db.ts';
import { parseResourceIp, type HaConfig } from './config-schema.ts';
import { coreConfig, initialState, nextDeadline, step, type AdminAction, type CoreState, type Effect, type Input, type PathName } from './core/index.ts';
import { MIN_KEY_LENGTH } from './heartbeat/auth.ts';
import { FLAG } from './heartbeat/codec.ts';
import { fromPacket, toOutgoing } from './heartbeat/message.ts';
import { HeartbeatTransport, type PathSpec } from './heartbeat/transport.ts';
import { HaStore, withAdminOverride, type PairingRow } from './ha-store.ts';
import { buildStatus } from './ha-status.ts';
import { PingGroup } from './ping/group.ts';
import { FloatingIp } from './resource/ip.ts';
import { sysfsCarrier, type CarrierReader } from './resource/link.ts';
import { systemRunner, type CommandRunner } from './resource/run.ts';

/** How often the peer's highest heartbeat seq is persisted while running (see #savePeerSeq). */
const PEER_SEQ_SAVE_MS = 2000;

/** What PnP and DHCP ask: serve only while this node holds the resource. */
export interface ClusterHandle {
  /** PnP/DHCP may answer (this node holds the resource, or HA is not in use). */
  isActive(): boolean;
  /** The floating resource IP phones should use (the %%SERVER%% of DHCP), when HA has one. */
  resourceIp(): string | undefined;
  /** Config edits are allowed here (HA off, or this node is the coordinator). */
  isCoordinator(): boolean;
  /** Called whenever isActive() changes; returns an unsubscribe function. */
  onChange(fn: (active: boolean) => void): () => void;
}

export interface HaServiceOptions {
  ha: HaConfig;
  nodeSerial: string;
  nodeName: string;
  db: Db;
  log: Logger;
  runner?: CommandRunner;
  carrier?: CarrierReader;
  /** Monotonic ms; default performance.now. */
  now?: () => number;
  /** Wall clock ms for stored timestamps; default Date.now. */
  wallNow?: () => number;
  /** The peer's heartbeat port when it differs from ha.heartbeatPort (two nodes on one host). */
  peerPort?: number;
  /** Install the SIGUSR2 "stop for restart" handler (the daemon: yes; tests: no). */
  signals?: boolean;
}

/** The stored cluster key when this node is paired with one heartbeats can use, else undefined. */
function pairedKey(p: PairingRow): Buffer | undefined {
  return p.paired && p.key && p.key.length >= MIN_KEY_LENGTH ? p.key : undefined;
}

export interface AdminOutcome { ok: boolean; message: string }

/** Facts the status renderer reads (ha-status.ts). */
export interface RuntimeView {
  ha: HaConfig; nodeSerial: string; nodeName: string; coordinator: boolean; paired: boolean; peerSerial: string;
  core: CoreState; transport: HeartbeatTransport | undefined; ping: PingGroup | undefined; ip: FloatingIp; store: HaStore;
  servicesRunning: boolean; peerExtra: { coordinator: boolean; configVersion: number } | undefined; configVersion: number;
  unknownMessages: number; now: number;
}

export class HaService implements Service, ClusterHandle {
  readonly name = 'ha';
  readonly #o: HaServiceOptions;
  readonly #log: Logger;
  readonly #store: HaStore;
  readonly #now: () => number;
  #savedPeerSeq = { generation: -1, seq: -1, at: -Infinity };
  #transportsStarted = 0;
  readonly #wall: () => number;
  readonly #carrier: CarrierReader;
  readonly #ip: FloatingIp;
  readonly #ping: PingGroup | undefined;
  #core: CoreState | undefined;
  #queue: Input[] = [];
  #draining = false;
  #deadline: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #transport: HeartbeatTransport | undefined;
  #key: Buffer | undefined;
  #peerSerial = '';
  #paired = false;
  #coordinator = false;
  #configVersion = 0;
  #services = false;
  #listeners = new Set<(active: boolean) => void>();
  #pending = new Map<string, (r: AdminOutcome) => void>();
  #requests = 0;
  #onExit: (() => void) | undefined;
  #links: Record<PathName, boolean> = { lan: true, sync: true };
  #lastSlowPoll = 0;
  #peerExtra: { coordinator: boolean; configVersion: number } | undefined;
  #peerAskedDisable = false;
  #unknownMessages = 0;
  #keepOnStop = false;
  #neverEnabled = false;
  #onUsr2 = (): void => {
    this.#keepOnStop = true;
    this.#log.info('SIGUSR2: stopping for a restart; the resource stays in place');
    process.kill(process.pid, 'SIGTERM');
  };

  constructor(o: HaServiceOptions) {
    this.#o = o;
    this.#log = o.log;
    this.#store = new HaStore(o.db);
    this.#now = o.now ?? (() => performance.now());
    this.#wall = o.wallNow ?? Date.now;
    this.#carrier = o.carrier ?? sysfsCarrier;
    const vip = parseResourceIp(o.ha.resourceIp);
    if (!vip) throw new ConfigError('ha.resourceIp', `"${o.ha.resourceIp}" is not an IPv4 address with a prefix, e.g. "10.0.0.10/24"`);
    const runner = o.runner ?? systemRunner;
    this.#ip = new FloatingIp({ spec: { ...vip, iface: o.ha.interface }, runner, log: o.log });
    this.#ping = o.ha.pingGroup.length > 0
      ? new PingGroup({ targets: o.ha.pingGroup, timeoutMs: o.ha.pingTimeoutMs, targetDeadMs: o.ha.deadMs, runner, log: o.log, now: this.#now })
      : undefined;
  }

  // ---- ClusterHandle -------------------------------------------------------------------------

  isActive(): boolean {
    const s = this.#core;
    if (!s) return false;
    // Disabled: a node that never ran HA is a plain standalone node and serves; one disabled by
    // an admin (on both nodes) serves only if it kept the resource, so two DHCP servers never answer.
    if (s.role === 'disabled') return this.#neverEnabled || s.holds;
    return this.#services;
  }

  resourceIp(): string | undefined {
    return this.#ip.spec.address;
  }

  isCoordinator(): boolean {
    return !this.#core || this.#core.role === 'disabled' || this.#coordinator;
  }

  onChange(fn: (active: boolean) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  // ---- Service -------------------------------------------------------------------------------

  async start(): Promise<void> {
    const ha = this.#o.ha;
    const rt = this.#store.runtime();
    const { enabled, coordinator } = withAdminOverride(ha, rt);
    this.#neverEnabled = rt.adminEnabled === null && !ha.enabled;
    this.#coordinator = coordinator;
    const generation = this.#store.bumpGeneration(this.#wall());
    const pairing = this.#store.pairing();
    this.#configVersion = pairing.configVersion;
    const key = pairedKey(pairing);
    this.#paired = key !== undefined;
    this.#peerSerial = pairing.peerSerial || ha.peerSerial;
    const resourcePresent = await this.#presentOr(false);
    this.#links.lan = this.#carrier(ha.interface);
    if (ha.syncInterface) this.#links.sync = this.#carrier(ha.syncInterface);
    if (key) await this.#startTransport(key, generation, rt.peerGeneration);
    const cfg = coreConfig(ha, this.#o.nodeSerial, this.#peerSerial);
    const r = initialState(cfg, { generation, enabled, paired: this.#paired, resourcePresent, linkUp: this.#links.lan }, this.#now());
    this.#core = r.state;
    this.#execute(r.effects);
    this.#drain();
    const pollMs = Math.max(10, Math.min(250, ha.keepaliveIntervalMs));
    this.#poll = setInterval(() => this.#pollOnce(), pollMs);
    if (this.#o.signals) process.on('SIGUSR2', this.#onUsr2);
  }

  async stop(): Promise<void> {
    if (!this.#core) return;
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = undefined;
    if (this.#o.signals) process.off('SIGUSR2', this.#onUsr2);
    const release = !this.#keepOnStop;
    // A graceful release needs the resource removed and the notice sent; bounded so a stuck `ip`
    // cannot hold the daemon past systemd's stop timeout.
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { this.#log.warn('HA stop: no clean finish in time; stopping anyway'); resolve(); }, this.#o.ha.resourceTimeoutMs + 2000);
      this.#onExit = () => { clearTimeout(t); resolve(); };
      this.#feed({ kind: 'shutdown', release });
    });
    if (this.#deadline) clearTimeout(this.#deadline);
    this.#deadline = undefined;
    for (const [, reply] of this.#pending) reply({ ok: false, message: 'the daemon is stopping' });
    this.#pending.clear();
    this.#ip.close();
    await this.#transport?.flush();
    this.#savePeerSeq(true);
    await this.#transport?.stop();
    this.#transport = undefined;
    this.#setServices(false);
    this.#core = undefined;
  }

  status(): Record<string, unknown> {
    if (!this.#core) return { enabled: this.#o.ha.enabled, state: 'stopped' };
    return buildStatus(this.view());
  }

  /** Everything the status renderer and the control methods read. */
  view(): RuntimeView {
    if (!this.#core) throw new UnavailableError('HA is not running');
    return {
      ha: this.#o.ha, nodeSerial: this.#o.nodeSerial, nodeName: this.#o.nodeName, coordinator: this.#coordinator,
      paired: this.#paired, peerSerial: this.#peerSerial, core: this.#core, transport: this.#transport, ping: this.#ping,
      ip: this.#ip, store: this.#store, servicesRunning: this.#services, peerExtra: this.#peerExtra,
      configVersion: this.#configVersion, unknownMessages: this.#unknownMessages, now: this.#now(),
    };
  }

  // ---- Admin ---------------------------------------------------------------------------------

  /** Runs an admin action through the core; resolves with its answer. */
  async admin(action: AdminAction | { action: 'enable' }, coordinator?: boolean): Promise<AdminOutcome> {
    if (!this.#core) throw new UnavailableError('HA is not running on this node');
    let a: AdminAction;
    if (action.action === 'enable') {
      this.#neverEnabled = false;
      const key = pairedKey(this.#store.pairing());
      this.#paired = key !== undefined;
      if (coordinator !== undefined) this.#coordinator = coordinator;
      if (key && !this.#transport) await this.#startTransport(key, this.#core.generation, this.#store.runtime().peerGeneration);
      a = { action: 'enable', paired: this.#paired, resourcePresent: await this.#presentOr(this.#core.holds), linkUp: this.#carrier(this.#o.ha.interface) };
    } else a = action;
    const requestId = `admin-${++this.#requests}`;
    const budget = this.#o.ha.handoverTimeoutMs * 3 + this.#o.ha.resourceTimeoutMs;
    return new Promise<AdminOutcome>((resolve) => {
      const t = setTimeout(() => {
        this.#pending.delete(requestId);
        resolve({ ok: false, message: `no answer from the HA core within ${budget} ms; see pbxctl ha status` });
      }, budget);
      this.#pending.set(requestId, (r) => { clearTimeout(t); resolve(r); });
      this.#feed({ kind: 'admin', requestId, ...a });
    });
  }

  // ---- The loop ------------------------------------------------------------------------------

  #feed(input: Input): void {
    this.#queue.push(input);
    this.#drain();
  }

  /** One input at a time, effects in order; re-entrant feeds wait in the queue. */
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0 && this.#core) {
        const input = this.#queue.shift()!;
        const r = step(this.#core, input, this.#now());
        this.#core = r.state;
        this.#execute(r.effects);
      }
    } finally {
      this.#draining = false;
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#deadline) clearTimeout(this.#deadline);
    this.#deadline = undefined;
    if (!this.#core) return;
    const d = nextDeadline(this.#core);
    if (d === null) return;
    const delay = Math.max(0, Math.min(60_000, Math.ceil(d - this.#now())));
    this.#deadline = setTimeout(() => { this.#deadline = undefined; this.#feed({ kind: 'tick' }); }, delay);
  }

  #execute(effects: Effect[]): void {
    for (const e of effects) {
      try {
        this.#effect(e);
      } catch (err) {
        this.#log.error({ effect: e.kind, err: (err as Error).message }, 'HA effect failed');
      }
    }
  }

  #effect(e: Effect): void {
    const core = this.#core!;
    switch (e.kind) {
      case 'transition':
        this.#store.recordTransition({ at: this.#wall(), from: e.from, to: e.to, reason: e.reason, generation: core.generation });
        if (e.to === 'disabled' && e.from !== 'disabled' && this.#peerAskedDisable) this.#persistPeerDisable();
        this.#peerAskedDisable = false;
        return;
      case 'send':
        this.#transport?.send(toOutgoing(e.msg, {
          coordinator: this.#coordinator, configVersion: this.#configVersion, enabled: core.role !== 'disabled',
          defaultActive: this.#o.ha.defaultActive !== '' && this.#o.ha.defaultActive === this.#o.nodeSerial,
        }));
        return;
      case 'acquire':
        this.#ip.acquire().then(
          () => this.#feed({ kind: 'acquire-result', ok: true }),
          (err: Error) => this.#feed({ kind: 'acquire-result', ok: false, error: err.message }),
        );
        return;
      case 'release':
        this.#ip.release().then(
          () => this.#feed({ kind: 'release-result', ok: true }),
          (err: Error) => this.#feed({ kind: 'release-result', ok: false, error: err.message }),
        );
        return;
      case 'garp':
        this.#log.info({ event: 'garp', count: e.count, ip: this.#ip.spec.address }, `gratuitous ARP burst for ${this.#ip.spec.address}: ${e.reason}`);
        this.#ip.garp(e.count);
        return;
      case 'services':
        this.#setServices(e.run);
        return;
      case 'check-resource':
        this.#ip.present().then(
          (present) => this.#feed({ kind: 'resource-check', present }),
          (err: Error) => this.#log.warn({ err: err.message }, 'resource check could not run'),
        );
        return;
      case 'probe-ping':
        if (this.#ping) void this.#ping.probe().then((n) => this.#feed({ kind: 'ping-result', reachable: n, total: this.#ping!.total }));
        return;
      case 'log':
        this.#log[e.level]({ event: e.event, ...e.fields }, e.msg);
        return;
      case 'admin-result': {
        const reply = this.#pending.get(e.requestId);
        this.#pending.delete(e.requestId);
        reply?.({ ok: e.ok, message: e.message });
        return;
      }
      case 'exit':
        this.#onExit?.();
        return;
    }
  }

  #setServices(run: boolean): void {
    if (this.#services === run) return;
    this.#services = run;
    this.#log.info({ run }, run ? 'HA: this node serves (PnP, DHCP on)' : 'HA: this node stops serving (PnP, DHCP off)');
    const active = this.isActive();
    for (const fn of this.#listeners) {
      try { fn(active); } catch (err) { this.#log.error({ err: (err as Error).message }, 'HA listener failed'); }
    }
  }

  /** The peer's `disable` turned HA off here: keep it off across restarts, audited as the peer's act. */
  #persistPeerDisable(): void {
    withAudit(this.#o.db, { user: 'peer', source: 'peer' }, (audit) => {
      this.#store.setAdminEnabled(false, null, this.#wall());
      audit({ action: 'disable', objectType: 'ha', objectId: this.#o.nodeSerial || 'this-node', description: 'HA disabled on this node at the peer\'s request (disable on both nodes); the resource stays where it is' });
    });
  }

  async #presentOr(fallback: boolean): Promise<boolean> {
    try {
      return await this.#ip.present();
    } catch (err) {
      this.#log.error({ err: (err as Error).message }, 'cannot read the interface addresses (is iproute2 installed?)');
      return fallback;
    }
  }

  // ---- Heartbeats ----------------------------------------------------------------------------

  async #startTransport(key: Buffer, generation: number, knownPeerGeneration: number): Promise<void> {
    const ha = this.#o.ha;
    // Detached first, so a poll while it stops cannot store its seq (it may be the old key's).
    const old = this.#transport;
    this.#transport = undefined;
    await old?.stop();
    // The stored floor applies to the first transport of this process: a later one is started
    // for a new cluster key, under which the peer numbers its packets from 0 again.
    const rt = this.#store.runtime();
    const resumeAfter = this.#transportsStarted++ === 0 && rt.peerSeq >= 0 ? { generation: rt.peerGeneration, seq: rt.peerSeq } : undefined;
    const paths: PathSpec[] = [{ name: 'lan', localAddress: ha.localIp, peerAddress: ha.remoteIp }];
    if (ha.syncInterface) paths.push({ name: 'sync', localAddress: ha.localSyncIp, peerAddress: ha.remoteSyncIp });
    const t = new HeartbeatTransport({
      paths, port: ha.heartbeatPort, peerPort: this.#o.peerPort, key, localSerial: this.#o.nodeSerial, peerSerial: this.#peerSerial,
      warnMs: ha.warningMs, deadMs: ha.deadMs, knownPeerGeneration: knownPeerGeneration > 0 ? knownPeerGeneration : undefined, resumeAfter,
      now: this.#now, log: this.#log.child({ mod: 'heartbeat' }),
      onPacket: (hb, path, info) => {
        // Persisted so a restart of ours keeps refusing the peer's older lives (replay.ts); the
        // core logs the restart itself.
        if (info.restarted || info.firstSeen) this.#store.setPeerGeneration(hb.generation, this.#wall());
        this.#peerExtra = { coordinator: (hb.flags & FLAG.coordinator) !== 0, configVersion: hb.configVersion };
        const msg = fromPacket(hb);
        if (!msg) { this.#unknownMessages++; return; }
        if (msg.kind === 'disable') this.#peerAskedDisable = true;
        this.#feed({ kind: 'message', path, msg });
      },
    });
    t.setGeneration(generation);
    try {
      await t.start();
    } catch (err) {
      throw new ConfigError('ha.localIp', `${(err as Error).message}; ha.localIp (and ha.localSyncIp) must be addresses of this node, and ha.heartbeatPort (${ha.heartbeatPort}/udp) free`);
    }
    this.#transport = t;
    this.#key = key;
  }

  /**
   * Persists the peer's highest heartbeat seq (replay.ts resumeAfter): at most every
   * PEER_SEQ_SAVE_MS while running, and at once before the transport stops. After a restart of
   * this node only the packets of the last interval could be replayed, once each.
   */
  #savePeerSeq(force: boolean): void {
    const t = this.#transport;
    if (!t) return;
    const generation = t.peerGeneration;
    const seq = t.peerSeq;
    const last = this.#savedPeerSeq;
    if (generation === undefined || seq < 0 || (generation === last.generation && seq === last.seq)) return;
    const now = this.#now();
    if (!force && now - last.at < PEER_SEQ_SAVE_MS) return;
    try {
      this.#store.setPeerSeq(generation, seq, this.#wall());
      this.#savedPeerSeq = { generation, seq, at: now };
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'cannot store the peer heartbeat sequence; will retry');
    }
  }

  #forgetPeerSeq(): void {
    try {
      this.#store.clearPeerSeq(this.#wall());
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'cannot clear the stored peer heartbeat sequence');
    }
    this.#savedPeerSeq = { generation: -1, seq: -1, at: -Infinity };
  }

  #pollOnce(): void {
    if (!this.#core) return;
    const ha = this.#o.ha;
    this.#transport?.check();
    this.#savePeerSeq(false);
    for (const [path, iface] of [['lan', ha.interface], ['sync', ha.syncInterface]] as const) {
      if (!iface) continue;
      const up = this.#carrier(iface);
      if (up !== this.#links[path]) {
        this.#links[path] = up;
        this.#log.warn({ path, iface, up }, `interface ${iface} ${up ? 'has carrier again' : 'lost carrier'}`);
        this.#feed({ kind: 'link', path, up });
      }
    }
    const t = this.#now();
    if (t - this.#lastSlowPoll < 1000) return;
    this.#lastSlowPoll = t;
    void this.#transport?.retryBinds();
    void this.#checkPairing();
  }

  /** Follows cluster/pairing's writes: a new key starts heartbeats, a wiped key is an unpair. */
  async #checkPairing(): Promise<void> {
    const p = this.#store.pairing();
    this.#configVersion = p.configVersion;
    const key = pairedKey(p);
    const core = this.#core;
    if (!core) return;
    if (key && (!this.#paired || !this.#key?.equals(key))) {
      this.#paired = true;
      this.#peerSerial = p.peerSerial || this.#o.ha.peerSerial;
      this.#core = { ...core, cfg: coreConfig(this.#o.ha, this.#o.nodeSerial, this.#peerSerial) };
      this.#log.info({ peerSerial: this.#peerSerial }, 'cluster key found: heartbeats start');
      // A new key: the peer's transport numbers its packets from 0 again in the same generation,
      // so the floor recorded under the old key must not refuse them.
      this.#forgetPeerSeq();
      try {
        await this.#startTransport(key, core.generation, this.#store.runtime().peerGeneration);
      } catch (err) {
        this.#log.error({ err: (err as Error).message }, 'heartbeats cannot start');
        return;
      }
      this.#feed({ kind: 'paired' });
    } else if (!key && this.#paired) {
      this.#paired = false;
      this.#log.warn('the cluster key is gone (unpaired): heartbeats stop');
      // The core answers an unpair at once and says "unpaired" to the peer one last time (with
      // the key still in the transport), then the sockets close.
      if (core.role !== 'unpaired' && core.role !== 'disabled') {
        const r = await this.admin({ action: 'unpair' });
        this.#log.info({ ok: r.ok }, r.message);
      }
      const t = this.#transport;
      this.#transport = undefined;
      this.#key = undefined;
      this.#forgetPeerSeq();
      await t?.flush();
      await t?.stop();
    }
  }
}

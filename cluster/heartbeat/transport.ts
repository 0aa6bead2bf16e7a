// Heartbeat transport: one UDP socket per path (LAN interface address, sync interface address),
// each sending to the peer's address on that path. It owns sockets, the MAC check, the replay
// window and per-path liveness; it decides nothing about roles (that is the core's job).
//
// Receive pipeline, cheapest first (STYLE rule 2): source address -> decode (length, magic,
// version) -> cluster id -> sender -> path byte -> HMAC -> replay window. Every drop is counted by
// reason; the first drop of each reason is logged, then one summary line per minute at most, so
// a flood costs counters, not log volume.
//
// Liveness: a path is 'late' once its last accepted packet is older than warnMs and 'down' past
// deadMs; the peer is silent only when every path is down. Ages use the monotonic clock given in
// the options. This view feeds the status page (ages, counts, longest gap); the decisions and the
// admin-facing log lines ("late heartbeat", "path down") are the core's, so they appear once.
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '../../agent/log.ts';
import { clusterIdOf, seal, senderIdOf, verify } from './auth.ts';
import { decode, encodeInto, PACKET_LENGTH, PATHS, type Heartbeat, type PathName } from './codec.ts';
import { ReplayWindow, type ReplayDrop } from './replay.ts';

export interface PathSpec {
  name: PathName;
  /** This node's address on the path (bound). */
  localAddress: string;
  /** The peer's address on the path. */
  peerAddress: string;
}

export interface TransportOptions {
  paths: PathSpec[];
  port: number;
  /** Port the peer listens on; default `port` (tests with two transports on one host differ). */
  peerPort?: number;
  key: Buffer;
  localSerial: string;
  peerSerial: string;
  warnMs: number;
  deadMs: number;
  /** Highest generation of the peer ever accepted (persisted), so a restart of ours reopens no old life. */
  knownPeerGeneration?: number | undefined;
  /** The highest (generation, seq) accepted from the peer before this node restarted (store). */
  resumeAfter?: { generation: number; seq: number } | undefined;
  /** Monotonic ms (performance.now-like). Injected so tests can drive time. */
  now: () => number;
  log: Logger;
  /** Every accepted packet, with the path it came on. */
  onPacket: (hb: Heartbeat, path: PathName, info: { restarted: boolean; firstSeen: boolean }) => void;
}

export type PathState = 'unknown' | 'up' | 'late' | 'down';

export type DropReason = 'malformed' | 'wrong-source' | 'wrong-cluster' | 'unknown-sender' | 'own-packet' | 'wrong-path' | 'bad-mac' | ReplayDrop;

export interface PathStatus {
  name: PathName;
  local: string;
  peer: string;
  bound: boolean;
  state: PathState;
  /** ms since the last accepted packet on this path; null before the first. */
  ageMs: number | null;
  rx: number;
  tx: number;
  sendErrors: number;
  late: number;
  /** Longest gap between two accepted packets on this path (ms): tune the dead threshold from it. */
  maxGapMs: number;
}

interface PathRuntime {
  spec: PathSpec;
  socket: Socket | undefined;
  lastSeen: number | undefined;
  state: PathState;
  rx: number; tx: number; sendErrors: number; late: number; maxGapMs: number;
  bindError: string | undefined;
}

/** The packet fields the caller chooses; the transport fills identity, sequence, path and time. */
export type Outgoing = Pick<Heartbeat, 'kind' | 'flags' | 'state' | 'pingReachable' | 'pingTotal' | 'configVersion' | 'timersHash' | 'msgId'>;

export class HeartbeatTransport {
  readonly #o: TransportOptions;
  readonly #paths: PathRuntime[];
  readonly #clusterId: Buffer;
  readonly #self: Buffer;
  readonly #peer: Buffer;
  readonly #replay: ReplayWindow;
  #generation = 0;
  #seq = 0;
  readonly drops: Record<DropReason, number> = {
    malformed: 0, 'wrong-source': 0, 'wrong-cluster': 0, 'unknown-sender': 0, 'own-packet': 0, 'wrong-path': 0,
    'bad-mac': 0, 'stale-generation': 0, replay: 0, 'outside-window': 0, delayed: 0,
  };
  #dropLogged = new Set<DropReason>();
  #lastDropSummary = 0;
  #dropsSinceSummary = 0;
  accepted = 0;
  #inFlight = 0;
  #startedAt = 0;
  #drained: (() => void)[] = [];

  constructor(o: TransportOptions) {
    if (o.paths.length === 0) throw new RangeError('heartbeat transport needs at least one path');
    this.#o = o;
    this.#paths = o.paths.map((spec) => ({ spec, socket: undefined, lastSeen: undefined, state: 'unknown', rx: 0, tx: 0, sendErrors: 0, late: 0, maxGapMs: 0, bindError: undefined }));
    this.#clusterId = clusterIdOf(o.key);
    this.#self = senderIdOf(o.localSerial);
    this.#peer = senderIdOf(o.peerSerial);
    this.#replay = new ReplayWindow({ maxDelayMs: o.deadMs, knownGeneration: o.knownPeerGeneration, resumeAfter: o.resumeAfter });
  }

  /** Our own generation, stamped on every packet (the service raises and persists it at start). */
  setGeneration(g: number): void {
    this.#generation = g;
    this.#seq = 0;
  }

  get peerGeneration(): number | undefined { return this.#replay.generation; }
  /** The highest seq accepted in the peer's current generation (-1: none yet). */
  get peerSeq(): number { return this.#replay.highestSeq; }

  /**
   * Binds every path. A path whose address is missing (interface down at boot) is reported and
   * retried by `retryBinds`; only when no path at all can bind does start fail.
   */
  async start(): Promise<void> {
    this.#startedAt = this.#o.now();
    await Promise.all(this.#paths.map((p) => this.#bind(p)));
    const bound = this.#paths.filter((p) => p.socket);
    if (bound.length === 0) {
      const why = this.#paths.map((p) => `${p.spec.name} ${p.spec.localAddress}:${this.#o.port}: ${p.bindError}`).join('; ');
      throw new Error(`no heartbeat path could bind (${why})`);
    }
  }

  async retryBinds(): Promise<void> {
    await Promise.all(this.#paths.filter((p) => !p.socket).map((p) => this.#bind(p)));
  }

  #bind(p: PathRuntime): Promise<void> {
    return new Promise((resolve) => {
      const s = createSocket({ type: 'udp4', reuseAddr: false });
      const onError = (e: Error) => {
        s.close();
        const msg = (e as NodeJS.ErrnoException).code ?? e.message;
        if (p.bindError !== msg) this.#o.log.error({ path: p.spec.name, address: p.spec.localAddress, port: this.#o.port, err: msg }, 'heartbeat path cannot bind; retrying (is the interface up with this address? check ha.localAddress / ha.syncLocalAddress)');
        p.bindError = msg;
        resolve();
      };
      s.once('error', onError);
      s.bind({ address: p.spec.localAddress, port: this.#o.port, exclusive: true }, () => {
        s.off('error', onError);
        s.on('error', (e) => this.#o.log.warn({ path: p.spec.name, err: e.message }, 'heartbeat socket error'));
        s.on('message', (msg, rinfo) => this.#receive(p, msg, rinfo.address));
        if (p.bindError) this.#o.log.info({ path: p.spec.name }, 'heartbeat path bound');
        p.bindError = undefined;
        p.socket = s;
        resolve();
      });
    });
  }

  /** Sends one packet per bound path, each with its own sequence number, sealed. */
  send(out: Outgoing): void {
    for (const p of this.#paths) {
      if (!p.socket) continue;
      const hb: Heartbeat = {
        ...out, path: PATHS.indexOf(p.spec.name), clusterId: this.#clusterId, sender: this.#self,
        generation: this.#generation, seq: this.#seq, sentAt: Math.max(0, Math.floor(this.#o.now())), mac: ZERO_MAC,
      };
      // seq wraps only after 2^32 packets (13 years at 10/s); the generation changes long before.
      this.#seq = (this.#seq + 1) >>> 0;
      const buf = Buffer.allocUnsafe(PACKET_LENGTH);
      encodeInto(hb, buf, 0);
      seal(buf, this.#o.key);
      this.#inFlight++;
      p.socket.send(buf, this.#o.peerPort ?? this.#o.port, p.spec.peerAddress, (err) => {
        if (--this.#inFlight === 0) for (const fn of this.#drained.splice(0)) fn();
        if (err) {
          if (p.sendErrors++ === 0) this.#o.log.warn({ path: p.spec.name, peer: p.spec.peerAddress, err: err.message }, 'heartbeat send failed (logged once per path)');
        } else p.tx++;
      });
    }
  }

  #drop(reason: DropReason, path: PathRuntime, from: string, detail?: string): void {
    this.drops[reason]++;
    this.#dropsSinceSummary++;
    const t = this.#o.now();
    if (!this.#dropLogged.has(reason)) {
      this.#dropLogged.add(reason);
      this.#o.log.warn({ reason, path: path.spec.name, from, detail }, 'heartbeat dropped (first of this kind; later ones are counted, see ha status)');
    } else if (t - this.#lastDropSummary > 60_000) {
      this.#lastDropSummary = t;
      this.#o.log.warn({ drops: { ...this.drops }, since: this.#dropsSinceSummary }, 'heartbeats dropped');
      this.#dropsSinceSummary = 0;
    }
  }

  #receive(p: PathRuntime, msg: Buffer, from: string): void {
    if (from !== p.spec.peerAddress) return this.#drop('wrong-source', p, from);
    if (msg.length !== PACKET_LENGTH) return this.#drop('malformed', p, from, `${msg.length} bytes`);
    const r = decode(msg);
    if (!r.ok) return this.#drop('malformed', p, from, r.error.code);
    const hb = r.value;
    if (!hb.clusterId.equals(this.#clusterId)) return this.#drop('wrong-cluster', p, from);
    if (hb.sender.equals(this.#self)) return this.#drop('own-packet', p, from);
    if (!hb.sender.equals(this.#peer)) return this.#drop('unknown-sender', p, from);
    if (!verify(msg, this.#o.key)) return this.#drop('bad-mac', p, from);
    if (PATHS[hb.path] !== p.spec.name) return this.#drop('wrong-path', p, from, `says ${PATHS[hb.path]}`);
    const now = this.#o.now();
    const v = this.#replay.admit(hb.generation, hb.seq, hb.sentAt, now);
    if (!v.ok) return this.#drop(v.reason, p, from, `generation ${hb.generation} seq ${hb.seq}`);
    this.accepted++;
    p.rx++;
    if (p.lastSeen !== undefined) {
      const gap = now - p.lastSeen;
      if (gap > p.maxGapMs) p.maxGapMs = gap;
      if (gap > this.#o.warnMs) {
        p.late++;
        // debug: the core logs the same event once for the admin (peer.ts 'late-heartbeat').
        this.#o.log.debug({ path: p.spec.name, intervalMs: Math.round(gap), warnMs: this.#o.warnMs }, 'late heartbeat');
      }
    }
    p.lastSeen = now;
    this.#setState(p, 'up');
    this.#o.onPacket(hb, p.spec.name, { restarted: v.restarted, firstSeen: v.firstSeen });
  }

  #setState(p: PathRuntime, s: PathState): void {
    if (p.state === s) return;
    const was = p.state;
    p.state = s;
    // debug: the core logs path-down / path-up once for the admin; these carry the socket detail.
    if (s === 'down') this.#o.log.debug({ path: p.spec.name, peer: p.spec.peerAddress, silentMs: p.lastSeen === undefined ? null : Math.round(this.#o.now() - p.lastSeen) }, 'heartbeat path down');
    else if (s === 'up' && (was === 'down' || was === 'late')) this.#o.log.debug({ path: p.spec.name, was }, 'heartbeat path up');
  }

  /** Re-evaluates path ages; call every tick. */
  check(): void {
    const now = this.#o.now();
    const heardElsewhere = this.#paths.some((p) => p.lastSeen !== undefined);
    for (const p of this.#paths) {
      if (p.lastSeen === undefined) {
        // Never heard on this path while the peer talks on another for longer than dead: the
        // path is broken from the start (a cable never plugged), not merely "unknown".
        if (heardElsewhere && now - this.#startedAt > this.#o.deadMs) this.#setState(p, 'down');
        continue;
      }
      const age = now - p.lastSeen;
      if (age > this.#o.deadMs) this.#setState(p, 'down');
      else if (age > this.#o.warnMs) this.#setState(p, 'late');
    }
  }

  /** ms since the freshest packet on any path; undefined before the first. */
  peerSilenceMs(): number | undefined {
    const seen = this.#paths.map((p) => p.lastSeen).filter((x): x is number => x !== undefined);
    return seen.length ? this.#o.now() - Math.max(...seen) : undefined;
  }

  /** The peer is alive while at least one path has heard it within the dead threshold. */
  peerAlive(): boolean {
    const s = this.peerSilenceMs();
    return s !== undefined && s <= this.#o.deadMs;
  }

  paths(): PathStatus[] {
    const now = this.#o.now();
    return this.#paths.map((p) => ({
      name: p.spec.name, local: p.spec.localAddress, peer: p.spec.peerAddress, bound: p.socket !== undefined,
      state: p.state, ageMs: p.lastSeen === undefined ? null : Math.round(now - p.lastSeen),
      rx: p.rx, tx: p.tx, sendErrors: p.sendErrors, late: p.late, maxGapMs: Math.round(p.maxGapMs),
    }));
  }

  /** Resolves when every packet handed to send() has left (bounded: 500 ms), e.g. the shutdown notice. */
  flush(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 500);
      this.#drained.push(() => { clearTimeout(t); resolve(); });
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.#paths.map((p) => new Promise<void>((r) => {
      if (!p.socket) return r();
      p.socket.close(() => r());
      p.socket = undefined;
    })));
  }
}

const ZERO_MAC = Buffer.alloc(32);

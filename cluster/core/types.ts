// The HA core's vocabulary: what the pure state machine (step.ts) takes in and gives out.
//
// API (cluster/core/index.ts re-exports it):
//   initialState(cfg, boot, now)  -> { state, effects }   the node as it starts (or is re-enabled)
//   step(state, input, now)       -> { state, effects }   one input, at time `now` (ms, monotonic)
//   nextDeadline(state)           -> number | null        when the next `tick` is due
//   coreConfig(ha, selfSerial, peerSerial) -> CoreConfig  (config.ts) the part of `ha` the core needs
//
// Time. The core never reads a clock: `now` is passed in, monotonic milliseconds (the runtime uses
// performance.now() or process.hrtime, never the wall clock, which NTP can step). Timers are not
// callbacks and not effects: after every step the driver asks nextDeadline(state) and arranges for
// step(state, { kind: 'tick' }, t) at (or after) that time. A tick at any other time is harmless,
// so a driver may also tick on a fixed period. The simulator (sim.ts) jumps its clock from
// deadline to deadline, which is why 20 scenarios run in milliseconds.
//
// Effects are data, executed by the driver IN ORDER (STYLE rule 7):
//   - a `transition` precedes the effects it causes (the send announcing the new role, the
//     acquire or release) and is persisted (cluster_transitions) before the driver runs the
//     effects after it, so the store never claims less than what the node did;
//   - `services {run:false}` comes before `release`; `services {run:true}` and `garp` come only
//     after the core has seen `acquire-result {ok:true}`;
//   - `acquire`/`release` are asynchronous: the driver runs them and later feeds back
//     `acquire-result`/`release-result` (both idempotent: adding a present address or deleting an
//     absent one is success, as IPaddr2 does);
//   - `send` goes out once on EVERY heartbeat path (LAN and sync);
//   - `exit` (after a `shutdown` input) means the core is done: stop the process.
//
// States (ha.md 4.3, kept: each has a distinct answer to "may the resource be here?"):
//   disabled   HA off. The core leaves the resource where it is and sends nothing.
//   unpaired   HA on, no cluster key (never paired, or unpaired). Standalone: keeps the resource if
//              it has it (degraded cluster), never takes it unless an admin forces it.
//   init       Started; listening for the peer up to initTimeoutMs. May hold a resource found at
//              start (crash or Reattach), and says so in every heartbeat.
//   standby    Not holding; the peer holds it or won the tie-break.
//   acquiring  Adding the resource (ip addr add, verify); services not yet started.
//   active     Holding and serving.
//   releasing  Stopping services, removing the resource.
//   fault      Tracked interface down or the resource could not be added: holds nothing and
//              announces it, so the peer takes over. Leaves fault when the cause clears.

//
// Decisions beyond ha.md 4.4 (each found by the simulator, each with a scenario or property test):
//   - Settle before "nobody holds, I win": the winner of a tie-break with nobody holding acquires
//     only after the same inputs have held for two keepalives (settled() in ctx.ts). Each side
//     decides on what it has SENT and what it has RECEIVED, so a message in flight can no longer
//     make both nodes read "I win" (simultaneous start used to give two holders for 30 ms).
//   - Split brain, one-way: the winner of a double hold whose peer keeps holding for 3 keepalives
//     (the peer cannot hear it: ha.md scenario 9) yields, so a one-way cut never leaves two holders.
//   - Forced takeover wins the tie-break at heal (rule 0): an admin who confirmed the peer down is
//     not overruled by the serial. The flag rides in the heartbeat (FLAG.forced).
//   - Re-announce (GARP) whenever the peer reappears (returning after partition, restart) while we
//     are active, and when a peer releases an address it held alongside us: its GARPs may have
//     pulled the phones while we could not see it.
//   - ipfail waits one ping round and two keepalives after our own drop, so two nodes losing the
//     group together (adopting the loss up to a round apart) do not hand over.
//   - A node that never heard its peer and was blind to the ping group at the init timeout waits
//     in standby and takes the resource as soon as it sees the group.

/** The two heartbeat paths: the LAN interface (ha.interface) and the sync interface. */
export type PathName = 'lan' | 'sync';

export type Role = 'disabled' | 'unpaired' | 'init' | 'standby' | 'acquiring' | 'active' | 'releasing' | 'fault';
export const ROLES: readonly Role[] = ['disabled', 'unpaired', 'init', 'standby', 'acquiring', 'active', 'releasing', 'fault'];

/**
 * What a heartbeat packet says, as the core sees it (cluster/heartbeat/codec.ts carries it; the
 * runtime adds sender, cluster id, seq, sentAt, config version and the MAC, and checks them: the
 * core only ever sees messages already authenticated and de-duplicated).
 * Every message proves the sender alive on the path it came by; the handshake kinds ride in the
 * same packet and are repeated with each keepalive until answered, so a lost packet costs one
 * interval, not the handover.
 */
export type MessageKind =
  | 'heartbeat'
  /** "Move the resource to the other side." Sent by the node the admin asked (either one). */
  | 'handover-request'
  /** The other side agrees; the holder now releases. */
  | 'handover-accept'
  /** The other side refuses (it or its peer is in flux); msgId names the request. */
  | 'handover-refuse'
  /** The holder has released (gap begins); the taker now acquires. */
  | 'released'
  /** The taker holds the resource (gap ends); the handover is complete. */
  | 'acquired'
  /** Disable HA on both nodes: the receiver disables too, leaving the resource where it is. */
  | 'disable'
  /** The initiator gave up (timeout or a state change); the receiver forgets the handshake. */
  | 'handover-cancel';

export interface PeerMessage {
  kind: MessageKind;
  /** Handshake id (non-zero) for handover kinds; 0 for a plain heartbeat. */
  msgId: number;
  /** Sender's generation: raised at every daemon start (persisted by the runtime). */
  generation: number;
  state: Role;
  /** The resource is (or may be) on the sender: acquiring, active, releasing, or found at start. */
  holdsResource: boolean;
  /** Not in flux: not acquiring, releasing, or in a handover. ha.md 4.4 rule 1 (RQSTDELAY). */
  stable: boolean;
  /** Graceful stop: the sender has released (or never held) the resource and is going away. */
  shutdown: boolean;
  /**
   * The sender holds the resource by an admin's forced takeover (the admin confirmed this node's
   * peer was down). On a healed split brain the forced side wins (tie-break rule 0), so the
   * admin's decision is not undone by a heuristic. Needs one wire flag bit.
   */
  forced: boolean;
  /** Dampened count of ping-group addresses the sender reaches, and the group size. */
  pingReachable: number;
  pingTotal: number;
  /** pingReachable has held for pingDampenMs: the tie-break may use it (ha.md 4.5 rule 1). */
  pingStable: boolean;
  /** timersHash(cfg) of the sender; a mismatch is alarmed (ha.md section 2: carry a timer hash). */
  timersHash: number;
}

/** What the runtime knows when the core starts (or is re-enabled). */
export interface BootFacts {
  /** This start's generation (the runtime raised and persisted it before calling the core). */
  generation: number;
  /** HA enabled in config (ha.enabled). */
  enabled: boolean;
  /** A cluster key exists (paired). */
  paired: boolean;
  /** `ip -o addr show dev IF` already shows the resource IP: a crash or a Reattach left it there. */
  resourcePresent: boolean;
  /** Carrier of ha.interface (the tracked interface). */
  linkUp: boolean;
}

export type AdminAction =
  /** Move the resource to the other node: a handover with a gap, never an overlap. */
  | { action: 'switchover' }
  /** Take the resource now although the peer may hold it; only with the admin's confirmation that it is down. */
  | { action: 'force-takeover'; confirmed: boolean }
  /** Leave the cluster; the resource stays where it is (the pairing module wipes the key). */
  | { action: 'unpair' }
  /** Turn HA off on both nodes; the resource stays where it is. */
  | { action: 'disable' }
  /** Turn HA on again: starts from init with resource detection (like a boot). */
  | { action: 'enable'; paired: boolean; resourcePresent: boolean; linkUp: boolean };

export type Input =
  /** Time passed; see nextDeadline. */
  | { kind: 'tick' }
  /** An authenticated, fresh message from the peer on one path. */
  | { kind: 'message'; path: PathName; msg: PeerMessage }
  /** Carrier change of a local interface: 'lan' = ha.interface (tracked), 'sync' = ha.syncInterface. */
  | { kind: 'link'; path: PathName; up: boolean }
  /** One round of the ping group: how many addresses answered, raw (the core dampens). */
  | { kind: 'ping-result'; reachable: number; total: number }
  /** Answer to a `check-resource` effect: is the resource IP on the interface? */
  | { kind: 'resource-check'; present: boolean }
  | { kind: 'acquire-result'; ok: boolean; error?: string }
  | { kind: 'release-result'; ok: boolean; error?: string }
  /** Pairing completed (a key now exists). */
  | { kind: 'paired' }
  /** An admin action; the answer is an `admin-result` effect with the same requestId. */
  | ({ kind: 'admin'; requestId: string } & AdminAction)
  /**
   * The daemon is stopping. release:true (systemctl stop): hand over gracefully (release, then a
   * shutdown notice so the peer takes over at once, without waiting deadMs). release:false
   * (a restart, Reattach): leave the resource in place and say nothing; the restarted daemon
   * finds it at boot and reports it.
   */
  | { kind: 'shutdown'; release: boolean };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export type Effect =
  /** Persist (cluster_transitions) before running the rest of the batch. */
  | { kind: 'transition'; from: Role; to: Role; reason: string; at: number }
  | { kind: 'send'; msg: PeerMessage }
  /** ip addr add (+ verify); answer with acquire-result. */
  | { kind: 'acquire'; reason: string }
  /** ip addr del; answer with release-result. */
  | { kind: 'release'; reason: string }
  /** A burst of `count` gratuitous ARPs for the resource IP (arping -U -c count). */
  | { kind: 'garp'; count: number; reason: string }
  /** PnP and DHCP run only on the node that holds the resource. */
  | { kind: 'services'; run: boolean }
  /** Check the resource IP is on the interface; answer with resource-check. */
  | { kind: 'check-resource' }
  /** Run one round of the ping group; answer with ping-result. */
  | { kind: 'probe-ping' }
  /** `event` is a stable machine name (also counted in state.counters); `msg` is for people. */
  | { kind: 'log'; level: LogLevel; event: string; msg: string; fields?: Record<string, unknown> }
  | { kind: 'admin-result'; requestId: string; ok: boolean; message: string }
  /** The shutdown finished: the process may exit. */
  | { kind: 'exit' };

export interface StepResult {
  state: CoreState;
  effects: Effect[];
}

/** The timers and identities the core needs (built from HaConfig by coreConfig in config.ts). */
export interface CoreConfig {
  selfSerial: string;
  /** '' when not known yet (learnt at pairing). */
  peerSerial: string;
  /** Serial of the default active node, '' for "the lower serial". */
  defaultActive: string;
  keepaliveMs: number;
  warningMs: number;
  deadMs: number;
  initMs: number;
  waitForPeerAtBoot: boolean;
  /** Size of the ping group; 0 = no ping group (never a reason to act or to refuse acting). */
  pingTotal: number;
  pingIntervalMs: number;
  pingDampenMs: number;
  resourceCheckMs: number;
  resourceTimeoutMs: number;
  handoverTimeoutMs: number;
  garpCount: number;
  garpRepeatMs: number;
  garpRefreshMs: number;
  /** The paths heartbeats use: ['lan'] or ['lan', 'sync']. */
  paths: readonly PathName[];
}

export type PathStatus = 'unknown' | 'up' | 'late' | 'down';
export type PeerLiveness = 'unknown' | 'alive' | 'late' | 'dead' | 'gone';

export interface PathView {
  lastRxAt: number | null;
  status: PathStatus;
}

export interface PeerView {
  /**
   * unknown: never heard since start. alive/late: heard within warningMs / deadMs on some path.
   * dead: every path silent past deadMs. gone: the peer said it stops (shutdown or disable).
   */
  liveness: PeerLiveness;
  lastRxAt: number | null;
  /** The most recent message (its state/holds/ping), null before the first. */
  last: PeerMessage | null;
  generation: number | null;
  paths: Record<PathName, PathView>;
  /** The peer's timer hash differs from ours (alarm raised once per mismatch). */
  timersMismatch: boolean;
}

/** Dampened view of our own ping group (ha.md 4.2: counts only after holding for dampen). */
export interface PingView {
  /** The count decisions use; null before the first result. */
  score: number | null;
  /** score has held for pingDampenMs. */
  stable: boolean;
  /** Latest raw count and since when it has been that value. */
  raw: number | null;
  rawSince: number;
  /** When `score` last changed (for stability). */
  scoreSince: number;
}

/**
 * A handover in progress (ha.md 4.6, Heartbeat's 3-phase standby protocol):
 *   initiator --handover-request--> other --handover-accept--> holder releases --released-->
 *   taker acquires --acquired--> done.
 * `phase` is this node's position in it; `deadline` cancels it (handoverTimeoutMs per phase).
 */
export interface Handover {
  id: number;
  /** giver: we hold and will release; taker: we will acquire. */
  side: 'giver' | 'taker';
  phase: 'requested' | 'accepted' | 'released';
  /** We started it (admin, or the ping rule); null requestId when it was the ping rule. */
  initiator: boolean;
  requestId: string | null;
  deadline: number;
  reason: string;
}

export interface CoreState {
  cfg: CoreConfig;
  generation: number;
  role: Role;
  roleSince: number;
  /** Why we are in this role (also in the transition effect). */
  reason: string;
  /** The resource is (or may be) on this node; false only when we know it is not. */
  holds: boolean;
  /** We hold it by a confirmed forced takeover (tie-break rule 0). Cleared when we release. */
  forced: boolean;
  /** Carrier of the tracked interface. */
  linkUp: boolean;
  /** Why we are in fault: the tracked link, or the resource could not be added. */
  fault: null | 'link' | 'acquire';
  /** The peer has been heard at least once since start (ends the init timeout, Heartbeat initdead). */
  commsUp: boolean;
  peer: PeerView;
  ping: PingView;
  handover: Handover | null;
  /** Where to go once the running release completes. */
  afterRelease: Role;
  /** A graceful stop is under way. */
  stopping: boolean;
  /** Both nodes hold the resource right now (split brain being resolved); logged once per episode. */
  conflict: boolean;
  /**
   * We won the split-brain tie-break and the peer has been active (not releasing) since then.
   * If it keeps holding past 3 keepalives it cannot hear us (a one-way cut): we yield.
   */
  conflictSince: number | null;
  /** The peer (or an admin) asked to disable while we were in flux: disable once we settle. */
  disableRequested: boolean;
  /** The ping rule may not start another handover before this (anti-flap, ha.md 4.4 rule 6). */
  pingHandoverAt: number;
  /** The init timeout has passed (initAt is then cleared, so it is not a deadline any more). */
  initExpired: boolean;
  /** waitForPeerAtBoot: "still waiting" was logged. */
  waitLogged: boolean;
  /** Our last message as sent: our side of the tie-break (the peer decides on the same data). */
  lastSent: PeerMessage | null;
  /**
   * "Nobody holds it and we win the tie-break" must hold, on unchanged data (key), for
   * settleMs (two keepalives) before we acquire: by then the peer has our latest message and
   * decides on the same data, so two nodes never both read a stale view as "I win".
   */
  settle: { key: string; since: number } | null;
  /** A second handshake id never reuses the first (ids are per generation, low bits of a counter). */
  nextMsgId: number;
  timers: {
    heartbeatAt: number;
    pingAt: number | null;
    checkAt: number | null;
    /** init: act alone when reached. */
    initAt: number | null;
    /** acquire/release budget. */
    opAt: number | null;
    garpRepeatAt: number | null;
    garpRefreshAt: number | null;
    faultRetryAt: number | null;
  };
  /** Monotonic event counters (log events and drops), exposed by the status method. */
  counters: Record<string, number>;
}

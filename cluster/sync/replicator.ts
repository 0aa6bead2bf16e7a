// Replication over the cluster link: the coordinator's configuration to the member (versioned
// snapshots, cluster/sync/snapshot.ts) and DHCP leases both ways (cluster/sync/leases.ts).
//
// When things move:
//   - a config change on the coordinator: the control-method guard calls kick(), the push
//     follows at once; the periodic loop (ha.syncIntervalMs) repairs anything missed, comparing
//     content hashes, not just versions;
//   - a committed lease change: queued and sent at once; kept while the peer is unreachable;
//   - every new session: each side sends its whole lease table, the coordinator checks config.
import type { Actor } from '../../agent/audit.ts';
import { ConflictError } from '../../agent/errors.ts';
import type { Logger } from '../../agent/log.ts';
import type { Service } from '../../agent/service.ts';
import type { Db } from '../../agent/store/db.ts';
import type { HaConfig } from '../config-schema.ts';
import { auditOnly, type ClusterLink } from '../pairing/link.ts';
import type { Pairing } from '../pairing/store.ts';
import { LeaseOutbox, mergeLeaseIntoStore, parseLease, storedLeases, type LeaseSource } from './leases.ts';
import { applySnapshot, configState, parseSnapshot, takeSnapshot, type ConfigState } from './snapshot.ts';

const LEASE_BATCH = 500;

export interface ReplicatorOptions {
  db: Db;
  link: ClusterLink;
  ha: () => HaConfig;
  log: Logger;
  leases?: LeaseSource;
  now?: () => number;
}

export interface SyncView {
  role: 'coordinator' | 'member' | 'standalone';
  config: {
    local: ConfigState;
    /** Coordinator: what the member last confirmed. Member: what it last applied. */
    peer: { version: number; hash: string } | null;
    inSync: boolean | null;
    lastSyncAt: string | null;
    lastError: string | null;
  };
  leases: { pending: number; sent: number; received: number; stale: number; malformed: number; lastError: string | null };
}

export interface SyncResult { config: 'pushed' | 'in-sync' | 'not-coordinator'; version: number; hash: string; leasesSent: number }

export interface Replicator extends Service {
  /** Push now (pbxctl ha sync). */
  syncNow(actor?: Actor): Promise<SyncResult>;
  /** The local configuration changed: push soon. */
  kick(): void;
  view(): SyncView;
}

interface PeerRow { applied_version: number; applied_hash: string; peer_version: number; peer_hash: string; last_sync_at: number | null; last_sync_error: string }

export function createReplicator(o: ReplicatorOptions): Replicator {
  const { db, link, log } = o;
  const now = o.now ?? Date.now;
  const outbox = new LeaseOutbox();
  const counters = { sent: 0, received: 0, stale: 0, malformed: 0 };
  let leaseError: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let kickTimer: NodeJS.Timeout | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let unsubscribe: (() => void) | undefined;
  let started = false;

  const peerRow = (): PeerRow => db.prepare('SELECT applied_version, applied_hash, peer_version, peer_hash, last_sync_at, last_sync_error FROM ha_peer WHERE id = 1').get() as PeerRow;
  // Written only when it changes: a peer that is down for hours must not cost a write per tick.
  const setError = (msg: string): void => { db.prepare('UPDATE ha_peer SET last_sync_error = ? WHERE id = 1 AND last_sync_error <> ?').run(msg.slice(0, 1000), msg.slice(0, 1000)); };
  const active = (): boolean => { const ha = o.ha(); return ha.enabled && link.pairing().paired; };
  const isCoordinator = (): boolean => o.ha().coordinator && link.pairing().localRole === 'coordinator';

  // ---- ops the peer calls here ----
  link.registerOp('sync.state', (body) => {
    const local = configState(db);
    // The coordinator tells us what it holds: when we hold the same, we are in sync without a push.
    const theirs = (body as { config?: { version?: unknown; hash?: unknown } } | null)?.config;
    if (!o.ha().coordinator && typeof theirs?.hash === 'string' && theirs.hash === local.hash && typeof theirs.version === 'number' && Number.isSafeInteger(theirs.version)) {
      db.prepare(`UPDATE ha_peer SET applied_version = ?, applied_hash = ?, last_sync_at = ?, last_sync_error = '' WHERE id = 1`).run(theirs.version, theirs.hash, now());
    }
    const r = peerRow();
    return { coordinator: o.ha().coordinator, config: local, applied: { version: r.applied_version, hash: r.applied_hash } };
  });

  link.registerOp('config.push', (body, peer: Pairing) => {
    if (o.ha().coordinator) {
      throw new ConflictError('both nodes are configured as coordinator (ha.coordinator); set it on one node only');
    }
    const snap = parseSnapshot(body);
    if (typeof snap === 'string') {
      counters.malformed++;
      log.warn({ problem: snap }, 'ha sync: malformed configuration snapshot from the peer dropped');
      throw new ConflictError(`malformed snapshot: ${snap}`);
    }
    try {
      const r = applySnapshot(db, snap, { user: 'peer', source: `ha ${peer.peerAddress || '?'}` }, `${peer.peerName || '?'} (serial ${peer.peerSerial})`, now());
      log.info({ version: r.version, rows: r.rows }, 'ha sync: configuration from the coordinator applied');
      return r;
    } catch (e) {
      setError(`applying the coordinator's configuration failed: ${(e as Error).message}`);
      log.error({ err: (e as Error).message, version: snap.version }, 'ha sync: configuration from the coordinator refused');
      throw e;
    }
  });

  link.registerOp('leases.push', (body) => {
    const list = (body as { leases?: unknown })?.leases;
    if (!Array.isArray(list) || list.length > LEASE_BATCH * 2) { counters.malformed++; throw new ConflictError(`leases: must be a list of at most ${LEASE_BATCH * 2}`); }
    let applied = 0;
    let stale = 0;
    let malformed = 0;
    for (const raw of list) {
      const l = parseLease(raw);
      if (typeof l === 'string') { malformed++; continue; }
      const won = o.leases?.running() ? o.leases.applyPeerLease(l) : mergeLeaseIntoStore(db, l);
      if (won) applied++; else stale++;
    }
    counters.received += applied;
    counters.stale += stale;
    counters.malformed += malformed;
    if (malformed > 0) log.warn({ malformed }, 'ha sync: malformed leases from the peer dropped');
    return { applied, stale, malformed };
  });

  // ---- pushing ----
  async function pushConfig(force: boolean): Promise<SyncResult> {
    const local = configState(db);
    if (!isCoordinator()) return { config: 'not-coordinator', version: local.version, hash: local.hash, leasesSent: 0 };
    const st = (await link.request('sync.state', { config: { version: local.version, hash: local.hash } })) as { coordinator?: boolean; config?: { version?: number; hash?: string } };
    if (st?.coordinator) {
      const msg = 'the peer is also configured as coordinator (ha.coordinator); configuration is not replicated until one node is a plain member';
      setError(msg);
      throw new ConflictError(msg);
    }
    let peer = { version: Number(st?.config?.version ?? 0), hash: String(st?.config?.hash ?? '') };
    let result: SyncResult['config'] = 'in-sync';
    if (force || peer.hash !== local.hash) {
      const snap = takeSnapshot(db);
      const r = (await link.request('config.push', snap, 60_000)) as { version: number; hash: string };
      peer = { version: r.version, hash: r.hash };
      result = 'pushed';
      log.info({ version: r.version }, 'ha sync: configuration pushed to the peer');
    }
    db.prepare(`UPDATE ha_peer SET peer_version = ?, peer_hash = ?, last_sync_at = ?, last_sync_error = '' WHERE id = 1`).run(peer.version, peer.hash, now());
    return { config: result, version: local.version, hash: local.hash, leasesSent: 0 };
  }

  async function flushLeases(): Promise<number> {
    let sent = 0;
    while (outbox.size > 0) {
      const batch = outbox.batch(LEASE_BATCH);
      try {
        await link.request('leases.push', { leases: batch }, 30_000);
        leaseError = null;
      } catch (e) {
        leaseError = (e as Error).message;
        throw e;
      }
      outbox.acked(batch);
      sent += batch.length;
      counters.sent += batch.length;
    }
    return sent;
  }

  /** Runs jobs one at a time: a push and a flush never interleave. */
  function serial<T>(job: () => Promise<T>): Promise<T> {
    const p = running.then(job, job);
    running = p.catch(() => {});
    return p;
  }

  const tick = (): void => {
    if (!active()) return;
    void serial(async () => {
      if (isCoordinator()) await pushConfig(false).catch((e) => { setError((e as Error).message); log.debug({ err: (e as Error).message }, 'ha sync: config check failed'); });
      if (outbox.size > 0) await flushLeases().catch((e) => log.debug({ err: (e as Error).message }, 'ha sync: lease push failed'));
    });
  };

  const scheduleFlush = (): void => {
    if (flushTimer || !active()) return;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      void serial(() => flushLeases()).catch(() => {});
    }, 10);
  };

  link.onSession(() => {
    // A new session: the peer may have missed anything. Send the whole lease table (merge is idempotent).
    for (const l of storedLeases(db)) outbox.add(l);
    setImmediate(tick);
  });

  link.onPairingChange((p) => {
    if (p.paired) setImmediate(tick);
  });

  const self: Replicator = {
    name: 'ha-sync',
    async start() {
      started = true;
      if (o.leases) {
        unsubscribe = o.leases.onLeaseChange((c) => {
          if (c.source === 'peer') return;
          outbox.add(c.lease);
          scheduleFlush();
        });
      }
      const every = o.ha().syncIntervalMs;
      timer = setInterval(tick, every);
      timer.unref();
      setImmediate(tick);
    },
    async stop() {
      started = false;
      clearInterval(timer);
      clearTimeout(kickTimer);
      clearTimeout(flushTimer);
      timer = kickTimer = flushTimer = undefined;
      unsubscribe?.();
      await running.catch(() => {});
    },
    status() {
      const v = self.view();
      const summary = v.role === 'standalone' ? 'not replicating (not paired)'
        : `config v${v.config.local.version} ${v.config.inSync === true ? 'in sync' : v.config.inSync === false ? 'NOT in sync' : 'not checked yet'}, ${v.leases.pending} lease(s) pending${v.config.lastError ? `; error: ${v.config.lastError}` : ''}`;
      return { enabled: o.ha().enabled, summary, role: v.role, configVersion: v.config.local.version, peerConfigVersion: v.config.peer?.version ?? null, inSync: v.config.inSync, lastSyncAt: v.config.lastSyncAt, lastError: v.config.lastError, leasesPending: v.leases.pending };
    },
    kick() {
      if (!started || kickTimer) return;
      kickTimer = setTimeout(() => { kickTimer = undefined; tick(); }, 20);
    },
    async syncNow(actor) {
      if (!o.ha().enabled) throw new ConflictError('HA is not enabled on this node (ha.enabled)');
      const p = link.pairing();
      if (!p.paired) throw new ConflictError('this node is not paired; run pbxctl ha pair on the coordinator');
      const r = await serial(async () => {
        for (const l of storedLeases(db)) outbox.add(l);
        const res = await pushConfig(true).catch((e) => { setError((e as Error).message); throw e; });
        res.leasesSent = await flushLeases();
        return res;
      });
      if (actor) {
        auditOnly(db, actor, 'sync', p.peerSerial ?? '', r.config === 'not-coordinator'
          ? `manual sync: ${r.leasesSent} lease(s) sent (configuration comes from the coordinator)`
          : `manual sync: configuration version ${r.version} ${r.config}, ${r.leasesSent} lease(s) sent`);
      }
      return r;
    },
    view() {
      const ha = o.ha();
      const p = link.pairing();
      const local = configState(db);
      const r = peerRow();
      const role: SyncView['role'] = !ha.enabled || !p.paired ? 'standalone' : isCoordinator() ? 'coordinator' : 'member';
      const peer = role === 'coordinator' ? (r.peer_hash ? { version: r.peer_version, hash: r.peer_hash } : null)
        : role === 'member' ? (r.applied_hash ? { version: r.applied_version, hash: r.applied_hash } : null) : null;
      return {
        role,
        config: {
          local, peer, inSync: peer ? peer.hash === local.hash : null,
          lastSyncAt: r.last_sync_at ? new Date(r.last_sync_at).toISOString() : null, lastError: r.last_sync_error || null,
        },
        leases: { pending: outbox.size, ...counters, lastError: leaseError },
      };
    },
  };
  return self;
}

// The cluster link: this node's side of pairing and of the authenticated channel to the peer.
// It owns the host key, the SSH server (while HA is enabled) and one outgoing session to the
// peer (opened on demand, over the sync path first and the LAN path second, reconnected with
// back-off). Replication (cluster/sync) and other HA parts send requests through it and register
// the ops the peer may call here.
import { withAudit, type Actor } from '../../agent/audit.ts';
import { ConflictError, PbxError } from '../../agent/errors.ts';
import type { Logger } from '../../agent/log.ts';
import type { Service } from '../../agent/service.ts';
import { bindError } from '../../agent/service.ts';
import type { Db } from '../../agent/store/db.ts';
import type { HaConfig } from '../config-schema.ts';
import { openClusterSession, pairWith, type ClusterSession, type Endpoint } from './client.ts';
import { hostKeyPath, loadOrCreateHostKey, type HostKey } from './host-key.ts';
import { derivePairingPassword } from './password.ts';
import { createPairingServer, type ClusterOp, type PairingServer } from './server.ts';
import { clearPairing, readPairing, savePairing, type Pairing } from './store.ts';

export interface ClusterLinkOptions {
  ha: () => HaConfig;
  nodeSerial: () => string;
  nodeName: () => string;
  stateDir: string;
  db: Db;
  log: Logger;
  now?: () => number;
  /** The peer's pairing port when it differs from ours (tests only). */
  peerPort?: number;
}

export interface PairingView {
  paired: boolean;
  role: 'coordinator' | 'member' | null;
  localHostKey: string | null;
  peer: { serial: string | null; name: string; address: string; hostKey: string | null } | null;
  pairedAt: string | null;
  session: { state: 'up' | 'down' | 'connecting'; path: string | null; lastError: string | null; since: string | null };
  server: Record<string, unknown> | null;
}

export interface ClusterLink extends Service {
  pair(actor: Actor): Promise<PairingView>;
  unpair(actor: Actor, reason?: string): Promise<{ unpaired: boolean; peerNotified: boolean; peerError: string | null }>;
  /** Sends a request to the peer over the authenticated session (opened if needed). */
  request(op: string, body: unknown, timeoutMs?: number): Promise<unknown>;
  registerOp(name: string, op: ClusterOp): void;
  /** Called with every newly opened session (replication pushes its full state then). */
  onSession(f: () => void): void;
  /** Called after pair and unpair, on either side. */
  onPairingChange(f: (p: Pairing) => void): void;
  pairing(): Pairing;
  view(): PairingView;
  /** Who the coordinator is, for messages (undefined when this node is the coordinator or unpaired). */
  coordinatorName(): { name: string; serial: string | null; address: string } | undefined;
}

const MAX_BACKOFF_MS = 30_000;

export function createClusterLink(o: ClusterLinkOptions): ClusterLink {
  const now = o.now ?? Date.now;
  const log = o.log;
  const ops = new Map<string, ClusterOp>();
  const sessionListeners: (() => void)[] = [];
  const pairingListeners: ((p: Pairing) => void)[] = [];
  let hostKey: HostKey | undefined;
  let server: PairingServer | undefined;
  let session: ClusterSession | undefined;
  let sessionPath: string | null = null;
  let sessionSince: number | null = null;
  let connecting: Promise<ClusterSession> | undefined;
  let lastError: string | null = null;
  let backoffMs = 0;
  let nextAttempt = 0;
  let stopped = false;

  const key = (): HostKey => (hostKey ??= loadOrCreateHostKey(hostKeyPath(o.stateDir), (m) => log.warn(m)));
  const paths = (ha: HaConfig): (Endpoint & { label: string })[] => {
    const port = o.peerPort ?? ha.pairingPort;
    const out: (Endpoint & { label: string })[] = [];
    if (ha.remoteSyncIp) out.push({ label: 'sync', host: ha.remoteSyncIp, port, ...(ha.localSyncIp ? { localAddress: ha.localSyncIp } : {}) });
    if (ha.remoteIp) out.push({ label: 'lan', host: ha.remoteIp, port, ...(ha.localIp ? { localAddress: ha.localIp } : {}) });
    return out;
  };

  const pairingChanged = (): void => {
    const p = readPairing(o.db);
    for (const f of pairingListeners) {
      try { f(p); } catch (e) { log.error({ err: e }, 'ha: pairing listener failed'); }
    }
  };

  const dropSession = (): void => {
    session?.close();
    session = undefined;
    sessionPath = null;
    sessionSince = null;
  };

  // The peer asks us to forget it (its admin ran unpair). Answered before the sessions drop.
  ops.set('unpair', (body) => {
    const reason = typeof (body as { reason?: unknown })?.reason === 'string' ? String((body as { reason: string }).reason).slice(0, 200) : 'unpaired by the peer';
    const p = readPairing(o.db);
    clearPairing(o.db, { user: 'peer', source: `ha ${p.peerAddress || '?'}` }, `the peer unpaired: ${reason}`, now());
    log.warn({ peerSerial: p.peerSerial }, 'ha: the peer unpaired this node; the cluster is degraded, the resource stays where it is');
    setImmediate(() => { dropSession(); server?.dropSessions(); pairingChanged(); });
    return { unpaired: true };
  });
  ops.set('ping', () => ({ serial: o.nodeSerial(), name: o.nodeName(), time: now() }));

  async function connect(): Promise<ClusterSession> {
    const p = readPairing(o.db);
    const ha = o.ha();
    if (!ha.enabled) throw new ConflictError('HA is not enabled on this node (ha.enabled)');
    if (!p.paired || !p.clusterKey || !p.peerHostKey) throw new ConflictError('this node is not paired; run pbxctl ha pair on the coordinator');
    if (now() < nextAttempt) throw new PbxError('PBX_ERR_UNAVAILABLE', `the peer is unreachable (${lastError ?? 'no session'}); next attempt in ${Math.ceil((nextAttempt - now()) / 1000)} s`);
    const errors: string[] = [];
    for (const ep of paths(ha)) {
      try {
        const s = await openClusterSession(ep, { hostKey: key(), peerHostKey: p.peerHostKey, clusterKey: p.clusterKey });
        session = s;
        sessionPath = `${ep.label} ${ep.host}:${ep.port}`;
        sessionSince = now();
        lastError = null;
        backoffMs = 0;
        nextAttempt = 0;
        log.info({ path: sessionPath }, 'ha: cluster session to the peer opened');
        s.onClose((why) => {
          if (session !== s) return;
          log.warn({ path: sessionPath, why }, 'ha: cluster session to the peer closed');
          session = undefined;
          sessionPath = null;
          sessionSince = null;
        });
        for (const f of sessionListeners) {
          try { f(); } catch (e) { log.error({ err: e }, 'ha: session listener failed'); }
        }
        return s;
      } catch (e) {
        errors.push(`${ep.label} ${ep.host}: ${(e as Error).message}`);
        if ((e as PbxError).detail?.code === 'host-key-mismatch') log.error({ peer: ep.host }, (e as Error).message);
      }
    }
    lastError = errors.join('; ') || 'no peer address configured (ha.remoteIp)';
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs ? backoffMs * 2 : 1000);
    nextAttempt = now() + backoffMs;
    throw new PbxError('PBX_ERR_UNAVAILABLE', `cannot open the cluster session to the peer: ${lastError}`);
  }

  async function ensureSession(): Promise<ClusterSession> {
    if (session && !session.closed) return session;
    connecting ??= connect().finally(() => { connecting = undefined; });
    return connecting;
  }

  const view = (): PairingView => {
    const p = readPairing(o.db);
    return {
      paired: p.paired,
      role: p.localRole,
      localHostKey: hostKey?.fingerprint ?? null,
      peer: p.peerSerial !== null ? { serial: p.peerSerial, name: p.peerName, address: p.peerAddress, hostKey: p.peerFingerprint } : null,
      pairedAt: p.pairedAt ? new Date(p.pairedAt).toISOString() : null,
      session: {
        state: session && !session.closed ? 'up' : connecting ? 'connecting' : 'down',
        path: sessionPath, lastError, since: sessionSince ? new Date(sessionSince).toISOString() : null,
      },
      server: server ? { ...server.stats() } : null,
    };
  };

  return {
    name: 'ha-link',
    async start() {
      stopped = false;
      const ha = o.ha();
      // Listening whenever HA is configured, so `pbxctl ha enable` needs no restart; the server
      // itself refuses every connection while HA is not enabled.
      if (ha.localIp === '') return;
      const hosts = [ha.localIp, ...(ha.localSyncIp ? [ha.localSyncIp] : [])].filter((h) => h !== '');
      server = createPairingServer({
        hosts, port: ha.pairingPort, hostKey: key(), db: o.db, log, ops, now,
        attempts: { max: ha.pairingMaxAttempts, windowMs: ha.pairingLockoutMs, lockoutMs: ha.pairingLockoutMs },
        policy: () => {
          const h = o.ha();
          return {
            enabled: h.enabled && !stopped, remoteIp: h.remoteIp, otherPeerIps: h.remoteSyncIp ? [h.remoteSyncIp] : [],
            localSerial: o.nodeSerial(), localName: o.nodeName(), expectedPeerSerial: h.peerSerial, coordinator: h.coordinator,
          };
        },
        onPaired: () => pairingChanged(),
      });
      try {
        await server.start();
      } catch (e) {
        server = undefined;
        throw bindError(e, 'ha.pairingPort', `${hosts.join(' and ')}:${ha.pairingPort}/tcp`);
      }
    },
    async stop() {
      stopped = true;
      dropSession();
      await server?.stop();
      server = undefined;
    },
    status() {
      const v = view();
      const summary = !server ? 'not configured (ha.localIp)' : v.paired
        ? `paired as ${v.role} with ${v.peer?.name || '?'} (serial ${v.peer?.serial ?? '?'}), session ${v.session.state}${v.session.path ? ` via ${v.session.path}` : ''}`
        : v.peer ? 'half-paired (the peer was not told): run pbxctl ha unpair' : 'not paired';
      return { enabled: o.ha().enabled, listening: server ? `${o.ha().localIp}:${o.ha().pairingPort}/tcp` : null, summary, paired: v.paired, role: v.role, peer: v.peer, localHostKey: v.localHostKey, session: v.session.state, sessionPath: v.session.path, lastError: v.session.lastError };
    },

    async pair(actor) {
      const ha = o.ha();
      if (!ha.enabled) throw new ConflictError('HA is not enabled on this node; set ha.enabled (and ha.coordinator on the coordinator) first');
      if (!ha.coordinator) {
        throw new ConflictError('pairing is started on the coordinator; this node is not the coordinator (ha.coordinator is false): run pbxctl ha pair on the other node');
      }
      const p = readPairing(o.db);
      if (p.paired) throw new ConflictError(`already paired with ${p.peerName || '?'} (serial ${p.peerSerial}); run pbxctl ha unpair first to pair again`);
      if (!ha.peerSerial) throw new ConflictError('ha.peerSerial is empty: set it to the peer\'s serial number (the pairing password is derived from it)');
      const serial = o.nodeSerial();
      if (!serial) throw new ConflictError('this node has no serial number; set node.serial');
      const ep: Endpoint = { host: ha.remoteIp, port: o.peerPort ?? ha.pairingPort, ...(ha.localIp ? { localAddress: ha.localIp } : {}) };
      log.info({ peer: ep.host, port: ep.port, peerSerial: ha.peerSerial }, 'ha: pairing with the peer');
      const r = await pairWith(ep, { password: derivePairingPassword(ha.peerSerial), hostKey: key(), serial, name: o.nodeName() });
      try {
        savePairing(o.db, actor, {
          peerSerial: r.peer.serial, peerName: r.peer.name, peerAddress: ha.remoteIp, peerHostKey: r.peerHostKey, clusterKey: r.clusterKey, localRole: 'coordinator',
        }, now());
      } catch (e) {
        // The peer stored the pairing but we could not: tell it to forget, best effort.
        try {
          const s = await openClusterSession(ep, { hostKey: key(), peerHostKey: r.peerHostKey, clusterKey: r.clusterKey });
          await s.request('unpair', { reason: 'the coordinator could not store the pairing' }, 3000).finally(() => s.close());
        } catch { /* the peer must then be unpaired by hand */ }
        throw e;
      }
      lastError = null;
      backoffMs = 0;
      nextAttempt = 0;
      log.info({ peerSerial: r.peer.serial, peerName: r.peer.name }, 'ha: paired with the peer');
      pairingChanged();
      return view();
    },

    async unpair(actor, reason = 'unpaired by an admin') {
      const p = readPairing(o.db);
      if (!p.paired) {
        if (p.peerSerial === null) throw new ConflictError('this node is not paired');
      }
      let peerNotified = false;
      let peerError: string | null = null;
      if (p.paired && o.ha().enabled) {
        try {
          // Bounded: an unreachable peer must not hold the admin's command for two connect timeouts.
          let timer: NodeJS.Timeout | undefined;
          const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('the peer did not answer within 5 s')), 5000); });
          try {
            const s = await Promise.race([ensureSession(), deadline]);
            await Promise.race([s.request('unpair', { reason }, 3000), deadline]);
          } finally { clearTimeout(timer); }
          peerNotified = true;
        } catch (e) {
          peerError = (e as Error).message;
        }
      }
      const unpaired = clearPairing(o.db, actor, peerNotified ? reason : `${reason} (the peer was not told: ${peerError ?? 'HA disabled'}; unpair it there too)`, now());
      if (!peerNotified) log.warn({ peerSerial: p.peerSerial, err: peerError }, 'ha: unpaired without reaching the peer; run pbxctl ha unpair on the peer too');
      dropSession();
      server?.dropSessions();
      pairingChanged();
      return { unpaired, peerNotified, peerError };
    },

    async request(op, body, timeoutMs) {
      const s = await ensureSession();
      return s.request(op, body, timeoutMs);
    },
    registerOp(name, op) { ops.set(name, op); },
    onSession(f) { sessionListeners.push(f); },
    onPairingChange(f) { pairingListeners.push(f); },
    pairing: () => readPairing(o.db),
    view,
    coordinatorName() {
      const ha = o.ha();
      const p = readPairing(o.db);
      if (!ha.enabled || ha.coordinator || !p.paired) return undefined;
      return { name: p.peerName, serial: p.peerSerial, address: p.peerAddress };
    },
  };
}

/** Records an admin action on the link that changes nothing in the store (e.g. a manual sync). */
export function auditOnly(db: Db, actor: Actor, action: string, objectId: string, description: string): void {
  withAudit(db, actor, (audit) => audit({ action, objectType: 'ha-peer', objectId, description }));
}

// The HA SSH server (ssh2): the door the coordinator knocks on to pair, and afterwards the
// authenticated channel that carries replication and cluster requests from the peer.
//
// Who gets in:
//   - only connections from ha.remoteIp, and only while HA is enabled (else closed before the
//     handshake);
//   - password auth (the serial-derived password) only while NOT paired, with an attempt limit
//     and lockout; once paired the password is refused until unpair;
//   - public-key auth only when paired, only with the peer host key pinned at pairing, with the
//     signature checked; the cluster channel then also demands an HMAC challenge with the
//     cluster key, so a stolen host key alone is not enough.
// Every refusal costs a counter and a (throttled) log line naming the address, never a secret.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, AuthenticationType, ClientInfo, Connection, ServerChannel } from 'ssh2';
import type { Db } from '../../agent/store/db.ts';
import type { Logger } from '../../agent/log.ts';
import { isPbxError } from '../../agent/errors.ts';
import { unmapIPv4 } from '../../net/lib/ipv4.ts';
import { AttemptLimiter, type AttemptPolicy } from './attempts.ts';
import { framed, type FramedChannel } from './channel.ts';
import { parsePublicLine, type HostKey } from './host-key.ts';
import {
  CLUSTER_SUBSYSTEM, PAIR_SUBSYSTEM, deriveClusterKey, errorReply, mac, macEquals, parseHello, parsePairCommit, parsePairRequest, parseRequest,
} from './messages.ts';
import { derivePairingPassword, normaliseSerial, passwordMatches } from './password.ts';
import { readPairing, savePairing, type Pairing } from './store.ts';

const { Server, utils } = ssh2;

export const SSH_USER = 'pbx-ha';
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The node's HA settings as the server needs them, read per connection (config can reload). */
export interface PairingPolicy {
  enabled: boolean;
  /** The peer's LAN address (ha.remoteIp): the only one pairing (password auth) is accepted from. */
  remoteIp: string;
  /** Further peer addresses cluster sessions may come from (ha.remoteSyncIp). */
  otherPeerIps: string[];
  /** This node's serial (the password is derived from it) and name, sent to the coordinator. */
  localSerial: string;
  localName: string;
  /** When set, the coordinator's serial must match it. */
  expectedPeerSerial: string;
  /** This node is configured as the coordinator (then it refuses to be paired as a member). */
  coordinator: boolean;
}

export type ClusterOp = (body: unknown, peer: Pairing) => unknown | Promise<unknown>;

export interface PairingServerOptions {
  /** Addresses to listen on: ha.localIp, and ha.localSyncIp when there is a sync path. */
  hosts: string[];
  port: number;
  hostKey: HostKey;
  db: Db;
  log: Logger;
  policy: () => PairingPolicy;
  attempts: AttemptPolicy;
  /** Cluster requests by op name; an unknown op is answered with an error. */
  ops: Map<string, ClusterOp>;
  onPaired?: (p: Pairing) => void;
  now?: () => number;
}

export interface PairingServerStats {
  connections: number;
  refusedAddress: number;
  refusedDisabled: number;
  passwordFailures: number;
  passwordRefusedPaired: number;
  passwordRefusedLocked: number;
  lockouts: number;
  publickeyRefused: number;
  helloFailures: number;
  pairings: number;
  pairingsRefused: number;
  malformed: number;
  requests: number;
  requestErrors: number;
}

export interface PairingServer {
  /** Binds every address; resolves with what was bound (port 0 picks one per address). */
  start(): Promise<{ address: string; port: number }[]>;
  stop(): Promise<void>;
  /** Closes every authenticated cluster session (after unpair). */
  dropSessions(): void;
  stats(): PairingServerStats & { lockedUntil: string | null; sessions: number };
}

type Mode = 'none' | 'pairing' | 'cluster';

export function createPairingServer(o: PairingServerOptions): PairingServer {
  const now = o.now ?? Date.now;
  const log = o.log;
  const limiter = new AttemptLimiter(o.attempts);
  const conns = new Set<Connection>();
  const clusterConns = new Set<Connection>();
  const s: PairingServerStats = {
    connections: 0, refusedAddress: 0, refusedDisabled: 0, passwordFailures: 0, passwordRefusedPaired: 0, passwordRefusedLocked: 0,
    lockouts: 0, publickeyRefused: 0, helloFailures: 0, pairings: 0, pairingsRefused: 0, malformed: 0, requests: 0, requestErrors: 0,
  };
  const lastLog = new Map<string, number>();
  /** One line per reason per 10 s: a flood of refusals must not flood the journal. */
  const warn = (reason: string, fields: Record<string, unknown>, msg: string): void => {
    const t = now();
    if ((lastLog.get(reason) ?? -Infinity) + 10_000 > t) return;
    lastLog.set(reason, t);
    log.warn({ reason, ...fields }, msg);
  };
  let expectedPassword: { serial: string; password: string } | undefined;
  const passwordFor = (serial: string): string => {
    if (expectedPassword?.serial !== serial) expectedPassword = { serial, password: derivePairingPassword(serial) };
    return expectedPassword.password;
  };

  const onConnection = (conn: Connection, info: ClientInfo): void => {
    s.connections++;
    const ip = unmapIPv4(info.ip);
    const policy = o.policy();
    conn.on('error', (e: Error) => log.debug({ peer: ip, err: e.message }, 'ha ssh connection error'));
    if (!policy.enabled) {
      s.refusedDisabled++;
      warn('disabled', { peer: ip }, 'ha pairing: connection refused: HA is not enabled on this node');
      conn.end();
      return;
    }
    if (ip !== policy.remoteIp && !policy.otherPeerIps.includes(ip)) {
      s.refusedAddress++;
      warn('address', { peer: ip, allowed: [policy.remoteIp, ...policy.otherPeerIps] }, `ha pairing: connection from ${ip} refused: only the peer (ha.remoteIp ${policy.remoteIp || '(unset)'}${policy.otherPeerIps.length ? ', ha.remoteSyncIp ' + policy.otherPeerIps.join(', ') : ''}) may connect`);
      conn.end();
      return;
    }
    conns.add(conn);
    const handshake = setTimeout(() => conn.end(), HANDSHAKE_TIMEOUT_MS);
    handshake.unref();
    conn.on('close', () => { clearTimeout(handshake); conns.delete(conn); clusterConns.delete(conn); });
    let mode: Mode = 'none';
    conn.on('authentication', (ctx: AuthContext) => {
      const r = authenticate(ctx, ip, policy);
      if (r === 'pending') return;
      if (r === 'none') return;
      mode = r;
    });
    conn.on('ready', () => {
      clearTimeout(handshake);
      (conn as Connection & { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
      if (mode === 'cluster') clusterConns.add(conn);
      conn.on('session', (accept) => {
        const session = accept();
        session.on('subsystem', (acceptCh, reject, sub) => {
          if (mode === 'pairing' && sub.name === PAIR_SUBSYSTEM) { void pairChannel(framed(acceptCh() as ServerChannel), ip, conn); return; }
          if (mode === 'cluster' && sub.name === CLUSTER_SUBSYSTEM) { void clusterChannel(framed(acceptCh() as ServerChannel), ip, conn); return; }
          s.malformed++;
          warn('subsystem', { peer: ip, subsystem: sub.name.slice(0, 40), mode }, 'ha pairing: subsystem refused');
          reject();
        });
        session.on('exec', (_a, reject) => reject());
        session.on('shell', (_a, reject) => reject());
        session.on('pty', (_a, reject) => reject?.());
      });
      // Nothing but sessions: no port forwarding through a PBX.
      conn.on('tcpip', (_a, reject) => reject());
      conn.on('openssh.streamlocal', (_a, reject) => reject());
      conn.on('request', (_a, reject) => reject?.());
    });
  };
  const servers = o.hosts.map(() => new Server({ hostKeys: [o.hostKey.privateKey], ident: 'pbx-agent-ha', keepaliveInterval: 5000, keepaliveCountMax: 3 }, onConnection));
  // ssh2's Server has no `listening` flag of its own.
  const listening = new Set<InstanceType<typeof Server>>();

  /** 'pairing' | 'cluster' when accepted, 'none' when rejected, 'pending' for a key query. */
  function authenticate(ctx: AuthContext, ip: string, policy: PairingPolicy): Mode | 'pending' {
    const pairing = readPairing(o.db);
    const allowed: AuthenticationType[] = pairing.paired ? ['publickey'] : ['password'];
    if (ctx.username !== SSH_USER) { ctx.reject(allowed); return 'none'; }
    if (ctx.method === 'password') {
      if (ip !== policy.remoteIp) {
        s.passwordFailures++;
        warn('password-address', { peer: ip }, `ha pairing: password refused from ${ip}: pairing is accepted only from ha.remoteIp ${policy.remoteIp}`);
        ctx.reject(allowed);
        return 'none';
      }
      if (pairing.paired) {
        s.passwordRefusedPaired++;
        warn('paired', { peer: ip }, 'ha pairing: password refused: this node is already paired (unpair first to pair again)');
        ctx.reject(allowed);
        return 'none';
      }
      const t = now();
      const until = limiter.locked(t);
      if (until !== undefined) {
        s.passwordRefusedLocked++;
        warn('locked', { peer: ip, lockedUntil: new Date(until).toISOString() }, 'ha pairing: password refused: locked out after too many failures');
        ctx.reject(allowed);
        return 'none';
      }
      let expected: string;
      try { expected = passwordFor(normaliseSerial(policy.localSerial, 'node.serial')); } catch {
        s.passwordFailures++;
        warn('no-serial', { peer: ip }, 'ha pairing: password refused: this node has no serial number (set node.serial)');
        ctx.reject(allowed);
        return 'none';
      }
      if (passwordMatches(ctx.password, expected)) {
        limiter.succeed();
        ctx.accept();
        return 'pairing';
      }
      s.passwordFailures++;
      const locked = limiter.fail(t);
      if (locked !== undefined) {
        s.lockouts++;
        log.warn({ peer: ip, lockedUntil: new Date(locked).toISOString() }, 'ha pairing: too many wrong passwords: pairing locked out');
      } else {
        warn('password', { peer: ip, recentFailures: limiter.recent(t) }, 'ha pairing: wrong pairing password (the coordinator\'s ha.peerSerial must be this node\'s serial)');
      }
      ctx.reject(allowed);
      return 'none';
    }
    if (ctx.method === 'publickey') {
      const pinned = pairing.paired && pairing.peerHostKey ? parsePublicLine(pairing.peerHostKey) : undefined;
      if (!pinned || !ctx.key.data.equals(pinned.blob)) {
        s.publickeyRefused++;
        warn('publickey', { peer: ip }, pairing.paired ? 'ha: public key refused: not the host key pinned at pairing' : 'ha: public key refused: not paired');
        ctx.reject(allowed);
        return 'none';
      }
      if (!ctx.signature || !ctx.blob) { ctx.accept(); return 'pending'; }
      const key = utils.parseKey(pairing.peerHostKey!);
      if (key instanceof Error || !key.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) {
        s.publickeyRefused++;
        warn('signature', { peer: ip }, 'ha: public key signature invalid');
        ctx.reject(allowed);
        return 'none';
      }
      ctx.accept();
      return 'cluster';
    }
    ctx.reject(allowed);
    return 'none';
  }

  async function pairChannel(ch: FramedChannel, ip: string, conn: Connection): Promise<void> {
    const refuse = (code: string, message: string): void => {
      s.pairingsRefused++;
      log.warn({ peer: ip, code }, `ha pairing refused: ${message}`);
      ch.send(errorReply(code, message));
      ch.close();
      conn.end();
    };
    try {
      const req = parsePairRequest(await ch.next(HANDSHAKE_TIMEOUT_MS));
      if (typeof req === 'string') { s.malformed++; refuse('PBX_ERR_PROTOCOL', `bad pair request: ${req}`); return; }
      const policy = o.policy();
      if (!policy.enabled) { refuse('PBX_ERR_CONFLICT', 'HA is not enabled on the peer'); return; }
      if (policy.coordinator) { refuse('PBX_ERR_CONFLICT', 'the peer is itself configured as the coordinator; enable HA on it as a plain member (not coordinator)'); return; }
      if (readPairing(o.db).paired) { refuse('PBX_ERR_CONFLICT', 'the peer is already paired; run pbxctl ha unpair on it first'); return; }
      if (policy.expectedPeerSerial && normaliseSerial(policy.expectedPeerSerial) !== normaliseSerial(req.serial)) {
        refuse('PBX_ERR_CONFLICT', `the peer expects a coordinator with serial ${policy.expectedPeerSerial}, not ${req.serial} (its ha.peerSerial)`);
        return;
      }
      const theirs = parsePublicLine(req.hostKey);
      if (!theirs) { s.malformed++; refuse('PBX_ERR_PROTOCOL', 'hostKey: not an SSH public key'); return; }
      const nonce = randomBytes(32).toString('base64');
      const key = deriveClusterKey(req.nonce, nonce, theirs.blob, o.hostKey.publicBlob);
      ch.send({ ok: true, serial: policy.localSerial, name: policy.localName, hostKey: o.hostKey.publicLine, nonce });
      const commit = parsePairCommit(await ch.next(HANDSHAKE_TIMEOUT_MS));
      if (typeof commit === 'string') { s.malformed++; refuse('PBX_ERR_PROTOCOL', `bad commit: ${commit}`); return; }
      if (!macEquals(commit.proof, mac(key, 'commit/coordinator'))) { refuse('PBX_ERR_PROTOCOL', 'key confirmation failed'); return; }
      savePairing(o.db, { user: 'peer', source: `ha ${ip}` }, {
        peerSerial: req.serial, peerName: req.name, peerAddress: ip, peerHostKey: req.hostKey, clusterKey: key, localRole: 'member',
      }, now());
      s.pairings++;
      log.info({ peer: ip, peerSerial: req.serial, peerName: req.name }, 'ha: paired with the coordinator');
      ch.send({ ok: true, proof: mac(key, 'commit/member') });
      o.onPaired?.(readPairing(o.db));
      setTimeout(() => conn.end(), 200).unref();
    } catch (e) {
      if (ch.closed) { log.warn({ peer: ip, err: (e as Error).message }, 'ha pairing: coordinator went away mid-pairing'); return; }
      refuse('PBX_ERR_INTERNAL', `pairing failed on the peer: ${(e as Error).message}`);
    }
  }

  async function clusterChannel(ch: FramedChannel, ip: string, conn: Connection): Promise<void> {
    const pairing = readPairing(o.db);
    if (!pairing.paired || !pairing.clusterKey) { ch.close(); conn.end(); return; }
    const key = pairing.clusterKey;
    const nonce = randomBytes(32);
    ch.send({ op: 'challenge', nonce: nonce.toString('base64') });
    let hello;
    try { hello = parseHello(await ch.next(HANDSHAKE_TIMEOUT_MS)); } catch { conn.end(); return; }
    if (typeof hello === 'string' || !macEquals(hello.mac, mac(key, 'hello/client', nonce))) {
      s.helloFailures++;
      warn('hello', { peer: ip }, 'ha: cluster channel refused: the peer does not hold our cluster key (pair again)');
      ch.send(errorReply('PBX_ERR_PERMISSION', 'cluster key challenge failed'));
      ch.close();
      conn.end();
      return;
    }
    ch.send({ ok: true, mac: mac(key, 'hello/server', Buffer.from(hello.nonce, 'base64')) });
    // Requests are answered in order, one at a time: replication applies are serial by design.
    let chain = Promise.resolve();
    ch.onFrame((v) => {
      chain = chain.then(async () => {
        const req = parseRequest(v);
        if (typeof req === 'string') {
          s.malformed++;
          warn('request', { peer: ip, problem: req }, 'ha: malformed cluster request dropped');
          return;
        }
        s.requests++;
        const op = o.ops.get(req.op);
        if (!op) { ch.send({ id: req.id, ...errorReply('PBX_ERR_INVALID_ARGUMENT', `unknown cluster op '${req.op}' (peer runs another pbx-agent version?)`) }); return; }
        try {
          const current = readPairing(o.db);
          if (!current.paired) { ch.send({ id: req.id, ...errorReply('PBX_ERR_CONFLICT', 'not paired any more') }); ch.close(); conn.end(); return; }
          const result = await op(req.body, current);
          ch.send({ id: req.id, ok: true, result: result ?? null });
        } catch (e) {
          s.requestErrors++;
          if (!isPbxError(e)) log.error({ peer: ip, op: req.op, err: e }, 'ha: cluster request failed');
          ch.send({ id: req.id, ...errorReply(isPbxError(e) ? e.code : 'PBX_ERR_INTERNAL', (e as Error).message) });
        }
      });
    });
  }

  return {
    async start() {
      const bound: { address: string; port: number }[] = [];
      for (const [i, server] of servers.entries()) {
        bound.push(await new Promise<{ address: string; port: number }>((resolve, reject) => {
          server.once('error', reject);
          server.listen(o.port, o.hosts[i], () => {
            server.off('error', reject);
            listening.add(server);
            const a = server.address() as AddressInfo;
            log.info({ address: a.address, port: a.port, hostKey: o.hostKey.fingerprint }, 'ha: pairing/cluster ssh server listening');
            resolve({ address: a.address, port: a.port });
          });
        }).catch(async (e: unknown) => { for (const s2 of listening) s2.close(); listening.clear(); throw e; }));
      }
      return bound;
    },
    async stop() {
      for (const c of conns) c.end();
      const open = [...listening];
      listening.clear();
      await Promise.all(open.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
    dropSessions() {
      for (const c of clusterConns) c.end();
      clusterConns.clear();
    },
    stats() {
      const until = limiter.locked(now());
      return { ...s, lockedUntil: until ? new Date(until).toISOString() : null, sessions: clusterConns.size };
    },
  };
}

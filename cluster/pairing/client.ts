// The client side of the HA SSH channels.
//   pairWith(): the coordinator's one-shot pairing session (password auth, trust on first use of
//     the peer's host key, which must then be the key the peer names in its reply).
//   openClusterSession(): a later session (public-key auth with our host key; the peer's host key
//     must equal the pinned one; then the cluster-key challenge both ways).
import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import type { PasswordAuthMethod, PublicKeyAuthMethod } from 'ssh2';
import { PbxError } from '../../agent/errors.ts';
import { framed, type FramedChannel } from './channel.ts';
import { parsePublicLine, type HostKey } from './host-key.ts';
import {
  CLUSTER_SUBSYSTEM, PAIR_SUBSYSTEM, PROTOCOL_VERSION, deriveClusterKey, mac, macEquals, parseChallenge, parseIdentityReply, parseMacReply,
  parseProofReply, parseResponse, type Identity, type Reply,
} from './messages.ts';
import { SSH_USER } from './server.ts';

const { Client } = ssh2;

export interface Endpoint {
  host: string;
  port: number;
  /** Bind the client to this address (the peer only accepts its ha.remoteIp). */
  localAddress?: string;
  timeoutMs?: number;
}

export interface PairResult {
  peer: Identity;
  /** The peer's key as seen in the SSH handshake (== peer.hostKey). */
  peerHostKey: string;
  clusterKey: Buffer;
}

/** A failure the admin can act on: the message says what to check. */
export class PairingError extends PbxError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super('PBX_ERR_UNAVAILABLE', message, detail);
    this.name = 'PairingError';
  }
}

interface Connected { client: InstanceType<typeof Client>; ch: FramedChannel; presentedKey: Buffer }

function connect(ep: Endpoint, auth: { password: string } | { privateKey: string }, subsystem: string, checkHostKey: (blob: Buffer) => boolean): Promise<Connected> {
  const timeout = ep.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const client = new Client();
    let presentedKey: Buffer | undefined;
    let hostKeyRejected = false;
    let done = false;
    const finish = (e: Error | undefined, v?: Connected): void => {
      if (done) return;
      done = true;
      if (e) { client.end(); reject(e); } else resolve(v!);
    };
    client.on('ready', () => {
      // Small request/reply messages: Nagle plus delayed ACKs would add ~40 ms to each.
      client.setNoDelay(true);
      client.subsys(subsystem, (err, stream) => {
        if (err) { finish(new PairingError(`the peer at ${ep.host}:${ep.port} refused the ${subsystem} channel: ${err.message}`)); return; }
        finish(undefined, { client, ch: framed(stream), presentedKey: presentedKey! });
      });
    });
    client.on('error', (e: Error & { level?: string }) => {
      if (hostKeyRejected) {
        finish(new PairingError(`host key mismatch: the peer at ${ep.host}:${ep.port} presented a host key that is not the one pinned at pairing; if the peer was reinstalled, unpair and pair again, else someone may be impersonating it`, { code: 'host-key-mismatch' }));
      } else if (e.level === 'client-authentication') {
        finish(new PairingError('password' in auth
          ? `the peer at ${ep.host}:${ep.port} refused the pairing password: check ha.peerSerial is the peer's serial number; the peer also refuses passwords once it is paired (unpair it first) and for a while after too many wrong ones (see its log)`
          : `the peer at ${ep.host}:${ep.port} refused this node's host key: it is not paired with this node any more (pair again)`, { code: 'auth-failed' }));
      } else if (e.level === 'client-timeout') {
        finish(new PairingError(`no SSH handshake with the peer at ${ep.host}:${ep.port} within ${timeout} ms`, { code: 'timeout' }));
      } else {
        finish(new PairingError(`cannot reach the peer's HA ssh server at ${ep.host}:${ep.port}: ${e.message}. The peer accepts connections only while HA is enabled there and only from its ha.remoteIp (this node must connect from ${ep.localAddress ?? 'its ha.localIp'})`, { code: 'unreachable' }));
      }
    });
    client.on('close', () => finish(new PairingError(`the peer at ${ep.host}:${ep.port} closed the connection before the SSH handshake: it accepts connections only while HA is enabled there and only from its ha.remoteIp (this node connects from ${ep.localAddress ?? 'its default address'})`, { code: 'closed' })));
    const authMethod: PasswordAuthMethod | PublicKeyAuthMethod = 'password' in auth
      ? { type: 'password', username: SSH_USER, password: auth.password }
      : { type: 'publickey', username: SSH_USER, key: auth.privateKey };
    client.connect({
      host: ep.host, port: ep.port, username: SSH_USER, readyTimeout: timeout,
      // A peer that froze or vanished without a FIN is noticed within ~15 s, not at the next request.
      keepaliveInterval: 5000, keepaliveCountMax: 3,
      ...(ep.localAddress ? { localAddress: ep.localAddress } : {}),
      authHandler: [authMethod],
      hostVerifier: (blob: Buffer) => {
        presentedKey = Buffer.from(blob);
        const ok = checkHostKey(presentedKey);
        if (!ok) hostKeyRejected = true;
        return ok;
      },
    });
  });
}

function unwrap<T>(r: Reply<T> | string, what: string): T {
  if (typeof r === 'string') throw new PairingError(`the peer sent a malformed ${what}: ${r}`);
  if (!r.ok) throw new PbxError(r.error.code.startsWith('PBX_ERR_') ? r.error.code as 'PBX_ERR_CONFLICT' : 'PBX_ERR_UNAVAILABLE', `the peer refused: ${r.error.message}`);
  return r.value;
}

/**
 * Pairs with the peer. `persist` runs after the peer has stored the pairing and proved it holds
 * the same key; if it throws, the error propagates (the peer is then paired alone: unpair it).
 */
export async function pairWith(ep: Endpoint, o: { password: string; hostKey: HostKey; serial: string; name: string }): Promise<PairResult> {
  const timeout = ep.timeoutMs ?? 10_000;
  // Trust on first use: any key is accepted here, then it must match what the peer claims.
  const { client, ch, presentedKey } = await connect(ep, { password: o.password }, PAIR_SUBSYSTEM, () => true);
  try {
    const nonce = randomBytes(32).toString('base64');
    ch.send({ op: 'pair', v: PROTOCOL_VERSION, serial: o.serial, name: o.name, hostKey: o.hostKey.publicLine, nonce });
    const peer = unwrap(parseIdentityReply(await ch.next(timeout)), 'pair reply');
    const claimed = parsePublicLine(peer.hostKey);
    if (!claimed || !claimed.blob.equals(presentedKey)) {
      throw new PairingError('the peer named a host key other than the one it presented in the SSH handshake; pairing aborted', { code: 'host-key-mismatch' });
    }
    const clusterKey = deriveClusterKey(nonce, peer.nonce, o.hostKey.publicBlob, presentedKey);
    ch.send({ op: 'commit', proof: mac(clusterKey, 'commit/coordinator') });
    const proof = unwrap(parseProofReply(await ch.next(timeout)), 'commit reply');
    if (!macEquals(proof, mac(clusterKey, 'commit/member'))) throw new PairingError('the peer could not prove it holds the new cluster key; unpair it and pair again');
    return { peer, peerHostKey: peer.hostKey, clusterKey };
  } catch (e) {
    if (e instanceof PbxError) throw e;
    throw new PairingError(`pairing with ${ep.host}:${ep.port} failed: ${(e as Error).message}`);
  } finally {
    ch.close();
    client.end();
  }
}

export interface ClusterSession {
  request(op: string, body: unknown, timeoutMs?: number): Promise<unknown>;
  onClose(f: (why: string) => void): void;
  close(): void;
  readonly closed: boolean;
}

/** Opens an authenticated cluster session to the paired peer. */
export async function openClusterSession(ep: Endpoint, o: { hostKey: HostKey; peerHostKey: string; clusterKey: Buffer }): Promise<ClusterSession> {
  const timeout = ep.timeoutMs ?? 10_000;
  const pinned = parsePublicLine(o.peerHostKey);
  if (!pinned) throw new PairingError('the pinned peer host key is unreadable; unpair and pair again');
  const { client, ch } = await connect(ep, { privateKey: o.hostKey.privateKey }, CLUSTER_SUBSYSTEM, (blob) => blob.equals(pinned.blob));
  try {
    const challenge = parseChallenge(await ch.next(timeout));
    if (typeof challenge === 'string') throw new PairingError(`the peer sent a malformed challenge: ${challenge}`);
    const nonce = randomBytes(32);
    ch.send({ op: 'hello', mac: mac(o.clusterKey, 'hello/client', Buffer.from(challenge.nonce, 'base64')), nonce: nonce.toString('base64') });
    const theirs = unwrap(parseMacReply(await ch.next(timeout)), 'hello reply');
    if (!macEquals(theirs, mac(o.clusterKey, 'hello/server', nonce))) throw new PairingError('the peer does not hold our cluster key; unpair and pair again');
  } catch (e) {
    ch.close();
    client.end();
    if (e instanceof PbxError) throw e;
    throw new PairingError(`cluster session with ${ep.host}:${ep.port} failed: ${(e as Error).message}`);
  }

  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  ch.onFrame((v) => {
    const r = parseResponse(v);
    if (typeof r === 'string') return;
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    clearTimeout(p.timer);
    if (r.reply.ok) p.resolve(r.reply.value);
    else p.reject(new PbxError(r.reply.error.code.startsWith('PBX_ERR_') ? r.reply.error.code as 'PBX_ERR_CONFLICT' : 'PBX_ERR_UNAVAILABLE', `peer: ${r.reply.error.message}`));
  });
  ch.onClose((why) => {
    for (const p of pending.values()) { clearTimeout(p.timer); p.reject(new PairingError(`the cluster session with the peer closed: ${why}`)); }
    pending.clear();
    client.end();
  });
  return {
    request(op, body, timeoutMs = timeout) {
      if (ch.closed) return Promise.reject(new PairingError('the cluster session with the peer is closed'));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        // No answer in time: the session is presumed dead and closed, so the next request reconnects.
        const timer = setTimeout(() => { pending.delete(id); reject(new PairingError(`the peer did not answer '${op}' within ${timeoutMs} ms`)); ch.close(); }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        ch.send({ id, op, body });
      });
    },
    onClose: (f) => ch.onClose(f),
    close: () => { ch.close(); client.end(); },
    get closed() { return ch.closed; },
  };
}

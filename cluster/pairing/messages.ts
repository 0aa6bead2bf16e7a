// The small JSON protocol spoken over the HA SSH channels, and its validators. Every message
// from the network goes through a parse* function here before anything reads it: a wrong shape
// is a string naming the field (logged once and counted by the caller), never an exception.
//
// Pairing channel (subsystem "pbx-pair", after password auth; coordinator = client):
//   C->S {op:'pair', v:1, serial, name, hostKey, nonce}      coordinator's identity + 32 random bytes
//   S->C {ok:true, serial, name, hostKey, nonce}              peer's identity + 32 random bytes
//   C->S {op:'commit', proof}                                 HMAC(clusterKey, 'commit/coordinator')
//   S->C {ok:true, proof}                                     HMAC(clusterKey, 'commit/member'), after it stored the pairing
// clusterKey = SHA-256(PAIR_KEY_LABEL || coordinatorNonce || memberNonce || coordinatorHostKeyBlob || memberHostKeyBlob):
// both sides contribute randomness, and the key is bound to the two host keys that were pinned.
//
// Cluster channel (subsystem "pbx-cluster", after public-key auth with the pinned key):
//   S->C {op:'challenge', nonce}
//   C->S {op:'hello', mac: HMAC(clusterKey, 'hello/client' || serverNonce), nonce}
//   S->C {ok:true, mac: HMAC(clusterKey, 'hello/server' || clientNonce)}
//   then requests C->S {id, op, body} answered by S->C {id, ok:true, result} | {id, ok:false, error}
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const PROTOCOL_VERSION = 1;
export const PAIR_SUBSYSTEM = 'pbx-pair';
export const CLUSTER_SUBSYSTEM = 'pbx-cluster';
export const PAIR_KEY_LABEL = 'pbx-agent/cluster-key/v1';

export interface WireError { code: string; message: string }

export interface Identity { serial: string; name: string; hostKey: string; nonce: string }
export interface PairRequest extends Identity { op: 'pair'; v: number }
export interface PairCommit { op: 'commit'; proof: string }
export interface Hello { op: 'hello'; mac: string; nonce: string }
export interface Request { id: number; op: string; body: unknown }
export type Reply<T> = { ok: true; value: T } | { ok: false; error: WireError };

export type Obj = Record<string, unknown>;
/** A JSON object (not null, not an array): the first check of every validator of peer input. */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Obj, k: string, max: number): string | undefined {
  const v = o[k];
  return typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;
}

/** base64 of exactly `bytes` bytes. */
function b64(o: Obj, k: string, bytes: number): string | undefined {
  const v = str(o, k, 4 * Math.ceil(bytes / 3));
  if (v === undefined || !/^[A-Za-z0-9+/]+=*$/.test(v)) return undefined;
  return Buffer.from(v, 'base64').length === bytes ? v : undefined;
}

function identity(o: Obj): Identity | string {
  const serial = str(o, 'serial', 128);
  if (!serial) return 'serial: missing or longer than 128 characters';
  const name = typeof o.name === 'string' && o.name.length <= 255 ? o.name : undefined;
  if (name === undefined) return 'name: missing or longer than 255 characters';
  const hostKey = str(o, 'hostKey', 16_384);
  if (!hostKey) return 'hostKey: missing';
  const nonce = b64(o, 'nonce', 32);
  if (!nonce) return 'nonce: must be 32 bytes in base64';
  return { serial, name, hostKey, nonce };
}

export function parsePairRequest(v: unknown): PairRequest | string {
  if (!isObj(v) || v.op !== 'pair') return "expected {op:'pair'}";
  if (v.v !== PROTOCOL_VERSION) return `v: protocol version ${JSON.stringify(v.v)} is not ${PROTOCOL_VERSION} (both nodes must run the same pbx-agent version)`;
  const id = identity(v);
  return typeof id === 'string' ? id : { op: 'pair', v: PROTOCOL_VERSION, ...id };
}

export function parsePairCommit(v: unknown): PairCommit | string {
  if (!isObj(v) || v.op !== 'commit') return "expected {op:'commit'}";
  const proof = b64(v, 'proof', 32);
  return proof ? { op: 'commit', proof } : 'proof: must be 32 bytes in base64';
}

export function parseHello(v: unknown): Hello | string {
  if (!isObj(v) || v.op !== 'hello') return "expected {op:'hello'}";
  const mac = b64(v, 'mac', 32);
  const nonce = b64(v, 'nonce', 32);
  if (!mac) return 'mac: must be 32 bytes in base64';
  if (!nonce) return 'nonce: must be 32 bytes in base64';
  return { op: 'hello', mac, nonce };
}

export function parseChallenge(v: unknown): { nonce: string } | string {
  if (!isObj(v) || v.op !== 'challenge') return "expected {op:'challenge'}";
  const nonce = b64(v, 'nonce', 32);
  return nonce ? { nonce } : 'nonce: must be 32 bytes in base64';
}

export function parseRequest(v: unknown): Request | string {
  if (!isObj(v)) return 'request: not an object';
  if (typeof v.id !== 'number' || !Number.isSafeInteger(v.id) || v.id < 0) return 'id: must be a whole number';
  const op = str(v, 'op', 64);
  if (!op || !/^[a-z][a-z0-9.-]*$/.test(op)) return 'op: must be a short lowercase name';
  return { id: v.id, op, body: v.body ?? null };
}

/** A reply {ok:true, ...rest} or {ok:false, error}; `pick` validates the success part. */
export function parseReply<T>(v: unknown, pick: (o: Obj) => { v: T } | string): Reply<T> | string {
  if (!isObj(v) || typeof v.ok !== 'boolean') return 'reply: expected {ok: true|false}';
  if (!v.ok) {
    const e = isObj(v.error) ? v.error : {};
    return { ok: false, error: { code: typeof e.code === 'string' ? e.code.slice(0, 64) : 'PBX_ERR_PROTOCOL', message: typeof e.message === 'string' ? e.message.slice(0, 2000) : 'peer refused without a reason' } };
  }
  const picked = pick(v);
  return typeof picked === 'string' ? picked : { ok: true, value: picked.v };
}

export function parseIdentityReply(v: unknown): Reply<Identity> | string {
  return parseReply(v, (o) => { const id = identity(o); return typeof id === 'string' ? id : { v: id }; });
}

export function parseProofReply(v: unknown): Reply<string> | string {
  return parseReply(v, (o) => { const p = b64(o, 'proof', 32); return p ? { v: p } : 'proof: must be 32 bytes in base64'; });
}

export function parseMacReply(v: unknown): Reply<string> | string {
  return parseReply(v, (o) => { const m = b64(o, 'mac', 32); return m ? { v: m } : 'mac: must be 32 bytes in base64'; });
}

export function parseResponse(v: unknown): { id: number; reply: Reply<unknown> } | string {
  if (!isObj(v) || typeof v.id !== 'number') return 'response: expected {id, ok}';
  const r = parseReply(v, (o) => ({ v: o.result ?? null }));
  return typeof r === 'string' ? r : { id: v.id, reply: r };
}

export function deriveClusterKey(coordNonce: string, memberNonce: string, coordKey: Buffer, memberKey: Buffer): Buffer {
  return createHash('sha256').update(PAIR_KEY_LABEL).update(Buffer.from(coordNonce, 'base64')).update(Buffer.from(memberNonce, 'base64'))
    .update(coordKey).update(memberKey).digest();
}

export function mac(key: Buffer, label: string, data: Buffer | string = ''): string {
  return createHmac('sha256', key).update(label).update(data).digest('base64');
}

export function macEquals(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export const errorReply = (code: string, message: string): { ok: false; error: WireError } => ({ ok: false, error: { code, message } });

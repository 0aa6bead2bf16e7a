// HA pairing and replication wire input (cluster/pairing/frames.ts, messages.ts; cluster/sync
// snapshot.ts, leases.ts): the frame decoder (whole and chunked), every message validator, the
// snapshot and lease validators, and applying whatever snapshot validates to a real store.
// Properties: no exception escapes a decoder or validator; frames round-trip; a validated
// snapshot either applies (and then the store hashes to the snapshot's hash) or is refused with
// a PbxError, never anything else; a validated lease merges into the store.
import assert from 'node:assert/strict';
import { PbxError } from '../../../agent/errors.ts';
import { openDatabase } from '../../../agent/store/db.ts';
import { decodeFrame, encodeFrame, encodingLength, FrameDecoder } from '../../../cluster/pairing/frames.ts';
import {
  parseChallenge, parseHello, parseIdentityReply, parseMacReply, parsePairCommit, parsePairRequest, parseProofReply, parseRequest, parseResponse,
} from '../../../cluster/pairing/messages.ts';
import { mergeLeaseIntoStore, parseLease } from '../../../cluster/sync/leases.ts';
import { applySnapshot, configState, parseSnapshot, takeSnapshot } from '../../../cluster/sync/snapshot.ts';
import type { FuzzTarget } from '../target.ts';

const source = openDatabase(':memory:');
source.prepare("INSERT INTO settings (key, value) VALUES ('a', '1')").run();
const snap = takeSnapshot(source);
const target_db = openDatabase(':memory:');
const MAX = 1 << 20;
const b64 = (n: number, fill = 1): string => Buffer.alloc(n, fill).toString('base64');

const messages: unknown[] = [
  { op: 'pair', v: 1, serial: 'SN-A', name: 'a', hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBy5', nonce: b64(32) },
  { ok: true, serial: 'SN-B', name: 'b', hostKey: 'ssh-ed25519 AAAA', nonce: b64(32) },
  { op: 'commit', proof: b64(32) }, { ok: true, proof: b64(32) }, { op: 'challenge', nonce: b64(32) },
  { op: 'hello', mac: b64(32), nonce: b64(32, 2) }, { ok: true, mac: b64(32) }, { ok: false, error: { code: 'PBX_ERR_CONFLICT', message: 'no' } },
  { id: 1, op: 'leases.push', body: { leases: [{ ip: '10.0.0.5', mac: '001565aabbcc', clientId: null, hostname: 'p', vendorClass: null, state: 'bound', startsAt: 1, expiresAt: 2, updatedAt: 1, version: 1 }] } },
  { id: 2, ok: true, result: { version: 3, hash: 'ab' } },
  snap,
];
const seeds = messages.map((m) => encodeFrame(m));
const dictionary = ['"op"', '"pair"', '"commit"', '"hello"', '"ok"', 'true', 'false', 'null', '"b64"', '"tables"', '"rows"', '"columns"', '"version"',
  '"hash"', '"format"', '"schemaVersion"', '"leases"', '"state"', '"bound"', '{', '}', '[', ']', ',', ':', '0', '-1', '1e309', '"\\u0000"']
  .map((s) => Buffer.from(s));

export const target: FuzzTarget = {
  name: 'ha-sync',
  seeds,
  dictionary,
  maxLength: 8192,
  run(input) {
    // Chunked decoding agrees with one-shot decoding.
    const dec = new FrameDecoder(MAX);
    const chunked = [...dec.push(input.subarray(0, input.length >> 1)), ...dec.push(input.subarray(input.length >> 1))];
    const one = decodeFrame(input, 0, MAX);
    if (one.ok === true) {
      assert.deepEqual(chunked[0], one.value);
      const again = encodeFrame(one.value);
      assert.equal(again.length, encodingLength(one.value));
      const back = decodeFrame(again);
      assert.ok(back.ok === true);
      assert.deepEqual(back.value, one.value);
    }
    let accepted = false;
    for (const v of [...chunked, ...(one.ok === true ? [one.value] : [])]) {
      for (const p of [parsePairRequest, parsePairCommit, parseHello, parseChallenge, parseRequest, parseIdentityReply, parseProofReply, parseMacReply, parseResponse]) {
        if (typeof p(v) !== 'string') accepted = true;
      }
      const l = parseLease(v);
      if (typeof l !== 'string') { accepted = true; mergeLeaseIntoStore(target_db, l); }
      const body = (v as { body?: { leases?: unknown } } | null)?.body?.leases;
      if (Array.isArray(body)) for (const x of body) { const y = parseLease(x); if (typeof y !== 'string') mergeLeaseIntoStore(target_db, y); }
      const s = parseSnapshot(v);
      if (typeof s !== 'string') {
        accepted = true;
        try {
          const r = applySnapshot(target_db, s, { user: 'fuzz', source: 'fuzz' }, 'fuzz', 0);
          assert.equal(configState(target_db).hash, r.hash);
        } catch (e) {
          if (!(e instanceof PbxError)) throw e;
        }
      }
    }
    return accepted;
  },
};

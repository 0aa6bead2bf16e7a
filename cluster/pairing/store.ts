// Durable pairing facts. cluster_state (003) holds what the heartbeat runtime also reads
// (paired, peer_serial, peer_host_key, cluster_key); ha_peer (006) the rest. Writes go through
// withAudit: pairing and unpairing are admin changes (on the member, the actor is the peer).
import { withAudit, type Actor } from '../../agent/audit.ts';
import type { Db } from '../../agent/store/db.ts';
import { fingerprint } from './host-key.ts';

export type LocalRole = 'coordinator' | 'member';

export interface Pairing {
  paired: boolean;
  peerSerial: string | null;
  peerName: string;
  peerAddress: string;
  /** The peer's public key line ("ssh-ed25519 AAAA..."), pinned at pairing. */
  peerHostKey: string | null;
  peerFingerprint: string | null;
  /** 32 bytes; never logged or shown. */
  clusterKey: Buffer | null;
  localRole: LocalRole | null;
  pairedAt: number | null;
}

interface Row {
  paired: number; peer_serial: string | null; peer_host_key: string | null; cluster_key: Buffer | null;
  peer_name: string; peer_address: string; local_role: string; paired_at: number | null;
}

/** The OpenSSH fingerprint of a stored public key line ("ssh-ed25519 AAAA..."). */
function lineFingerprint(line: string): string {
  return fingerprint(Buffer.from(line.split(' ')[1] ?? '', 'base64'));
}

export function readPairing(db: Db): Pairing {
  const r = db.prepare(`SELECT c.paired, c.peer_serial, c.peer_host_key, c.cluster_key, p.peer_name, p.peer_address, p.local_role, p.paired_at
    FROM cluster_state c, ha_peer p WHERE c.id = 1 AND p.id = 1`).get() as Row;
  const paired = r.paired === 1 && r.cluster_key !== null && r.peer_host_key !== null;
  return {
    paired,
    peerSerial: r.peer_serial,
    peerName: r.peer_name,
    peerAddress: r.peer_address,
    peerHostKey: r.peer_host_key,
    peerFingerprint: r.peer_host_key ? lineFingerprint(r.peer_host_key) : null,
    clusterKey: paired ? r.cluster_key : null,
    localRole: r.local_role === 'coordinator' || r.local_role === 'member' ? r.local_role : null,
    pairedAt: r.paired_at,
  };
}

export interface NewPairing {
  peerSerial: string; peerName: string; peerAddress: string; peerHostKey: string; clusterKey: Buffer; localRole: LocalRole;
}

export function savePairing(db: Db, actor: Actor, p: NewPairing, now: number): void {
  withAudit(db, actor, (audit) => {
    db.prepare('UPDATE cluster_state SET paired = 1, peer_serial = ?, peer_host_key = ?, cluster_key = ?, updated_at = ? WHERE id = 1')
      .run(p.peerSerial, p.peerHostKey, p.clusterKey, now);
    db.prepare(`UPDATE ha_peer SET peer_name = ?, peer_address = ?, local_role = ?, paired_at = ?, applied_version = 0, applied_hash = '',
      peer_version = 0, peer_hash = '', last_sync_at = NULL, last_sync_error = '' WHERE id = 1`).run(p.peerName, p.peerAddress, p.localRole, now);
    const fp = lineFingerprint(p.peerHostKey);
    audit({
      action: 'pair', objectType: 'ha-peer', objectId: p.peerSerial,
      description: `paired as ${p.localRole} with ${p.peerName || '(unnamed)'} serial ${p.peerSerial} at ${p.peerAddress}, host key ${fp}`,
    });
  });
}

/** Forgets the peer and the cluster key. Returns false when there was nothing to forget. */
export function clearPairing(db: Db, actor: Actor, reason: string, now: number): boolean {
  return withAudit(db, actor, (audit) => {
    const before = readPairing(db);
    if (!before.paired && before.peerSerial === null) return false;
    db.prepare('UPDATE cluster_state SET paired = 0, peer_serial = NULL, peer_host_key = NULL, cluster_key = NULL, updated_at = ? WHERE id = 1').run(now);
    db.prepare(`UPDATE ha_peer SET peer_name = '', peer_address = '', local_role = '', paired_at = NULL, peer_version = 0, peer_hash = '',
      last_sync_error = '' WHERE id = 1`).run();
    audit({ action: 'unpair', objectType: 'ha-peer', objectId: before.peerSerial ?? '', description: `unpaired from ${before.peerName || '(unnamed)'} serial ${before.peerSerial ?? '?'}: ${reason}` });
    return true;
  });
}

// DHCP lease replication. Leases are made by whichever node holds the resource (not necessarily
// the coordinator), so they flow both ways: each node sends its own committed lease changes to
// the peer, and merges the peer's with the DHCP server's rule (net/dhcp/leases.ts `newer`:
// higher per-address version, then later update). Merging is idempotent, so after every new
// session each node simply sends its whole table and both converge, whatever was missed.
import type { Db } from '../../agent/store/db.ts';
import { leaseFromRow, newer, type Lease, type LeaseChange, type LeaseRow, type LeaseState } from '../../net/dhcp/leases.ts';
import { ipToInt } from '../../net/lib/ipv4.ts';
import { isObj } from '../pairing/messages.ts';

/** What replication needs from the DHCP server (net/dhcp/dhcp-service.ts offers all of it). */
export interface LeaseSource {
  onLeaseChange(listener: (c: LeaseChange) => void): () => void;
  /** Merges a peer lease into the live table; false when the local one is newer. Throws when DHCP is not running. */
  applyPeerLease(lease: Lease): boolean;
  /** True while the live table exists (else replication merges into the store directly). */
  running(): boolean;
}

const STATES: readonly LeaseState[] = ['bound', 'released', 'declined', 'expired'];

const optText = (v: unknown, max: number): v is string | null => v === null || (typeof v === 'string' && v.length <= max);
const time = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Validates one lease from the peer; a string names the bad field. Never throws. */
export function parseLease(v: unknown): Lease | string {
  if (!isObj(v)) return 'lease: not an object';
  if (typeof v.ip !== 'string' || ipToInt(v.ip) === undefined) return 'ip: not a dotted IPv4 address';
  if (typeof v.mac !== 'string' || !/^[0-9a-f]{1,32}$/.test(v.mac)) return 'mac: must be lowercase hex';
  if (!optText(v.clientId, 512) || !optText(v.hostname, 255) || !optText(v.vendorClass, 255)) return 'clientId/hostname/vendorClass: must be short strings or null';
  if (typeof v.state !== 'string' || !STATES.includes(v.state as LeaseState)) return `state: must be one of ${STATES.join(', ')}`;
  if (!time(v.startsAt) || !time(v.expiresAt) || !time(v.updatedAt)) return 'startsAt/expiresAt/updatedAt: must be unix ms';
  if (!time(v.version) || v.version < 1) return 'version: must be a positive whole number';
  return {
    ip: v.ip, mac: v.mac, clientId: v.clientId, hostname: v.hostname, vendorClass: v.vendorClass, state: v.state as LeaseState,
    startsAt: v.startsAt, expiresAt: v.expiresAt, updatedAt: v.updatedAt, version: v.version,
  };
}

export function storedLeases(db: Db): Lease[] {
  return (db.prepare('SELECT * FROM dhcp_leases ORDER BY ip').all() as LeaseRow[]).map(leaseFromRow);
}

/** The same merge as LeaseTable.applyPeerLease, for a node whose DHCP server is not running. */
export function mergeLeaseIntoStore(db: Db, l: Lease): boolean {
  return db.transaction(() => {
    const r = db.prepare('SELECT * FROM dhcp_leases WHERE ip = ?').get(l.ip) as LeaseRow | undefined;
    if (r && !newer(l, leaseFromRow(r))) return false;
    db.prepare(`INSERT INTO dhcp_leases (ip, mac, client_id, hostname, vendor_class, state, starts_at, expires_at, updated_at, version)
      VALUES (@ip, @mac, @clientId, @hostname, @vendorClass, @state, @startsAt, @expiresAt, @updatedAt, @version)
      ON CONFLICT(ip) DO UPDATE SET mac = excluded.mac, client_id = excluded.client_id, hostname = excluded.hostname,
        vendor_class = excluded.vendor_class, state = excluded.state, starts_at = excluded.starts_at,
        expires_at = excluded.expires_at, updated_at = excluded.updated_at, version = excluded.version`).run(l);
    return true;
  }).immediate();
}

/** Local changes waiting for the peer: the latest per address (older versions are superseded). */
export class LeaseOutbox {
  private readonly pending = new Map<string, Lease>();
  get size(): number { return this.pending.size; }
  add(l: Lease): void {
    const cur = this.pending.get(l.ip);
    if (!cur || newer(l, cur) || cur.version === l.version) this.pending.set(l.ip, l);
  }
  /** Up to `max` leases to send. */
  batch(max: number): Lease[] { return [...this.pending.values()].slice(0, max); }
  /** Drops what was sent, unless a newer change arrived meanwhile. */
  acked(sent: readonly Lease[]): void {
    for (const l of sent) {
      const cur = this.pending.get(l.ip);
      if (cur && cur.version === l.version && cur.updatedAt === l.updatedAt) this.pending.delete(l.ip);
    }
  }
}

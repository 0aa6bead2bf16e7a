// The lease table: rows in the store, and in memory the per-subnet free queue, the offers and an
// expiry heap, rebuilt from the store at start. Allocation is O(1) amortised whatever the pool's
// fill (a FIFO of free addresses with lazy deletion: never-used addresses first, then the longest
// free), and an empty queue is an immediate answer, never a search.
//
// Writes come from the handler as LeaseWrite[] (apply: memory at once); durable ones wait in
// `pending` until commit(), one synchronous SQLite transaction for all of them (group commit).
// The server sends its ACKs only after commit() returns. Committed changes are then emitted, in
// order, to onLeaseChange listeners (HA replication); applyPeerLease merges the peer's changes.
import type { Db } from '../../agent/store/db.ts';
import type { ResolvedConfig, Subnet } from './config.ts';
import { inRanges, subnetOf } from './config.ts';
import { ipToInt } from '../lib/ipv4.ts';
import { MinHeap } from '../lib/min-heap.ts';

export type LeaseState = 'bound' | 'released' | 'declined' | 'expired';

export interface Lease {
  ip: string;
  mac: string;
  clientId: string | null;
  hostname: string | null;
  vendorClass: string | null;
  state: LeaseState;
  startsAt: number;
  expiresAt: number;
  updatedAt: number;
  /** Per address, +1 on every change; the higher version wins a merge. */
  version: number;
}

export interface Offer { ip: number; mac: string; expiresAt: number }

export type LeaseWrite =
  | { op: 'offer'; ip: number; mac: string; expiresAt: number }
  | { op: 'unoffer'; ip: number }
  | { op: 'put'; lease: Lease };

export interface LeaseChange { seq: number; source: 'local' | 'peer' | 'admin'; lease: Lease }

/** What the pure handler may read. */
export interface LeaseView {
  lease(ip: number): Lease | undefined;
  /** The client's most recent record in a subnet. */
  leaseForMac(mac: string, subnet: Subnet): Lease | undefined;
  offer(ip: number): Offer | undefined;
  offerForMac(mac: string): Offer | undefined;
  /** Next address to hand out in the subnet, or undefined when the pool is exhausted. O(1) amortised. */
  peekFree(subnet: Subnet): number | undefined;
  /** Who holds an address now: a MAC, '' (declined, in quarantine), or undefined (nobody). */
  holder(ip: number, now: number): string | undefined;
}

/** FIFO of free addresses with lazy deletion. */
export class FreeQueue {
  private ips: number[] = [];
  private stamps: number[] = [];
  private head = 0;
  private seq = 0;
  private readonly member = new Map<number, number>();
  get size(): number { return this.member.size; }
  has(ip: number): boolean { return this.member.has(ip); }
  add(ip: number): void {
    if (this.member.has(ip)) return;
    const s = ++this.seq;
    this.member.set(ip, s);
    this.ips.push(ip);
    this.stamps.push(s);
  }
  delete(ip: number): void { this.member.delete(ip); }
  peek(): number | undefined {
    while (this.head < this.ips.length) {
      const ip = this.ips[this.head]!;
      if (this.member.get(ip) === this.stamps[this.head]) return ip;
      this.head++;
    }
    this.compact();
    return undefined;
  }
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.ips.length) {
      this.ips = this.ips.slice(this.head);
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    } else if (this.head === this.ips.length) {
      this.ips = [];
      this.stamps = [];
      this.head = 0;
    }
  }
}

interface HeapItem { at: number; ip: number; kind: 'offer' | 'lease' }

/** A dhcp_leases row as SQLite returns it. */
export interface LeaseRow {
  ip: string; mac: string; client_id: string | null; hostname: string | null; vendor_class: string | null;
  state: LeaseState; starts_at: number; expires_at: number; updated_at: number; version: number;
}

export const leaseFromRow = (r: LeaseRow): Lease => ({
  ip: r.ip, mac: r.mac, clientId: r.client_id, hostname: r.hostname, vendorClass: r.vendor_class, state: r.state,
  startsAt: r.starts_at, expiresAt: r.expires_at, updatedAt: r.updated_at, version: r.version,
});

/** How a lease looks at `now`: a bound lease past its end is 'expired'. */
export function effectiveState(l: Lease, now: number): LeaseState {
  return l.state === 'bound' && l.expiresAt <= now ? 'expired' : l.state;
}

/** Merge rule for HA: higher version, then later update, then the smaller MAC (deterministic). */
export function newer(a: Lease, b: Lease): boolean {
  if (a.version !== b.version) return a.version > b.version;
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt;
  return a.mac < b.mac && a.state !== b.state;
}

export interface PoolUsage { subnet: string; size: number; free: number; bound: number; offered: number; declined: number }

export class LeaseTable implements LeaseView {
  private readonly byIp = new Map<number, Lease>();
  private readonly byMac = new Map<string, number[]>();
  private readonly offers = new Map<number, Offer>();
  private readonly offerByMac = new Map<string, number>();
  private readonly free = new Map<string, FreeQueue>();
  private heap = new MinHeap<HeapItem>();
  private pending: Lease[] = [];
  private readonly listeners = new Set<(c: LeaseChange) => void>();
  private seq = 0;
  private readonly stmt;
  private readonly db: Db;
  private cfg: ResolvedConfig;

  constructor(db: Db, cfg: ResolvedConfig, now: number) {
    this.db = db;
    this.cfg = cfg;
    this.stmt = {
      upsert: db.prepare(`INSERT INTO dhcp_leases (ip, mac, client_id, hostname, vendor_class, state, starts_at, expires_at, updated_at, version)
        VALUES (@ip, @mac, @clientId, @hostname, @vendorClass, @state, @startsAt, @expiresAt, @updatedAt, @version)
        ON CONFLICT(ip) DO UPDATE SET mac = excluded.mac, client_id = excluded.client_id, hostname = excluded.hostname,
          vendor_class = excluded.vendor_class, state = excluded.state, starts_at = excluded.starts_at,
          expires_at = excluded.expires_at, updated_at = excluded.updated_at, version = excluded.version`),
      all: db.prepare('SELECT * FROM dhcp_leases'),
    };
    this.rebuild(now);
  }

  /** Reloads memory from the store: at start, and after a failed commit. Offers are dropped. */
  rebuild(now: number): void {
    this.byIp.clear();
    this.byMac.clear();
    this.offers.clear();
    this.offerByMac.clear();
    this.free.clear();
    this.heap = new MinHeap<HeapItem>();
    this.pending = [];
    const rows = (this.stmt.all.all() as LeaseRow[]).map(leaseFromRow).sort((a, b) => a.updatedAt - b.updatedAt);
    for (const l of rows) this.index(l);
    for (const s of this.cfg.subnets) {
      const q = new FreeQueue();
      this.free.set(s.id, q);
      const used: number[] = [];
      for (const [a, b] of s.ranges) {
        for (let ip = a; ip <= b; ip++) {
          if (!this.dynamic(s, ip)) continue;
          if (this.byIp.has(ip)) used.push(ip); else q.add(ip);
        }
      }
      // Previously used addresses after the fresh ones, longest-free first.
      used.sort((x, y) => this.byIp.get(x)!.updatedAt - this.byIp.get(y)!.updatedAt);
      for (const ip of used) if (this.holder(ip, now) === undefined) q.add(ip);
    }
    for (const l of rows) if (l.state === 'bound' || l.state === 'declined') this.heap.push({ at: l.expiresAt, ip: ipToInt(l.ip)!, kind: 'lease' });
    this.reclaim(now);
  }

  /** Swaps in a new config (reload) and rebuilds. */
  reconfigure(cfg: ResolvedConfig, now: number): void {
    this.cfg = cfg;
    this.rebuild(now);
  }

  private dynamic(s: Subnet, ip: number): boolean {
    return inRanges(s, ip) && !this.cfg.excluded(ip) && !this.cfg.reservedIps.has(ip);
  }

  private index(l: Lease): void {
    const ip = ipToInt(l.ip)!;
    this.byIp.set(ip, l);
    const list = this.byMac.get(l.mac);
    if (!list) this.byMac.set(l.mac, [ip]);
    else if (!list.includes(ip)) list.push(ip);
  }

  private unindexMac(mac: string, ip: number): void {
    const list = this.byMac.get(mac);
    if (!list) return;
    const i = list.indexOf(ip);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byMac.delete(mac);
  }

  private refree(ip: number, now: number): void {
    const s = subnetOf(this.cfg, ip);
    if (!s) return;
    const q = this.free.get(s.id)!;
    if (this.holder(ip, now) === undefined && this.dynamic(s, ip)) q.add(ip); else q.delete(ip);
  }

  // ---- LeaseView ----
  lease(ip: number): Lease | undefined { return this.byIp.get(ip); }
  leaseForMac(mac: string, subnet: Subnet): Lease | undefined {
    let best: Lease | undefined;
    for (const ip of this.byMac.get(mac) ?? []) {
      if ((ip & subnet.mask) >>> 0 !== subnet.network) continue;
      const l = this.byIp.get(ip)!;
      if (!best || l.updatedAt > best.updatedAt) best = l;
    }
    return best;
  }
  offer(ip: number): Offer | undefined { return this.offers.get(ip); }
  offerForMac(mac: string): Offer | undefined {
    const ip = this.offerByMac.get(mac);
    return ip === undefined ? undefined : this.offers.get(ip);
  }
  peekFree(subnet: Subnet): number | undefined { return this.free.get(subnet.id)?.peek(); }
  holder(ip: number, now: number): string | undefined {
    const o = this.offers.get(ip);
    if (o && o.expiresAt > now) return o.mac;
    const l = this.byIp.get(ip);
    if (l && l.expiresAt > now) {
      if (l.state === 'bound') return l.mac;
      if (l.state === 'declined') return '';
    }
    return undefined;
  }

  // ---- changes ----
  apply(writes: readonly LeaseWrite[], now: number): void {
    for (const w of writes) {
      if (w.op === 'offer') {
        const prev = this.offerByMac.get(w.mac);
        if (prev !== undefined && prev !== w.ip) this.dropOffer(prev, now);
        this.offers.set(w.ip, { ip: w.ip, mac: w.mac, expiresAt: w.expiresAt });
        this.offerByMac.set(w.mac, w.ip);
        this.heap.push({ at: w.expiresAt, ip: w.ip, kind: 'offer' });
        this.refree(w.ip, now);
      } else if (w.op === 'unoffer') {
        this.dropOffer(w.ip, now);
      } else {
        this.putMemory(w.lease, now);
        this.pending.push(w.lease);
      }
    }
  }

  private dropOffer(ip: number, now: number): void {
    const o = this.offers.get(ip);
    if (!o) return;
    this.offers.delete(ip);
    if (this.offerByMac.get(o.mac) === ip) this.offerByMac.delete(o.mac);
    this.refree(ip, now);
  }

  private putMemory(l: Lease, now: number): void {
    const ip = ipToInt(l.ip)!;
    const old = this.byIp.get(ip);
    if (old && old.mac !== l.mac) this.unindexMac(old.mac, ip);
    this.index(l);
    const o = this.offers.get(ip);
    if (o) this.dropOffer(ip, now);
    const om = this.offerByMac.get(l.mac);
    if (om !== undefined && l.state === 'bound') this.dropOffer(om, now);
    if (l.state === 'bound' || l.state === 'declined') this.heap.push({ at: l.expiresAt, ip, kind: 'lease' });
    this.refree(ip, now);
  }

  get pendingCount(): number { return this.pending.length; }

  /**
   * Makes every pending write durable in one transaction (synchronous=FULL: on disk when this
   * returns), then tells listeners. On a store error, memory is rebuilt from the store and the
   * error is thrown: the caller must not send the replies of this batch.
   */
  commit(now: number, source: LeaseChange['source'] = 'local'): number {
    if (this.pending.length === 0) return 0;
    const batch = this.pending;
    this.pending = [];
    try {
      this.db.transaction(() => { for (const l of batch) this.stmt.upsert.run(l); }).immediate();
    } catch (e) {
      this.rebuild(now);
      throw e;
    }
    for (const l of batch) this.emit(source, l);
    return batch.length;
  }

  private emit(source: LeaseChange['source'], lease: Lease): void {
    const c: LeaseChange = { seq: ++this.seq, source, lease: { ...lease } };
    for (const f of this.listeners) {
      try { f(c); } catch { /* a listener's failure is its own */ }
    }
  }

  onLeaseChange(listener: (c: LeaseChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Merges the peer's version of a lease; true when it won and was stored. */
  applyPeerLease(l: Lease, now: number): boolean {
    const ip = ipToInt(l.ip);
    if (ip === undefined || !/^[0-9a-f]{1,32}$/.test(l.mac)) return false;
    this.commit(now);
    const local = this.byIp.get(ip);
    if (local && !newer(l, local)) return false;
    const copy: Lease = { ...l };
    this.db.transaction(() => { this.stmt.upsert.run(copy); }).immediate();
    this.putMemory(copy, now);
    this.emit('peer', copy);
    return true;
  }

  /** Admin release (pbxctl dhcp release): the address is free at once. Undefined if not bound. */
  adminRelease(ip: number, now: number): Lease | undefined {
    this.commit(now);
    const l = this.byIp.get(ip);
    if (!l || l.state !== 'bound' || l.expiresAt <= now) return undefined;
    const next: Lease = { ...l, state: 'released', expiresAt: now, updatedAt: now, version: l.version + 1 };
    this.apply([{ op: 'put', lease: next }], now);
    this.commit(now, 'admin');
    return next;
  }

  /** Returns expired offers, leases and quarantines to the free queues. O(k log n) for k expired. */
  reclaim(now: number): number {
    let n = 0;
    for (let t = this.heap.peek(); t && t.at <= now; t = this.heap.peek()) {
      this.heap.pop();
      if (t.kind === 'offer') {
        const o = this.offers.get(t.ip);
        if (o && o.expiresAt <= now) { this.dropOffer(t.ip, now); n++; }
      } else {
        const l = this.byIp.get(t.ip);
        if (l && l.expiresAt <= now) { this.refree(t.ip, now); n++; }
      }
    }
    return n;
  }

  /** Next wake-up for reclaim, or undefined. */
  nextExpiry(): number | undefined { return this.heap.peek()?.at; }

  usage(now: number): PoolUsage[] {
    return this.cfg.subnets.map((s) => {
      let size = 0;
      let bound = 0;
      let offered = 0;
      let declined = 0;
      for (const [a, b] of s.ranges) {
        for (let ip = a; ip <= b; ip++) {
          if (!this.dynamic(s, ip) && !this.cfg.reservedIps.has(ip)) continue;
          size++;
          const h = this.holder(ip, now);
          if (h === '') declined++;
          else if (h !== undefined) { if (this.offers.get(ip)?.mac === h && this.byIp.get(ip)?.state !== 'bound') offered++; else bound++; }
        }
      }
      return { subnet: s.id, size, free: this.free.get(s.id)?.size ?? 0, bound, offered, declined };
    });
  }

  /** Every durable record (memory copy), for tests and status. */
  all(): Lease[] { return [...this.byIp.values()].map((l) => ({ ...l })); }
}

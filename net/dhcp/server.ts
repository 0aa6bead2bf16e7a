// The DHCP socket owner: receives, asks the handler, applies its lease writes, commits them, and
// only then sends the replies (durable before ACK). With groupCommit, every packet of one
// event-loop turn is handled first and their leases committed in one transaction (one fsync),
// then all their replies go out (setImmediate runs after the turn's I/O callbacks).
//
// Sockets (shared/reference/lab.md): limited broadcasts (255.255.255.255:67) reach only a socket
// bound to 0.0.0.0:67, and only a socket bound to the interface address can send a limited
// broadcast out of that interface without a route. So: `rx` on 0.0.0.0:port, `tx` on
// ifaceAddr:port (SO_REUSEADDR). Unicast to ifaceAddr:port (relays, renewals) lands on `tx`,
// the more specific bind; both feed the same path. Replies all leave from `tx`.
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../agent/log.ts';
import { decode, emptyMessage, encode, getOption, type CodecErrorCode } from './codec.ts';
import { handle, type HandlerState, type Note, type Reply } from './handler.ts';
import type { LeaseTable } from './leases.ts';
import { decodeOptionValue, MESSAGE_TYPES as MT, OPT } from './options.ts';
import { intToIp, ipToInt } from '../lib/ipv4.ts';

export interface DhcpServerOptions {
  port: number;
  /** The served interface's address: `tx` binds it. */
  address: string;
  leases: LeaseTable;
  /** Called once per packet: HA activity and the resource address may change at any time. */
  state(): HandlerState;
  groupCommit: boolean;
  log: Logger;
  now?: () => number;
}

export interface DhcpStats {
  received: number;
  malformed: Partial<Record<CodecErrorCode, number>>;
  replies: { offer: number; ack: number; nak: number };
  ignored: Record<string, number>;
  releases: number;
  declines: number;
  exhausted: number;
  commits: number;
  committedLeases: number;
  largestBatch: number;
  commitErrors: number;
  sendErrors: number;
  foreignReplies: number;
}

export interface OtherServer { address: string; serverId: string | undefined; at: string }

const LOG_EVERY_MS = 60_000;

export class DhcpServer {
  readonly stats: DhcpStats = {
    received: 0, malformed: {}, replies: { offer: 0, ack: 0, nak: 0 }, ignored: {}, releases: 0, declines: 0,
    exhausted: 0, commits: 0, committedLeases: 0, largestBatch: 0, commitErrors: 0, sendErrors: 0, foreignReplies: 0,
  };
  readonly otherServers: OtherServer[] = [];
  private rx: Socket | undefined;
  private tx: Socket | undefined;
  private queue: Reply[] = [];
  private flushScheduled = false;
  private probe: { xid: number; mac: Buffer } | undefined;
  private readonly lastLog = new Map<string, { at: number; suppressed: number }>();
  private readonly o: DhcpServerOptions;
  private readonly now: () => number;

  constructor(o: DhcpServerOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
  }

  async start(): Promise<void> {
    const bind = (addr: string): Promise<Socket> => new Promise((resolve, reject) => {
      const s = createSocket({ type: 'udp4', reuseAddr: true });
      s.once('error', reject);
      s.bind({ port: this.o.port, address: addr, exclusive: true }, () => {
        s.off('error', reject);
        s.on('error', (e) => this.o.log.warn({ err: e.message }, 'dhcp socket error'));
        s.on('message', (m, r) => this.onMessage(m, r));
        resolve(s);
      });
    });
    this.rx = await bind('0.0.0.0');
    try {
      this.tx = await bind(this.o.address);
      this.tx.setBroadcast(true);
    } catch (e) {
      this.rx.close();
      this.rx = undefined;
      throw e;
    }
  }

  async stop(): Promise<void> {
    this.flush();
    const close = (s: Socket | undefined) => new Promise<void>((r) => (s ? s.close(() => r()) : r()));
    await Promise.all([close(this.rx), close(this.tx)]);
    this.rx = this.tx = undefined;
  }

  /**
   * Sends a DISCOVER as a relay would (giaddr = our address, so any server serving this subnet
   * answers to us at port 67) and records who answers during `waitMs`.
   */
  async probeOtherServers(waitMs: number): Promise<OtherServer[]> {
    if (!this.tx) return [];
    const mac = randomBytes(6);
    mac[0] = (mac[0]! & 0xfc) | 0x02;
    const xid = randomBytes(4).readUInt32BE(0);
    this.probe = { xid, mac };
    const m = emptyMessage(1, xid, mac);
    m.giaddr = ipToInt(this.o.address)!;
    m.hops = 1;
    m.options.push({ code: OPT.MESSAGE_TYPE, data: Buffer.from([MT.DISCOVER]) }, { code: OPT.PARAM_REQUEST_LIST, data: Buffer.from([1, 3, 54]) });
    const buf = encode(m);
    const send = () => new Promise<void>((r) => this.tx!.send(buf, this.o.port, '255.255.255.255', () => r()));
    await send();
    await new Promise((r) => setTimeout(r, Math.floor(waitMs / 2)).unref());
    if (this.otherServers.length === 0 && this.tx) await send();
    await new Promise((r) => setTimeout(r, Math.ceil(waitMs / 2)).unref());
    this.probe = undefined;
    return this.otherServers;
  }

  private onMessage(buf: Buffer, rinfo: { address: string; port: number }): void {
    this.stats.received++;
    const d = decode(buf);
    if (!d.ok) {
      this.stats.malformed[d.error.code] = (this.stats.malformed[d.error.code] ?? 0) + 1;
      return;
    }
    const msg = d.value;
    if (this.probe && msg.xid === this.probe.xid && msg.chaddr.subarray(0, 6).equals(this.probe.mac)) {
      if (msg.op === 2) this.foundOther(rinfo.address, getOption(msg, OPT.SERVER_ID));
      return; // our own probe, looped back
    }
    if (msg.op !== 1) { this.stats.foreignReplies++; return; }
    const now = this.now();
    const L = this.o.leases;
    L.reclaim(now);
    let out;
    try {
      out = handle(this.o.state(), { msg, from: rinfo }, now);
    } catch (e) {
      this.o.log.error({ err: (e as Error).message, xid: msg.xid, from: rinfo.address }, 'dhcp: handler failed, packet dropped');
      return;
    }
    if (out.leaseWrites.length > 0) L.apply(out.leaseWrites, now);
    for (const n of out.notes) this.noteOf(n, now);
    if (out.replies.length === 0 && L.pendingCount === 0) return;
    for (const r of out.replies) this.queue.push(r);
    if (!this.o.groupCommit) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commit, then send. Replies of a batch whose commit failed are dropped: nothing un-durable is ACKed. */
  flush(): void {
    this.flushScheduled = false;
    const replies = this.queue;
    this.queue = [];
    const now = this.now();
    try {
      const n = this.o.leases.commit(now);
      if (n > 0) {
        this.stats.commits++;
        this.stats.committedLeases += n;
        if (n > this.stats.largestBatch) this.stats.largestBatch = n;
      }
    } catch (e) {
      this.stats.commitErrors++;
      this.o.log.error({ err: (e as Error).message, dropped: replies.length }, 'dhcp: lease commit failed; replies of this batch not sent');
      return;
    }
    for (const r of replies) this.send(r);
  }

  private send(r: Reply): void {
    const tx = this.tx;
    if (!tx) return;
    const t = r.msg.options.find((o) => o.code === OPT.MESSAGE_TYPE)?.data[0];
    if (t === MT.OFFER) this.stats.replies.offer++;
    else if (t === MT.ACK) this.stats.replies.ack++;
    else if (t === MT.NAK) this.stats.replies.nak++;
    tx.send(encode(r.msg), r.to.port, r.to.address, (err) => {
      if (err) {
        this.stats.sendErrors++;
        this.rateLog('send', this.now(), () => this.o.log.warn({ err: err.message, to: r.to.address }, 'dhcp: send failed'));
      }
    });
  }

  private foundOther(address: string, sid: Buffer | undefined): void {
    const serverId = sid && sid.length === 4 ? intToIp(decodeOptionValue(OPT.SERVER_ID, sid) as number) : undefined;
    if (this.otherServers.some((s) => s.address === address)) return;
    this.otherServers.push({ address, serverId, at: new Date(this.now()).toISOString() });
    this.o.log.warn({ otherServer: address, serverId }, `dhcp: ANOTHER DHCP SERVER ANSWERS ON THIS LAN (${address}${serverId && serverId !== address ? `, server id ${serverId}` : ''}): clients may get addresses from it; stop it or disable dhcp here`);
  }

  private noteOf(n: Note, now: number): void {
    const s = this.stats;
    switch (n.kind) {
      case 'exhausted':
        s.exhausted++;
        this.rateLog(`exhausted ${n.detail}`, now, (sup) => this.o.log.warn({ subnet: n.detail, mac: n.mac, suppressed: sup }, `dhcp: pool ${n.detail} is exhausted: no offer`));
        return;
      case 'declined':
        s.declines++;
        this.o.log.warn({ ip: n.detail, mac: n.mac }, 'dhcp: client declined an address (in use by someone else?); quarantined');
        return;
      case 'released': s.releases++; return;
      case 'reservation-taken':
        this.rateLog(`res ${n.mac}`, now, () => this.o.log.warn({ mac: n.mac, ip: n.detail }, 'dhcp: reserved address is held by another client; giving a pool address'));
        return;
      case 'nak': this.o.log.debug({ mac: n.mac, why: n.detail }, 'dhcp: NAK'); return;
      default: s.ignored[n.kind] = (s.ignored[n.kind] ?? 0) + 1;
    }
  }

  /** At most one line per key per minute; counts what it held back. */
  private rateLog(key: string, now: number, f: (suppressed: number) => void): void {
    const e = this.lastLog.get(key);
    if (e && now - e.at < LOG_EVERY_MS) { e.suppressed++; return; }
    f(e?.suppressed ?? 0);
    this.lastLog.set(key, { at: now, suppressed: 0 });
    if (this.lastLog.size > 10_000) this.lastLog.clear();
  }
}

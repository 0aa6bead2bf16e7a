// The PnP sockets and the one timer. Thin (systemd's "couldn't process, ignoring" shape): every
// datagram is decoded, routed to the pure handler or to the NOTIFY transactions, and the
// decision is applied here; nothing below this file sends.
//
// Sockets (deps.md section 1, bind test): one socket bound to the GROUP address (224.0.1.75:5060,
// SO_REUSEADDR) and joined on each interface with addMembership(group, ifaceAddr). Bound to the
// group, it receives only group traffic and never competes with a PBX bound to the node's own
// address on 5060. Answers leave from a second socket per interface, bound to that interface's
// address (ephemeral or pnp.replyPort): the source address is then right on a multi-homed node,
// and the phone's 200 to our NOTIFY (sent to our Via) arrives there. node:dgram has no
// IP_PKTINFO, so the interface a multicast datagram came in on is inferred: the local address
// whose subnet contains the source.
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Logger } from '../../agent/log.ts';
import { decode, encode, getHeaders, parseVia } from './message.ts';
import type { DeviceInfo } from './pnp-device.ts';
import { handleSubscribe, subscribeKey, type Endpoint, type PnpDecision } from './pnp-handler.ts';
import { REFUSE_REASONS, type RateLimiter, type RefuseReason } from './pnp-policy.ts';
import { NotifyTransactions, SubscribeCache } from './pnp-transactions.ts';

import type { LocalIface } from '../../agent/system/interfaces.ts';
import { ipToInt } from '../lib/ipv4.ts';

interface ReplySocket { sock: Socket; iface: LocalIface; port: number }

export interface SeenEvent {
  device: DeviceInfo;
  source: Endpoint;
  url: string | undefined;
  refused: RefuseReason | undefined;
  at: number;
}

export interface PnpServerOptions {
  group: string;
  port: number;
  replyPort: number;
  interfaces: readonly LocalIface[];
  t1Ms: number;
  maxTransactions: number;
  rate: RateLimiter;
  policy(dev: DeviceInfo): RefuseReason | undefined;
  /** The URL for a phone that came in on `iface`. */
  urlFor(dev: DeviceInfo, iface: LocalIface): string | undefined;
  onSeen?(e: SeenEvent): void;
  log: Logger;
  now?: () => number;
}

export interface PnpCounters {
  received: number;
  malformed: number;
  rateLimited: number;
  answered: number;
  subscribeRetransmits: number;
  refused: Record<RefuseReason, number>;
  notifySent: number;
  notifyRetransmits: number;
  notifyAcked: number;
  notifyGone: number;
  notifyRejected: number;
  notifyTimedOut: number;
  notifyDropped: number;
  strayResponses: number;
  sendErrors: number;
}

export interface PnpServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): {
    listening: string | null;
    replySockets: string[];
    joined: Array<{ iface: string; address: string }>;
    joinFailed: Array<{ iface: string; address: string; error: string }>;
    pendingNotifies: number;
    counters: PnpCounters;
  };
}

const RECV_BUFFER = 4 * 1024 * 1024;

// Refusals that describe a phone worth listing in pnp_seen (the others are noise or not a phone).
const RECORDED: ReadonlySet<RefuseReason> = new Set(['denied', 'not-allowed', 'no-mac', 'unknown-device', 'no-url']);

/** The local interface whose subnet contains `ip`, else the first one. */
function ifaceFor(ifaces: readonly LocalIface[], ip: string): LocalIface | undefined {
  const a = ipToInt(ip);
  if (a === undefined) return ifaces[0];
  for (const i of ifaces) {
    const m = ipToInt(i.netmask) ?? 0;
    if (((a & m) >>> 0) === (((ipToInt(i.address) ?? 0) & m) >>> 0)) return i;
  }
  return ifaces[0];
}

const bind = (s: Socket, address: string, port: number): Promise<void> => new Promise((resolve, reject) => {
  const onErr = (e: Error): void => reject(e);
  s.once('error', onErr);
  s.bind({ address, port, exclusive: true }, () => { s.off('error', onErr); resolve(); });
});

export function createPnpServer(o: PnpServerOptions): PnpServer {
  const now = o.now ?? (() => performance.timeOrigin + performance.now());
  const log = o.log;
  const txs = new NotifyTransactions({ t1Ms: o.t1Ms, max: o.maxTransactions });
  const cache = new SubscribeCache(64 * o.t1Ms, Math.max(1000, o.maxTransactions * 2));
  const refused = Object.fromEntries(REFUSE_REASONS.map((r) => [r, 0])) as Record<RefuseReason, number>;
  const c: PnpCounters = {
    received: 0, malformed: 0, rateLimited: 0, answered: 0, subscribeRetransmits: 0, refused,
    notifySent: 0, notifyRetransmits: 0, notifyAcked: 0, notifyGone: 0, notifyRejected: 0, notifyTimedOut: 0,
    notifyDropped: 0, strayResponses: 0, sendErrors: 0,
  };
  let mcast: Socket | undefined;
  const replies = new Map<string, ReplySocket>();
  const replyIfaces: LocalIface[] = [];
  const ours = new Set<string>();
  const joined: Array<{ iface: string; address: string }> = [];
  const joinFailed: Array<{ iface: string; address: string; error: string }> = [];
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  const idPrefix = randomBytes(5).toString('hex');
  let idCounter = 0;
  const nextId = (): string => `${idPrefix}${(idCounter++).toString(36)}`;
  let sendErrorLogged = false;

  const send = (sock: Socket, buf: Buffer, to: Endpoint): void => {
    sock.send(buf, to.port, to.address, (err) => {
      if (!err) return;
      c.sendErrors++;
      if (!sendErrorLogged) { sendErrorLogged = true; log.warn({ err, to }, 'pnp: send failed (further send errors are only counted)'); }
    });
  };

  const arm = (): void => {
    const next = txs.nextDeadline();
    if (next === undefined) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      timerAt = Infinity;
      return;
    }
    if (timer && timerAt <= next) return;
    if (timer) clearTimeout(timer);
    timerAt = next;
    timer = setTimeout(onTimer, Math.max(0, next - now()));
    timer.unref();
  };

  function onTimer(): void {
    timer = undefined;
    timerAt = Infinity;
    const { resend, expired } = txs.due(now());
    for (const r of resend) {
      const rs = replyFor(r.dest.address);
      if (rs) { c.notifyRetransmits++; send(rs.sock, r.payload, r.dest); }
    }
    for (const e of expired) {
      c.notifyTimedOut++;
      log.debug({ phone: e.dest }, 'pnp: NOTIFY not answered, given up after 64*T1');
    }
    arm();
  }

  /** The reply socket for a phone address: its interface's. */
  function replyFor(ip: string): ReplySocket | undefined {
    const i = ifaceFor(replyIfaces, ip);
    return i ? replies.get(i.address) : undefined;
  }

  function onResponse(status: number, branch: string | undefined): void {
    const r = branch ? txs.response(branch, status, now()) : undefined;
    if (!r) { c.strayResponses++; return; }
    if (r.outcome === 'acked') c.notifyAcked++;
    else if (r.outcome === 'gone') c.notifyGone++;
    else if (r.outcome === 'rejected') { c.notifyRejected++; log.debug({ phone: r.dest, status }, 'pnp: NOTIFY rejected'); }
    if (r.outcome !== 'provisional') arm();
  }

  function onDatagram(buf: Buffer, rinfo: RemoteInfo, arrivedOn: ReplySocket | undefined): void {
    c.received++;
    if (ours.has(`${rinfo.address}:${rinfo.port}`)) return; // our own (multicast loop)
    const d = decode(buf);
    if (!d.ok) {
      c.malformed++;
      log.debug({ from: `${rinfo.address}:${rinfo.port}`, code: d.error.code }, 'pnp: malformed datagram ignored');
      return;
    }
    const msg = d.value;
    if (msg.type === 'response') {
      const via = getHeaders(msg, 'Via')[0];
      onResponse(msg.status, via ? parseVia(via)?.params.get('branch') : undefined);
      return;
    }
    const t = now();
    if (!o.rate.take(rinfo.address, t)) { c.rateLimited++; c.refused['rate-limited']++; return; }
    const src: Endpoint = { address: rinfo.address, port: rinfo.port };
    const key = subscribeKey(msg);
    if (key) {
      const hit = cache.get(key, t);
      if (hit) {
        const rs = replyFor(hit.dest.address);
        c.subscribeRetransmits++;
        if (rs) send(rs.sock, hit.reply, hit.dest);
        return;
      }
    }
    const rs = arrivedOn ?? replyFor(rinfo.address);
    if (!rs) return;
    const decision: PnpDecision = handleSubscribe(msg, {
      source: src,
      local: { address: rs.iface.address, port: rs.port },
      tag: nextId(),
      branch: nextId(),
      policy: o.policy,
      urlFor: (dev) => o.urlFor(dev, rs.iface),
    });
    if (decision.kind === 'refuse') {
      c.refused[decision.reason]++;
      log.debug({ from: `${src.address}:${src.port}`, reason: decision.reason, detail: decision.detail }, 'pnp: SUBSCRIBE not answered');
      if (decision.device && RECORDED.has(decision.reason)) o.onSeen?.({ device: decision.device, source: src, url: undefined, refused: decision.reason, at: t });
      return;
    }
    const reply = encode(decision.reply);
    send(rs.sock, reply, decision.replyTo);
    if (key) cache.set(key, { reply, dest: decision.replyTo, mac: decision.device.mac }, t);
    c.answered++;
    const notify = encode(decision.notify);
    if (txs.start(decision.branch, notify, decision.notifyTo, t)) {
      send(rs.sock, notify, decision.notifyTo);
      c.notifySent++;
      arm();
    } else {
      c.notifyDropped++;
    }
    log.debug({ from: `${src.address}:${src.port}`, mac: decision.device.mac, vendor: decision.device.vendor, model: decision.device.model }, 'pnp: answered');
    o.onSeen?.({ device: decision.device, source: src, url: decision.url, refused: undefined, at: t });
  }

  const safe = (fn: () => void): void => {
    try { fn(); } catch (err) { log.error({ err }, 'pnp: datagram handling failed, ignoring'); }
  };

  return {
    async start() {
      for (const iface of o.interfaces) {
        const sock = createSocket({ type: 'udp4', reuseAddr: o.replyPort !== 0 });
        await bind(sock, iface.address, o.replyPort);
        const entry: ReplySocket = { sock, iface, port: sock.address().port };
        replies.set(iface.address, entry);
        replyIfaces.push(iface);
        ours.add(`${iface.address}:${entry.port}`);
        sock.on('message', (b, r) => safe(() => onDatagram(b, r, entry)));
        sock.on('error', (err) => log.warn({ err, iface: iface.name }, 'pnp: reply socket error'));
      }
      const m = createSocket({ type: 'udp4', reuseAddr: true });
      await new Promise<void>((resolve, reject) => {
        m.once('error', reject);
        m.bind({ address: o.group, port: o.port }, () => { m.off('error', reject); resolve(); });
      });
      for (const iface of o.interfaces) {
        try {
          m.addMembership(o.group, iface.address);
          joined.push({ iface: iface.name, address: iface.address });
        } catch (e) {
          joinFailed.push({ iface: iface.name, address: iface.address, error: (e as Error).message });
          log.warn({ iface: iface.name, address: iface.address, err: e }, 'pnp: cannot join the multicast group on this interface');
        }
      }
      // A boot storm arrives in bursts; a larger receive buffer rides out a GC pause or a store
      // flush instead of dropping SUBSCRIBEs (capped by net.core.rmem_max; best effort).
      for (const s of [m, ...[...replies.values()].map((r) => r.sock)]) {
        try { s.setRecvBufferSize(RECV_BUFFER); } catch { /* keep the default */ }
      }
      m.on('message', (b, r) => safe(() => onDatagram(b, r, undefined)));
      m.on('error', (err) => log.warn({ err }, 'pnp: multicast socket error'));
      mcast = m;
      log.info({ group: `${o.group}:${o.port}`, joined, replyPorts: [...replies.values()].map((r) => `${r.iface.address}:${r.port}`) }, 'pnp: listening');
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const socks = [...(mcast ? [mcast] : []), ...[...replies.values()].map((r) => r.sock)];
      mcast = undefined;
      replies.clear();
      replyIfaces.length = 0;
      ours.clear();
      joined.length = 0;
      await Promise.all(socks.map((s) => new Promise<void>((r) => { try { s.close(() => r()); } catch { r(); } })));
      txs.clear();
      cache.clear();
    },
    status() {
      return {
        listening: mcast ? `${o.group}:${o.port}/udp` : null,
        replySockets: [...replies.values()].map((r) => `${r.iface.address}:${r.port}/udp`),
        joined: [...joined],
        joinFailed: [...joinFailed],
        pendingNotifies: txs.size,
        counters: { ...c, refused: { ...c.refused } },
      };
    },
  };
}

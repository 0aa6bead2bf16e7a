// DHCPv4 decisions (RFC 2131 section 4.3), with no I/O (STYLE rule 5): `handle(state, req, now)`
// reads the lease view and returns the replies to send and the lease writes to apply. The server
// applies the writes, commits the durable ones, and only then sends. One function per message
// type; the REQUEST states (selecting, init-reboot, renewing/rebinding) are told apart by
// option 54, option 50 and ciaddr as in RFC 2131 4.3.2.
import { BROADCAST_FLAG, emptyMessage, encodingLength, getOption, macOf, optionsWithOverload, type DhcpMessage, type DhcpOption } from './codec.ts';
import { inRanges, optionBytes, subnetOf, type ResolvedConfig, type Subnet } from './config.ts';
import type { Lease, LeaseView, LeaseWrite } from './leases.ts';
import { MESSAGE_TYPES as MT, messageTypeName, OPT } from './options.ts';
import { intToIp, ipToInt } from '../lib/ipv4.ts';

export interface HandlerState {
  config: ResolvedConfig;
  /** The served interface's address: the local subnet, the BOOTP siaddr. */
  serverIp: number;
  /** Option 54 we send (the HA resource address when there is one, else serverIp). */
  serverId: number;
  /** Addresses a client may name in option 54 to mean us. */
  ourIds: readonly number[];
  /** What %%SERVER%% becomes in option values. */
  provisioningHost: string;
  /** HA: only the active node answers. */
  active: boolean;
  leases: LeaseView;
  reservationFor?: (mac: string) => { ip?: string; hostname?: string } | undefined;
}

export interface DhcpRequest {
  msg: DhcpMessage;
  /** Source of the datagram (a relay, or a client with an address). */
  from: { address: string; port: number };
}

export interface Reply {
  msg: DhcpMessage;
  to: { address: string; port: number };
  broadcast: boolean;
}

export type NoteKind =
  | 'not-request' | 'bootp' | 'bad-type' | 'passive' | 'no-subnet' | 'exhausted' | 'other-server'
  | 'nak' | 'declined' | 'released' | 'no-lease' | 'bad-request' | 'reservation-taken';

export interface Note { kind: NoteKind; mac: string; detail?: string }

export interface Decision { replies: Reply[]; leaseWrites: LeaseWrite[]; notes: Note[] }

const ALWAYS = new Set<number>([OPT.MESSAGE_TYPE, OPT.SERVER_ID, OPT.LEASE_TIME, OPT.RENEWAL_TIME, OPT.REBINDING_TIME, OPT.SUBNET_MASK, OPT.ROUTER]);
const BROADCAST = '255.255.255.255';

interface Ctx {
  state: HandlerState;
  msg: DhcpMessage;
  options: DhcpOption[];
  mac: string;
  now: number;
  out: Decision;
}

const u32 = (b: Buffer | undefined): number | undefined => (b && b.length === 4 ? b.readUInt32BE(0) : undefined);
const opt = (c: Ctx, code: number): Buffer | undefined => getOption({ options: c.options }, code);
const note = (c: Ctx, kind: NoteKind, detail?: string): Decision => {
  c.out.notes.push(detail === undefined ? { kind, mac: c.mac } : { kind, mac: c.mac, detail });
  return c.out;
};

export function handle(state: HandlerState, req: DhcpRequest, now: number): Decision {
  const out: Decision = { replies: [], leaseWrites: [], notes: [] };
  const msg = req.msg;
  const mac = macOf(msg);
  if (msg.op !== 1) return (out.notes.push({ kind: 'not-request', mac }), out);
  const options = optionsWithOverload(msg);
  if (!options) return (out.notes.push({ kind: 'bad-request', mac, detail: 'malformed overloaded options' }), out);
  const c: Ctx = { state, msg, options, mac, now, out };
  const t = opt(c, OPT.MESSAGE_TYPE);
  if (!t) return note(c, 'bootp');
  if (t.length !== 1) return note(c, 'bad-type');
  if (!state.active && t[0] !== MT.RELEASE && t[0] !== MT.DECLINE) return note(c, 'passive');
  switch (t[0]) {
    case MT.DISCOVER: return discover(c);
    case MT.REQUEST: return request(c);
    case MT.DECLINE: return decline(c);
    case MT.RELEASE: return release(c);
    case MT.INFORM: return inform(c);
    default: return note(c, 'bad-type', messageTypeName(t[0]!));
  }
}

// ---- address choice ----

function reservation(c: Ctx): { ip: number | undefined; hostname: string | undefined } {
  const r = c.state.config.reservations.get(c.mac);
  if (r) return r;
  const ext = c.state.reservationFor?.(c.mac);
  if (!ext) return { ip: undefined, hostname: undefined };
  return { ip: ext.ip === undefined ? undefined : ipToInt(ext.ip), hostname: ext.hostname };
}

/** May `ip` (in `s`) be given to this client now? */
function availableFor(c: Ctx, s: Subnet, ip: number, reservedForMe: boolean): boolean {
  if ((ip & s.mask) >>> 0 !== s.network) return false;
  const h = c.state.leases.holder(ip, c.now);
  if (h !== undefined && h !== c.mac) return false;
  if (h === undefined) {
    const l = c.state.leases.lease(ip);
    if (l && l.state === 'declined' && l.mac === c.mac && l.expiresAt > c.now) return false;
  }
  if (reservedForMe) return true;
  const cfg = c.state.config;
  const owner = cfg.reservedIps.get(ip);
  if (owner !== undefined) return owner === c.mac;
  return inRanges(s, ip) && !cfg.excluded(ip);
}

function chooseAddress(c: Ctx, s: Subnet): number | undefined {
  const L = c.state.leases;
  const res = reservation(c);
  if (res.ip !== undefined) {
    if (availableFor(c, s, res.ip, true)) return res.ip;
    note(c, 'reservation-taken', intToIp(res.ip));
  }
  const offer = L.offerForMac(c.mac);
  if (offer && (offer.ip & s.mask) >>> 0 === s.network && availableFor(c, s, offer.ip, false)) return offer.ip;
  const prev = L.leaseForMac(c.mac, s);
  if (prev && prev.state !== 'declined') {
    const ip = ipToInt(prev.ip)!;
    if (availableFor(c, s, ip, false)) return ip;
  }
  const want = u32(opt(c, OPT.REQUESTED_IP));
  if (want !== undefined && availableFor(c, s, want, false)) return want;
  return L.peekFree(s);
}

/** The subnet a DISCOVER/SELECTING/INIT-REBOOT comes from: the relay's, else the served one. */
function arrivalSubnet(c: Ctx): Subnet | undefined {
  const cfg = c.state.config;
  if (c.msg.giaddr !== 0) return subnetOf(cfg, c.msg.giaddr);
  return cfg.subnets.find((s) => s.local);
}

// ---- message types ----

function discover(c: Ctx): Decision {
  const s = arrivalSubnet(c);
  if (!s) return note(c, 'no-subnet', c.msg.giaddr ? `giaddr ${intToIp(c.msg.giaddr)}` : 'no pool in the served subnet');
  const ip = chooseAddress(c, s);
  if (ip === undefined) return note(c, 'exhausted', s.id);
  c.out.leaseWrites.push({ op: 'offer', ip, mac: c.mac, expiresAt: c.now + c.state.config.offerHoldMs });
  reply(c, MT.OFFER, s, ip, reservation(c).hostname);
  return c.out;
}

function request(c: Ctx): Decision {
  const sid = u32(opt(c, OPT.SERVER_ID));
  const want = u32(opt(c, OPT.REQUESTED_IP));
  const L = c.state.leases;
  if (sid !== undefined) {
    // SELECTING: the client names the server it chose.
    if (!c.state.ourIds.includes(sid)) {
      const o = L.offerForMac(c.mac);
      if (o) c.out.leaseWrites.push({ op: 'unoffer', ip: o.ip });
      return note(c, 'other-server', intToIp(sid));
    }
    // Some tools (dhcping) send option 54 with ciaddr set: treat as a renewal addressed to us.
    if (c.msg.ciaddr !== 0) return renew(c);
    if (want === undefined) return note(c, 'bad-request', 'selecting without requested-ip');
    const s = arrivalSubnet(c);
    if (!s) return note(c, 'no-subnet');
    const res = reservation(c);
    if (availableFor(c, s, want, res.ip === want)) return bind(c, s, want, res.hostname, MT.ACK);
    return nak(c, s, `${intToIp(want)} is not available`);
  }
  if (c.msg.ciaddr === 0) {
    // INIT-REBOOT: the client checks an address it remembers.
    if (want === undefined) return note(c, 'bad-request', 'no requested-ip and no ciaddr');
    const s = arrivalSubnet(c);
    if (!s || (want & s.mask) >>> 0 !== s.network) {
      return c.state.config.authoritative ? nak(c, s, `${intToIp(want)} is on the wrong network`) : note(c, 'no-subnet');
    }
    const res = reservation(c);
    const l = L.lease(want);
    const known = res.ip === want || (l !== undefined && l.mac === c.mac && l.state !== 'declined');
    if (known && availableFor(c, s, want, res.ip === want)) return bind(c, s, want, res.hostname, MT.ACK);
    const h = L.holder(want, c.now);
    if (h !== undefined && h !== c.mac) return nak(c, s, `${intToIp(want)} is held by another client`);
    return c.state.config.authoritative ? nak(c, s, `no lease of ${intToIp(want)} for this client`) : note(c, 'no-lease', intToIp(want));
  }
  return renew(c);
}

/** RENEWING (unicast) or REBINDING (broadcast): the client uses ciaddr. */
function renew(c: Ctx): Decision {
  const L = c.state.leases;
  const ip = c.msg.ciaddr;
  const s = subnetOf(c.state.config, ip);
  if (!s) return c.state.config.authoritative && c.msg.giaddr === 0 && (arrivalSubnet(c) !== undefined) ? nak(c, undefined, `${intToIp(ip)} is on no network of ours`) : note(c, 'no-subnet');
  const res = reservation(c);
  const l = L.lease(ip);
  if (l && l.mac === c.mac && l.state === 'declined') return nak(c, s, 'declined address');
  if (availableFor(c, s, ip, res.ip === ip)) return bind(c, s, ip, res.hostname, MT.ACK);
  return c.state.config.authoritative ? nak(c, s, `${intToIp(ip)} is not available to this client`) : note(c, 'no-lease', intToIp(ip));
}

function bind(c: Ctx, s: Subnet, ip: number, hostname: string | undefined, type: number): Decision {
  const cfg = c.state.config;
  const L = c.state.leases;
  const ipStr = intToIp(ip);
  const prev = L.lease(ip);
  // One address per client and subnet: a previous binding elsewhere in the subnet is released.
  const other = L.leaseForMac(c.mac, s);
  if (other && other.ip !== ipStr && other.state === 'bound' && other.expiresAt > c.now) {
    c.out.leaseWrites.push({ op: 'put', lease: { ...other, state: 'released', expiresAt: c.now, updatedAt: c.now, version: other.version + 1 } });
  }
  const cid = opt(c, OPT.CLIENT_ID);
  const hn = opt(c, OPT.HOSTNAME);
  const vc = opt(c, OPT.VENDOR_CLASS);
  const lease: Lease = {
    ip: ipStr, mac: c.mac,
    clientId: cid ? cid.toString('hex') : null,
    hostname: hostname ?? (hn ? printable(hn) : null),
    vendorClass: vc ? printable(vc) : null,
    state: 'bound',
    startsAt: prev && prev.mac === c.mac && prev.state === 'bound' && prev.expiresAt > c.now ? prev.startsAt : c.now,
    expiresAt: c.now + cfg.leaseTimeS * 1000,
    updatedAt: c.now,
    version: (prev?.version ?? 0) + 1,
  };
  c.out.leaseWrites.push({ op: 'put', lease });
  reply(c, type, s, ip, hostname);
  return c.out;
}

function printable(b: Buffer): string {
  return b.toString('latin1').replace(/[^\x20-\x7e]/g, '?').slice(0, 255);
}

function nak(c: Ctx, s: Subnet | undefined, why: string): Decision {
  note(c, 'nak', why);
  const m = base(c, MT.NAK);
  m.options.push({ code: OPT.MESSAGE, data: Buffer.from(why, 'latin1') });
  relayInfo(c, m);
  void s;
  // RFC 2131 4.1: a NAK without a relay is broadcast; through a relay the broadcast bit is set.
  if (c.msg.giaddr !== 0) {
    m.flags |= BROADCAST_FLAG;
    c.out.replies.push({ msg: m, to: { address: intToIp(c.msg.giaddr), port: c.state.config.serverPort }, broadcast: false });
  } else {
    c.out.replies.push({ msg: m, to: { address: BROADCAST, port: c.state.config.clientPort }, broadcast: true });
  }
  return c.out;
}

function decline(c: Ctx): Decision {
  const sid = u32(opt(c, OPT.SERVER_ID));
  if (sid !== undefined && !c.state.ourIds.includes(sid)) return note(c, 'other-server', intToIp(sid));
  const ip = u32(opt(c, OPT.REQUESTED_IP));
  if (ip === undefined) return note(c, 'bad-request', 'DECLINE without requested-ip');
  const h = c.state.leases.holder(ip, c.now);
  const s = subnetOf(c.state.config, ip);
  if (!s || (h !== undefined && h !== c.mac)) return note(c, 'bad-request', `DECLINE of ${intToIp(ip)} not held by this client`);
  const prev = c.state.leases.lease(ip);
  const o = c.state.leases.offer(ip);
  if (o) c.out.leaseWrites.push({ op: 'unoffer', ip });
  c.out.leaseWrites.push({ op: 'put', lease: {
    ip: intToIp(ip), mac: c.mac, clientId: prev?.clientId ?? null, hostname: prev?.hostname ?? null, vendorClass: prev?.vendorClass ?? null,
    state: 'declined', startsAt: c.now, expiresAt: c.now + c.state.config.declineQuarantineMs, updatedAt: c.now,
    version: (prev?.version ?? 0) + 1,
  } });
  return note(c, 'declined', intToIp(ip));
}

function release(c: Ctx): Decision {
  const sid = u32(opt(c, OPT.SERVER_ID));
  if (sid !== undefined && !c.state.ourIds.includes(sid)) return note(c, 'other-server', intToIp(sid));
  const ip = c.msg.ciaddr;
  const l = c.state.leases.lease(ip);
  if (!l || l.mac !== c.mac || l.state !== 'bound') return note(c, 'no-lease', intToIp(ip));
  c.out.leaseWrites.push({ op: 'put', lease: { ...l, state: 'released', expiresAt: c.now, updatedAt: c.now, version: l.version + 1 } });
  return note(c, 'released', intToIp(ip));
}

function inform(c: Ctx): Decision {
  // RFC 2131 3.4: configuration only, no lease; yiaddr stays 0, no lease times.
  if (c.msg.ciaddr === 0 && c.msg.giaddr === 0) return note(c, 'bad-request', 'INFORM without ciaddr');
  const s = subnetOf(c.state.config, c.msg.ciaddr) ?? arrivalSubnet(c);
  reply(c, MT.ACK, s, 0, undefined, true);
  return c.out;
}

// ---- replies ----

function base(c: Ctx, type: number): DhcpMessage {
  const m = emptyMessage(2, c.msg.xid, c.msg.chaddr, c.msg.hlen);
  m.htype = c.msg.htype;
  m.flags = c.msg.flags & BROADCAST_FLAG;
  m.giaddr = c.msg.giaddr;
  m.options.push({ code: OPT.MESSAGE_TYPE, data: Buffer.from([type]) });
  const sid = Buffer.alloc(4);
  sid.writeUInt32BE(c.state.serverId);
  m.options.push({ code: OPT.SERVER_ID, data: sid });
  return m;
}

function relayInfo(c: Ctx, m: DhcpMessage): void {
  // RFC 3046 2.2: echo the relay agent information back to the relay.
  const ri = opt(c, OPT.RELAY_AGENT_INFO);
  if (ri && c.msg.giaddr !== 0) m.options.push({ code: OPT.RELAY_AGENT_INFO, data: ri });
}

const be32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

function reply(c: Ctx, type: number, s: Subnet | undefined, ip: number, hostname: string | undefined, inform = false): void {
  const st = c.state;
  const cfg = st.config;
  const m = base(c, type);
  m.yiaddr = ip;
  m.ciaddr = type === MT.ACK ? c.msg.ciaddr : 0;
  m.siaddr = st.serverIp;
  if (!inform) {
    m.options.push({ code: OPT.LEASE_TIME, data: be32(cfg.leaseTimeS) });
    m.options.push({ code: OPT.RENEWAL_TIME, data: be32(cfg.t1S) });
    m.options.push({ code: OPT.REBINDING_TIME, data: be32(cfg.t2S) });
  }
  if (s) {
    m.options.push({ code: OPT.SUBNET_MASK, data: be32(s.mask) });
    const routers = s.routers ?? (s.local ? [] : [c.msg.giaddr]);
    if (routers.length > 0 && routers[0] !== 0) m.options.push({ code: OPT.ROUTER, data: Buffer.concat(routers.map(be32)) });
  }
  // Configured options, then the vendor-class rules (which win per option and are always sent).
  const prl = opt(c, OPT.PARAM_REQUEST_LIST);
  const wanted = (code: number): boolean => !prl || prl.includes(code) || cfg.forced.has(code) || ALWAYS.has(code);
  const chosen = new Map<number, { data: Buffer; force: boolean }>();
  for (const t of cfg.options) chosen.set(t.code, { data: optionBytes(t, st.provisioningHost), force: false });
  const vc = opt(c, OPT.VENDOR_CLASS);
  if (vc && cfg.vendorRules.length > 0) {
    const v = vc.toString('latin1').toLowerCase();
    for (const r of cfg.vendorRules) {
      if (!v.startsWith(r.prefix)) continue;
      for (const t of r.options) chosen.set(t.code, { data: optionBytes(t, st.provisioningHost), force: true });
    }
  } else {
    for (const r of cfg.vendorRules) {
      if (r.prefix !== '') continue;
      for (const t of r.options) chosen.set(t.code, { data: optionBytes(t, st.provisioningHost), force: true });
    }
  }
  if (hostname) chosen.set(OPT.HOSTNAME, { data: Buffer.from(hostname, 'latin1'), force: false });
  let sentTftpName = false;
  for (const [code, v] of chosen) {
    if (!v.force && !wanted(code)) continue;
    if (code === OPT.TFTP_SERVER_NAME) sentTftpName = true;
    m.options.push({ code, data: v.data });
  }
  // BOOTP fields: the boot file always, the server name when option 66 was not sent (as dnsmasq).
  const boot = chosen.get(OPT.BOOTFILE);
  if (boot && boot.data.length < 128) boot.data.copy(m.file);
  const tftp = chosen.get(OPT.TFTP_SERVER_NAME);
  if (tftp && !sentTftpName && tftp.data.length < 64) tftp.data.copy(m.sname);
  relayInfo(c, m);
  // RFC 2131 2: a client takes at least 576-byte datagrams; more only if it said so (option 57).
  const mms = u16(opt(c, OPT.MAX_MESSAGE_SIZE));
  const limit = Math.max(576, mms ?? 576) - 28;
  while (encodingLength(m) > limit && m.options.length > 8) {
    const i = m.options.findLastIndex((o) => !ALWAYS.has(o.code) && o.code !== OPT.RELAY_AGENT_INFO);
    if (i < 0) break;
    m.options.splice(i, 1);
  }
  c.out.replies.push({ msg: m, ...destination(c), });
}

const u16 = (b: Buffer | undefined): number | undefined => (b && b.length === 2 ? b.readUInt16BE(0) : undefined);

/** RFC 2131 4.1, "If the 'giaddr' field ... is nonzero ..." (NAKs are addressed in nak()). */
function destination(c: Ctx): { to: { address: string; port: number }; broadcast: boolean } {
  const cfg = c.state.config;
  if (c.msg.giaddr !== 0) return { to: { address: intToIp(c.msg.giaddr), port: cfg.serverPort }, broadcast: false };
  if (c.msg.ciaddr !== 0) return { to: { address: intToIp(c.msg.ciaddr), port: cfg.clientPort }, broadcast: false };
  // No relay, no address: broadcast. (Unicast to yiaddr would need an ARP entry Node cannot add.)
  return { to: { address: BROADCAST, port: cfg.clientPort }, broadcast: true };
}

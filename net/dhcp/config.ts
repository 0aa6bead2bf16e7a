// Turns the `dhcp` config section into what the handler needs: subnets with ranges, exclusions,
// reservations, option bytes, vendor rules. Runs once at service start (STYLE rule 10); every
// bad entry is a ConfigError naming `dhcp.<key>[i]` and the form expected. Pure.
import { ConfigError } from '../../agent/errors.ts';
import { parseMac } from '../../provisioning/mac.ts';
import type { DhcpConfig } from './config-schema.ts';
import { encodeOptionText, OPT, optionCode } from './options.ts';
import { intToIp, ipToInt, prefixToMask } from '../lib/ipv4.ts';

export interface Subnet {
  /** '10.0.0.0/24' */
  id: string;
  network: number;
  prefix: number;
  mask: number;
  broadcast: number;
  /** Option 3 for this subnet; undefined = for relayed subnets the giaddr, else none. */
  routers: number[] | undefined;
  ranges: Array<[number, number]>;
  /** The subnet of the served interface (answered without a relay). */
  local: boolean;
}

/** An option value, maybe with %%SERVER%% to fill in per reply. */
export interface OptionTemplate { code: number; text: string; fixed: Buffer | undefined }

export interface VendorRule { prefix: string; options: OptionTemplate[] }

export interface ResolvedConfig {
  subnets: Subnet[];
  /** Addresses never handed out dynamically (exclusions, network/broadcast, the server). */
  excluded: (ip: number) => boolean;
  /** Config reservations: mac -> ip/hostname, and ip -> mac. */
  reservations: Map<string, { ip: number; hostname: string | undefined }>;
  reservedIps: Map<number, string>;
  leaseTimeS: number;
  t1S: number;
  t2S: number;
  offerHoldMs: number;
  declineQuarantineMs: number;
  authoritative: boolean;
  serverPort: number;
  clientPort: number;
  /** Global options in send order (after the always-sent ones). */
  options: OptionTemplate[];
  vendorRules: VendorRule[];
  forced: Set<number>;
}

export const SERVER_PLACEHOLDER = '%%SERVER%%';
const SAMPLE_SERVER = '192.0.2.1';

function ipOrThrow(key: string, s: string, what = 'an IPv4 address'): number {
  const n = ipToInt(s.trim());
  if (n === undefined) throw new ConfigError(key, `'${s}' is not ${what}`);
  return n;
}

function template(key: string, code: number, text: string): OptionTemplate {
  try {
    const sample = encodeOptionText(code, text.replaceAll(SERVER_PLACEHOLDER, SAMPLE_SERVER));
    if (sample.length > 1200) throw new Error('value too long');
  } catch (e) {
    throw new ConfigError(key, (e as Error).message);
  }
  return { code, text, fixed: text.includes(SERVER_PLACEHOLDER) ? undefined : encodeOptionText(code, text) };
}

/** Fills %%SERVER%% and gives the wire bytes. */
export function optionBytes(t: OptionTemplate, server: string): Buffer {
  return t.fixed ?? encodeOptionText(t.code, t.text.replaceAll(SERVER_PLACEHOLDER, server));
}

function codeOf(key: string, name: string): number {
  const c = optionCode(name.trim());
  if (c === undefined) throw new ConfigError(key, `'${name}' is not a DHCP option code (1..254) or name (e.g. tftp-server-name)`);
  return c;
}

function parseAssignment(key: string, item: string): OptionTemplate {
  const eq = item.indexOf('=');
  if (eq <= 0) throw new ConfigError(key, `'${item}' must be CODE=VALUE or NAME=VALUE`);
  return template(key, codeOf(key, item.slice(0, eq)), item.slice(eq + 1));
}

export function parseRange(key: string, s: string): [number, number] {
  const [a, b] = s.split('-');
  const first = ipOrThrow(key, a ?? '');
  const last = b === undefined ? first : ipOrThrow(key, b);
  if (last < first) throw new ConfigError(key, `range '${s}' ends before it starts`);
  return [first, last];
}

/**
 * `iface` is the served interface (address and prefix length); pools in its subnet are local.
 */
export function resolveConfig(c: DhcpConfig, iface: { address: number; prefix: number }): ResolvedConfig {
  const subnets = new Map<string, Subnet>();
  const ifaceMask = prefixToMask(iface.prefix);
  c.pools.forEach((p, i) => {
    const key = `dhcp.pools[${i}]`;
    const m = /^\s*(\S+?)(?:\/(\d{1,2}))?(?:\s+(.*))?$/.exec(p);
    if (!m) throw new ConfigError(key, `'${p}' must be "FIRST-LAST/PREFIX [router=IP]"`);
    const [first, last] = parseRange(key, m[1]!);
    let prefix = m[2] === undefined ? undefined : Number(m[2]);
    if (prefix === undefined) {
      if ((first & ifaceMask) >>> 0 !== (iface.address & ifaceMask) >>> 0) throw new ConfigError(key, `'${p}' is not in the served interface's subnet: give its prefix length, e.g. ${m[1]}/24`);
      prefix = iface.prefix;
    }
    if (prefix < 8 || prefix > 30) throw new ConfigError(key, `prefix length /${prefix} must be 8..30`);
    const mask = prefixToMask(prefix);
    const network = (first & mask) >>> 0;
    if (((last & mask) >>> 0) !== network) throw new ConfigError(key, `'${m[1]}' spans more than one /${prefix} subnet`);
    if (last - first > 1 << 20) throw new ConfigError(key, `'${m[1]}' has more than 1,048,576 addresses`);
    let routers: number[] | undefined;
    for (const kv of (m[3] ?? '').split(/\s+/).filter(Boolean)) {
      const r = /^router=(.+)$/.exec(kv);
      if (!r) throw new ConfigError(key, `unknown pool setting '${kv}' (allowed: router=IP[,IP])`);
      routers = r[1]!.split(',').map((x) => ipOrThrow(key, x));
    }
    const id = `${intToIp(network)}/${prefix}`;
    const local = ((iface.address & mask) >>> 0) === network && prefix === iface.prefix;
    let s = subnets.get(id);
    if (!s) {
      s = { id, network, prefix, mask, broadcast: (network | ~mask) >>> 0, routers, ranges: [], local };
      subnets.set(id, s);
    } else if (routers) s.routers = routers;
    for (const [a, b] of s.ranges) {
      if (first <= b && last >= a) throw new ConfigError(key, `'${m[1]}' overlaps another range of ${id}`);
    }
    s.ranges.push([first, last]);
  });
  for (const s of subnets.values()) {
    if (s.local && s.routers === undefined && c.routers.length > 0) s.routers = c.routers.map((r, i) => ipOrThrow(`dhcp.routers[${i}]`, r));
  }
  const prefixes = [...subnets.values()].map((s) => s.prefix);
  if (new Set(prefixes).size > 1) {
    // Overlapping subnets of different sizes would make "which pool" ambiguous.
    for (const a of subnets.values()) for (const b of subnets.values()) {
      if (a !== b && ((a.network & b.mask) >>> 0) === b.network && ((b.network & a.mask) >>> 0) !== a.network) {
        throw new ConfigError('dhcp.pools', `subnets ${a.id} and ${b.id} overlap`);
      }
    }
  }

  const exclusions = c.exclude.map((e, i) => parseRange(`dhcp.exclude[${i}]`, e));
  const excluded = (ip: number): boolean => {
    if (ip === iface.address) return true;
    for (const s of subnets.values()) if ((ip & s.mask) >>> 0 === s.network && (ip === s.network || ip === s.broadcast)) return true;
    for (const [a, b] of exclusions) if (ip >= a && ip <= b) return true;
    return false;
  };

  const reservations = new Map<string, { ip: number; hostname: string | undefined }>();
  const reservedIps = new Map<number, string>();
  c.reservations.forEach((r, i) => {
    const key = `dhcp.reservations[${i}]`;
    const parts = r.trim().split(/\s+/);
    const mac = parseMac(parts[0] ?? '');
    if (!mac || parts.length < 2 || parts.length > 3) throw new ConfigError(key, `'${r}' must be "MAC IP [HOSTNAME]"`);
    const ip = ipOrThrow(key, parts[1]!);
    if (![...subnets.values()].some((s) => (ip & s.mask) >>> 0 === s.network)) throw new ConfigError(key, `${parts[1]} is in no pool's subnet`);
    if (reservedIps.has(ip) && reservedIps.get(ip) !== mac) throw new ConfigError(key, `${parts[1]} is reserved twice`);
    reservations.set(mac, { ip, hostname: parts[2] });
    reservedIps.set(ip, mac);
  });

  const lease = Math.floor(c.leaseTimeMs / 1000);
  const t1 = c.renewalTimeMs > 0 ? Math.floor(c.renewalTimeMs / 1000) : Math.floor(lease / 2);
  const t2 = c.rebindingTimeMs > 0 ? Math.floor(c.rebindingTimeMs / 1000) : Math.floor((lease * 7) / 8);
  if (!(t1 < t2 && t2 < lease)) throw new ConfigError('dhcp.renewalTimeMs', `T1 (${t1} s) < T2 (${t2} s) < lease time (${lease} s) must hold`);

  const options: OptionTemplate[] = [];
  const push = (t: OptionTemplate): void => {
    const at = options.findIndex((o) => o.code === t.code);
    if (at >= 0) options[at] = t; else options.push(t);
  };
  const list = (key: string, code: number, v: string[]): void => { if (v.length > 0) push(template(key, code, v.join(','))); };
  list('dhcp.dnsServers', OPT.DNS, c.dnsServers);
  if (c.domainName) push(template('dhcp.domainName', OPT.DOMAIN_NAME, c.domainName));
  list('dhcp.ntpServers', OPT.NTP, c.ntpServers);
  if (c.tftpServerName) push(template('dhcp.tftpServerName', OPT.TFTP_SERVER_NAME, c.tftpServerName));
  if (c.bootFile) push(template('dhcp.bootFile', OPT.BOOTFILE, c.bootFile));
  list('dhcp.tftpServers', OPT.TFTP_SERVERS, c.tftpServers);
  if (c.provisioningUrl) push(template('dhcp.provisioningUrl', OPT.PROVISIONING_URL, c.provisioningUrl));
  c.options.forEach((o, i) => push(parseAssignment(`dhcp.options[${i}]`, o)));
  for (const o of options) {
    if (RESERVED_CODES.has(o.code)) throw new ConfigError('dhcp.options', `option ${o.code} is set by the server itself`);
  }

  const vendorRules = c.vendorRules.map((r, i): VendorRule => {
    const key = `dhcp.vendorRules[${i}]`;
    const parts = r.trim().split(/\s+/);
    if (parts.length < 2) throw new ConfigError(key, `'${r}' must be "PREFIX CODE=VALUE [CODE=VALUE...]"`);
    const opts = parts.slice(1).map((a) => parseAssignment(key, a));
    for (const o of opts) if (RESERVED_CODES.has(o.code)) throw new ConfigError(key, `option ${o.code} is set by the server itself`);
    return { prefix: parts[0] === '*' ? '' : parts[0]!.toLowerCase(), options: opts };
  });
  const forced = new Set(c.forceOptions.map((n, i) => codeOf(`dhcp.forceOptions[${i}]`, n)));

  return {
    subnets: [...subnets.values()], excluded, reservations, reservedIps,
    leaseTimeS: lease, t1S: t1, t2S: t2, offerHoldMs: c.offerHoldMs, declineQuarantineMs: c.declineQuarantineMs,
    authoritative: c.authoritative, serverPort: c.port, clientPort: c.clientPort,
    options, vendorRules, forced,
  };
}

/** Options the server computes itself; config may not set them. */
export const RESERVED_CODES = new Set<number>([OPT.SUBNET_MASK, OPT.ROUTER, OPT.REQUESTED_IP, OPT.LEASE_TIME, OPT.OVERLOAD,
  OPT.MESSAGE_TYPE, OPT.SERVER_ID, OPT.PARAM_REQUEST_LIST, OPT.RENEWAL_TIME, OPT.REBINDING_TIME, OPT.CLIENT_ID, OPT.RELAY_AGENT_INFO]);

export function subnetOf(cfg: ResolvedConfig, ip: number): Subnet | undefined {
  for (const s of cfg.subnets) if ((ip & s.mask) >>> 0 === s.network) return s;
  return undefined;
}

export function inRanges(s: Subnet, ip: number): boolean {
  for (const [a, b] of s.ranges) if (ip >= a && ip <= b) return true;
  return false;
}

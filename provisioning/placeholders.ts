// The placeholder catalogue and how a name gets its value. Resolution order: built-ins, then
// global custom placeholders, then the device's own custom placeholders (custom names start with
// '_', so they never shadow a built-in). Common files (no device) see only the 'common' scope:
// PBX, time, provisioning and custom placeholders.
import type { Config } from '../agent/config/types.ts';
import { formatMac } from './mac.ts';
import type { Lookup } from './template.ts';
import { timezoneInfo, offsetHours, posixTz, type DstRule } from './tz.ts';
import type { AccountRow, DeviceRow, PlaceholderRow, ProvisioningFacts } from './types.ts';

export type PlaceholderGroup = 'pbx' | 'time' | 'provisioning' | 'phone' | 'mac' | 'account';

export interface CatalogueEntry {
  name: string;
  group: PlaceholderGroup;
  /** 'common' placeholders work in every file; 'device' ones only in a device's files. */
  scope: 'common' | 'device';
  secret?: boolean;
  description: string;
}

const c = (name: string, group: PlaceholderGroup, description: string, extra: Partial<CatalogueEntry> = {}): CatalogueEntry =>
  ({ name, group, scope: group === 'pbx' || group === 'time' || group === 'provisioning' ? 'common' : 'device', description, ...extra });

const OCTETS: [string, string][] = [['IPADDR', 'IP address'], ['IPNETMASK', 'netmask'], ['IPGATEWAY', 'gateway'], ['IPDNS1', 'DNS 1'], ['IPDNS2', 'DNS 2']];

export const BUILTIN_PLACEHOLDERS: readonly CatalogueEntry[] = [
  c('PBXADDRESS', 'pbx', 'Address phones use to reach the PBX (pbx.address; empty: the node\'s first IPv4 address)'),
  c('SIPDOMAIN', 'pbx', 'SIP domain (pbx.domain; empty: PBXADDRESS)'),
  c('SIPUDPPORT', 'pbx', 'SIP UDP port of the PBX (pbx.sipUdpPort)'),
  c('SIPTCPPORT', 'pbx', 'SIP TCP port of the PBX (pbx.sipTcpPort)'),
  c('SIPTLSPORT', 'pbx', 'SIP TLS port of the PBX (pbx.sipTlsPort)'),
  c('NTPSERVER', 'pbx', 'NTP server (pbx.ntpServer; empty: PBXADDRESS)'),
  c('LANGUAGE', 'pbx', 'Phone UI language name, e.g. English, Italian (pbx.language)'),
  c('TIMEZONE', 'time', 'IANA time zone name, e.g. Europe/Rome (pbx.timezone)'),
  c('TZOFFSET', 'time', 'Standard UTC offset in hours: +1, -5, +5:30, 0'),
  c('TZOFFSETMIN', 'time', 'Standard UTC offset in minutes: 60'),
  c('TZOFFSETSEC', 'time', 'Standard UTC offset in seconds: 3600'),
  c('TZOFFSETQH', 'time', 'Standard UTC offset in quarter hours: 4 (Fanvil)'),
  c('TZPOSIX', 'time', 'POSIX TZ string: CET-1CEST,M3.5.0,M10.5.0/3 (Grandstream)'),
  c('TZDST', 'time', '1 when the zone observes daylight saving time, else 0'),
  c('TZDSTMIN', 'time', 'Daylight saving in minutes: 60 (empty without DST)'),
  ...(['START', 'END'] as const).flatMap((w) => [
    c(`TZDST${w}MONTH`, 'time', `Month DST ${w === 'START' ? 'starts' : 'ends'}: 1-12 (empty without DST)`),
    c(`TZDST${w}WEEK`, 'time', `Week of the month DST ${w === 'START' ? 'starts' : 'ends'}: 1-4, 5 = last`),
    c(`TZDST${w}WDAY`, 'time', `Weekday DST ${w === 'START' ? 'starts' : 'ends'}: 0 = Sunday .. 6 = Saturday`),
    c(`TZDST${w}HOUR`, 'time', `Local hour DST ${w === 'START' ? 'starts' : 'ends'} (wall clock before the change): 0-23`),
    c(`TZDST${w}TIME`, 'time', `Local time DST ${w === 'START' ? 'starts' : 'ends'}: HH:MM:SS`),
  ]),
  c('TENANT', 'provisioning', 'Tenant UUID of the file (empty on a single-tenant node)'),
  c('PROVHTTPURL', 'provisioning', 'HTTP URL of the provisioning folder, with the tenant, ending in /'),
  c('PROVTFTPURL', 'provisioning', 'TFTP URL of the provisioning folder, with the tenant, ending in /'),
  c('IPADDRMODE', 'phone', 'on when the phone uses DHCP, off for a static address'),
  c('IPADDR', 'phone', 'Static IP address of the phone'),
  c('IPNETMASK', 'phone', 'Netmask of the phone'),
  c('IPGATEWAY', 'phone', 'Default gateway of the phone'),
  c('IPDNS1', 'phone', 'Primary DNS server of the phone'),
  c('IPDNS2', 'phone', 'Secondary DNS server of the phone'),
  ...OCTETS.flatMap(([n, what]) => [1, 2, 3, 4].map((i) => c(`${n}_${i}`, 'phone', `Octet ${i} of the phone's ${what} (Grandstream P-values)`))),
  c('PHONEUSERNAME', 'phone', 'Phone admin user name (empty: admin)'),
  c('PHONEPASSWORD', 'phone', 'Phone admin password', { secret: true }),
  c('REMOTEADDRESS', 'phone', 'Address of the phone\'s web interface for remote control'),
  c('REMOTEPORT', 'phone', 'Port of the phone\'s web interface for remote control'),
  c('DEVICEBRAND', 'phone', 'Brand name of the device model'),
  c('DEVICEMODEL', 'phone', 'Model name of the device'),
  c('MAC', 'mac', 'MAC, lower case: 0015651a2b3c'),
  c('MACUPPER', 'mac', 'MAC, upper case: 0015651A2B3C'),
  c('MACCOLON', 'mac', 'MAC, lower case with colons: 00:15:65:1a:2b:3c'),
  c('MACCOLONUPPER', 'mac', 'MAC, upper case with colons: 00:15:65:1A:2B:3C'),
  c('MACHYPHEN', 'mac', 'MAC, lower case with hyphens: 00-15-65-1a-2b-3c'),
  c('MACHYPHENUPPER', 'mac', 'MAC, upper case with hyphens: 00-15-65-1A-2B-3C'),
  c('MACDOT', 'mac', 'MAC, Cisco dotted: 0015.651a.2b3c'),
  c('MACDOTUPPER', 'mac', 'MAC, Cisco dotted upper case: 0015.651A.2B3C'),
  c('SIPUSERNAME', 'account', 'SIP user name of the linked account'),
  c('SIPPASSWORD', 'account', 'SIP password of the linked account', { secret: true }),
  c('AUTHUSER', 'account', 'SIP authentication user (empty: SIPUSERNAME)'),
  c('DISPLAYNAME', 'account', 'Display name (empty: first + last name, else the extension, else the user name)'),
  c('EXTENSION', 'account', 'Extension number of the account'),
  c('FIRSTNAME', 'account', 'First name of the account holder'),
  c('LASTNAME', 'account', 'Last name of the account holder'),
  c('VOICEMAIL', 'account', 'Voicemail access number'),
  c('SIPTRANSPORT', 'account', 'SIP transport of the account: udp, tcp or tls'),
  c('SIPPORT', 'account', 'PBX SIP port for the account\'s transport'),
];

const BY_NAME = new Map(BUILTIN_PLACEHOLDERS.map((e) => [e.name, e]));

export function builtinPlaceholder(name: string): CatalogueEntry | undefined {
  return BY_NAME.get(name);
}

export const MASK = '********';

/** Where a dynamic placeholder's value comes from: 'iface:<name>' (first IPv4 of an interface or VLAN). */
export function parseDynamicSource(value: string): { iface: string } | undefined {
  const m = /^iface:([A-Za-z0-9_.@-]{1,15})$/.exec(value);
  return m ? { iface: m[1]! } : undefined;
}

export interface ContextInput {
  pbx: Config['pbx'];
  facts: ProvisioningFacts;
  now: Date;
  /** Provisioning base URLs, each ending in '/', without the tenant. */
  urls: { http: string; tftp: string };
  tenant: string | null;
  device?: { row: DeviceRow; brand: string; model: string };
  account?: AccountRow | undefined;
  /** Global custom placeholders, then the device's own (which win). */
  globals: readonly PlaceholderRow[];
  deviceVars: readonly PlaceholderRow[];
  /** Replace secrets with MASK (admin previews). */
  maskSecrets?: boolean;
  /** Called for each dynamic value read, so the caller can date its last change. */
  onDynamic?: (source: string, value: string | undefined) => void;
}

export interface PlaceholderContext {
  lookup: Lookup;
  /** Problems met while resolving (unresolvable dynamic values...), each once. */
  warnings: string[];
  /** Custom placeholder rows whose values were read (for Last-Modified). */
  usedCustom: PlaceholderRow[];
}

export function pbxAddress(pbx: Config['pbx'], facts: ProvisioningFacts): string {
  return pbx.address || facts.primaryIpv4?.() || '';
}

export function createContext(input: ContextInput): PlaceholderContext {
  const warnings: string[] = [];
  const warn = (w: string): void => { if (!warnings.includes(w)) warnings.push(w); };
  const values = builtinValues(input, warn);
  const custom = new Map<string, PlaceholderRow>();
  for (const row of input.globals) custom.set(row.name, row);
  if (input.device) for (const row of input.deviceVars) custom.set(row.name, row);
  const usedCustom: PlaceholderRow[] = [];
  const memo = new Map<string, string | undefined>();
  const lookup: Lookup = (name) => {
    if (memo.has(name)) return memo.get(name);
    let v: string | undefined = values.get(name);
    if (v === undefined && name.startsWith('_')) {
      const row = custom.get(name);
      if (row) {
        usedCustom.push(row);
        v = customValue(row, input, warn);
      }
    }
    memo.set(name, v);
    return v;
  };
  return { lookup, warnings, usedCustom };
}

function customValue(row: PlaceholderRow, input: ContextInput, warn: (w: string) => void): string {
  if (row.secret && input.maskSecrets) return MASK;
  if (row.kind === 'static') return row.value;
  const src = parseDynamicSource(row.value);
  if (!src) {
    warn(`placeholder %%${row.name}%% has an unknown dynamic source '${row.value}'; rendered empty`);
    return '';
  }
  const ip = input.facts.ipv4Of(src.iface);
  input.onDynamic?.(row.value, ip);
  if (ip === undefined) warn(`placeholder %%${row.name}%% (${row.value}): the interface has no IPv4 address; rendered empty`);
  return ip ?? '';
}

function builtinValues(input: ContextInput, warn: (w: string) => void): Map<string, string> {
  const { pbx } = input;
  const v = new Map<string, string>();
  const address = pbxAddress(pbx, input.facts);
  if (!address) warn('pbx.address is empty and the node has no IPv4 address: %%PBXADDRESS%% is empty');
  v.set('PBXADDRESS', address);
  v.set('SIPDOMAIN', pbx.domain || address);
  v.set('SIPUDPPORT', String(pbx.sipUdpPort));
  v.set('SIPTCPPORT', String(pbx.sipTcpPort));
  v.set('SIPTLSPORT', String(pbx.sipTlsPort));
  v.set('NTPSERVER', pbx.ntpServer || address);
  v.set('LANGUAGE', pbx.language);
  timeValues(v, pbx.timezone, input.now, warn);
  const t = input.tenant ? `${input.tenant}/` : '';
  v.set('TENANT', input.tenant ?? '');
  v.set('PROVHTTPURL', input.urls.http + t);
  v.set('PROVTFTPURL', input.urls.tftp + t);
  const dev = input.device;
  if (!dev) return v;
  const d = dev.row;
  const mask = (s: string): string => (input.maskSecrets && s ? MASK : s);
  v.set('IPADDRMODE', d.dhcp ? 'on' : 'off');
  v.set('IPADDR', d.ip);
  v.set('IPNETMASK', d.netmask);
  v.set('IPGATEWAY', d.gateway);
  v.set('IPDNS1', d.dns1);
  v.set('IPDNS2', d.dns2);
  for (const [n] of OCTETS) {
    const parts = (v.get(n) ?? '').split('.');
    for (let i = 1; i <= 4; i++) v.set(`${n}_${i}`, parts.length === 4 ? parts[i - 1]! : '');
  }
  v.set('PHONEUSERNAME', d.phone_username || 'admin');
  v.set('PHONEPASSWORD', mask(d.phone_password));
  v.set('REMOTEADDRESS', d.remote_address);
  v.set('REMOTEPORT', d.remote_port === null ? '' : String(d.remote_port));
  v.set('DEVICEBRAND', dev.brand);
  v.set('DEVICEMODEL', dev.model);
  v.set('MAC', formatMac(d.mac, 'lower'));
  v.set('MACUPPER', formatMac(d.mac, 'upper'));
  v.set('MACCOLON', formatMac(d.mac, 'lower-colon'));
  v.set('MACCOLONUPPER', formatMac(d.mac, 'upper-colon'));
  v.set('MACHYPHEN', formatMac(d.mac, 'lower-hyphen'));
  v.set('MACHYPHENUPPER', formatMac(d.mac, 'upper-hyphen'));
  v.set('MACDOT', formatMac(d.mac, 'lower-dot'));
  v.set('MACDOTUPPER', formatMac(d.mac, 'upper-dot'));
  const a = input.account;
  if (!a) {
    // Not served without an account; previews still render, with the account fields empty.
    for (const e of BUILTIN_PLACEHOLDERS) if (e.group === 'account') v.set(e.name, '');
    return v;
  }
  const fullName = `${a.first_name} ${a.last_name}`.trim();
  v.set('SIPUSERNAME', a.username);
  v.set('SIPPASSWORD', mask(a.password));
  v.set('AUTHUSER', a.auth_user || a.username);
  v.set('DISPLAYNAME', a.display_name || fullName || a.extension || a.username);
  v.set('EXTENSION', a.extension);
  v.set('FIRSTNAME', a.first_name);
  v.set('LASTNAME', a.last_name);
  v.set('VOICEMAIL', a.voicemail);
  v.set('SIPTRANSPORT', a.transport);
  v.set('SIPPORT', String(a.transport === 'tls' ? pbx.sipTlsPort : a.transport === 'tcp' ? pbx.sipTcpPort : pbx.sipUdpPort));
  return v;
}

function timeValues(v: Map<string, string>, zone: string, now: Date, warn: (w: string) => void): void {
  v.set('TIMEZONE', zone);
  const info = timezoneInfo(zone, now.getUTCFullYear());
  if (!info) warn(`pbx.timezone '${zone}' is not a known IANA time zone: time-zone placeholders are empty`);
  const off = info?.stdOffsetMin;
  v.set('TZOFFSET', off === undefined ? '' : offsetHours(off));
  v.set('TZOFFSETMIN', off === undefined ? '' : String(off));
  v.set('TZOFFSETSEC', off === undefined ? '' : String(off * 60));
  v.set('TZOFFSETQH', off === undefined ? '' : String(Math.round(off / 15)));
  v.set('TZPOSIX', info ? posixTz(info) : '');
  v.set('TZDST', info?.dst ? '1' : '0');
  v.set('TZDSTMIN', info?.dst ? String(info.dst.saveMin) : '');
  const rule = (w: 'START' | 'END', r: DstRule | undefined): void => {
    v.set(`TZDST${w}MONTH`, r ? String(r.month) : '');
    v.set(`TZDST${w}WEEK`, r ? String(r.week) : '');
    v.set(`TZDST${w}WDAY`, r ? String(r.weekday) : '');
    v.set(`TZDST${w}HOUR`, r ? String(Math.floor(r.minutes / 60)) : '');
    const hh = r ? String(Math.floor(r.minutes / 60)).padStart(2, '0') : '';
    const mm = r ? String(r.minutes % 60).padStart(2, '0') : '';
    v.set(`TZDST${w}TIME`, r ? `${hh}:${mm}:00` : '');
  };
  rule('START', info?.dst?.start);
  rule('END', info?.dst?.end);
}

/** Names a template may use in a device file / a common file, given the custom placeholders defined. */
export function knownNames(scope: 'device' | 'common', customNames: Iterable<string>): (name: string) => boolean {
  const custom = new Set(customNames);
  return (name) => {
    const b = BY_NAME.get(name);
    if (b) return scope === 'device' || b.scope === 'common';
    return custom.has(name);
  };
}

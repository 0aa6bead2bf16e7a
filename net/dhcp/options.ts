// DHCPv4 option registry (RFC 2132 and friends): one table code -> name and value type, with an
// explicit UNKNOWN_<n> fallback both ways (STYLE rule 3). Unknown options stay raw bytes, so a
// decoded message re-encodes losslessly. Pure: no I/O.
import { ipToInt } from '../lib/ipv4.ts';

export type OptionType = 'ip' | 'ips' | 'u8' | 'u16' | 'u32' | 'i32' | 'text' | 'bytes' | 'codes';

export interface OptionDef { code: number; name: string; type: OptionType }

export const OPT = {
  PAD: 0, SUBNET_MASK: 1, TIME_OFFSET: 2, ROUTER: 3, TIME_SERVER: 4, DNS: 6, LOG_SERVER: 7, HOSTNAME: 12,
  DOMAIN_NAME: 15, MTU: 26, BROADCAST: 28, NTP: 42, VENDOR_SPECIFIC: 43, REQUESTED_IP: 50, LEASE_TIME: 51,
  OVERLOAD: 52, MESSAGE_TYPE: 53, SERVER_ID: 54, PARAM_REQUEST_LIST: 55, MESSAGE: 56, MAX_MESSAGE_SIZE: 57,
  RENEWAL_TIME: 58, REBINDING_TIME: 59, VENDOR_CLASS: 60, CLIENT_ID: 61, TFTP_SERVER_NAME: 66, BOOTFILE: 67,
  CLIENT_FQDN: 81, RELAY_AGENT_INFO: 82, DOMAIN_SEARCH: 119, CLASSLESS_ROUTES: 121, VIVSO: 125,
  TFTP_SERVERS: 150, PROVISIONING_URL: 160, END: 255,
} as const;

const DEFS: OptionDef[] = [
  { code: 1, name: 'subnet-mask', type: 'ip' },
  { code: 2, name: 'time-offset', type: 'i32' },
  { code: 3, name: 'router', type: 'ips' },
  { code: 4, name: 'time-server', type: 'ips' },
  { code: 6, name: 'dns-server', type: 'ips' },
  { code: 7, name: 'log-server', type: 'ips' },
  { code: 12, name: 'hostname', type: 'text' },
  { code: 15, name: 'domain-name', type: 'text' },
  { code: 26, name: 'mtu', type: 'u16' },
  { code: 28, name: 'broadcast-address', type: 'ip' },
  { code: 42, name: 'ntp-server', type: 'ips' },
  { code: 43, name: 'vendor-specific', type: 'bytes' },
  { code: 50, name: 'requested-ip', type: 'ip' },
  { code: 51, name: 'lease-time', type: 'u32' },
  { code: 52, name: 'overload', type: 'u8' },
  { code: 53, name: 'message-type', type: 'u8' },
  { code: 54, name: 'server-id', type: 'ip' },
  { code: 55, name: 'parameter-request-list', type: 'codes' },
  { code: 56, name: 'message', type: 'text' },
  { code: 57, name: 'max-message-size', type: 'u16' },
  { code: 58, name: 'renewal-time', type: 'u32' },
  { code: 59, name: 'rebinding-time', type: 'u32' },
  { code: 60, name: 'vendor-class', type: 'text' },
  { code: 61, name: 'client-id', type: 'bytes' },
  { code: 66, name: 'tftp-server-name', type: 'text' },
  { code: 67, name: 'bootfile-name', type: 'text' },
  { code: 81, name: 'client-fqdn', type: 'bytes' },
  { code: 82, name: 'relay-agent-info', type: 'bytes' },
  { code: 119, name: 'domain-search', type: 'bytes' },
  { code: 121, name: 'classless-static-route', type: 'bytes' },
  { code: 125, name: 'vivso', type: 'bytes' },
  { code: 150, name: 'tftp-server-address', type: 'ips' },
  { code: 160, name: 'provisioning-url', type: 'text' },
];

const BY_CODE = new Map(DEFS.map((d) => [d.code, d]));
const BY_NAME = new Map(DEFS.map((d) => [d.name, d]));

export function optionDef(code: number): OptionDef {
  return BY_CODE.get(code) ?? { code, name: `UNKNOWN_${code}`, type: 'bytes' };
}

export function optionName(code: number): string {
  return optionDef(code).name;
}

/** 'router', '3', 'UNKNOWN_224' -> code; undefined when it names nothing (or PAD/END). */
export function optionCode(name: string): number | undefined {
  const known = BY_NAME.get(name.toLowerCase());
  if (known) return known.code;
  const m = /^(?:UNKNOWN_|option-?)?(\d{1,3})$/i.exec(name);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 1 && n <= 254 ? n : undefined;
}

export const MESSAGE_TYPES = {
  DISCOVER: 1, OFFER: 2, REQUEST: 3, DECLINE: 4, ACK: 5, NAK: 6, RELEASE: 7, INFORM: 8,
} as const;
export type MessageTypeName = keyof typeof MESSAGE_TYPES;
const TYPE_NAMES = Object.fromEntries(Object.entries(MESSAGE_TYPES).map(([k, v]) => [v, k])) as Record<number, MessageTypeName>;
export function messageTypeName(n: number): string {
  return TYPE_NAMES[n] ?? `UNKNOWN_${n}`;
}

// ---- typed option values ----

export type OptionValue = number | number[] | string | Buffer;

/** Decodes option data by its table type; a malformed payload gives the raw bytes (never throws). */
export function decodeOptionValue(code: number, data: Buffer): OptionValue {
  const t = optionDef(code).type;
  switch (t) {
    case 'ip': return data.length === 4 ? data.readUInt32BE(0) : Buffer.from(data);
    case 'ips': {
      if (data.length === 0 || data.length % 4 !== 0) return Buffer.from(data);
      const out: number[] = [];
      for (let i = 0; i < data.length; i += 4) out.push(data.readUInt32BE(i));
      return out;
    }
    case 'u8': return data.length === 1 ? data[0]! : Buffer.from(data);
    case 'u16': return data.length === 2 ? data.readUInt16BE(0) : Buffer.from(data);
    case 'u32': return data.length === 4 ? data.readUInt32BE(0) : Buffer.from(data);
    case 'i32': return data.length === 4 ? data.readInt32BE(0) : Buffer.from(data);
    case 'text': return data.toString('latin1');
    case 'codes': return [...data];
    default: return Buffer.from(data);
  }
}

export class OptionValueError extends Error {
  readonly code = 'PBX_ERR_DHCP_OPTION_VALUE';
}

/**
 * Parses an admin-written value for option `code` into wire bytes. Forms: per the table type
 * (comma-separated IPv4 lists, numbers, text), or for any option `hex:0a0b..`; option 43 (and any
 * bytes option) also takes `sub:1=text,2=hex:0a0b` (TLV sub-options). Throws OptionValueError.
 */
export function encodeOptionText(code: number, text: string): Buffer {
  if (/^hex:/i.test(text)) return hexBytes(text.slice(4));
  const t = optionDef(code).type;
  if (/^sub:/i.test(text) && (t === 'bytes' || t === 'text')) return subOptions(text.slice(4));
  switch (t) {
    case 'ip': case 'ips': {
      const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
      if (parts.length === 0 || (t === 'ip' && parts.length !== 1)) throw new OptionValueError(`option ${code} needs ${t === 'ip' ? 'one IPv4 address' : 'IPv4 addresses separated by commas'}, got '${text}'`);
      const b = Buffer.alloc(4 * parts.length);
      parts.forEach((p, i) => {
        const n = ipToInt(p);
        if (n === undefined) throw new OptionValueError(`option ${code}: '${p}' is not an IPv4 address`);
        b.writeUInt32BE(n, 4 * i);
      });
      return b;
    }
    case 'u8': case 'u16': case 'u32': case 'i32': {
      if (!/^-?\d+$/.test(text.trim())) throw new OptionValueError(`option ${code} needs a whole number, got '${text}'`);
      const n = Number(text.trim());
      const size = t === 'u8' ? 1 : t === 'u16' ? 2 : 4;
      const b = Buffer.alloc(size);
      const [lo, hi] = t === 'i32' ? [-(2 ** 31), 2 ** 31 - 1] : [0, 2 ** (8 * size) - 1];
      if (n < lo || n > hi) throw new OptionValueError(`option ${code}: ${n} is out of range ${lo}..${hi}`);
      if (t === 'i32') b.writeInt32BE(n); else b.writeUIntBE(n, 0, size);
      return b;
    }
    case 'codes': {
      const codes = text.split(',').map((s) => Number(s.trim()));
      if (codes.some((c) => !Number.isInteger(c) || c < 1 || c > 254)) throw new OptionValueError(`option ${code} needs option codes separated by commas, got '${text}'`);
      return Buffer.from(codes);
    }
    default: {
      const b = Buffer.from(text, 'utf8');
      if (b.length === 0) throw new OptionValueError(`option ${code}: empty value`);
      return b;
    }
  }
}

function hexBytes(h: string): Buffer {
  const clean = h.replace(/[:\s]/g, '');
  if (!/^(?:[0-9a-f]{2})+$/i.test(clean)) throw new OptionValueError(`'${h}' is not hex bytes (e.g. hex:0104c0a80001)`);
  return Buffer.from(clean, 'hex');
}

function subOptions(spec: string): Buffer {
  const parts: Buffer[] = [];
  for (const item of spec.split(',')) {
    const m = /^(\d{1,3})=(.*)$/.exec(item.trim());
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 254) throw new OptionValueError(`sub-option '${item}' must be CODE=VALUE with CODE 1..254`);
    const v = /^hex:/i.test(m[2]!) ? hexBytes(m[2]!.slice(4)) : Buffer.from(m[2]!, 'utf8');
    if (v.length > 255) throw new OptionValueError(`sub-option ${m[1]} is longer than 255 bytes`);
    parts.push(Buffer.from([Number(m[1]), v.length]), v);
  }
  return Buffer.concat(parts);
}

// XML-RPC (xmlrpc.com/spec.md) methodCall / methodResponse codec, our own: the vendors'
// redirection services (Snom, Yealink legacy, Gigaset, Fanvil) speak it, and their replies are
// untrusted input. Decoding goes through the bounded reader in xml.ts and never throws;
// encoding writes the compact form (no whitespace, every string in <string>) that the vendors'
// own clients send and that Falconieri's regexes expect.
//
// Values map to JS as: int/i4/i8 and double -> number, boolean -> boolean, string (or a bare
// <value>text</value>) -> string, base64 -> Buffer, dateTime.iso8601 -> XmlRpcDateTime,
// array -> array, struct -> null-prototype object (member names such as '__proto__' stay data),
// nil -> null.
import { escapeText, parseXml, type XmlElement, type XmlLimits, DEFAULT_XML_LIMITS } from './xml.ts';

export class XmlRpcDateTime {
  readonly iso: string;
  constructor(iso: string) { this.iso = iso; }
}

export type XmlRpcValue = string | number | boolean | null | Buffer | XmlRpcDateTime | XmlRpcValue[] | XmlRpcStruct;
export interface XmlRpcStruct { [member: string]: XmlRpcValue }

export interface MethodCall { method: string; params: XmlRpcValue[] }
export type MethodResponse = { kind: 'params'; value: XmlRpcValue } | { kind: 'fault'; faultCode: number; faultString: string };

export type XmlRpcErrorCode = 'XMLRPC_XML' | 'XMLRPC_SHAPE' | 'XMLRPC_VALUE' | 'XMLRPC_TOO_LARGE';
export interface XmlRpcError { code: XmlRpcErrorCode; message: string }
export type Decoded<T> = { ok: true; value: T; bytesRead: number } | { ok: false; error: XmlRpcError };

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

class Bad extends Error {
  readonly rpc: XmlRpcError;
  constructor(code: XmlRpcErrorCode, message: string) { super(message); this.rpc = { code, message }; }
}

/** A struct value with a null prototype, so hostile member names cannot touch Object.prototype. */
export function struct(entries: Record<string, XmlRpcValue> = {}): XmlRpcStruct {
  const s = Object.create(null) as XmlRpcStruct;
  for (const [k, v] of Object.entries(entries)) s[k] = v;
  return s;
}

// ---------------------------------------------------------------------------------- encode

function encodeValue(v: XmlRpcValue, out: string[], depth: number): void {
  if (depth > 32) throw new RangeError('XML-RPC value nested deeper than 32');
  out.push('<value>');
  if (typeof v === 'string') out.push('<string>', escapeText(v), '</string>');
  else if (typeof v === 'boolean') out.push('<boolean>', v ? '1' : '0', '</boolean>');
  else if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`XML-RPC cannot carry ${v}`);
    if (Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) out.push('<int>', String(v), '</int>');
    else out.push('<double>', String(v), '</double>');
  } else if (v === null) out.push('<nil/>');
  else if (Buffer.isBuffer(v)) out.push('<base64>', v.toString('base64'), '</base64>');
  else if (v instanceof XmlRpcDateTime) out.push('<dateTime.iso8601>', escapeText(v.iso), '</dateTime.iso8601>');
  else if (Array.isArray(v)) {
    out.push('<array><data>');
    for (const x of v) encodeValue(x, out, depth + 1);
    out.push('</data></array>');
  } else {
    out.push('<struct>');
    for (const k of Object.keys(v)) {
      out.push('<member><name>', escapeText(k), '</name>');
      encodeValue(v[k]!, out, depth + 1);
      out.push('</member>');
    }
    out.push('</struct>');
  }
  out.push('</value>');
}

function params(values: readonly XmlRpcValue[], out: string[]): void {
  out.push('<params>');
  for (const p of values) {
    out.push('<param>');
    encodeValue(p, out, 0);
    out.push('</param>');
  }
  out.push('</params>');
}

/** `<?xml version="1.0"?><methodCall>...`: the declaration is optional in the spec; we send it. */
export function encodeCallText(c: MethodCall): string {
  if (!/^[A-Za-z0-9_.:/]+$/.test(c.method)) throw new RangeError(`bad XML-RPC method name ${JSON.stringify(c.method)}`);
  const out = ['<?xml version="1.0"?><methodCall><methodName>', c.method, '</methodName>'];
  params(c.params, out);
  out.push('</methodCall>');
  return out.join('');
}

export function encodeResponseText(r: MethodResponse): string {
  const out = ['<?xml version="1.0"?><methodResponse>'];
  if (r.kind === 'params') params([r.value], out);
  else {
    out.push('<fault>');
    encodeValue(struct({ faultCode: r.faultCode, faultString: r.faultString }), out, 0);
    out.push('</fault>');
  }
  out.push('</methodResponse>');
  return out.join('');
}

// ---------------------------------------------------------------------------------- decode

const elements = (el: XmlElement): XmlElement[] => {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (typeof c === 'string') {
      if (c.trim() !== '') throw new Bad('XMLRPC_SHAPE', `unexpected text ${JSON.stringify(c.slice(0, 40))} inside <${el.name}>`);
    } else out.push(c);
  }
  return out;
};

const textOf = (el: XmlElement): string => {
  let s = '';
  for (const c of el.children) {
    if (typeof c !== 'string') throw new Bad('XMLRPC_SHAPE', `<${el.name}> must hold text, found <${c.name}>`);
    s += c;
  }
  return s;
};

function one(el: XmlElement, name: string): XmlElement {
  const kids = elements(el);
  if (kids.length !== 1 || kids[0]!.name !== name) {
    throw new Bad('XMLRPC_SHAPE', `<${el.name}> must hold exactly one <${name}>, found ${kids.map((k) => `<${k.name}>`).join('') || 'nothing'}`);
  }
  return kids[0]!;
}

function decodeValue(valueEl: XmlElement): XmlRpcValue {
  const kids = valueEl.children.filter((c) => typeof c !== 'string') as XmlElement[];
  // <value>text</value> with no type element is a string (spec), whitespace included.
  if (kids.length === 0) return textOf(valueEl);
  const typed = one(valueEl, kids[0]!.name);
  switch (typed.name) {
    case 'string': return textOf(typed);
    case 'int': case 'i4': case 'i8': {
      const t = textOf(typed).trim();
      if (!/^[+-]?\d{1,19}$/.test(t)) throw new Bad('XMLRPC_VALUE', `<${typed.name}> ${JSON.stringify(t.slice(0, 40))} is not an integer`);
      const n = Number(t) + 0;
      if (typed.name !== 'i8' && (n < INT32_MIN || n > INT32_MAX)) throw new Bad('XMLRPC_VALUE', `<${typed.name}> ${t} is outside 32 bits`);
      if (!Number.isSafeInteger(n)) throw new Bad('XMLRPC_VALUE', `<${typed.name}> ${t} is too large for this decoder`);
      return n;
    }
    case 'double': {
      const t = textOf(typed).trim();
      if (!/^[+-]?(?:\d{1,400}(?:\.\d{0,400})?|\.\d{1,400})(?:[eE][+-]?\d{1,3})?$/.test(t)) throw new Bad('XMLRPC_VALUE', `<double> ${JSON.stringify(t.slice(0, 40))} is not a number`);
      const n = Number(t) + 0; // + 0 turns -0 into 0, which encodes back the same
      if (!Number.isFinite(n)) throw new Bad('XMLRPC_VALUE', `<double> ${t.slice(0, 40)} overflows`);
      return n;
    }
    case 'boolean': {
      const t = textOf(typed).trim();
      if (t === '1' || t === 'true') return true;
      if (t === '0' || t === 'false') return false;
      throw new Bad('XMLRPC_VALUE', `<boolean> ${JSON.stringify(t.slice(0, 40))} is not 0 or 1`);
    }
    case 'base64': {
      const t = textOf(typed).replace(/\s+/g, '');
      if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t)) throw new Bad('XMLRPC_VALUE', '<base64> is not base64');
      const b = Buffer.from(t, 'base64');
      // Non-canonical padding bits would not re-encode the same; refuse them.
      if (b.toString('base64') !== t) throw new Bad('XMLRPC_VALUE', '<base64> is not canonical base64');
      return b;
    }
    case 'dateTime.iso8601': return new XmlRpcDateTime(textOf(typed));
    case 'nil': {
      if (typed.children.length !== 0) throw new Bad('XMLRPC_SHAPE', '<nil/> must be empty');
      return null;
    }
    case 'array': {
      const data = one(typed, 'data');
      return elements(data).map((v) => {
        if (v.name !== 'value') throw new Bad('XMLRPC_SHAPE', `<data> holds <${v.name}>, expected <value>`);
        return decodeValue(v);
      });
    }
    case 'struct': {
      const s = struct();
      for (const m of elements(typed)) {
        if (m.name !== 'member') throw new Bad('XMLRPC_SHAPE', `<struct> holds <${m.name}>, expected <member>`);
        const mk = elements(m);
        const nameEl = mk.find((k) => k.name === 'name');
        const valEl = mk.find((k) => k.name === 'value');
        if (mk.length !== 2 || !nameEl || !valEl) throw new Bad('XMLRPC_SHAPE', '<member> must hold one <name> and one <value>');
        s[textOf(nameEl)] = decodeValue(valEl);
      }
      return s;
    }
    default: throw new Bad('XMLRPC_VALUE', `unknown value type <${typed.name.slice(0, 40)}>`);
  }
}

function decodeParams(el: XmlElement): XmlRpcValue[] {
  return elements(el).map((p) => {
    if (p.name !== 'param') throw new Bad('XMLRPC_SHAPE', `<params> holds <${p.name}>, expected <param>`);
    return decodeValue(one(p, 'value'));
  });
}

function rootOf(text: string, name: string, limits: XmlLimits): XmlElement {
  const r = parseXml(text, limits);
  if (!r.ok) throw new Bad(r.error.code === 'XML_TOO_LARGE' ? 'XMLRPC_TOO_LARGE' : 'XMLRPC_XML', r.error.message);
  if (r.root.name !== name) throw new Bad('XMLRPC_SHAPE', `root element is <${r.root.name}>, expected <${name}>`);
  return r.root;
}

function guard<T>(fn: () => T, bytes: number): Decoded<T> {
  try {
    return { ok: true, value: fn(), bytesRead: bytes };
  } catch (e) {
    if (e instanceof Bad) return { ok: false, error: e.rpc };
    throw e;
  }
}

export function decodeCallText(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): Decoded<MethodCall> {
  return guard(() => {
    const root = rootOf(text, 'methodCall', limits);
    const kids = elements(root);
    const nameEl = kids[0];
    if (!nameEl || nameEl.name !== 'methodName') throw new Bad('XMLRPC_SHAPE', '<methodCall> must start with <methodName>');
    const method = textOf(nameEl).trim();
    if (!/^[A-Za-z0-9_.:/]+$/.test(method)) throw new Bad('XMLRPC_SHAPE', `bad method name ${JSON.stringify(method.slice(0, 60))}`);
    if (kids.length > 2 || (kids[1] && kids[1].name !== 'params')) throw new Bad('XMLRPC_SHAPE', '<methodCall> may only hold <methodName> and <params>');
    return { method, params: kids[1] ? decodeParams(kids[1]) : [] };
  }, Buffer.byteLength(text));
}

export function decodeResponseText(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): Decoded<MethodResponse> {
  return guard((): MethodResponse => {
    const root = rootOf(text, 'methodResponse', limits);
    const kids = elements(root);
    if (kids.length !== 1) throw new Bad('XMLRPC_SHAPE', '<methodResponse> must hold one <params> or one <fault>');
    const k = kids[0]!;
    if (k.name === 'params') {
      const ps = decodeParams(k);
      if (ps.length > 1) throw new Bad('XMLRPC_SHAPE', `a response carries one value, found ${ps.length}`);
      return { kind: 'params', value: ps.length === 0 ? null : ps[0]! };
    }
    if (k.name === 'fault') {
      const v = decodeValue(one(k, 'value'));
      if (v === null || typeof v !== 'object' || Array.isArray(v) || Buffer.isBuffer(v) || v instanceof XmlRpcDateTime) {
        throw new Bad('XMLRPC_SHAPE', '<fault> must hold a struct');
      }
      const code = v.faultCode;
      const str = v.faultString;
      if (typeof code !== 'number' || !Number.isInteger(code) || typeof str !== 'string' || Object.keys(v).length !== 2) {
        throw new Bad('XMLRPC_SHAPE', '<fault> struct must have exactly an int faultCode and a string faultString');
      }
      return { kind: 'fault', faultCode: code, faultString: str };
    }
    throw new Bad('XMLRPC_SHAPE', `<methodResponse> holds <${k.name}>, expected <params> or <fault>`);
  }, Buffer.byteLength(text));
}

// ------------------------------------------------- the Buffer codec shape (STYLE rule 1)

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function codecOf<T>(encodeText: (v: T) => string, decodeText: (t: string) => Decoded<T>) {
  const decode = (buf: Buffer, offset = 0): Decoded<T> => {
    if (offset < 0 || offset > buf.length) return { ok: false, error: { code: 'XMLRPC_XML', message: `offset ${offset} outside the buffer` } };
    const body = buf.subarray(offset);
    if (body.length > DEFAULT_XML_LIMITS.maxBytes) return { ok: false, error: { code: 'XMLRPC_TOO_LARGE', message: `body of ${body.length} bytes exceeds ${DEFAULT_XML_LIMITS.maxBytes}` } };
    let text: string;
    // Invalid UTF-8 would silently become U+FFFD; refuse it instead of changing the vendor's text.
    try { text = UTF8.decode(body); } catch { return { ok: false, error: { code: 'XMLRPC_XML', message: 'body is not valid UTF-8' } }; }
    const r = decodeText(text);
    return r.ok ? { ok: true, value: r.value, bytesRead: body.length } : r;
  };
  const encode = (v: T): Buffer => Buffer.from(encodeText(v), 'utf8');
  return {
    decode,
    encode,
    encodingLength: (v: T): number => Buffer.byteLength(encodeText(v)),
    encodeInto(v: T, buf: Buffer, offset = 0): number {
      const b = encode(v);
      if (offset + b.length > buf.length) throw new RangeError('buffer too small for the XML-RPC document');
      return b.copy(buf, offset);
    },
  };
}

export const callCodec = codecOf(encodeCallText, (t) => decodeCallText(t));
export const responseCodec = codecOf(encodeResponseText, (t) => decodeResponseText(t));

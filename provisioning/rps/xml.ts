// A minimal, bounded XML reader for XML-RPC bodies from vendor servers (untrusted input).
// It builds a small element tree and nothing more: no DTDs (a DOCTYPE is refused, so no entity
// expansion or external entities can exist), only the five predefined entities and character
// references, no namespaces. Work is linear in the input: every character is looked at a
// bounded number of times, and depth, element count and size are capped.

export interface XmlElement { name: string; children: XmlNode[] }
export type XmlNode = XmlElement | string;

export type XmlErrorCode = 'XML_TOO_LARGE' | 'XML_TOO_DEEP' | 'XML_TOO_MANY_NODES' | 'XML_SYNTAX' | 'XML_DOCTYPE' | 'XML_ENTITY';
export interface XmlError { code: XmlErrorCode; message: string }
export type XmlResult = { ok: true; root: XmlElement } | { ok: false; error: XmlError };

export interface XmlLimits { maxBytes: number; maxDepth: number; maxNodes: number }
export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 1 << 20, maxDepth: 64, maxNodes: 100_000 };

const NAME = /^[A-Za-z_][A-Za-z0-9._:-]*$/;

class Fail extends Error {
  readonly xml: XmlError;
  constructor(code: XmlErrorCode, message: string) { super(message); this.xml = { code, message }; }
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Replaces entity and character references in text; unknown entities are an error. */
function unescape(s: string, at: number): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;&<]{0,12});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new Fail('XML_ENTITY', `'&' without a terminated reference near offset ${at}`);
    if (name in PREDEFINED) return PREDEFINED[name]!;
    const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (!m) throw new Fail('XML_ENTITY', `unknown entity '&${name.slice(0, 12)};' near offset ${at}`);
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
    // XML 1.0 Char production: no NUL, no C0 controls but tab/LF/CR, no surrogates, no FFFE/FFFF.
    const ok = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
    if (!ok) throw new Fail('XML_ENTITY', `character reference &${name}; is not an XML character`);
    return String.fromCodePoint(cp);
  });
}

/** Parses one XML document into its root element. Never throws. */
export function parseXml(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlResult {
  try {
    return { ok: true, root: parse(text, limits) };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.xml };
    throw e;
  }
}

function parse(text: string, limits: XmlLimits): XmlElement {
  if (text.length > limits.maxBytes) throw new Fail('XML_TOO_LARGE', `document of ${text.length} characters exceeds ${limits.maxBytes}`);
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let nodes = 0;
  const n = text.length;

  while (i < n) {
    const lt = text.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i) {
      const chunk = text.slice(i, end);
      if (stack.length === 0) {
        if (chunk.trim() !== '') throw new Fail('XML_SYNTAX', `text outside the root element at offset ${i}`);
      } else {
        if (++nodes > limits.maxNodes) throw new Fail('XML_TOO_MANY_NODES', `more than ${limits.maxNodes} nodes`);
        if (chunk.includes('>') && chunk.includes(']]>')) throw new Fail('XML_SYNTAX', `']]>' in text at offset ${i}`);
        stack[stack.length - 1]!.children.push(unescape(chunk, i));
      }
    }
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<?', i)) {
      const close = text.indexOf('?>', i + 2);
      if (close < 0) throw new Fail('XML_SYNTAX', `unterminated processing instruction at offset ${i}`);
      i = close + 2;
      continue;
    }
    if (text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4);
      if (close < 0) throw new Fail('XML_SYNTAX', `unterminated comment at offset ${i}`);
      i = close + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) throw new Fail('XML_SYNTAX', `CDATA outside the root element at offset ${i}`);
      const close = text.indexOf(']]>', i + 9);
      if (close < 0) throw new Fail('XML_SYNTAX', `unterminated CDATA section at offset ${i}`);
      if (++nodes > limits.maxNodes) throw new Fail('XML_TOO_MANY_NODES', `more than ${limits.maxNodes} nodes`);
      stack[stack.length - 1]!.children.push(text.slice(i + 9, close));
      i = close + 3;
      continue;
    }
    if (text.startsWith('<!', i)) throw new Fail('XML_DOCTYPE', `DOCTYPE or other declaration at offset ${i} is refused (no DTDs in XML-RPC)`);
    const gt = text.indexOf('>', i + 1);
    if (gt < 0) throw new Fail('XML_SYNTAX', `unterminated tag at offset ${i}`);
    let tag = text.slice(i + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (!open) throw new Fail('XML_SYNTAX', `closing tag </${name.slice(0, 40)}> without an open element at offset ${i}`);
      if (open.name !== name) throw new Fail('XML_SYNTAX', `closing tag </${name.slice(0, 40)}> does not match <${open.name}> at offset ${i}`);
      if (stack.length === 0) root = open;
      i = gt + 1;
      continue;
    }
    const selfClosing = tag.endsWith('/');
    if (selfClosing) tag = tag.slice(0, -1);
    const ws = tag.search(/\s/);
    const name = ws < 0 ? tag : tag.slice(0, ws);
    if (!NAME.test(name)) throw new Fail('XML_SYNTAX', `bad element name ${JSON.stringify(name.slice(0, 40))} at offset ${i}`);
    // Attributes are not used by XML-RPC; they are checked for shape (quotes closed) and dropped.
    const attrs = ws < 0 ? '' : tag.slice(ws);
    if (!/^(?:\s+[A-Za-z_][A-Za-z0-9._:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*$/.test(attrs)) {
      throw new Fail('XML_SYNTAX', `bad attributes in <${name}> at offset ${i}`);
    }
    if (root) throw new Fail('XML_SYNTAX', `second root element <${name}> at offset ${i}`);
    if (++nodes > limits.maxNodes) throw new Fail('XML_TOO_MANY_NODES', `more than ${limits.maxNodes} nodes`);
    const el: XmlElement = { name, children: [] };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
    if (selfClosing) {
      if (stack.length === 0) root = el;
    } else {
      if (stack.length >= limits.maxDepth) throw new Fail('XML_TOO_DEEP', `elements nested deeper than ${limits.maxDepth}`);
      stack.push(el);
    }
    i = gt + 1;
  }
  if (stack.length > 0) throw new Fail('XML_SYNTAX', `document ends inside <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Fail('XML_SYNTAX', 'no root element');
  return root;
}

/** Escapes text for element content. CR is escaped so it survives parsers that normalise line ends. */
export function escapeText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

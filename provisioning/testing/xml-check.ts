// A tiny XML 1.0 well-formedness checker for tests (no new dependency): one root element,
// matched tags, quoted and unique attributes, no '<' in attribute values, only the predefined
// or numeric entity references, well-formed comments, CDATA and processing instructions.
// Returns undefined when well formed, else the first problem with its offset.

const NAME = /[A-Za-z_:][A-Za-z0-9_:.\-]*/y;
const REFERENCE = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/y;

export function checkXml(text: string): string | undefined {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: string[] = [];
  let rootSeen = false;
  const fail = (msg: string): string => `${msg} at offset ${i}`;
  const readName = (): string | undefined => {
    NAME.lastIndex = i;
    const m = NAME.exec(text);
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  const skipSpace = (): void => { while (i < text.length && /[ \t\r\n]/.test(text[i]!)) i++; };
  const checkRefs = (s: string, base: number): string | undefined => {
    for (let j = s.indexOf('&'); j !== -1; j = s.indexOf('&', j + 1)) {
      REFERENCE.lastIndex = j;
      if (!REFERENCE.test(s)) return `bad entity reference at offset ${base + j}`;
    }
    return undefined;
  };
  if (text.startsWith('<?xml', i)) {
    const end = text.indexOf('?>', i);
    if (end < 0) return fail('unterminated XML declaration');
    i = end + 2;
  }
  while (i < text.length) {
    if (text[i] !== '<') {
      const next = text.indexOf('<', i);
      const chunk = text.slice(i, next < 0 ? text.length : next);
      if (stack.length === 0 && chunk.trim() !== '') return fail('text outside the root element');
      if (chunk.includes(']]>')) return fail("']]>' in text");
      const bad = checkRefs(chunk, i);
      if (bad) return bad;
      i = next < 0 ? text.length : next;
      continue;
    }
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return fail('unterminated comment');
      if (text.slice(i + 4, end).includes('--')) return fail("'--' inside a comment");
      i = end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) return fail('CDATA outside the root element');
      const end = text.indexOf(']]>', i);
      if (end < 0) return fail('unterminated CDATA');
      i = end + 3;
      continue;
    }
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i);
      if (end < 0) return fail('unterminated processing instruction');
      i = end + 2;
      continue;
    }
    if (text.startsWith('<!', i)) return fail('DOCTYPE and declarations are not expected');
    if (text.startsWith('</', i)) {
      i += 2;
      const name = readName();
      if (!name) return fail('bad closing tag name');
      skipSpace();
      if (text[i] !== '>') return fail(`expected '>' closing </${name}`);
      i++;
      const open = stack.pop();
      if (open !== name) return fail(`</${name}> closes <${open ?? '(nothing)'}>`);
      continue;
    }
    i++;
    const name = readName();
    if (!name) return fail('bad tag name');
    if (stack.length === 0) {
      if (rootSeen) return fail(`second root element <${name}>`);
      rootSeen = true;
    }
    const attrs = new Set<string>();
    for (;;) {
      const before = i;
      skipSpace();
      if (text.startsWith('/>', i)) { i += 2; break; }
      if (text[i] === '>') { i++; stack.push(name); break; }
      if (i === before) return fail(`expected space, '>' or '/>' in <${name}>`);
      const attr = readName();
      if (!attr) return fail(`bad attribute name in <${name}>`);
      if (attrs.has(attr)) return fail(`duplicate attribute ${attr} in <${name}>`);
      attrs.add(attr);
      skipSpace();
      if (text[i] !== '=') return fail(`expected '=' after ${attr}`);
      i++;
      skipSpace();
      const q = text[i];
      if (q !== '"' && q !== "'") return fail(`unquoted value of ${attr}`);
      const end = text.indexOf(q, i + 1);
      if (end < 0) return fail(`unterminated value of ${attr}`);
      const value = text.slice(i + 1, end);
      if (value.includes('<')) return fail(`'<' in the value of ${attr}`);
      const bad = checkRefs(value, i + 1);
      if (bad) return bad;
      i = end + 1;
    }
  }
  if (stack.length) return `unclosed <${stack[stack.length - 1]}> at end of document`;
  if (!rootSeen) return 'no root element';
  return undefined;
}

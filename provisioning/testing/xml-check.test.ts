import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkXml } from './xml-check.ts';

test('the test XML checker accepts well-formed documents and names what is wrong in others', () => {
  const good = [
    '<?xml version="1.0"?>\n<a x="1" y=\'2\'><b/><!-- c --><c>t &amp; &#65; &#x41;</c><![CDATA[<raw>]]><?pi x?></a>\n',
    '<root/>',
    '\ufeff<?xml version="1.0" encoding="UTF-8"?><!-- before --><r a.b="1" c:d="2"></r><!-- after -->',
  ];
  for (const g of good) assert.equal(checkXml(g), undefined, g);
  const bad: [string, RegExp][] = [
    ['<a><b></a>', /closes <b>/],
    ['<a>', /unclosed <a>/],
    ['<a x=1/>', /unquoted/],
    ['<a x="1" x="2"/>', /duplicate attribute/],
    ['<a x="<"/>', /'<' in the value/],
    ['<a>Tom & Jerry</a>', /bad entity reference/],
    ['<a>&nbsp;</a>', /bad entity reference/],
    ['<a/><b/>', /second root/],
    ['text<a/>', /outside the root/],
    ['<a><!-- x -- y --></a>', /'--' inside a comment/],
    ['', /no root/],
  ];
  for (const [b, re] of bad) assert.match(checkXml(b) ?? 'accepted', re, b);
});

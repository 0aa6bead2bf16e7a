// Phonebook names and XML: the seed's name, the aliases, escaping, well-formedness per vendor.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePhonebookName, phonebookFileName, renderPhonebook, xmlEscape, PHONEBOOK_FORMATS } from './phonebook-render.ts';
import { checkXml } from './testing/xml-check.ts';

describe('phonebook names', () => {
  const cases: Array<[string, ReturnType<typeof parsePhonebookName>]> = [
    ['pb-t4xg-1213.xml', { format: 'yealink', type: 't4xg', id: 1213 }],
    ['PB-Yealink-7.XML', { format: 'yealink', type: 'yealink', id: 7 }],
    ['pb-snom-3.xml', { format: 'snom', type: 'snom', id: 3 }],
    ['pb-d7xx-3.xml', { format: 'snom', type: 'd7xx', id: 3 }],
    ['pb-gs-9.xml', { format: 'grandstream', type: 'gs', id: 9 }],
    ['pb-gxp21xx-9.xml', { format: 'grandstream', type: 'gxp21xx', id: 9 }],
    ['pb-unknown-9.xml', undefined],
    ['pb-t4x-0.xml', undefined],
    ['pb-t4x-01.xml', undefined],
    ['pb-t4x-1.cfg', undefined],
    ['pb-t4x-1.xml/x', undefined],
    ['y000000000000.cfg', undefined],
  ];
  for (const [name, want] of cases) it(name, () => assert.deepEqual(parsePhonebookName(name), want));
  it('canonical names parse back', () => {
    for (const f of PHONEBOOK_FORMATS) assert.equal(parsePhonebookName(phonebookFileName(f, 42))?.format, f);
  });
});

describe('phonebook XML', () => {
  const pb = {
    id: 1, name: 'A & B <co>',
    entries: [
      { name: `Tom "T" O'Neil & <x>\u0001`, numbers: [{ kind: 'work' as const, number: '201' }, { kind: 'mobile' as const, number: '+39 333' }] },
      { name: 'Solo', numbers: [{ kind: 'home' as const, number: '555' }] },
    ],
  };
  it('escapes the five XML characters and drops control characters', () => {
    assert.equal(xmlEscape(`<a href="x">&'\u0000\u0007`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });
  for (const f of PHONEBOOK_FORMATS) {
    it(`${f}: well formed, every number present, names escaped`, () => {
      const x = renderPhonebook(f, pb).toString('utf8');
      assert.equal(checkXml(x), undefined, x);
      for (const n of ['201', '+39 333', '555']) assert.ok(x.includes(n), n);
      assert.ok(x.includes('Tom &quot;T&quot; O&apos;Neil &amp; &lt;x&gt;'));
      assert.ok(!x.includes('\u0001'));
    });
  }
  it('root elements per vendor', () => {
    assert.match(renderPhonebook('yealink', pb).toString(), /<YealinkIPPhoneDirectory>[\s\S]*<DirectoryEntry>\s*<Name>Solo<\/Name>\s*<Telephone>555<\/Telephone>/);
    assert.match(renderPhonebook('snom', pb).toString(), /<SnomIPPhoneDirectory>\s*<Title>A &amp; B &lt;co&gt;<\/Title>/);
    assert.match(renderPhonebook('grandstream', pb).toString(), /<AddressBook>[\s\S]*<Phone type="Home">\s*<phonenumber>555<\/phonenumber>/);
  });
});

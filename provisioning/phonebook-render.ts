// Remote phonebooks in the vendors' XML, and the file names phones ask for them by. Pure.
//
//   pb-<type>-<id>.xml   e.g. pb-t4xg-1213.xml (the seed's Yealink name), pb-snom-7.xml
//
// <type> picks the format: Yealink (yealink, yl, or a series such as t4x, t4xg, t5x, w7x, cp),
// Snom (snom, d7xx, ...) or Grandstream (grandstream, gs, gxp..., grp...). The id is the
// phonebook's id in the store. Every text is XML-escaped; control characters never reach here
// (the store refuses them) but are dropped anyway, since XML 1.0 cannot carry them.

export const NUMBER_KINDS = ['work', 'mobile', 'home', 'other'] as const;
export type NumberKind = (typeof NUMBER_KINDS)[number];

export interface PhonebookNumber { kind: NumberKind; number: string }
export interface PhonebookEntryData { name: string; numbers: PhonebookNumber[] }
export interface PhonebookData { id: number; name: string; entries: PhonebookEntryData[] }

export const PHONEBOOK_FORMATS = ['yealink', 'snom', 'grandstream'] as const;
export type PhonebookFormat = (typeof PHONEBOOK_FORMATS)[number];

const FORMAT_OF: ReadonlyArray<readonly [RegExp, PhonebookFormat]> = [
  [/^(?:yealink|yl|[tw][0-9x]{1,3}[a-z]{0,2}|cp[0-9x]{0,4})$/, 'yealink'],
  [/^(?:snom|d[0-9x]{1,4})$/, 'snom'],
  [/^(?:grandstream|gs|gxp[0-9x]{0,4}|grp[0-9x]{0,4})$/, 'grandstream'],
];

const NAME = /^pb-([a-z0-9]{1,16})-([1-9][0-9]{0,8})\.xml$/i;

/** Reads a phonebook file name; undefined when the name is not one (the file source goes on). */
export function parsePhonebookName(fileName: string): { format: PhonebookFormat; type: string; id: number } | undefined {
  const m = NAME.exec(fileName);
  if (!m) return undefined;
  const type = m[1]!.toLowerCase();
  for (const [re, format] of FORMAT_OF) if (re.test(type)) return { format, type, id: Number(m[2]) };
  return undefined;
}

/** The canonical file name of a phonebook in a format. */
export function phonebookFileName(format: PhonebookFormat, id: number): string {
  return `pb-${format}-${id}.xml`;
}

export function xmlEscape(s: string): string {
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '').replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;');
}

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

const KIND_LABEL: Record<NumberKind, string> = { work: 'work', mobile: 'mobile', home: 'home', other: 'other' };
const GS_TYPE: Record<NumberKind, string> = { work: 'Work', mobile: 'Cell', home: 'Home', other: 'Other' };

/** Yealink remote phonebook: one DirectoryEntry per contact, one Telephone per number. */
function yealink(pb: PhonebookData): string {
  let s = HEAD + '<YealinkIPPhoneDirectory>\n';
  for (const e of pb.entries) {
    s += '  <DirectoryEntry>\n';
    s += `    <Name>${xmlEscape(e.name)}</Name>\n`;
    for (const n of e.numbers) s += `    <Telephone>${xmlEscape(n.number)}</Telephone>\n`;
    s += '  </DirectoryEntry>\n';
  }
  return s + '</YealinkIPPhoneDirectory>\n';
}

/** Snom minibrowser directory: one Telephone per DirectoryEntry, so a contact with several numbers is listed once per number. */
function snom(pb: PhonebookData): string {
  let s = HEAD + '<SnomIPPhoneDirectory>\n';
  s += `  <Title>${xmlEscape(pb.name)}</Title>\n`;
  s += '  <Prompt>Dial</Prompt>\n';
  for (const e of pb.entries) {
    for (const n of e.numbers) {
      const name = e.numbers.length > 1 ? `${e.name} (${KIND_LABEL[n.kind]})` : e.name;
      s += `  <DirectoryEntry>\n    <Name>${xmlEscape(name)}</Name>\n    <Telephone>${xmlEscape(n.number)}</Telephone>\n  </DirectoryEntry>\n`;
    }
  }
  return s + '</SnomIPPhoneDirectory>\n';
}

/** Grandstream phonebook.xml: Contact with the name in FirstName and typed Phone elements. */
function grandstream(pb: PhonebookData): string {
  let s = HEAD + '<AddressBook>\n';
  for (const e of pb.entries) {
    s += `  <Contact>\n    <LastName></LastName>\n    <FirstName>${xmlEscape(e.name)}</FirstName>\n`;
    for (const n of e.numbers) {
      s += `    <Phone type="${GS_TYPE[n.kind]}">\n      <phonenumber>${xmlEscape(n.number)}</phonenumber>\n      <accountindex>1</accountindex>\n    </Phone>\n`;
    }
    s += '  </Contact>\n';
  }
  return s + '</AddressBook>\n';
}

export function renderPhonebook(format: PhonebookFormat, pb: PhonebookData): Buffer {
  const text = format === 'yealink' ? yealink(pb) : format === 'snom' ? snom(pb) : grandstream(pb);
  return Buffer.from(text, 'utf8');
}

// pbxctl phonebook ...: remote phonebooks served as pb-<type>-<id>.xml to the devices allowed to
// read them (methods phonebook.*).
import type { EntryView, PhonebookDetail, PhonebookView } from '../../../provisioning/phonebook-store.ts';
import type { CliIo, Command, OptionSpec } from '../command.ts';
import { keyValues, table } from '../format.ts';
import { removed, TENANT } from './shared.ts';

const ID = { name: 'id', help: 'phonebook id', required: true };

const ACCESS: OptionSpec[] = [
  { name: 'all', type: 'bool', help: "every device of the phonebook's tenant" },
  { name: 'tenant', type: 'string', help: 'every device of this tenant (UUID)' },
  { name: 'device', type: 'string', help: 'one device, by MAC' },
  { name: 'account', type: 'string', help: 'devices linked to this SIP account (user name or id)' },
];

function block(r: unknown, io: CliIo): void {
  const b = r as PhonebookView | PhonebookDetail;
  io.out(keyValues({
    id: b.id, name: b.name, tenant: b.tenant ?? undefined,
    entries: Array.isArray(b.entries) ? b.entries.length : b.entries,
    'may read': b.access.length ? b.access.map((a) => a.label) : 'nobody (pbxctl phonebook allow)',
    files: b.files, updated: b.updatedAt,
  }));
  if (Array.isArray(b.entries) && b.entries.length) {
    io.out('\n' + table(b.entries, [
      { header: 'ENTRY', get: (e: EntryView) => e.id }, { header: 'NAME', get: (e: EntryView) => e.name },
      { header: 'NUMBERS', get: (e: EntryView) => e.numbers.map((n) => `${n.kind} ${n.number}`).join(', ') },
    ]));
  }
}

export const phonebookCommands: Command[] = [
  {
    path: ['phonebook', 'add'],
    summary: 'Add a phonebook (private until allowed)',
    positionals: [{ name: 'name', help: 'phonebook name, e.g. "Company"', required: true }],
    options: [TENANT],
    examples: ['pbxctl phonebook add Company'],
    method: 'phonebook.add',
    render: (r, io) => { io.out('phonebook added\n'); block(r, io); },
  },
  {
    path: ['phonebook', 'list'],
    summary: 'List phonebooks with their entry counts and readers',
    options: [TENANT],
    examples: ['pbxctl phonebook list'],
    method: 'phonebook.list',
    render: (r, io) => io.out(table(r as PhonebookView[], [
      { header: 'ID', get: (b) => b.id }, { header: 'NAME', get: (b) => b.name }, { header: 'TENANT', get: (b) => b.tenant },
      { header: 'ENTRIES', get: (b) => b.entries }, { header: 'MAY READ', get: (b) => b.access.map((a) => a.label).join('; ') || 'nobody' },
      { header: 'YEALINK FILE', get: (b) => b.files[0] },
    ])),
  },
  {
    path: ['phonebook', 'show'],
    summary: 'Show a phonebook, its entries, readers and file names',
    positionals: [ID],
    examples: ['pbxctl phonebook show 1'],
    method: 'phonebook.show',
    render: block,
  },
  {
    path: ['phonebook', 'remove'],
    summary: 'Remove a phonebook and its entries',
    positionals: [ID],
    examples: ['pbxctl phonebook remove 1'],
    method: 'phonebook.remove',
    render: removed('phonebook'),
  },
  {
    path: ['phonebook', 'entry', 'add'],
    summary: 'Add an entry (a name and one number per type)',
    positionals: [ID],
    options: [
      { name: 'name', type: 'string', help: 'contact name', required: true },
      { name: 'work', type: 'string', help: 'work number' },
      { name: 'mobile', type: 'string', help: 'mobile number' },
      { name: 'home', type: 'string', help: 'home number' },
      { name: 'other', type: 'string', help: 'other number' },
    ],
    examples: ['pbxctl phonebook entry add 1 --name "Reception" --work 200', 'pbxctl phonebook entry add 1 --name "Anna Rossi" --work 201 --mobile "+39 333 1234567"'],
    method: 'phonebook.entry.add',
    render: (r, io) => { const e = r as EntryView; io.out(`entry ${e.id} added: ${e.name} (${e.numbers.map((n) => `${n.kind} ${n.number}`).join(', ')})\n`); },
  },
  {
    path: ['phonebook', 'entry', 'remove'],
    summary: 'Remove an entry',
    positionals: [ID, { name: 'entry', help: 'entry id (pbxctl phonebook show)', required: true }],
    examples: ['pbxctl phonebook entry remove 1 3'],
    method: 'phonebook.entry.remove',
    render: removed('entry'),
  },
  {
    path: ['phonebook', 'allow'],
    summary: 'Let devices read a phonebook (one of --all, --tenant, --device, --account)',
    positionals: [ID],
    options: ACCESS,
    examples: ['pbxctl phonebook allow 1 --all', 'pbxctl phonebook allow 1 --device 805EC0123456', 'pbxctl phonebook allow 1 --account 201'],
    method: 'phonebook.allow',
    render: block,
  },
  {
    path: ['phonebook', 'deny'],
    summary: 'Take back a permission given with allow',
    positionals: [ID],
    options: ACCESS,
    examples: ['pbxctl phonebook deny 1 --device 805EC0123456'],
    method: 'phonebook.deny',
    render: block,
  },
];

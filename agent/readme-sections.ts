// The README's generated sections (config keys, pbxctl commands), kept in step with the code:
// `npm run docs` rewrites them; test/readme.test.ts fails when they drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTable } from './config/doc.ts';
import { COMMANDS } from './cli/commands/index.ts';

export const README = join(import.meta.dirname, '..', 'README.md');

export function commandsTable(): string {
  const rows = COMMANDS.map((c) => {
    const pos = (c.positionals ?? []).map((p) => (p.required ? p.name.toUpperCase() : `[${p.name.toUpperCase()}]`)).join(' ');
    return `| \`pbxctl ${c.path.join(' ')}${pos ? ' ' + pos : ''}\` | ${c.summary} |`;
  });
  return ['| command | what it does |', '|---|---|', ...rows].join('\n') + '\n';
}

export const SECTIONS: Record<string, () => string> = { config: configTable, commands: commandsTable };

export function render(text: string): string {
  let out = text;
  for (const [name, gen] of Object.entries(SECTIONS)) {
    const re = new RegExp(`(<!-- ${name}:begin -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!re.test(out)) throw new Error(`README lacks the <!-- ${name}:begin --> ... <!-- ${name}:end --> markers`);
    out = out.replace(re, (_m, a: string, b: string) => a + gen() + b);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(README, render(readFileSync(README, 'utf8')));
  process.stdout.write('README.md sections regenerated\n');
}

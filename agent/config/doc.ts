// Prints the README's configuration table from SCHEMA, so docs and code cannot drift:
//   node agent/config/doc.ts
import { envName, walk, type Field } from './schema.ts';

export function configTable(): string {
  const rows = [...walk()].map(([key, f]) => `| \`${key}\` | ${typeName(f)} | \`${JSON.stringify(f.default)}\` | \`${envName(key)}\` | ${f.doc.replace(/\|/g, '\\|')} |`);
  return ['| key | type | default | environment | meaning |', '|---|---|---|---|---|', ...rows].join('\n') + '\n';
}

function typeName(f: Field): string {
  switch (f.type) {
    case 'enum': return f.values!.join(' \\| ');
    case 'int': return `int ${f.min}..${f.max}`;
    case 'duration-ms': return `ms ${f.min}..${f.max}`;
    case 'port': return 'port';
    default: return f.type;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(configTable());

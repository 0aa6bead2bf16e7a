// Every benchmark, one after the other (they share the CPU and the lab, so never in parallel):
// `npm run bench [-- --tiny] [-- --only tftp,pnp]`; other flags go to each benchmark. Each prints its own table and ratios
// against the reference tool measured in the same run; this prints which ones failed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const HERE = import.meta.dirname;
const ALL = ['tftp', 'pnp', 'dhcp', 'ha'];
const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',') : ALL;
// Everything but `--only LIST` goes to each benchmark (--tiny, --runs 5, ...).
const passOn = onlyAt < 0 ? args : args.filter((_, i) => i !== onlyAt && i !== onlyAt + 1);
const unknown = only.filter((n) => !ALL.includes(n));
if (unknown.length) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')} (have: ${ALL.join(', ')})`);
  process.exit(2);
}

const failed: string[] = [];
for (const name of only) {
  const file = join(HERE, `${name}.ts`);
  if (!existsSync(file)) { console.error(`== ${name}: bench/${name}.ts is missing`); failed.push(name); continue; }
  console.log(`\n== bench ${name} ${passOn.join(' ')}`);
  const r = spawnSync(process.execPath, [file, ...passOn], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(`${name} (exit ${r.status ?? r.signal})`);
}
console.log(failed.length ? `\nbench: FAILED: ${failed.join(', ')}` : `\nbench: all ${only.length} benchmarks ran`);
process.exit(failed.length ? 1 : 0);

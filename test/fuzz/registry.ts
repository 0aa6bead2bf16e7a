// Finds every fuzz target: each file in ./targets exporting `target` or `targets`.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FuzzTarget } from './target.ts';

const TARGET_DIR = join(dirname(fileURLToPath(import.meta.url)), 'targets');

export async function loadTargets(only?: string): Promise<FuzzTarget[]> {
  const out: FuzzTarget[] = [];
  const files = readdirSync(TARGET_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(TARGET_DIR, f)).href)) as { target?: FuzzTarget; targets?: FuzzTarget[] };
    const found = [...(mod.target ? [mod.target] : []), ...(mod.targets ?? [])];
    if (found.length === 0) throw new Error(`test/fuzz/targets/${f} exports neither 'target' nor 'targets'`);
    out.push(...found);
  }
  const names = new Set<string>();
  for (const t of out) {
    if (names.has(t.name)) throw new Error(`two fuzz targets are named '${t.name}'`);
    names.add(t.name);
  }
  return only ? out.filter((t) => t.name === only) : out;
}

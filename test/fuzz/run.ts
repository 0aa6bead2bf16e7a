// Runs every registered fuzz target: node test/fuzz/run.ts [inputs=1000000] [--target NAME] [--seed N]
// Prints one line per target (inputs/s, slowest input) and exits 1 on any failure.
import { runTarget } from './engine.ts';
import { loadTargets } from './registry.ts';

function parseArgs(argv: string[]): { inputs: number; target: string | undefined; seed: number } {
  let inputs = 1_000_000;
  let target: string | undefined;
  let seed = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--target') target = argv[++i];
    else if (a === '--seed') seed = Number(argv[++i]);
    else if (/^\d[\d_]*$/.test(a)) inputs = Number(a.replaceAll('_', ''));
    else throw new Error(`unknown argument '${a}' (usage: run.ts [inputs] [--target NAME] [--seed N])`);
  }
  if (!Number.isSafeInteger(seed)) throw new Error('--seed needs an integer');
  return { inputs, target, seed };
}

const args = parseArgs(process.argv.slice(2));
const targets = await loadTargets(args.target);
if (targets.length === 0) {
  console.error(`no fuzz target${args.target ? ` named '${args.target}'` : ''}`);
  process.exit(2);
}
let failed = false;
for (const t of targets) {
  const r = runTarget(t, { inputs: args.inputs, seed: args.seed });
  const pct = ((100 * r.accepted) / Math.max(1, r.inputs)).toFixed(1);
  console.log(`${r.target.padEnd(16)} ${String(r.inputs).padStart(9)} inputs  ${r.seconds.toFixed(1).padStart(6)} s  ${Math.round(r.perSecond).toString().padStart(7)} inputs/s  max ${r.maxMs.toFixed(2)} ms/input  accepted ${pct}%  seed ${r.seed}  failures ${r.failures.length}`);
  for (const f of r.failures) {
    failed = true;
    console.log(`  FAIL at iteration ${f.iteration}: ${f.error}\n  input: ${f.input}`);
  }
}
process.exit(failed ? 1 : 0);

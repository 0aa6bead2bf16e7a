// argv parsing for pbxctl, pure. `--name value`, `--name=value`, `--flag`, `--no-flag`, `--`.

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string | boolean>;
}

/** `booleans` names options that take no value (so `--json device` does not eat `device`). */
export function parseArgs(argv: readonly string[], booleans: ReadonlySet<string>): ParsedArgs | string {
  const positionals: string[] = [];
  const options = new Map<string, string | boolean>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      if (!/^[a-z][a-z0-9-]*$/.test(name)) return `bad option '${a}'`;
      if (eq !== -1) { options.set(name, a.slice(eq + 1)); continue; }
      if (booleans.has(name)) { options.set(name, true); continue; }
      if (name.startsWith('no-') && booleans.has(name.slice(3))) { options.set(name.slice(3), false); continue; }
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) return `option --${name} needs a value`;
      options.set(name, next);
      i++;
      continue;
    }
    if (a === '-h') { options.set('help', true); continue; }
    positionals.push(a);
  }
  return { positionals, options };
}

// pbxctl's dispatcher: global flags, command lookup by longest path, help, params, exit codes.
import { readFileSync } from 'node:fs';
import { ControlClient } from '../control/client.ts';
import { EXIT_CODES, isPbxError } from '../errors.ts';
import { parseArgs } from './args.ts';
import { camel, type CliIo, type Command } from './command.ts';

export const EXIT_OK = 0;
export const EXIT_USAGE = 2;

const GLOBAL_HELP = `Global options:
  --json            machine-readable output (one JSON document on stdout)
  --socket PATH     control socket (default: $PBXCTL_SOCKET, /run/pbx-agent/control.sock, ./state/control.sock)
  -h, --help        help for pbxctl or for a command
Exit status: 0 ok, 1 internal error, 2 bad usage or argument, 3 config, 4 not found, 5 conflict,
  6 template error, 7 daemon unavailable, 8 permission denied, 9 protocol, 10 store.`;

export interface RunOptions { commands: readonly Command[]; io?: Partial<CliIo>; defaultSockets: readonly string[]; exists: (p: string) => boolean }

export async function runCli(argv: readonly string[], opts: RunOptions): Promise<number> {
  const booleans = new Set(['json', 'help', 'version']);
  for (const c of opts.commands) for (const o of c.options ?? []) if (o.type === 'bool') booleans.add(o.name);
  const parsed = parseArgs(argv, booleans);
  const io: CliIo = {
    out: opts.io?.out ?? ((s) => process.stdout.write(s)),
    err: opts.io?.err ?? ((s) => process.stderr.write(s)),
    json: false,
  };
  if (typeof parsed === 'string') { io.err(`pbxctl: ${parsed}\n`); return EXIT_USAGE; }
  io.json = parsed.options.get('json') === true;
  const words = parsed.positionals;

  const cmd = findCommand(opts.commands, words);
  if (!cmd) {
    const prefix = words.filter((w) => opts.commands.some((c) => c.path.includes(w)));
    const group = opts.commands.filter((c) => prefix.length > 0 && prefix.every((w, i) => c.path[i] === w));
    if (words.length === 0 || parsed.options.get('help') === true) {
      io.out(overview(group.length ? group : opts.commands));
      return words.length === 0 && parsed.options.get('help') !== true ? EXIT_USAGE : EXIT_OK;
    }
    io.err(`pbxctl: unknown command '${words.join(' ')}'\n\n${overview(group.length ? group : opts.commands)}`);
    return EXIT_USAGE;
  }
  if (parsed.options.get('help') === true) { io.out(usage(cmd)); return EXIT_OK; }

  const params = buildParams(cmd, words.slice(cmd.path.length), parsed.options);
  if (typeof params === 'string') { io.err(`pbxctl ${cmd.path.join(' ')}: ${params}\n\n${usage(cmd)}`); return EXIT_USAGE; }

  const socket = (parsed.options.get('socket') as string | undefined) ?? process.env.PBXCTL_SOCKET
    ?? opts.defaultSockets.find((p) => opts.exists(p)) ?? opts.defaultSockets[0]!;
  const client = new ControlClient(socket);
  try {
    if (cmd.run) return await cmd.run({ client, io, params });
    const result = await client.call(cmd.method!, params);
    if (io.json || !cmd.render) io.out(JSON.stringify(result, null, 2) + '\n');
    else cmd.render(result, io, params);
    return EXIT_OK;
  } catch (e) {
    if (isPbxError(e)) {
      if (io.json) io.out(JSON.stringify({ error: { code: e.code, message: e.message } }, null, 2) + '\n');
      io.err(`pbxctl: ${e.message}\n`);
      return EXIT_CODES[e.code] ?? 1;
    }
    io.err(`pbxctl: ${(e as Error).message}\n`);
    return 1;
  }
}

function findCommand(commands: readonly Command[], words: readonly string[]): Command | undefined {
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.length <= words.length && c.path.every((w, i) => words[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best;
}

const GLOBAL_OPTIONS = new Set(['json', 'socket', 'help', 'version']);

function buildParams(cmd: Command, rest: readonly string[], options: Map<string, string | boolean>): Record<string, unknown> | string {
  const params: Record<string, unknown> = {};
  const positionals = cmd.positionals ?? [];
  if (rest.length > positionals.length) return `unexpected argument '${rest[positionals.length]}'`;
  for (const [i, p] of positionals.entries()) {
    const v = rest[i];
    if (v === undefined) { if (p.required) return `missing ${p.name.toUpperCase()} (${p.help})`; continue; }
    params[p.param ?? camel(p.name)] = v;
  }
  const known = new Map((cmd.options ?? []).map((o) => [o.name, o]));
  for (const [name, v] of options) {
    if (GLOBAL_OPTIONS.has(name)) continue;
    const spec = known.get(name);
    if (!spec) return `unknown option --${name}`;
    const key = spec.param ?? camel(name);
    switch (spec.type) {
      case 'bool': params[key] = v === true || v === 'true' || v === 'yes' || v === 'on' || v === '1'; break;
      case 'int':
        if (typeof v !== 'string' || !/^-?\d+$/.test(v)) return `--${name} needs a whole number, got '${String(v)}'`;
        params[key] = Number(v); break;
      case 'file':
        if (typeof v !== 'string') return `--${name} needs a file path ('-' for stdin)`;
        try { params[key] = readFileSync(v === '-' ? 0 : v, 'utf8'); } catch (e) { return `--${name}: cannot read '${v}': ${(e as NodeJS.ErrnoException).code ?? e}`; }
        break;
      default:
        if (typeof v !== 'string') return `--${name} needs a value`;
        params[key] = v;
    }
  }
  for (const o of cmd.options ?? []) if (o.required && !options.has(o.name)) return `missing --${o.name} (${o.help})`;
  return params;
}

export function usage(cmd: Command): string {
  const pos = (cmd.positionals ?? []).map((p) => (p.required ? p.name.toUpperCase() : `[${p.name.toUpperCase()}]`)).join(' ');
  let s = `Usage: pbxctl ${cmd.path.join(' ')}${pos ? ' ' + pos : ''}${cmd.options?.length ? ' [options]' : ''}\n\n${cmd.summary}\n`;
  if (cmd.description) s += `\n${cmd.description}\n`;
  // One column for arguments and options, as wide as the longest label plus two, so a long
  // flag never runs into its help text.
  const flags = (cmd.options ?? []).map((o) => `--${o.name}${o.type === 'bool' ? '' : o.type === 'file' ? ' FILE' : o.type === 'int' ? ' N' : ' VALUE'}`);
  const labels = [...(cmd.positionals ?? []).map((p) => p.name.toUpperCase()), ...flags];
  const w = Math.max(22, ...labels.map((l) => l.length + 2));
  if (cmd.positionals?.length) {
    s += '\nArguments:\n' + cmd.positionals.map((p) => `  ${p.name.toUpperCase().padEnd(w)}${p.help}`).join('\n') + '\n';
  }
  if (cmd.options?.length) {
    s += '\nOptions:\n' + cmd.options.map((o, i) => `  ${flags[i]!.padEnd(w)}${o.help}${o.required ? ' (required)' : ''}`).join('\n') + '\n';
  }
  if (cmd.examples?.length) s += '\nExamples:\n' + cmd.examples.map((e) => `  ${e}`).join('\n') + '\n';
  return s + '\n' + GLOBAL_HELP + '\n';
}

export function overview(commands: readonly Command[]): string {
  const w = Math.max(...commands.map((c) => c.path.join(' ').length));
  return 'Usage: pbxctl [--json] [--socket PATH] COMMAND [ARGS] [options]\n\nCommands:\n'
    + commands.map((c) => `  ${c.path.join(' ').padEnd(w + 2)}${c.summary}`).join('\n')
    + `\n\nRun 'pbxctl COMMAND --help' for a command's options.\n\n${GLOBAL_HELP}\n`;
}

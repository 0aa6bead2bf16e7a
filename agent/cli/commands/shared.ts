// Helpers shared by the provisioning commands (device, account, template, model, brand, rule,
// placeholder, tenant, provisioning): a `run` builder for commands that need a little work
// around the single control call, and small formatters for the views the daemon returns.
import type { CliIo, CommandContext, OptionSpec, PositionalSpec } from '../command.ts';
import { EXIT_OK, EXIT_USAGE } from '../run.ts';

type Params = Record<string, unknown>;

export interface CallSpec {
  method: string;
  /** Client-side options: removed from the params before the call, still passed to render. */
  local?: readonly string[];
  /** Secret params that may come from a file or stdin: one trailing newline is dropped. */
  secrets?: readonly string[];
  /** Last-minute param fixes; a string is a usage error (exit 2). */
  prepare?: (params: Params) => Params | string;
  render: (result: unknown, io: CliIo, params: Params) => number | void;
}

/** A `run` that calls one method, handles --json, and renders; for what the declarative form cannot do. */
export function call(spec: CallSpec): (ctx: CommandContext) => Promise<number> {
  return async ({ client, io, params }) => {
    let p: Params = { ...params };
    for (const k of spec.local ?? []) delete p[k];
    for (const k of spec.secrets ?? []) if (typeof p[k] === 'string') p[k] = dropNewline(p[k] as string);
    if (spec.prepare) {
      const r = spec.prepare(p);
      if (typeof r === 'string') { io.err(`pbxctl: ${r}\n`); return EXIT_USAGE; }
      p = r;
    }
    const result = await client.call(spec.method, p);
    if (io.json) { io.out(JSON.stringify(result, null, 2) + '\n'); return EXIT_OK; }
    return spec.render(result, io, params) ?? EXIT_OK;
  };
}

/** `echo pw > f` leaves a newline the daemon would reject; a secret never ends with one. */
function dropNewline(s: string): string {
  return s.replace(/\r?\n$/, '');
}

/** The MAC positional of device and PnP commands; the daemon accepts every spelling listed. */
export const MAC: PositionalSpec = { name: 'mac', help: 'MAC address: AABBCCDDEEFF, AA:BB:CC:DD:EE:FF or AA-BB-CC-DD-EE-FF', required: true };

export const SHOW_SECRETS: OptionSpec = { name: 'show-secrets', type: 'bool', help: 'show passwords and secret values instead of ********' };

export const TENANT: OptionSpec = { name: 'tenant', type: 'string', help: 'tenant UUID (required on a multi-tenant node)' };

/** The model options of catalogue commands: an id, Brand/Model, or a model name plus --brand. */
export const MODEL_FILTER: OptionSpec[] = [
  { name: 'model', type: 'string', help: 'model: id, Brand/Model (e.g. Yealink/T4x-T5x) or a model name' },
  { name: 'brand', type: 'string', help: 'brand of --model, when only the model name is given' },
];

/** MODEL_FILTER with --model required (add commands). */
export const MODEL_REQUIRED: OptionSpec[] = MODEL_FILTER.map((o) => (o.name === 'model' ? { ...o, required: true } : o));

export function warn(io: CliIo, warnings: unknown): void {
  if (Array.isArray(warnings)) for (const w of warnings) io.err(`warning: ${String(w)}\n`);
}

export function ref(v: { id: number; name: string } | null | undefined): string {
  return v ? v.name : '';
}

/** built-in rows can be edited (then 'built-in, edited') but not removed. */
export function origin(v: { builtin: boolean; customized: boolean }): string {
  return v.builtin ? (v.customized ? 'built-in, edited' : 'built-in') : 'custom';
}

export function firstLine(s: string, max = 40): string {
  const line = s.split(/\r?\n/)[0] ?? '';
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

/** Drops undefined entries, so keyValues prints only what is there. */
export function compact(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

/** "removed X" lines for remove commands. */
export function removed(what: string) {
  return (r: unknown, io: CliIo): void => { io.out(`removed ${what} ${String((r as { removed: string }).removed)}\n`); };
}

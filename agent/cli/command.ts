// The shape of a pbxctl command. Most commands are declarative: options map to the params of
// one control method and a renderer prints the result; `run` covers the rest.
import type { ControlClient } from '../control/client.ts';

export type OptionType = 'string' | 'bool' | 'int' | 'file';

export interface OptionSpec {
  name: string;             // --kebab-name on the command line
  type: OptionType;
  help: string;
  required?: boolean;
  /** Param name sent to the daemon; default: the option name in camelCase. 'file' sends the file's text. */
  param?: string;
}

export interface PositionalSpec { name: string; help: string; required?: boolean; param?: string }

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  json: boolean;
}

export interface CommandContext {
  client: ControlClient;
  io: CliIo;
  params: Record<string, unknown>;
}

export interface Command {
  path: string[];
  summary: string;
  description?: string;
  positionals?: PositionalSpec[];
  options?: OptionSpec[];
  examples?: string[];
  /** Declarative form: call this method with the params, then render. */
  method?: string;
  render?: (result: unknown, io: CliIo, params: Record<string, unknown>) => void;
  /** Imperative form: returns the exit status. */
  run?: (ctx: CommandContext) => Promise<number>;
}

export function camel(kebab: string): string {
  return kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

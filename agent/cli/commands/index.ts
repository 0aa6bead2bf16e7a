// Every pbxctl command, in the order `pbxctl --help` lists them (status first).
import type { Command } from '../command.ts';
import { auditCommands } from './audit.ts';
import { statusCommands } from './status.ts';

export const COMMANDS: Command[] = [
  ...statusCommands,
  ...auditCommands,
];

// Every pbxctl command, in the order `pbxctl --help` lists them (status first, audit last).
import type { Command } from '../command.ts';
import { accountCommands } from './account.ts';
import { auditCommands } from './audit.ts';
import { brandCommands } from './brand.ts';
import { deviceCommands } from './device.ts';
import { dhcpCommands } from './dhcp.ts';
import { fetchCommands } from './fetch.ts';
import { haCommands } from './ha.ts';
import { haPairCommands } from './ha-pair.ts';
import { modelCommands } from './model.ts';
import { phonebookCommands } from './phonebook.ts';
import { placeholderCommands } from './placeholder.ts';
import { pnpCommands } from './pnp.ts';
import { provisioningCommands } from './provisioning.ts';
import { resyncCommands } from './resync.ts';
import { rpsCommands } from './rps.ts';
import { ruleCommands } from './rule.ts';
import { statusCommands } from './status.ts';
import { templateCommands } from './template.ts';
import { tenantCommands } from './tenant.ts';
import { tftpCommands } from './tftp.ts';

export const COMMANDS: Command[] = [
  ...statusCommands,
  ...deviceCommands,
  ...resyncCommands,
  ...accountCommands,
  ...templateCommands,
  ...modelCommands,
  ...brandCommands,
  ...ruleCommands,
  ...placeholderCommands,
  ...tenantCommands,
  ...provisioningCommands,
  ...fetchCommands,
  ...phonebookCommands,
  ...pnpCommands,
  ...tftpCommands,
  ...dhcpCommands,
  ...haCommands,
  ...haPairCommands,
  ...rpsCommands,
  ...auditCommands,
];

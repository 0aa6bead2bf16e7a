// The `dhcp` config section. Merged into agent/config/schema.ts.
import { f, section } from '../../agent/config/field.ts';

export const dhcpSection = section('DHCP server', {
  enabled: f('bool', false, 'Be the LAN\'s DHCP server. Off by default: a rogue DHCP server breaks a LAN.'),
});

export interface DhcpConfig { enabled: boolean }

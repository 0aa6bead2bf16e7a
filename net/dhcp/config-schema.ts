// The `dhcp` config section. Merged into agent/config/schema.ts. DhcpConfig mirrors it field for
// field; keep them in step. Structured values (pools, reservations, vendor rules) are strings in
// string[] fields, parsed and checked once at service start (net/dhcp/config.ts), where a bad
// entry is a ConfigError naming `dhcp.<key>[i]`.
import { f, section, sectionDefaults } from '../../agent/config/field.ts';

export const dhcpSection = section('DHCPv4 server with phone provisioning options (RFC 2131/2132)', {
  enabled: f('bool', false, 'Be the LAN\'s DHCP server. Off by default: a rogue DHCP server breaks a LAN.'),
  interface: f('string', '', 'Interface served directly (broadcasts are answered out of it; its address is the server identifier). Empty: the node\'s first non-loopback IPv4 interface.', { emptyOk: true }),
  serverAddress: f('string', '', 'Address of `interface` to bind and use as server identifier. Empty: the interface\'s first IPv4 address.', { emptyOk: true }),
  port: f('port', 67, 'UDP port the server listens on (67; other values only for tests).'),
  clientPort: f('port', 68, 'UDP port replies go to on clients (68; other values only for tests).'),
  pools: f('string[]', [], 'Address ranges, one subnet each: "FIRST-LAST/PREFIX [router=IP[,IP]]", e.g. "10.0.0.100-10.0.0.199/24 router=10.0.0.1". A pool in the served interface\'s subnet serves the LAN; any other pool serves clients behind a relay whose giaddr is in its subnet (router defaults to the giaddr). Several ranges of one subnet form one pool.'),
  exclude: f('string[]', [], 'Addresses or ranges never handed out: "10.0.0.150" or "10.0.0.150-10.0.0.159".'),
  reservations: f('string[]', [], 'Static leases: "MAC IP [HOSTNAME]" (MAC as aabbccddeeff or aa:bb:cc:dd:ee:ff). The device registry adds its devices\' MAC+IP on top of these. A reserved IP may lie outside the ranges but must be in a pool\'s subnet.'),
  leaseTimeMs: f('duration-ms', 3_600_000, 'Lease time (option 51).', { min: 60_000, max: 31_536_000_000 }),
  renewalTimeMs: f('duration-ms', 0, 'T1, when the client renews (option 58). 0: half the lease time.', { min: 0, max: 31_536_000_000 }),
  rebindingTimeMs: f('duration-ms', 0, 'T2, when the client rebinds (option 59). 0: 7/8 of the lease time.', { min: 0, max: 31_536_000_000 }),
  offerHoldMs: f('duration-ms', 30_000, 'How long an offered address stays set aside for the client (in memory, not stored).', { min: 1000, max: 600_000 }),
  declineQuarantineMs: f('duration-ms', 600_000, 'How long an address a client DECLINEd (found in use) is kept out of the pool.', { min: 0, max: 31_536_000_000 }),
  authoritative: f('bool', true, 'NAK a REQUEST (init-reboot, renew) for an address this server has no lease of, so the client starts over at once. Off: stay silent (RFC 2131 4.3.2 for non-authoritative servers).'),
  routers: f('string[]', [], 'Option 3 for the directly served subnet (pools can override per subnet with router=).'),
  dnsServers: f('string[]', [], 'Option 6. Use "%%SERVER%%" for this node (the HA resource address when there is one).'),
  domainName: f('string', '', 'Option 15.', { emptyOk: true }),
  ntpServers: f('string[]', [], 'Option 42. "%%SERVER%%" allowed.'),
  tftpServerName: f('string', '%%SERVER%%', 'Option 66: the provisioning server or URL, e.g. "%%SERVER%%" or "http://%%SERVER%%/provisioning/". %%SERVER%% is the HA resource address when HA holds one, else this server\'s address; phones given a bare address fetch over TFTP. Empty: not sent.', { emptyOk: true }),
  bootFile: f('string', '', 'Option 67: boot file name (also put in the BOOTP file field). Empty: not sent.', { emptyOk: true }),
  tftpServers: f('string[]', [], 'Option 150 (Cisco): TFTP server addresses. "%%SERVER%%" allowed. Empty: not sent.'),
  provisioningUrl: f('string', '', 'Option 160 (Polycom, AudioCodes): provisioning URL. Not sent by default because 160 is also the RFC 7710 captive-portal option; scope it with a vendor rule. Empty: not sent.', { emptyOk: true }),
  options: f('string[]', [], 'Extra options for every client: "CODE=VALUE" or "NAME=VALUE" (e.g. "2=3600", "vendor-specific=hex:0104c0a80001", "43=sub:1=text,2=hex:0a"). Values follow the option type: IPv4 lists with commas, numbers, text, hex:..., sub:CODE=VALUE,... .'),
  vendorRules: f('string[]', [
    'yealink tftp-server-name=http://%%SERVER%%/provisioning/',
    'Polycom provisioning-url=http://%%SERVER%%/provisioning/',
    'Cisco tftp-server-address=%%SERVER%%',
  ], 'Options by vendor class (option 60): "PREFIX CODE=VALUE [CODE=VALUE...]". A client whose option 60 starts with PREFIX (case-insensitive; "*" matches all) gets these options, added to or replacing the global ones. Every matching rule applies, later rules win per option. Options from rules are sent even when not in the client\'s request list.'),
  forceOptions: f('string[]', [], 'Option codes or names sent even when the client\'s parameter request list (option 55) does not ask for them, e.g. ["66", "150"]. Options 1, 3, 51, 53, 54, 58, 59 are always sent.'),
  probeOtherServers: f('bool', true, 'At start, send a DISCOVER and warn loudly when another DHCP server answers.'),
  probeWaitMs: f('duration-ms', 1500, 'How long the start-up probe waits for answers.', { min: 100, max: 10_000 }),
  groupCommit: f('bool', true, 'Commit the leases of one event-loop turn in one transaction, then send their ACKs (durable before ACK either way).'),
});

export interface DhcpConfig {
  enabled: boolean;
  interface: string;
  serverAddress: string;
  port: number;
  clientPort: number;
  pools: string[];
  exclude: string[];
  reservations: string[];
  leaseTimeMs: number;
  renewalTimeMs: number;
  rebindingTimeMs: number;
  offerHoldMs: number;
  declineQuarantineMs: number;
  authoritative: boolean;
  routers: string[];
  dnsServers: string[];
  domainName: string;
  ntpServers: string[];
  tftpServerName: string;
  bootFile: string;
  tftpServers: string[];
  provisioningUrl: string;
  options: string[];
  vendorRules: string[];
  forceOptions: string[];
  probeOtherServers: boolean;
  probeWaitMs: number;
  groupCommit: boolean;
}

/** Defaults, for tests and tools that build a config without the loader. */
export function defaultDhcpConfig(over: Partial<DhcpConfig> = {}): DhcpConfig {
  return { ...sectionDefaults<DhcpConfig>(dhcpSection), ...over };
}

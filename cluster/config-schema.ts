// The `ha` config section (seed 002 "Alta affidabilità", issue 5, reference/ha.md 4.2). Merged into
// agent/config/schema.ts. HaConfig mirrors it field for field; keep them in step.
//
// Every timer is in milliseconds so tests can run sub-second clusters (ha.md section 6 uses
// K 200 ms, W 600 ms, D 1500 ms, I 4 s). The per-field bounds live in the fields; the rules that span
// fields (dead above twice the interval, ...) are checkHaConfig below, run by the loader after every
// field has passed, so each message names the keys, the values and what is allowed.
import { isIPv4 } from 'node:net';
import { f, section, sectionDefaults } from '../agent/config/field.ts';
import { ConfigError } from '../agent/errors.ts';
import { ipToInt, prefixToMask } from '../net/lib/ipv4.ts';

export const haSection = section('Active/passive high availability (two nodes, one floating resource IP)', {
  enabled: f('bool', false, 'Run the HA cluster on this node ("Abilitato"). Off: the node is standalone and the HA state machine does nothing.'),
  coordinator: f('bool', false, 'This node is the coordinator ("Abilitato come coordinatore"): it pairs with the peer over SSH and its configuration is replicated to the peer; config edits on the other node are refused.'),
  peerSerial: f('string', '', 'Serial number of the remote node ("S/N nodo remoto"). The coordinator derives the pairing password from it. Required on the coordinator; on the other node it is learnt at pairing when empty.', { emptyOk: true }),
  interface: f('string', '', 'LAN interface that carries the resource IP and the first heartbeat path, e.g. "eth0". It is tracked: when it goes down the node goes to FAULT and gives the resource up. Required when enabled.', { emptyOk: true }),
  localIp: f('string', '', 'This node\'s own IPv4 address on `interface` (heartbeats are sent from it). Required when enabled.', { emptyOk: true }),
  remoteIp: f('string', '', 'The peer\'s IPv4 address on its LAN interface (heartbeats and pairing go to it; pairing is accepted only from it). Required when enabled.', { emptyOk: true }),
  resourceIp: f('string', '', 'The floating resource IP with its prefix, e.g. "10.0.0.10/24": added on `interface` of the active node only, announced with gratuitous ARP. Required when enabled.', { emptyOk: true }),
  pingGroup: f('string[]', [], 'Ping group: IPv4 addresses both nodes ping; the node that reaches more of them is preferred, and an active node that sees fewer than its peer hands the resource over. Empty: no ping group (the default active node decides ties).'),
  syncInterface: f('string', '', 'Sync interface (e.g. "eth1"): the second heartbeat path and the replication path. Empty: heartbeats on `interface` only (one path: a cut there is a split brain).', { emptyOk: true }),
  localSyncIp: f('string', '', 'This node\'s IPv4 address on `syncInterface`. Required with syncInterface.', { emptyOk: true }),
  remoteSyncIp: f('string', '', 'The peer\'s IPv4 address on its sync interface. Required with syncInterface.', { emptyOk: true }),
  defaultActive: f('string', '', 'Serial number of the default active node ("Nodo attivo predefinito"), used when nothing else decides (both start together, equal ping group view). A serial is the same answer on both nodes. Empty: the lower serial. It never takes the resource from a healthy active peer (no automatic failback).', { emptyOk: true }),
  keepaliveIntervalMs: f('duration-ms', 1000, 'Keepalive: a heartbeat is sent on every path this often.', { min: 10, max: 60_000 }),
  warningMs: f('duration-ms', 5000, 'Keepalive warning threshold: a gap between heartbeats longer than this is logged as a late heartbeat (no action). Must lie between keepaliveIntervalMs and deadMs.', { min: 10, max: 600_000 }),
  deadMs: f('duration-ms', 10_000, 'Keepalive dead threshold: the peer is dead when every path has been silent this long, and the standby takes the resource over. Must exceed twice keepaliveIntervalMs; 10 s or more is advised for a PBX (tune it from the late-heartbeat log lines).', { min: 30, max: 600_000 }),
  initTimeoutMs: f('duration-ms', 20_000, 'Init timeout: after a start the node listens this long for its peer before acting alone. At least deadMs (twice deadMs advised).', { min: 30, max: 3_600_000 }),
  waitForPeerAtBoot: f('bool', false, 'Never take the resource at start before the peer has been heard once (corosync wait_for_all): a node that boots with every path cut stays in INIT instead of risking a split brain. An admin can still force a takeover.'),
  heartbeatPort: f('port', 694, 'UDP port of heartbeats on both paths (694 is the registered ha-cluster port).'),
  pairingPort: f('port', 7022, 'TCP port of the SSH pairing and sync service (used by cluster/pairing and cluster/sync).'),
  pairingMaxAttempts: f('int', 5, 'Pairing: wrong passwords accepted within ha.pairingLockoutMs before the pairing service locks out (every password, even the right one, is then refused for ha.pairingLockoutMs).', { min: 1, max: 100 }),
  pairingLockoutMs: f('duration-ms', 900_000, 'Pairing: the window in which wrong passwords are counted, and how long a lockout lasts.', { min: 1000, max: 86_400_000 }),
  syncIntervalMs: f('duration-ms', 5000, 'Replication: how often the coordinator checks that the peer holds its current configuration (a change is pushed at once anyway; this is the repair loop).', { min: 100, max: 3_600_000 }),
  pingIntervalMs: f('duration-ms', 1000, 'Ping group: one round of probes to every address this often.', { min: 10, max: 600_000 }),
  pingTimeoutMs: f('duration-ms', 800, 'Ping group: how long one probe waits for its echo reply. At most pingIntervalMs.', { min: 10, max: 600_000 }),
  pingDampenMs: f('duration-ms', 5000, 'Ping group dampening: a change in the number of reachable addresses counts only after it has held this long, so a flicker moves nothing (Pacemaker ping "dampen").', { min: 0, max: 600_000 }),
  resourceCheckIntervalMs: f('duration-ms', 2000, 'How often the active node checks the resource IP is still on its interface (re-added if it vanished).', { min: 10, max: 600_000 }),
  resourceTimeoutMs: f('duration-ms', 20_000, 'Time allowed for adding or removing the resource (and starting or stopping services) before it counts as failed.', { min: 100, max: 600_000 }),
  handoverTimeoutMs: f('duration-ms', 10_000, 'Switch of the active node: how long each side waits for the other\'s answer before the handover is cancelled (Heartbeat\'s 10 s reply timer).', { min: 30, max: 600_000 }),
  garpCount: f('int', 5, 'Gratuitous ARPs per burst when the resource is taken or re-announced (arping -U -c N).', { min: 1, max: 100 }),
  garpRepeatMs: f('duration-ms', 5000, 'A second GARP burst this long after taking the resource (keepalived\'s garp_master_delay). 0: no second burst.', { min: 0, max: 600_000 }),
  garpRefreshMs: f('duration-ms', 0, 'While active, re-send a GARP burst this often (against stale router ARP caches). 0: off.', { min: 0, max: 86_400_000 }),
}, (ha: HaConfig, root: { node?: { serial?: string } }) => checkHaConfig(ha, root.node?.serial ?? ''));

export interface HaConfig {
  enabled: boolean;
  coordinator: boolean;
  peerSerial: string;
  interface: string;
  localIp: string;
  remoteIp: string;
  resourceIp: string;
  pingGroup: string[];
  syncInterface: string;
  localSyncIp: string;
  remoteSyncIp: string;
  defaultActive: string;
  keepaliveIntervalMs: number;
  warningMs: number;
  deadMs: number;
  initTimeoutMs: number;
  waitForPeerAtBoot: boolean;
  heartbeatPort: number;
  pairingPort: number;
  pairingMaxAttempts: number;
  pairingLockoutMs: number;
  syncIntervalMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  pingDampenMs: number;
  resourceCheckIntervalMs: number;
  resourceTimeoutMs: number;
  handoverTimeoutMs: number;
  garpCount: number;
  garpRepeatMs: number;
  garpRefreshMs: number;
}

/** The keys HA cannot run without: checkHaConfig demands them when enabled; without them the daemon runs no HA service (ha-wiring.ts). */
export const HA_REQUIRED_KEYS = ['interface', 'localIp', 'remoteIp', 'resourceIp'] as const;

/** "10.0.0.10/24" -> { address, prefix }; undefined when it is not an IPv4 address with a prefix. */
export function parseResourceIp(text: string): { address: string; prefix: number } | undefined {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m || !isIPv4(m[1]!)) return undefined;
  const prefix = Number(m[2]);
  if (prefix < 1 || prefix > 32) return undefined;
  return { address: m[1]!, prefix };
}

/** `a` and `b` (both checked IPv4 addresses) are in one /prefix network. */
function sameSubnet(a: string, b: string, prefix: number): boolean {
  const mask = prefixToMask(prefix);
  return ((ipToInt(a)! & mask) >>> 0) === ((ipToInt(b)! & mask) >>> 0);
}

/**
 * Rules that span keys of `ha` (and node.serial). Throws a ConfigError naming the key, the values
 * seen and what is allowed. Timer rules apply even while HA is off, so a bad file is caught when it
 * is written, not on the day HA is switched on; "required" rules apply only when enabled.
 * Timer rules are Heartbeat's (config.c: error if deadtime <= 2*keepalive or initdead < deadtime).
 */
export function checkHaConfig(ha: HaConfig, nodeSerial = ''): void {
  const k = (key: string) => `ha.${key}`;
  const K = ha.keepaliveIntervalMs, W = ha.warningMs, D = ha.deadMs, I = ha.initTimeoutMs;
  if (D <= 2 * K) {
    throw new ConfigError(k('deadMs'), `is ${D} ms but ha.keepaliveIntervalMs is ${K} ms; the dead threshold must be more than twice the keepalive interval (above ${2 * K} ms), or one lost heartbeat kills the peer`);
  }
  if (!(W > K && W < D)) {
    throw new ConfigError(k('warningMs'), `is ${W} ms; it must lie strictly between ha.keepaliveIntervalMs (${K} ms) and ha.deadMs (${D} ms), e.g. ${Math.round(D / 2)} ms`);
  }
  if (I < D) {
    throw new ConfigError(k('initTimeoutMs'), `is ${I} ms but ha.deadMs is ${D} ms; the init timeout must be at least the dead threshold (twice it, ${2 * D} ms, is advised)`);
  }
  if (ha.pingTimeoutMs > ha.pingIntervalMs) {
    throw new ConfigError(k('pingTimeoutMs'), `is ${ha.pingTimeoutMs} ms but ha.pingIntervalMs is ${ha.pingIntervalMs} ms; a probe must finish before the next round starts`);
  }
  if (ha.handoverTimeoutMs <= 2 * K) {
    throw new ConfigError(k('handoverTimeoutMs'), `is ${ha.handoverTimeoutMs} ms; it must exceed twice ha.keepaliveIntervalMs (${2 * K} ms) so a lost handshake packet can be repeated`);
  }
  if (ha.garpRepeatMs !== 0 && ha.garpRepeatMs < 100) {
    throw new ConfigError(k('garpRepeatMs'), `is ${ha.garpRepeatMs} ms; use 0 (no second burst) or at least 100 ms`);
  }
  if (ha.garpRefreshMs !== 0 && ha.garpRefreshMs < 1000) {
    throw new ConfigError(k('garpRefreshMs'), `is ${ha.garpRefreshMs} ms; use 0 (off) or at least 1000 ms`);
  }

  const ipKeys = ['localIp', 'remoteIp', 'localSyncIp', 'remoteSyncIp'] as const;
  for (const key of ipKeys) {
    const v = ha[key];
    if (v !== '' && !isIPv4(v)) throw new ConfigError(k(key), `got "${v}"; allowed: an IPv4 address such as 192.0.2.10, or empty`);
  }
  let res: { address: string; prefix: number } | undefined;
  if (ha.resourceIp !== '') {
    res = parseResourceIp(ha.resourceIp);
    if (!res) throw new ConfigError(k('resourceIp'), `got "${ha.resourceIp}"; allowed: an IPv4 address with its prefix length 1..32, e.g. "10.0.0.10/24"`);
  }
  const seenPing = new Set<string>();
  ha.pingGroup.forEach((a, i) => {
    const key = `ha.pingGroup[${i}]`;
    if (!isIPv4(a)) throw new ConfigError(key, `got "${a}"; allowed: an IPv4 address (one per entry; addresses both nodes can ping, e.g. the gateways)`);
    if (seenPing.has(a)) throw new ConfigError(key, `"${a}" is listed twice; list each address once`);
    seenPing.add(a);
    const own = ([...ipKeys] as string[]).find((x) => ha[x as typeof ipKeys[number]] === a) ?? (res?.address === a ? 'resourceIp' : undefined);
    if (own) throw new ConfigError(key, `"${a}" is ha.${own}; the ping group must be third-party hosts (gateways, switches), not the cluster's own addresses`);
  });
  if (ha.pingGroup.length > 255) {
    throw new ConfigError(k('pingGroup'), `has ${ha.pingGroup.length} addresses; at most 255 (the count travels in one byte)`);
  }
  if (res) {
    for (const key of ipKeys) {
      if (ha[key] === res.address) throw new ConfigError(k('resourceIp'), `"${ha.resourceIp}" is the same address as ha.${key}; the resource IP must be a third address that floats between the nodes`);
    }
    for (const key of ['localIp', 'remoteIp'] as const) {
      if (ha[key] !== '' && !sameSubnet(ha[key], res.address, res.prefix)) {
        throw new ConfigError(k('resourceIp'), `"${ha.resourceIp}" is not in the subnet of ha.${key} (${ha[key]}); the resource IP lives on ha.interface next to both nodes' LAN addresses, so gratuitous ARP reaches the same phones`);
      }
    }
  }
  if (ha.localIp !== '' && ha.localIp === ha.remoteIp) {
    throw new ConfigError(k('remoteIp'), `is ${ha.remoteIp}, the same as ha.localIp; give the peer's own address`);
  }
  if (ha.localSyncIp !== '' && ha.localSyncIp === ha.remoteSyncIp) {
    throw new ConfigError(k('remoteSyncIp'), `is ${ha.remoteSyncIp}, the same as ha.localSyncIp; give the peer's own address on the sync interface`);
  }
  const syncSet = [ha.syncInterface, ha.localSyncIp, ha.remoteSyncIp].filter((x) => x !== '').length;
  if (syncSet !== 0 && syncSet !== 3) {
    const missing = (['syncInterface', 'localSyncIp', 'remoteSyncIp'] as const).filter((x) => ha[x] === '').map(k).join(', ');
    throw new ConfigError(k('syncInterface'), `the sync path needs ha.syncInterface, ha.localSyncIp and ha.remoteSyncIp together; missing: ${missing} (or clear all three for a single path)`);
  }
  if (nodeSerial !== '' && ha.peerSerial === nodeSerial) {
    throw new ConfigError(k('peerSerial'), `is "${ha.peerSerial}", this node's own serial (node.serial); give the other node's serial`);
  }
  if (ha.defaultActive !== '') {
    const known = [nodeSerial, ha.peerSerial].filter((x) => x !== '');
    if (known.length === 2 && !known.includes(ha.defaultActive)) {
      throw new ConfigError(k('defaultActive'), `is "${ha.defaultActive}", which is neither this node (node.serial "${nodeSerial}") nor the peer (ha.peerSerial "${ha.peerSerial}"); give one of the two serials, or empty for the lower serial`);
    }
  }

  if (!ha.enabled) return;
  for (const key of HA_REQUIRED_KEYS) {
    if (ha[key] === '') throw new ConfigError(k(key), `is empty but ha.enabled is true; HA needs ha.interface, ha.localIp, ha.remoteIp and ha.resourceIp`);
  }
  if (ha.coordinator && ha.peerSerial === '') {
    throw new ConfigError(k('peerSerial'), 'is empty but ha.coordinator is true; the coordinator needs the peer\'s serial number to derive the pairing password');
  }
}

/** The section's defaults as a HaConfig (tests and the simulator start from these). */
export function haDefaults(): HaConfig {
  return sectionDefaults<HaConfig>(haSection);
}

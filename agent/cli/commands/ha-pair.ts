// pbxctl ha pair / unpair / sync / pairing: SSH pairing with the peer and replication (methods
// ha.pair, ha.unpair, ha.sync, ha.pairing of cluster/pairing and cluster/sync). The rest of
// `pbxctl ha` is in ha.ts.
import type { CliIo, Command } from '../command.ts';
import { cell, keyValues } from '../format.ts';
import { o, type Obj } from './ha.ts';

/** The pairing and replication state as text (no secret is ever in the result). */
function pairingText(r: Obj): string {
  const peer = r.peer ? o(r.peer) : undefined;
  const sess = o(r.session);
  const sync = o(r.sync);
  const cfg = o(sync.config);
  const local = o(cfg.local);
  const peerCfg = cfg.peer ? o(cfg.peer) : undefined;
  const leases = o(sync.leases);
  const server = r.server ? o(r.server) : undefined;
  return keyValues({
    pairing: r.paired ? `paired (this node is the ${cell(r.role)}) since ${cell(r.pairedAt)}` : peer ? 'half-paired: the peer was not told; run pbxctl ha unpair' : 'not paired',
    peer: peer ? `${cell(peer.name)} serial ${cell(peer.serial)} at ${cell(peer.address)}` : '-',
    'peer host key': peer?.hostKey ?? '-',
    'local host key': r.localHostKey ?? '-',
    session: `${cell(sess.state)}${sess.path ? ` via ${String(sess.path)}` : ''}${sess.lastError ? ` (last error: ${String(sess.lastError)})` : ''}`,
    config: `local version ${cell(local.version)} (${String(local.hash ?? '').slice(0, 12) || '-'}), ${sync.role === 'member' ? 'applied from the coordinator' : 'peer'} ${peerCfg ? `version ${cell(peerCfg.version)} (${String(peerCfg.hash ?? '').slice(0, 12)})` : '-'}, ${cfg.inSync === true ? 'in sync' : cfg.inSync === false ? 'NOT in sync' : 'unknown'}`,
    'last sync': `${cell(cfg.lastSyncAt)}${cfg.lastError ? `; error: ${String(cfg.lastError)}` : ''}`,
    leases: `${cell(leases.pending)} pending, ${cell(leases.sent)} sent, ${cell(leases.received)} received${leases.lastError ? `; error: ${String(leases.lastError)}` : ''}`,
    'pairing server': server
      ? `${cell(server.connections)} connections, refused: ${cell(server.refusedAddress)} wrong address, ${cell(server.passwordFailures)} wrong password, ${cell(server.lockouts)} lockouts${server.lockedUntil ? `, LOCKED until ${String(server.lockedUntil)}` : ''}`
      : 'not listening (HA not configured)',
  });
}

export const haPairCommands: Command[] = [
  {
    path: ['ha', 'pair'],
    summary: 'Pair with the peer over SSH (on the coordinator): exchange host keys and a new cluster key',
    description: 'Connects to ha.remoteIp on ha.pairingPort from ha.localIp and logs in with the password derived from ha.peerSerial. '
      + 'The peer must have HA enabled (not as coordinator) and ha.remoteIp set to this node. After pairing the password is refused until unpair, '
      + 'heartbeats use the new key and this node\'s configuration is replicated to the peer.',
    method: 'ha.pair',
    examples: ['pbxctl ha pair'],
    render: (r, io) => { io.out('paired\n'); io.out(pairingText(o(r))); },
  },
  {
    path: ['ha', 'unpair'],
    summary: 'Unpair: both nodes forget the cluster key; the resource stays where it is (degraded cluster)',
    description: 'Run on either node. The peer is told over the cluster session; if it cannot be reached, run unpair there too.',
    options: [{ name: 'reason', type: 'string', help: 'why (kept in the audit log)' }],
    method: 'ha.unpair',
    examples: ['pbxctl ha unpair', 'pbxctl ha unpair --reason "replacing node B"'],
    render: (r, io: CliIo) => {
      const x = o(r);
      io.out(x.peerNotified ? 'unpaired on both nodes\n' : `unpaired here; the peer was NOT told (${cell(x.peerError)}): run pbxctl ha unpair on it too\n`);
    },
  },
  {
    path: ['ha', 'sync'],
    summary: 'Replicate now: the coordinator pushes its configuration, both nodes push their DHCP leases',
    method: 'ha.sync',
    examples: ['pbxctl ha sync', 'pbxctl --json ha sync'],
    render: (r, io) => {
      const x = o(r);
      const what = x.config === 'pushed' ? `configuration version ${cell(x.version)} pushed`
        : x.config === 'in-sync' ? `configuration version ${cell(x.version)} already on the peer`
          : 'configuration comes from the coordinator';
      io.out(`${what}; ${cell(x.leasesSent)} lease(s) sent\n`);
    },
  },
  {
    path: ['ha', 'pairing'],
    summary: 'Show pairing and replication: peer serial, host key fingerprints, config versions, last sync',
    method: 'ha.pairing',
    examples: ['pbxctl ha pairing', 'pbxctl --json ha pairing | jq .sync.config'],
    render: (r, io) => io.out(pairingText(o(r))),
  },
];

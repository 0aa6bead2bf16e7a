// pbxctl ha ...: the HA cluster's status and admin actions (methods ha.*). Pairing and unpairing
// are in ha-pair.ts. `haStatusText` also renders the HA part of `pbxctl status`.
import type { CliIo, Command } from '../command.ts';
import { cell, table } from '../format.ts';

export type Obj = Record<string, unknown>;
/** `v` if it is a plain object, else {}: for rendering results whose fields may be missing. */
export const o = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? v as Obj : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v as Obj[] : []);
const ms = (v: unknown): string => (typeof v === 'number' ? `${v} ms` : '-');

/** The seed's status page as text: nodes, cluster, heartbeat per path, resource, ping group, transitions. */
export function haStatusText(s: Obj): string {
  if (s.configured === false || s.state === 'not built in this version') {
    return `HA: ${cell(s.state)}${s.hint ? ` (${String(s.hint)})` : ''}\n`;
  }
  if (s.state === 'stopped') return 'HA: stopped\n';
  let out = `HA: ${s.enabled ? 'enabled' : 'disabled'}${s.coordinator ? ' as coordinator' : ''}, ${s.paired ? 'paired' : 'not paired'}; `
    + `service state ${cell(s.state)} since ${cell(s.since)} (${cell(s.reason)}); generation ${cell(s.generation)}; `
    + `${s.serving ? 'serving PnP/DHCP here' : 'not serving here'}\n`;
  const nodes = o(s.nodes);
  out += '\nNodes:\n' + indent(table<Obj>([{ who: 'this node', ...o(nodes.self) }, { who: 'peer', ...o(nodes.peer) }], [
    { header: 'NODE', get: (n) => n.who }, { header: 'SERIAL', get: (n) => n.serial }, { header: 'LAN IP', get: (n) => n.lanIp },
    { header: 'SYNC IP', get: (n) => n.syncIp }, { header: 'STATE', get: (n) => n.state },
    { header: 'LIVENESS', get: (n) => (n.who === 'peer' ? `${cell(n.liveness)}${typeof n.lastHeardMsAgo === 'number' ? ` (${n.lastHeardMsAgo} ms ago)` : ''}` : 'self') },
    { header: 'RESOURCE', get: (n) => n.holdsResource }, { header: 'COORDINATOR', get: (n) => n.coordinator },
  ]));
  const hb = o(s.heartbeat);
  out += `\nHeartbeat: every ${ms(hb.intervalMs)}, late past ${ms(hb.warningMs)}, dead past ${ms(hb.deadMs)} (udp ${cell(hb.port)})`
    + `${hb.running ? '' : `; not running: ${cell(hb.why)}`}${hb.timersMatchPeer === false ? '; WARNING: the peer\'s timers differ from ours' : ''}\n`;
  const paths = list(hb.paths);
  if (paths.length) {
    out += indent(table(paths, [
      { header: 'PATH', get: (p) => p.name }, { header: 'LOCAL', get: (p) => p.local }, { header: 'PEER', get: (p) => p.peer },
      { header: 'STATE', get: (p) => (p.bound ? p.state : 'not bound') }, { header: 'AGE', get: (p) => ms(p.ageMs) },
      { header: 'RX', get: (p) => p.rx }, { header: 'TX', get: (p) => p.tx }, { header: 'LATE', get: (p) => p.late },
      { header: 'MAX GAP', get: (p) => ms(p.maxGapMs) },
    ]));
  }
  const dropped = Object.entries(o(hb.dropped));
  if (dropped.length) out += `  dropped: ${dropped.map(([k, v]) => `${k} ${cell(v)}`).join(', ')}\n`;
  const r = o(s.resource);
  out += `\nResource: ${cell(r.ip)} on ${cell(r.interface)}, held by ${cell(r.holder)}${r.lastError ? `; last error: ${String(r.lastError)}` : ''}\n`;
  const pg = o(s.pingGroup);
  const targets = list(pg.targets);
  if (targets.length === 0) out += '\nPing group: none\n';
  else {
    const self = o(pg.self);
    const peer = pg.peer ? o(pg.peer) : undefined;
    out += `\nPing group: this node reaches ${cell(self.score ?? '?')}/${cell(self.total)}${self.stable ? '' : ' (settling)'}`
      + `; the peer reaches ${peer ? `${cell(peer.score)}/${cell(peer.total)}${peer.stable ? '' : ' (settling)'}` : 'unknown'}\n`;
    out += indent(table(targets, [
      { header: 'ADDRESS', get: (t) => t.address }, { header: 'REACHABLE', get: (t) => t.reachable },
      { header: 'LAST REPLY', get: (t) => (typeof t.lastReplyAgeMs === 'number' ? `${t.lastReplyAgeMs} ms ago` : 'never') },
    ]));
  }
  const h = s.handover ? o(s.handover) : undefined;
  if (h) out += `\nSwitch in progress: this node is the ${cell(h.side)}, phase ${cell(h.phase)} (${cell(h.reason)})\n`;
  out += '\nLast transitions:\n' + indent(table(list(s.transitions), [
    { header: 'TIME', get: (t) => t.at }, { header: 'FROM', get: (t) => t.from }, { header: 'TO', get: (t) => t.to }, { header: 'REASON', get: (t) => t.reason },
  ]));
  return out;
}

function indent(text: string): string {
  return text.split('\n').map((l) => (l ? `  ${l}` : l)).join('\n');
}

const outcome = (r: unknown, io: CliIo): void => { io.out(`${String(o(r).message ?? 'done')}\n`); };

export const haCommands: Command[] = [
  {
    path: ['ha', 'status'],
    summary: 'Show the HA cluster: nodes, pairing, heartbeat per path, resource holder, ping group, last transitions',
    method: 'ha.status',
    examples: ['pbxctl ha status', 'pbxctl --json ha status | jq .heartbeat.paths'],
    render: (r, io) => io.out(haStatusText(o(r))),
  },
  {
    path: ['ha', 'switchover'],
    summary: 'Move the resource to the other node (a handover with a gap, never an overlap)',
    description: 'Works from either node. Refused while either node is acquiring, releasing or already switching, or when the peer is not heard.',
    method: 'ha.switchover',
    examples: ['pbxctl ha switchover'],
    render: outcome,
  },
  {
    path: ['ha', 'takeover'],
    summary: 'Force this node to take the resource when the peer is down (needs --peer-is-down)',
    description: 'Only for a peer that is really down (powered off, cut off): if it still holds the resource, both nodes will. Refused while the peer\'s heartbeats arrive; use switchover then.',
    options: [{ name: 'peer-is-down', type: 'bool', help: 'confirm the peer is down (required)', param: 'confirm' }],
    method: 'ha.takeover',
    examples: ['pbxctl ha takeover --peer-is-down'],
    render: outcome,
  },
  {
    path: ['ha', 'enable'],
    summary: 'Enable HA on this node (starts from init, detecting the resource IP)',
    options: [{ name: 'coordinator', type: 'bool', help: 'enable as coordinator (its configuration is replicated to the peer); --no-coordinator for the other node' }],
    method: 'ha.enable',
    examples: ['pbxctl ha enable --coordinator', 'pbxctl ha enable'],
    render: outcome,
  },
  {
    path: ['ha', 'disable'],
    summary: 'Disable HA on both nodes (the peer is told); the resource stays where it is',
    method: 'ha.disable',
    examples: ['pbxctl ha disable'],
    render: outcome,
  },
];

// pbxctl status: what an installer looks at first. One line per service with its state and the
// counters that matter, the DHCP pools, the HA cluster; `--all` (or --json) gives every counter.
import type { PoolUsage } from '../../../net/dhcp/leases.ts';
import type { Command } from '../command.ts';
import { keyValues, table } from '../format.ts';
import { poolsTable } from './dhcp.ts';
import { haStatusText } from './ha.ts';

type Obj = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const sum = (v: unknown): number => (v && typeof v === 'object' ? Object.values(v as Obj).reduce<number>((a, x) => a + num(x), 0) : 0);

function stateOf(s: Obj): string {
  if (s.enabled === false) return 'disabled';
  if (typeof s.state === 'string' && s.state !== 'running') return s.state;
  return s.listening === null ? 'stopped' : 'running';
}

/** The few counters per service that tell whether phones are being served. */
function summary(name: string, s: Obj): string {
  if (s.enabled === false) return '';
  switch (name) {
    case 'tftp': return `${num(s.sessionsActive)} active, ${num(s.completed)} files sent, ${sum(s.errors)} errors, ${num(s.malformed)} malformed${typeof s.engine === 'string' ? `, ${s.engine} engine` : ''}`;
    case 'http': return `${num(s.requests)} requests, ${num(s.served)} served, ${num(s.notFound)} not found`;
    case 'pnp': return `${num(s.received)} SUBSCRIBEs, ${num(s.answered)} answered, ${sum(s.refused)} refused, ${num(s.pendingNotifies)} NOTIFYs pending${s.active === false ? ' (standby: not answering)' : ''}`;
    case 'dhcp': {
      const pools = Array.isArray(s.pools) ? (s.pools as PoolUsage[]) : [];
      const used = pools.reduce((a, p) => a + p.size - p.free, 0);
      const size = pools.reduce((a, p) => a + p.size, 0);
      return `${used}/${size} addresses in use${s.otherServerWarning ? ', WARNING: another DHCP server answers on this segment' : ''}${s.active === false ? ' (standby: not serving)' : ''}`;
    }
    case 'ha': {
      const peer = ((s.nodes as Obj | undefined)?.peer ?? {}) as Obj;
      return `resource ${String((s.resource as Obj | undefined)?.holder ?? '-')}, peer ${String(peer.liveness ?? '-')}`;
    }
    case 'resync': return `on change: ${num(s.sent)} NOTIFYs, ${num(s.answered)} answered, ${num(s.failed)} failed, ${num(s.noAnswer)} no answer, ${num(s.noAddress)} without address, ${num(s.pending)} pending`;
    default: return typeof s.summary === 'string' ? s.summary : '';
  }
}

function render(r: Obj): string {
  const node = (r.node ?? {}) as Obj;
  const store = (r.store ?? {}) as Obj;
  const services = (r.services ?? {}) as Record<string, Obj>;
  let out = keyValues({
    node: `${node.name} (serial ${node.serial}), pbx-agent ${node.version}, pid ${node.pid}, up ${node.uptimeSeconds}s, node ${node.node}`,
    store: `${store.path}, schema ${store.schemaVersion}, ${Math.round(num(store.sizeBytes) / 1024)} KiB`,
  });
  out += '\n' + table(Object.entries(services), [
    { header: 'SERVICE', get: ([n]) => n },
    { header: 'STATE', get: ([, s]) => stateOf(s) },
    { header: 'LISTENING', get: ([, s]) => (typeof s.listening === 'string' ? s.listening : '-') },
    { header: 'SUMMARY', get: ([n, s]) => summary(n, s) },
  ]);
  const pools = services.dhcp?.pools;
  if (Array.isArray(pools) && pools.length) out += '\nDHCP pools:\n' + poolsTable(pools as PoolUsage[]);
  const ha = services.ha;
  if (ha && ha.configured !== false && ha.state !== 'not built in this version') out += '\n' + haStatusText(ha);
  return out;
}

export const statusCommands: Command[] = [
  {
    path: ['status'],
    summary: 'Show the node, its services (state, listening address, key counters), DHCP pools and the HA cluster',
    options: [{ name: 'all', type: 'bool', help: 'print every counter of every service' }],
    examples: ['pbxctl status', 'pbxctl status --all', 'pbxctl status --json | jq .services.tftp'],
    method: 'status',
    render: (r, io, params) => io.out(params.all === true ? keyValues(r as Obj) : render(r as Obj)),
  },
];

// The HA lab of reference/ha.md section 6, on top of test/lab/lab.ts.
//
//   br-lan  (10.99.0.0/24): nA eth0 .1, nB eth0 .2, cli .50, gw1 .251, gw2 .252; the resource IP .100
//   br-sync (10.98.0.0/24): nA eth1 .1, nB eth1 .2
//
// gw1/gw2 are the ping-group targets (their kernels answer ICMP echo); cli is the phone that probes
// the service on the resource IP. Fault tools, all checked to work in this sandbox (kernel 6.18; no
// iptables/nft, no tc actions, no netem, so nothing here needs them):
// - cut(path): the nodes' switch ports on that bridge become `isolated`: A and B stop hearing each
//   other on that path while both still reach gw1/gw2 and cli (the split-brain partition, with the
//   carrier up, which the nodes cannot see);
// - isolate(node, path, 'cable'|'silent'): the node's switch port goes down or stops forwarding;
// - blackhole(from, to): blackhole routes inside `from` to every address of `to`: a one-way cut
//   (from's packets to `to` vanish, to's packets still arrive). Heartbeats are unicast to the
//   peer's addresses, so this is exactly "A->B lost";
// - blockTargets(node, targets): the targets stop answering that node (a blackhole route back to
//   the node inside each target host): its echoes go out and no reply comes, as when the path to
//   the gateways dies upstream. (A route inside the node would make ping fail locally with
//   "Network is unreachable", a different failure than "the gateways went quiet");
// - ifDown(node, nic): the node's own interface goes down (a tracked interface fails: NO-CARRIER
//   and the addresses on it stop working locally);
// - freeze/thaw/kill9 a PID (SIGSTOP/SIGCONT/SIGKILL), with checks that the PID is really ours.
import { readFileSync } from 'node:fs';
import { createLab, SWITCH, type Lab } from '../lab/lab.ts';
import { LabError, ip, netnsPids, tryKill } from '../lab/netns.ts';
import { requireLab } from '../lab/preflight.ts';
import { pidRunning } from '../lab/proc.ts';

export type NodeName = 'nA' | 'nB';
export type PathName = 'lan' | 'sync';
export const NODES: readonly NodeName[] = ['nA', 'nB'];
export const PATHS: readonly PathName[] = ['lan', 'sync'];

/** Fixed addresses: the scenarios and the bench speak of them by name. */
export const HA_ADDR = {
  nA: { lan: '10.99.0.1', sync: '10.98.0.1' },
  nB: { lan: '10.99.0.2', sync: '10.98.0.2' },
  cli: '10.99.0.50',
  gw1: '10.99.0.251',
  gw2: '10.99.0.252',
  vip: '10.99.0.100',
  prefixLen: 24,
} as const;

/** Serial numbers the lab's nodes use (config override: a namespace has no DMI of its own). */
export const HA_SERIAL: Readonly<Record<NodeName, string>> = { nA: 'LABSERIAL-A', nB: 'LABSERIAL-B' };

export function peerOf(n: NodeName): NodeName {
  return n === 'nA' ? 'nB' : 'nA';
}

export interface HaLab {
  readonly lab: Lab;
  readonly vip: string;
  /** `10.99.0.100/24`. */
  readonly vipCidr: string;
  /** Interface of a path inside a node ('eth0' for lan, 'eth1' for sync). */
  ifOf(path: PathName): string;
  addr(node: NodeName, path: PathName): string;
  /** Partition A from B on one path (both still reach gw1/gw2/cli). Idempotent. */
  cut(path: PathName): Promise<void>;
  heal(path: PathName): Promise<void>;
  /** The node's switch port on a path goes down ('cable') or stops forwarding ('silent'). */
  isolate(node: NodeName, path: PathName, mode?: 'cable' | 'silent'): Promise<void>;
  unisolate(node: NodeName, path: PathName): Promise<void>;
  /** One-way cut: packets from `from` to every address of `to` are dropped inside `from`. */
  blackhole(from: NodeName, to: NodeName): Promise<void>;
  unblackhole(from: NodeName, to: NodeName): Promise<void>;
  /** The node can no longer reach these ping-group targets (default both gateways). */
  blockTargets(node: NodeName, targets?: readonly string[]): Promise<void>;
  unblockTargets(node: NodeName, targets?: readonly string[]): Promise<void>;
  /** The node's own NIC goes down / up (tracked interface failure). */
  ifDown(node: NodeName, path: PathName): Promise<void>;
  ifUp(node: NodeName, path: PathName): Promise<void>;
  /** Undo every fault above: the next scenario starts from a clean network. */
  healAll(): Promise<void>;
  /** Removes the resource IP from both nodes and forgets cli's neighbour entry. */
  clearVip(): Promise<void>;
  /**
   * The whole node dies at one instant: every process in its namespace is frozen (SIGSTOP, so
   * nothing sends a goodbye), its switch ports go down ('cable', the default: as a powered-off
   * machine) or silent (a hung one), then the frozen processes are killed. Its kernel keeps the
   * resource IP, unreachable. Returns the PIDs it killed. Undo the ports with healAll().
   */
  crash(node: NodeName, ports?: 'cable' | 'silent'): Promise<number[]>;
  /** Nodes holding the resource IP right now (one `ip -o addr` per node). */
  holders(): Promise<NodeName[]>;
  /** MAC cli currently maps the resource IP to (neighbour table), or undefined. */
  cliNeighMac(): Promise<string | undefined>;
  macOf(node: NodeName, path?: PathName): string;
  teardown(): Promise<void>;
}

export interface HaLabOptions {
  /** Namespace prefix (default: test/lab's unique per-process prefix). */
  prefix?: string;
}

/** Builds the two-node lab (under a second). Fails loudly without root, iproute2, bridge or ping. */
export async function createHaLab(opts: HaLabOptions = {}): Promise<HaLab> {
  requireLab(['bridge', 'ping', 'arping']);
  const lab = await createLab({
    ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }),
    bridges: ['lan', 'sync'],
    hosts: [
      { name: 'nA', nics: [{ bridge: 'lan', ip: `${HA_ADDR.nA.lan}/24` }, { bridge: 'sync', ip: `${HA_ADDR.nA.sync}/24` }] },
      { name: 'nB', nics: [{ bridge: 'lan', ip: `${HA_ADDR.nB.lan}/24` }, { bridge: 'sync', ip: `${HA_ADDR.nB.sync}/24` }] },
      { name: 'cli', ip: `${HA_ADDR.cli}/24` },
      { name: 'gw1', ip: `${HA_ADDR.gw1}/24` },
      { name: 'gw2', ip: `${HA_ADDR.gw2}/24` },
    ],
  });
  try {
    return await wrap(lab);
  } catch (e) {
    await lab.teardown().catch(() => {});
    throw e;
  }
}

const IF: Record<PathName, string> = { lan: 'eth0', sync: 'eth1' };
const GWS = [HA_ADDR.gw1, HA_ADDR.gw2];

/** The lab host that owns a ping-group target address. */
function targetHost(addr: string): string {
  if (addr === HA_ADDR.gw1) return 'gw1';
  if (addr === HA_ADDR.gw2) return 'gw2';
  throw new LabError(`${addr} is not a ping-group target of the HA lab (${GWS.join(', ')})`);
}

async function wrap(lab: Lab): Promise<HaLab> {
  const swNs = lab.ns(SWITCH);
  // The switch-side port of a node NIC. test/lab names it v<host index>n<nic index> and gives it
  // the alias "<host>:<ifname>"; read the alias back so a change in that naming fails here, loudly.
  const ports = new Map<string, string>();
  const links = await ip(['-n', swNs, '-o', 'link', 'show']);
  for (const n of NODES) {
    for (const p of PATHS) {
      const alias = `${n}:${IF[p]}`;
      const line = links.split('\n').find((l) => l.includes(`alias ${alias}`));
      const m = line === undefined ? null : /^\d+:\s+([^:@\s]+)/.exec(line);
      if (m === null) throw new LabError(`HA lab: no switch port with alias ${alias} in ${swNs}`);
      ports.set(alias, m[1]!);
    }
  }
  const portOf = (n: NodeName, p: PathName): string => ports.get(`${n}:${IF[p]}`)!;
  // Both nodes answer ARP only for addresses on the receiving interface; the resource IP lives on
  // eth0, so cli's neighbour entry always names the holder's eth0 MAC.
  for (const n of NODES) {
    await lab.exec(n, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore; echo 2 > /proc/sys/net/ipv4/conf/all/arp_announce']);
  }

  const cutPaths = new Set<PathName>();
  const isolated = new Set<string>();
  const routes = new Set<string>(); // "<host> <dst>"
  const downIfs = new Set<string>();

  async function setIsolated(path: PathName, on: boolean): Promise<void> {
    for (const n of NODES) {
      const r = await lab.exec(SWITCH, 'bridge', ['link', 'set', 'dev', portOf(n, path), 'isolated', on ? 'on' : 'off']);
      if (r.code !== 0) throw new LabError(`bridge link set ${portOf(n, path)} isolated ${on ? 'on' : 'off'}: ${r.stderr.trim()}`);
    }
  }

  async function addRoute(node: string, dst: string): Promise<void> {
    const key = `${node} ${dst}`;
    if (routes.has(key)) return;
    await ip(['-n', lab.ns(node), 'route', 'replace', 'blackhole', `${dst}/32`]);
    routes.add(key);
  }

  async function delRoute(node: string, dst: string): Promise<void> {
    const key = `${node} ${dst}`;
    if (!routes.has(key)) return;
    await ip(['-n', lab.ns(node), 'route', 'del', 'blackhole', `${dst}/32`]);
    routes.delete(key);
  }

  const ha: HaLab = {
    lab,
    vip: HA_ADDR.vip,
    vipCidr: `${HA_ADDR.vip}/${HA_ADDR.prefixLen}`,
    ifOf: (p) => IF[p],
    addr: (n, p) => HA_ADDR[n][p],
    macOf: (n, p = 'lan') => lab.macOf(n, IF[p]),

    async cut(path) {
      await setIsolated(path, true);
      cutPaths.add(path);
    },
    async heal(path) {
      await setIsolated(path, false);
      cutPaths.delete(path);
    },
    async isolate(node, path, mode = 'silent') {
      await lab.linkDown(node, IF[path], { mode });
      isolated.add(`${node} ${path}`);
    },
    async unisolate(node, path) {
      await lab.linkUp(node, IF[path]);
      isolated.delete(`${node} ${path}`);
    },
    async blackhole(from, to) {
      for (const p of PATHS) await addRoute(from, HA_ADDR[to][p]);
    },
    async unblackhole(from, to) {
      for (const p of PATHS) await delRoute(from, HA_ADDR[to][p]);
    },
    async blockTargets(node, targets = GWS) {
      for (const t of targets) await addRoute(targetHost(t), HA_ADDR[node].lan);
    },
    async unblockTargets(node, targets = GWS) {
      for (const t of targets) await delRoute(targetHost(t), HA_ADDR[node].lan);
    },
    async ifDown(node, path) {
      await ip(['-n', lab.ns(node), 'link', 'set', IF[path], 'down']);
      downIfs.add(`${node} ${path}`);
    },
    async ifUp(node, path) {
      await ip(['-n', lab.ns(node), 'link', 'set', IF[path], 'up']);
      downIfs.delete(`${node} ${path}`);
      // Bringing a link down flushes the routes through it; put back the ones test/lab adds.
      if (path === 'lan') {
        await ip(['-n', lab.ns(node), 'route', 'replace', '224.0.0.0/4', 'dev', IF.lan]);
        await ip(['-n', lab.ns(node), 'route', 'replace', '255.255.255.255/32', 'dev', IF.lan]);
      }
    },
    async healAll() {
      for (const p of [...cutPaths]) await ha.heal(p);
      for (const k of [...isolated]) {
        const [n, p] = k.split(' ') as [NodeName, PathName];
        await ha.unisolate(n, p);
      }
      for (const k of [...downIfs]) {
        const [n, p] = k.split(' ') as [NodeName, PathName];
        await ha.ifUp(n, p);
      }
      for (const k of [...routes]) {
        const [n, d] = k.split(' ') as [string, string];
        await delRoute(n, d);
      }
    },
    async crash(node, ports = 'cable') {
      const pids = await netnsPids(lab.ns(node));
      for (const p of pids) tryKill(p, 'SIGSTOP');
      await Promise.all(PATHS.map((p) => ha.isolate(node, p, ports)));
      for (const p of pids) tryKill(p, 'SIGKILL');
      return pids;
    },
    async clearVip() {
      for (const n of NODES) {
        // "not there" is fine: that is the state we want.
        await lab.exec(n, 'ip', ['addr', 'del', ha.vipCidr, 'dev', IF.lan]);
      }
      await lab.exec('cli', 'ip', ['neigh', 'flush', 'all']);
    },
    async holders() {
      const out: NodeName[] = [];
      for (const n of NODES) {
        const r = await lab.exec(n, 'ip', ['-o', '-4', 'addr', 'show']);
        if (holdsVip(r.stdout, HA_ADDR.vip)) out.push(n);
      }
      return out;
    },
    async cliNeighMac() {
      const r = await lab.exec('cli', 'ip', ['neigh', 'show', HA_ADDR.vip]);
      return /lladdr ([0-9a-f:]{17})/i.exec(r.stdout)?.[1]?.toLowerCase();
    },
    teardown: () => lab.teardown(),
  };
  return ha;
}

/** True when `ip -o -4 addr` output lists `vip` as an address (any prefix length, any device). */
export function holdsVip(ipOAddr: string, vip: string): boolean {
  const needle = ` inet ${vip}/`;
  return ipOAddr.split('\n').some((l) => l.includes(needle));
}

/**
 * Signals for processes a test started. Each checks first that the PID is alive and not a zombie,
 * so a stale PID (reused by the kernel for someone else) is never signalled by mistake.
 */
export function freeze(pid: number): void {
  signalOwned(pid, 'SIGSTOP');
}

export function thaw(pid: number): void {
  signalOwned(pid, 'SIGCONT');
}

export function kill9(pid: number): void {
  // A stopped process dies of SIGKILL at once; no need to thaw first.
  signalOwned(pid, 'SIGKILL');
}

function signalOwned(pid: number, sig: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || pid <= 1) throw new LabError(`refusing to send ${sig} to pid ${pid}`);
  if (!pidRunning(pid)) {
    if (sig === 'SIGKILL') return;
    throw new LabError(`cannot send ${sig} to pid ${pid}: not running`);
  }
  tryKill(pid, sig);
}

/** 'T' (stopped) when a PID is frozen: lets a test assert that a freeze really happened. */
export function procState(pid: number): string | undefined {
  try {
    return /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

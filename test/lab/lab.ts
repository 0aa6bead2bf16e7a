// The network-namespace lab for end-to-end tests (reference: shared/reference/lab.md section 2).
//
// One namespace `<prefix>sw` holds the switch: one Linux bridge per LAN (STP off, forward_delay 0,
// IGMP snooping on unless asked otherwise). Each host is a namespace `<prefix><name>` with one veth
// per NIC (`eth0`, `eth1`...) whose other end is a port of that NIC's bridge. The veths are created
// directly inside the namespaces, so nothing appears in the root namespace and two labs (two test
// files running in parallel) never collide: only namespace names are global, and they carry the
// prefix. Each host gets lo up, its addresses, and on its first NIC the routes 224.0.0.0/4 and
// 255.255.255.255/32 (there is no default route: without them multicast and limited broadcast
// sends fail with ENETUNREACH), plus /etc/netns/<ns>/resolv.conf so a DHCP client's script cannot
// rewrite the host's /etc/resolv.conf. IPv6 is off unless asked for (quiet captures).
//
// Every process the lab starts is tracked and killed by PID at teardown; then every process
// still inside a lab namespace (`ip netns pids`) is killed, and the namespaces and /etc/netns
// folders are deleted. A process 'exit' hook (and SIGINT/SIGTERM/SIGHUP) does the same
// synchronously, so an aborted run leaves nothing behind; namespaces of dead runs are swept at
// the next createLab.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { requireLab, requireTools } from './preflight.ts';
import {
  LabError, NETNS_ETC, destroyNamespaces, destroyNamespacesSync, ip, ipBatch, killTree, run, sweepStaleLabs,
} from './netns.ts';

export { LabError, sweepStaleLabs };

/** The Node 24 binary running the tests: use it for helper scripts inside namespaces. */
export const NODE_BIN = process.execPath;

/** The host name that addresses the switch namespace in exec/spawn (tshark on a bridge, `bridge mdb`). */
export const SWITCH = 'sw';

export interface NicSpec {
  /** Bridge (LAN) this NIC plugs into; default 'lan'. Lowercase letters and digits, up to 12. */
  bridge?: string;
  /** `10.99.0.N/24`; omit for a NIC with no address (a phone waiting for DHCP). */
  ip?: string;
  /** Default `02:99:<nic>:00:<host hi>:<host lo + 1>` (host 0, NIC 0 -> 02:99:00:00:00:01). */
  mac?: string;
}

export interface HostSpec {
  /** Letters, digits, '-' and '_'; up to 32. Becomes the namespace `<prefix><name>`. */
  name: string;
  /** Shorthand for `nics: [{ bridge: 'lan', ip, mac }]`. */
  ip?: string;
  mac?: string;
  nics?: NicSpec[];
}

export interface BridgeSpec {
  name: string;
  /** IGMP snooping on the bridge (default true, as on a managed switch). */
  mcastSnooping?: boolean;
}

export interface LabOptions {
  /** Namespace name prefix; default `pbxt<pid>_<n>_`, unique per process and per lab. */
  prefix?: string;
  hosts: HostSpec[];
  /** Bridges to create with options; bridges named only by NICs get the defaults. */
  bridges?: Array<string | BridgeSpec>;
  /** Keep IPv6 on (default off: no router solicitations or MLD in captures). */
  ipv6?: boolean;
}

export interface ExecOptions {
  /** Killed (process group, by PID) after this long and the promise rejects; default 30 s. */
  timeoutMs?: number;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Output kept per stream; the rest is dropped (default 8 MiB). */
  maxOutputBytes?: number;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Default ['ignore', 'pipe', 'pipe']: read stdout/stderr (or pass 'ignore') so the child never blocks. */
  stdio?: StdioOptions;
}

export interface LinkOptions {
  /**
   * 'cable' (default): the switch port goes down, so the host sees NO-CARRIER, as when a cable is
   * pulled. 'silent': the switch port stops forwarding but carrier stays up (a broken switch or
   * VLAN), which the host cannot see: the nastier HA partition.
   */
  mode?: 'cable' | 'silent';
}

export interface Lab {
  readonly prefix: string;
  /** Host names, in the order given. */
  readonly hosts: readonly string[];
  /** Namespace of a host (`SWITCH` gives the switch namespace). */
  ns(host: string): string;
  /** Address of a host's NIC without the prefix length ('10.99.0.1'). `nic`: 'eth1' or a bridge name. */
  ipOf(host: string, nic?: string): string;
  /** Address with its prefix length ('10.99.0.1/24'). */
  cidrOf(host: string, nic?: string): string;
  macOf(host: string, nic?: string): string;
  /** Interface name inside the host ('eth0'). */
  ifName(host: string, nic?: string): string;
  /** Bridge device inside the switch namespace ('br-lan'). */
  bridgeIf(bridge?: string): string;
  exec(host: string, cmd: string, args?: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** A long-running process inside the host, killed by PID at teardown. */
  spawn(host: string, cmd: string, args?: readonly string[], opts?: SpawnOptions): ChildProcess;
  linkDown(host: string, nic?: string, opts?: LinkOptions): Promise<void>;
  /** Undoes linkDown, whatever its mode. */
  linkUp(host: string, nic?: string): Promise<void>;
  /** Idempotent. Throws (after cleaning what it can) if a namespace survives. */
  teardown(): Promise<void>;
}

interface Nic {
  ifName: string;
  bridge: string;
  cidr: string | undefined;
  mac: string;
  /** The switch-side veth end, in the switch namespace. */
  port: string;
  down: 'cable' | 'silent' | undefined;
}

interface Host {
  name: string;
  ns: string;
  nics: Nic[];
}

const NAME_RE = /^[A-Za-z0-9_-]{1,32}$/;
const BRIDGE_RE = /^[a-z0-9]{1,12}$/;
const PREFIX_RE = /^[A-Za-z0-9_.-]{1,40}$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const DEFAULT_EXEC_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;

let labCounter = 0;
const liveLabs = new Set<{ teardownSync(): void }>();
let hooksInstalled = false;

/** A prefix unique to this process and this lab: `pbxt<pid>_<n>_`. */
export function defaultPrefix(): string {
  return `pbxt${process.pid}_${labCounter++}_`;
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const cleanAll = (): void => {
    for (const lab of [...liveLabs]) lab.teardownSync();
  };
  process.on('exit', cleanAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanAll();
      process.off(sig, onSignal);
      // Re-raise so the process dies of the signal, unless someone else handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}

function checkCidr(host: string, cidr: string): void {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(cidr);
  if (!m || !isIPv4(m[1]!) || Number(m[2]) < 1 || Number(m[2]) > 32) {
    throw new LabError(`host ${host}: ip '${cidr}' must be IPv4 with a prefix length, e.g. 10.99.0.1/24`);
  }
}

function buildModel(opts: LabOptions, prefix: string): { hosts: Host[]; bridges: Map<string, BridgeSpec> } {
  if (!PREFIX_RE.test(prefix)) throw new LabError(`prefix '${prefix}' must match ${PREFIX_RE}`);
  if (opts.hosts.length === 0) throw new LabError('a lab needs at least one host');
  const bridges = new Map<string, BridgeSpec>();
  for (const b of opts.bridges ?? []) {
    const spec = typeof b === 'string' ? { name: b } : b;
    if (!BRIDGE_RE.test(spec.name)) throw new LabError(`bridge '${spec.name}' must match ${BRIDGE_RE}`);
    bridges.set(spec.name, spec);
  }
  const seen = new Set<string>();
  const hosts = opts.hosts.map((h, hi): Host => {
    if (!NAME_RE.test(h.name) || h.name === SWITCH) throw new LabError(`host name '${h.name}' must match ${NAME_RE} and not be '${SWITCH}'`);
    if (seen.has(h.name)) throw new LabError(`host name '${h.name}' is used twice`);
    seen.add(h.name);
    if (h.nics !== undefined && (h.ip !== undefined || h.mac !== undefined)) {
      throw new LabError(`host ${h.name}: give either ip/mac or nics, not both`);
    }
    const specs: NicSpec[] = h.nics ?? [{ bridge: 'lan', ...(h.ip === undefined ? {} : { ip: h.ip }), ...(h.mac === undefined ? {} : { mac: h.mac }) }];
    if (specs.length === 0 || specs.length > 8) throw new LabError(`host ${h.name}: 1 to 8 NICs`);
    const nics = specs.map((n, ni): Nic => {
      const bridge = n.bridge ?? 'lan';
      if (!BRIDGE_RE.test(bridge)) throw new LabError(`host ${h.name}: bridge '${bridge}' must match ${BRIDGE_RE}`);
      if (!bridges.has(bridge)) bridges.set(bridge, { name: bridge });
      if (n.ip !== undefined) checkCidr(h.name, n.ip);
      const mac = n.mac ?? `02:99:${hex2(ni)}:00:${hex2((hi + 1) >> 8)}:${hex2(hi + 1)}`;
      if (!MAC_RE.test(mac)) throw new LabError(`host ${h.name}: mac '${mac}' is not aa:bb:cc:dd:ee:ff`);
      return { ifName: `eth${ni}`, bridge, cidr: n.ip, mac: mac.toLowerCase(), port: `v${hi}n${ni}`, down: undefined };
    });
    return { name: h.name, ns: prefix + h.name, nics };
  });
  return { hosts, bridges };
}

/** Builds the lab (about 0.1 to 0.3 s). Fails loudly without root or iproute2. */
export async function createLab(opts: LabOptions): Promise<Lab> {
  requireLab();
  const prefix = opts.prefix ?? defaultPrefix();
  const { hosts, bridges } = buildModel(opts, prefix);
  const swNs = `${prefix}${SWITCH}`;
  const allNs = [swNs, ...hosts.map((h) => h.ns)];
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const tracked = new Set<ChildProcess>();
  let tornDown: Promise<void> | undefined;

  await sweepStaleLabs();
  const existing = new Set((await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]));
  const clash = allNs.filter((n) => existing.has(n));
  if (clash.length > 0) throw new LabError(`namespaces already exist: ${clash.join(', ')} (prefix '${prefix}' in use?)`);

  const host = (name: string): Host => {
    const h = byName.get(name);
    if (!h) throw new LabError(`no host '${name}' in this lab (hosts: ${hosts.map((x) => x.name).join(', ')})`);
    return h;
  };
  const nicOf = (name: string, nic?: string): Nic => {
    const h = host(name);
    if (nic === undefined) return h.nics[0]!;
    const n = h.nics.find((x) => x.ifName === nic) ?? h.nics.find((x) => x.bridge === nic);
    if (!n) throw new LabError(`host ${name} has no NIC '${nic}' (has ${h.nics.map((x) => `${x.ifName} on ${x.bridge}`).join(', ')})`);
    return n;
  };
  const nsOf = (name: string): string => (name === SWITCH ? swNs : host(name).ns);

  const self = {
    teardownSync(): void {
      for (const c of tracked) if (c.pid !== undefined) killTree(c.pid);
      destroyNamespacesSync(allNs);
      liveLabs.delete(self);
    },
  };
  // Registered before anything exists, so even a half-built lab is cleaned at exit.
  installExitHooks();
  liveLabs.add(self);

  async function teardown(): Promise<void> {
    const waits = [...tracked].map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      const t = setTimeout(resolve, 2_000);
      c.once('close', () => { clearTimeout(t); resolve(); });
    }));
    for (const c of tracked) if (c.pid !== undefined) killTree(c.pid);
    await Promise.all(waits);
    tracked.clear();
    const left = await destroyNamespaces(allNs);
    liveLabs.delete(self);
    if (left.length > 0) throw new LabError(`teardown: namespaces still present: ${left.join(', ')}`);
  }

  try {
    await build();
  } catch (e) {
    await teardown().catch(() => {});
    throw e;
  }

  async function build(): Promise<void> {
    for (const ns of allNs) {
      await mkdir(join(NETNS_ETC, ns), { recursive: true });
      await writeFile(join(NETNS_ETC, ns, 'resolv.conf'), `# pbx-agent test lab namespace ${ns}\nnameserver 127.0.0.1\n`);
    }
    // Namespaces, then every veth created straight into its two namespaces (one `ip` process).
    await ipBatch([
      ...allNs.map((n) => `netns add ${n}`),
      ...hosts.flatMap((h) => h.nics.map((n) => `link add name ${n.port} netns ${swNs} type veth peer name ${n.ifName} netns ${h.ns}`)),
    ]);
    const v6off = opts.ipv6 === true ? '' :
      'if [ -d /proc/sys/net/ipv6 ]; then for c in all default lo; do echo 1 > /proc/sys/net/ipv6/conf/$c/disable_ipv6; done; fi; ';
    const inNs = async (ns: string, lines: string[]): Promise<void> => {
      const r = await run('ip', ['netns', 'exec', ns, 'sh', '-c', `${v6off}exec ip -batch -`], lines.join('\n') + '\n');
      if (r.code !== 0) throw new LabError(`lab setup in ${ns} failed (exit ${r.code}): ${r.stderr.trim()}\n    ${lines.join('\n    ')}`);
    };
    const sw: string[] = ['link set lo up'];
    for (const b of bridges.values()) {
      sw.push(`link add br-${b.name} type bridge stp_state 0 forward_delay 0 mcast_snooping ${b.mcastSnooping === false ? 0 : 1}`);
      sw.push(`link set br-${b.name} up`);
    }
    for (const h of hosts) {
      for (const n of h.nics) {
        sw.push(`link set ${n.port} alias ${h.name}:${n.ifName}`);
        sw.push(`link set ${n.port} master br-${n.bridge}`);
        sw.push(`link set ${n.port} up`);
      }
    }
    const hostLines = (h: Host): string[] => {
      const lines = ['link set lo up'];
      for (const n of h.nics) {
        lines.push(`link set ${n.ifName} address ${n.mac}`);
        if (n.cidr !== undefined) lines.push(`addr add ${n.cidr} dev ${n.ifName}`);
        lines.push(`link set ${n.ifName} up`);
      }
      const first = h.nics[0]!.ifName;
      lines.push(`route add 224.0.0.0/4 dev ${first}`, `route add 255.255.255.255/32 dev ${first}`);
      return lines;
    };
    await Promise.all([inNs(swNs, sw), ...hosts.map((h) => inNs(h.ns, hostLines(h)))]);
  }

  // `ip link set ... type bridge_slave state N` is accepted but ignored by iproute2 6.1, so this
  // uses `bridge link set`, then reads the state back.
  async function setPortState(port: string, state: 'disabled' | 'forwarding'): Promise<void> {
    requireTools(['bridge']);
    const code = state === 'disabled' ? '0' : '3';
    const set = await run('bridge', ['-n', swNs, 'link', 'set', 'dev', port, 'state', code]);
    if (set.code !== 0) throw new LabError(`bridge link set dev ${port} state ${code} failed: ${set.stderr.trim()}`);
    const show = await run('bridge', ['-n', swNs, 'link', 'show', 'dev', port]);
    if (!new RegExp(`state ${state}\\b`).test(show.stdout)) {
      throw new LabError(`switch port ${port} did not go to state ${state}: ${show.stdout.trim() || show.stderr.trim()}`);
    }
  }

  function track(c: ChildProcess): ChildProcess {
    tracked.add(c);
    c.once('close', () => tracked.delete(c));
    return c;
  }

  function checkLive(what: string): void {
    if (tornDown) throw new LabError(`${what}: the lab was torn down`);
  }

  const lab: Lab = {
    prefix,
    hosts: hosts.map((h) => h.name),
    ns: nsOf,
    ipOf(name, nic) {
      return lab.cidrOf(name, nic).split('/')[0]!;
    },
    cidrOf(name, nic) {
      const n = nicOf(name, nic);
      if (n.cidr === undefined) throw new LabError(`host ${name} ${n.ifName} has no address`);
      return n.cidr;
    },
    macOf: (name, nic) => nicOf(name, nic).mac,
    ifName: (name, nic) => nicOf(name, nic).ifName,
    bridgeIf(bridge = 'lan') {
      if (!bridges.has(bridge)) throw new LabError(`no bridge '${bridge}' (have ${[...bridges.keys()].join(', ')})`);
      return `br-${bridge}`;
    },

    exec(name, cmd, args = [], o = {}) {
      checkLive('exec');
      const ns = nsOf(name);
      const timeoutMs = o.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
      const max = o.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
      return new Promise<ExecResult>((resolve, reject) => {
        const child = track(spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
          detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: o.env ?? process.env, ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
        }));
        const out = { stdout: '', stderr: '' };
        const collect = (key: 'stdout' | 'stderr') => (d: string): void => {
          if (out[key].length < max) out[key] += d.slice(0, max - out[key].length);
        };
        child.stdout!.setEncoding('utf8').on('data', collect('stdout'));
        child.stderr!.setEncoding('utf8').on('data', collect('stderr'));
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          if (child.pid !== undefined) killTree(child.pid);
        }, timeoutMs);
        child.on('error', (e) => { clearTimeout(timer); reject(new LabError(`exec in ${name}: ${cmd}: ${e.message}`)); });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          if (timedOut) {
            reject(new LabError(`exec in ${name} timed out after ${timeoutMs} ms and was killed: ${[cmd, ...args].join(' ')}\n` +
              `stdout: ${out.stdout.slice(-2000)}\nstderr: ${out.stderr.slice(-2000)}`));
          } else {
            resolve({ code, signal, ...out });
          }
        });
        child.stdin!.on('error', () => {});
        child.stdin!.end(o.input ?? '');
      });
    },

    spawn(name, cmd, args = [], o = {}) {
      checkLive('spawn');
      return track(spawn('ip', ['netns', 'exec', nsOf(name), cmd, ...args], {
        detached: true, stdio: o.stdio ?? ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env,
        ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
      }));
    },

    async linkDown(name, nic, o = {}) {
      checkLive('linkDown');
      const n = nicOf(name, nic);
      const mode = o.mode ?? 'cable';
      if (n.down !== undefined) await lab.linkUp(name, nic);
      if (mode === 'cable') await ip(['-n', swNs, 'link', 'set', n.port, 'down']);
      else await setPortState(n.port, 'disabled');
      n.down = mode;
    },

    async linkUp(name, nic) {
      checkLive('linkUp');
      const n = nicOf(name, nic);
      if (n.down === 'silent') await setPortState(n.port, 'forwarding');
      else await ip(['-n', swNs, 'link', 'set', n.port, 'up']);
      n.down = undefined;
    },

    teardown() {
      tornDown ??= teardown();
      return tornDown;
    },
  };
  return lab;
}

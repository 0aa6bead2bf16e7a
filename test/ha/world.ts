// The whole HA test world in one object: the lab, the audit (holders every 50 ms + cli probe),
// the responders and the two daemons. The scenarios, the soak and the bench share it; one world
// serves many scenarios (building a lab and pairing cost seconds), reset() between them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../e2e/agent.ts';
import {
  epochNow, startHolderAudit, startProbe, startResponder, startResponders,
  type ClientProbe, type HolderAudit, type Responder,
} from './audit.ts';
import { createCluster, HA_METHOD, roleOf, waitRole, type HaCluster, type NodeConfigOptions } from './cluster.ts';
import { createHaLab, NODES, type HaLab, type NodeName } from './lab.ts';
import { ensurePaired } from './pairing.ts';

export interface World {
  ha: HaLab;
  audit: HolderAudit;
  probe: ClientProbe;
  responders: Record<NodeName, Responder>;
  cluster: HaCluster;
}

/** Files the HA runtime must provide before two real daemons can run HA (HA-RUNTIME's area). */
const RUNTIME_FILES = ['cluster/ha-service.ts', 'cluster/ha-methods.ts', 'agent/cli/commands/ha.ts'];

function banner(lines: string[]): string {
  const bar = '!'.repeat(72);
  return ['', bar, ...lines.map((l) => `!!! ${l}`), bar].join('\n');
}

/**
 * Throws LOUDLY when the HA runtime is not built yet: the scenarios must fail naming what is
 * missing, never skip and look green.
 */
export function requireHaRuntime(): void {
  const missing = RUNTIME_FILES.filter((f) => !existsSync(join(ROOT, f)));
  if (missing.length === 0) return;
  throw new Error(banner([
    'HA RUNTIME MISSING: these scenarios run two real pbx-agent daemons with HA on,',
    `and the daemon has no HA runtime yet. Missing: ${missing.join(', ')}`,
    '(HA-RUNTIME area: the service that drives cluster/core with heartbeats, ping and the',
    'resource IP, its control methods ha.* and `pbxctl ha`). This test FAILS until then.',
  ]));
}

/** Same check at run time: the daemon answers `ha.status` (the runtime is wired in agent/parts.ts). */
export async function requireHaStatus(w: World, node: NodeName = 'nA'): Promise<void> {
  try {
    const s = await w.cluster.nodes[node].status();
    if (roleOf(s) !== undefined) return;
    throw new Error(`ha.status answered without a role: ${JSON.stringify(s).slice(0, 400)}`);
  } catch (e) {
    throw new Error(banner([
      'HA RUNTIME NOT WIRED: the daemon started but `ha.status` does not give a role:',
      (e as Error).message.slice(0, 300),
      'Wire the HA service and its control methods in agent/parts.ts. This test FAILS until then.',
    ]));
  }
}

export async function createWorld(): Promise<World> {
  const ha = await createHaLab();
  try {
    const responders = await startResponders(ha);
    const audit = startHolderAudit(ha);
    const probe = await startProbe(ha);
    const cluster = createCluster(ha);
    return { ha, audit, probe, responders, cluster };
  } catch (e) {
    await ha.teardown().catch(() => {});
    throw e;
  }
}

export async function destroyWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  await w.probe.stop().catch(() => {});
  await w.audit.stop().catch(() => {});
  await w.cluster.destroy().catch(() => {});
  await w.ha.teardown();
}

/**
 * Back to a clean start: daemons stopped (thawed first), every fault undone, no resource IP
 * anywhere, responders running, audit history cleared. State dirs (and so the pairing) survive.
 */
export async function resetWorld(w: World): Promise<void> {
  await w.cluster.stopAll();
  await w.ha.healAll();
  await w.ha.clearVip();
  await ensureResponders(w);
  w.audit.reset();
}

/** Restarts a responder a crash took down with its node. */
export async function ensureResponders(w: World): Promise<void> {
  for (const n of NODES) {
    const r = w.responders[n];
    if (r.proc.exitCode !== null || r.proc.signalCode !== null) w.responders[n] = await startResponder(w.ha, n);
  }
}

export interface BootResult {
  active: NodeName;
  /** When both daemons were ready (epoch ms). */
  readyAt: number;
  /** When the audit first saw the active node hold the resource. */
  heldAt: number;
}

/**
 * Starts both daemons together, pairs them if needed, and waits for the steady state: the
 * default active node ACTIVE and holding, the other STANDBY, cli answered by the active one.
 * "Together" is two process starts a few ms apart, but on a loaded box one Node daemon can take
 * seconds longer to come up than the other, longer than the init timeout; the early one then
 * rightly acts alone. bootPair is setup, not a scenario, so it then moves the resource to the
 * wanted node with a switchover (scenario 1 asserts the tie-break itself).
 */
export async function bootPair(w: World, o: NodeConfigOptions = {}): Promise<BootResult> {
  const active = o.defaultActive ?? 'nA';
  const since = epochNow();
  await w.cluster.startBoth(o);
  const readyAt = epochNow();
  await requireHaStatus(w);
  await ensurePaired(w.cluster);
  const initMs = o.timers?.initTimeoutMs ?? 4000;
  const first = await settledPair(w, initMs + 10_000);
  if (first !== active) {
    // Right after a start the other node's ping view may not be settled yet (dampening), and the
    // core refuses a switch towards a node that sees none of the ping group: retry for a while.
    const deadline = epochNow() + 15_000;
    for (;;) {
      try {
        await w.cluster.nodes[first].call(HA_METHOD.switchover, {}, 10_000);
        break;
      } catch (e) {
        if (epochNow() > deadline) throw new Error(`bootPair: ${first} came up first and took the resource; the switchover to ${active} kept being refused: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    await waitRole(w.cluster.nodes[active], 'active', 10_000);
    await waitRole(w.cluster.nodes[first], 'standby', 10_000);
  }
  const held = await w.audit.waitHolders([active], { since, timeoutMs: 5_000 });
  await w.probe.waitStable(active, { since: held.t, n: 5, timeoutMs: 5_000 });
  return { active, readyAt, heldAt: held.t };
}

/** Waits until one node is ACTIVE and the other STANDBY; returns the active one. */
export async function settledPair(w: World, timeoutMs: number): Promise<NodeName> {
  const deadline = epochNow() + timeoutMs;
  let last = '';
  while (epochNow() < deadline) {
    const roles = await Promise.all(NODES.map((n) => w.cluster.nodes[n].role().catch(() => undefined)));
    last = roles.join('/');
    if (roles[0] === 'active' && roles[1] === 'standby') return 'nA';
    if (roles[1] === 'active' && roles[0] === 'standby') return 'nB';
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the pair did not settle (one ACTIVE, one STANDBY) within ${timeoutMs} ms; roles nA/nB: ${last}`);
}

/** Status of both nodes agrees with the audit: `active` holds the address, nothing else does. */
export async function assertStatusAgrees(w: World): Promise<void> {
  const holders = await w.ha.holders();
  for (const n of NODES) {
    if (!w.cluster.nodes[n].running()) continue;
    const role = await w.cluster.nodes[n].role();
    const holds = holders.includes(n);
    if ((role === 'active') !== holds) {
      throw new Error(`status disagrees with reality on ${n}: role ${role}, ${holds ? 'holds' : 'does not hold'} the resource IP (holders: ${holders.join(',') || 'none'})`);
    }
  }
}

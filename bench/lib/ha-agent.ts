// Our side of the HA bench: two real pbx-agent daemons (test/ha/cluster.ts) in the lab's node
// namespaces, HA on, paired once, nA the default active node. start() restarts both on their
// state dirs (pairing survives), so every run begins from the same boot.
import { mkdirSync } from 'node:fs';
import { createCluster, LAB_TIMERS, waitRole, type HaCluster, type HaTimers } from '../../test/ha/cluster.ts';
import { ensurePaired } from '../../test/ha/pairing.ts';
import type { HaLab } from '../../test/ha/lab.ts';
import type { Contender } from './ha-failover.ts';

/** The lab timers of reference/ha.md section 6 (K 0.2 s, D 1.5 s): what the scenarios run too. */
export const BENCH_TIMERS: HaTimers = LAB_TIMERS;

/** keepalived's defaults translated: keepalive = advert 1 s, dead = VRRP master-down 3.61 s. */
export const VRRP_LIKE_TIMERS: HaTimers = {
  keepaliveIntervalMs: 1000, warningMs: 2000, deadMs: 3610, initTimeoutMs: 7220,
  pingIntervalMs: 1000, pingTimeoutMs: 800, pingDampenMs: 2000,
  resourceCheckIntervalMs: 1000, handoverTimeoutMs: 5000,
};

export const TIMER_PRESETS: Readonly<Record<string, HaTimers>> = { lab: BENCH_TIMERS, vrrp: VRRP_LIKE_TIMERS };

export function agentPair(ha: HaLab, dir: string, timers: HaTimers): Contender & { cluster: HaCluster } {
  mkdirSync(dir, { recursive: true });
  const cluster = createCluster(ha, dir);
  let paired = false;
  return {
    name: `pbx-agent K ${timers.keepaliveIntervalMs / 1000} s D ${timers.deadMs / 1000} s`,
    deadMs: timers.deadMs,
    cluster,
    async start() {
      // Both at once: the tie-break elects nA (defaultActive) without waiting the init timeout.
      await cluster.startBoth({ timers, defaultActive: 'nA' });
      if (!paired) {
        await ensurePaired(cluster);
        paired = true;
      }
      await waitRole(cluster.nodes.nA, 'active', timers.initTimeoutMs + 10_000);
      await waitRole(cluster.nodes.nB, 'standby', timers.initTimeoutMs + 10_000);
    },
    async stopGracefully(node) {
      await cluster.nodes[node].stop();
    },
    async stopAll() {
      await cluster.stopAll();
    },
  };
}

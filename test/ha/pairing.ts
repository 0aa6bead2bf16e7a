// Pairs the lab's two daemons. The real way, as an admin does it: the coordinator (nA) runs
// `pbxctl ha pair` (SSH to nB with the password derived from nB's serial; cluster/pairing). While
// that command does not exist yet in this tree (PAIR-SYNC's agent/cli/commands/ha-pair.ts), the
// fallback writes the outcome of a pairing into both stores (the same savePairing the pairing
// code calls: a random 32-byte cluster key, each node pinning the other's host key); the HA
// service notices within a second and starts heartbeats. The fallback says so, loudly, on stderr.
// Idempotent: a pairing that survives in the state dirs is left alone.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../agent/store/db.ts';
import { hostKeyPath, loadOrCreateHostKey } from '../../cluster/pairing/host-key.ts';
import { savePairing } from '../../cluster/pairing/store.ts';
import { ROOT } from '../e2e/agent.ts';
import type { HaCluster, HaNode } from './cluster.ts';
import { HA_ADDR, HA_SERIAL, peerOf, type NodeName } from './lab.ts';

/** True when a status says the node holds a cluster key (ha.status `paired`). */
export function pairedOf(status: Record<string, unknown>): boolean {
  const p = status.paired ?? status.pairing;
  if (typeof p === 'boolean') return p;
  if (p && typeof p === 'object') {
    const o = p as Record<string, unknown>;
    return o.paired === true || o.state === 'paired';
  }
  return p === 'paired';
}

/** The pairing command ships with PAIR-SYNC's CLI file (the daemon side may still be unwired). */
export function pairCommandAvailable(): boolean {
  return existsSync(join(ROOT, 'agent/cli/commands/ha-pair.ts'));
}

async function bothPaired(cluster: HaCluster): Promise<boolean> {
  const [a, b] = await Promise.all([cluster.nodes.nA.status(), cluster.nodes.nB.status()]);
  return pairedOf(a) && pairedOf(b);
}

/** Writes a pairing into both stores (see the header): the fallback while `pbxctl ha pair` is missing. */
export function seedPairing(cluster: HaCluster): void {
  const key = randomBytes(32);
  const stateDir = (n: HaNode): string => join(n.dir, 'state');
  const hostKeys = {
    nA: loadOrCreateHostKey(hostKeyPath(stateDir(cluster.nodes.nA))),
    nB: loadOrCreateHostKey(hostKeyPath(stateDir(cluster.nodes.nB))),
  };
  for (const n of ['nA', 'nB'] as NodeName[]) {
    const peer = peerOf(n);
    const db = openDatabase(join(stateDir(cluster.nodes[n]), 'pbx-agent.db'));
    try {
      savePairing(db, { user: 'test', source: 'test/ha/pairing.ts (seeded)' }, {
        peerSerial: HA_SERIAL[peer], peerName: peer, peerAddress: HA_ADDR[peer].lan, peerHostKey: hostKeys[peer].publicLine,
        clusterKey: key, localRole: n === 'nA' ? 'coordinator' : 'member',
      }, Date.now());
    } finally {
      db.close();
    }
  }
}

export async function ensurePaired(cluster: HaCluster, timeoutMs = 30_000): Promise<'already' | 'pbxctl' | 'seeded'> {
  if (await bothPaired(cluster)) return 'already';
  let how: 'pbxctl' | 'seeded' = 'pbxctl';
  let missing = pairCommandAvailable() ? '' : 'agent/cli/commands/ha-pair.ts is not in this tree';
  if (missing === '') {
    const r = await cluster.nodes.nA.pbxctl(['ha', 'pair']);
    if (/unknown method 'ha\.pair'/.test(r.stderr)) missing = 'the daemon has no ha.pair method (not wired in agent/parts.ts)';
    // The HA service reads the pairing from the store about once a second, so a pairing made
    // just now may not show in ha.status yet: "already paired" is success.
    else if (r.code !== 0 && !/already paired/.test(r.stderr)) throw new Error(`pbxctl ha pair on nA failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  if (missing !== '') {
    process.stderr.write(`!!! test/ha: \`pbxctl ha pair\` cannot run (${missing}): pairing SEEDED into both stores\n`);
    seedPairing(cluster);
    how = 'seeded';
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await bothPaired(cluster)) return how;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`after pairing (${how}) the nodes do not both report paired within ${timeoutMs} ms:\n` +
    `nA: ${JSON.stringify(await cluster.nodes.nA.status()).slice(0, 800)}\nnB: ${JSON.stringify(await cluster.nodes.nB.status()).slice(0, 800)}`);
}

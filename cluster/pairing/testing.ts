// Test helpers: a node's cluster link (store, host key, ssh server) on a loopback address.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../agent/log.ts';
import { openDatabase, type Db } from '../../agent/store/db.ts';
import { haDefaults, type HaConfig } from '../config-schema.ts';
import { createClusterLink, type ClusterLink } from './link.ts';

/** The ha section's defaults with overrides, for tests that build a config without the loader. */
export function haConfig(over: Partial<HaConfig> = {}): HaConfig {
  return { ...haDefaults(), ...over };
}

export interface LinkNode {
  db: Db;
  dir: string;
  ha: HaConfig;
  serial: string;
  name: string;
  link: ClusterLink;
  close(): Promise<void>;
}

/**
 * A node's cluster link on a loopback address (distinct 127.x addresses let the address rules be
 * tested). `db` may be shared with other parts of the test (provisioning, leases).
 */
export async function linkNode(o: {
  address: string; peer: string; serial: string; name: string; port: number; coordinator?: boolean; peerSerial?: string;
  db?: Db; maxAttempts?: number; lockoutMs?: number; now?: () => number; start?: boolean; log?: Logger;
  /** Reuse a state dir (same host key): a restart of the same node. */
  dir?: string;
  /** A second path: this node's and the peer's sync addresses. */
  sync?: { local: string; peer: string };
}): Promise<LinkNode> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'pbx-ha-link-'));
  const db = o.db ?? openDatabase(':memory:');
  const ha = haConfig({
    enabled: true, coordinator: o.coordinator ?? false, peerSerial: o.peerSerial ?? '', interface: 'lo', localIp: o.address, remoteIp: o.peer,
    resourceIp: '127.0.0.200/8', pairingPort: o.port, pairingMaxAttempts: o.maxAttempts ?? 5, pairingLockoutMs: o.lockoutMs ?? 60_000, syncIntervalMs: 200,
    ...(o.sync ? { syncInterface: 'lo', localSyncIp: o.sync.local, remoteSyncIp: o.sync.peer } : {}),
  });
  const link = createClusterLink({
    ha: () => ha, nodeSerial: () => o.serial, nodeName: () => o.name, stateDir: dir, db, log: o.log ?? silentLogger(), ...(o.now ? { now: o.now } : {}),
  });
  if (o.start ?? true) await link.start();
  return {
    db, dir, ha, serial: o.serial, name: o.name, link,
    async close() { await link.stop(); if (!o.db) db.close(); if (!o.dir) rmSync(dir, { recursive: true, force: true }); },
  };
}

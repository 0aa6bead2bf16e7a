// Test helpers: a node's pairing pieces (store, host key, ssh server) on a loopback address.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../agent/log.ts';
import { openDatabase, type Db } from '../../agent/store/db.ts';
import { haSection, type HaConfig } from '../config-schema.ts';
import { hostKeyPath, loadOrCreateHostKey, type HostKey } from './host-key.ts';
import { createClusterLink, type ClusterLink } from './link.ts';
import { createPairingServer, type ClusterOp, type PairingPolicy, type PairingServer } from './server.ts';

export interface TestNode {
  db: Db;
  dir: string;
  hostKey: HostKey;
  server: PairingServer;
  port: number;
  address: string;
  policy: PairingPolicy;
  ops: Map<string, ClusterOp>;
  close(): Promise<void>;
}

export async function testNode(o: { address: string; serial: string; name: string; remoteIp: string; otherPeerIps?: string[]; coordinator?: boolean; maxAttempts?: number; now?: () => number }): Promise<TestNode> {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-ha-pair-'));
  const db = openDatabase(':memory:');
  const hostKey = loadOrCreateHostKey(hostKeyPath(dir));
  const policy: PairingPolicy = { enabled: true, remoteIp: o.remoteIp, otherPeerIps: o.otherPeerIps ?? [], localSerial: o.serial, localName: o.name, expectedPeerSerial: '', coordinator: o.coordinator ?? false };
  const ops = new Map<string, ClusterOp>();
  const server = createPairingServer({
    hosts: [o.address], port: 0, hostKey, db, log: silentLogger(), policy: () => policy, ops,
    attempts: { max: o.maxAttempts ?? 3, windowMs: 60_000, lockoutMs: 60_000 }, ...(o.now ? { now: o.now } : {}),
  });
  const port = (await server.start())[0]!.port;
  return {
    db, dir, hostKey, server, port, address: o.address, policy, ops,
    async close() { await server.stop(); db.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** The ha section's defaults with overrides, for tests that build a config without the loader. */
export function haConfig(over: Partial<HaConfig> = {}): HaConfig {
  const out: Record<string, unknown> = {};
  for (const [k, node] of Object.entries(haSection.fields)) {
    if (node.kind === 'field') out[k] = Array.isArray(node.default) ? [...node.default] : node.default;
  }
  return { ...(out as unknown as HaConfig), ...over };
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

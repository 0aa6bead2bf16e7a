// From the validated `ha` config to what the pure core needs, and the timer hash both nodes
// compare (keepalived and corosync demand identical timers; Heartbeat ships its deadtime in every
// packet: ha.md section 2).
import type { HaConfig } from '../config-schema.ts';
import type { CoreConfig } from './types.ts';

/**
 * `peerSerial` overrides ha.peerSerial when the runtime learnt it at pairing (the non-coordinator's
 * config may leave it empty). The core treats both serials as opaque strings.
 */
export function coreConfig(ha: HaConfig, selfSerial: string, peerSerial = ha.peerSerial): CoreConfig {
  return {
    selfSerial,
    peerSerial,
    defaultActive: ha.defaultActive,
    keepaliveMs: ha.keepaliveIntervalMs,
    warningMs: ha.warningMs,
    deadMs: ha.deadMs,
    initMs: ha.initTimeoutMs,
    waitForPeerAtBoot: ha.waitForPeerAtBoot,
    pingTotal: ha.pingGroup.length,
    pingIntervalMs: ha.pingIntervalMs,
    pingDampenMs: ha.pingDampenMs,
    resourceCheckMs: ha.resourceCheckIntervalMs,
    resourceTimeoutMs: ha.resourceTimeoutMs,
    handoverTimeoutMs: ha.handoverTimeoutMs,
    garpCount: ha.garpCount,
    garpRepeatMs: ha.garpRepeatMs,
    garpRefreshMs: ha.garpRefreshMs,
    paths: ha.syncInterface ? ['lan', 'sync'] : ['lan'],
  };
}

/**
 * FNV-1a (32 bit) over the timers that must agree on both nodes. Not a security measure (the
 * packet MAC is); only a cheap "are we configured alike" check that fits the wire's u32.
 */
export function timersHash(cfg: CoreConfig): number {
  const hit = hashCache.get(cfg);
  if (hit !== undefined) return hit;
  const h = fnv(cfg);
  hashCache.set(cfg, h);
  return h;
}

/** CoreConfig objects are never mutated, so the hash is computed once per object. */
const hashCache = new WeakMap<CoreConfig, number>();

function fnv(cfg: CoreConfig): number {
  const text = [cfg.keepaliveMs, cfg.warningMs, cfg.deadMs, cfg.initMs, cfg.pingDampenMs, cfg.pingTotal, cfg.handoverTimeoutMs].join(',');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

// How the daemon composes HA (called from agent/parts.ts): the HA service when the `ha` section
// names an interface and addresses (running, or disabled but ready for `pbxctl ha enable`), else a
// placeholder that says what to configure; and the cluster handle PnP and DHCP ask on every packet.
import type { MethodTable } from '../agent/control/registry.ts';
import type { Config } from '../agent/config/types.ts';
import type { Logger } from '../agent/log.ts';
import type { Service } from '../agent/service.ts';
import type { Db } from '../agent/store/db.ts';
import type { SystemFacts } from '../agent/system/facts.ts';
import { HA_REQUIRED_KEYS } from './config-schema.ts';
import { haMethods } from './ha-methods.ts';
import { HaService, type ClusterHandle } from './ha-service.ts';

export interface HaParts {
  service: Service;
  /** What PnP/DHCP ask. Without HA: always active, no resource IP. */
  cluster: ClusterHandle;
  methods: MethodTable;
  /** The running HA service, when configured (cluster/pairing may want it). */
  ha: HaService | undefined;
}

/** The keys HA cannot run without (checkHaConfig demands them when ha.enabled). */
export function haConfigured(cfg: Config): boolean {
  return HA_REQUIRED_KEYS.every((k) => cfg.ha[k] !== '');
}

export function buildHa(env: { cfg: Config; db: Db; log: Logger; facts: SystemFacts }): HaParts {
  const { cfg, db, log, facts } = env;
  if (!haConfigured(cfg)) {
    const status = () => ({
      enabled: false, state: 'disabled', configured: false,
      hint: 'set ha.enabled, ha.interface, ha.localIp, ha.remoteIp and ha.resourceIp in the config file to run HA',
    });
    const standalone: ClusterHandle = { isActive: () => true, resourceIp: () => undefined, isCoordinator: () => true, onChange: () => () => {} };
    return {
      service: { name: 'ha', start: async () => {}, stop: async () => {}, status },
      cluster: standalone, methods: haMethods(db, undefined, status), ha: undefined,
    };
  }
  const ha = new HaService({
    ha: cfg.ha, nodeSerial: facts.serial(), nodeName: facts.nodeName(), db, log: log.child({ mod: 'ha' }), signals: true,
  });
  return { service: ha, cluster: ha, methods: haMethods(db, ha, () => ha.status()), ha };
}

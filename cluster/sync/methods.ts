// Control method for replication: pbxctl ha sync (push now). Audited (an 'ha-peer' sync row);
// the configuration it applies on the member is audited there as a 'replicate' row.
import type { MethodTable } from '../../agent/control/registry.ts';
import { allowParams } from '../../agent/control/params.ts';
import type { Replicator } from './replicator.ts';

export function syncMethods(r: Replicator): MethodTable {
  return {
    'ha.sync': async (p, { actor }) => {
      allowParams(p, []);
      const res = await r.syncNow(actor);
      return { ...res, status: r.view() };
    },
  };
}

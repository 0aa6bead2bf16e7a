// Control methods for HA: ha.status, ha.switchover, ha.takeover, ha.enable, ha.disable (pairing
// and unpairing are cluster/pairing's). Actions run through the core, which refuses what is unsafe
// (in flux, peer alive...) with a message; a refusal is a ConflictError carrying it. Every action
// that changes something is audited (withAudit) once the core has accepted it.
import { withAudit } from '../agent/audit.ts';
import { allowParams, optionalBool } from '../agent/control/params.ts';
import type { MethodTable } from '../agent/control/registry.ts';
import { ConflictError, InvalidArgumentError, UnavailableError } from '../agent/errors.ts';
import type { Db } from '../agent/store/db.ts';
import { peerPresent } from './core/index.ts';
import type { AdminOutcome, HaService } from './ha-service.ts';
import { HaStore } from './ha-store.ts';

const NOT_CONFIGURED = 'HA is not configured on this node: set ha.interface, ha.localIp, ha.remoteIp and ha.resourceIp in the config file and restart pbx-agent';

export function haMethods(db: Db, service: HaService | undefined, placeholderStatus: () => Record<string, unknown>): MethodTable {
  const store = new HaStore(db);
  const need = (): HaService => {
    if (!service) throw new UnavailableError(NOT_CONFIGURED);
    return service;
  };
  const serial = (): string => (service?.view().nodeSerial || 'this-node');
  const refuse = (r: AdminOutcome): AdminOutcome => {
    if (!r.ok) throw new ConflictError(r.message);
    return r;
  };

  return {
    'ha.status': (p) => {
      allowParams(p, []);
      return service ? service.status() : placeholderStatus();
    },

    'ha.switchover': async (p, ctx) => {
      allowParams(p, []);
      const r = refuse(await need().admin({ action: 'switchover' }));
      withAudit(db, ctx.actor, (audit) => audit({ action: 'switchover', objectType: 'ha', objectId: serial(), description: `switch of the active node: ${r.message}` }));
      return r;
    },

    'ha.takeover': async (p, ctx) => {
      allowParams(p, ['confirm']);
      const confirm = optionalBool(p, 'confirm');
      if (confirm !== true) {
        throw new InvalidArgumentError('confirm', 'a forced takeover puts the resource on this node even if the peer still holds it; confirm the peer is really down (powered off or cut off) with confirm: true (pbxctl ha takeover --peer-is-down)');
      }
      const s = need();
      const core = s.view().core;
      const liveness = core.peer.liveness;
      if (peerPresent(core)) {
        throw new ConflictError(`refused: the peer is ${liveness} (its heartbeats still arrive); use pbxctl ha switchover to move the resource without an overlap`);
      }
      const r = refuse(await s.admin({ action: 'force-takeover', confirmed: true }));
      withAudit(db, ctx.actor, (audit) => audit({ action: 'takeover', objectType: 'ha', objectId: serial(), description: `forced takeover, the admin confirmed the peer is down (peer ${liveness}): ${r.message}` }));
      return r;
    },

    'ha.enable': async (p, ctx) => {
      allowParams(p, ['coordinator']);
      const coordinator = optionalBool(p, 'coordinator');
      const r = refuse(await need().admin({ action: 'enable' }, coordinator));
      withAudit(db, ctx.actor, (audit) => {
        store.setAdminEnabled(true, coordinator ?? null, Date.now());
        audit({ action: 'enable', objectType: 'ha', objectId: serial(), description: `HA enabled${coordinator === undefined ? '' : coordinator ? ' as coordinator' : ' (not coordinator)'}: ${r.message}` });
      });
      return r;
    },

    'ha.disable': async (p, ctx) => {
      allowParams(p, []);
      const r = refuse(await need().admin({ action: 'disable' }));
      withAudit(db, ctx.actor, (audit) => {
        store.setAdminEnabled(false, null, Date.now());
        audit({ action: 'disable', objectType: 'ha', objectId: serial(), description: `HA disabled on both nodes: ${r.message}` });
      });
      return r;
    },
  };
}

// Control methods for pairing (pbxctl ha pair / unpair / pairing). Each change is audited in the
// same transaction as the store write (cluster/pairing/store.ts); results never carry the
// cluster key or the password.
import type { MethodTable } from '../../agent/control/registry.ts';
import { allowParams, optionalString } from '../../agent/control/params.ts';
import { InvalidArgumentError } from '../../agent/errors.ts';
import type { ClusterLink } from './link.ts';

/** Unknown params are refused, so a typo (or a pbxctl from another version) is not silently ignored. */
export function pairingMethods(link: ClusterLink, extraStatus?: () => Record<string, unknown>): MethodTable {
  return {
    'ha.pair': async (p, { actor }) => { allowParams(p, []); return { ...(await link.pair(actor)), ...(extraStatus?.() ?? {}) }; },
    'ha.unpair': async (p, { actor }) => {
      allowParams(p, ['reason']);
      const reason = optionalString(p, 'reason');
      if (reason !== undefined && reason.length > 200) throw new InvalidArgumentError('reason', 'must be at most 200 characters');
      return link.unpair(actor, reason ? `unpaired by an admin: ${reason}` : undefined);
    },
    'ha.pairing': (p) => { allowParams(p, []); return { ...link.view(), ...(extraStatus?.() ?? {}) }; },
  };
}

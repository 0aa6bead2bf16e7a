// Control methods for pairing (pbxctl ha pair / unpair / pairing). Each change is audited in the
// same transaction as the store write (cluster/pairing/store.ts); results never carry the
// cluster key or the password.
import type { MethodTable } from '../../agent/control/registry.ts';
import { optionalString } from '../../agent/control/params.ts';
import { InvalidArgumentError } from '../../agent/errors.ts';
import type { ClusterLink } from './link.ts';

export function allowParams(p: Record<string, unknown>, keys: readonly string[]): void {
  for (const k of Object.keys(p)) {
    if (!keys.includes(k)) throw new InvalidArgumentError(k, `is not a parameter of this method (known: ${keys.join(', ') || 'none'})`);
  }
}

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

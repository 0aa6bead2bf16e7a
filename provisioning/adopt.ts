// Turning a phone seen by SIP PnP into a device in one command (`pbxctl pnp adopt MAC`).
// The model comes from what the phone said (vendor + model in its SUBSCRIBE) unless the admin
// names one; a guess that is not unique is refused with the candidates, never picked silently.
import type { MethodTable } from '../agent/control/registry.ts';
import { optionalBool, optionalString } from '../agent/control/params.ts';
import { InvalidArgumentError, NotFoundError } from '../agent/errors.ts';
import { parseMac } from './mac.ts';
import type { ModelView } from './service/catalog.ts';
import type { DeviceView } from './service/devices.ts';
import type { ProvisioningService } from './service.ts';

export interface SeenPhone { mac: string; vendor: string | null; model: string | null }

/** `T4x-T5x` -> /^(T4\d|T5\d)/i: model families written with x as a digit wildcard. */
function familyPattern(name: string): RegExp {
  const alts = name.split(/[-/ ,]+/).filter((t) => t.length >= 2)
    .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/x/gi, '\\d'));
  return new RegExp(`^(${alts.join('|') || '$^'})`, 'i');
}

/** The models that fit what the phone said; the admin's choice wins when given. */
export function guessModels(seen: SeenPhone, models: readonly ModelView[]): ModelView[] {
  const vendor = (seen.vendor ?? '').toLowerCase();
  const ofBrand = models.filter((m) => m.brand.toLowerCase() === vendor);
  if (ofBrand.length <= 1 || !seen.model) return ofBrand;
  const fits = ofBrand.filter((m) => familyPattern(m.name).test(seen.model!));
  return fits.length > 0 ? fits : ofBrand;
}

export function adoptMethods(svc: ProvisioningService, seenPhone: (mac: string) => SeenPhone | undefined): MethodTable {
  return {
    'pnp.adopt': (p, { actor }): DeviceView => {
      const mac = optionalString(p, 'mac');
      if (!mac) throw new InvalidArgumentError('mac', 'is required: the MAC of a phone listed by pbxctl pnp list');
      const canon = parseMac(mac);
      const seen = canon ? seenPhone(canon) : undefined;
      if (!canon || !seen) throw new NotFoundError('phone seen by PnP', mac);
      let model = optionalString(p, 'model');
      if (!model) {
        const cands = guessModels(seen, svc.listModels());
        if (cands.length !== 1) {
          const said = `${seen.vendor ?? 'unknown vendor'} ${seen.model ?? ''}`.trim();
          throw new InvalidArgumentError('model', cands.length === 0
            ? `no model fits what the phone said (${said}); name one with --model Brand/Model (pbxctl model list)`
            : `several models fit what the phone said (${said}): ${cands.map((c) => c.ref).join(', ')}; name one with --model`);
        }
        model = cands[0]!.ref;
      }
      const account = optionalString(p, 'account');
      const enabled = optionalBool(p, 'enabled');
      return svc.addDevice(actor, {
        mac: canon, model,
        ...(account ? { account } : {}),
        ...(enabled !== undefined ? { enabled } : account ? { enabled: true } : {}),
        notes: `adopted from PnP (${[seen.vendor, seen.model].filter(Boolean).join(' ') || 'unknown phone'})`,
      });
    },
  };
}

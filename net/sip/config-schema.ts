// The `pnp` config section (SIP plug-and-play responder). Merged into agent/config/schema.ts.
import { f, section } from '../../agent/config/field.ts';

export const pnpSection = section('SIP plug-and-play responder (multicast 224.0.1.75:5060)', {
  enabled: f('bool', true, 'Answer SIP PnP SUBSCRIBEs (ignored in multi-tenant mode).'),
});

export interface PnpConfig { enabled: boolean }

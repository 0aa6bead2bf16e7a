// IEEE OUIs of phone vendors that send (or may send) a ua-profile SUBSCRIBE. Used only when the
// SUBSCRIBE's Event vendor and User-Agent say nothing useful (Snom sends vendor="OEM").
// Unknown OUIs give 'unknown'.
import type { Vendor } from './pnp-device.ts';

export const OUI_VENDOR: Readonly<Record<string, Vendor>> = {
  '000413': 'snom',
  '001565': 'yealink', '805ec0': 'yealink', '805e0c': 'yealink', '249ad8': 'yealink', '44dbd2': 'yealink', '001f9f': 'yealink',
  '000b82': 'grandstream', 'c074ad': 'grandstream', 'ec74d7': 'grandstream',
  '0c383e': 'fanvil', '00a859': 'fanvil', '00304f': 'fanvil', // 00304f: PLANET (Fanvil firmware, pnp.md [INF])
  '0080f0': 'panasonic', '080023': 'panasonic',
  '7c2f80': 'gigaset', '589ec6': 'gigaset',
  '00908f': 'audiocodes',
  '0c1105': 'akuvox',
};

export function vendorOfMac(mac: string): Vendor {
  return OUI_VENDOR[mac.slice(0, 6)] ?? 'unknown';
}

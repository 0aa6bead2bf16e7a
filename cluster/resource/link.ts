// Carrier of a local interface (the tracked LAN interface, the sync interface), read from sysfs:
// cheap enough to poll every tick, and namespace-correct (`ip netns exec` mounts the namespace's
// own /sys). Missing interface or an administratively down one reads as "down".
import { readFileSync } from 'node:fs';

export type CarrierReader = (iface: string) => boolean;

export const sysfsCarrier: CarrierReader = (iface) => {
  if (!/^[\w.@:-]{1,15}$/.test(iface)) return false;
  try {
    // `carrier` is "1"/"0"; reading it fails with EINVAL while the interface is admin-down.
    return readFileSync(`/sys/class/net/${iface}/carrier`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
};

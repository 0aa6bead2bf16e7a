// The node's IPv4 interfaces with their netmasks, as the servers that pick "the address a
// packet came in on" (PnP URLs, DHCP server id) need them. Injected so tests can pretend.
import { networkInterfaces } from 'node:os';

export interface LocalIface { name: string; address: string; netmask: string }

/** Non-internal IPv4 interfaces with their netmasks. */
export function systemInterfaces(): LocalIface[] {
  const out: LocalIface[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) out.push({ name, address: a.address, netmask: a.netmask });
  }
  return out;
}

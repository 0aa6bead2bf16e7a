// System facts behind one module (ARCHITECTURE): serial number, interfaces and their
// addresses. Cheap reads only (os.networkInterfaces, /sys), never a shell on the packet path.
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';

export interface InterfaceInfo { name: string; ipv4: string[]; mac: string | undefined; up: boolean }

export interface SystemFacts {
  serial(): string;
  nodeName(): string;
  interfaces(): InterfaceInfo[];
  /** First IPv4 of an interface (or VLAN interface like eth0.100), for dynamic placeholders. */
  ipv4Of(iface: string): string | undefined;
  /** First non-loopback IPv4 of the node: the default PBX address. */
  primaryIpv4(): string | undefined;
}

const DMI_SERIAL_PATHS = ['/sys/class/dmi/id/product_serial', '/sys/class/dmi/id/board_serial', '/sys/class/dmi/id/chassis_serial'];
/** Values firmware vendors put in DMI when there is no real serial. */
const PLACEHOLDER_SERIALS = /^(|none|default string|to be filled by o\.e\.m\.|not specified|system serial number|0+|-|123456789)$/i;

export function createSystemFacts(overrides: { serial?: string; name?: string } = {}): SystemFacts {
  return {
    serial() {
      if (overrides.serial) return overrides.serial;
      for (const p of DMI_SERIAL_PATHS) {
        try {
          const v = readFileSync(p, 'utf8').trim();
          if (!PLACEHOLDER_SERIALS.test(v)) return v;
        } catch { /* unreadable (not root) or absent (container) */ }
      }
      return '';
    },
    nodeName() {
      return overrides.name || hostname();
    },
    interfaces() {
      const out: InterfaceInfo[] = [];
      for (const [name, addrs] of Object.entries(networkInterfaces())) {
        out.push({
          name,
          ipv4: (addrs ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address),
          mac: readSys(name, 'address'),
          up: readSys(name, 'operstate') !== 'down',
        });
      }
      return out;
    },
    ipv4Of(iface) {
      const addrs = networkInterfaces()[iface];
      return addrs?.find((a) => a.family === 'IPv4')?.address;
    },
    primaryIpv4() {
      for (const addrs of Object.values(networkInterfaces())) {
        const a = addrs?.find((x) => x.family === 'IPv4' && !x.internal);
        if (a) return a.address;
      }
      return undefined;
    },
  };
}

function readSys(iface: string, file: string): string | undefined {
  if (!/^[\w.@-]{1,15}$/.test(iface)) return undefined;
  try { return readFileSync(`/sys/class/net/${iface}/${file}`, 'utf8').trim(); } catch { return undefined; }
}

// IPv4 helpers shared by DHCP, SIP PnP and the cluster: dotted quad <-> uint32, prefix <-> mask,
// and the IPv4-mapped IPv6 form a dual-stack socket reports. Pure: no I/O.
//
// To check that a string is an IPv4 address use node:net isIPv4 (dotted decimal, no leading
// zeros). ipToInt is more lenient (it reads "010.0.0.1" as 10.0.0.1): it parses, it does not
// validate admin input.

/** "10.0.0.1" -> 0x0a000001; undefined when it is not four dotted decimal octets of 0..255. */
export function ipToInt(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const p = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  if (p.some((x) => x > 255)) return undefined;
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

export function intToIp(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** 24 -> 0xffffff00 (unsigned). */
export function prefixToMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** 0xffffff00 -> 24; undefined when the mask is not contiguous. */
export function maskToPrefix(mask: number): number | undefined {
  for (let len = 0; len <= 32; len++) if (prefixToMask(len) === mask) return len;
  return undefined;
}

/** "::ffff:10.0.0.2" (an IPv4 peer on a dual-stack socket) -> "10.0.0.2"; anything else as given. */
export function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

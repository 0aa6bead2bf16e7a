// Gigaset redirect server (XML-RPC, https://prov.gigaset.net/apxml/rpc.do). The device key is
// the MAC-ID "AABBCCDDEEFF-XXXX": XXXX is printed on the label and cannot be computed (it proves
// the admin holds the phone); without a CRC the bare MAC is sent (Falconieri's disable_crc).
//   autoprov.deregisterDevice(macId)                 result ignored (first step of "register")
//   autoprov.registerDevice(macId, url, providerName) -> [true, ...] | [false, "url_invalid:..." | "mac_not_exist:..." | "mac_already_in_use:..." | "name_invalid:..."]
//   autoprov.checkDevice(macId)                      -> [true, mac] | [false, "mac_not_found:..." | "mac_invalid:..."]
import { callOk, callOkOr, checkCall, xmlRpcCall, xmlRpcTarget } from './xmlrpc-call.ts';
import type { ClientOptions, RpsClient } from './types.ts';

const gigasetMacId = (mac: string, crc?: string): string => mac.toUpperCase() + (crc ? `-${crc.toUpperCase()}` : '');

export function createGigasetClient(o: ClientOptions): RpsClient {
  const t = xmlRpcTarget(o);
  return {
    provider: 'gigaset',
    async register(d, signal) {
      const id = gigasetMacId(d.mac, d.crc);
      // Delete first so a registration of ours with another URL is replaced (no override flag).
      await xmlRpcCall(t, 'autoprov.deregisterDevice', [id], signal);
      await callOk(t, 'autoprov.registerDevice', [id, d.url, o.serverName], signal);
      return {};
    },
    deregister: (d, signal) => callOkOr(t, 'autoprov.deregisterDevice', [gigasetMacId(d.mac, d.crc)], /^mac_not_found:/i, signal),
    check: (d, signal) => checkCall(t, 'autoprov.checkDevice', [gigasetMacId(d.mac, d.crc)], /^mac_not_found:/i, signal),
  };
}

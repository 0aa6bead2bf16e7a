// Snom redirection service (XML-RPC, https://secure-provisioning.snom.com:8083/xmlrpc/ — the
// trailing slash is required). MAC: 12 uppercase hex digits, as Falconieri sends it.
//   redirect.registerPhone(mac, url)  -> [true, "Ok"] | [false, "Error:owned_by_other_user" | "Error:malformed_url" | "Error:malformed_mac"]
//   redirect.deregisterPhone(mac)     -> [true, "Ok"] | [false, "Error:no_such_mac"]
//   redirect.checkPhone(mac)          -> [true, "Ok"] | [false, "Error:no_such_mac" | "Error:owned_by_other_user"]
// registerPhone overwrites our own earlier registration, so it is idempotent as it stands.
import { callOk, callOkOr, checkCall, xmlRpcTarget } from './xmlrpc-call.ts';
import type { ClientOptions, RpsClient } from './types.ts';

export function createSnomClient(o: ClientOptions): RpsClient {
  const t = xmlRpcTarget(o);
  const mac = (m: string): string => m.toUpperCase();
  return {
    provider: 'snom',
    async register(d, signal) {
      await callOk(t, 'redirect.registerPhone', [mac(d.mac), d.url], signal);
      return {};
    },
    deregister: (d, signal) => callOkOr(t, 'redirect.deregisterPhone', [mac(d.mac)], /no_such_mac/i, signal),
    check: (d, signal) => checkCall(t, 'redirect.checkPhone', [mac(d.mac)], /no_such_mac/i, signal),
  };
}

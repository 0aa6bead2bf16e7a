// Snom redirection service (XML-RPC, https://secure-provisioning.snom.com:8083/xmlrpc/ — the
// trailing slash is required). MAC: 12 uppercase hex digits, as Falconieri sends it.
//   redirect.registerPhone(mac, url)  -> [true, "Ok"] | [false, "Error:owned_by_other_user" | "Error:malformed_url" | "Error:malformed_mac"]
//   redirect.deregisterPhone(mac)     -> [true, "Ok"] | [false, "Error:no_such_mac"]
//   redirect.checkPhone(mac)          -> [true, "Ok"] | [false, "Error:no_such_mac" | "Error:owned_by_other_user"]
// registerPhone overwrites our own earlier registration, so it is idempotent as it stands.
import { mapProviderMessage } from '../errors.ts';
import { callOk, statusPair, xmlRpcCall, type XmlRpcTarget } from './xmlrpc-call.ts';
import type { ClientOptions, RpsClient } from './types.ts';

export function createSnomClient(o: ClientOptions): RpsClient {
  const t: XmlRpcTarget = { url: o.baseUrl, username: o.username, password: o.password, timeoutMs: o.timeoutMs };
  const mac = (m: string): string => m.toUpperCase();
  return {
    provider: 'snom',
    async register(d, signal) {
      await callOk(t, 'redirect.registerPhone', [mac(d.mac), d.url], signal);
      return {};
    },
    async deregister(d, signal) {
      const r = statusPair(await xmlRpcCall(t, 'redirect.deregisterPhone', [mac(d.mac)], signal), 'redirect.deregisterPhone');
      if (!r.ok && !/no_such_mac/i.test(r.message)) throw mapProviderMessage(r.message);
    },
    async check(d, signal) {
      const r = statusPair(await xmlRpcCall(t, 'redirect.checkPhone', [mac(d.mac)], signal), 'redirect.checkPhone');
      if (r.ok) return 'registered';
      if (/no_such_mac/i.test(r.message)) return 'unregistered';
      const e = mapProviderMessage(r.message);
      if (e.code === 'device_owned_by_other_user') return 'elsewhere';
      throw e;
    },
  };
}

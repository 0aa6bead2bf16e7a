// Yealink legacy RPS (XML-RPC, https://api-dm.yealink.com:8443/xmlrpc). MAC: AA-BB-CC-DD-EE-FF
// (Falconieri's form). The server name is the one shown in the RPS portal (KalliopePBX docs:
// with Yealink the server is created in the portal first and referred to by name).
//   redirect.registerDeviceWithUniqueUrl(mac, serverName, url, "1")  ("1" = override: idempotent)
//       -> [true, "..."] | [false, "Error:The url can only begin with ..." | "Error:<10 chars>" (owned elsewhere) | "error:invalid mac(s):..."]
//   redirect.deRegisterDevice(mac)  -> [true, ...] | [false, ...]
//   redirect.checkDevice(mac)       -> [bool, "registered" | "unregistered" | "unknown" | "registered elsewhere"]
import { mapProviderMessage } from '../errors.ts';
import { callOk, statusPair, xmlRpcCall, type XmlRpcTarget } from './xmlrpc-call.ts';
import type { ClientOptions, RpsClient } from './types.ts';

export const hyphenMac = (m: string): string => (m.toUpperCase().match(/../g) ?? []).join('-');

export function createYealinkClient(o: ClientOptions): RpsClient {
  const t: XmlRpcTarget = { url: o.baseUrl, username: o.username, password: o.password, timeoutMs: o.timeoutMs };
  return {
    provider: 'yealink',
    async register(d, signal) {
      await callOk(t, 'redirect.registerDeviceWithUniqueUrl', [hyphenMac(d.mac), o.serverName, d.url, '1'], signal);
      return {};
    },
    async deregister(d, signal) {
      const r = statusPair(await xmlRpcCall(t, 'redirect.deRegisterDevice', [hyphenMac(d.mac)], signal), 'redirect.deRegisterDevice');
      if (!r.ok && !/unregistered|unknown|not ?exist/i.test(r.message)) throw mapProviderMessage(r.message);
    },
    async check(d, signal) {
      const r = statusPair(await xmlRpcCall(t, 'redirect.checkDevice', [hyphenMac(d.mac)], signal), 'redirect.checkDevice');
      const m = r.message.trim().toLowerCase();
      if (m === 'registered') return 'registered';
      if (m === 'unregistered' || m === 'unknown') return 'unregistered';
      if (m === 'registered elsewhere') return 'elsewhere';
      throw mapProviderMessage(r.message);
    },
  };
}

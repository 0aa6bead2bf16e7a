// Yealink legacy RPS (XML-RPC, https://api-dm.yealink.com:8443/xmlrpc). MAC: AA-BB-CC-DD-EE-FF
// (Falconieri's form). The server name is the one shown in the RPS portal (KalliopePBX docs:
// with Yealink the server is created in the portal first and referred to by name).
//   redirect.registerDeviceWithUniqueUrl(mac, serverName, url, "1")  ("1" = override: idempotent)
//       -> [true, "..."] | [false, "Error:The url can only begin with ..." | "Error:<10 chars>" (owned elsewhere) | "error:invalid mac(s):..."]
//   redirect.deRegisterDevice(mac)  -> [true, ...] | [false, ...]
//   redirect.checkDevice(mac)       -> [bool, "registered" | "unregistered" | "unknown" | "registered elsewhere"]
import { formatMac } from '../../mac.ts';
import { mapProviderMessage } from '../errors.ts';
import { callOk, callOkOr, statusPair, xmlRpcCall, xmlRpcTarget } from './xmlrpc-call.ts';
import type { ClientOptions, RpsClient } from './types.ts';

const hyphenMac = (m: string): string => formatMac(m, 'upper-hyphen');

export function createYealinkClient(o: ClientOptions): RpsClient {
  const t = xmlRpcTarget(o);
  return {
    provider: 'yealink',
    async register(d, signal) {
      await callOk(t, 'redirect.registerDeviceWithUniqueUrl', [hyphenMac(d.mac), o.serverName, d.url, '1'], signal);
      return {};
    },
    deregister: (d, signal) => callOkOr(t, 'redirect.deRegisterDevice', [hyphenMac(d.mac)], /unregistered|unknown|not ?exist/i, signal),
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

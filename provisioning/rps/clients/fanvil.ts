// Fanvil FDPS (XML-RPC, http://fdps.fanvil.com/xmlrpc.php). HTTP Basic auth whose password is
// hex(md5(hex(md5(password)))) (Falconieri providers/fanvil.go). A device points at a
// "material server" named after its MAC; registering is four calls, each checked:
//   1. redirect.deleteServer(mac)            "Error:server_not_exist" is fine (first time)
//   2. redirect.addMaterialServer([ "cfgName=<MAC>", "cfgPfMode=1", "cfgDhcpOpt=false", "cfgPnpEnable=false",
//        "cfgPfSrv=<host[:port]>", "cfgPfName=<path without leading />", "cfgPfProt=<1 ftp|2 tftp|4 http|5 https>" ])
//   3. redirect.deRegisterDevice(mac)        its status is ignored (not registered yet is fine)
//   4. redirect.registerDevice(mac, mac)     -> [true, ...] | [false, "Error: device_had_existed" (another account) | ...]
// FDPS keeps host, path and protocol only: the query string of the URL is dropped, so anything
// the phone needs (tenant, token) must be in the path. The service refuses such URLs up front.
import { createHash } from 'node:crypto';
import { RpsError } from '../errors.ts';
import { callOk, callOkOr, xmlRpcCall, xmlRpcTarget } from './xmlrpc-call.ts';
import type { ClientOptions, RpsClient } from './types.ts';

function fanvilPassword(password: string): string {
  const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');
  return md5(md5(password));
}

const PROTOCOL: Record<string, string> = { 'ftp:': '1', 'tftp:': '2', 'http:': '4', 'https:': '5' };

export function materialServer(mac: string, url: string): string[] {
  let u: URL;
  try { u = new URL(url); } catch { throw new RpsError('unable_to_parse_url', `'${url.slice(0, 100)}' is not a URL`); }
  const prot = PROTOCOL[u.protocol];
  if (!prot) throw new RpsError('unsupported_url_scheme', `Fanvil FDPS supports ftp, tftp, http and https, not ${u.protocol.slice(0, -1)}`);
  return [
    `cfgName=${mac}`, 'cfgPfMode=1', 'cfgDhcpOpt=false', 'cfgPnpEnable=false',
    `cfgPfSrv=${u.host}`, `cfgPfName=${decodeURIComponent(u.pathname).replace(/^\//, '')}`, `cfgPfProt=${prot}`,
  ];
}

export function createFanvilClient(o: ClientOptions): RpsClient {
  const t = xmlRpcTarget(o, fanvilPassword(o.password));
  const deleteServer = (mac: string, signal?: AbortSignal): Promise<void> => callOkOr(t, 'redirect.deleteServer', [mac], /server_not_exist/i, signal);
  return {
    provider: 'fanvil',
    async register(d, signal) {
      const mac = d.mac.toUpperCase();
      const server = materialServer(mac, d.url);
      await deleteServer(mac, signal);
      await callOk(t, 'redirect.addMaterialServer', [server], signal);
      await xmlRpcCall(t, 'redirect.deRegisterDevice', [mac], signal);
      await callOk(t, 'redirect.registerDevice', [mac, mac], signal);
      return {};
    },
    async deregister(d, signal) {
      const mac = d.mac.toUpperCase();
      await xmlRpcCall(t, 'redirect.deRegisterDevice', [mac], signal);
      await deleteServer(mac, signal);
    },
  };
}

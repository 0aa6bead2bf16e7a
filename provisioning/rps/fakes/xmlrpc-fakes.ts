// Fakes of the XML-RPC redirection services (Snom, Yealink legacy, Gigaset, Fanvil), speaking
// the vendors' wire protocol as Falconieri and peoplefone/provisioning-rpc use it: POST text/xml,
// HTTP Basic auth (401 when wrong), methodCall in, the compact [boolean, string] array out
// (exactly the form Snom's clients match with a regex), the vendors' error texts. Each keeps a
// registry MAC -> {owner, url}; `ownedByOther` plants a MAC registered by another account.
// Test-only code.
import { createHash } from 'node:crypto';
import { decodeCallText, encodeResponseText, type XmlRpcValue } from '../xmlrpc.ts';
import { basicCredentials, startFake, type FakeBase, type Reply } from './base.ts';

export type XmlRpcVendor = 'snom' | 'yealink' | 'gigaset' | 'fanvil';

export interface XmlRpcFake extends FakeBase {
  readonly vendor: XmlRpcVendor;
  /** Methods called, in order. */
  readonly calls: { method: string; params: XmlRpcValue[]; user: string }[];
  /** MAC (vendor spelling) -> registration. */
  readonly registry: Map<string, { owner: string; url: string; server?: string }>;
  /** Fanvil: material servers by name. */
  readonly servers: Map<string, string[]>;
  ownedByOther(key: string, url?: string): void;
}

export interface XmlRpcFakeOptions {
  /** user -> password (plain; Fanvil's fake compares the double MD5 on the wire). */
  accounts: Record<string, string>;
  /** Gigaset: MAC (uppercase) -> CRC printed on the label; a registration with another CRC is refused. */
  labels?: Record<string, string>;
}

const PATHS: Record<XmlRpcVendor, string> = { snom: '/xmlrpc/', yealink: '/xmlrpc', gigaset: '/apxml/rpc.do', fanvil: '/xmlrpc.php' };
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const URL_OK = /^(https?|ftp|tftp):\/\/[^\s/]+/i;

const pair = (ok: boolean, message: string): Reply => ({
  status: 200, contentType: 'text/xml', body: encodeResponseText({ kind: 'params', value: [ok, message] }),
});
const fault = (code: number, s: string): Reply => ({ status: 200, contentType: 'text/xml', body: encodeResponseText({ kind: 'fault', faultCode: code, faultString: s }) });

export async function startXmlRpcFake(vendor: XmlRpcVendor, opts: XmlRpcFakeOptions): Promise<XmlRpcFake> {
  const calls: XmlRpcFake['calls'] = [];
  const registry: XmlRpcFake['registry'] = new Map();
  const servers = new Map<string, string[]>();
  const str = (v: XmlRpcValue | undefined): string => (typeof v === 'string' ? v : '');

  const handlers: Record<string, (p: XmlRpcValue[], user: string) => Reply> = vendor === 'snom' ? {
    'redirect.registerPhone': ([mac, url], user) => {
      if (!/^[0-9A-Fa-f]{12}$/.test(str(mac))) return pair(false, 'Error:malformed_mac');
      if (!URL_OK.test(str(url))) return pair(false, 'Error:malformed_url');
      const cur = registry.get(str(mac).toUpperCase());
      if (cur && cur.owner !== user) return pair(false, 'Error:owned_by_other_user');
      registry.set(str(mac).toUpperCase(), { owner: user, url: str(url) });
      return pair(true, 'Ok');
    },
    'redirect.deregisterPhone': ([mac], user) => {
      const cur = registry.get(str(mac).toUpperCase());
      if (!cur) return pair(false, 'Error:no_such_mac');
      if (cur.owner !== user) return pair(false, 'Error:owned_by_other_user');
      registry.delete(str(mac).toUpperCase());
      return pair(true, 'Ok');
    },
    'redirect.checkPhone': ([mac], user) => {
      const cur = registry.get(str(mac).toUpperCase());
      if (!cur) return pair(false, 'Error:no_such_mac');
      return cur.owner === user ? pair(true, 'Ok') : pair(false, 'Error:owned_by_other_user');
    },
  } : vendor === 'yealink' ? {
    'redirect.registerDeviceWithUniqueUrl': ([mac, server, url, override], user) => {
      if (!/^[0-9A-F]{2}(-[0-9A-F]{2}){5}$/.test(str(mac))) return pair(false, `error:invalid mac(s):${str(mac)}`);
      if (!/^(https?|ftp|tftp):\/\//.test(str(url))) return pair(false, "Error:The url can only begin with 'http://' or 'https://' or 'ftp://' or 'tftp://'");
      if (!/^[A-Za-z0-9 ._-]+$/.test(str(server))) return pair(false, "Error:The server name can only contain 'A-z 0-9 - _ . '(include space)");
      const cur = registry.get(str(mac));
      if (cur && cur.owner !== user) return pair(false, 'Error:k3j9x0q2m7 device belongs to another account');
      if (cur && override !== '1') return pair(false, 'Error:device exists');
      registry.set(str(mac), { owner: user, url: str(url), server: str(server) });
      return pair(true, 'success');
    },
    'redirect.deRegisterDevice': ([mac], user) => {
      const cur = registry.get(str(mac));
      if (!cur || cur.owner !== user) return pair(false, 'unregistered');
      registry.delete(str(mac));
      return pair(true, 'success');
    },
    'redirect.checkDevice': ([mac], user) => {
      const cur = registry.get(str(mac));
      if (!cur) return pair(true, 'unregistered');
      return pair(true, cur.owner === user ? 'registered' : 'registered elsewhere');
    },
  } : vendor === 'gigaset' ? {
    'autoprov.registerDevice': ([macId, url, name], user) => {
      const id = str(macId);
      const m = /^([0-9A-F]{12})(?:-([A-Z0-9]{4}))?$/.exec(id);
      if (!m) return pair(false, `mac_invalid:${id}`);
      const label = opts.labels?.[m[1]!];
      if (label !== undefined && m[2] !== label) return pair(false, `mac_not_exist:${id}`);
      if (!URL_OK.test(str(url))) return pair(false, `url_invalid:${str(url)}`);
      if (str(name) === '') return pair(false, `name_invalid:${str(name)}`);
      const cur = registry.get(m[1]!);
      if (cur && cur.owner !== user) return pair(false, `mac_already_in_use:${id}`);
      if (cur) return pair(false, `mac_already_in_use:${id}`); // no override: deregister first
      registry.set(m[1]!, { owner: user, url: str(url), server: str(name) });
      return pair(true, id);
    },
    'autoprov.deregisterDevice': ([macId], user) => {
      const mac = str(macId).slice(0, 12);
      const cur = registry.get(mac);
      if (!cur || cur.owner !== user) return pair(false, `mac_not_found:${mac}`);
      registry.delete(mac);
      return pair(true, 'ok');
    },
    'autoprov.checkDevice': ([macId], user) => {
      const mac = str(macId).slice(0, 12);
      const cur = registry.get(mac);
      if (!cur) return pair(false, `mac_not_found:${mac}`);
      return cur.owner === user ? pair(true, mac) : pair(false, `mac_already_in_use:${mac}`);
    },
  } : {
    'redirect.deleteServer': ([name]) => {
      if (!servers.delete(str(name))) return pair(false, 'Error:server_not_exist');
      return pair(true, 'ok');
    },
    'redirect.addMaterialServer': ([cfg]) => {
      const items = Array.isArray(cfg) ? cfg.map(str) : [];
      const get = (k: string): string | undefined => items.find((x) => x.startsWith(`${k}=`))?.slice(k.length + 1);
      const name = get('cfgName');
      if (!name || !get('cfgPfSrv') || !['1', '2', '4', '5'].includes(get('cfgPfProt') ?? '')) return pair(false, 'Error: url_format_error');
      servers.set(name, items);
      return pair(true, 'ok');
    },
    'redirect.deRegisterDevice': ([mac], user) => {
      const cur = registry.get(str(mac));
      if (!cur || cur.owner !== user) return pair(false, 'Error: device_not_exist');
      registry.delete(str(mac));
      return pair(true, 'ok');
    },
    'redirect.registerDevice': ([mac, server], user) => {
      if (!/^[0-9A-F]{12}$/.test(str(mac))) return pair(false, 'Error: mac_format_error');
      const s = servers.get(str(server));
      if (!s) return pair(false, 'Error: server_not_exist');
      const cur = registry.get(str(mac));
      if (cur) return pair(false, 'Error: device_had_existed');
      const get = (k: string): string => s.find((x) => x.startsWith(`${k}=`))?.slice(k.length + 1) ?? '';
      const scheme = ({ '1': 'ftp', '2': 'tftp', '4': 'http', '5': 'https' } as Record<string, string>)[get('cfgPfProt')];
      registry.set(str(mac), { owner: user, url: `${scheme}://${get('cfgPfSrv')}/${get('cfgPfName')}`, server: str(server) });
      return pair(true, 'ok');
    },
  };

  const base = await startFake(PATHS[vendor], (req) => {
    if (req.method !== 'POST') return { status: 405, contentType: 'text/plain', body: 'XML-RPC needs POST' };
    const cred = basicCredentials(req.headers.authorization);
    const expected = cred ? opts.accounts[cred.user] : undefined;
    const ok = cred !== undefined && expected !== undefined && cred.password === (vendor === 'fanvil' ? md5(md5(expected)) : expected);
    if (!ok) return { status: 401, contentType: 'text/plain', body: 'Unauthorized', headers: { 'www-authenticate': 'Basic realm="xmlrpc"' } };
    if (!/^text\/xml\b/.test(req.headers['content-type'] ?? '')) return { status: 400, contentType: 'text/plain', body: 'Content-Type must be text/xml' };
    const c = decodeCallText(req.body);
    if (!c.ok) return fault(-32700, `parse error: ${c.error.message}`);
    calls.push({ method: c.value.method, params: c.value.params, user: cred.user });
    const h = handlers[c.value.method];
    if (!h) return fault(-32601, `method ${c.value.method} not found`);
    return h(c.value.params, cred.user);
  });

  return Object.assign(base, {
    vendor, calls, registry, servers,
    ownedByOther(key: string, url = 'https://other.example/') { registry.set(key, { owner: '(another account)', url }); },
  });
}

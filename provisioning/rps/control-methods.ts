// The RPS part of the control API (pbxctl rps ...). Params are untrusted JSON: each method reads
// its params with the agent/control/params.ts readers and refuses params it does not know.
import type { MethodTable } from '../../agent/control/registry.ts';
import { optionalBool, optionalString, requireString, allowParams as allow } from '../../agent/control/params.ts';
import type { RpsService, ServerPatch } from './service.ts';

type P = Record<string, unknown>;

const SERVER_STRINGS = ['brand', 'username', 'password', 'baseUrl', 'provisioningUrl', 'serverName'] as const;

function serverStrings(p: P): Partial<Record<(typeof SERVER_STRINGS)[number], string>> {
  const out: Partial<Record<(typeof SERVER_STRINGS)[number], string>> = {};
  for (const k of SERVER_STRINGS) {
    const v = optionalString(p, k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function rpsMethods(svc: RpsService): MethodTable {
  return {
    'rps.providers': (p) => { allow(p, []); return svc.providers(); },
    'rps.server.add': (p, { actor }) => {
      allow(p, ['name', 'provider', ...SERVER_STRINGS, 'enabled']);
      const enabled = optionalBool(p, 'enabled');
      return svc.addServer(actor, { name: requireString(p, 'name'), provider: requireString(p, 'provider'), ...serverStrings(p), ...(enabled === undefined ? {} : { enabled }) });
    },
    'rps.server.list': (p) => {
      allow(p, ['showSecrets']);
      return svc.listServers({ showSecrets: optionalBool(p, 'showSecrets') ?? false });
    },
    'rps.server.show': (p) => {
      allow(p, ['name', 'showSecrets']);
      return svc.showServer(requireString(p, 'name'), { showSecrets: optionalBool(p, 'showSecrets') ?? false });
    },
    'rps.server.update': (p, { actor }) => {
      allow(p, ['name', 'newName', ...SERVER_STRINGS, 'enabled']);
      const patch: ServerPatch = { ...serverStrings(p) };
      const newName = optionalString(p, 'newName');
      if (newName !== undefined) patch.newName = newName;
      const enabled = optionalBool(p, 'enabled');
      if (enabled !== undefined) patch.enabled = enabled;
      return svc.updateServer(actor, requireString(p, 'name'), patch);
    },
    'rps.server.remove': (p, { actor }) => {
      allow(p, ['name']);
      return svc.removeServer(actor, requireString(p, 'name'));
    },
    'rps.link': (p, { actor }) => {
      allow(p, ['mac', 'server', 'crc', 'url']);
      const crc = optionalString(p, 'crc');
      const url = optionalString(p, 'url');
      return svc.link(actor, { mac: requireString(p, 'mac'), server: requireString(p, 'server'), ...(crc ? { crc } : {}), ...(url !== undefined ? { url } : {}) });
    },
    'rps.unlink': (p, { actor }) => {
      allow(p, ['mac', 'deregister']);
      return svc.unlink(actor, requireString(p, 'mac'), { deregister: optionalBool(p, 'deregister') ?? false });
    },
    'rps.status': (p) => {
      allow(p, ['mac']);
      return svc.status(optionalString(p, 'mac'));
    },
    'rps.retry': (p, { actor }) => {
      allow(p, ['mac']);
      return svc.retry(actor, requireString(p, 'mac'));
    },
  };
}

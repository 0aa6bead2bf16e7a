// Admin operations on redirection servers and device links: validated (errors name the field
// and, for URL/MAC/CRC problems, carry Falconieri's code), audited in the same transaction as
// the change, secrets masked unless asked. A change that needs a (new) registration wakes the
// worker through `wake`; the vendor is never called from here except for `unlink --deregister`.
import { withAudit, type Actor, type AuditRecord } from '../../agent/audit.ts';
import { ConflictError, InvalidArgumentError, NotFoundError, UnavailableError } from '../../agent/errors.ts';
import type { Db } from '../../agent/store/db.ts';
import { describeChanges, mask, summary } from '../service/common.ts';
import { requireDeviceMac } from '../mac.ts';
import { brandByName, listBrands, modelById } from '../repo/catalog.ts';
import { deviceByMac } from '../repo/devices.ts';
import { deleteRow, insertRow, run, updateRow } from '../repo/sql.ts';
import { text } from '../validate.ts';
import type { ClientFactory } from './client-pool.ts';
import type { ProviderId } from './clients/types.ts';
import { asRpsError } from './errors.ts';
import { PROVIDER_IDS, PROVIDERS, isProviderId } from './providers.ts';
import { linkCount, linkOfDevice, listLinks, listServers, requeue, serverById, serverByName, type LinkInfo, type ServerRow } from './repo.ts';
import { expandUrl, targetOf, type DefaultUrl } from './target.ts';
import { checkCrc, checkRedirectUrl } from './validate.ts';

export interface RpsServiceContext {
  db: Db;
  now: () => Date;
  defaultUrl: DefaultUrl;
  clients: ClientFactory;
  /** Called after a change that needs the worker (link, retry, server edit). */
  wake: () => void;
  /** The effective vendor endpoint of a server (its base URL, else the config's). */
  baseUrlOf: (s: ServerRow) => string;
}

export interface ServerInput {
  name: string; provider: string; brand?: string; username?: string; password?: string; baseUrl?: string;
  provisioningUrl?: string; serverName?: string; enabled?: boolean;
}
export type ServerPatch = Partial<Omit<ServerInput, 'provider'>> & { newName?: string };

export interface ServerView {
  name: string; provider: ProviderId; providerLabel: string; brand: string; username: string; password: string;
  baseUrl: string; baseUrlIsDefault: boolean; provisioningUrl: string; serverName: string; enabled: boolean;
  links: number; createdAt: string; updatedAt: string;
}

export interface LinkView {
  mac: string; tenant: string | null; model: string; server: string; provider: ProviderId;
  /** "Provisioned on redirection server": the vendor holds this device's current URL. */
  provisioned: boolean;
  state: 'pending' | 'ok' | 'error'; error: string; message: string; pin: string | null;
  attempts: number; lastAttemptAt: string | null; nextAttemptAt: string | null;
  url: string; crc: string; registeredUrl: string; registeredAt: string | null;
}

const SERVER_FIELDS = [
  { key: 'name', label: 'name' }, { key: 'brand', label: 'brand' }, { key: 'username', label: 'username' },
  { key: 'password', label: 'password', secret: true }, { key: 'base_url', label: 'base URL' },
  { key: 'provisioning_url', label: 'provisioning URL' }, { key: 'server_name', label: 'server name' }, { key: 'enabled', label: 'enabled' },
] as const;

/** A Falconieri-coded problem as an admin-facing argument error naming the field. */
function fieldError(field: string, e: unknown): never {
  const r = asRpsError(e);
  throw new InvalidArgumentError(field, `${r.message} (${r.code})`);
}

function serverName(v: string): string {
  text('name', v, 64, true);
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/.test(v) || v !== v.trim()) throw new InvalidArgumentError('name', `must be letters, digits, spaces, '.', '_' or '-' (starting with a letter or digit), got ${JSON.stringify(v.slice(0, 64))}`);
  if (/^\d+$/.test(v)) throw new InvalidArgumentError('name', 'must not be only digits');
  return v;
}

function baseUrl(v: string): string {
  if (v === '') return '';
  text('baseUrl', v, 512);
  let u: URL;
  try { u = new URL(v); } catch { throw new InvalidArgumentError('baseUrl', `'${v.slice(0, 100)}' is not a URL`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError('baseUrl', 'must be an http or https URL');
  if (u.username || u.password) throw new InvalidArgumentError('baseUrl', 'must not carry credentials; use --username and --password');
  return v;
}

/** A provisioning URL template ('' = this node's): checked with '{tenant}' filled in. */
function provisioningUrl(field: string, v: string, provider: ProviderId): string {
  if (v === '') return '';
  try { checkRedirectUrl(expandUrl(v, '00000000-0000-4000-8000-000000000000')); } catch (e) { fieldError(field, e); }
  if (provider === 'fanvil' && v.includes('?')) {
    throw new InvalidArgumentError(field, 'Fanvil FDPS drops the query string of the URL (it keeps host, path and protocol): put tokens or the tenant in the path');
  }
  return v.trim();
}

export function createRpsService(ctx: RpsServiceContext) {
  const { db } = ctx;
  const ts = (): string => ctx.now().toISOString();
  const audited = <T>(actor: Actor, fn: (audit: (r: AuditRecord) => void) => T): T => withAudit(db, actor, fn, ctx.now);

  const requireServer = (ref: string): ServerRow => {
    const s = /^\d+$/.test(ref) ? serverById(db, Number(ref)) : serverByName(db, ref);
    if (!s) throw new NotFoundError('redirection server', ref);
    return s;
  };

  const serverView = (s: ServerRow, showSecrets?: boolean): ServerView => ({
    name: s.name, provider: s.provider, providerLabel: PROVIDERS[s.provider].label, brand: s.brand, username: s.username,
    password: mask(s.password, showSecrets), baseUrl: ctx.baseUrlOf(s), baseUrlIsDefault: s.base_url === '',
    provisioningUrl: s.provisioning_url, serverName: s.server_name, enabled: s.enabled === 1,
    links: linkCount(db, s.id), createdAt: s.created_at, updatedAt: s.updated_at,
  });

  const linkView = (l: LinkInfo): LinkView => {
    const s = serverById(db, l.server_id)!;
    const t = targetOf(l, s, ctx.defaultUrl);
    return {
      mac: l.mac, tenant: l.tenant_uuid, model: `${l.brand}/${l.model}`, server: s.name, provider: s.provider,
      provisioned: l.state === 'ok' && l.target === t.fingerprint,
      state: l.state, error: l.error, message: l.message, pin: l.pin || null, attempts: l.attempts,
      lastAttemptAt: l.last_attempt_at, nextAttemptAt: l.state === 'pending' ? l.next_attempt_at : null,
      url: t.url, crc: l.crc, registeredUrl: l.registered_url, registeredAt: l.registered_at,
    };
  };

  const checkBrand = (v: string): string => {
    const b = brandByName(db, v);
    if (!b) throw new InvalidArgumentError('brand', `unknown brand '${v.slice(0, 64)}' (known: ${listBrands(db).map((x) => x.name).join(', ')})`);
    return b.name;
  };

  const credentials = (provider: ProviderId, username: string, password: string): void => {
    text('username', username, 256);
    text('password', password, 256);
    if (username === '' || password === '') {
      throw new InvalidArgumentError(username === '' ? 'username' : 'password', `is required: ${PROVIDERS[provider].credentials}`);
    }
  };

  const requireDevice = (macInput: string) => {
    const mac = requireDeviceMac(macInput);
    const d = deviceByMac(db, mac);
    if (!d) throw new NotFoundError('device', mac);
    return d;
  };

  const requireLink = (macInput: string): LinkInfo => {
    const d = requireDevice(macInput);
    const l = linkOfDevice(db, d.id);
    if (!l) throw new NotFoundError('redirection link of device', d.mac);
    return l;
  };

  return {
    providers: () => PROVIDER_IDS.map((id) => {
      const p = PROVIDERS[id];
      return { id, label: p.label, brand: p.brand, defaultBaseUrl: p.defaultBaseUrl, needsCrc: p.needsCrc, credentials: p.credentials };
    }),

    listServers: (opts: { showSecrets?: boolean } = {}): ServerView[] => listServers(db).map((s) => serverView(s, opts.showSecrets)),
    showServer: (ref: string, opts: { showSecrets?: boolean } = {}): ServerView => serverView(requireServer(ref), opts.showSecrets),

    addServer(actor: Actor, input: ServerInput): ServerView {
      const name = serverName(input.name);
      if (!isProviderId(input.provider)) throw new InvalidArgumentError('provider', `must be one of ${PROVIDER_IDS.join(', ')}, got ${JSON.stringify(String(input.provider).slice(0, 40))}`);
      const provider = input.provider;
      const p = PROVIDERS[provider];
      const username = input.username ?? '';
      const password = input.password ?? '';
      credentials(provider, username, password);
      const sname = text('serverName', input.serverName ?? p.defaultServerName, 64);
      if (provider === 'yealink' && sname === '') throw new InvalidArgumentError('serverName', 'is required for Yealink legacy RPS: the server name created in the RPS portal');
      return audited(actor, (audit) => {
        if (serverByName(db, name)) throw new ConflictError(`redirection server '${name}' already exists`);
        const now = ts();
        const id = insertRow(db, 'rps_servers', {
          name, provider, brand: checkBrand(input.brand ?? p.brand), username, password, base_url: baseUrl(input.baseUrl ?? ''),
          provisioning_url: provisioningUrl('provisioningUrl', input.provisioningUrl ?? '', provider), server_name: sname,
          enabled: input.enabled === false ? 0 : 1, created_at: now, updated_at: now,
        });
        const s = serverById(db, id)!;
        audit({ action: 'create', objectType: 'rps-server', objectId: name, description: `redirection server ${name} added: ${provider}, brand ${s.brand}, user ${username}, password set${s.base_url ? `, base URL ${s.base_url}` : ''}${s.enabled ? '' : ', disabled'}` });
        return serverView(s);
      });
    },

    updateServer(actor: Actor, ref: string, patch: ServerPatch): ServerView {
      const view = audited(actor, (audit) => {
        const s = requireServer(ref);
        const name = patch.newName === undefined ? s.name : serverName(patch.newName);
        if (name.toLowerCase() !== s.name.toLowerCase() && serverByName(db, name)) throw new ConflictError(`redirection server '${name}' already exists`);
        const row = {
          name, brand: patch.brand === undefined ? s.brand : checkBrand(patch.brand),
          username: patch.username ?? s.username, password: patch.password ?? s.password,
          base_url: patch.baseUrl === undefined ? s.base_url : baseUrl(patch.baseUrl),
          provisioning_url: patch.provisioningUrl === undefined ? s.provisioning_url : provisioningUrl('provisioningUrl', patch.provisioningUrl, s.provider),
          server_name: patch.serverName === undefined ? s.server_name : text('serverName', patch.serverName, 64),
          enabled: patch.enabled === undefined ? s.enabled : patch.enabled ? 1 : 0,
        };
        credentials(s.provider, row.username, row.password);
        if (s.provider === 'yealink' && row.server_name === '') throw new InvalidArgumentError('serverName', 'is required for Yealink legacy RPS');
        const changes = describeChanges(s, row, SERVER_FIELDS);
        if (changes.length > 0) {
          const now = ts();
          updateRow(db, 'rps_servers', s.id, { ...row, rev: s.rev + 1, updated_at: now });
          // Every linked device is registered again with what changed (URL, account, endpoint).
          requeue(db, { serverId: s.id }, now);
        }
        audit({ action: 'update', objectType: 'rps-server', objectId: s.name, description: summary(`redirection server ${s.name}`, changes) });
        return serverView(serverById(db, s.id)!);
      });
      ctx.wake();
      return view;
    },

    removeServer(actor: Actor, ref: string): { removed: string } {
      return audited(actor, (audit) => {
        const s = requireServer(ref);
        const n = linkCount(db, s.id);
        if (n > 0) throw new ConflictError(`redirection server '${s.name}' has ${n} linked device(s); unlink them first (pbxctl rps unlink MAC) or link them elsewhere`, { links: n });
        deleteRow(db, 'rps_servers', s.id);
        audit({ action: 'delete', objectType: 'rps-server', objectId: s.name, description: `redirection server ${s.name} (${s.provider}) removed` });
        return { removed: s.name };
      });
    },

    link(actor: Actor, input: { mac: string; server: string; crc?: string; url?: string }): LinkView {
      const view = audited(actor, (audit) => {
        const d = requireDevice(input.mac);
        const mac = d.mac;
        const s = requireServer(input.server);
        const m = modelById(db, d.model_id)!;
        if (m.brand.toLowerCase() !== s.brand.toLowerCase()) {
          throw new InvalidArgumentError('server', `redirection server '${s.name}' is for ${s.brand} devices; device ${mac} is a ${m.brand}/${m.name}`);
        }
        let crc = '';
        if (PROVIDERS[s.provider].needsCrc) {
          try { crc = checkCrc(input.crc); } catch (e) { fieldError('crc', e); }
        } else if (input.crc) throw new InvalidArgumentError('crc', `is only for Gigaset (MAC-ID on the label); server '${s.name}' is ${s.provider}`);
        const url = provisioningUrl('url', input.url ?? '', s.provider);
        const t = targetOf({ mac, tenant_uuid: d.tenant_uuid, url, crc }, s, ctx.defaultUrl);
        if (t.url === '') throw new InvalidArgumentError('url', `no provisioning URL: server '${s.name}' has none and this node's own (pbx.address) is unknown or loopback; give --url, set the server's --provisioning-url, or set pbx.address`);
        try { checkRedirectUrl(t.url); } catch (e) { fieldError(url ? 'url' : 'server', e); }
        const now = ts();
        const old = linkOfDevice(db, d.id);
        if (old) {
          run(db, 'UPDATE rps_links SET server_id = ?, crc = ?, url = ?, updated_at = ?, rev = rev + 1 WHERE device_id = ?', s.id, crc, url, now, d.id);
        } else {
          insertRow(db, 'rps_links', { device_id: d.id, server_id: s.id, crc, url, created_at: now, updated_at: now });
        }
        requeue(db, { deviceId: d.id }, now);
        audit({ action: old ? 'update' : 'create', objectType: 'rps-link', objectId: mac, description: `device ${mac} linked to redirection server ${s.name} (${s.provider})${url ? ', own provisioning URL' : ''}${crc ? `, MAC-ID ${mac.toUpperCase()}-${crc}` : ''}` });
        return linkView(linkOfDevice(db, d.id)!);
      });
      ctx.wake();
      return view;
    },

    async unlink(actor: Actor, macInput: string, opts: { deregister?: boolean } = {}): Promise<{ unlinked: string; deregistered: boolean }> {
      const l = requireLink(macInput);
      const s = serverById(db, l.server_id)!;
      if (opts.deregister) {
        try {
          await ctx.clients(s).deregister({ mac: l.mac, ...(l.crc ? { crc: l.crc } : {}) });
        } catch (e) {
          const r = asRpsError(e);
          throw new UnavailableError(`deregistering ${l.mac} at ${s.name} failed: ${r.message} (${r.code}); the link is kept`, { code: r.code });
        }
      }
      return audited(actor, (audit) => {
        const cur = requireLink(macInput);
        run(db, 'DELETE FROM rps_links WHERE device_id = ?', cur.device_id);
        run(db, 'DELETE FROM rps_state WHERE device_id = ?', cur.device_id);
        audit({ action: 'delete', objectType: 'rps-link', objectId: cur.mac, description: `device ${cur.mac} unlinked from redirection server ${s.name}${opts.deregister ? ' and deregistered there' : ' (the vendor keeps its registration)'}` });
        return { unlinked: cur.mac, deregistered: opts.deregister === true };
      });
    },

    status(macInput?: string): LinkView | LinkView[] {
      if (macInput !== undefined) return linkView(requireLink(macInput));
      return listLinks(db).map(linkView);
    },

    retry(actor: Actor, macInput: string): LinkView {
      const view = audited(actor, (audit) => {
        const l = requireLink(macInput);
        // Forget the last attempt (target) so even a device registered with this URL is sent again.
        requeue(db, { deviceId: l.device_id }, ts(), { target: '' });
        audit({ action: 'retry', objectType: 'rps-link', objectId: l.mac, description: `registration of ${l.mac} with its redirection server queued again (was ${l.state}${l.error ? `: ${l.error}` : ''})` });
        return linkView(linkOfDevice(db, l.device_id)!);
      });
      ctx.wake();
      return view;
    },
  };
}

export type RpsService = ReturnType<typeof createRpsService>;

// Service for devices: one MAC, one model, optionally a template and a linked account. A device
// without an account is stored disabled and gets no file. The MAC is unique on the node (it
// belongs to one tenant) and the tenant of a device does not change.
import { withAudit, type Actor } from '../../agent/audit.ts';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../agent/errors.ts';
import { ipToInt } from '../../net/lib/ipv4.ts';
import type { NotServedReason } from '../file-source.ts';
import { requireDeviceMac } from '../mac.ts';
import { MASK } from '../placeholders.ts';
import { listRules, modelById, templateById } from '../repo/catalog.ts';
import { accountById, deviceById, deviceByMac, devicePlaceholders, listDevices } from '../repo/devices.ts';
import { deleteRow, insertRow, updateRow } from '../repo/sql.ts';
import { buildFileName } from '../rules.ts';
import type { DeviceRow, ModelInfo, TemplateRow } from '../types.ts';
import { ipv4, multiline, netmask, port, secret, text, uuid } from '../validate.ts';
import {
  describeChanges, mask, modelRef, resolveAccount, resolveModel, resolveTemplate, resolveTenant, summary,
  type Audit, type LastSeen, type Ref, type ServiceContext,
} from './common.ts';

export interface DeviceInput {
  mac: string; tenant?: string | null; model: Ref; template?: Ref | null; account?: Ref | null; enabled?: boolean;
  notes?: string; dhcp?: boolean; ip?: string; netmask?: string; gateway?: string; dns1?: string; dns2?: string;
  phoneUsername?: string; phonePassword?: string; remoteAddress?: string; remotePort?: number | null;
}
export type DevicePatch = Partial<Omit<DeviceInput, 'mac' | 'tenant'>> & { newMac?: string };

export interface DeviceStatus { served: boolean; reason?: NotServedReason; detail?: string }

export interface DeviceView {
  mac: string; tenant: string | null; enabled: boolean; model: string; modelId: number;
  template: { id: number; name: string } | null; effectiveTemplate: { id: number; name: string } | null;
  account: { id: number; username: string } | null; notes: string;
  dhcp: boolean; ip: string; netmask: string; gateway: string; dns1: string; dns2: string;
  phoneUsername: string; phonePassword: string; remoteAddress: string; remotePort: number | null;
  files: string[]; status: DeviceStatus; createdAt: string; updatedAt: string;
  lastSeen?: LastSeen; placeholders?: { name: string; kind: string; value: string; secret: boolean }[];
  warnings?: string[];
}

const DEVICE_FIELDS = [
  { key: 'mac', label: 'MAC' }, { key: 'enabled', label: 'enabled' }, { key: 'model_id', label: 'model id' },
  { key: 'template_id', label: 'template id' }, { key: 'account_id', label: 'account id' }, { key: 'notes', label: 'notes' },
  { key: 'dhcp', label: 'dhcp' }, { key: 'ip', label: 'ip' }, { key: 'netmask', label: 'netmask' }, { key: 'gateway', label: 'gateway' },
  { key: 'dns1', label: 'dns1' }, { key: 'dns2', label: 'dns2' }, { key: 'phone_username', label: 'phone username' },
  { key: 'phone_password', label: 'phone password', secret: true }, { key: 'remote_address', label: 'remote address' },
  { key: 'remote_port', label: 'remote port' },
] as const;

type DeviceFields = Omit<DeviceRow, 'id' | 'tenant_uuid' | 'created_at' | 'updated_at'>;

/** The template a device file renders with: the device's own, else the model default. */
export function effectiveTemplate(ctx: ServiceContext, d: DeviceRow, m: ModelInfo): TemplateRow | undefined {
  const id = d.template_id ?? m.default_template_id;
  return id === null ? undefined : templateById(ctx.db, id);
}

/** Whether the device's files are served, and if not why (the resolver's checks, in its order). */
export function deviceStatus(ctx: ServiceContext, d: DeviceRow, m: ModelInfo): DeviceStatus {
  if (d.account_id === null) return { served: false, reason: 'no-account', detail: `device ${d.mac} has no linked account, so it is disabled and gets no file` };
  if (!d.enabled) return { served: false, reason: 'disabled-device', detail: `device ${d.mac} is disabled` };
  if (!effectiveTemplate(ctx, d, m)) return { served: false, reason: 'no-template', detail: `device ${d.mac} names no template and model ${modelRef(m)} has no default template` };
  return { served: true };
}

export function createDeviceService(ctx: ServiceContext) {
  const { db } = ctx;
  const ts = (): string => ctx.now().toISOString();
  const audited = <T>(actor: Actor, fn: (audit: Audit) => T): T => withAudit(db, actor, fn, ctx.now);

  const view = (d: DeviceRow, opts: { showSecrets?: boolean; detail?: boolean } = {}): DeviceView => {
    const m = modelById(db, d.model_id)!;
    const t = d.template_id === null ? undefined : templateById(db, d.template_id);
    const et = effectiveTemplate(ctx, d, m);
    const a = d.account_id === null ? undefined : accountById(db, d.account_id);
    const seen = ctx.lastSeen(d.mac);
    return {
      mac: d.mac, tenant: d.tenant_uuid, enabled: d.enabled === 1, model: modelRef(m), modelId: m.id,
      template: t ? { id: t.id, name: t.name } : null, effectiveTemplate: et ? { id: et.id, name: et.name } : null,
      account: a ? { id: a.id, username: a.username } : null, notes: d.notes, dhcp: d.dhcp === 1, ip: d.ip, netmask: d.netmask,
      gateway: d.gateway, dns1: d.dns1, dns2: d.dns2, phoneUsername: d.phone_username, phonePassword: mask(d.phone_password, opts.showSecrets),
      remoteAddress: d.remote_address, remotePort: d.remote_port,
      files: listRules(db, m.id).map((r) => buildFileName(r, d.mac)), status: deviceStatus(ctx, d, m),
      createdAt: d.created_at, updatedAt: d.updated_at,
      ...(seen ? { lastSeen: seen } : {}),
      ...(opts.detail ? {
        placeholders: devicePlaceholders(db, d.id).map((p) => ({ name: p.name, kind: p.kind, value: p.secret && !opts.showSecrets ? MASK : p.value, secret: p.secret === 1 })),
      } : {}),
    };
  };

  const requireDevice = (macInput: string): DeviceRow => {
    const mac = requireDeviceMac(macInput);
    const d = deviceByMac(db, mac);
    if (!d) throw new NotFoundError('device', mac);
    return d;
  };

  /** Validates the whole device as it would be stored; returns its columns and any warnings. */
  const fields = (merged: Omit<DeviceInput, 'mac' | 'tenant'> & { mac: string }, tenant: string | null, base?: DeviceRow): { row: DeviceFields; warnings: string[] } => {
    const warnings: string[] = [];
    const model = resolveModel(db, merged.model);
    let templateId: number | null = null;
    if (merged.template !== undefined && merged.template !== null) {
      const t = resolveTemplate(db, merged.template);
      if (t.model_id !== model.id) {
        throw new InvalidArgumentError('template', `template '${t.name}' belongs to model ${modelRef(modelById(db, t.model_id)!)}, not ${modelRef(model)}`);
      }
      templateId = t.id;
    }
    let accountId: number | null = null;
    if (merged.account !== undefined && merged.account !== null) {
      const a = resolveAccount(db, merged.account, tenant);
      if (a.tenant_uuid !== tenant) throw new InvalidArgumentError('account', `account ${a.username} belongs to ${a.tenant_uuid ? `tenant ${a.tenant_uuid}` : 'no tenant'}, not to the device's ${tenant ? `tenant ${tenant}` : 'node'}`);
      accountId = a.id;
    }
    let enabled = merged.enabled ?? (base ? base.enabled === 1 : true);
    if (accountId === null && enabled) {
      enabled = false;
      warnings.push('no account is linked: the device is stored as disabled and gets no file');
    }
    const dhcp = merged.dhcp ?? true;
    const ip = ipv4('ip', merged.ip ?? '');
    const mask = netmask('netmask', merged.netmask ?? '');
    const gateway = ipv4('gateway', merged.gateway ?? '');
    if (!dhcp) {
      if (!ip) throw new InvalidArgumentError('ip', 'is required when dhcp is off');
      if (!mask) throw new InvalidArgumentError('netmask', 'is required when dhcp is off');
    }
    if (ip && mask && gateway && ((ipToInt(ip)! ^ ipToInt(gateway)!) & ipToInt(mask)!) >>> 0 !== 0) {
      throw new InvalidArgumentError('gateway', `${gateway} is not in the subnet of ${ip}/${mask}`);
    }
    if (!effectiveTemplate(ctx, { template_id: templateId } as DeviceRow, model)) {
      warnings.push(`model ${modelRef(model)} has no default template and the device names none: it gets no file`);
    }
    return {
      warnings,
      row: {
        mac: merged.mac, enabled: enabled ? 1 : 0, model_id: model.id, template_id: templateId, account_id: accountId,
        notes: multiline('notes', merged.notes ?? '', 2000), dhcp: dhcp ? 1 : 0, ip, netmask: mask, gateway,
        dns1: ipv4('dns1', merged.dns1 ?? ''), dns2: ipv4('dns2', merged.dns2 ?? ''),
        phone_username: text('phoneUsername', merged.phoneUsername ?? '', 64),
        phone_password: secret('phonePassword', merged.phonePassword ?? ''),
        remote_address: ipv4('remoteAddress', merged.remoteAddress ?? ''),
        remote_port: port('remotePort', merged.remotePort ?? null),
      },
    };
  };

  const conflictIfTaken = (mac: string, selfId?: number): void => {
    const other = deviceByMac(db, mac);
    if (other && other.id !== selfId) {
      throw new ConflictError(`MAC ${mac} is already registered${other.tenant_uuid ? ` (tenant ${other.tenant_uuid})` : ''}; a MAC belongs to one device on the node`);
    }
  };

  return {
    listDevices(opts: { tenant?: string | null; showSecrets?: boolean } = {}): DeviceView[] {
      const tenant = opts.tenant === undefined ? undefined : opts.tenant === null ? null : uuid('tenant', opts.tenant);
      return listDevices(db, tenant).map((d) => view(d, opts));
    },
    showDevice: (mac: string, opts: { showSecrets?: boolean } = {}): DeviceView => view(requireDevice(mac), { ...opts, detail: true }),
    addDevice(actor: Actor, input: DeviceInput): DeviceView {
      const mac = requireDeviceMac(input.mac);
      return audited(actor, (audit) => {
        const tenant = resolveTenant(ctx, input.tenant);
        conflictIfTaken(mac);
        const { row, warnings } = fields({ ...input, mac }, tenant);
        const now = ts();
        const id = insertRow(db, 'devices', { ...row, tenant_uuid: tenant, created_at: now, updated_at: now });
        const d = deviceById(db, id)!;
        const v = view(d);
        audit({ action: 'create', objectType: 'device', objectId: mac, description: `device ${mac} added: ${v.model}, ${v.account ? `account ${v.account.username}` : 'no account'}, ${d.enabled ? 'enabled' : 'disabled'}${tenant ? `, tenant ${tenant}` : ''}${d.phone_password ? ', phone password set' : ''}` });
        return warnings.length ? { ...v, warnings } : v;
      });
    },
    updateDevice(actor: Actor, macInput: string, patch: DevicePatch): DeviceView {
      return audited(actor, (audit) => {
        const d = requireDevice(macInput);
        const mac = patch.newMac === undefined ? d.mac : requireDeviceMac(patch.newMac, 'newMac');
        conflictIfTaken(mac, d.id);
        const keep = <T>(v: T | undefined, old: T): T => (v === undefined ? old : v);
        // A new model without a template named: fall back to the new model's default.
        const modelChanged = patch.model !== undefined && resolveModel(db, patch.model).id !== d.model_id;
        const template = patch.template !== undefined ? patch.template : modelChanged ? null : d.template_id;
        const { row, warnings } = fields({
          mac, model: keep(patch.model, d.model_id), template,
          account: patch.account === undefined ? d.account_id : patch.account,
          enabled: keep(patch.enabled, d.enabled === 1), notes: keep(patch.notes, d.notes), dhcp: keep(patch.dhcp, d.dhcp === 1),
          ip: keep(patch.ip, d.ip), netmask: keep(patch.netmask, d.netmask), gateway: keep(patch.gateway, d.gateway),
          dns1: keep(patch.dns1, d.dns1), dns2: keep(patch.dns2, d.dns2), phoneUsername: keep(patch.phoneUsername, d.phone_username),
          phonePassword: keep(patch.phonePassword, d.phone_password), remoteAddress: keep(patch.remoteAddress, d.remote_address),
          remotePort: patch.remotePort === undefined ? d.remote_port : patch.remotePort,
        }, d.tenant_uuid, d);
        const changes = describeChanges(d, row, DEVICE_FIELDS);
        updateRow(db, 'devices', d.id, { ...row, updated_at: ts() });
        audit({ action: 'update', objectType: 'device', objectId: d.mac, description: summary(`device ${d.mac}`, changes) });
        const v = view(deviceById(db, d.id)!, { detail: true });
        return warnings.length ? { ...v, warnings } : v;
      });
    },
    removeDevice(actor: Actor, macInput: string): { removed: string } {
      return audited(actor, (audit) => {
        const d = requireDevice(macInput);
        const vars = devicePlaceholders(db, d.id).length;
        deleteRow(db, 'devices', d.id);
        audit({ action: 'delete', objectType: 'device', objectId: d.mac, description: `device ${d.mac} removed${vars ? ` with its ${vars} placeholder(s)` : ''}` });
        return { removed: d.mac };
      });
    },
    /** The device row for a MAC (for previews), or NotFoundError. */
    requireDevice,
  };
}

export type DeviceService = ReturnType<typeof createDeviceService>;

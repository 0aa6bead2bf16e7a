// Service for tenants and SIP accounts. Removing an account disables the devices linked to it
// (a device without an account gets no file), in the same audited transaction.
import { randomUUID } from 'node:crypto';
import { withAudit, type Actor } from '../../agent/audit.ts';
import { ConflictError, InvalidArgumentError } from '../../agent/errors.ts';
import { accountById, accountsByUsername, devicesOfAccount, listAccounts, listTenants, tenantByUuid, tenantUsage } from '../repo/devices.ts';
import { deleteRow, insertRow, run, updateRow } from '../repo/sql.ts';
import { TRANSPORTS, type AccountRow, type SipTransport, type TenantRow } from '../types.ts';
import { secret, sipUser, text, uuid } from '../validate.ts';
import { describeChanges, mask, resolveAccount, resolveTenant, summary, type Audit, type Ref, type ServiceContext } from './common.ts';

export interface TenantView { uuid: string; name: string; createdAt: string; devices: number; accounts: number }

export interface AccountView {
  id: number; tenant: string | null; username: string; password: string; authUser: string; displayName: string;
  extension: string; firstName: string; lastName: string; voicemail: string; transport: SipTransport;
  devices: string[]; createdAt: string; updatedAt: string;
}

export interface AccountInput {
  tenant?: string | null; username: string; password?: string; authUser?: string; displayName?: string;
  extension?: string; firstName?: string; lastName?: string; voicemail?: string; transport?: string;
}

const ACCOUNT_FIELDS = [
  { key: 'username', label: 'username' }, { key: 'password', label: 'password', secret: true },
  { key: 'auth_user', label: 'auth user' }, { key: 'display_name', label: 'display name' },
  { key: 'extension', label: 'extension' }, { key: 'first_name', label: 'first name' }, { key: 'last_name', label: 'last name' },
  { key: 'voicemail', label: 'voicemail' }, { key: 'transport', label: 'transport' },
] as const;

type AccountFields = Pick<AccountRow, 'username' | 'password' | 'auth_user' | 'display_name' | 'extension' | 'first_name' | 'last_name' | 'voicemail' | 'transport'>;

function accountFields(input: Partial<Omit<AccountInput, 'tenant'>>, base?: AccountFields): AccountFields {
  const pick = <K extends keyof AccountInput>(k: K, fallback: string): string => (input[k] as string | undefined) ?? fallback;
  const transport = pick('transport', base?.transport ?? 'udp');
  if (!(TRANSPORTS as readonly string[]).includes(transport)) {
    throw new InvalidArgumentError('transport', `must be one of ${TRANSPORTS.join(', ')}, got ${JSON.stringify(transport)}`);
  }
  return {
    username: sipUser('username', pick('username', base?.username ?? ''), true),
    password: secret('password', pick('password', base?.password ?? '')),
    auth_user: sipUser('authUser', pick('authUser', base?.auth_user ?? ''), false),
    display_name: text('displayName', pick('displayName', base?.display_name ?? ''), 64),
    extension: text('extension', pick('extension', base?.extension ?? ''), 32),
    first_name: text('firstName', pick('firstName', base?.first_name ?? ''), 64),
    last_name: text('lastName', pick('lastName', base?.last_name ?? ''), 64),
    voicemail: text('voicemail', pick('voicemail', base?.voicemail ?? ''), 32),
    transport: transport as SipTransport,
  };
}

export function createAccountService(ctx: ServiceContext) {
  const { db } = ctx;
  const ts = (): string => ctx.now().toISOString();
  const audited = <T>(actor: Actor, fn: (audit: Audit) => T): T => withAudit(db, actor, fn, ctx.now);

  const tenantView = (t: TenantRow): TenantView => ({ uuid: t.uuid, name: t.name, createdAt: t.created_at, ...tenantUsage(db, t.uuid) });
  const requireTenant = (ref: string): TenantRow => {
    const t = tenantByUuid(db, uuid('uuid', ref));
    if (!t) throw new InvalidArgumentError('uuid', `no tenant ${ref}`);
    return t;
  };
  const accountView = (a: AccountRow, showSecrets?: boolean): AccountView => ({
    id: a.id, tenant: a.tenant_uuid, username: a.username, password: mask(a.password, showSecrets), authUser: a.auth_user,
    displayName: a.display_name, extension: a.extension, firstName: a.first_name, lastName: a.last_name, voicemail: a.voicemail,
    transport: a.transport, devices: devicesOfAccount(db, a.id).map((d) => d.mac), createdAt: a.created_at, updatedAt: a.updated_at,
  });

  return {
    // ---- tenants
    listTenants: (): TenantView[] => listTenants(db).map(tenantView),
    showTenant: (ref: string): TenantView => tenantView(requireTenant(ref)),
    addTenant(actor: Actor, input: { uuid?: string; name: string }): TenantView {
      const id = input.uuid ? uuid('uuid', input.uuid) : randomUUID();
      const name = text('name', input.name, 64, true);
      return audited(actor, (audit) => {
        if (tenantByUuid(db, id)) throw new ConflictError(`tenant ${id} already exists`);
        insertRow(db, 'tenants', { uuid: id, name, created_at: ts() });
        audit({ action: 'create', objectType: 'tenant', objectId: id, description: `tenant ${id} (${name}) added` });
        return tenantView(tenantByUuid(db, id)!);
      });
    },
    renameTenant(actor: Actor, ref: string, name: string): TenantView {
      text('name', name, 64, true);
      return audited(actor, (audit) => {
        const t = requireTenant(ref);
        run(db, 'UPDATE tenants SET name = ? WHERE uuid = ?', name, t.uuid);
        audit({ action: 'update', objectType: 'tenant', objectId: t.uuid, description: `tenant ${t.uuid} renamed from ${JSON.stringify(t.name)} to ${JSON.stringify(name)}` });
        return tenantView(tenantByUuid(db, t.uuid)!);
      });
    },
    removeTenant(actor: Actor, ref: string): { removed: string } {
      return audited(actor, (audit) => {
        const t = requireTenant(ref);
        const use = tenantUsage(db, t.uuid);
        if (use.devices || use.accounts) throw new ConflictError(`tenant ${t.uuid} still has ${use.devices} device(s) and ${use.accounts} account(s)`, use);
        run(db, 'DELETE FROM tenants WHERE uuid = ?', t.uuid);
        audit({ action: 'delete', objectType: 'tenant', objectId: t.uuid, description: `tenant ${t.uuid} (${t.name}) removed` });
        return { removed: t.uuid };
      });
    },

    // ---- accounts
    listAccounts: (opts: { tenant?: string | null; showSecrets?: boolean } = {}): AccountView[] =>
      listAccounts(db, opts.tenant === undefined ? undefined : opts.tenant === null ? null : uuid('tenant', opts.tenant)).map((a) => accountView(a, opts.showSecrets)),
    showAccount: (ref: Ref, opts: { tenant?: string | null; showSecrets?: boolean } = {}): AccountView =>
      accountView(resolveAccount(db, ref, opts.tenant), opts.showSecrets),
    addAccount(actor: Actor, input: AccountInput): AccountView {
      const fields = accountFields(input);
      return audited(actor, (audit) => {
        const tenant = resolveTenant(ctx, input.tenant);
        if (accountsByUsername(db, fields.username, tenant).length) {
          throw new ConflictError(`account '${fields.username}' already exists${tenant ? ` in tenant ${tenant}` : ''}`);
        }
        const now = ts();
        const id = insertRow(db, 'accounts', { ...fields, tenant_uuid: tenant, created_at: now, updated_at: now });
        audit({ action: 'create', objectType: 'account', objectId: String(id),
          description: `account ${fields.username}${tenant ? ` (tenant ${tenant})` : ''} added${fields.password ? ', password set' : ', no password'}` });
        return accountView(accountById(db, id)!);
      });
    },
    updateAccount(actor: Actor, ref: Ref, patch: Partial<Omit<AccountInput, 'tenant'>>, opts: { tenant?: string | null } = {}): AccountView {
      return audited(actor, (audit) => {
        const a = resolveAccount(db, ref, opts.tenant);
        const next = accountFields(patch, a);
        if (next.username !== a.username && accountsByUsername(db, next.username, a.tenant_uuid).length) {
          throw new ConflictError(`account '${next.username}' already exists`);
        }
        const changes = describeChanges(a, next, ACCOUNT_FIELDS);
        updateRow(db, 'accounts', a.id, { ...next, updated_at: ts() });
        audit({ action: 'update', objectType: 'account', objectId: String(a.id), description: summary(`account ${a.username}`, changes) });
        return accountView(accountById(db, a.id)!);
      });
    },
    removeAccount(actor: Actor, ref: Ref, opts: { tenant?: string | null } = {}): { removed: string; disabledDevices: string[] } {
      return audited(actor, (audit) => {
        const a = resolveAccount(db, ref, opts.tenant);
        const devices = devicesOfAccount(db, a.id);
        const now = ts();
        for (const d of devices) {
          updateRow(db, 'devices', d.id, { account_id: null, enabled: 0, updated_at: now });
          audit({ action: 'update', objectType: 'device', objectId: d.mac, description: `device ${d.mac} disabled: its account ${a.username} was removed` });
        }
        deleteRow(db, 'accounts', a.id);
        audit({ action: 'delete', objectType: 'account', objectId: String(a.id), description: `account ${a.username} removed` });
        return { removed: a.username, disabledDevices: devices.map((d) => d.mac) };
      });
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;

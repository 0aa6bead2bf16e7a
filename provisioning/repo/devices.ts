// Store access for what a device file is built from beyond the catalogue: tenants, accounts,
// devices and custom placeholders.
import type { Db } from '../../agent/store/db.ts';
import type { AccountRow, DeviceRow, PlaceholderRow, TenantRow } from '../types.ts';
import { all, get } from './sql.ts';

export function listTenants(db: Db): TenantRow[] {
  return all<TenantRow>(db, 'SELECT * FROM tenants ORDER BY name, uuid');
}
export function tenantByUuid(db: Db, uuid: string): TenantRow | undefined {
  return get<TenantRow>(db, 'SELECT * FROM tenants WHERE uuid = ?', uuid);
}
export function tenantUsage(db: Db, uuid: string): { devices: number; accounts: number } {
  return {
    devices: get<{ n: number }>(db, 'SELECT count(*) AS n FROM devices WHERE tenant_uuid = ?', uuid)!.n,
    accounts: get<{ n: number }>(db, 'SELECT count(*) AS n FROM accounts WHERE tenant_uuid = ?', uuid)!.n,
  };
}

export function listAccounts(db: Db, tenant?: string | null): AccountRow[] {
  if (tenant === undefined) return all<AccountRow>(db, 'SELECT * FROM accounts ORDER BY tenant_uuid, username');
  return all<AccountRow>(db, 'SELECT * FROM accounts WHERE tenant_uuid IS ? ORDER BY username', tenant);
}
export function accountById(db: Db, id: number): AccountRow | undefined {
  return get<AccountRow>(db, 'SELECT * FROM accounts WHERE id = ?', id);
}
export function accountsByUsername(db: Db, username: string, tenant?: string | null): AccountRow[] {
  if (tenant === undefined) return all<AccountRow>(db, 'SELECT * FROM accounts WHERE username = ?', username);
  return all<AccountRow>(db, 'SELECT * FROM accounts WHERE username = ? AND tenant_uuid IS ?', username, tenant);
}

export function listDevices(db: Db, tenant?: string | null): DeviceRow[] {
  if (tenant === undefined) return all<DeviceRow>(db, 'SELECT * FROM devices ORDER BY mac');
  return all<DeviceRow>(db, 'SELECT * FROM devices WHERE tenant_uuid IS ? ORDER BY mac', tenant);
}
export function deviceByMac(db: Db, mac: string): DeviceRow | undefined {
  return get<DeviceRow>(db, 'SELECT * FROM devices WHERE mac = ?', mac);
}
export function deviceById(db: Db, id: number): DeviceRow | undefined {
  return get<DeviceRow>(db, 'SELECT * FROM devices WHERE id = ?', id);
}
export function devicesOfAccount(db: Db, accountId: number): DeviceRow[] {
  return all<DeviceRow>(db, 'SELECT * FROM devices WHERE account_id = ? ORDER BY mac', accountId);
}

export function globalPlaceholders(db: Db): PlaceholderRow[] {
  return all<PlaceholderRow>(db, 'SELECT * FROM placeholders WHERE device_id IS NULL ORDER BY name');
}
export function devicePlaceholders(db: Db, deviceId: number): PlaceholderRow[] {
  return all<PlaceholderRow>(db, 'SELECT * FROM placeholders WHERE device_id = ? ORDER BY name', deviceId);
}
export function placeholderById(db: Db, id: number): PlaceholderRow | undefined {
  return get<PlaceholderRow>(db, 'SELECT * FROM placeholders WHERE id = ?', id);
}
export function placeholderNamed(db: Db, name: string, deviceId: number | null): PlaceholderRow | undefined {
  return get<PlaceholderRow>(db, 'SELECT * FROM placeholders WHERE name = ? AND device_id IS ?', name, deviceId);
}
/** Every custom placeholder name defined anywhere (global or on some device). */
export function customPlaceholderNames(db: Db): string[] {
  return all<{ name: string }>(db, 'SELECT DISTINCT name FROM placeholders ORDER BY name').map((r) => r.name);
}

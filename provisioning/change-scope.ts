// Which phones' files a provisioning change touched, for resync-on-change. The change is read
// from the audit rows its transaction wrote (agent/audit.ts): every write of the provisioning
// service records the object type and id it changed, side effects included (removing an account
// disables its devices and says so), so the audit log is the one complete list of what changed
// and no control method has to be taught about resync.
//
//   device       that device (after a MAC change: the new MAC, which the row carries)
//   account      its devices
//   template     devices naming it, devices without their own template whose model defaults to
//                it, and devices of a model with a file rule rendering it
//   model        its devices            brand    devices of its models
//   rule         devices of its model   tenant   its devices (a rename can change a file)
//   placeholder  global: every device; per device: that device
//
// Only enabled devices with an account count: they are the ones with a file to fetch. A removed
// rule or placeholder is gone when its row is read, so the caller takes `priorRows` before the
// write and passes it in.
import type { AuditRecord } from '../agent/audit.ts';
import type { Db } from '../agent/store/db.ts';
import { all } from './repo/sql.ts';

/** Rule -> model and placeholder -> device, read before a write that may remove them. */
export interface PriorRows { ruleModel: Map<number, number>; placeholderDevice: Map<number, number | null> }

export function priorRows(db: Db): PriorRows {
  return {
    ruleModel: new Map(all<{ id: number; model_id: number }>(db, 'SELECT id, model_id FROM file_rules').map((r) => [r.id, r.model_id])),
    placeholderDevice: new Map(all<{ id: number; device_id: number | null }>(db, 'SELECT id, device_id FROM placeholders').map((r) => [r.id, r.device_id])),
  };
}

export type Change = Pick<AuditRecord, 'action' | 'objectType' | 'objectId'>;

/**
 * Rows of the provisioning service's edits. Other rows name devices too without changing their
 * files (a resync or reboot sent, an RPS registration done by its worker).
 */
const isEdit = (c: Change): boolean => c.action === 'create' || c.action === 'update' || c.action === 'delete';

/** The newest audit row id: what a write adds comes after it. */
export function auditMark(db: Db): number {
  return all<{ n: number }>(db, 'SELECT coalesce(max(id), 0) AS n FROM audit_log')[0]!.n;
}

/**
 * What a write changed: its audit rows after `mark`, plus the device its result names (a device
 * view's `mac`): a MAC change is audited under the old MAC, the file is now under the new one.
 */
export function changesSince(db: Db, mark: number, result?: unknown): Change[] {
  const rows = all<Change>(db, 'SELECT action, object_type AS objectType, object_id AS objectId FROM audit_log WHERE id > ? ORDER BY id', mark);
  const mac = result && typeof result === 'object' ? (result as { mac?: unknown }).mac : undefined;
  if (typeof mac === 'string' && rows.some((r) => r.objectType === 'device' && isEdit(r))) rows.push({ action: 'update', objectType: 'device', objectId: mac });
  return rows;
}

const ELIGIBLE = 'd.enabled = 1 AND d.account_id IS NOT NULL';
/** One fixed statement per kind of change (the repo statement cache keeps them prepared). */
const BY = {
  device: 'd.mac = ?',
  tenant: 'd.tenant_uuid = ?',
  account: 'd.account_id = ?',
  model: 'd.model_id = ?',
  brand: 'd.model_id IN (SELECT id FROM models WHERE brand_id = ?)',
  template: `(d.template_id = ? OR (d.template_id IS NULL AND d.model_id IN (SELECT id FROM models WHERE default_template_id = ?))
    OR d.model_id IN (SELECT model_id FROM file_rules WHERE template_id = ?))`,
  rule: 'd.model_id IN (SELECT model_id FROM file_rules WHERE id = ?)',
  deviceId: 'd.id = ?',
  all: '1',
} as const;

const macs = (db: Db, by: keyof typeof BY, ...args: unknown[]): string[] =>
  all<{ mac: string }>(db, `SELECT d.mac FROM devices d WHERE ${ELIGIBLE} AND ${BY[by]}`, ...args).map((r) => r.mac);

/** The MACs (sorted, distinct) of the eligible devices whose files the changes may have changed. */
export function affectedDevices(db: Db, changes: readonly Change[], prior?: PriorRows): string[] {
  const out = new Set<string>();
  const add = (by: keyof typeof BY, ...args: unknown[]): void => { for (const m of macs(db, by, ...args)) out.add(m); };
  const id = (s: string): number | undefined => (/^\d+$/.test(s) ? Number(s) : undefined);
  for (const c of changes) {
    if (!isEdit(c)) continue;
    const n = id(c.objectId);
    switch (c.objectType) {
      case 'device': add('device', c.objectId); break;
      case 'tenant': add('tenant', c.objectId); break;
      case 'account': case 'model': case 'brand':
        if (n !== undefined) add(c.objectType, n);
        break;
      case 'template': if (n !== undefined) add('template', n, n, n); break;
      case 'rule': {
        const model = n === undefined ? undefined : prior?.ruleModel.get(n);
        if (model !== undefined) add('model', model);
        else if (n !== undefined) add('rule', n);
        break;
      }
      case 'placeholder': {
        if (n === undefined) break;
        const device = prior?.placeholderDevice.has(n)
          ? prior.placeholderDevice.get(n)
          : all<{ device_id: number | null }>(db, 'SELECT device_id FROM placeholders WHERE id = ?', n)[0]?.device_id;
        if (device === null) return macs(db, 'all').sort();
        if (device !== undefined) add('deviceId', device);
        break;
      }
      default: break; // phonebooks, fetch credentials, rps, settings: no device file changes
    }
  }
  return [...out].sort();
}

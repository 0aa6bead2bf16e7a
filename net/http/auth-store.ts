// Store access for fetch security (migration 008): per-tenant credentials (HA1 values, never
// the password) and per-device tokens (a SHA-256 of the token, never the token). Every change
// is audited in the same transaction; audit text never carries a password or a token.
import { createHash, randomBytes } from 'node:crypto';
import { withAudit, type Actor } from '../../agent/audit.ts';
import { InvalidArgumentError, NotFoundError } from '../../agent/errors.ts';
import type { Db } from '../../agent/store/db.ts';
import { requireDeviceMac } from '../../provisioning/mac.ts';
import { deviceById, deviceByMac } from '../../provisioning/repo/devices.ts';
import { get } from '../../provisioning/repo/sql.ts';
import type { DeviceRow } from '../../provisioning/types.ts';
import { ha1 } from './auth-digest.ts';

export interface CredentialRow {
  id: number;
  tenant_uuid: string | null;
  username: string;
  realm: string;
  ha1_md5: string;
  ha1_sha256: string;
  created_at: string;
  updated_at: string;
}

export interface CredentialView { tenant: string | null; username: string; realm: string; createdAt: string; updatedAt: string }

export interface TokenView { mac: string; tenant: string | null; createdAt: string }

const view = (r: CredentialRow): CredentialView => ({
  tenant: r.tenant_uuid, username: r.username, realm: r.realm, createdAt: r.created_at, updatedAt: r.updated_at,
});

// Statements asked on every fetch go through the repos' statement cache (repo/sql.ts): prepared
// once per store, since preparing costs more than running them.

/** The tenant's first credential (by user name), or undefined: asked on every fetch. */
export function firstCredential(db: Db, tenant: string | null): CredentialRow | undefined {
  // No ORDER BY: it made SQLite sort per call (10x the cost); the lookup index gives user-name order anyway.
  return get<CredentialRow>(db, 'SELECT * FROM fetch_credentials INDEXED BY fetch_credentials_lookup WHERE tenant_uuid IS ? LIMIT 1', tenant);
}

export function credentialFor(db: Db, tenant: string | null, username: string): CredentialRow | undefined {
  return get<CredentialRow>(db, 'SELECT * FROM fetch_credentials WHERE tenant_uuid IS ? AND username = ?', tenant, username);
}

export function listCredentials(db: Db): CredentialView[] {
  return (db.prepare('SELECT * FROM fetch_credentials ORDER BY tenant_uuid, username').all() as CredentialRow[]).map(view);
}

export interface SetCredentialInput { tenant: string | null; username: string; password: string; realm: string }

/** Creates or replaces a credential. The password is hashed here and goes nowhere else. */
export function setCredential(db: Db, actor: Actor, input: SetCredentialInput, now: () => Date): CredentialView {
  const { tenant, username, password, realm } = input;
  if (!/^[\x21-\x7e]{1,64}$/.test(username) || username.includes(':') || username.includes('"')) {
    throw new InvalidArgumentError('username', 'must be 1-64 printable ASCII characters without spaces, quotes or colons (phones put it in a Digest header)');
  }
  if (password.length < 8 || password.length > 128 || /[\x00-\x1f\x7f]/.test(password)) {
    throw new InvalidArgumentError('password', 'must be 8 to 128 characters, no control characters (it protects SIP passwords)');
  }
  if (realm === '' || realm.length > 64 || /["\\\x00-\x1f\x7f]/.test(realm)) {
    throw new InvalidArgumentError('realm', 'must be 1-64 characters without quotes, backslashes or control characters');
  }
  const ts = now().toISOString();
  return withAudit(db, actor, (audit) => {
    const before = credentialFor(db, tenant, username);
    const md5 = ha1('MD5', username, realm, password);
    const sha = ha1('SHA-256', username, realm, password);
    if (before) {
      db.prepare('UPDATE fetch_credentials SET realm = ?, ha1_md5 = ?, ha1_sha256 = ?, updated_at = ? WHERE id = ?').run(realm, md5, sha, ts, before.id);
    } else {
      db.prepare(`INSERT INTO fetch_credentials (tenant_uuid, username, realm, ha1_md5, ha1_sha256, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`).run(tenant, username, realm, md5, sha, ts, ts);
    }
    audit({
      action: before ? 'update' : 'create', objectType: 'fetch-credential', objectId: `${tenant ?? 'default'}/${username}`,
      description: `fetch credential '${username}' ${before ? 'password changed' : 'created'} for ${tenant ? `tenant ${tenant}` : 'the default organisation'} (realm '${realm}')`,
    });
    return view(credentialFor(db, tenant, username)!);
  }, now);
}

export function removeCredential(db: Db, actor: Actor, tenant: string | null, username: string, now: () => Date): { removed: string } {
  return withAudit(db, actor, (audit) => {
    const row = credentialFor(db, tenant, username);
    if (!row) throw new NotFoundError('fetch credential', `${tenant ? tenant + '/' : ''}${username}`);
    db.prepare('DELETE FROM fetch_credentials WHERE id = ?').run(row.id);
    audit({ action: 'delete', objectType: 'fetch-credential', objectId: `${tenant ?? 'default'}/${username}`, description: `fetch credential '${username}' removed` });
    return { removed: username };
  }, now);
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Tokens are 32 base64url characters (192 random bits). */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32}$/;

export function deviceByToken(db: Db, token: string): DeviceRow | undefined {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const r = get<{ device_id: number }>(db, 'SELECT device_id FROM device_tokens WHERE token_hash = ?', tokenHash(token));
  return r ? deviceById(db, r.device_id) : undefined;
}

/** Issues (or replaces) the token of a device; the token is returned once and never stored. */
export function issueToken(db: Db, actor: Actor, macInput: string, now: () => Date, random: (n: number) => Buffer = randomBytes): { mac: string; token: string; replaced: boolean } {
  const mac = requireDeviceMac(macInput);
  const token = random(24).toString('base64url');
  return withAudit(db, actor, (audit) => {
    const device = deviceByMac(db, mac);
    if (!device) throw new NotFoundError('device', mac);
    const replaced = db.prepare('DELETE FROM device_tokens WHERE device_id = ?').run(device.id).changes > 0;
    db.prepare('INSERT INTO device_tokens (device_id, token_hash, created_at) VALUES (?, ?, ?)').run(device.id, tokenHash(token), now().toISOString());
    audit({ action: replaced ? 'update' : 'create', objectType: 'device-token', objectId: mac, description: `fetch token of device ${mac} ${replaced ? 'replaced' : 'issued'}` });
    return { mac, token, replaced };
  }, now);
}

export function revokeToken(db: Db, actor: Actor, macInput: string, now: () => Date): { removed: string } {
  const mac = requireDeviceMac(macInput);
  return withAudit(db, actor, (audit) => {
    const device = deviceByMac(db, mac);
    if (!device) throw new NotFoundError('device', mac);
    if (db.prepare('DELETE FROM device_tokens WHERE device_id = ?').run(device.id).changes === 0) throw new NotFoundError('fetch token of device', mac);
    audit({ action: 'delete', objectType: 'device-token', objectId: mac, description: `fetch token of device ${mac} revoked` });
    return { removed: mac };
  }, now);
}

export function listTokens(db: Db): TokenView[] {
  return (db.prepare(`SELECT d.mac, d.tenant_uuid, t.created_at FROM device_tokens t JOIN devices d ON d.id = t.device_id ORDER BY d.mac`)
    .all() as Array<{ mac: string; tenant_uuid: string | null; created_at: string }>)
    .map((r) => ({ mac: r.mac, tenant: r.tenant_uuid, createdAt: r.created_at }));
}

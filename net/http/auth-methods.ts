// Control methods of fetch security (pbxctl fetch ...): the fetch log, credentials per tenant,
// device tokens. Params are untrusted JSON; unknown params are refused (a typo must not silently
// do nothing). Passwords and tokens never appear in results except the one place a token is
// issued, and never in the audit log.
import { optionalBool, optionalInt, optionalString, requireString, allowParams as allow } from '../../agent/control/params.ts';
import type { MethodTable } from '../../agent/control/registry.ts';
import { InvalidArgumentError } from '../../agent/errors.ts';
import type { Db } from '../../agent/store/db.ts';
import { FETCH_OUTCOMES, type FetchLog, type FetchOutcome } from '../../provisioning/fetch-log.ts';
import { parseMac } from '../../provisioning/mac.ts';
import { resolveTenant } from '../../provisioning/service/common.ts';
import type { FetchAuthConfig } from './auth-config.ts';
import type { FetchGuard } from './auth-gate.ts';
import { issueToken, listCredentials, listTokens, removeCredential, revokeToken, setCredential } from './auth-store.ts';

type P = Record<string, unknown>;

export interface FetchMethodsOptions {
  db: Db;
  config: FetchAuthConfig;
  multiTenant: boolean;
  fetchLog: FetchLog;
  /** Absent when HTTP is disabled (the log still shows TFTP fetches). */
  guard: FetchGuard | undefined;
  /** Base URL phones fetch from (ending in '/'), for the token URL. */
  httpBase: () => string;
  now?: () => Date;
}

export function fetchMethods(o: FetchMethodsOptions): MethodTable {
  const { db } = o;
  const now = o.now ?? (() => new Date());
  const ctx = { db, now, multiTenant: o.multiTenant, lastSeen: () => undefined };
  const tenantOf = (p: P): string | null => resolveTenant(ctx, optionalString(p, 'tenant'));

  return {
    'fetch.log': (p) => {
      allow(p, ['limit', 'ip', 'mac', 'outcome', 'failures']);
      const outcome = optionalString(p, 'outcome');
      if (outcome !== undefined && !(FETCH_OUTCOMES as readonly string[]).includes(outcome)) {
        throw new InvalidArgumentError('outcome', `must be one of ${FETCH_OUTCOMES.join(', ')}`);
      }
      const macIn = optionalString(p, 'mac');
      const mac = macIn === undefined ? undefined : parseMac(macIn);
      if (macIn !== undefined && !mac) throw new InvalidArgumentError('mac', `'${macIn.slice(0, 40)}' is not a MAC address`);
      const ip = optionalString(p, 'ip');
      return o.fetchLog.recent({
        limit: optionalInt(p, 'limit', 1, 100_000) ?? 50,
        ...(ip ? { ip } : {}), ...(mac ? { mac } : {}), ...(outcome ? { outcome: outcome as FetchOutcome } : {}),
        failuresOnly: optionalBool(p, 'failures') ?? false,
      });
    },
    'fetch.status': (p) => {
      allow(p, []);
      const creds = listCredentials(db);
      const live = o.guard ? o.guard.status() : { fetches: o.fetchLog.counts(), blockedSources: [], trackedNonces: 0 };
      return {
        mode: o.config.mode,
        realm: o.config.realm,
        algorithms: o.config.algorithms,
        publicFiles: o.config.publicFiles,
        credentials: creds.length,
        tenantsWithCredentials: [...new Set(creds.map((c) => c.tenant ?? 'default'))],
        tokens: listTokens(db).length,
        fetches: live.fetches, blockedSources: live.blockedSources, trackedNonces: live.trackedNonces,
      };
    },
    'fetch.credential.set': (p, { actor }) => {
      allow(p, ['tenant', 'username', 'password', 'realm']);
      return setCredential(db, actor, {
        tenant: tenantOf(p), username: requireString(p, 'username'), password: requireString(p, 'password'),
        realm: optionalString(p, 'realm') ?? o.config.realm,
      }, now);
    },
    'fetch.credential.list': (p) => { allow(p, []); return listCredentials(db); },
    'fetch.credential.remove': (p, { actor }) => {
      allow(p, ['tenant', 'username']);
      return removeCredential(db, actor, tenantOf(p), requireString(p, 'username'), now);
    },
    'fetch.token.issue': (p, { actor }) => {
      allow(p, ['mac']);
      const r = issueToken(db, actor, requireString(p, 'mac'), now);
      return { ...r, url: `${o.httpBase()}t/${r.token}/` };
    },
    'fetch.token.revoke': (p, { actor }) => { allow(p, ['mac']); return revokeToken(db, actor, requireString(p, 'mac'), now); },
    'fetch.token.list': (p) => { allow(p, []); return listTokens(db); },
  };
}

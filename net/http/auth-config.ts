// The `http.auth` config section: who must authenticate to fetch provisioning files, and how.
// Merged into agent/config/schema.ts under `http`; FetchAuthConfig mirrors it field for field.
import { f, section, sectionDefaults } from '../../agent/config/field.ts';

export const FETCH_AUTH_MODES = ['auto', 'required', 'off'] as const;
export type FetchAuthMode = (typeof FETCH_AUTH_MODES)[number];

export const DIGEST_ALGORITHMS = ['MD5', 'SHA-256'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

export const fetchAuthSection = section('Authentication of provisioning fetches (HTTP Digest, Basic over HTTPS, device token paths)', {
  mode: f('enum', 'auto', 'auto: a tenant (organisation) must authenticate once it has fetch credentials (pbxctl fetch credential set), and is open until then; required: every fetch must authenticate or use a token path; off: nobody is asked (credentials are ignored).', { values: [...FETCH_AUTH_MODES] }),
  realm: f('string', 'pbx-agent', 'Digest/Basic realm given to new credentials (a credential keeps the realm it was created with).'),
  algorithms: f('string[]', ['MD5', 'SHA-256'], 'Digest algorithms offered, in the order of the WWW-Authenticate headers (MD5 first: most phones only do MD5 and some read only the first challenge).'),
  nonceTtlMs: f('duration-ms', 300_000, 'How long a Digest nonce is valid; a phone that answers an expired one is re-challenged with stale=true.', { min: 1_000, max: 86_400_000 }),
  publicFiles: f('string[]', [], 'Files served without authentication even when it applies (e.g. ["ca/*.crt"]); * matches within one path segment, ** across segments. Files carrying secrets are never public.'),
  failLimit: f('int', 10, 'Failed fetches (wrong credentials, bad token, unknown MAC, UA mismatch) one source IP may make per failWindowMs before it is refused with 429.', { min: 1, max: 1_000_000 }),
  failWindowMs: f('duration-ms', 60_000, 'Window over which failLimit counts, and how long a source stays refused once over it.', { min: 1_000, max: 86_400_000 }),
  logSize: f('int', 1000, 'Recent fetches kept in memory for pbxctl fetch log.', { min: 10, max: 1_000_000 }),
});

export interface FetchAuthConfig {
  mode: FetchAuthMode;
  realm: string;
  algorithms: string[];
  nonceTtlMs: number;
  publicFiles: string[];
  failLimit: number;
  failWindowMs: number;
  logSize: number;
}

/** Defaults, for tests and for callers that build a config without the loader. */
export function defaultFetchAuthConfig(over: Partial<FetchAuthConfig> = {}): FetchAuthConfig {
  return { ...sectionDefaults<FetchAuthConfig>(fetchAuthSection), ...over };
}

// The `rps` config section (redirection services). Merged into agent/config/schema.ts; RpsConfig
// mirrors it field for field. Accounts and links live in the store (pbxctl rps ...); the config
// holds the worker's pace, the vendors' endpoints and the local Falconieri-compatible API.
import { f, section, sectionDefaults } from '../../agent/config/field.ts';

export const rpsSection = section('Redirection services (RPS): registering phones\' MACs with the vendors\' redirection servers', {
  enabled: f('bool', true, 'Run the registration worker: devices linked to a redirection server (pbxctl rps link) are registered in the background. It contacts a vendor only for linked devices.'),
  concurrency: f('int', 4, 'Registrations in flight at once.', { min: 1, max: 64 }),
  requestTimeoutMs: f('duration-ms', 15_000, 'Timeout of each request to a vendor service (connect to last byte).', { min: 1000, max: 300_000 }),
  maxAttempts: f('int', 8, 'Attempts before a transient failure (connection, timeout, HTTP 5xx/429) is recorded as final; pbxctl rps retry starts again. Vendor refusals (owned by another user, bad URL) are final at once.', { min: 1, max: 100 }),
  backoffBaseMs: f('duration-ms', 30_000, 'Delay before the first retry; doubled after each failure, with jitter (a random 50-100% of it).', { min: 10, max: 86_400_000 }),
  backoffMaxMs: f('duration-ms', 3_600_000, 'Longest delay between retries.', { min: 10, max: 86_400_000 }),
  scanIntervalMs: f('duration-ms', 60_000, 'How often links are compared with their devices and servers (a changed MAC, tenant or provisioning URL triggers a new registration). Linking, editing a server and pbxctl rps retry wake the worker at once.', { min: 1000, max: 86_400_000 }),
  snomUrl: f('string', 'https://secure-provisioning.snom.com:8083/xmlrpc/', 'Snom redirection XML-RPC endpoint (a server\'s --base-url overrides it).'),
  yealinkUrl: f('string', 'https://api-dm.yealink.com:8443/xmlrpc', 'Yealink legacy RPS XML-RPC endpoint.'),
  ymcsUrl: f('string', 'https://eu-api.ymcs.yealink.com', 'Yealink YMCS API base (https://us-api.ymcs.yealink.com in the US).'),
  gigasetUrl: f('string', 'https://prov.gigaset.net/apxml/rpc.do', 'Gigaset redirect server XML-RPC endpoint.'),
  fanvilUrl: f('string', 'http://fdps.fanvil.com/xmlrpc.php', 'Fanvil FDPS XML-RPC endpoint.'),
  api: section('Falconieri-compatible REST call PUT /providers/{provider}/{mac} (a separate listener, loopback by default)', {
    enabled: f('bool', false, 'Serve PUT /providers/{provider}/{mac} with {"url": ...} (Falconieri\'s API) so existing Falconieri callers can use this node. Off by default: it is another listening port.'),
    address: f('ipv4', '127.0.0.1', 'Address to bind. Keep loopback unless a remote caller needs it (the bearer token is then its only guard: put TLS in front).'),
    port: f('port', 8089, 'TCP port.'),
    tokenFile: f('string', '', 'File holding the bearer token callers send (Authorization: Bearer <token>). Empty: <state.dir>/rps-api.token, created with a random token (mode 0600) at first start. There is no unauthenticated mode.', { emptyOk: true }),
  }),
});

export interface RpsConfig {
  enabled: boolean;
  concurrency: number;
  requestTimeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  scanIntervalMs: number;
  snomUrl: string;
  yealinkUrl: string;
  ymcsUrl: string;
  gigasetUrl: string;
  fanvilUrl: string;
  api: { enabled: boolean; address: string; port: number; tokenFile: string };
}

/** Defaults, for tests and tools that build a config without the loader. */
export function defaultRpsConfig(over: Partial<RpsConfig> = {}): RpsConfig {
  return { ...sectionDefaults<RpsConfig>(rpsSection), ...over };
}

// What every redirection-service client offers. `mac` is canonical (12 lowercase hex digits);
// each client spells it the way its vendor wants. `register` is idempotent at the vendor: an
// existing registration of ours is overwritten with the new URL (delete-then-add where the
// vendor has no override), so "already registered with this URL" is a success.

export type ProviderId = 'snom' | 'yealink' | 'ymcs' | 'gigaset' | 'fanvil';

export interface RegisterInput {
  mac: string;
  url: string;
  /** Gigaset: the 4-character suffix of the MAC-ID printed on the label. */
  crc?: string;
}

export interface RegisterResult {
  /** YMCS: the device PIN the phone asks for at first boot (null when YMCS returns none). */
  pin?: string | null;
}

export type CheckResult = 'registered' | 'unregistered' | 'elsewhere';

export interface RpsClient {
  readonly provider: ProviderId;
  register(d: RegisterInput, signal?: AbortSignal): Promise<RegisterResult>;
  deregister(d: { mac: string; crc?: string }, signal?: AbortSignal): Promise<void>;
  /** Only where the vendor has such a call (Snom, Yealink legacy, Gigaset). */
  check?(d: { mac: string; crc?: string }, signal?: AbortSignal): Promise<CheckResult>;
}

export interface ClientOptions {
  /** The vendor endpoint (XML-RPC URL, or the YMCS API base). */
  baseUrl: string;
  /** XML-RPC user, or the YMCS OAuth client id. */
  username: string;
  /** XML-RPC password, or the YMCS OAuth client secret. Never logged. */
  password: string;
  /** Yealink legacy: the server name shown in the RPS portal; Gigaset: the provider (profile) name. */
  serverName: string;
  timeoutMs: number;
  /** Injected for tests (YMCS token expiry, nonces). */
  now?: () => number;
  randomBytes?: (n: number) => Buffer;
}

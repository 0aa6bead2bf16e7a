// RPS errors use Falconieri's codes (nethesis/falconieri README and utils.ParseProviderError), so
// an admin or a script sees the same vocabulary from `pbxctl rps status`, the store and the
// Falconieri-compatible REST call. `retryable` decides what the worker does next: transient
// failures (network, timeouts, 5xx, 429) are retried with backoff; a vendor's verdict
// (owned by another user, malformed URL...) is final until the admin changes something.

export type RpsErrorCode =
  // 400: the request itself is wrong (Falconieri checks these before calling the vendor)
  | 'missing_mac_address' | 'malformed_mac_address' | 'missing_url' | 'unable_to_parse_url' | 'unsupported_url_scheme'
  | 'missing_mac-id_crc' | 'invalid_mac-id_crc_format'
  // 404
  | 'provider_not_supported'
  // 500: the vendor call failed or refused
  | 'connection_to_remote_provider_failed' | 'provider_remote_call_failed' | 'read_remote_response_failed'
  | 'unknown_response_from_provider' | 'malformed_url' | 'not_valid_mac_address' | 'device_owned_by_other_user'
  | 'unknown_provider_error';

const HTTP_STATUS: Record<RpsErrorCode, number> = {
  'missing_mac_address': 400, 'malformed_mac_address': 400, 'missing_url': 400, 'unable_to_parse_url': 400,
  'unsupported_url_scheme': 400, 'missing_mac-id_crc': 400, 'invalid_mac-id_crc_format': 400,
  'provider_not_supported': 404,
  'connection_to_remote_provider_failed': 500, 'provider_remote_call_failed': 500, 'read_remote_response_failed': 500,
  'unknown_response_from_provider': 500, 'malformed_url': 500, 'not_valid_mac_address': 500,
  'device_owned_by_other_user': 500, 'unknown_provider_error': 500,
};

export class RpsError extends Error {
  readonly code: RpsErrorCode;
  /** Worth another attempt later (network trouble, 5xx, 429, timeouts). */
  readonly retryable: boolean;
  /** HTTP status the Falconieri-compatible API answers with. */
  readonly status: number;
  constructor(code: RpsErrorCode, message: string, opts: { retryable?: boolean } = {}) {
    super(message);
    this.name = 'RpsError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.status = HTTP_STATUS[code];
  }
}

/** Any failure as an RpsError: unexpected exceptions become unknown_provider_error, not crashes. */
export function asRpsError(e: unknown): RpsError {
  if (e instanceof RpsError) return e;
  return new RpsError('unknown_provider_error', (e as Error)?.message ?? String(e));
}

/**
 * Maps the text a vendor returns with a `false` status (XML-RPC) or in `errorInfo` (YMCS) to a
 * Falconieri code. Sources: Falconieri utils.ParseProviderError, peoplefone/provisioning-rpc,
 * the YMCS error table (libs/ymcs/errors.go).
 */
export function mapProviderMessage(message: string): RpsError {
  const m = message.trim();
  const shown = m.length > 200 ? m.slice(0, 200) + '…' : m;
  if (
    m === 'Error:malformed_url' || m === 'Error: url_format_error' || m.startsWith('url_invalid:')
    || m.startsWith("Error:The url can only begin with") || /^error:invalid server/i.test(m)
  ) return new RpsError('malformed_url', `the provider refused the URL: ${shown}`);
  if (
    m === 'Error:malformed_mac' || m === 'Error: mac_format_error' || m.startsWith('mac_not_exist:') || m.startsWith('mac_invalid:')
    || /^error:invalid mac/i.test(m) || /\b800001\b/.test(m) || /^invalid mac/i.test(m)
  ) return new RpsError('not_valid_mac_address', `the provider refused the MAC: ${shown}`);
  if (
    m === 'Error:owned_by_other_user' || m === 'Error: device_had_existed' || m.startsWith('mac_already_in_use:')
    || /^Error:[a-z0-9]{10}/.test(m) || /registered elsewhere/i.test(m)
    || /\b800004\b/.test(m) || /managed by another organi[sz]ation/i.test(m)
  ) return new RpsError('device_owned_by_other_user', `the MAC is registered to another account at the provider: ${shown}`);
  return new RpsError('unknown_provider_error', shown || '(empty message)');
}

/** A non-2xx HTTP status from a vendor: 5xx, 408 and 429 are worth retrying; 401/403 need the admin. */
export function httpStatusError(status: number, what: string, detail = ''): RpsError {
  const retryable = status >= 500 || status === 408 || status === 429;
  const hint = status === 401 ? ' (wrong credentials? check the server\'s username and password)' : status === 403 ? ' (the account may lack this API; YMCS addDevicesByMac must be enabled by Yealink)' : '';
  return new RpsError('provider_remote_call_failed', `${what} answered HTTP ${status}${hint}${detail ? `: ${detail}` : ''}`, { retryable });
}

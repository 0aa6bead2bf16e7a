// The vendors' error texts (Falconieri utils.ParseProviderError, peoplefone/provisioning-rpc,
// the YMCS error table) map to Falconieri's codes; anything else is unknown_provider_error with
// the vendor's text as the message. Retry policy per HTTP status.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpStatusError, mapProviderMessage } from './errors.ts';
import { checkCrc, checkMac, checkRedirectUrl } from './validate.ts';

test('vendor texts map to Falconieri codes', () => {
  const table: [string, string][] = [
    ['Error:malformed_url', 'malformed_url'],                                   // snom
    ['Error: url_format_error', 'malformed_url'],                               // fanvil
    ['url_invalid:https://x', 'malformed_url'],                                 // gigaset
    ["Error:The url can only begin with 'http://' or 'https://' or 'ftp://' or 'tftp://'", 'malformed_url'], // yealink
    ['Error:malformed_mac', 'not_valid_mac_address'],                           // snom
    ['Error: mac_format_error', 'not_valid_mac_address'],                       // fanvil
    ['mac_not_exist:0004132A0B0C-1A2B', 'not_valid_mac_address'],              // gigaset
    ['error:invalid mac(s):zz', 'not_valid_mac_address'],                       // yealink
    ['Invalid MAC', 'not_valid_mac_address'],                                   // ymcs errorInfo
    ['Error:owned_by_other_user', 'device_owned_by_other_user'],                // snom
    ['Error: device_had_existed', 'device_owned_by_other_user'],                // fanvil
    ['mac_already_in_use:0004132A0B0C-1A2B', 'device_owned_by_other_user'],     // gigaset
    ['Error:k3j9x0q2m7', 'device_owned_by_other_user'],                         // yealink
    ['Device already managed by another organization', 'device_owned_by_other_user'], // ymcs
    ['800004 Device already managed by another organization', 'device_owned_by_other_user'],
    ['Resource already exists', 'unknown_provider_error'],
    ['', 'unknown_provider_error'],
  ];
  for (const [text, code] of table) assert.equal(mapProviderMessage(text).code, code, text);
  assert.equal(mapProviderMessage('something odd').message, 'something odd');
  for (const [text] of table) assert.equal(mapProviderMessage(text).retryable, false, text);
});

test('HTTP statuses: 5xx, 408 and 429 are retried; 401 and 403 need the admin', () => {
  for (const s of [500, 502, 503, 504, 408, 429]) assert.equal(httpStatusError(s, 'x').retryable, true, String(s));
  for (const s of [400, 401, 403, 404]) assert.equal(httpStatusError(s, 'x').retryable, false, String(s));
  assert.match(httpStatusError(401, 'x').message, /credentials/);
});

test('input checks answer with Falconieri\'s 400 codes', () => {
  const code = (fn: () => unknown): string => { try { fn(); return 'none'; } catch (e) { return (e as { code: string }).code; } };
  assert.equal(code(() => checkRedirectUrl(undefined)), 'missing_url');
  assert.equal(code(() => checkRedirectUrl('gopher://x/')), 'unsupported_url_scheme');
  assert.equal(code(() => checkRedirectUrl('http://')), 'unable_to_parse_url');
  assert.equal(code(() => checkRedirectUrl('https://a b/')), 'unable_to_parse_url');
  assert.equal(checkRedirectUrl(' tftp://10.0.0.1/ '), 'tftp://10.0.0.1/');
  assert.equal(code(() => checkMac('')), 'missing_mac_address');
  assert.equal(code(() => checkMac('AC-DE-48-23-45')), 'malformed_mac_address');
  assert.equal(code(() => checkMac('FF-FF-FF-FF-FF-FF')), 'malformed_mac_address');
  assert.equal(checkMac('AC-DE-48-23-45-67'), 'acde48234567');
  assert.equal(code(() => checkCrc('')), 'missing_mac-id_crc');
  assert.equal(code(() => checkCrc('12345')), 'invalid_mac-id_crc_format');
  assert.equal(checkCrc('3f9k'), '3F9K');
});

// YMCS answers (provisioning/rps/clients/ymcs-replies.ts): vendor JSON is untrusted. Property:
// each reader returns its typed value or throws an RpsError with a Falconieri code, nothing else.
import assert from 'node:assert/strict';
import { readAddResult, readApiError, readPin, readToken } from '../../../provisioning/rps/clients/ymcs-replies.ts';
import { RpsError } from '../../../provisioning/rps/errors.ts';
import type { FuzzTarget } from '../target.ts';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

const seeds = [
  '{"access_token":"abc","token_type":"bearer","expires_in":7200}',
  '{"total":1,"successCount":1,"failureCount":0,"errors":[]}',
  '{"total":1,"successCount":0,"failureCount":1,"errors":[{"mac":"805ec0aabbcc","sn":"","errorInfo":"Device already managed by another organization"}]}',
  '[{"mac":"805ec0aabbcc","pin":"123456"},{"mac":"80-5E-C0-AA-BB-CD","pin":654321}]',
  '{"code":"900401","error":"invalid_token","requestId":"r1","message":"Not logged in or session expired","details":[]}',
  '{"code":800004,"message":null}',
].map(b);

const dictionary = ['{', '}', '[', ']', ':', ',', '"', 'null', 'true', 'false', '-1', '1e309', '0', '"__proto__"', '"constructor"',
  '"access_token"', '"expires_in"', '"successCount"', '"failureCount"', '"errors"', '"errorInfo"', '"mac"', '"pin"', '"code"', '"message"',
  '"800004"', '"800001"', '\\u0000', '\\ud800'].map(b);

const rpsOnly = (fn: () => unknown): void => {
  try { fn(); } catch (e) { assert.ok(e instanceof RpsError, `threw ${String(e)}`); assert.equal(typeof e.code, 'string'); }
};

export const target: FuzzTarget = {
  name: 'rps-ymcs',
  seeds,
  dictionary,
  maxLength: 2048,
  run(input: Buffer): boolean {
    const e = readApiError(input);
    assert.ok(typeof e.code === 'string' && e.code.length <= 20 && typeof e.message === 'string' && e.message.length <= 200);
    let j: unknown;
    try { j = JSON.parse(input.toString('utf8')); } catch { return false; }
    rpsOnly(() => readToken(j));
    rpsOnly(() => readAddResult(j));
    rpsOnly(() => {
      const pin = readPin(j, '805ec0aabbcc');
      assert.ok(pin === null || (typeof pin === 'string' && pin.length > 0 && pin.length <= 64));
    });
    return true;
  },
};

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../agent/errors.ts';
import { formatMac, parseMac, readMacAs, requireDeviceMac } from './mac.ts';
import { MAC_FORMATS } from './types.ts';

test('parseMac accepts every documented spelling, in any case', () => {
  const accepted: [string, string][] = [
    ['AABBCCDDEEFF', 'aabbccddeeff'],
    ['aabbccddeeff', 'aabbccddeeff'],
    ['AaBbCcDdEeFf', 'aabbccddeeff'],
    ['AA:BB:CC:DD:EE:FF', 'aabbccddeeff'],
    ['aa:bb:cc:dd:ee:ff', 'aabbccddeeff'],
    ['AA-BB-CC-DD-EE-FF', 'aabbccddeeff'],
    ['00-15-65-1a-2B-3c', '0015651a2b3c'],
    ['0015.651a.2b3c', '0015651a2b3c'],
    ['  001565ABCDEF  ', '001565abcdef'],
  ];
  for (const [input, want] of accepted) assert.equal(parseMac(input), want, input);
});

test('parseMac rejects wrong lengths, mixed separators and non-hex', () => {
  const rejected = [
    '', 'AABBCCDDEEF', 'AABBCCDDEEFFA', 'AA:BB:CC:DD:EE', 'AA:BB:CC:DD:EE:FF:00', 'AA:BB-CC:DD:EE:FF',
    'AA:BB:CC:DD:EE:F', 'AABB:CCDD:EEFF', 'GGBBCCDDEEFF', 'AA BB CC DD EE FF', 'AA::BB:CC:DD:EE', '0x001565abcdef',
    'aabb.ccdd.eeff.00', 'aabbccddeeff\n00',
  ];
  for (const input of rejected) assert.equal(parseMac(input), undefined, JSON.stringify(input));
});

test('requireDeviceMac names the field and refuses group and all-zero MACs', () => {
  assert.equal(requireDeviceMac('00:15:65:AA:BB:CC'), '001565aabbcc');
  const bad = (v: unknown, re: RegExp) => assert.throws(() => requireDeviceMac(v, 'mac'),
    (e: unknown) => e instanceof InvalidArgumentError && /^mac: /.test(e.message) && re.test(e.message));
  bad('nope', /not a MAC/);
  bad(undefined, /required/);
  bad(42, /required/);
  bad('000000000000', /all-zero/);
  bad('ffffffffffff', /group/);
  bad('01:00:5e:00:00:01', /group/);
  assert.throws(() => requireDeviceMac('x', 'newMac'), /newMac: /);
});

test('formatMac spells each format; readMacAs reads it back ignoring case', () => {
  const mac = '0015651a2b3c';
  const want: Record<string, string> = {
    'lower': '0015651a2b3c', 'upper': '0015651A2B3C', 'lower-colon': '00:15:65:1a:2b:3c', 'upper-colon': '00:15:65:1A:2B:3C',
    'lower-hyphen': '00-15-65-1a-2b-3c', 'upper-hyphen': '00-15-65-1A-2B-3C', 'lower-dot': '0015.651a.2b3c', 'upper-dot': '0015.651A.2B3C', 'none': '',
  };
  for (const f of MAC_FORMATS) {
    assert.equal(formatMac(mac, f), want[f], f);
    if (f === 'none') continue;
    assert.equal(readMacAs(want[f]!, f), mac, `read ${f}`);
    assert.equal(readMacAs(want[f]!.toUpperCase(), f), mac, `read ${f} upper`);
    assert.equal(readMacAs(want[f]!.toLowerCase(), f), mac, `read ${f} lower`);
  }
  assert.equal(readMacAs('00:15:65:1a:2b:3c', 'lower'), undefined);
  assert.equal(readMacAs('0015651a2b3c', 'lower-colon'), undefined);
  assert.equal(readMacAs('00-15-65-1a-2b-3c', 'upper-colon'), undefined);
});

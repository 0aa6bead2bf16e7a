// MACs in User-Agents: read only from vendors known to put one there.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { macFromUserAgent } from './auth-ua.ts';

describe('macFromUserAgent', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['Yealink SIP-T46S 66.86.0.15 80:5e:c0:12:34:56', '805ec0123456'],
    ['Yealink SIP-T54W 96.86.0.100 805ec0a1b2c3', '805ec0a1b2c3'],
    ['Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 010.1.33.33 000413A1B2C3)', '000413a1b2c3'],
    ['Fanvil X4U 2.12.1 0c383e1a2b3c', '0c383e1a2b3c'],
    ['Yealink SIP-T46S 66.86.0.15', undefined],
    ['Grandstream GXP2170 1.0.11.3 000b82aabbcc', undefined],
    ['curl/8.5.0 001565aabbcc', undefined],
    ['Yealink W60B 77.83.0.85 805ec0000001 805ec0000002', undefined],
    ['Yealink SIP-T46S 66.86.0.15 ff:ff:ff:ff:ff:ff', undefined],
    ['Yealink ' + 'x'.repeat(300), undefined],
    [undefined, undefined],
  ];
  for (const [ua, mac] of cases) it(`${String(ua).slice(0, 60)} -> ${mac}`, () => assert.equal(macFromUserAgent(ua), mac));
});

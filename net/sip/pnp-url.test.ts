import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceInfo } from './pnp-device.ts';
import { DEFAULT_TEMPLATES, parseModelUrl, pnpUrl, type ModelUrl } from './pnp-url.ts';

const VENDORS = Object.keys(DEFAULT_TEMPLATES).filter((k) => k !== 'default');
const dev = (over: Partial<DeviceInfo>): DeviceInfo => ({
  mac: '001565aabbcc', macFrom: 'request-uri', vendor: 'yealink', model: 'T46S', firmware: undefined, userAgent: undefined, profileType: undefined, ...over,
} as DeviceInfo);
const parse = (e: string): ModelUrl => { const r = parseModelUrl(e, VENDORS); assert.ok(typeof r !== 'string', String(r)); return r; };

test('per-model URL templates win over the vendor template, first match first, globs anchored and case-insensitive', () => {
  const models = [parse('yealink/T5*=%%BASE%%t5x/'), parse('yealink/t4?s=%%BASE%%t4xs/%%MODEL%%/'), parse('snom/D785=%%BASE%%d785/{mac}.xml')];
  const base = 'http://10.0.0.1/provisioning/';
  assert.equal(pnpUrl(dev({ model: 'T54W' }), base, DEFAULT_TEMPLATES, models), `${base}t5x/`);
  assert.equal(pnpUrl(dev({ model: 'T46S' }), base, DEFAULT_TEMPLATES, models), `${base}t4xs/T46S/`);
  assert.equal(pnpUrl(dev({ model: 'T46U' }), base, DEFAULT_TEMPLATES, models), base, 'no match: the vendor template');
  assert.equal(pnpUrl(dev({ model: 'XT54W' }), base, DEFAULT_TEMPLATES, models), base, 'anchored at the start');
  assert.equal(pnpUrl(dev({ vendor: 'snom', model: 'D785' } as Partial<DeviceInfo>), base, DEFAULT_TEMPLATES, models), `${base}d785/{mac}.xml`);
  assert.equal(pnpUrl(dev({ vendor: 'snom', model: undefined } as Partial<DeviceInfo>), base, DEFAULT_TEMPLATES, models), `${base}{mac}.xml`, 'no model sent: vendor template');
});

test('bad per-model entries are refused with the reason', () => {
  assert.match(String(parseModelUrl('yealink T5*', VENDORS)), /must look like/);
  assert.match(String(parseModelUrl('acme/T5*=%%BASE%%', VENDORS)), /unknown vendor 'acme'/);
  assert.match(String(parseModelUrl('yealink/T5(.*)+=%%BASE%%', VENDORS)), /may hold letters/);
});

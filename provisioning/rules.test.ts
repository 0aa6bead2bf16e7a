import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFileName, matchAll, matchFileName, type RuleShape } from './rules.ts';
import { MAC_FORMATS } from './types.ts';

const MAC = '0015651a2b3c';

test('every MAC format round-trips through build and match, whatever case the phone uses', () => {
  for (const f of MAC_FORMATS) {
    if (f === 'none') continue;
    const rule: RuleShape = { prefix: 'cfg', mac_format: f, suffix: '.xml' };
    const name = buildFileName(rule, MAC);
    for (const asked of [name, name.toUpperCase(), name.toLowerCase()]) {
      assert.deepEqual(matchFileName(asked, rule), { mac: MAC }, `${f}: ${asked}`);
    }
  }
});

test('matching ignores case but renders with the rule\'s own format (Snom upper, Cisco lower)', () => {
  const snom: RuleShape = { prefix: 'snomD735-', mac_format: 'upper', suffix: '.htm' };
  assert.equal(buildFileName(snom, MAC), 'snomD735-0015651A2B3C.htm');
  assert.deepEqual(matchFileName('snomd735-0015651a2b3c.HTM', snom), { mac: MAC });
  const cisco: RuleShape = { prefix: 'SEP', mac_format: 'upper', suffix: '.cnf.xml' };
  assert.deepEqual(matchFileName('sep0015651a2b3c.cnf.xml', cisco), { mac: MAC });
});

test('common files match their whole name, ignoring case, and carry no MAC', () => {
  const y: RuleShape = { prefix: 'y000000000000', mac_format: 'none', suffix: '.cfg' };
  assert.equal(buildFileName(y), 'y000000000000.cfg');
  assert.deepEqual(matchFileName('Y000000000000.CFG', y), {});
  assert.equal(matchFileName('y000000000000.cfg.bak', y), undefined);
  assert.equal(matchFileName('000000000000.cfg', y), undefined);
});

test('prefix and suffix are plain text: regex metacharacters match only themselves', () => {
  const rule: RuleShape = { prefix: 'a.b+(x)[', mac_format: 'lower', suffix: '*.cfg$' };
  assert.deepEqual(matchFileName(`a.b+(x)[${MAC}*.cfg$`, rule), { mac: MAC });
  assert.equal(matchFileName(`aXb+(x)[${MAC}*.cfg$`, rule), undefined);
  assert.equal(matchFileName(`a.bb+(x)[${MAC}*.cfg$`, rule), undefined);
  assert.equal(matchFileName(`a.b+(x)[${MAC}x.cfg$`, rule), undefined);
  const dot: RuleShape = { prefix: '', mac_format: 'lower', suffix: '.cfg' };
  assert.equal(matchFileName(`${MAC}xcfg`, dot), undefined);
});

test('wrong lengths, separators and non-hex digits do not match', () => {
  const rule: RuleShape = { prefix: '', mac_format: 'lower', suffix: '.cfg' };
  assert.equal(matchFileName('0015651a2b3.cfg', rule), undefined);
  assert.equal(matchFileName('0015651a2b3cc.cfg', rule), undefined);
  assert.equal(matchFileName('0015651a2b3g.cfg', rule), undefined);
  assert.equal(matchFileName('00:15:65:1a:2b:3c.cfg', rule), undefined);
  assert.equal(matchFileName('0015651a2b3c-reg.cfg', rule), undefined);
  const reg: RuleShape = { prefix: '', mac_format: 'lower', suffix: '-reg.cfg' };
  assert.deepEqual(matchFileName('0015651A2B3C-REG.cfg', reg), { mac: MAC });
  assert.equal(matchFileName('0015651a2b3c.cfg', reg), undefined);
});

test('matchAll returns every rule a name matches', () => {
  const rules: RuleShape[] = [
    { prefix: '', mac_format: 'lower', suffix: '.xml' },
    { prefix: '', mac_format: 'upper', suffix: '.xml' },
    { prefix: 'cfg', mac_format: 'lower', suffix: '.xml' },
    { prefix: 'y000000000000', mac_format: 'none', suffix: '.cfg' },
  ];
  assert.deepEqual(matchAll(`${MAC}.xml`, rules).map((m) => [rules.indexOf(m.rule), m.mac]), [[0, MAC], [1, MAC]]);
  assert.deepEqual(matchAll('y000000000000.cfg', rules).map((m) => [rules.indexOf(m.rule), m.mac]), [[3, undefined]]);
});

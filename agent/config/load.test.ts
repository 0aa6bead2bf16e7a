import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load.ts';
import { SCHEMA, envName, walk } from './schema.ts';
import { ConfigError } from '../errors.ts';

function file(obj: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'pbxcfg-'));
  const p = join(dir, 'c.json');
  writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return p;
}

test('embedded defaults load and cover every schema key', () => {
  const cfg = loadConfig({ env: {} }) as unknown as Record<string, Record<string, unknown>>;
  for (const [key] of walk()) {
    const [s, k] = key.split('.');
    assert.ok(k! in cfg[s!]!, `missing ${key}`);
  }
  assert.equal(Object.keys(cfg).length, Object.keys(SCHEMA.fields).length);
});

test('a bad value names the key, the value and what is allowed', () => {
  assert.throws(() => loadConfig({ file: file({ tftp: { port: 70000 } }), env: {} }),
    (e: unknown) => e instanceof ConfigError && e.key === 'tftp.port' && /70000/.test(e.message) && /1 to 65535/.test(e.message));
  assert.throws(() => loadConfig({ file: file({ log: { level: 'loud' } }), env: {} }),
    (e: unknown) => e instanceof ConfigError && /"info"/.test(e.message) && /"loud"/.test(e.message));
});

test('unknown keys are refused with a suggestion', () => {
  assert.throws(() => loadConfig({ file: file({ tftp: { prot: 69 } }), env: {} }),
    (e: unknown) => e instanceof ConfigError && e.key === 'tftp.prot' && /did you mean 'tftp.port'/.test(e.message));
});

test('invalid JSON is a config error, not a crash', () => {
  assert.throws(() => loadConfig({ file: file('{ nope'), env: {} }), ConfigError);
  assert.throws(() => loadConfig({ file: '/nonexistent/x.json', env: {} }), /ENOENT/);
});

test('environment overrides keys, with typed parsing', () => {
  assert.equal(envName('tftp.maxBlksize'), 'PBX_AGENT__TFTP__MAX_BLKSIZE');
  const cfg = loadConfig({ env: { PBX_AGENT__TFTP__PORT: '6969', PBX_AGENT__DHCP__ENABLED: 'yes' } });
  assert.equal(cfg.tftp.port, 6969);
  assert.equal(cfg.dhcp.enabled, true);
  assert.throws(() => loadConfig({ env: { PBX_AGENT__TFTP__PORT: 'x' } }), /PBX_AGENT__TFTP__PORT='x'/);
});

test('cross-key rules: HTTPS needs a certificate and key', () => {
  assert.throws(() => loadConfig({ file: file({ http: { httpsEnabled: true } }), env: {} }), /certFile/);
});

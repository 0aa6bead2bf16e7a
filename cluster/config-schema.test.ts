// The `ha` section through the real loader: defaults load, sub-second timers are accepted, and
// every cross-key rule refuses with a message naming the keys, the values and what is allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../agent/config/load.ts';
import { ConfigError } from '../agent/errors.ts';
import { checkHaConfig, HA_REQUIRED_KEYS, haDefaults, parseResourceIp, type HaConfig } from './config-schema.ts';

const GOOD: Partial<HaConfig> = {
  enabled: true, coordinator: true, peerSerial: 'SN-B', interface: 'eth0', localIp: '10.0.0.1', remoteIp: '10.0.0.2',
  resourceIp: '10.0.0.10/24', pingGroup: ['10.0.0.254', '10.0.0.253'], syncInterface: 'eth1', localSyncIp: '10.1.0.1', remoteSyncIp: '10.1.0.2',
  defaultActive: 'SN-B',
};

function load(ha: Partial<HaConfig>, node: Record<string, unknown> = { serial: 'SN-A' }) {
  const dir = mkdtempSync(join(tmpdir(), 'pbxha-'));
  const p = join(dir, 'c.json');
  writeFileSync(p, JSON.stringify({ node, ha }));
  return loadConfig({ file: p, env: {} });
}

function refused(ha: Partial<HaConfig>, key: string, ...patterns: RegExp[]): void {
  assert.throws(() => load({ ...GOOD, ...ha }), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.key, key, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('defaults load with HA off; a full lab config with sub-second timers loads', () => {
  const d = load({});
  assert.equal(d.ha.enabled, false);
  assert.deepEqual(d.ha, haDefaults());
  const cfg = load({ ...GOOD, keepaliveIntervalMs: 200, warningMs: 600, deadMs: 1500, initTimeoutMs: 4000, pingIntervalMs: 200, pingTimeoutMs: 150, handoverTimeoutMs: 1000 });
  assert.equal(cfg.ha.deadMs, 1500);
  assert.equal(cfg.ha.resourceIp, '10.0.0.10/24');
});

test('timer rules (Heartbeat config.c): dead > 2 x keepalive, keepalive < warning < dead, init >= dead', () => {
  refused({ keepaliveIntervalMs: 1000, warningMs: 1500, deadMs: 2000 }, 'ha.deadMs', /2000 ms/, /1000 ms/, /more than twice/);
  refused({ warningMs: 12_000 }, 'ha.warningMs', /12000/, /between/, /10000/);
  refused({ warningMs: 1000 }, 'ha.warningMs', /strictly between/);
  refused({ initTimeoutMs: 9000 }, 'ha.initTimeoutMs', /9000/, /at least/);
  refused({ pingTimeoutMs: 2000 }, 'ha.pingTimeoutMs', /2000/, /pingIntervalMs/);
  refused({ handoverTimeoutMs: 1500 }, 'ha.handoverTimeoutMs', /twice/);
  // Timer rules hold even while HA is off: a bad file is caught when written.
  assert.throws(() => load({ deadMs: 1500 }), /ha.deadMs/);
});

test('address rules: formats, resource IP distinct and in the LAN subnet, sync triple, ping group', () => {
  refused({ localIp: '10.0.0.300' }, 'ha.localIp', /10\.0\.0\.300/, /IPv4/);
  refused({ resourceIp: '10.0.0.10' }, 'ha.resourceIp', /prefix/);
  refused({ resourceIp: '10.0.0.1/24' }, 'ha.resourceIp', /same address as ha.localIp/);
  refused({ resourceIp: '10.9.0.10/24' }, 'ha.resourceIp', /not in the subnet of ha.localIp/);
  refused({ remoteIp: '10.0.0.1' }, 'ha.remoteIp', /same as ha.localIp/);
  refused({ remoteSyncIp: '' }, 'ha.syncInterface', /missing: ha.remoteSyncIp/);
  refused({ pingGroup: ['10.0.0.254', 'gw'] }, 'ha.pingGroup[1]', /"gw"/);
  refused({ pingGroup: ['10.0.0.254', '10.0.0.254'] }, 'ha.pingGroup[1]', /twice/);
  refused({ pingGroup: ['10.0.0.2'] }, 'ha.pingGroup[0]', /ha.remoteIp/);
  // A single path (no sync interface) is allowed.
  assert.equal(load({ ...GOOD, syncInterface: '', localSyncIp: '', remoteSyncIp: '' }).ha.syncInterface, '');
});

test('identity rules: required when enabled, peer serial, default active node', () => {
  refused({ interface: '' }, 'ha.interface', /ha.enabled is true/);
  refused({ peerSerial: '' , defaultActive: ''}, 'ha.peerSerial', /coordinator/);
  refused({ peerSerial: 'SN-A' }, 'ha.peerSerial', /own serial/);
  refused({ defaultActive: 'SN-C' }, 'ha.defaultActive', /"SN-C"/, /SN-A/, /SN-B/);
  // The non-coordinator may leave peerSerial empty (learnt at pairing).
  assert.equal(load({ ...GOOD, coordinator: false, peerSerial: '', defaultActive: '' }).ha.peerSerial, '');
  // Environment overrides go through the same checks.
  assert.throws(() => loadConfig({ env: { PBX_AGENT__HA__DEAD_MS: '100' } }), /ha.deadMs/);
});

test('parseResourceIp', () => {
  assert.deepEqual(parseResourceIp('10.0.0.10/24'), { address: '10.0.0.10', prefix: 24 });
  assert.deepEqual(parseResourceIp(' 192.0.2.1/32 '), { address: '192.0.2.1', prefix: 32 });
  for (const bad of ['10.0.0.10', '10.0.0.10/0', '10.0.0.10/33', '10.0.0/24', 'x/24', '10.0.0.10/024x']) assert.equal(parseResourceIp(bad), undefined, bad);
  assert.doesNotThrow(() => checkHaConfig(haDefaults()));
});

test('the resource IP subnet rule holds at the prefix edges (/1, /31, /32, addresses above 128.0.0.0)', () => {
  const base: HaConfig = { ...haDefaults(), ...GOOD, pingGroup: [] };
  const ok = (localIp: string, remoteIp: string, resourceIp: string) => checkHaConfig({ ...base, localIp, remoteIp, resourceIp }, 'SN-A');
  const bad = (localIp: string, remoteIp: string, resourceIp: string) =>
    assert.throws(() => ok(localIp, remoteIp, resourceIp), (e: unknown) => e instanceof ConfigError && e.key === 'ha.resourceIp' && /not in the subnet/.test(e.message));
  ok('200.0.0.1', '250.0.0.2', '129.0.0.10/1');
  bad('100.0.0.1', '250.0.0.2', '129.0.0.10/1');
  ok('192.168.1.1', '192.168.1.2', '192.168.1.200/24');
  bad('192.168.1.1', '192.168.2.2', '192.168.1.200/24');
  ok('255.255.255.250', '255.255.255.251', '255.255.255.252/29');
  bad('255.255.255.250', '255.255.255.247', '255.255.255.252/29');
  bad('10.0.0.1', '10.0.0.2', '10.0.0.3/31');
  bad('10.0.0.1', '10.0.0.2', '10.0.0.3/32');
});

test('HA_REQUIRED_KEYS are the keys an enabled node refuses to run without', () => {
  for (const key of HA_REQUIRED_KEYS) {
    assert.throws(() => checkHaConfig({ ...haDefaults(), ...GOOD, pingGroup: [], [key]: '' }, 'SN-A'), (e: unknown) => e instanceof ConfigError && e.key === `ha.${key}`);
  }
});

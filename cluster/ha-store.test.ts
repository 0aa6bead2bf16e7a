import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sectionDefaults } from '../agent/config/field.ts';
import { haSection, type HaConfig } from './config-schema.ts';
import { withAdminOverride } from './ha-store.ts';

const ha = (over: Partial<HaConfig>): HaConfig => ({ ...sectionDefaults<HaConfig>(haSection), ...over });

test('withAdminOverride: pbxctl ha enable/disable wins over the config file; unset keeps the file', () => {
  const file = ha({ enabled: true, coordinator: true, peerSerial: 'SN-B' });
  const unset = withAdminOverride(file, { peerGeneration: 3, adminEnabled: null, adminCoordinator: null });
  assert.deepEqual(unset, file);
  const disabled = withAdminOverride(file, { peerGeneration: 3, adminEnabled: false, adminCoordinator: null });
  assert.deepEqual(disabled, { ...file, enabled: false });
  const member = withAdminOverride(ha({ enabled: false, coordinator: true }), { peerGeneration: 0, adminEnabled: true, adminCoordinator: false });
  assert.equal(member.enabled, true);
  assert.equal(member.coordinator, false);
  assert.equal(file.enabled, true, 'the config object is not changed');
});

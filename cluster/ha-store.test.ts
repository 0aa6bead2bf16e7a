import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sectionDefaults } from '../agent/config/field.ts';
import { haSection, type HaConfig } from './config-schema.ts';
import { openDatabase } from '../agent/store/db.ts';
import { HaStore, withAdminOverride } from './ha-store.ts';

const ha = (over: Partial<HaConfig>): HaConfig => ({ ...sectionDefaults<HaConfig>(haSection), ...over });

test('withAdminOverride: pbxctl ha enable/disable wins over the config file; unset keeps the file', () => {
  const file = ha({ enabled: true, coordinator: true, peerSerial: 'SN-B' });
  const unset = withAdminOverride(file, { adminEnabled: null, adminCoordinator: null });
  assert.deepEqual(unset, file);
  const disabled = withAdminOverride(file, { adminEnabled: false, adminCoordinator: null });
  assert.deepEqual(disabled, { ...file, enabled: false });
  const member = withAdminOverride(ha({ enabled: false, coordinator: true }), { adminEnabled: true, adminCoordinator: false });
  assert.equal(member.enabled, true);
  assert.equal(member.coordinator, false);
  assert.equal(file.enabled, true, 'the config object is not changed');
});

test('the peer heartbeat floor: generation and seq never move back; a newer generation clears the seq', () => {
  const store = new HaStore(openDatabase(':memory:'));
  assert.deepEqual([store.runtime().peerGeneration, store.runtime().peerSeq], [0, -1]);
  store.setPeerGeneration(4, 1);
  store.setPeerSeq(4, 120, 2);
  store.setPeerSeq(4, 90, 3);
  assert.deepEqual([store.runtime().peerGeneration, store.runtime().peerSeq], [4, 120], 'seq never moves back');
  store.setPeerSeq(3, 500, 4);
  assert.deepEqual([store.runtime().peerGeneration, store.runtime().peerSeq], [4, 120], 'an older life changes nothing');
  store.setPeerGeneration(5, 5);
  assert.deepEqual([store.runtime().peerGeneration, store.runtime().peerSeq], [5, -1], 'a new life starts with no seq');
  store.setPeerSeq(6, 7, 6);
  assert.deepEqual([store.runtime().peerGeneration, store.runtime().peerSeq], [6, 7]);
});

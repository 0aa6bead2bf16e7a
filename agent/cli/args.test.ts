import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from './args.ts';

test('options, booleans, equals form, -- and errors', () => {
  const r = parseArgs(['--json', 'device', 'add', '--mac', 'aa', '--enabled', '--notes=x y', '--', '--literal'], new Set(['json', 'enabled']));
  assert.ok(typeof r !== 'string');
  assert.deepEqual(r.positionals, ['device', 'add', '--literal']);
  assert.equal(r.options.get('json'), true);
  assert.equal(r.options.get('mac'), 'aa');
  assert.equal(r.options.get('notes'), 'x y');
  assert.equal((parseArgs(['--no-enabled'], new Set(['enabled'])) as { options: Map<string, unknown> }).options.get('enabled'), false);
  assert.match(parseArgs(['--mac'], new Set()) as string, /--mac needs a value/);
  assert.match(parseArgs(['--BAD'], new Set()) as string, /bad option/);
});

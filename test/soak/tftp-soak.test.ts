// A short TFTP soak on each engine (the long one: `npm run soak:tftp`): every transfer complete
// and checked, no descriptor or session slot kept, no internal error, strangers refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTftpSoak, soakProblems } from './tftp-soak.ts';

for (const engine of ['native', 'js'] as const) {
  test(`TFTP soak smoke, ${engine} engine: 6 rounds of 30 clients with 3% loss`, async () => {
    const r = await runTftpSoak({ engine, rounds: 6, clients: 30, loss: 0.03, seed: 7 });
    assert.deepEqual(soakProblems(r), []);
    assert.equal(r.transfers, 180);
    assert.ok(r.retransmits > 0, 'the loss made the server retransmit');
    assert.ok(r.strangersRefused > 0, 'the junk reached transfer ports and was refused');
  });
}

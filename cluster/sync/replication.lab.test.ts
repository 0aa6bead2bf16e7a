// Pairing and replication between two REAL pbx-agent daemons in the HA namespace lab (test/ha:
// LAN and sync bridges, the production wiring of agent/parts.ts), driven by pbxctl as an admin
// would: `pbxctl ha pair` on the coordinator, a device added there shows up on the member and
// renders the same file there (device preview through the member's own resolver), an edit on the
// member is refused naming the coordinator, and `pbxctl ha unpair` leaves both unpaired.
//
// Needs root and the lab tools (iproute2, bridge, ping, arping, tshark): FAILS loudly without them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requireLab } from '../../test/lab/preflight.ts';
import { HA_ADDR, HA_SERIAL } from '../../test/ha/lab.ts';
import { pairedOf } from '../../test/ha/pairing.ts';
import { createWorld, destroyWorld, type World } from '../../test/ha/world.ts';

let w: World | undefined;

const json = async (node: 'nA' | 'nB', args: string[]): Promise<Record<string, unknown>> => {
  const r = await w!.cluster.nodes[node].pbxctl(['--json', ...args]);
  assert.equal(r.code, 0, `pbxctl ${args.join(' ')} on ${node}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

describe('pairing and replication between two daemons in the namespace lab', { timeout: 180_000 }, () => {
  before(async () => {
    requireLab(['arping', 'ping']);
    w = await createWorld();
    await w.cluster.startBoth();
  });
  after(async () => { await destroyWorld(w); });

  it('pbxctl ha pair, replicate a device, refuse an edit on the member, unpair', async () => {
    const pair = await w!.cluster.nodes.nA.pbxctl(['ha', 'pair']);
    assert.equal(pair.code, 0, pair.stderr);
    assert.match(pair.stdout, /^paired/);
    assert.match(pair.stdout, new RegExp(`serial ${HA_SERIAL.nB}`));
    const pb = await json('nB', ['ha', 'pairing']);
    assert.equal(pairedOf(pb), true);
    assert.equal((pb.peer as { serial: string }).serial, HA_SERIAL.nA);
    // The password is refused now: pairing again from the coordinator fails.
    const again = await w!.cluster.nodes.nA.pbxctl(['ha', 'pair']);
    assert.notEqual(again.code, 0);

    const acc = await w!.cluster.nodes.nA.pbxctl(['account', 'add', '301', '--extension', '301']);
    assert.equal(acc.code, 0, acc.stderr);
    const dev = await w!.cluster.nodes.nA.pbxctl(['device', 'add', '00:15:65:12:34:56', '--model', 'Yealink/T4x-T5x', '--account', '301', '--enabled']);
    assert.equal(dev.code, 0, dev.stderr);
    const deadline = Date.now() + 20_000;
    let onB: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      const r = await w!.cluster.nodes.nB.pbxctl(['--json', 'device', 'show', '001565123456']);
      if (r.code === 0) { onB = JSON.parse(r.stdout) as Record<string, unknown>; break; }
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(onB, 'the device reached the member within 20 s');
    const prevA = await json('nA', ['device', 'preview', '001565123456', '--show-secrets']);
    const prevB = await json('nB', ['device', 'preview', '001565123456', '--show-secrets']);
    const contents = (p: Record<string, unknown>) => (p.files as { name: string; content: string }[]).map((f) => [f.name, f.content]);
    assert.ok(contents(prevA).length > 0);
    assert.deepEqual(contents(prevB), contents(prevA), 'the member renders the same files');

    const refused = await w!.cluster.nodes.nB.pbxctl(['device', 'add', '001565999999', '--model', 'Yealink/T4x-T5x']);
    assert.equal(refused.code, 5);
    assert.match(refused.stderr, new RegExp(`coordinator nA \\(serial ${HA_SERIAL.nA}, ${HA_ADDR.nA.lan.replace(/\./g, '\\.')}\\)`));
    const sync = await json('nB', ['ha', 'pairing']);
    assert.equal((sync.sync as { config: { inSync: boolean } }).config.inSync, true);

    const un = await w!.cluster.nodes.nB.pbxctl(['ha', 'unpair']);
    assert.equal(un.code, 0, un.stderr);
    assert.match(un.stdout, /unpaired on both nodes/);
    assert.equal(pairedOf(await json('nA', ['ha', 'pairing'])), false);
    assert.equal(pairedOf(await json('nB', ['ha', 'pairing'])), false);
  });
});

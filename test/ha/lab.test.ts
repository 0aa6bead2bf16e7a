// Self-test of the HA lab and its audit, without any HA daemon: the fault tools really cut what
// they claim, the auditor really catches two holders (and accepts them inside a window), and the
// client probe really measures an outage and names who answers. If these did not fail when they
// should, every scenario built on them could pass for nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requireLab } from '../lab/preflight.ts';
import { epochNow, findViolations, startHolderAudit, startProbe, startResponders, type HolderAudit } from './audit.ts';
import { createHaLab, freeze, HA_ADDR, holdsVip, procState, thaw, type HaLab, type NodeName } from './lab.ts';
import { holdHaLabLock } from './serial.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let release: (() => void) | undefined;
before(async () => { release = await holdHaLabLock(); });
after(() => release?.());

async function reach(ha: HaLab, from: NodeName | 'cli', to: string): Promise<boolean> {
  // Three echoes 0.2 s apart: exit 0 if any is answered, so a first ARP exchange on a busy box
  // does not read as "unreachable".
  const r = await ha.lab.exec(from, 'ping', ['-c', '3', '-i', '0.2', '-W', '1', to], { timeoutMs: 5_000 });
  return r.code === 0;
}

async function addVip(ha: HaLab, n: NodeName): Promise<void> {
  const r = await ha.lab.exec(n, 'ip', ['addr', 'add', ha.vipCidr, 'dev', 'eth0']);
  assert.equal(r.code, 0, r.stderr);
  // A gratuitous ARP so cli moves to this node, as a takeover does.
  await ha.lab.exec(n, 'arping', ['-q', '-U', '-c', '1', '-I', 'eth0', ha.vip], { timeoutMs: 5_000 });
}

async function delVip(ha: HaLab, n: NodeName): Promise<void> {
  await ha.lab.exec(n, 'ip', ['addr', 'del', ha.vipCidr, 'dev', 'eth0']);
}

describe('HA lab: topology and fault tools', { timeout: 120_000 }, () => {
  let ha: HaLab;
  before(async () => {
    requireLab(['bridge', 'ping', 'arping']);
    ha = await createHaLab();
  });
  after(async () => { await ha?.teardown(); });

  it('both paths carry A<->B; gateways and cli reachable', async () => {
    assert.ok(await reach(ha, 'nA', HA_ADDR.nB.lan));
    assert.ok(await reach(ha, 'nA', HA_ADDR.nB.sync));
    assert.ok(await reach(ha, 'nB', HA_ADDR.gw2));
    assert.ok(await reach(ha, 'cli', HA_ADDR.nA.lan));
  });

  it('cut(lan) separates A and B on the LAN only; both still see the gateways and cli', async () => {
    await ha.cut('lan');
    try {
      assert.equal(await reach(ha, 'nA', HA_ADDR.nB.lan), false);
      assert.ok(await reach(ha, 'nA', HA_ADDR.nB.sync));
      assert.ok(await reach(ha, 'nA', HA_ADDR.gw1));
      assert.ok(await reach(ha, 'nB', HA_ADDR.gw2));
      assert.ok(await reach(ha, 'cli', HA_ADDR.nB.lan));
    } finally {
      await ha.heal('lan');
    }
    assert.ok(await reach(ha, 'nA', HA_ADDR.nB.lan));
  });

  it('blackhole(A, B) is one-way: A cannot send to B, B still reaches A\'s socket', async () => {
    await ha.blackhole('nA', 'nB');
    try {
      assert.equal(await reach(ha, 'nA', HA_ADDR.nB.lan), false);
      assert.equal(await reach(ha, 'nA', HA_ADDR.nB.sync), false);
      // B's echo reaches A (A's reply is blackholed, so B's ping fails): prove arrival with a
      // one-shot UDP receiver instead.
      const recv = ha.lab.exec('nA', 'timeout', ['3', 'socat', '-u', 'UDP-RECV:7999', 'STDOUT'], { timeoutMs: 10_000 });
      await sleep(300);
      await ha.lab.exec('nB', 'sh', ['-c', `echo hello-from-b | socat -u STDIN UDP-SENDTO:${HA_ADDR.nA.lan}:7999`]);
      assert.match((await recv).stdout, /hello-from-b/);
    } finally {
      await ha.unblackhole('nA', 'nB');
    }
    assert.ok(await reach(ha, 'nA', HA_ADDR.nB.lan));
  });

  it('blockTargets, ifDown and isolate cut what they say; healAll undoes everything', async () => {
    await ha.blockTargets('nA');
    assert.equal(await reach(ha, 'nA', HA_ADDR.gw1), false);
    assert.ok(await reach(ha, 'nB', HA_ADDR.gw1));
    await ha.ifDown('nB', 'lan');
    const link = await ha.lab.exec('nB', 'ip', ['-o', 'link', 'show', 'eth0']);
    assert.match(link.stdout, /state DOWN/);
    await ha.isolate('nA', 'sync', 'silent');
    assert.equal(await reach(ha, 'nA', HA_ADDR.nB.sync), false);
    await ha.healAll();
    assert.ok(await reach(ha, 'nA', HA_ADDR.gw1));
    assert.ok(await reach(ha, 'nB', HA_ADDR.gw1));
    assert.ok(await reach(ha, 'nA', HA_ADDR.nB.sync));
  });

  it('freeze/thaw stop and resume a process; kill by PID only when it is alive', async () => {
    const p = ha.lab.spawn('nA', 'sleep', ['30']);
    await sleep(100);
    freeze(p.pid!);
    await sleep(50);
    assert.equal(procState(p.pid!), 'T');
    thaw(p.pid!);
    await sleep(50);
    assert.notEqual(procState(p.pid!), 'T');
    p.kill('SIGKILL');
  });

  it('holdsVip parses `ip -o -4 addr`', () => {
    const out = '2: eth0    inet 10.99.0.1/24 brd 10.99.0.255 scope global eth0 valid_lft forever\n2: eth0    inet 10.99.0.100/24 scope global secondary eth0\n';
    assert.equal(holdsVip(out, '10.99.0.100'), true);
    assert.equal(holdsVip(out, '10.99.0.10'), false);
  });
});

describe('HA audit: it fails when it should', { timeout: 120_000 }, () => {
  let ha: HaLab;
  let audit: HolderAudit;
  before(async () => {
    requireLab(['bridge', 'ping', 'arping']);
    ha = await createHaLab();
    audit = startHolderAudit(ha);
  });
  after(async () => {
    await audit?.stop();
    await ha?.teardown();
  });

  it('two holders outside a window is a violation; inside one it is not', async () => {
    await addVip(ha, 'nA');
    await audit.waitHolders(['nA'], { timeoutMs: 3000 });
    const win = audit.allowDual('test window');
    await addVip(ha, 'nB');
    await audit.waitHolders(['nA', 'nB'], { timeoutMs: 3000 });
    await sleep(200);
    assert.deepEqual(audit.violations(), [], 'dual holding inside the window is allowed');
    win.close(0);
    await sleep(300);
    assert.throws(() => audit.check('self-test'), /AUDIT FAILED \(self-test\): two holders outside any allowed window/);
    await delVip(ha, 'nA');
    await audit.waitHolders(['nB'], { timeoutMs: 3000 });
    assert.ok(audit.longestDual() >= 250);
    assert.ok(audit.changes().nA >= 2);
    await delVip(ha, 'nB');
    audit.reset();
  });

  it('findViolations merges consecutive dual samples and honours open windows', () => {
    const s = (t: number, ...holders: NodeName[]) => ({ t, holders });
    const samples = [s(0, 'nA'), s(50, 'nA', 'nB'), s(100, 'nA', 'nB'), s(150, 'nB'), s(200, 'nA', 'nB')];
    assert.deepEqual(findViolations(samples, []).map((v) => [v.from, v.to, v.samples]), [[50, 100, 2], [200, 200, 1]]);
    assert.equal(findViolations(samples, [{ label: 'w', from: 40, to: undefined }], 1000).length, 0);
    assert.equal(findViolations(samples, [{ label: 'w', from: 40, to: 120 }]).length, 1);
  });

  it('the client probe names who answers and measures the outage of a move', async () => {
    const responders = await startResponders(ha);
    const probe = await startProbe(ha);
    try {
      await addVip(ha, 'nA');
      await probe.waitStable('nA', { n: 5 });
      const t0 = epochNow();
      await delVip(ha, 'nA');
      await sleep(500);
      await addVip(ha, 'nB');
      const s = await probe.waitStable('nB', { since: t0, n: 5 });
      const o = probe.outage(t0 - 100, s.t);
      assert.equal(o.before, 'nA');
      assert.equal(o.after, 'nB');
      assert.ok(o.ms >= 400 && o.ms <= 1500, `outage ${o.ms} ms for a 500 ms gap`);
      assert.ok(probe.answeredBy(t0).has('nB'));
      assert.ok(!probe.answeredBy(s.t - 200).has('nA'), 'after the move only nB answers');
    } finally {
      await probe.stop();
      for (const r of Object.values(responders)) r.proc.kill('SIGKILL');
      await delVip(ha, 'nB');
    }
  });
});

// The floating IP and the ping group against the real tools (ip, arping, ping) inside a throwaway
// network namespace (needs root: says so loudly through requireLab), plus the pure parser.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../agent/log.ts';
import { requireLab } from '../../test/lab/preflight.ts';
import { PingGroup } from '../ping/group.ts';
import { FloatingIp, parseAddrShow } from './ip.ts';
import { systemRunner, type CommandRunner, type CommandResult } from './run.ts';

describe('parseAddrShow', () => {
  it('reads primaries, labelled secondaries and veth names', () => {
    const text = [
      '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
      '2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever preferred_lft forever',
      '2: eth0    inet 10.0.0.100/24 brd 10.0.0.255 scope global secondary eth0:ha\\       valid_lft forever preferred_lft forever',
      '3: eth1@if7    inet 10.98.0.1/24 scope global eth1\\       valid_lft forever',
      'garbage line', '',
    ].join('\n');
    assert.deepEqual(parseAddrShow(text), [
      { iface: 'lo', address: '127.0.0.1', prefix: 8, label: undefined },
      { iface: 'eth0', address: '10.0.0.5', prefix: 24, label: undefined },
      { iface: 'eth0', address: '10.0.0.100', prefix: 24, label: 'eth0:ha' },
      { iface: 'eth1', address: '10.98.0.1', prefix: 24, label: undefined },
    ]);
  });
});

describe('FloatingIp.release with a fake ip (no root)', () => {
  const fake = (addrs: Map<string, string>, ran: string[], showFails = false): CommandRunner => ({
    async run(cmd, args) {
      ran.push([cmd, ...args].join(' '));
      const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '', timedOut: false });
      if (args.includes('show')) {
        if (showFails) return { code: 1, stdout: '', stderr: 'Cannot open netlink socket', timedOut: false };
        return ok([...addrs].map(([cidr, dev]) => `2: ${dev}    inet ${cidr} scope global secondary\\       valid_lft forever`).join('\n'));
      }
      if (args[2] === 'del') addrs.delete(args[3]!);
      return ok();
    },
    background: () => ({ pid: undefined, done: Promise.resolve({ code: 0, stdout: '', stderr: '', timedOut: false }) }),
    kill() {},
  });
  const spec = { address: '10.0.0.100', prefix: 24, iface: 'eth0' };

  it('reads the addresses once, deletes the VIP wherever it is, then verifies', async () => {
    const ran: string[] = [];
    const vip = new FloatingIp({ spec, runner: fake(new Map([['10.0.0.100/24', 'eth0'], ['10.0.0.100/32', 'eth1'], ['10.0.0.5/24', 'eth0']]), ran), log: silentLogger() });
    assert.equal(await vip.release(), 'removed');
    assert.deepEqual(ran, [
      'ip -o -4 addr show', 'ip -4 addr del 10.0.0.100/24 dev eth0', 'ip -4 addr del 10.0.0.100/32 dev eth1', 'ip -o -4 addr show',
    ]);
  });

  it('absent is success after one read; a failing read throws', async () => {
    const ran: string[] = [];
    const vip = new FloatingIp({ spec, runner: fake(new Map([['10.0.0.5/24', 'eth0']]), ran), log: silentLogger() });
    assert.equal(await vip.release(), 'absent');
    assert.deepEqual(ran, ['ip -o -4 addr show']);
    const broken = new FloatingIp({ spec, runner: fake(new Map(), [], true), log: silentLogger() });
    await assert.rejects(broken.release(), /ip -o -4 addr show: exit 1: Cannot open netlink socket/);
  });
});

const NS = `pbxhaip${process.pid}`;

/** Runs every tool inside the namespace, and records what ran. */
function nsRunner(ran: string[], results: CommandResult[]): CommandRunner {
  const wrap = (cmd: string, args: readonly string[]) => ['netns', 'exec', NS, cmd, ...args];
  return {
    run: async (cmd, args, t) => { ran.push([cmd, ...args].join(' ')); const r = await systemRunner.run('ip', wrap(cmd, args), t); results.push(r); return r; },
    background: (cmd, args, t) => { ran.push([cmd, ...args].join(' ')); const b = systemRunner.background('ip', wrap(cmd, args), t); void b.done.then((r) => results.push(r)); return b; },
    kill: systemRunner.kill,
  };
}

describe('floating IP and ping group in a namespace (root)', () => {
  before(() => {
    requireLab(['arping', 'ping']);
    const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'pipe' });
    ip('netns', 'add', NS);
    ip('-n', NS, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth9');
    ip('-n', NS, 'link', 'set', 'lo', 'up');
    ip('-n', NS, 'link', 'set', 'eth0', 'up');
    ip('-n', NS, 'link', 'set', 'eth9', 'up');
    ip('-n', NS, 'addr', 'add', '10.77.0.1/24', 'dev', 'eth0');
  });
  after(() => {
    try { execFileSync('ip', ['netns', 'del', NS], { stdio: 'pipe' }); } catch { /* already gone */ }
  });

  it('acquire is idempotent, verified and labelled; release removes it, absent is success', async () => {
    const ran: string[] = [];
    const results: CommandResult[] = [];
    const vip = new FloatingIp({ spec: { address: '10.77.0.100', prefix: 24, iface: 'eth0' }, runner: nsRunner(ran, results), log: silentLogger() });
    assert.equal(await vip.present(), false);
    assert.equal(await vip.acquire(), 'added');
    assert.ok(ran.includes('ip -4 addr add 10.77.0.100/24 brd + dev eth0 label eth0:ha'), ran.join('\n'));
    const shown = execFileSync('ip', ['-n', NS, '-o', '-4', 'addr', 'show', 'dev', 'eth0']).toString();
    assert.ok(parseAddrShow(shown).some((e) => e.address === '10.77.0.100' && e.label === 'eth0:ha'), shown);
    assert.equal(await vip.acquire(), 'already');
    vip.garp(1);
    await new Promise((r) => setTimeout(r, 1500));
    // arping -U/-A exit 0 or 1 (1: nobody replied, normal for a gratuitous ARP); 2 would be a bad interface.
    const arpExits = results.slice(-2).map((r) => r.code);
    assert.ok(arpExits.every((c) => c === 0 || c === 1), `arping exits ${arpExits}`);
    assert.ok(ran.some((c) => c.startsWith('arping -q -U -c 1')), 'gratuitous ARP request sent');
    assert.ok(ran.some((c) => c.startsWith('arping -q -A -c 1')), 'gratuitous ARP reply sent');
    assert.equal(await vip.release(), 'removed');
    assert.equal(await vip.present(), false);
    assert.equal(await vip.release(), 'absent');
    assert.deepEqual(vip.stats, { acquired: 1, released: 1, garpBursts: 1, failures: 0 });
  });

  it('a leftover on another interface is found and removed by release', async () => {
    execFileSync('ip', ['-n', NS, 'addr', 'add', '10.77.0.100/32', 'dev', 'eth9']);
    const vip = new FloatingIp({ spec: { address: '10.77.0.100', prefix: 24, iface: 'eth0' }, runner: nsRunner([], []), log: silentLogger() });
    assert.equal(await vip.present(), true);
    assert.equal(await vip.release(), 'removed');
    assert.equal(await vip.present(), false);
  });

  it('acquire on a missing interface fails with the command and its message', async () => {
    const vip = new FloatingIp({ spec: { address: '10.77.0.101', prefix: 24, iface: 'nosuch0' }, runner: nsRunner([], []), log: silentLogger() });
    await assert.rejects(vip.acquire(), /ip -4 addr add 10\.77\.0\.101\/24 .*dev nosuch0.*exit/);
    assert.equal(vip.stats.failures, 1);
  });

  it('the ping group counts the targets that answer', async () => {
    let t = 0;
    const g = new PingGroup({ targets: ['10.77.0.1', '10.77.0.200'], timeoutMs: 300, targetDeadMs: 1000, runner: nsRunner([], []), log: silentLogger(), now: () => t });
    assert.equal(await g.probe(), 1);
    assert.deepEqual(g.status().map((s) => [s.address, s.reachable]), [['10.77.0.1', true], ['10.77.0.200', false]]);
    t += 1500;
    assert.equal(g.reachable(), 0, 'an answer older than targetDeadMs no longer counts');
  });
});

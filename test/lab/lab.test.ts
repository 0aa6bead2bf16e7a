// Self-test of the namespace lab: it must build, carry unicast, multicast and broadcast, partition
// on demand, and leave nothing behind however the test process ends. Needs root: it FAILS (not
// skips) without it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createLab, NODE_BIN, SWITCH, LabError, type Lab } from './lab.ts';
import { listNetns, sweepStaleLabs } from './netns.ts';
import { PreflightError, requireLab, requireTools } from './preflight.ts';
import { collectLines, pidRunning, waitForExit } from './proc.ts';
import { createTmpDir } from './tmp.ts';

const RECV = fileURLToPath(new URL('./tools/udp-recv.ts', import.meta.url));
const SEND = fileURLToPath(new URL('./tools/udp-send.ts', import.meta.url));
const LAB_TS = new URL('./lab.ts', import.meta.url).href;
const T = { timeout: 60_000 };

async function ping(lab: Lab, from: string, to: string, waitS = 2): Promise<boolean> {
  const r = await lab.exec(from, 'ping', ['-c', '1', '-W', String(waitS), to], { timeoutMs: (waitS + 5) * 1000 });
  return r.code === 0;
}

async function ourNamespaces(prefix: string): Promise<string[]> {
  return (await listNetns()).filter((n) => n.startsWith(prefix));
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && pidRunning(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !pidRunning(pid);
}

describe('preflight', () => {
  it('names every missing tool and its package, loudly', () => {
    assert.throws(() => requireTools(['ip', 'no-such-tool-pbx', 'sipp-not-really']), (e: unknown) => {
      assert.ok(e instanceof PreflightError);
      assert.deepEqual(e.missing, ['no-such-tool-pbx', 'sipp-not-really']);
      assert.match(e.message, /TEST TOOLS MISSING: no-such-tool-pbx, sipp-not-really/);
      assert.match(e.message, /FAILS rather than skipping/);
      return true;
    });
    const found = requireTools(['ip', 'ping']);
    assert.match(found.ip!, /\/ip$/);
  });

  it('the lab prerequisites hold here (root, iproute2, namespaces)', () => {
    requireLab(['ping']);
  });
});

describe('a three-host lab', () => {
  let lab: Lab;

  before(async () => {
    requireLab(['ping']);
    lab = await createLab({
      hosts: [{ name: 'nodeA', ip: '10.99.0.1/24' }, { name: 'nodeB', ip: '10.99.0.2/24' }, { name: 'phone', ip: '10.99.0.3/24' }],
    });
  });

  after(async () => {
    await lab?.teardown();
  });

  it('names namespaces with its prefix and keeps the veths out of the root namespace', T, async () => {
    assert.match(lab.prefix, new RegExp(`^pbxt${process.pid}_\\d+_$`));
    assert.deepEqual((await ourNamespaces(lab.prefix)).sort(), ['nodeA', 'nodeB', 'phone', SWITCH].map((h) => lab.prefix + h).sort());
    const root = await new Promise<string>((resolve) => {
      const c = spawn('ip', ['-o', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let s = '';
      c.stdout.on('data', (d) => { s += d; });
      c.on('close', () => resolve(s));
    });
    assert.doesNotMatch(root, /\bv\dn\d\b|br-lan/);
    assert.equal(lab.macOf('nodeA'), '02:99:00:00:00:01');
    assert.equal(lab.macOf('phone'), '02:99:00:00:00:03');
    const link = await lab.exec('phone', 'ip', ['-o', 'link', 'show', 'eth0']);
    assert.match(link.stdout, /link\/ether 02:99:00:00:00:03/);
    const routes = (await lab.exec('phone', 'ip', ['route'])).stdout;
    assert.match(routes, /^224\.0\.0\.0\/4 dev eth0/m);
    assert.match(routes, /^255\.255\.255\.255 dev eth0/m);
    const resolv = await lab.exec('phone', 'cat', ['/etc/resolv.conf']);
    assert.match(resolv.stdout, new RegExp(`test lab namespace ${lab.ns('phone')}`), 'ip netns exec sees the per-namespace resolv.conf');
    assert.doesNotMatch(readFileSync('/etc/resolv.conf', 'utf8'), /test lab/);
  });

  it('every host pings every other', T, async () => {
    const pairs = lab.hosts.flatMap((a) => lab.hosts.filter((b) => b !== a).map((b) => [a, b] as const));
    const results = await Promise.all(pairs.map(([a, b]) => ping(lab, a, lab.ipOf(b))));
    assert.deepEqual(results, pairs.map(() => true));
  });

  it('multicast from the phone reaches both joined nodes (SIP PnP style, via the 224/4 route)', T, async () => {
    const receivers = ['nodeA', 'nodeB'].map((h) => {
      const c = lab.spawn(h, NODE_BIN, [RECV, '--port', '5060', '--group', '224.0.1.75', '--iface', lab.ipOf(h), '--timeout-ms', '10000']);
      return { c, out: collectLines(c.stdout, `recv ${h}`), err: collectLines(c.stderr, `recv ${h} stderr`) };
    });
    await Promise.all(receivers.map((r) => r.out.waitFor(/^ready$/)));
    const s = await lab.exec('phone', NODE_BIN, [SEND, '--to', '224.0.1.75', '--port', '5060', '--message', 'SUBSCRIBE pnp', '--repeat', '3']);
    assert.equal(s.code, 0, s.stderr);
    for (const r of receivers) {
      const line = await r.out.waitFor(/^\{/);
      assert.deepEqual(JSON.parse(line), { from: lab.ipOf('phone'), port: JSON.parse(line).port, text: 'SUBSCRIBE pnp' });
      assert.equal((await waitForExit(r.c)).code, 0, r.err.lines.join('\n'));
    }
  });

  it('limited broadcast from the phone reaches nodes bound to 0.0.0.0', T, async () => {
    const receivers = ['nodeA', 'nodeB'].map((h) => {
      const c = lab.spawn(h, NODE_BIN, [RECV, '--port', '6767', '--timeout-ms', '10000']);
      return { c, out: collectLines(c.stdout, `recv ${h}`) };
    });
    await Promise.all(receivers.map((r) => r.out.waitFor(/^ready$/)));
    const s = await lab.exec('phone', NODE_BIN, [SEND, '--to', '255.255.255.255', '--port', '6767', '--broadcast', '--message', 'DISCOVER', '--repeat', '3']);
    assert.equal(s.code, 0, s.stderr);
    for (const r of receivers) {
      assert.equal(JSON.parse(await r.out.waitFor(/^\{/)).text, 'DISCOVER');
      assert.equal((await waitForExit(r.c)).code, 0);
    }
  });

  it("a pulled cable cuts the host off (it sees NO-CARRIER) and linkUp restores it", T, async () => {
    await lab.linkDown('phone');
    assert.match((await lab.exec('phone', 'ip', ['link', 'show', 'eth0'])).stdout, /NO-CARRIER|LOWERLAYERDOWN/);
    assert.equal(await ping(lab, 'nodeA', lab.ipOf('phone'), 1), false);
    assert.equal(await ping(lab, 'nodeA', lab.ipOf('nodeB')), true, 'the others still talk');
    await lab.linkUp('phone');
    assert.equal(await ping(lab, 'nodeA', lab.ipOf('phone')), true);
    assert.match((await lab.exec('phone', 'ip', ['route'])).stdout, /^224\.0\.0\.0\/4 dev eth0/m, 'routes survive');
  });

  it('a silent partition drops traffic while the host keeps carrier', T, async () => {
    await lab.linkDown('nodeB', 'eth0', { mode: 'silent' });
    const link = (await lab.exec('nodeB', 'ip', ['link', 'show', 'eth0'])).stdout;
    assert.doesNotMatch(link, /NO-CARRIER/);
    assert.match(link, /LOWER_UP/);
    assert.equal(await ping(lab, 'nodeA', lab.ipOf('nodeB'), 1), false);
    await lab.linkUp('nodeB', 'lan');
    assert.equal(await ping(lab, 'nodeA', lab.ipOf('nodeB')), true);
  });

  it('exec kills a command that outlives its timeout, and reports bad hosts clearly', T, async () => {
    const t0 = Date.now();
    await assert.rejects(lab.exec('nodeA', 'sleep', ['30'], { timeoutMs: 300 }), /timed out after 300 ms/);
    assert.ok(Date.now() - t0 < 5_000);
    assert.throws(() => lab.ipOf('printer'), LabError);
    assert.throws(() => lab.ipOf('nodeA', 'eth7'), /no NIC 'eth7'/);
    const r = await lab.exec(SWITCH, 'ip', ['-o', 'link', 'show', 'master', lab.bridgeIf()]);
    assert.equal(r.stdout.trim().split('\n').length, 3, 'three ports on br-lan');
  });
});

describe('labs side by side', () => {
  it('two bridges, two NICs per node: LAN and sync partition separately', T, async () => {
    requireLab(['ping']);
    const lab = await createLab({
      hosts: [
        { name: 'nodeA', nics: [{ bridge: 'lan', ip: '10.99.0.1/24' }, { bridge: 'sync', ip: '10.98.0.1/24' }] },
        { name: 'nodeB', nics: [{ bridge: 'lan', ip: '10.99.0.2/24' }, { bridge: 'sync', ip: '10.98.0.2/24' }] },
        { name: 'phone', ip: '10.99.0.3/24' },
      ],
    });
    try {
      assert.equal(lab.ipOf('nodeA', 'sync'), '10.98.0.1');
      assert.equal(lab.ifName('nodeA', 'sync'), 'eth1');
      assert.equal(lab.macOf('nodeA', 'sync'), '02:99:01:00:00:01');
      assert.equal(await ping(lab, 'nodeA', lab.ipOf('nodeB', 'sync')), true);
      assert.equal(await ping(lab, 'nodeA', lab.ipOf('nodeB', 'lan')), true);
      assert.equal(await ping(lab, 'phone', lab.ipOf('nodeB', 'sync'), 1), false, 'the phone is not on the sync LAN');
      await lab.linkDown('nodeA', 'sync');
      assert.equal(await ping(lab, 'nodeA', lab.ipOf('nodeB', 'sync'), 1), false);
      assert.equal(await ping(lab, 'nodeA', lab.ipOf('nodeB', 'lan')), true, 'the LAN still works');
      await lab.linkUp('nodeA', 'sync');
      assert.equal(await ping(lab, 'nodeA', lab.ipOf('nodeB', 'sync')), true);
    } finally {
      await lab.teardown();
    }
  });

  it('two labs with the same host names and addresses coexist in one process', T, async () => {
    const spec = { hosts: [{ name: 'nodeA', ip: '10.99.0.1/24' }, { name: 'phone', ip: '10.99.0.3/24' }] };
    const [a, b] = await Promise.all([createLab(spec), createLab(spec)]);
    try {
      assert.notEqual(a.prefix, b.prefix);
      assert.deepEqual(await Promise.all([ping(a, 'phone', '10.99.0.1'), ping(b, 'phone', '10.99.0.1')]), [true, true]);
      await a.linkDown('nodeA');
      assert.equal(await ping(a, 'phone', '10.99.0.1', 1), false);
      assert.equal(await ping(b, 'phone', '10.99.0.1'), true, 'the other lab is unaffected');
    } finally {
      await Promise.all([a.teardown(), b.teardown()]);
    }
  });

  it('refuses bad specs before touching the system', async () => {
    await assert.rejects(createLab({ hosts: [] }), /at least one host/);
    await assert.rejects(createLab({ hosts: [{ name: 'a' }, { name: 'a' }] }), /used twice/);
    await assert.rejects(createLab({ hosts: [{ name: SWITCH }] }), /not be 'sw'/);
    await assert.rejects(createLab({ hosts: [{ name: 'a', ip: '10.99.0.1' }] }), /prefix length/);
    await assert.rejects(createLab({ hosts: [{ name: 'a', nics: [{ bridge: 'LAN!' }] }] }), /bridge/);
    await assert.rejects(createLab({ prefix: 'a/b', hosts: [{ name: 'a' }] }), /prefix/);
  });
});

describe('teardown', () => {
  it('kills tracked and stray processes, deletes namespaces and /etc/netns, and is idempotent', T, async () => {
    const lab = await createLab({ hosts: [{ name: 'nodeA', ip: '10.99.0.1/24' }, { name: 'phone' }] });
    const tracked = lab.spawn('nodeA', 'sleep', ['300']);
    const stray = await lab.exec('phone', 'sh', ['-c', 'sleep 300 >/dev/null 2>&1 & echo $!']);
    const strayPid = Number(stray.stdout.trim());
    assert.ok(strayPid > 1);
    assert.ok(pidRunning(tracked.pid!) && pidRunning(strayPid));
    assert.ok(existsSync(`/etc/netns/${lab.ns('phone')}/resolv.conf`));
    await lab.teardown();
    await lab.teardown();
    assert.equal(await gone(tracked.pid!), true, 'tracked child killed');
    assert.equal(await gone(strayPid), true, 'stray daemon killed through ip netns pids');
    assert.deepEqual(await ourNamespaces(lab.prefix), []);
    assert.equal(existsSync(`/etc/netns/${lab.ns('phone')}`), false);
    assert.throws(() => lab.spawn('nodeA', 'true'), /torn down/);
  });

  for (const mode of ['exit', 'SIGTERM', 'uncaught'] as const) {
    it(`an aborted test process (${mode}) leaves nothing behind`, T, async () => {
      const tmp = await createTmpDir('pbx-lab-');
      try {
        const script = tmp.join('abort.ts');
        await writeFile(script, [
          `import { createLab } from ${JSON.stringify(LAB_TS)};`,
          `const lab = await createLab({ hosts: [{ name: 'nodeA', ip: '10.99.0.1/24' }] });`,
          `const c = lab.spawn('nodeA', 'sleep', ['300'], { stdio: 'ignore' });`,
          `console.log(JSON.stringify({ prefix: lab.prefix, pid: c.pid }));`,
          `const mode = process.argv[2];`,
          `if (mode === 'exit') process.exit(3);`,
          `if (mode === 'uncaught') setTimeout(() => { throw new Error('boom'); }, 10);`,
          `setInterval(() => {}, 1000);`,
        ].join('\n'));
        const child = spawn(NODE_BIN, [script, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
        const out = collectLines(child.stdout, 'abort child');
        collectLines(child.stderr, 'abort child stderr');
        let info: { prefix: string; pid: number };
        try {
          info = JSON.parse(await out.waitFor(/^\{/, 20_000)) as { prefix: string; pid: number };
        } catch (e) {
          child.kill('SIGKILL');
          throw e;
        }
        if (mode === 'SIGTERM') child.kill('SIGTERM');
        const { code, signal } = await waitForExit(child, 20_000);
        if (mode === 'exit') assert.equal(code, 3);
        if (mode === 'SIGTERM') assert.equal(signal, 'SIGTERM');
        if (mode === 'uncaught') assert.equal(code, 1);
        assert.deepEqual(await ourNamespaces(info.prefix), []);
        assert.equal(await gone(info.pid), true);
        assert.equal(existsSync(`/etc/netns/${info.prefix}nodeA`), false);
      } finally {
        await tmp.cleanup();
      }
    });
  }

  it('sweeps namespaces of a test process that died by kill -9', T, async () => {
    const tmp = await createTmpDir('pbx-lab-');
    try {
      const script = tmp.join('killed.ts');
      await writeFile(script, [
        `import { createLab } from ${JSON.stringify(LAB_TS)};`,
        `const lab = await createLab({ hosts: [{ name: 'nodeA', ip: '10.99.0.1/24' }] });`,
        `console.log(JSON.stringify({ prefix: lab.prefix }));`,
        `setInterval(() => {}, 1000);`,
      ].join('\n'));
      const child = spawn(NODE_BIN, [script], { stdio: ['ignore', 'pipe', 'ignore'] });
      const out = collectLines(child.stdout, 'killed child');
      const { prefix } = JSON.parse(await out.waitFor(/^\{/, 20_000)) as { prefix: string };
      child.kill('SIGKILL');
      await waitForExit(child);
      assert.equal((await ourNamespaces(prefix)).length, 2, 'kill -9 leaves the namespaces');
      const swept = await sweepStaleLabs();
      assert.ok(swept.includes(`${prefix}nodeA`), JSON.stringify(swept));
      assert.deepEqual(await ourNamespaces(prefix), []);
      assert.equal(existsSync(`/etc/netns/${prefix}nodeA`), false);
    } finally {
      await tmp.cleanup();
    }
  });
});

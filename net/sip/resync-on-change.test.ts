// Resync on change, without sockets: which devices an edit touches (read from the audit rows it
// wrote), and the worker's debounce, rate limit, one-at-a-time per phone and batch reporting on
// a fake clock, driven through the same provisioning method table pbxctl calls.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readAudit } from '../../agent/audit.ts';
import type { MethodTable } from '../../agent/control/registry.ts';
import { silentLogger } from '../../agent/log.ts';
import type { Db } from '../../agent/store/db.ts';
import { guardConfigMethods } from '../../cluster/sync/guard.ts';
import { affectedDevices, auditMark, changesSince, priorRows } from '../../provisioning/change-scope.ts';
import { provisioningMethods } from '../../provisioning/control-methods.ts';
import { ACTOR, fixture, type Fixture } from '../../provisioning/testing/fixture.ts';
import { sendResync, type ResyncRequest, type ResyncResult } from './resync-client.ts';
import { createResyncOnChange } from './resync-on-change.ts';
import { createResyncWorker, MAX_WAIT_FACTOR, type Clock, type ResyncLookup } from './resync-worker.ts';

const CTX = { actor: ACTOR };
const Y1 = '001565000001'; // Yealink, account 201
const Y2 = '001565000002'; // Yealink, account 202, its own template
const Y3 = '001565000003'; // Yealink, no account: no file, never resynced
const Y4 = '001565000004'; // Yealink, account 204, disabled
const S1 = '000413000001'; // Snom, account 205
const G1 = '000b82000001'; // Grandstream, account 206

async function setup(): Promise<{ f: Fixture; m: MethodTable }> {
  const f = fixture();
  const m = provisioningMethods(f.prov);
  for (const u of ['201', '202', '204', '205', '206']) await m['account.add']!({ username: u, password: `pw-${u}-secret` }, CTX);
  await m['template.copy']!({ template: 'Yealink T4x-T5x', name: 'Yealink custom' }, CTX);
  await m['device.add']!({ mac: Y1, model: 'Yealink/T4x-T5x', account: '201' }, CTX);
  await m['device.add']!({ mac: Y2, model: 'Yealink/T4x-T5x', account: '202', template: 'Yealink custom' }, CTX);
  await m['device.add']!({ mac: Y3, model: 'Yealink/T4x-T5x' }, CTX);
  await m['device.add']!({ mac: Y4, model: 'Yealink/T4x-T5x', account: '204', enabled: false }, CTX);
  await m['device.add']!({ mac: S1, model: 'Snom/D7xx', account: '205' }, CTX);
  await m['device.add']!({ mac: G1, model: 'Grandstream/GXP-GRP', account: '206' }, CTX);
  return { f, m };
}

/** The devices a call touched, computed the way the wrapper does. */
async function touched(f: Fixture, call: () => unknown, remove = false): Promise<string[]> {
  const mark = auditMark(f.db);
  const prior = remove ? priorRows(f.db) : undefined;
  const result = await call();
  return affectedDevices(f.db, changesSince(f.db, mark, result), prior);
}

describe('devices a provisioning change touches', () => {
  it('device, account, template, model, rule, placeholder; only enabled devices with an account', async () => {
    const { f, m } = await setup();
    const t = (method: string, p: Record<string, unknown>, remove = false) => touched(f, () => m[method]!(p, CTX), remove);
    assert.deepEqual(await t('device.update', { mac: Y1, notes: 'desk 4' }), [Y1]);
    assert.deepEqual(await t('device.update', { mac: Y3, notes: 'no account' }), [], 'no account: no file');
    assert.deepEqual(await t('device.update', { mac: Y4, notes: 'disabled' }), []);
    assert.deepEqual(await t('device.update', { mac: Y4, enabled: true }), [Y4], 'enabled now: it has a file again');
    await m['device.update']!({ mac: Y4, enabled: false }, CTX);
    assert.deepEqual(await t('device.update', { mac: Y3, account: '204', enabled: true }), [Y3], 'with an account and enabled it has a file');
    await m['device.update']!({ mac: Y3, account: null, enabled: false }, CTX);
    assert.deepEqual(await t('device.update', { mac: Y1, newMac: '001565000009' }), ['001565000009'], 'a new MAC: the new one');
    await m['device.update']!({ mac: '001565000009', newMac: Y1 }, CTX);
    assert.deepEqual(await t('account.update', { account: '201', displayName: 'Reception' }), [Y1]);
    assert.deepEqual(await t('account.update', { account: '204', displayName: 'Off' }), [], 'its device is disabled');
    const body = (name: string) => (f.s.showTemplate(name) as { body: string }).body;
    assert.deepEqual(await t('template.update', { template: 'Yealink T4x-T5x', body: body('Yealink T4x-T5x') + '\n# edited\n' }), [Y1], 'Y2 has its own template');
    assert.deepEqual(await t('template.update', { template: 'Yealink custom', body: body('Yealink custom') + '\n# edited\n' }), [Y2]);
    assert.deepEqual(await t('template.update', { template: 'Yealink common', body: body('Yealink common') + '\n# edited\n' }), [Y1, Y2], 'the common file rule of the model');
    assert.deepEqual(await t('model.update', { model: 'Snom/D7xx', description: 'desk phones' }), [S1]);
    assert.deepEqual(await t('brand.update', { brand: 'Grandstream', name: 'Grandstream Networks' }), [G1]);
    const rule = await m['rule.add']!({ model: 'Grandstream Networks/GXP-GRP', name: 'extra', macFormat: 'lower', prefix: 'x', suffix: '.xml' }, CTX) as { id: number };
    assert.ok(rule.id > 0);
    assert.deepEqual(await t('rule.update', { id: rule.id, suffix: '.cfg' }), [G1]);
    assert.deepEqual(await t('rule.remove', { id: rule.id }, true), [G1], 'a removed rule: its model, read before the removal');
    assert.deepEqual(await t('placeholder.add', { name: 'VLAN', value: '100' }), [S1, G1, Y1, Y2], 'a global placeholder: every device with a file');
    assert.deepEqual(await t('placeholder.add', { name: 'DESK', value: '4', device: S1 }), [S1]);
    assert.deepEqual(await t('placeholder.update', { name: 'DESK', device: S1, value: '5' }), [S1]);
    assert.deepEqual(await t('placeholder.remove', { name: 'DESK', device: S1 }, true), [S1], 'a removed per-device placeholder: that device');
    assert.deepEqual(await t('placeholder.remove', { name: 'VLAN' }, true), [S1, G1, Y1, Y2]);
    assert.deepEqual(await t('account.remove', { account: '202' }), [], 'its device is disabled, so no file');
    assert.deepEqual(await t('template.add', { model: 'Snom/D7xx', name: 'unused', body: 'x=1\n' }), [], 'a new template nothing uses');
    assert.deepEqual(affectedDevices(f.db, [{ action: 'resync', objectType: 'device', objectId: Y1 }]), [], 'resync rows are not changes');
    assert.deepEqual(affectedDevices(f.db, [{ action: 'rps-register', objectType: 'device', objectId: Y1 }]), [], 'nor RPS registrations');
    assert.deepEqual(changesSince(f.db, auditMark(f.db), { mac: Y1 }), [], 'a result naming a device is not a change on its own');
  });
});

/** A fake clock: timers run in time order when the test advances it. */
function fakeClock(): Clock & { advance(ms: number): Promise<void> } {
  let t = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    now: () => t,
    setTimeout: (fn, ms) => { timers.set(++seq, { at: t + ms, fn }); return seq; },
    clearTimeout: (h) => { timers.delete(h as number); },
    async advance(ms) {
      const end = t + ms;
      await settle();
      for (;;) {
        const next = [...timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!next) break;
        timers.delete(next[0]);
        t = next[1].at;
        next[1].fn();
        await settle();
      }
      t = end;
      await settle();
    },
  };
}

const OK: ResyncResult = { outcome: 'answered', status: 200, reason: 'OK', transmissions: 1, ms: 1 };

/** Every MAC has an address (10.0.0.1); the fake send never touches it. */
const sendTo10001: ResyncLookup = (mac) => ({ kind: 'send', label: mac, request: { target: { address: '10.0.0.1', port: 5060 }, event: 'check-sync', user: mac } });

describe('resync worker', () => {
  it('debounces: edits within the window make one batch, each MAC once', async () => {
    const clock = fakeClock();
    const sent: string[] = [];
    const w = createResyncWorker({
      delayMs: 5000, ratePerSec: 10, clock,
      lookup: sendTo10001,
      send: async (r) => { sent.push(r.user); return OK; },
    });
    w.enqueue(['a']);
    await clock.advance(3000);
    w.enqueue(['a', 'b']);
    await clock.advance(4999);
    assert.deepEqual(sent, [], 'the window restarts on every edit');
    await clock.advance(1000);
    assert.deepEqual(sent.sort(), ['a', 'b']);
    assert.equal(w.stats().batches, 1);
  });

  it('a stream of edits postpones the batch at most MAX_WAIT_FACTOR x delayMs', async () => {
    const clock = fakeClock();
    const sent: number[] = [];
    const w = createResyncWorker({
      delayMs: 1000, ratePerSec: 10, clock,
      lookup: sendTo10001,
      send: async () => { sent.push(clock.now()); return OK; },
    });
    // An edit every 500 ms would restart a plain debounce for ever.
    for (let i = 0; i < 20 && sent.length === 0; i++) {
      w.enqueue([`m${i}`]);
      await clock.advance(500);
    }
    assert.ok(sent.length > 0, 'sent while edits kept coming');
    assert.ok(sent[0]! <= MAX_WAIT_FACTOR * 1000, `first NOTIFY at ${sent[0]} ms`);
    w.stop();
  });

  it('at most ratePerSec NOTIFYs started in any second; none to a phone already in flight', async () => {
    const clock = fakeClock();
    const starts: Array<{ mac: string; at: number }> = [];
    const release = new Map<string, () => void>();
    const w = createResyncWorker({
      delayMs: 100, ratePerSec: 10, clock,
      lookup: sendTo10001,
      send: (r) => {
        starts.push({ mac: r.user, at: clock.now() });
        return new Promise((res) => release.set(r.user, () => res(OK)));
      },
    });
    const macs = Array.from({ length: 25 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    w.enqueue(macs);
    await clock.advance(100);
    assert.equal(starts.length, 1, 'the first starts when the window closes');
    await clock.advance(1000);
    assert.ok(starts.length <= 11 && starts.length >= 10, `${starts.length} started by 1.1 s`);
    // m00 is in flight: edited again, it must wait for its answer.
    w.enqueue(['m00']);
    await clock.advance(2000);
    assert.equal(starts.length, 25);
    assert.equal(starts.filter((s) => s.mac === 'm00').length, 1, 'no second NOTIFY while the first is in flight');
    for (const s of starts) {
      const inWindow = starts.filter((x) => x.at >= s.at && x.at < s.at + 1000).length;
      assert.ok(inWindow <= 10, `${inWindow} starts in the second from ${s.at} ms`);
    }
    release.get('m00')!();
    await clock.advance(100);
    assert.equal(starts.filter((s) => s.mac === 'm00').length, 2, 'sent again once the first ended');
    assert.equal(w.stats().inFlight, 25, 'the 24 others and the second m00');
  });

  it('reports each outcome, counts phones without an address once per batch, drops batches on an HA member', async () => {
    const clock = fakeClock();
    const reports: unknown[] = [];
    let member = false;
    let dropped = 0;
    const results: Record<string, ResyncResult> = {
      ok: OK,
      busy: { outcome: 'answered', status: 486, reason: 'Busy Here', transmissions: 1, ms: 1 },
      mute: { outcome: 'timeout', transmissions: 11, ms: 32000 },
      closed: { outcome: 'unreachable', error: 'ICMP port unreachable', transmissions: 1, ms: 1 },
    };
    const w = createResyncWorker({
      delayMs: 10, ratePerSec: 100, clock, maySend: () => !member,
      lookup: (mac) => mac.startsWith('nowhere') ? { kind: 'no-address' } : mac === 'gone' ? { kind: 'skip' }
        : { kind: 'send', label: mac, request: { target: { address: '10.0.0.1', port: 5060 }, event: 'check-sync', user: mac } },
      send: async (r) => results[r.user]!,
      onBatch: (r) => reports.push(r),
      onDropped: (n) => { dropped += n; },
    });
    w.enqueue(['ok', 'busy', 'mute', 'closed', 'nowhere1', 'nowhere2', 'gone']);
    await clock.advance(1000);
    assert.deepEqual(reports, [{
      batch: 1, answered: ['ok'], failed: [{ mac: 'busy', said: 'answered 486 Busy Here' }, { mac: 'closed', said: 'unreachable: ICMP port unreachable' }],
      noAnswer: ['mute'], noAddress: ['nowhere1', 'nowhere2'], skipped: 1,
    }]);
    const s = w.stats();
    assert.deepEqual({ sent: s.sent, answered: s.answered, failed: s.failed, noAnswer: s.noAnswer, noAddress: s.noAddress, skipped: s.skipped }, { sent: 4, answered: 1, failed: 2, noAnswer: 1, noAddress: 2, skipped: 1 });
    member = true;
    w.enqueue(['ok']);
    await clock.advance(1000);
    assert.equal(dropped, 1);
    assert.equal(w.stats().sent, 4, 'a member sends nothing');
  });
});

describe('stopping', () => {
  it('stop() aborts the NOTIFYs in flight: the socket closes at once, not after Timer F', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    let got = 0;
    silent.on('message', () => { got++; });
    const results: Array<Promise<ResyncResult>> = [];
    const w = createResyncWorker({
      delayMs: 0, ratePerSec: 100,
      lookup: () => ({ kind: 'send', label: 'x', request: { target: { address: '127.0.0.1', port: silent.address().port }, event: 'check-sync', user: '' } }),
      send: (q) => { const p = sendResync(q); results.push(p); return p; },
    });
    w.enqueue(['001565000001']);
    while (got === 0) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    w.stop();
    const r = await results[0]!;
    silent.close();
    assert.deepEqual([r.outcome, r.error], ['error', 'aborted']);
    assert.ok(Date.now() - t0 < 1000, 'ended at once');
    await new Promise((res) => setImmediate(res));
    assert.equal(w.stats().inFlight, 0);
  });
});

describe('resync on change through the method table', () => {
  const sight = (db: Db, mac: string, port: number) =>
    db.prepare('INSERT INTO pnp_seen (mac, ip, port, last_seen) VALUES (?, ?, ?, ?)').run(mac, '10.0.0.21', port, 1000);
  /** The setup() devices, Y1 seen by PnP on port 5062, resync on change with sends recorded. */
  const onChange = async (delayMs: number) => {
    const { f, m } = await setup();
    sight(f.db, Y1, 5062);
    const clock = fakeClock();
    const sent: ResyncRequest[] = [];
    const r = createResyncOnChange({
      config: { resyncOnChange: 'check-sync', resyncDelayMs: delayMs, resyncRatePerSec: 10 }, db: f.db, log: silentLogger(), clock,
      send: async (q) => { sent.push(q); return OK; },
    });
    return { f, m, clock, sent, r };
  };

  it('an edit sends the brand event to the last known address after the delay, audits the batch, shows in status', async () => {
    const { f, m, clock, sent, r } = await onChange(5000);
    sight(f.db, S1, 5064);
    const methods = r.wrap(m);
    await methods['device.update']!({ mac: Y1, notes: 'a' }, CTX);
    await methods['device.update']!({ mac: Y1, notes: 'b' }, CTX);
    await methods['model.update']!({ model: 'Snom/D7xx', description: 'x' }, CTX);
    await methods['device.update']!({ mac: G1, notes: 'never seen' }, CTX);
    await methods['device.show']!({ mac: Y1 }, CTX);
    await clock.advance(4999);
    assert.equal(sent.length, 0, 'nothing before the window closes');
    await clock.advance(101);
    assert.deepEqual(sent.map((q) => [q.user, q.event, q.target.port]).sort(), [['201', 'check-sync;reboot=false', 5062], ['205', 'check-sync;reboot=false', 5064]]);
    const audit = readAudit(f.db, { limit: 1 })[0]!;
    assert.equal(audit.user, 'system');
    assert.equal(audit.action, 'resync');
    assert.match(audit.description, /2 answered 2xx, 0 failed, 0 no answer, 1 without a known address.*without address: 000b82000001/);
    const st = r.service.status();
    assert.equal(st.sent, 2);
    assert.equal(st.noAddress, 1);
    await r.service.stop();
  });

  it('on the HA member the guard refuses the edit before it can queue a resync; off wraps nothing', async () => {
    const { f, m, clock, sent, r } = await onChange(10);
    const guarded = guardConfigMethods(r.wrap(m), { coordinator: () => ({ name: 'nA', serial: 'S1', address: '10.0.0.1' }) });
    await assert.rejects(async () => guarded['device.update']!({ mac: Y1, notes: 'x' }, CTX), /coordinator/);
    await clock.advance(1000);
    assert.deepEqual(sent, []);
    assert.equal(r.service.status().pending, 0);
    const off = createResyncOnChange({ config: { resyncOnChange: 'off' }, db: f.db, log: silentLogger() });
    assert.equal(off.wrap(m), m);
    assert.deepEqual(off.service.status(), { enabled: false, onChange: 'off' });
  });
});

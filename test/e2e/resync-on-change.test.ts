// provisioning.resyncOnChange end to end: two real daemons, on loopback. With 'check-sync', a
// device edit through the control socket (the method table pbxctl calls) makes sipp, standing in
// for the phone at the address PnP saw, receive the vendor's NOTIFY with the right Event header;
// the batch is audited and `pbxctl status` shows it. With 'off', a listening socket receives
// nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ControlClient } from '../../agent/control/client.ts';
import { freePort } from '../lab/ports.ts';
import { requireTools } from '../lab/preflight.ts';
import { notifyScenario, startSipp, waitUdpBound, type Sipp } from '../lab/sipp.ts';
import { startAgent, type Agent } from './agent.ts';

const YEALINK = '001565aabbcc';
const DELAY_MS = 300;

type ResyncStatus = { enabled: boolean; batches?: number; sent?: number; answered?: number; noAddress?: number; pending?: number };

async function resyncStatus(c: ControlClient): Promise<ResyncStatus> {
  const s = await c.call<{ services: Record<string, ResyncStatus> }>('status', {});
  return s.services.resync!;
}

async function waitFor(what: string, f: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The phone as PnP last saw it: the address and SIP port resync will use. */
function sighting(agent: Agent, ip: string, port: number): void {
  const db = new Database(join(agent.dir, 'state', 'pbx-agent.db'));
  db.prepare('INSERT OR REPLACE INTO pnp_seen (mac, vendor, ip, port, last_seen) VALUES (?, ?, ?, ?, ?)').run(YEALINK, 'Yealink', ip, port, Date.now());
  db.close();
}

async function addPhone(c: ControlClient): Promise<void> {
  await c.call('account.add', { username: '201', password: 'pw201-secret' });
  await c.call('device.add', { mac: YEALINK, model: 'Yealink/T4x-T5x', account: '201' });
}

describe('resync on change (real daemons, sipp as the phone)', () => {
  let on: Agent;
  let off: Agent;
  let onClient: ControlClient;
  let offClient: ControlClient;
  let sipp: Sipp | undefined;
  let silent: Socket | undefined;

  before(async () => {
    requireTools(['sipp']);
    const provisioning = (mode: string) => ({ provisioning: { resyncOnChange: mode, resyncDelayMs: DELAY_MS, resyncRatePerSec: 10 } });
    [on, off] = await Promise.all([startAgent({ config: provisioning('check-sync') }), startAgent({ config: provisioning('off') })]);
    onClient = new ControlClient(on.socket);
    offClient = new ControlClient(off.socket);
    await Promise.all([addPhone(onClient), addPhone(offClient)]);
  });

  after(async () => {
    if (sipp?.proc.exitCode === null) sipp.proc.kill('SIGKILL');
    silent?.close();
    await Promise.all([on?.stop(), off?.stop()]);
    on?.cleanup();
    off?.cleanup();
  });

  it("check-sync: a device edit sends the Yealink NOTIFY (Event check-sync;reboot=false) to the phone's address; audited, in status", async () => {
    // Adding the phone queued a resync too; it had no known address yet. Let that batch end first.
    await waitFor('the batch of device.add', async () => (await resyncStatus(onClient)).batches === 1);
    assert.equal((await resyncStatus(onClient)).noAddress, 1);
    const port = await freePort({ proto: 'udp' });
    const dir = join(on.dir, 'sipp');
    mkdirSync(dir, { recursive: true });
    sipp = startSipp(dir, 'on-change', notifyScenario('check-sync;reboot=false'), '127.0.0.1', port);
    await waitUdpBound(port, '127.0.0.1');
    sighting(on, '127.0.0.1', port);
    const t0 = Date.now();
    await onClient.call('device.update', { mac: YEALINK, notes: 'desk 4' });
    await onClient.call('account.update', { account: '201', displayName: 'Reception' });
    const s = await sipp.exited;
    assert.equal(s.code, 0, `sipp received one NOTIFY with the expected Event and answered it: ${s.out}`);
    assert.ok(Date.now() - t0 >= DELAY_MS, 'sent after the debounce delay');
    await waitFor('the answered count', async () => (await resyncStatus(onClient)).answered === 1);
    const st = await resyncStatus(onClient);
    assert.equal(st.sent, 1, 'two edits in the window: one NOTIFY');
    const audit = await onClient.call<Array<{ user: string; action: string; description: string }>>('audit.list', { objectType: 'device', limit: 1 });
    assert.equal(audit[0]!.action, 'resync');
    assert.match(audit[0]!.description, /1 device\(s\): 1 answered 2xx, 0 failed, 0 no answer, 0 without a known address/);
    const out = await on.pbxctl(['status']);
    assert.match(out.stdout, /resync\s+running\s+-\s+on change: 1 NOTIFYs, 1 answered, 0 failed, 0 no answer, 1 without address, 0 pending/);
  });

  it('off: the same edit sends nothing', async () => {
    const sock = createSocket('udp4');
    silent = sock;
    let got = 0;
    sock.on('message', () => { got++; });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    sighting(off, '127.0.0.1', sock.address().port);
    await offClient.call('device.update', { mac: YEALINK, notes: 'desk 4' });
    await new Promise((r) => setTimeout(r, DELAY_MS + 1200));
    assert.equal(got, 0, 'no NOTIFY with resyncOnChange off');
    assert.deepEqual(await resyncStatus(offClient), { enabled: false, onChange: 'off' });
    const out = await off.pbxctl(['status']);
    assert.match(out.stdout, /resync\s+disabled/);
  });
});

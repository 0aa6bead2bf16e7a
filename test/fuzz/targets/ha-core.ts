// HA core: the input bytes are a script of inputs to one node's pure state machine (peer messages
// with arbitrary wire values, timer ticks at arbitrary times, link, ping and resource results,
// admin actions, stops). Properties: step never throws; the state stays coherent (an active node
// holds the resource, a standby or faulty one does not; services are started only where the
// resource is); the next deadline always lies ahead, so no driver can spin; every admin action gets exactly
// one answer, and only admin actions get one.
import assert from 'node:assert/strict';
import { coreConfig } from '../../../cluster/core/config.ts';
import { LAB_HA } from '../../../cluster/core/sim.ts';
import { initialState, nextDeadline, step } from '../../../cluster/core/step.ts';
import { ROLES, type Input, type MessageKind, type PeerMessage, type Role } from '../../../cluster/core/types.ts';
import type { FuzzTarget } from '../target.ts';

const KINDS: MessageKind[] = ['heartbeat', 'handover-request', 'handover-accept', 'handover-refuse', 'released', 'acquired', 'disable', 'handover-cancel'];
const cfgs = [coreConfig(LAB_HA, 'SN-A', 'SN-B'), coreConfig({ ...LAB_HA, pingGroup: [], syncInterface: '' }, 'SN-B', 'SN-A')];

class Reader {
  i = 0;
  readonly b: Buffer;
  constructor(b: Buffer) { this.b = b; }
  get done(): boolean { return this.i >= this.b.length; }
  u8(): number { return this.i < this.b.length ? this.b[this.i++]! : 0; }
  u16(): number { return this.u8() * 256 + this.u8(); }
  u32(): number { return (this.u16() * 65536 + this.u16()) >>> 0; }
  bool(): boolean { return (this.u8() & 1) === 1; }
  pick<T>(xs: readonly T[]): T { return xs[this.u8() % xs.length]!; }
}

function message(r: Reader, gen: number): PeerMessage {
  return {
    kind: r.pick(KINDS), msgId: r.bool() ? r.u8() : r.u32(), generation: r.bool() ? gen : r.u32(),
    state: r.pick(ROLES), holdsResource: r.bool(), stable: r.bool(), shutdown: r.u8() < 16, forced: r.u8() < 16,
    pingReachable: r.u8(), pingTotal: r.u8(), pingStable: r.bool(), timersHash: r.bool() ? 0 : r.u32(),
  };
}

function input(r: Reader, requestIds: Set<string>): Input {
  switch (r.u8() % 12) {
    case 0: case 1: case 2: return { kind: 'message', path: r.bool() ? 'lan' : 'sync', msg: message(r, 1 + (r.u8() % 3)) };
    case 3: return { kind: 'link', path: r.bool() ? 'lan' : 'sync', up: r.bool() };
    case 4: return { kind: 'ping-result', reachable: r.u8() % 4, total: 2 };
    case 5: return { kind: 'resource-check', present: r.bool() };
    case 6: return { kind: 'acquire-result', ok: r.u8() > 40, error: 'x' };
    case 7: return { kind: 'release-result', ok: r.u8() > 40, error: 'y' };
    case 8: return { kind: 'paired' };
    case 9: {
      const requestId = `r${requestIds.size}`;
      requestIds.add(requestId);
      const a = r.u8() % 5;
      if (a === 0) return { kind: 'admin', requestId, action: 'switchover' };
      if (a === 1) return { kind: 'admin', requestId, action: 'force-takeover', confirmed: r.bool() };
      if (a === 2) return { kind: 'admin', requestId, action: 'unpair' };
      if (a === 3) return { kind: 'admin', requestId, action: 'disable' };
      return { kind: 'admin', requestId, action: 'enable', paired: r.bool(), resourcePresent: r.bool(), linkUp: r.bool() };
    }
    case 10: return { kind: 'shutdown', release: r.u8() < 200 };
    default: return { kind: 'tick' };
  }
}

function coherent(role: Role, holds: boolean): void {
  if (role === 'active' || role === 'acquiring' || role === 'releasing') assert.ok(holds, `${role} must hold the resource`);
  if (role === 'standby' || role === 'fault') assert.ok(!holds, `${role} must not hold the resource`);
}

const seeds = [
  Buffer.from([0, 1, 0, 0, 0, 0, 1, 0, 3, 1, 1, 0, 0, 0, 200, 11, 11, 11, 11]),
  Buffer.from([1, 1, 4, 2, 200, 11, 50, 0, 1, 1, 0, 2, 1, 1, 0, 0, 0, 1, 9, 0, 0, 9, 1, 1, 9, 3]),
  Buffer.from([0, 0, 2, 1, 0, 1, 0, 0, 3, 1, 6, 100, 5, 0, 10, 255, 10, 0]),
  Buffer.from('HA core fuzz: the bytes are a script of inputs and time steps', 'latin1'),
];

export const target: FuzzTarget = {
  name: 'ha-core',
  seeds,
  maxLength: 400,
  run(buf: Buffer): boolean {
    const r = new Reader(buf);
    const cfg = cfgs[r.u8() % cfgs.length]!;
    let now = r.u16();
    const boot = { generation: 1 + (r.u8() % 3), enabled: r.u8() < 230, paired: r.u8() < 230, resourcePresent: r.bool(), linkUp: r.u8() < 230 };
    let s = initialState(cfg, boot, now).state;
    const asked = new Set<string>();
    const answered = new Set<string>();
    let exited = false;
    let steps = 0;
    while (!r.done && !exited && steps++ < 100) {
      // Time moves by 0..~2.5 s, sometimes straight to the next deadline.
      const d = nextDeadline(s);
      now = r.u8() < 64 && d !== null ? Math.max(now, d) : now + r.u8() * 10;
      const inp = input(r, asked);
      const res = step(s, inp, now);
      if (process.env.HA_FUZZ_TRACE) console.log(now, JSON.stringify(inp), s.role, '->', res.state.role, res.state.holds, res.effects.map((e) => e.kind === 'log' ? e.msg : e.kind).join(' | '));
      s = res.state;
      assert.ok(ROLES.includes(s.role), `unknown role ${String(s.role)}`);
      coherent(s.role, s.holds);
      // Services may start and stop within one batch (added, then the link fell); judge the last word.
      const lastServices = res.effects.filter((e) => e.kind === 'services').at(-1);
      // Disabled and unpaired nodes keep what they hold (the resource stays where it is), and serve it.
      if (lastServices?.kind === 'services' && lastServices.run) assert.ok(s.role === 'active' || ((s.role === 'unpaired' || s.role === 'disabled') && s.holds), `services left running in ${s.role}`);
      for (const e of res.effects) {
        if (e.kind === 'admin-result') {
          assert.ok(asked.has(e.requestId), `answer to a request nobody made: ${e.requestId}`);
          assert.ok(!answered.has(e.requestId), `two answers to ${e.requestId}`);
          answered.add(e.requestId);
        }
        if (e.kind === 'exit') exited = true;
        if (e.kind === 'send') assert.ok(Number.isInteger(e.msg.pingReachable) && e.msg.pingReachable <= 255 && e.msg.msgId >= 0 && e.msg.msgId <= 0xffffffff);
      }
      if (exited) break;
      const next = nextDeadline(s);
      if (next !== null && next <= now) {
        // One tick at `now` must push every due deadline forward; otherwise a driver spins.
        s = step(s, { kind: 'tick' }, now).state;
        const again = nextDeadline(s);
        assert.ok(again === null || again > now, `deadline stuck at ${again} (now ${now}, ${s.role})`);
      }
    }
    return true;
  },
};

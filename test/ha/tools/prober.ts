// The phone: run inside cli, sends "<seq>" to the resource IP every --interval-ms and prints one
// line per probe once it is settled (answered, or unanswered after --timeout-ms):
//   P <seq> <sent at, epoch ms with decimals> <answering node | -> <rtt ms | ->
// Epoch ms (performance.timeOrigin + now) so the test process can line probes up with its own
// events. Runs until killed. A late answer (after the timeout) is counted as a failure: a phone
// that has given up does not care.
//   node prober.ts --target 10.99.0.100 [--port 7070] [--interval-ms 50] [--timeout-ms 200]
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    target: { type: 'string' }, port: { type: 'string', default: '7070' },
    'interval-ms': { type: 'string', default: '50' }, 'timeout-ms': { type: 'string', default: '200' },
  },
});
const port = Number(a.port);
const interval = Number(a['interval-ms']);
const timeout = Number(a['timeout-ms']);
if (!a.target || !Number.isInteger(port) || !(interval >= 5) || !(timeout >= 1)) {
  console.error('usage: prober.ts --target IP [--port P] [--interval-ms N] [--timeout-ms N]');
  process.exit(64);
}
const now = (): number => performance.timeOrigin + performance.now();
const pending = new Map<number, { t: number; timer: NodeJS.Timeout }>();
let seq = 0;
const out: string[] = [];
const flush = (): void => {
  if (out.length > 0) process.stdout.write(out.splice(0).join(''));
};
const settle = (s: number, who: string | undefined): void => {
  const p = pending.get(s);
  if (!p) return;
  pending.delete(s);
  clearTimeout(p.timer);
  out.push(`P ${s} ${p.t.toFixed(1)} ${who ?? '-'} ${who === undefined ? '-' : (now() - p.t).toFixed(1)}\n`);
};
const sock = createSocket({ type: 'udp4' });
// Unreachable/no-route errors are probe failures, not a reason to stop probing.
sock.on('error', () => {});
sock.on('message', (msg) => {
  const m = /^(\d{1,12}) ([A-Za-z0-9_-]{1,32})$/.exec(msg.toString('latin1'));
  if (m) settle(Number(m[1]), m[2]);
});
sock.bind(0, () => {
  console.log('ready');
  setInterval(() => {
    const s = ++seq;
    const t = now();
    pending.set(s, { t, timer: setTimeout(() => settle(s, undefined), timeout) });
    sock.send(String(s), port, a.target!, () => {});
    flush();
  }, interval);
});

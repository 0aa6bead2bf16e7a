// Sends given datagrams (hex) to a heartbeat port from inside a namespace: forged, corrupted or
// replayed heartbeats. Binds --bind (the address the peer expects packets from, when replaying
// from the node's own namespace) on an ephemeral port.
//   node udp-inject.ts --to 10.99.0.2 --port 694 [--bind 10.99.0.1] [--interval-ms 100] [--rounds 1] HEX...
// Prints "sent N" at the end.
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    to: { type: 'string' }, port: { type: 'string' }, bind: { type: 'string', default: '0.0.0.0' },
    'interval-ms': { type: 'string', default: '100' }, rounds: { type: 'string', default: '1' },
  },
});
const port = Number(a.port);
const rounds = Number(a.rounds);
const interval = Number(a['interval-ms']);
const bufs = positionals.map((h) => Buffer.from(h.replace(/[^0-9a-f]/gi, ''), 'hex'));
if (!a.to || !Number.isInteger(port) || !(rounds >= 1) || !(interval >= 0) || bufs.length === 0 || bufs.some((b) => b.length === 0)) {
  console.error('usage: udp-inject.ts --to IP --port P [--bind IP] [--interval-ms N] [--rounds N] HEX...');
  process.exit(64);
}
const sock = createSocket('udp4');
sock.on('error', (e) => {
  console.error(`inject socket error: ${e.message}`);
  process.exit(1);
});
sock.bind(0, a.bind, async () => {
  let sent = 0;
  for (let r = 0; r < rounds; r++) {
    for (const b of bufs) {
      await new Promise<void>((res) => sock.send(b, port, a.to!, () => res()));
      sent++;
    }
    if (interval > 0 && r + 1 < rounds) await new Promise((res) => setTimeout(res, interval));
  }
  console.log(`sent ${sent}`);
  sock.close();
});

// UDP sender for lab tests, run inside a namespace with the Node binary of the tests:
//   node udp-send.ts --to 224.0.1.75 --port 5060 --message hello [--bind 10.99.0.3] [--iface 10.99.0.3]
//                    [--broadcast] [--ttl 1] [--repeat 1] [--interval-ms 100]
// --iface sets the multicast interface; without it the 224.0.0.0/4 route decides (lab.md).
// Exits 0 when every datagram was handed to the kernel, 1 on the first send error (printed).
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    to: { type: 'string' },
    port: { type: 'string' },
    message: { type: 'string', default: 'hello' },
    bind: { type: 'string' },
    iface: { type: 'string' },
    broadcast: { type: 'boolean', default: false },
    ttl: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '1' },
    'interval-ms': { type: 'string', default: '100' },
  },
});
const port = Number(a.port);
const repeat = Math.min(1000, Number(a.repeat));
if (a.to === undefined || !Number.isInteger(port) || port < 1 || port > 65535 || !(repeat >= 1)) {
  console.error('usage: udp-send.ts --to ADDR --port P [--message M] [--bind A] [--iface A] [--broadcast] [--ttl N] [--repeat N] [--interval-ms T]');
  process.exit(64);
}
const to = a.to;
const sock = createSocket({ type: 'udp4', reuseAddr: true });
sock.on('error', (e) => {
  console.error(`socket error: ${e.message}`);
  process.exit(1);
});
sock.bind(0, a.bind, async () => {
  if (a.broadcast) sock.setBroadcast(true);
  sock.setMulticastTTL(Number(a.ttl));
  if (a.iface !== undefined) sock.setMulticastInterface(a.iface);
  for (let i = 0; i < repeat; i++) {
    await new Promise<void>((resolve) => {
      sock.send(a.message, port, to, (err) => {
        if (err) {
          console.error(`send to ${to}:${port} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
          process.exit(1);
        }
        resolve();
      });
    });
    if (i + 1 < repeat) await new Promise((r) => setTimeout(r, Number(a['interval-ms'])));
  }
  console.log(`sent ${repeat}`);
  sock.close();
});

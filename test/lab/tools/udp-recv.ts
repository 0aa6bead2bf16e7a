// UDP receiver for lab tests, run inside a namespace with the Node binary of the tests:
//   node udp-recv.ts --port 5060 [--bind 0.0.0.0] [--group 224.0.1.75 --iface 10.99.0.1] [--count 1] [--timeout-ms 10000]
// Prints "ready" once bound (and joined), then one JSON line per datagram: {"from","port","text"}.
// Exits 0 after --count datagrams, 2 on timeout, 1 on a socket error.
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    port: { type: 'string' },
    bind: { type: 'string', default: '0.0.0.0' },
    group: { type: 'string' },
    iface: { type: 'string' },
    count: { type: 'string', default: '1' },
    'timeout-ms': { type: 'string', default: '10000' },
  },
});
const port = Number(a.port);
const count = Number(a.count);
if (!Number.isInteger(port) || port < 1 || port > 65535 || !(count >= 1)) {
  console.error('usage: udp-recv.ts --port P [--bind A] [--group G --iface A] [--count N] [--timeout-ms T]');
  process.exit(64);
}
const sock = createSocket({ type: 'udp4', reuseAddr: true });
let got = 0;
const timer = setTimeout(() => {
  console.error(`timeout after ${a['timeout-ms']} ms with ${got} of ${count} datagrams`);
  process.exit(2);
}, Number(a['timeout-ms']));
sock.on('error', (e) => {
  console.error(`socket error: ${e.message}`);
  process.exit(1);
});
sock.on('message', (msg, rinfo) => {
  console.log(JSON.stringify({ from: rinfo.address, port: rinfo.port, text: msg.toString('utf8') }));
  if (++got >= count) {
    clearTimeout(timer);
    sock.close();
  }
});
sock.bind(port, a.bind, () => {
  if (a.group !== undefined) sock.addMembership(a.group, a.iface);
  console.log('ready');
});

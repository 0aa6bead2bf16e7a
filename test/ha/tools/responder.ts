// The service on the resource IP, as a phone sees it: run inside a node namespace, bound to
// 0.0.0.0 so it answers whenever the node holds the resource IP (and only then does cli's traffic
// reach it). Answers every datagram "<seq>" with "<seq> <node name>".
//   node responder.ts --name nA [--port 7070]
// Prints "ready" once bound. Malformed datagrams are ignored: a probe tool must not crash on them.
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({ options: { name: { type: 'string' }, port: { type: 'string', default: '7070' } } });
const port = Number(a.port);
if (!a.name || !/^[A-Za-z0-9_-]{1,32}$/.test(a.name) || !Number.isInteger(port) || port < 1 || port > 65535) {
  console.error('usage: responder.ts --name NODE [--port P]');
  process.exit(64);
}
const sock = createSocket({ type: 'udp4' });
sock.on('error', (e) => {
  console.error(`responder socket error: ${e.message}`);
  process.exit(1);
});
sock.on('message', (msg, rinfo) => {
  const seq = msg.toString('latin1');
  if (!/^\d{1,12}$/.test(seq)) return;
  sock.send(`${seq} ${a.name}`, rinfo.port, rinfo.address);
});
sock.bind(port, '0.0.0.0', () => console.log('ready'));

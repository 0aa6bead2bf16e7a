// A scriptable DHCP client for what real clients cannot be made to send (a REQUEST naming
// another server, an init-reboot for an unknown address): sends one message from 0.0.0.0:68 (or
// BIND) to 255.255.255.255:67 and prints every DHCP reply seen within WAIT ms as one JSON line.
// `node test/dhcp/raw-client.ts '<json ClientMsgOpts + type>' WAIT_MS`
import { createSocket } from 'node:dgram';
import { decode, encode, getOption } from '../../net/dhcp/codec.ts';
import { messageTypeName, OPT } from '../../net/dhcp/options.ts';
import { clientMessage, type ClientMsgOpts } from '../../net/dhcp/testing.ts';
import { intToIp } from '../../net/lib/ipv4.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as ClientMsgOpts & { type: 'REQUEST' };
const wait = Number(process.argv[3] ?? 1000);
const s = createSocket({ type: 'udp4', reuseAddr: true });
s.on('message', (m) => {
  const d = decode(m);
  if (!d.ok || d.value.op !== 2) return;
  const t = getOption(d.value, OPT.MESSAGE_TYPE)?.[0] ?? 0;
  process.stdout.write(`${JSON.stringify({ type: messageTypeName(t), xid: d.value.xid, yiaddr: intToIp(d.value.yiaddr) })}\n`);
});
s.bind(68, '0.0.0.0', () => {
  s.setBroadcast(true);
  s.send(encode(clientMessage(spec.type, spec)), 67, '255.255.255.255');
  setTimeout(() => { s.close(); process.exit(0); }, wait);
});

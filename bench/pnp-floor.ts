// The floor for bench/pnp.ts: a bare node:dgram responder with the same sockets as the PnP
// server (group socket + unicast reply socket) that answers each SUBSCRIBE with a fixed-shape
// 200 and NOTIFY built by plain line copying: no parsing, policy, transactions, retransmission
// or recording. What is left is the runtime's own cost per phone.
// `node bench/pnp-floor.ts GROUP PORT IFACE_ADDR` prints READY.
import { createSocket } from 'node:dgram';

const [group = '224.0.1.75', portText = '5060', iface = '127.0.0.1'] = process.argv.slice(2);
const reply = createSocket('udp4');
await new Promise<void>((r) => reply.bind(0, iface, () => r()));
const us = `${iface}:${reply.address().port}`;
const m = createSocket({ type: 'udp4', reuseAddr: true });
await new Promise<void>((r) => m.bind(Number(portText), group, () => r()));
m.addMembership(group, iface);
let n = 0;

function pick(lines: string[], prefix: string): string {
  for (const l of lines) if (l.startsWith(prefix)) return l;
  return `${prefix} x`;
}

m.on('message', (buf, r) => {
  const lines = buf.toString('latin1').split('\r\n');
  if (!lines[0]?.startsWith('SUBSCRIBE')) return;
  const via = pick(lines, 'Via:');
  const from = pick(lines, 'From:');
  const to = pick(lines, 'To:');
  const callId = pick(lines, 'Call-ID:');
  const cseq = pick(lines, 'CSeq:');
  reply.send(Buffer.from(`SIP/2.0 200 OK\r\n${via}\r\n${from}\r\n${to};tag=f\r\n${callId}\r\n${cseq}\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n`, 'latin1'), r.port, r.address);
  const url = 'http://floor/provisioning/';
  reply.send(Buffer.from(`NOTIFY sip:${r.address}:${r.port} SIP/2.0\r\nVia: SIP/2.0/UDP ${us};branch=z9hG4bKf${n++}\r\nFrom: ${to.slice(4).trim()};tag=f\r\nTo: ${from.slice(6).trim()}\r\n${callId}\r\nCSeq: 1 NOTIFY\r\nEvent: ua-profile\r\nSubscription-State: terminated;reason=timeout\r\nContent-Type: application/url\r\nContent-Length: ${url.length}\r\n\r\n${url}`, 'latin1'), r.port, r.address);
});
reply.on('message', () => { /* the phone's 200 to the NOTIFY: nothing to do */ });
process.stdout.write(`READY ${us}\n`);
process.on('SIGTERM', () => process.exit(0));

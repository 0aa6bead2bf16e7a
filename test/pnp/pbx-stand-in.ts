// A PBX's SIP socket for the coexistence test: binds ADDR:PORT WITHOUT SO_REUSEADDR (as a PBX
// does), prints READY (or BIND-FAILED <code>), answers every datagram with `PBX-ECHO <first line>`.
import { createSocket } from 'node:dgram';

const [addr, port] = (process.argv[2] ?? '').split(':');
const s = createSocket({ type: 'udp4', reuseAddr: false });
s.on('error', (e: NodeJS.ErrnoException) => { process.stdout.write(`BIND-FAILED ${e.code}\n`); process.exit(1); });
s.on('message', (m, r) => {
  const first = m.toString('latin1').split(/\r?\n/)[0] ?? '';
  process.stdout.write(`GOT ${first}\n`);
  s.send(Buffer.from(`PBX-ECHO ${first}`), r.port, r.address);
});
s.bind(Number(port), addr, () => process.stdout.write('READY\n'));
process.on('SIGTERM', () => { s.close(); process.exit(0); });

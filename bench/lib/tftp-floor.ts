// The cheapest TFTP read server Node can run: no timers, no retransmission, no limits, no TID
// guard, whole files in memory, one connected socket per transfer. Not a server to ship: it
// is the yardstick for what node:dgram itself costs per datagram, so a gap between our server
// and tftpd-hpa can be split into "ours" and "the runtime's" (node bench/tftp.ts --server floor).
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { decode, encode } from '../../net/tftp/packet.ts';
import type { StartServer } from '../tftp.ts';

export const startFloor: StartServer = async (fx) => {
  const files = new Map<string, Buffer>([[fx.big.name, readFileSync(fx.big.path)], ...fx.configs.map((c) => [c.name, c.data] as [string, Buffer])]);
  const main = createSocket('udp4');
  const open = new Set<Socket>();
  main.on('message', (msg, r) => {
    const d = decode(msg);
    if (!d.ok || d.value.op !== 'RRQ') return;
    const data = files.get(d.value.filename.replace(/^\//, ''));
    if (!data) return void main.send(encode({ op: 'ERROR', code: 1, message: 'File not found' }), r.port, r.address);
    const opts = d.value.options;
    const blk = Math.min(Number(opts.get('blksize') ?? 512), 65464);
    const win = Math.min(Number(opts.get('windowsize') ?? 1), 64);
    const oack = new Map<string, string>();
    if (opts.has('blksize')) oack.set('blksize', String(blk));
    if (opts.has('windowsize')) oack.set('windowsize', String(win));
    if (opts.has('tsize')) oack.set('tsize', String(data.length));
    const blocks = Math.floor(data.length / blk) + 1;
    const s = createSocket('udp4');
    open.add(s);
    const window = (from: number) => {
      for (let b = from; b < from + win && b <= blocks; b++) {
        const h = Buffer.allocUnsafe(4);
        h.writeUInt16BE(3, 0);
        h.writeUInt16BE(b & 0xffff, 2);
        s.send([h, data.subarray((b - 1) * blk, b * blk)]);
      }
    };
    let acked = 0;
    s.on('message', (a) => {
      if (a.length < 4 || a.readUInt16BE(0) !== 4) return;
      const abs = acked + ((a.readUInt16BE(2) - acked) & 0xffff);
      if (abs === blocks) {
        open.delete(s);
        return s.close();
      }
      acked = abs;
      window(abs + 1);
    });
    s.bind(0, '127.0.0.1', () => s.connect(r.port, r.address, () => (oack.size ? s.send(encode({ op: 'OACK', options: oack })) : window(1))));
  });
  await new Promise<void>((resolve) => main.bind(0, '127.0.0.1', () => resolve()));
  return {
    port: main.address().port,
    stop: async () => {
      for (const s of open) s.close();
      await new Promise<void>((resolve) => main.close(() => resolve()));
    },
  };
};

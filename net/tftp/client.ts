// A small TFTP read client (RFC 1350, 2347, 7440) on node:dgram. The server does not use it:
// it is the load generator of the benchmark and the scripted peer of the tests, and can back a
// "fetch it the way a phone would" admin check later.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { ERROR_CODE } from './opcodes.ts';
import { decode, encode, type Mode, type Options } from './packet.ts';

export interface GetOptions {
  host: string;
  port: number;
  file: string;
  mode?: Mode;
  /** Sent in the RRQ as given (names are not folded, so tests can send BLKSIZE). */
  options?: Record<string, string | number>;
  /** Silence before repeating the last packet. */
  timeoutMs?: number;
  retries?: number;
  /** Local address to send from (e.g. 127.0.0.7 to look like another phone on loopback). */
  localAddress?: string;
  /** Loss emulation: asked for each datagram from the server; true drops it unread. */
  drop?: (from: RemoteInfo) => boolean;
}

export interface GetResult {
  data: Buffer;
  oack: Options | null;
  /** The server's TID for this transfer. */
  serverPort: number;
  /** Packets we repeated because the server was silent. */
  retransmits: number;
}

export class TftpClientError extends Error {
  readonly code: number | null;
  constructor(message: string, code: number | null) {
    super(message);
    this.name = 'TftpClientError';
    this.code = code;
  }
}

export function tftpGet(o: GetOptions): Promise<GetResult> {
  const timeoutMs = o.timeoutMs ?? 1000;
  const retries = o.retries ?? 5;
  const options = new Map(Object.entries(o.options ?? {}).map(([k, v]) => [k, String(v)]));
  const rrq = encode({ op: 'RRQ', filename: o.file, mode: o.mode ?? 'octet', options });
  const socket = createSocket('udp4');
  return new Promise<GetResult>((resolve, reject) => {
    let blksize = 512;
    let windowsize = 1;
    let oack: Options | null = null;
    let server: number | null = null;
    let received = 0;     // absolute number of the last in-order block
    let inWindow = 0;
    let gapAcked = false;
    let tries = 0;
    let retransmits = 0;
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | null = null;

    const finish = (err: Error | null, result?: GetResult) => {
      if (timer) clearTimeout(timer);
      timer = null;
      socket.close();
      if (err) reject(err);
      else resolve(result!);
    };
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        if (++tries > retries) return finish(new TftpClientError(`timed out after ${retries} retries`, null));
        retransmits++;
        if (server === null) socket.send(rrq, o.port, o.host);
        else sendAck(received);
        arm();
      }, timeoutMs);
    };
    const sendAck = (abs: number, then?: () => void) => {
      inWindow = 0;
      socket.send(encode({ op: 'ACK', block: abs & 0xffff }), server!, o.host, then);
    };

    socket.on('error', (err) => finish(err));
    socket.on('message', (msg: Buffer, r: RemoteInfo) => {
      if (r.address !== o.host || o.drop?.(r)) return;
      if (server === null) server = r.port;
      else if (r.port !== server) {
        socket.send(encode({ op: 'ERROR', code: ERROR_CODE.UNKNOWN_TID, message: 'Unknown transfer ID' }), r.port, r.address);
        return;
      }
      const d = decode(msg);
      if (!d.ok) return;
      const p = d.value;
      if (p.op === 'ERROR') return finish(new TftpClientError(`server error ${p.code}: ${p.message}`, p.code));
      if (p.op === 'OACK') {
        if (oack || received > 0) {
          if (received === 0) sendAck(0);
          return;
        }
        oack = p.options;
        blksize = Number(p.options.get('blksize') ?? 512);
        windowsize = Number(p.options.get('windowsize') ?? 1);
        tries = 0;
        sendAck(0);
        return arm();
      }
      if (p.op !== 'DATA') return;
      if (p.block !== ((received + 1) & 0xffff)) {
        // RFC 7440: on a gap, acknowledge the last in-order block once so the server rewinds;
        // on a repeat of an old block our ACK was lost, so repeat it.
        const future = ((p.block - received) & 0xffff) < 0x8000;
        if (!future || !gapAcked) sendAck(received);
        if (future) gapAcked = true;
        return;
      }
      received++;
      gapAcked = false;
      tries = 0;
      chunks.push(p.data);
      if (p.data.length < blksize) {
        // Close only once the last ACK has left: send() resolves the address on the next tick,
        // and a socket closed before that drops the ACK (the server would time out, not finish).
        if (timer) clearTimeout(timer);
        timer = null;
        const result = { data: Buffer.concat(chunks), oack, serverPort: server, retransmits };
        sendAck(received, () => finish(null, result));
        return;
      }
      if (++inWindow >= windowsize) sendAck(received);
      arm();
    });
    socket.bind(0, o.localAddress, () => {
      socket.send(rrq, o.port, o.host);
      arm();
    });
  });
}

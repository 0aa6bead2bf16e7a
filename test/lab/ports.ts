// Free loopback ports for tests that run in parallel: bind port 0, read the port, release it.
// There is an unavoidable window between release and reuse; the kernel hands out ephemeral
// ports at random, so a collision between parallel test files is unlikely but possible. Prefer
// listening on port 0 yourself when the server under test allows it.
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

export type PortProto = 'tcp' | 'udp' | 'both';

export interface PortOptions {
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** 'both': the port is free for TCP and UDP at once (SIP). Default 'tcp'. */
  proto?: PortProto;
}

interface Held {
  port: number;
  release(): Promise<void>;
}

const MAX_ATTEMPTS = 50;

function holdTcp(host: string, port: number): Promise<Held> {
  return new Promise((resolve, reject) => {
    const srv: Server = createServer();
    srv.once('error', reject);
    srv.listen({ host, port, exclusive: true }, () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no TCP address'));
      resolve({ port: addr.port, release: () => new Promise<void>((r) => srv.close(() => r())) });
    });
  });
}

function holdUdp(host: string, port: number): Promise<Held> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.once('error', (e) => { sock.close(); reject(e); });
    sock.bind({ address: host, port, exclusive: true }, () => {
      resolve({ port: sock.address().port, release: () => new Promise<void>((r) => sock.close(() => r())) });
    });
  });
}

async function hold(host: string, proto: PortProto): Promise<Held> {
  if (proto === 'tcp') return holdTcp(host, 0);
  if (proto === 'udp') return holdUdp(host, 0);
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const tcp = await holdTcp(host, 0);
    try {
      const udp = await holdUdp(host, tcp.port);
      return { port: tcp.port, release: async () => { await tcp.release(); await udp.release(); } };
    } catch {
      await tcp.release();
    }
  }
  throw new Error(`no port free for both TCP and UDP on ${host} after ${MAX_ATTEMPTS} attempts`);
}

/** One free port. */
export async function freePort(opts: PortOptions = {}): Promise<number> {
  const [p] = await freePorts(1, opts);
  return p!;
}

/** `count` distinct free ports: all are held at once before any is released. */
export async function freePorts(count: number, opts: PortOptions = {}): Promise<number[]> {
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new RangeError(`count ${count} must be 1..1000`);
  const host = opts.host ?? '127.0.0.1';
  const held: Held[] = [];
  try {
    for (let i = 0; i < count; i++) held.push(await hold(host, opts.proto ?? 'tcp'));
    return held.map((h) => h.port);
  } finally {
    await Promise.all(held.map((h) => h.release()));
  }
}

// A transfer's TID: a UDP port with two sockets on it. `data` is connected to the client, so
// each send skips Node's per-datagram address lookup (measurably cheaper when a window is 16
// sends); the kernel hands it only the client's datagrams. `guard` is the unconnected twin on
// the same port (both SO_REUSEADDR) and receives everyone else's, which must still get
// ERROR 5 (RFC 1350) rather than the ICMP port-unreachable a lone connected socket would cause.
//
// Port 0 with SO_REUSEADDR may be given a port that other REUSEADDR sockets hold (Linux skips
// the conflict check when both sides set the flag), so two of our transfers could share a port;
// if both were connected to the same client address and port, its ACKs would go to one of them.
// openTid keeps the ports its transfers hold and draws again on a clash. (The native engine
// picks its port without the flag, so the kernel never hands out a held one; see pump.c.)
import { createSocket, type Socket } from 'node:dgram';

export interface TidSockets {
  data: Socket;
  guard: Socket;
  port: number;
  /** Gives the port back to the pool of ports openTid may hand out again; call when closing. */
  release(): void;
}

const held = new Set<string>();
const MAX_DRAWS = 8;

function bind(s: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind({ port, address, exclusive: true }, () => {
      s.off('error', reject);
      resolve();
    });
  });
}

/**
 * The unconnected half alone, on `port` of `address` (0: a fresh one). The native engine
 * (native/pump.c) opens the connected half itself, in C, first, and the guard joins its port.
 */
export async function openGuard(address: string, port = 0): Promise<{ guard: Socket; port: number }> {
  const guard = createSocket({ type: 'udp4', reuseAddr: true });
  try {
    await bind(guard, port, address);
    return { guard, port: guard.address().port };
  } catch (err) {
    closeQuietly(guard);
    throw err;
  }
}

export async function openTid(address: string, peer: { address: string; port: number }): Promise<TidSockets> {
  const clashes: Socket[] = [];
  let drawn = await openGuard(address);
  // The clashing guards stay open until a free port is found, so a draw never repeats them.
  while (held.has(`${address}:${drawn.port}`) && clashes.length < MAX_DRAWS) {
    clashes.push(drawn.guard);
    drawn = await openGuard(address).catch((err: unknown) => {
      for (const c of clashes) closeQuietly(c);
      throw err;
    });
  }
  for (const c of clashes) closeQuietly(c);
  const { guard, port } = drawn;
  const key = `${address}:${port}`;
  if (held.has(key)) {
    closeQuietly(guard);
    throw Object.assign(new Error(`no free transfer port after ${MAX_DRAWS} draws`), { code: 'EADDRINUSE' });
  }
  const data = createSocket({ type: 'udp4', reuseAddr: true });
  try {
    await bind(data, port, address);
    await new Promise<void>((resolve, reject) => {
      data.once('error', reject);
      data.connect(peer.port, peer.address, () => {
        data.off('error', reject);
        resolve();
      });
    });
    held.add(key);
    return { data, guard, port, release: () => held.delete(key) };
  } catch (err) {
    closeQuietly(guard);
    closeQuietly(data);
    throw err;
  }
}

function closeQuietly(s: Socket): void {
  try {
    s.close();
  } catch {
    // Never bound, or closed already: nothing to close.
  }
}

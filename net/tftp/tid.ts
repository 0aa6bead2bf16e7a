// A transfer's TID: a UDP port with two sockets on it. `data` is connected to the client, so
// each send skips Node's per-datagram address lookup (measurably cheaper when a window is 16
// sends); the kernel hands it only the client's datagrams. `guard` is the unconnected twin on
// the same port (both SO_REUSEADDR) and receives everyone else's, which must still get
// ERROR 5 (RFC 1350) rather than the ICMP port-unreachable a lone connected socket would cause.
import { createSocket, type Socket } from 'node:dgram';

export interface TidSockets {
  data: Socket;
  guard: Socket;
  port: number;
}

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
  const { guard, port } = await openGuard(address);
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
    return { data, guard, port };
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

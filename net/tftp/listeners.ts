// The request sockets. With a specific tftp.address there is one. With 0.0.0.0 there is a
// wildcard socket plus one per local IPv4 address, because a transfer must answer from the
// address the phone asked (curl, boot ROMs and our client drop replies from any other) and
// node:dgram cannot tell which local address a datagram came to (no IP_PKTINFO). The kernel
// hands a datagram to the socket bound to its destination address, so each request arrives
// tagged with its local address. Addresses that appear later (the HA floating IP) are picked
// up by refresh(); until then the wildcard socket still serves them, from the route's address.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';

export const WILDCARD = '0.0.0.0';

export type OnDatagram = (msg: Buffer, rinfo: RemoteInfo, local: string) => void;

/** IPv4 addresses of this host, loopback included. */
export function localIpv4Addresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4') out.push(a.address);
  }
  return out;
}

function bindSocket(address: string, port: number, shared: boolean): Promise<Socket> {
  const s = createSocket({ type: 'udp4', reuseAddr: shared });
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind({ port, address, exclusive: true }, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

export class Listeners {
  readonly #address: string;
  readonly #onDatagram: OnDatagram;
  readonly #onError: (err: Error, local: string) => void;
  readonly #locals: () => string[];
  /** Keyed by local address; WILDCARD for the catch-all. */
  readonly #sockets = new Map<string, Socket>();
  /** Addresses whose bind failed, reported once rather than on every refresh. */
  readonly #failed = new Set<string>();
  #port = 0;

  constructor(address: string, onDatagram: OnDatagram, onError: (err: Error, local: string) => void, locals: () => string[] = localIpv4Addresses) {
    this.#address = address;
    this.#onDatagram = onDatagram;
    this.#onError = onError;
    this.#locals = locals;
  }

  get port(): number {
    return this.#port;
  }

  /** Binds; rejects with the socket error of the configured address (EADDRINUSE, EACCES...). */
  async start(port: number): Promise<void> {
    const wildcard = this.#address === WILDCARD;
    // SO_REUSEADDR only where specific and wildcard binds must share the port; a server
    // already holding it without the option still makes this bind fail, as it should.
    const first = await bindSocket(this.#address, port, wildcard);
    this.#port = first.address().port;
    this.#adopt(this.#address, first);
    if (wildcard) await this.refresh();
  }

  /** Binds addresses that appeared since the last call and drops those that went away. */
  async refresh(): Promise<void> {
    if (this.#address !== WILDCARD || this.#sockets.size === 0) return;
    const want = new Set(this.#locals().filter((a) => a !== WILDCARD));
    for (const a of this.#failed) if (!want.has(a)) this.#failed.delete(a);
    for (const [local, s] of this.#sockets) {
      if (local !== WILDCARD && !want.has(local)) {
        this.#sockets.delete(local);
        s.close();
      }
    }
    for (const local of want) {
      if (this.#sockets.has(local)) continue;
      try {
        this.#adopt(local, await bindSocket(local, this.#port, true));
        this.#failed.delete(local);
      } catch (err) {
        // The address may be gone again, or held by someone else; the wildcard still serves it.
        if (!this.#failed.has(local)) this.#onError(err as Error, local);
        this.#failed.add(local);
      }
    }
  }

  /** Sends from the socket that received on `local`, or the first one. */
  send(local: string, buf: Buffer, port: number, address: string): void {
    const s = this.#sockets.get(local) ?? this.#sockets.values().next().value;
    s?.send(buf, port, address);
  }

  async close(): Promise<void> {
    const all = [...this.#sockets.values()];
    this.#sockets.clear();
    await Promise.all(all.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  #adopt(local: string, s: Socket): void {
    this.#sockets.set(local, s);
    s.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo, local));
    s.on('error', (err) => this.#onError(err, local));
  }
}

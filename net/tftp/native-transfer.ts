// One read transfer run by the native data pump (native/pump.c): the thread owns the connected
// socket and the block loop; this shell owns the guard socket (strangers get ERROR 5), decodes
// the odd datagrams the thread hands over, and turns the thread's result into the same stats
// and log line as the JavaScript engine (transfer.ts).
import type { RemoteInfo, Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Body } from './body.ts';
import { ERROR_CODE, OPCODE } from './opcodes.ts';
import { decode, encode } from './packet.ts';
import { pump, STATE, type NativePump, type PumpHandle, type PumpResult } from './native/pump.ts';
import type { ReadSessionParams, SessionEnd } from './session.ts';
import type { TftpStats } from './stats.ts';
import { openGuard } from './tid.ts';
import { recordEnd, transferView, type ActiveTransfer, type Peer, type TransferDeps, type TransferView } from './transfer.ts';

const UNKNOWN_TID = encode({ op: 'ERROR', code: ERROR_CODE.UNKNOWN_TID, message: 'Unknown transfer ID' });
const ILLEGAL = encode({ op: 'ERROR', code: ERROR_CODE.ILLEGAL_OPERATION, message: 'illegal operation during read' });

export class NativeTransfer implements ActiveTransfer {
  readonly peer: Peer;
  readonly filename: string;
  readonly #pump: NativePump;
  readonly #local: string;
  /** Binding, bound, or null when it could not bind (strangers then get ICMP, not ERROR 5). */
  #guard: Promise<Socket | null> = Promise.resolve(null);
  readonly #params: ReadSessionParams;
  readonly #body: Body;
  readonly #deps: TransferDeps;
  readonly #state: Float64Array;
  readonly #startedAt = performance.now();
  #handle: PumpHandle | null = null;
  #done = false;

  constructor(local: string, peer: Peer, filename: string, params: ReadSessionParams, body: Body, deps: TransferDeps) {
    if (!pump) throw new Error('the native TFTP pump is not loaded');
    this.#pump = pump;
    this.#local = local;
    this.peer = peer;
    this.filename = filename;
    this.#params = params;
    this.#body = body;
    this.#deps = deps;
    this.#state = new Float64Array(pump.stateSize);
  }

  /** Starts the thread, then the guard on its port. Throws (err.code set) when the transfer socket cannot be opened. */
  start(): void {
    const p = this.#params;
    const oack = p.oack ? encode({ op: 'OACK', options: p.oack }) : null;
    const b = this.#body.whole();
    this.#handle = this.#pump.start(
      this.#local, 0, this.peer.address, this.peer.port,
      oack, 'data' in b ? b.data : null, 'fd' in b ? b.fd : -1, p.size,
      p.blksize, p.windowsize, p.timeoutMs, p.retries, this.#state,
      (kind, value) => {
        try {
          if (kind === 'done') this.#finish(value as PumpResult);
          else this.#other(value as Buffer);
        } catch (err) {
          this.#deps.stats.errors.internal++;
          this.#deps.log.error({ client: this.peer, file: this.filename, err }, 'native transfer handler failed');
        }
      },
    );
    this.#guard = this.#openGuard(this.#state[STATE.port]!);
  }

  async #openGuard(port: number): Promise<Socket | null> {
    try {
      const { guard } = await openGuard(this.#local, port);
      guard.on('message', (msg, rinfo) => this.#fromOther(msg, rinfo, guard));
      guard.on('error', (err) => this.#deps.log.warn({ client: this.peer, file: this.filename, err: err.message }, 'guard socket error'));
      return guard;
    } catch (err) {
      this.#deps.log.warn({ client: this.peer, file: this.filename, port, err: (err as Error).message }, 'cannot open the guard socket; strangers on this transfer get no ERROR 5');
      return null;
    }
  }

  get heard(): boolean {
    return this.#state[STATE.heard] === 1;
  }

  view(): TransferView {
    return transferView(this.peer, this.filename, 'native', this.#params, this.#state[STATE.acked]!, this.#startedAt);
  }

  abort(message: string): void {
    if (this.#done || !this.#handle) return;
    this.#pump.abort(this.#handle, encode({ op: 'ERROR', code: ERROR_CODE.NOT_DEFINED, message }), 'aborted');
  }

  /** While it runs, the thread's counters are not in the shared stats yet (#finish adds them). */
  addLive(s: TftpStats): void {
    if (!this.#done) this.#addCounters(s);
  }

  #addCounters(s: TftpStats): void {
    const st = this.#state;
    s.packetsSent += st[STATE.packets]!;
    s.bytesSent += st[STATE.bytes]!;
    s.retransmits += st[STATE.retransmits]!;
    s.malformed += st[STATE.malformed]!;
  }

  /**
   * Something from the client's TID that is neither a clean ACK nor ERROR. The thread waits for
   * the verdict: resume() when it is noise, abort() when it is an illegal operation.
   */
  #other(msg: Buffer): void {
    if (this.#done) return;
    let illegal = false;
    try {
      const r = decode(msg);
      if (!r.ok) {
        this.#deps.stats.malformed++;
        this.#deps.log.debug({ client: this.peer, code: r.error.code, bytes: msg.length }, 'malformed datagram on transfer');
      } else {
        illegal = true;
      }
    } finally {
      if (illegal) this.#pump.abort(this.#handle!, ILLEGAL, 'illegal-op');
      else this.#pump.resume(this.#handle!);
    }
  }

  #fromOther(msg: Buffer, rinfo: RemoteInfo, guard: Socket): void {
    // The client's own datagrams reach the connected socket in C; one arriving here raced its
    // connect() and is retransmitted by the client if it mattered.
    if (this.#done || (rinfo.address === this.peer.address && rinfo.port === this.peer.port)) return;
    this.#deps.stats.errors['unknown-tid']++;
    this.#deps.log.debug({ client: this.peer, from: { address: rinfo.address, port: rinfo.port } }, 'datagram from a foreign TID');
    // Never answer an ERROR: two servers answering each other's errors would loop.
    if (msg.length < 2 || msg.readUInt16BE(0) !== OPCODE.ERROR) guard.send(UNKNOWN_TID, rinfo.port, rinfo.address);
  }

  #finish(r: PumpResult): void {
    if (this.#done) return;
    this.#done = true;
    const { stats, log } = this.#deps;
    this.#addCounters(stats);
    let end: SessionEnd;
    switch (r.end) {
      case 'gone':
        // ICMP port-unreachable on the connected socket: the client is gone.
        log.debug({ client: this.peer, file: this.filename, err: r.error }, 'transfer socket error; transfer dropped');
        end = 'aborted';
        break;
      case 'socket-error':
        stats.errors['socket-error']++;
        log.warn({ client: this.peer, file: this.filename, err: r.error }, 'transfer socket error; transfer dropped');
        end = 'aborted';
        break;
      case 'read-error':
        stats.errors['read-error']++;
        log.error({ client: this.peer, file: this.filename, err: 'read error (file changed or I/O error)' }, 'cannot read file; transfer aborted');
        end = 'aborted';
        break;
      case 'client-error':
        log.info({ client: this.peer, file: this.filename, code: r.clientCode, message: r.clientMessage }, 'client ended the transfer with an error');
        end = 'client-error';
        break;
      default:
        end = r.end;
    }
    recordEnd(this.#deps, end, this.view());
    // The thread is done with the body: its descriptor may close now.
    this.#body.close();
    void this.#guard.then((guard) => {
      if (guard) guard.close(() => this.#deps.onClose(this, end));
      else this.#deps.onClose(this, end);
    });
  }
}

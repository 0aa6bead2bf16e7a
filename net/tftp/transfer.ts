// The I/O shell around one ReadSession: its TID sockets, one timer, and the body it reads blocks
// from. Decisions are the session's; this file only turns them into datagrams and turns
// datagrams and timer expiries back into session inputs.
import type { RemoteInfo } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../agent/log.ts';
import type { Body } from './body.ts';
import { ERROR_CODE, OPCODE } from './opcodes.ts';
import { decode, encode } from './packet.ts';
import { ReadSession, blockCount, blockLength, blockOffset, type ReadSessionParams, type SessionEnd, type Step } from './session.ts';
import type { TftpStats } from './stats.ts';
import type { TidSockets } from './tid.ts';

export interface Peer { address: string; port: number }

export interface TransferDeps {
  stats: TftpStats;
  log: Logger;
  /** Called once, after the transfer's sockets have closed. */
  onClose(t: ActiveTransfer, end: SessionEnd): void;
}

// Every DATA header there can be (opcode 3, block 0..65535): 256 KiB built once, so sending a
// block allocates no header. Datagrams go out as [header, payload], the payload never copied.
let dataHeaders: Buffer | null = null;
function dataHeader(wireBlock: number): Buffer {
  if (!dataHeaders) {
    dataHeaders = Buffer.allocUnsafe(4 * 65536);
    for (let b = 0; b < 65536; b++) {
      dataHeaders.writeUInt16BE(OPCODE.DATA, 4 * b);
      dataHeaders.writeUInt16BE(b, 4 * b + 2);
    }
  }
  return dataHeaders.subarray(4 * wireBlock, 4 * wireBlock + 4);
}

const UNKNOWN_TID = encode({ op: 'ERROR', code: ERROR_CODE.UNKNOWN_TID, message: 'Unknown transfer ID' });

export class Transfer implements ActiveTransfer {
  readonly peer: Peer;
  readonly filename: string;
  readonly session: ReadSession;
  readonly #tid: TidSockets;
  readonly #body: Body;
  readonly #deps: TransferDeps;
  readonly #startedAt = performance.now();
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;
  // The range still to send; a newer range from the session replaces it.
  #next = 1;
  #last = 0;
  #loading = false;
  #closing = false;
  #closed = false;

  constructor(tid: TidSockets, peer: Peer, filename: string, session: ReadSession, body: Body, deps: TransferDeps) {
    this.#tid = tid;
    this.peer = peer;
    this.filename = filename;
    this.session = session;
    this.#body = body;
    this.#deps = deps;
    tid.data.on('message', (msg) => this.#guarded(() => this.#fromClient(msg)));
    tid.guard.on('message', (msg, rinfo) => this.#guarded(() => this.#fromOther(msg, rinfo)));
    const onError = (err: NodeJS.ErrnoException) => {
      if (this.#closed) return;
      // A connected socket learns of ICMP port-unreachable: the client is gone.
      const gone = err.code === 'ECONNREFUSED';
      if (!gone) deps.stats.errors['socket-error']++;
      deps.log[gone ? 'debug' : 'warn']({ client: peer, file: filename, err: err.message }, 'transfer socket error; transfer dropped');
      this.#close('aborted');
    };
    tid.data.on('error', onError);
    tid.guard.on('error', onError);
  }

  start(): void {
    this.#apply(this.session.start(performance.now()));
  }

  get heard(): boolean {
    return this.session.heard;
  }

  view(): TransferView {
    return transferView(this.peer, this.filename, 'js', this.session.params, this.session.acked, this.#startedAt);
  }

  addLive(): void {}

  /** Ends the transfer, telling the client why (best effort). */
  abort(message: string): void {
    this.#apply(this.session.abort(message));
  }

  #guarded(fn: () => void): void {
    if (this.#closing) return;
    try {
      fn();
    } catch (err) {
      this.#deps.stats.errors.internal++;
      this.#deps.log.error({ client: this.peer, file: this.filename, err }, 'transfer handler failed; transfer dropped');
      this.#close('aborted');
    }
  }

  #fromOther(msg: Buffer, rinfo: RemoteInfo): void {
    if (rinfo.address === this.peer.address && rinfo.port === this.peer.port) return this.#fromClient(msg);
    this.#deps.stats.errors['unknown-tid']++;
    this.#deps.log.debug({ client: this.peer, from: { address: rinfo.address, port: rinfo.port } }, 'datagram from a foreign TID');
    // Never answer an ERROR: two servers answering each other's errors would loop.
    if (msg.length < 2 || msg.readUInt16BE(0) !== OPCODE.ERROR) this.#tid.guard.send(UNKNOWN_TID, rinfo.port, rinfo.address);
  }

  #fromClient(msg: Buffer): void {
    const r = decode(msg);
    if (!r.ok) {
      this.#deps.stats.malformed++;
      this.#deps.log.debug({ client: this.peer, code: r.error.code, bytes: msg.length }, 'malformed datagram on transfer');
      return;
    }
    const p = r.value;
    if (p.op === 'ACK') return this.#apply(this.session.ack(p.block, performance.now()));
    if (p.op === 'ERROR') {
      this.#deps.log.info({ client: this.peer, file: this.filename, code: p.code, message: p.message.slice(0, 200) }, 'client ended the transfer with an error');
      return this.#apply(this.session.clientError());
    }
    this.#apply(this.session.illegal());
  }

  #apply(step: Step): void {
    if (step.retransmit) this.#deps.stats.retransmits++;
    const out = step.send;
    if (out) {
      if (out.kind === 'data') {
        this.#next = out.first;
        this.#last = out.last;
        this.#pump();
      } else if (out.kind === 'oack') {
        this.#tid.data.send(encode({ op: 'OACK', options: out.options }));
        this.#deps.stats.packetsSent++;
      } else if (step.end) {
        // Close only once the ERROR has left, or closing would cancel it.
        const end = step.end;
        this.#closing = true;
        this.#clearTimer();
        this.#tid.data.send(encode({ op: 'ERROR', code: out.code, message: out.message }), () => this.#close(end));
        return;
      }
    }
    if (step.end) this.#close(step.end);
    else this.#arm();
  }

  /** Sends #next..#last, stopping to read a chunk from disk when the body does not hold it. */
  #pump(): void {
    const { blksize } = this.session.params;
    const size = this.#body.size;
    const socket = this.#tid.data;
    const stats = this.#deps.stats;
    while (this.#next <= this.#last && !this.#closing) {
      const abs = this.#next;
      const payload = this.#body.view(blockOffset(abs, blksize), blockLength(abs, blksize, size));
      if (payload === null) {
        if (!this.#loading) this.#load(blockOffset(abs, blksize));
        return;
      }
      socket.send([dataHeader(abs & 0xffff), payload]);
      stats.packetsSent++;
      stats.bytesSent += payload.length;
      this.#next = abs + 1;
    }
  }

  #load(offset: number): void {
    this.#loading = true;
    this.#body.load(offset).then(
      () => {
        this.#loading = false;
        this.#guarded(() => this.#pump());
      },
      (err: Error) => {
        this.#loading = false;
        if (this.#closing) return;
        this.#deps.stats.errors['read-error']++;
        this.#deps.log.error({ client: this.peer, file: this.filename, err: err.message }, 'cannot read file; transfer aborted');
        this.#apply(this.session.abort('read error'));
      },
    );
  }

  // One timer per transfer, moved only when the deadline comes earlier: an ACK pushes the
  // deadline later, and the timer firing early just re-arms, so ACKs never touch timers.
  #arm(): void {
    const at = this.session.deadline;
    if (at === Infinity) return this.#clearTimer();
    if (this.#timer && this.#timerAt <= at) return;
    this.#clearTimer();
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      this.#guarded(() => this.#apply(this.session.timer(performance.now())));
    }, Math.max(0, Math.ceil(at - performance.now())));
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Infinity;
  }

  #close(end: SessionEnd): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing = true;
    this.#clearTimer();
    this.#body.close();
    this.#logEnd(end);
    let open = 2;
    const done = () => {
      if (--open === 0) this.#deps.onClose(this, end);
    };
    this.#tid.release();
    this.#tid.data.close(done);
    this.#tid.guard.close(done);
  }

  #logEnd(end: SessionEnd): void {
    recordEnd(this.#deps, end, this.view());
  }
}

/** One transfer in progress, as `pbxctl tftp sessions` shows it. */
export interface TransferView {
  client: Peer;
  file: string;
  engine: 'native' | 'js';
  /** Bytes to send (after netascii conversion). */
  size: number;
  blksize: number;
  windowsize: number;
  /** Blocks the client acknowledged, of `blocks`. */
  acked: number;
  blocks: number;
  /** Payload bytes the client acknowledged. */
  ackedBytes: number;
  ageMs: number;
}

/** What the server needs of a transfer in progress, whichever engine runs it. */
export interface ActiveTransfer {
  view(): TransferView;
  /** True once the client acknowledged anything (a repeated RRQ before that is ignored). */
  readonly heard: boolean;
  /** Ends the transfer, telling the client why (best effort). */
  abort(message: string): void;
  /** Adds counters not yet in the shared stats (the native engine's, while it runs). */
  addLive(s: TftpStats): void;
}

export function transferView(client: Peer, file: string, engine: TransferView['engine'], p: ReadSessionParams, acked: number, startedAt: number): TransferView {
  return {
    client, file, engine, size: p.size, blksize: p.blksize, windowsize: p.windowsize, acked, blocks: blockCount(p.size, p.blksize),
    ackedBytes: Math.min(p.size, acked * p.blksize), ageMs: Math.round(performance.now() - startedAt),
  };
}

/** Counts and logs how a transfer ended: one line per transfer, the same for both engines. */
export function recordEnd(deps: Pick<TransferDeps, 'stats' | 'log'>, end: SessionEnd, v: TransferView): void {
  const fields = {
    client: v.client, file: v.file, bytes: v.size, blksize: v.blksize, windowsize: v.windowsize, ms: v.ageMs, acked: v.acked, blocks: v.blocks, engine: v.engine,
  };
  if (end === 'complete') {
    deps.stats.completed++;
    deps.log.info(fields, 'file sent');
  } else {
    deps.stats.errors[end]++;
    deps.log.info({ ...fields, end }, 'transfer ended before completion');
  }
}

// One read transfer as a state machine (RFC 1350, 2347, 7440). Inputs are ACKs, client errors
// and timer checks, each with the current time; the output says what to send next. No sockets
// and no clock, so every retransmission and wrap-around case is a unit test.
//
// Blocks are numbered from 1 without limit here; the wire carries `abs & 0xffff`, wrapping to 0
// after 65535 as tftp-hpa, atftp and curl expect.
import type { Options } from './packet.ts';
import { ERROR_CODE } from './opcodes.ts';

export interface ReadSessionParams {
  /** Bytes to send (after netascii conversion). */
  size: number;
  blksize: number;
  windowsize: number;
  /** First retransmission timeout; doubled on each retry without progress. */
  timeoutMs: number;
  /** Retransmissions without progress before giving up. */
  retries: number;
  /** When set, the transfer starts with this OACK and waits for ACK 0. */
  oack: Options | null;
}

export type SessionOutput =
  | { kind: 'oack'; options: Options }
  /** Absolute block numbers, inclusive. */
  | { kind: 'data'; first: number; last: number }
  | { kind: 'error'; code: number; message: string };

export type SessionEnd = 'complete' | 'timed-out' | 'client-error' | 'illegal-op' | 'aborted';

export interface Step {
  send: SessionOutput | null;
  /** True when `send` repeats something already sent because the timer fired. */
  retransmit: boolean;
  /** Set once, on the step that ends the session. */
  end: SessionEnd | null;
}

// Backoff stops doubling here, so a long retry budget does not become hours of silence.
const MAX_BACKOFF_MS = 60_000;

const NOTHING: Step = Object.freeze({ send: null, retransmit: false, end: null });

type State = 'idle' | 'oack' | 'data' | 'done';

export class ReadSession {
  readonly params: Readonly<ReadSessionParams>;
  /** Total blocks; the last is short, and empty when the size is a multiple of blksize. */
  readonly blocks: number;
  #state: State = 'idle';
  #acked = 0;
  #sentTo = 0;
  #tries = 0;
  #deadline = Infinity;
  #heard = false;

  constructor(params: ReadSessionParams) {
    this.params = params;
    this.blocks = blockCount(params.size, params.blksize);
  }

  /** When timer() next has something to do; Infinity once the session has ended. */
  get deadline(): number {
    return this.#deadline;
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  /** Highest block the client has acknowledged. */
  get acked(): number {
    return this.#acked;
  }

  /** True once the client acknowledged anything (ACK 0 of an OACK, or a data block). */
  get heard(): boolean {
    return this.#heard;
  }

  start(now: number): Step {
    if (this.#state !== 'idle') return NOTHING;
    this.#deadline = now + this.params.timeoutMs;
    if (this.params.oack) {
      this.#state = 'oack';
      return { send: { kind: 'oack', options: this.params.oack }, retransmit: false, end: null };
    }
    this.#state = 'data';
    return this.#window(false);
  }

  /** An ACK from the client's TID, with the 16-bit block number as received. */
  ack(wireBlock: number, now: number): Step {
    if (this.#state === 'oack') {
      if (wireBlock !== 0) return NOTHING;
      this.#state = 'data';
      return this.#progress(0, now);
    }
    if (this.#state !== 'data') return NOTHING;
    // Only blocks in (acked, sentTo] mean progress. The window is at most 65535 blocks, so the
    // 16-bit number maps to exactly one block in [acked, sentTo].
    const abs = this.#acked + ((wireBlock - this.#acked) & 0xffff);
    // A duplicate or stale ACK is ignored, never answered: answering it is what doubles every
    // packet for the rest of the transfer (the Sorcerer's Apprentice bug, RFC 1123 4.2.3.1).
    if (abs === this.#acked || abs > this.#sentTo) return NOTHING;
    if (abs === this.blocks) {
      this.#heard = true;
      this.#acked = abs;
      return this.#end('complete', null);
    }
    return this.#progress(abs, now);
  }

  /** Call when the timer fires; does nothing before the deadline. */
  timer(now: number): Step {
    if (this.#state === 'idle' || this.#state === 'done' || now < this.#deadline) return NOTHING;
    this.#tries++;
    if (this.#tries > this.params.retries) {
      return this.#end('timed-out', { kind: 'error', code: ERROR_CODE.NOT_DEFINED, message: 'transfer timed out' });
    }
    const backoff = Math.min(this.params.timeoutMs * 2 ** this.#tries, Math.max(this.params.timeoutMs, MAX_BACKOFF_MS));
    this.#deadline = now + backoff;
    if (this.#state === 'oack') return { send: { kind: 'oack', options: this.params.oack! }, retransmit: true, end: null };
    return this.#window(true);
  }

  /** The client sent ERROR (including ERROR 8, refusing our OACK): stop without answering. */
  clientError(): Step {
    if (this.#state === 'done') return NOTHING;
    return this.#end('client-error', null);
  }

  /** The client sent something a reader may not (RRQ, WRQ, DATA, OACK) on this transfer. */
  illegal(): Step {
    if (this.#state === 'done') return NOTHING;
    return this.#end('illegal-op', { kind: 'error', code: ERROR_CODE.ILLEGAL_OPERATION, message: 'illegal operation during read' });
  }

  /** Ends the session from outside (server stop, read error). */
  abort(message: string): Step {
    if (this.#state === 'done') return NOTHING;
    return this.#end('aborted', { kind: 'error', code: ERROR_CODE.NOT_DEFINED, message });
  }

  #progress(abs: number, now: number): Step {
    this.#heard = true;
    this.#acked = abs;
    this.#tries = 0;
    this.#deadline = now + this.params.timeoutMs;
    return this.#window(false);
  }

  /**
   * RFC 7440: after an ACK the next window starts right after the acknowledged block, also when
   * the ACK is short of the window's end (the client saw a gap and dropped what followed).
   */
  #window(retransmit: boolean): Step {
    const first = this.#acked + 1;
    const last = Math.min(this.#acked + this.params.windowsize, this.blocks);
    this.#sentTo = last;
    return { send: { kind: 'data', first, last }, retransmit, end: null };
  }

  #end(end: SessionEnd, send: SessionOutput | null): Step {
    this.#state = 'done';
    this.#deadline = Infinity;
    return { send, retransmit: false, end };
  }
}

/** Blocks a body of `size` bytes takes; the last is short, and empty at an exact multiple. */
export function blockCount(size: number, blksize: number): number {
  return Math.floor(size / blksize) + 1;
}

/** Byte range of absolute block `abs` in a body of `size` bytes. */
export function blockOffset(abs: number, blksize: number): number {
  return (abs - 1) * blksize;
}

export function blockLength(abs: number, blksize: number, size: number): number {
  const start = (abs - 1) * blksize;
  return Math.max(0, Math.min(blksize, size - start));
}

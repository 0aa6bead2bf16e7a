// A framed JSON conversation over one SSH channel (either end): frames in, frames out, and a
// typed failure when the peer sends something that is not a frame. Used by the pairing and
// cluster channels on both the server and the client side.
import type { Duplex } from 'node:stream';
import { encodeFrame, FrameDecoder, type FrameError } from './frames.ts';

export interface FramedChannel {
  send(value: unknown): void;
  /** Next frame, or rejects after `timeoutMs`, on close, or on a framing error. */
  next(timeoutMs: number): Promise<unknown>;
  /** Calls `f` for every frame from now on (instead of next()). */
  onFrame(f: (v: unknown) => void): void;
  onClose(f: (why: string) => void): void;
  close(): void;
  readonly closed: boolean;
}

export class ChannelClosedError extends Error {
  constructor(message: string) { super(message); this.name = 'ChannelClosedError'; }
}

export function framed(stream: Duplex, maxFrame?: number): FramedChannel {
  const dec = new FrameDecoder(maxFrame);
  const queue: unknown[] = [];
  const waiters: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  const closers: ((why: string) => void)[] = [];
  let listener: ((v: unknown) => void) | undefined;
  let closed: string | undefined;

  const fail = (why: string): void => {
    if (closed !== undefined) return;
    closed = why;
    for (const w of waiters.splice(0)) w.reject(new ChannelClosedError(why));
    for (const c of closers) c(why);
    stream.destroy();
  };

  stream.on('data', (chunk: Buffer) => {
    for (const v of dec.push(chunk)) {
      if (listener) listener(v);
      else { const w = waiters.shift(); if (w) w.resolve(v); else queue.push(v); }
    }
    if (dec.error) fail(frameErrorText(dec.error));
  });
  stream.on('close', () => fail('channel closed'));
  stream.on('end', () => fail('channel closed'));
  stream.on('error', (e: Error) => fail(`channel error: ${e.message}`));

  return {
    send(value) { if (closed === undefined) stream.write(encodeFrame(value)); },
    next(timeoutMs) {
      const v = queue.shift();
      if (v !== undefined) return Promise.resolve(v);
      if (closed !== undefined) return Promise.reject(new ChannelClosedError(closed));
      return new Promise((resolve, reject) => {
        const w = {
          resolve: (x: unknown) => { clearTimeout(t); resolve(x); },
          reject: (e: Error) => { clearTimeout(t); reject(e); },
        };
        const t = setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          reject(new ChannelClosedError(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    onFrame(f) {
      listener = f;
      for (const v of queue.splice(0)) f(v);
    },
    onClose(f) { closers.push(f); if (closed !== undefined) f(closed); },
    close() {
      if (closed !== undefined) return;
      try { stream.end(); } catch { /* already gone */ }
      fail('closed locally');
    },
    get closed() { return closed !== undefined; },
  };
}

function frameErrorText(e: FrameError): string {
  return `${e.code}: ${e.message}`;
}

// What a transfer reads its blocks from. A rendered file is already a Buffer; an asset on disk
// is read by positional reads in chunks of a few windows, so a client fetching 10 MiB of
// firmware holds at most two chunks of it in memory, not the whole file.
import { close, open, read } from 'node:fs';

export interface Body {
  readonly size: number;
  /** Bytes [offset, offset + length) when in memory, else null: call load(offset) first. */
  view(offset: number, length: number): Buffer | null;
  /** Brings the chunk starting at `offset` into memory. */
  load(offset: number): Promise<void>;
  /**
   * The whole body for the native pump, which reads it itself: the Buffer, or the open file
   * descriptor (valid until close()). Not for the JS engine, which reads through view/load.
   */
  whole(): { data: Buffer } | { fd: number };
  close(): void;
}

const EMPTY = Buffer.alloc(0);

export class BufferBody implements Body {
  readonly size: number;
  readonly #data: Buffer;
  constructor(data: Buffer) {
    this.#data = data;
    this.size = data.length;
  }
  view(offset: number, length: number): Buffer {
    return this.#data.subarray(offset, offset + length);
  }
  load(): Promise<void> {
    return Promise.resolve();
  }
  whole(): { data: Buffer } {
    return { data: this.#data };
  }
  close(): void {}
}

const MIN_CHUNK = 128 * 1024;
const MAX_CHUNK = 1024 * 1024;

/** A whole number of blocks covering at least one window, within [MIN_CHUNK, MAX_CHUNK]. */
export function chunkBytes(blksize: number, windowsize: number): number {
  const want = Math.min(Math.max(blksize * windowsize, MIN_CHUNK), MAX_CHUNK);
  return Math.max(1, Math.floor(want / blksize)) * blksize;
}

interface Chunk {
  start: number;
  buf: Buffer | null;
  ready: Promise<void>;
}

/**
 * Two chunks at most: the one being sent and the next, read ahead as soon as the current one is
 * used, so a transfer never waits for the disk while the client is waiting for it.
 */
export class FileBody implements Body {
  readonly size: number;
  readonly #fd: number;
  readonly #chunkBytes: number;
  #cur: Chunk | null = null;
  #ahead: Chunk | null = null;
  #reads = 0;
  #closed = false;

  private constructor(fd: number, size: number, chunk: number) {
    this.#fd = fd;
    this.size = size;
    this.#chunkBytes = chunk;
  }

  /** Opens `path`; `size` is what the FileSource announced, and what tsize promised. */
  static open(path: string, size: number, chunk: number): Promise<FileBody> {
    return new Promise((resolve, reject) => {
      open(path, 'r', (err, fd) => (err ? reject(err) : resolve(new FileBody(fd, size, chunk))));
    });
  }

  view(offset: number, length: number): Buffer | null {
    if (length === 0) return EMPTY;
    let v = slice(this.#cur, offset, length);
    if (v === null) {
      v = slice(this.#ahead, offset, length);
      if (v === null) return null;
      this.#cur = this.#ahead;
      this.#ahead = null;
    }
    const end = this.#cur!.start + this.#cur!.buf!.length;
    if (this.#ahead === null && end < this.size && !this.#closed) {
      const ahead = this.#read(end);
      this.#ahead = ahead;
      // A failed read-ahead is read again by load() when the transfer gets there.
      ahead.ready.catch(() => {
        if (this.#ahead === ahead) this.#ahead = null;
      });
    }
    return v;
  }

  async load(offset: number): Promise<void> {
    const ahead = this.#ahead;
    if (ahead && offset >= ahead.start && offset < ahead.start + this.#chunkBytes) {
      try {
        await ahead.ready;
        return;
      } catch {
        // Read it again below: a real I/O error fails there too, and is reported then.
      }
    }
    const c = this.#read(offset);
    await c.ready;
    this.#cur = c;
  }

  whole(): { fd: number } {
    return { fd: this.#fd };
  }

  #read(offset: number): Chunk {
    const length = Math.min(this.#chunkBytes, this.size - offset);
    // A fresh buffer each time: datagrams still queued in the socket may point into the last one.
    const buf = Buffer.allocUnsafe(length);
    const chunk: Chunk = { start: offset, buf: null, ready: Promise.resolve() };
    chunk.ready = new Promise((resolve, reject) => {
      if (this.#closed) return reject(new Error('body closed'));
      this.#reads++;
      read(this.#fd, buf, 0, length, offset, (err, n) => {
        if (--this.#reads === 0 && this.#closed) close(this.#fd, () => {});
        if (this.#closed) return reject(new Error('body closed'));
        if (err) return reject(err);
        // The file shrank since the FileSource sized it: the client was promised other bytes.
        if (n !== length) return reject(new Error(`short read at ${offset}: ${n} of ${length} bytes (file changed?)`));
        chunk.buf = buf;
        resolve();
      });
    });
    return chunk;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Closing under a pending read would let the fd number be reused and read another file.
    if (this.#reads === 0) close(this.#fd, () => {});
  }
}

function slice(c: Chunk | null, offset: number, length: number): Buffer | null {
  if (c === null || c.buf === null) return null;
  const rel = offset - c.start;
  if (rel < 0 || rel + length > c.buf.length) return null;
  return c.buf.subarray(rel, rel + length);
}

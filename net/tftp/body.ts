// What a transfer reads its blocks from. A rendered file is already a Buffer; an asset on disk
// is read by positional reads into a chunk of a few windows, so a client fetching 10 MiB of
// firmware holds at most MAX_CHUNK bytes of it in memory, not the whole file.
import { close, open, read } from 'node:fs';

export interface Body {
  readonly size: number;
  /** Bytes [offset, offset + length) when in memory, else null: call load(offset) first. */
  view(offset: number, length: number): Buffer | null;
  /** Brings the chunk starting at `offset` into memory. */
  load(offset: number): Promise<void>;
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
  close(): void {}
}

const MIN_CHUNK = 64 * 1024;
const MAX_CHUNK = 1024 * 1024;

/** A whole number of blocks covering at least one window, within [MIN_CHUNK, MAX_CHUNK]. */
export function chunkBytes(blksize: number, windowsize: number): number {
  const want = Math.min(Math.max(blksize * windowsize, MIN_CHUNK), MAX_CHUNK);
  return Math.max(1, Math.floor(want / blksize)) * blksize;
}

export class FileBody implements Body {
  readonly size: number;
  readonly #fd: number;
  readonly #chunkBytes: number;
  #chunk: Buffer = EMPTY;
  #chunkStart = 0;
  #closed = false;
  #reading = false;

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
    const rel = offset - this.#chunkStart;
    if (rel < 0 || rel + length > this.#chunk.length) return null;
    return this.#chunk.subarray(rel, rel + length);
  }

  load(offset: number): Promise<void> {
    const length = Math.min(this.#chunkBytes, this.size - offset);
    // A fresh buffer each time: datagrams still queued in the socket may point into the last one.
    const buf = Buffer.allocUnsafe(length);
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(new Error('body closed'));
      this.#reading = true;
      read(this.#fd, buf, 0, length, offset, (err, n) => {
        this.#reading = false;
        if (this.#closed) {
          close(this.#fd, () => {});
          return reject(new Error('body closed'));
        }
        if (err) return reject(err);
        // The file shrank since the FileSource sized it: the client was promised other bytes.
        if (n !== length) return reject(new Error(`short read at ${offset}: ${n} of ${length} bytes (file changed?)`));
        this.#chunk = buf;
        this.#chunkStart = offset;
        resolve();
      });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Closing under a pending read would let the fd number be reused and read another file.
    if (!this.#reading) close(this.#fd, () => {});
  }
}

// Mutation operators. Byte-level ones find bounds bugs; the string and length games find the
// bugs of text-ish and TLV codecs (a NUL moved, a field repeated, a length that lies), which
// random bit flips reach only by luck.
import type { Prng } from './prng.ts';

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x20, 0x2f, 0x2e, 0x5c];
const INTERESTING_16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x1ff, 0x200, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0xffff];
const NUMBERS = ['0', '1', '-1', '7', '8', '255', '256', '511', '512', '65464', '65465', '65535', '65536', '99999', '2147483648', '18446744073709551616', '1e3', '0x10', ' 1', ''];
const LONG_RUNS = [16, 255, 256, 1024, 4096];

export interface MutatorOptions {
  seeds: readonly Buffer[];
  dictionary: readonly Buffer[];
  maxLength: number;
}

type Op = (b: Buffer) => Buffer;

export class Mutator {
  readonly #rng: Prng;
  readonly #o: MutatorOptions;
  readonly #ops: Op[];

  constructor(rng: Prng, o: MutatorOptions) {
    this.#rng = rng;
    this.#o = o;
    this.#ops = [
      this.bitFlip, this.byteSet, this.insertBytes, this.deleteBytes, this.truncate, this.splice,
      this.interesting, this.duplicateRange, this.nulGame, this.fieldGame, this.numberGame,
      this.lengthGame, this.dictInsert, this.caseFlip,
    ];
  }

  /** One to four stacked mutations of `base`, capped at maxLength. */
  mutate(base: Buffer): Buffer {
    const r = this.#rng;
    if (r.oneIn(50)) return r.bytes(r.int(64));
    let b: Buffer = Buffer.from(base);
    const n = 1 + r.int(4);
    for (let i = 0; i < n; i++) b = r.pick(this.#ops)(b);
    if (r.oneIn(500)) b = this.grow(b);
    return b.length > this.#o.maxLength ? b.subarray(0, this.#o.maxLength) : b;
  }

  /** Pads to the largest size: bounded-time checks need big inputs now and then. */
  grow = (b: Buffer): Buffer => {
    const extra = this.#o.maxLength - b.length;
    if (extra <= 0) return b;
    const fill = this.#rng.oneIn(2) ? Buffer.alloc(extra, this.#rng.pick([0, 0x41, 0x2e, 0xff])) : this.#rng.bytes(extra);
    return Buffer.concat([b, fill]);
  };

  bitFlip = (b: Buffer): Buffer => {
    if (b.length === 0) return b;
    const i = this.#rng.int(b.length);
    b[i] = b[i]! ^ (1 << this.#rng.int(8));
    return b;
  };

  byteSet = (b: Buffer): Buffer => {
    if (b.length === 0) return b;
    b[this.#rng.int(b.length)] = this.#rng.u32() & 0xff;
    return b;
  };

  insertBytes = (b: Buffer): Buffer => {
    const at = this.#rng.int(b.length + 1);
    return Buffer.concat([b.subarray(0, at), this.#rng.bytes(1 + this.#rng.int(8)), b.subarray(at)]);
  };

  deleteBytes = (b: Buffer): Buffer => {
    if (b.length === 0) return b;
    const at = this.#rng.int(b.length);
    const n = 1 + this.#rng.int(Math.min(8, b.length - at));
    return Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
  };

  truncate = (b: Buffer): Buffer => b.subarray(0, this.#rng.int(b.length + 1));

  /** The head of this input on the tail of a seed. */
  splice = (b: Buffer): Buffer => {
    const other = this.#rng.pick(this.#o.seeds);
    return Buffer.concat([b.subarray(0, this.#rng.int(b.length + 1)), other.subarray(this.#rng.int(other.length + 1))]);
  };

  interesting = (b: Buffer): Buffer => {
    const r = this.#rng;
    const width = r.pick([1, 2, 4]);
    if (b.length < width) return b;
    const at = r.int(b.length - width + 1);
    if (width === 1) b[at] = r.pick(INTERESTING_8);
    else if (width === 2) (r.oneIn(2) ? b.writeUInt16BE : b.writeUInt16LE).call(b, r.pick(INTERESTING_16), at);
    else (r.oneIn(2) ? b.writeUInt32BE : b.writeUInt32LE).call(b, r.pick(INTERESTING_32), at);
    return b;
  };

  duplicateRange = (b: Buffer): Buffer => {
    if (b.length === 0) return b;
    const from = this.#rng.int(b.length);
    const piece = b.subarray(from, from + 1 + this.#rng.int(Math.min(64, b.length - from)));
    const at = this.#rng.int(b.length + 1);
    const times = this.#rng.oneIn(8) ? 1 + this.#rng.int(40) : 1;
    return Buffer.concat([b.subarray(0, at), ...Array<Buffer>(times).fill(piece), b.subarray(at)]);
  };

  /** Terminator games: drop a NUL (two strings merge), add one, or double one. */
  nulGame = (b: Buffer): Buffer => {
    const nuls = positions(b, 0);
    const r = this.#rng;
    const kind = r.int(3);
    if (kind === 0 && nuls.length > 0) {
      const i = r.pick(nuls);
      return Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
    }
    const at = kind === 2 && nuls.length > 0 ? r.pick(nuls) : r.int(b.length + 1);
    return Buffer.concat([b.subarray(0, at), Buffer.from([0]), b.subarray(at)]);
  };

  /** Field games on separator-delimited text: repeat a field, or swap it for a token or a long run. */
  fieldGame = (b: Buffer): Buffer => {
    const r = this.#rng;
    const sep = r.pick([0, 0x0a, 0x3b, 0x20, 0x3a, 0x2c]);
    const fields = split(b, sep);
    if (fields.length === 0) return b;
    const i = r.int(fields.length);
    const kind = r.int(3);
    if (kind === 0) fields.splice(i, 0, fields[i]!);
    else if (kind === 1 && this.#o.dictionary.length > 0) fields[i] = r.pick(this.#o.dictionary);
    else fields[i] = Buffer.alloc(r.pick(LONG_RUNS), r.pick([0x41, 0x2f, 0x2e, 0x39]));
    return join(fields, sep);
  };

  /** Replaces a decimal number in the input with a boundary value. */
  numberGame = (b: Buffer): Buffer => {
    const runs: [number, number][] = [];
    for (let i = 0; i < b.length; ) {
      if (b[i]! >= 0x30 && b[i]! <= 0x39) {
        const s = i;
        while (i < b.length && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
        runs.push([s, i]);
      } else i++;
    }
    if (runs.length === 0) return b;
    const [s, e] = this.#rng.pick(runs);
    return Buffer.concat([b.subarray(0, s), Buffer.from(this.#rng.pick(NUMBERS), 'latin1'), b.subarray(e)]);
  };

  /** Makes a byte or 16-bit word claim the length of what follows, give or take a few. */
  lengthGame = (b: Buffer): Buffer => {
    const r = this.#rng;
    if (b.length < 2) return b;
    const at = r.int(b.length - 1);
    const len = b.length - at - (r.oneIn(2) ? 1 : 2) + r.int(5) - 2;
    if (r.oneIn(2)) b[at] = len & 0xff;
    else b.writeUInt16BE(len & 0xffff, at);
    return b;
  };

  dictInsert = (b: Buffer): Buffer => {
    if (this.#o.dictionary.length === 0) return b;
    const at = this.#rng.int(b.length + 1);
    return Buffer.concat([b.subarray(0, at), this.#rng.pick(this.#o.dictionary), b.subarray(at)]);
  };

  caseFlip = (b: Buffer): Buffer => {
    for (let i = this.#rng.int(b.length + 1), n = 0; i < b.length && n < 16; i++, n++) {
      const c = b[i]!;
      if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) b[i] = c ^ 0x20;
    }
    return b;
  };
}

function positions(b: Buffer, byte: number): number[] {
  const out: number[] = [];
  for (let i = b.indexOf(byte); i >= 0 && out.length < 64; i = b.indexOf(byte, i + 1)) out.push(i);
  return out;
}

function split(b: Buffer, sep: number): Buffer[] {
  const out: Buffer[] = [];
  let s = 0;
  for (let i = b.indexOf(sep); i >= 0 && out.length < 256; i = b.indexOf(sep, s)) {
    out.push(b.subarray(s, i));
    s = i + 1;
  }
  out.push(b.subarray(s));
  return out;
}

function join(fields: Buffer[], sep: number): Buffer {
  const parts: Buffer[] = [];
  const s = Buffer.from([sep]);
  fields.forEach((f, i) => {
    if (i > 0) parts.push(s);
    parts.push(f);
  });
  return Buffer.concat(parts);
}

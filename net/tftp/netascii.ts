// netascii (RFC 764 via RFC 1350): LF becomes CR LF and a bare CR becomes CR NUL, so a
// client that undoes the conversion gets the original bytes back. Pure.

const LF = 0x0a;
const CR = 0x0d;

/** Size of `src` once converted: what tsize must announce for a netascii transfer. */
export function netasciiLength(src: Uint8Array): number {
  let extra = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === LF || c === CR) extra++;
  }
  return src.length + extra;
}

export function toNetascii(src: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(netasciiLength(src));
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === LF) {
      out[o++] = CR;
      out[o++] = LF;
    } else if (c === CR) {
      out[o++] = CR;
      out[o++] = 0;
    } else {
      out[o++] = c;
    }
  }
  return out;
}

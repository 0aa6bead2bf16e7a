// Framing of the JSON messages exchanged over the HA SSH channels (pairing and cluster): each
// frame is a 4-byte big-endian length, then that many bytes of UTF-8 JSON. Pure: no sockets.
// The decoder bounds the length before buffering (a peer cannot make us hold more than
// MAX_FRAME bytes) and reports a typed error instead of throwing on hostile input.

/** Largest frame: a configuration snapshot of a big node fits with room to spare. */
export const MAX_FRAME = 64 * 1024 * 1024;

export type FrameError =
  | { code: 'PBX_ERR_HA_FRAME_TOO_LONG'; message: string }
  | { code: 'PBX_ERR_HA_FRAME_JSON'; message: string };

export type DecodeResult =
  | { ok: true; value: unknown; bytesRead: number }
  | { ok: false; error: FrameError }
  | { ok: 'partial' };

export function encodingLength(value: unknown): number {
  return 4 + Buffer.byteLength(JSON.stringify(value), 'utf8');
}

export function encodeFrame(value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  if (json.length > MAX_FRAME) throw new RangeError(`frame of ${json.length} bytes exceeds ${MAX_FRAME}`);
  const out = Buffer.allocUnsafe(4 + json.length);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  return out;
}

/** Decodes one frame at `offset`; 'partial' when more bytes are needed. */
export function decodeFrame(buf: Buffer, offset = 0, max = MAX_FRAME): DecodeResult {
  if (offset < 0 || buf.length - offset < 4) return { ok: 'partial' };
  const len = buf.readUInt32BE(offset);
  if (len > max) return { ok: false, error: { code: 'PBX_ERR_HA_FRAME_TOO_LONG', message: `frame of ${len} bytes exceeds the limit of ${max}` } };
  if (buf.length - offset - 4 < len) return { ok: 'partial' };
  const text = buf.toString('utf8', offset + 4, offset + 4 + len);
  try {
    return { ok: true, value: JSON.parse(text) as unknown, bytesRead: 4 + len };
  } catch (e) {
    return { ok: false, error: { code: 'PBX_ERR_HA_FRAME_JSON', message: `frame is not JSON: ${(e as Error).message.slice(0, 120)}` } };
  }
}

/**
 * Accumulates stream chunks and yields whole frames. After an error it yields nothing more.
 * Chunks are kept apart until the frame in progress is complete, so a large frame (a snapshot)
 * arriving in many small chunks is copied once, not once per chunk.
 */
export class FrameDecoder {
  private parts: Buffer[] = [];
  private size = 0;
  private readonly max: number;
  error: FrameError | undefined;
  constructor(max = MAX_FRAME) { this.max = max; }

  push(chunk: Buffer): unknown[] {
    if (this.error) return [];
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size < 4) return [];
    if (this.parts[0]!.length < 4) this.parts = [Buffer.concat(this.parts, this.size)];
    const len = this.parts[0]!.readUInt32BE(0);
    // Not whole yet (and within the limit: a too-long header is reported at once below).
    if (len <= this.max && this.size - 4 < len) return [];
    const buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    const out: unknown[] = [];
    let off = 0;
    for (;;) {
      const r = decodeFrame(buf, off, this.max);
      if (r.ok === 'partial') break;
      if (r.ok === false) { this.error = r.error; this.parts = []; this.size = 0; return out; }
      out.push(r.value);
      off += r.bytesRead;
    }
    const rest = off === 0 ? buf : buf.subarray(off);
    this.parts = rest.length === 0 ? [] : [rest];
    this.size = rest.length;
    return out;
  }
}

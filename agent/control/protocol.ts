// Control protocol: newline-delimited JSON over a Unix socket. One request per line, one
// response per line, matched by id. Pure framing here; sockets live in server.ts/client.ts.
import type { ErrorCode } from '../errors.ts';

export const PROTOCOL_VERSION = 1;
/** A request line larger than this is refused (templates are the biggest legitimate payload). */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

export interface Request {
  id: number;
  method: string;
  params: Record<string, unknown>;
  /** Who is asking, as the client says (the socket's mode restricts who can connect at all). */
  user: string;
}

export type Response =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: ErrorCode; message: string; detail?: Record<string, unknown> } };

/** Splits a byte stream into lines, refusing any line over the cap (then the stream is bad). */
export class LineDecoder {
  private parts: Buffer[] = [];
  private size = 0;
  overflow = false;
  private readonly max: number;
  constructor(max = MAX_LINE_BYTES) {
    this.max = max;
  }
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, i);
      if (this.size + piece.length > this.max) { this.overflow = true; return lines; }
      this.parts.push(piece);
      lines.push(Buffer.concat(this.parts).toString('utf8'));
      this.parts = [];
      this.size = 0;
      start = i + 1;
    }
    const rest = chunk.subarray(start);
    if (this.size + rest.length > this.max) { this.overflow = true; return lines; }
    if (rest.length) { this.parts.push(rest); this.size += rest.length; }
    return lines;
  }
}

export function parseRequest(line: string): Request | string {
  let v: unknown;
  try { v = JSON.parse(line); } catch { return 'request is not valid JSON'; }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'request must be a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'number' || !Number.isInteger(o.id)) return 'request.id must be an integer';
  if (typeof o.method !== 'string' || !/^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)*$/.test(o.method)) return 'request.method must be a dotted name';
  const params = o.params ?? {};
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return 'request.params must be an object';
  const user = typeof o.user === 'string' && o.user.length <= 64 ? o.user : 'unknown';
  return { id: o.id, method: o.method, params: params as Record<string, unknown>, user };
}

// Test support for the TFTP tests: a FileSource over a table, a config, a log capture and a raw
// UDP peer that can say anything, late or not at all. Imported by tests and the bench only.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../agent/log.ts';
import type { FileRequest, FileResult, FileSource } from '../../provisioning/file-source.ts';
import type { TftpConfig } from './server.ts';

/**
 * The engine the server tests run on: native unless PBX_TFTP_TEST_ENGINE says otherwise
 * (server.js-engine.test.ts runs the same file on 'js'). Native, not auto: a test run where
 * the pump is not built fails naming the build command instead of quietly testing JS twice.
 */
export const TEST_ENGINE = (process.env.PBX_TFTP_TEST_ENGINE ?? 'native') as 'native' | 'js';

export function testConfig(over: Partial<TftpConfig> = {}): TftpConfig {
  return {
    enabled: true, address: '127.0.0.1', port: 0, maxBlksize: 65464, maxWindowsize: 64,
    retransmitMs: 200, retries: 5, maxSessions: 1000, maxSessionsPerClient: 16, engine: TEST_ENGINE, ...over,
  };
}

export type TableEntry = Buffer | { path: string; size: number };

/** Serves the table; anything else is 'unknown-file'. Records every request it sees. */
export function tableSource(files: Record<string, TableEntry>, seen: FileRequest[] = []): FileSource {
  return {
    async get(req: FileRequest): Promise<FileResult> {
      seen.push(req);
      const f = Object.hasOwn(files, req.path) ? files[req.path] : undefined;
      if (f === undefined) return { ok: false, reason: 'unknown-file', detail: `no rule or asset matches '${req.path}'` };
      return {
        ok: true,
        body: Buffer.isBuffer(f) ? { kind: 'buffer', data: f } : { kind: 'file', path: f.path, size: f.size },
        contentType: 'application/octet-stream', lastModified: new Date(0), etag: '"t"', origin: { kind: 'asset' }, warnings: [],
      };
    },
  };
}

export function captureLog(level: 'debug' | 'info' = 'debug'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level }, dest), lines };
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A UDP socket whose datagrams queue up until a test asks for the next one. */
export class RawPeer {
  readonly socket: Socket;
  readonly #queue: { msg: Buffer; rinfo: RemoteInfo }[] = [];
  #waiter: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('message', (msg, rinfo) => {
      this.#queue.push({ msg, rinfo });
      this.#waiter?.();
    });
  }

  static async open(address = '127.0.0.1'): Promise<RawPeer> {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, address, () => resolve()));
    return new RawPeer(s);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(buf: Buffer, port: number, host = '127.0.0.1'): void {
    this.socket.send(buf, port, host);
  }

  /** The next datagram, or null after `ms` of silence. */
  async recv(ms = 2000): Promise<{ msg: Buffer; rinfo: RemoteInfo } | null> {
    const deadline = Date.now() + ms;
    while (this.#queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#waiter = null;
    }
    return this.#queue.shift()!;
  }

  /** Drops whatever is queued (e.g. retransmissions a test has seen enough of). */
  drain(): number {
    return this.#queue.splice(0).length;
  }

  close(): void {
    this.socket.close();
  }
}

export interface RunResult { code: number | null; stdout: string; stderr: string }

/** Runs a real client with a hard time limit; never rejects. */
export function run(cmd: string, args: string[], timeoutMs = 20_000, cwd?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, cwd, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// Test helpers for the HTTP server: a scriptable FileSource, a log capture and a curl wrapper.
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { createLogger, type Logger } from '../../agent/log.ts';
import type { FileRequest, FileResult, FileSource, ServedFile } from '../../provisioning/file-source.ts';
import type { Config } from '../../agent/config/types.ts';

export type Entry = FileResult | Error | ((req: FileRequest) => Promise<FileResult>);

/** Answers from a map of path -> result; unknown paths are 'unknown-file'. Records every call. */
export class StubSource implements FileSource {
  readonly calls: FileRequest[] = [];
  readonly files = new Map<string, Entry>();

  async get(req: FileRequest): Promise<FileResult> {
    this.calls.push(req);
    const e = this.files.get(req.path);
    if (e === undefined) return { ok: false, reason: 'unknown-file', detail: `no rule matches '${req.path}'` };
    if (e instanceof Error) throw e;
    if (typeof e === 'function') return e(req);
    return e;
  }
}

export function served(data: Buffer | string, extra: Partial<ServedFile> = {}): ServedFile {
  return {
    ok: true,
    body: { kind: 'buffer', data: Buffer.from(data) },
    contentType: 'text/plain',
    lastModified: new Date('2026-03-04T05:06:07.890Z'),
    etag: 'e-' + Buffer.from(data).length,
    origin: { kind: 'asset' },
    warnings: [],
    ...extra,
  };
}

export type LogLine = Record<string, unknown> & { level: number; msg: string };

export function captureLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger('debug', { write: (s: string) => { lines.push(JSON.parse(s) as LogLine); } });
  return { log, lines };
}

export function httpConfig(over: Partial<Config['http']> = {}): Config['http'] {
  return {
    enabled: true, address: '127.0.0.1', port: 0, httpsEnabled: false, httpsPort: 0,
    certFile: '', keyFile: '', ...over,
  };
}

export interface CurlResult {
  code: number;
  status: number;
  headers: Map<string, string>;
  body: Buffer;
  stderr: string;
}

let seq = 0;

/**
 * Runs real curl: headers to a file, body to a file, so binary bodies survive. `dir` is a temp
 * folder. Extra args go before the URL. Headers of the last response only.
 */
export async function curl(dir: string, url: string, args: string[] = [], timeoutMs = 20_000): Promise<CurlResult> {
  const n = ++seq;
  const hdr = `${dir}/h${n}`;
  const out = `${dir}/b${n}`;
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('curl', ['-sS', '--max-time', String(Math.ceil(timeoutMs / 1000)), '-D', hdr, '-o', out, '-w', '%{http_code}', ...args, url],
      { timeout: timeoutMs + 5_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
  });
  const headers = new Map<string, string>();
  const rawHeaders = await readFile(hdr, 'latin1').catch(() => '');
  for (const line of rawHeaders.split('\r\n')) {
    if (/^HTTP\//.test(line)) headers.clear();
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  const body = await readFile(out).catch(() => Buffer.alloc(0));
  await rm(hdr, { force: true });
  await rm(out, { force: true });
  return { code: r.code, status: Number(r.stdout.slice(-3)) || 0, headers, body, stderr: r.stderr };
}

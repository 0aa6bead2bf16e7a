// The control socket: routes requests to the method table and frames replies. Access control
// is the socket's file mode (root only, or root plus control.group, 0660), like docker.sock.
import { chmodSync, chownSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Logger } from '../log.ts';
import { PbxError, isPbxError } from '../errors.ts';
import type { MethodTable } from './registry.ts';
import { LineDecoder, parseRequest, type Response } from './protocol.ts';

export interface ControlServerOptions {
  path: string;
  group: string;
  methods: MethodTable;
  log: Logger;
}

export interface ControlServer { start(): Promise<void>; stop(): Promise<void> }

export function createControlServer(opts: ControlServerOptions): ControlServer {
  const { log, methods } = opts;
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  async function handleLine(line: string): Promise<Response> {
    const req = parseRequest(line);
    if (typeof req === 'string') return { id: -1, ok: false, error: { code: 'PBX_ERR_PROTOCOL', message: req } };
    const method = methods[req.method];
    if (!method) {
      return { id: req.id, ok: false, error: { code: 'PBX_ERR_INVALID_ARGUMENT', message: `unknown method '${req.method}'` } };
    }
    try {
      const result = await method(req.params, { actor: { user: req.user, source: 'pbxctl' } });
      return { id: req.id, ok: true, result: result ?? null };
    } catch (e) {
      if (isPbxError(e)) {
        return { id: req.id, ok: false, error: { code: e.code, message: e.message, ...(e.detail ? { detail: e.detail } : {}) } };
      }
      log.error({ err: e, method: req.method }, 'control method failed');
      return { id: req.id, ok: false, error: { code: 'PBX_ERR_INTERNAL', message: `internal error in ${req.method}; see the daemon log` } };
    }
  }

  function onConnection(sock: Socket): void {
    sockets.add(sock);
    const dec = new LineDecoder();
    // Requests on one connection are answered in order; a slow method delays the ones behind it.
    let chain = Promise.resolve();
    sock.on('data', (chunk) => {
      const lines = dec.push(chunk);
      for (const line of lines) {
        if (!line.trim()) continue;
        chain = chain.then(async () => {
          const res = await handleLine(line);
          if (!sock.destroyed) sock.write(JSON.stringify(res) + '\n');
        });
      }
      if (dec.overflow) {
        sock.end(JSON.stringify({ id: -1, ok: false, error: { code: 'PBX_ERR_PROTOCOL', message: 'request line too long' } }) + '\n');
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => sockets.delete(sock));
  }

  return {
    async start() {
      mkdirSync(dirname(opts.path), { recursive: true });
      removeStaleSocket(opts.path);
      server = createServer(onConnection);
      // Create the socket with no access, then open it up to exactly who may use it.
      const oldMask = process.umask(0o177);
      try {
        await new Promise<void>((resolve, reject) => {
          server!.once('error', reject);
          server!.listen(opts.path, () => { server!.off('error', reject); resolve(); });
        });
      } finally {
        process.umask(oldMask);
      }
      if (opts.group) {
        const gid = groupId(opts.group);
        chownSync(opts.path, process.getuid?.() ?? 0, gid);
        chmodSync(opts.path, 0o660);
      } else {
        chmodSync(opts.path, 0o600);
      }
      log.info({ path: opts.path, group: opts.group || null }, 'control socket listening');
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      rmSync(opts.path, { force: true });
    },
  };
}

function removeStaleSocket(path: string): void {
  try {
    if (statSync(path).isSocket()) rmSync(path);
  } catch { /* absent */ }
}

function groupId(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    const line = execFileSync('getent', ['group', name], { encoding: 'utf8' }).trim();
    return Number(line.split(':')[2]);
  } catch {
    throw new PbxError('PBX_ERR_CONFIG', `config: control.group: group '${name}' does not exist; create it (groupadd ${name}) or leave control.group empty`);
  }
}

// pbxctl's side of the control socket.
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { PbxError } from '../errors.ts';
import { LineDecoder, type Response } from './protocol.ts';

export class ControlClient {
  private readonly path: string;
  private nextId = 1;
  constructor(path: string) {
    this.path = path;
  }

  /** Sends one request on a fresh connection; throws PbxError with the daemon's code on failure. */
  async call<T = unknown>(method: string, params: Record<string, unknown> = {}, timeoutMs = 30000): Promise<T> {
    const id = this.nextId++;
    const user = process.env.SUDO_USER || safeUser();
    return new Promise<T>((resolve, reject) => {
      const sock = connect(this.path);
      const dec = new LineDecoder();
      const timer = setTimeout(() => { sock.destroy(); reject(new PbxError('PBX_ERR_UNAVAILABLE', `the daemon did not answer ${method} within ${timeoutMs} ms`)); }, timeoutMs);
      sock.on('connect', () => sock.write(JSON.stringify({ id, method, params, user }) + '\n'));
      sock.on('data', (chunk) => {
        for (const line of dec.push(chunk)) {
          let res: Response;
          try { res = JSON.parse(line) as Response; } catch { continue; }
          if (res.id !== id && res.id !== -1) continue;
          clearTimeout(timer);
          sock.end();
          if (res.ok) resolve(res.result as T);
          else reject(new PbxError(res.error.code, res.error.message, res.error.detail));
        }
      });
      sock.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const why = e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
          ? `pbx-agent is not running (no control socket at ${this.path}); start it (systemctl start pbx-agent) or pass --socket`
          : e.code === 'EACCES'
            ? `permission denied on ${this.path}: run as root or as a member of the group set in control.group`
            : `cannot reach pbx-agent at ${this.path}: ${e.message}`;
        reject(new PbxError(e.code === 'EACCES' ? 'PBX_ERR_PERMISSION' : 'PBX_ERR_UNAVAILABLE', why));
      });
    });
  }
}

function safeUser(): string {
  try { return userInfo().username; } catch { return `uid:${process.getuid?.() ?? '?'}`; }
}

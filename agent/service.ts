// A long-running part of the daemon (a server, the HA driver...). The composition root starts
// them in order, stops them in reverse, and asks each for its status.
import { PbxError } from './errors.ts';

export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): Record<string, unknown>;
}

/**
 * Turns a bind failure into an admin-facing error naming the config key to change,
 * instead of a stack trace from the socket layer.
 */
export function bindError(e: unknown, key: string, where: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES') {
    return new PbxError('PBX_ERR_CONFIG', `config: ${key}: cannot bind ${where}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE); run as root or set a port of 1024 or more`, { key });
  }
  if (code === 'EADDRINUSE') {
    return new PbxError('PBX_ERR_CONFIG', `config: ${key}: cannot bind ${where}: address in use (another server, e.g. tftpd-hpa or a web server, holds it); stop it or choose another port`, { key });
  }
  if (code === 'EADDRNOTAVAIL') {
    return new PbxError('PBX_ERR_CONFIG', `config: ${key}: cannot bind ${where}: no such local address; use 0.0.0.0 or an address of this node`, { key });
  }
  return e;
}

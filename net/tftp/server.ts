// The read-only TFTP server: owns the request sockets and admits transfers. What a phone gets
// is the FileSource's decision; which requests get that far (names, limits, WRQ) and how bytes
// travel is decided here and in transfer.ts.
//
// Every refusal is answered from a request socket, so a refused request costs no socket;
// only an admitted transfer gets its own port, the transfer's TID (see tid.ts).
import type { RemoteInfo } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Config } from '../../agent/config/types.ts';
import { InvalidArgumentError } from '../../agent/errors.ts';
import type { Logger } from '../../agent/log.ts';
import type { FileBody, FileSource } from '../../provisioning/file-source.ts';
import { BufferBody, FileBody as DiskBody, chunkBytes, type Body } from './body.ts';
import { checkRequestName } from './names.ts';
import { negotiate, type Negotiated } from './negotiate.ts';
import { toNetascii } from './netascii.ts';
import { ERROR_CODE } from './opcodes.ts';
import { decode, encode, type DecodeErrorCode, type RequestPacket } from './packet.ts';
import { ReadSession } from './session.ts';
import { copyStats, newStats, type TftpStats } from './stats.ts';
import { Listeners, WILDCARD } from './listeners.ts';
import { openTid, type TidSockets } from './tid.ts';
import { Transfer, type ActiveTransfer, type Peer, type TransferDeps, type TransferView } from './transfer.ts';
import { NativeTransfer } from './native-transfer.ts';
import { loadError as pumpLoadError, pump } from './native/pump.ts';

export type TftpConfig = Config['tftp'];

export interface TftpServerOptions {
  config: TftpConfig;
  source: FileSource;
  log: Logger;
  /** This host's IPv4 addresses, for a 0.0.0.0 tftp.address (default: os.networkInterfaces()). */
  localAddresses?: () => string[];
  /** How often a 0.0.0.0 server looks for new local addresses (default 5000 ms; 0: never). */
  rescanMs?: number;
}

export interface TftpServer {
  /**
   * Binds tftp.address:tftp.port (0 picks a free port) and returns what was bound. Rejects with
   * the socket's own error (code EACCES, EADDRINUSE, EADDRNOTAVAIL...) for the caller to explain.
   */
  start(): Promise<{ address: string; port: number }>;
  /**
   * With tftp.address 0.0.0.0: bind the local addresses that appeared (call right after adding a
   * floating IP, so its first phone is answered from it). Otherwise a no-op.
   */
  refreshAddresses(): Promise<void>;
  /** Closes the request sockets and every transfer (clients get ERROR 0), then resolves. */
  stop(): Promise<void>;
  stats(): TftpStats;
  /** The transfers in progress, oldest first. */
  sessions(): TransferView[];
}

export type { TftpStats } from './stats.ts';

/** netascii needs the whole converted file in memory; past this, refuse rather than balloon. */
const NETASCII_MAX_BYTES = 64 * 1024 * 1024;
/** A repeated RRQ is looked at this many times, this far apart, before it is ignored (see #read). */
const REPEAT_LOOKS = 10;
const REPEAT_LOOK_MS = 5;
/** At most one "busy" warning per this interval; the rest are counted. */
const BUSY_WARN_MS = 10_000;

const REQUEST_ERROR_TEXT: Partial<Record<DecodeErrorCode, string>> = {
  'bad-mode': 'unsupported transfer mode (use octet or netascii)',
  'name-too-long': 'file name too long',
  'empty-filename': 'empty file name',
  'bad-filename': 'file name is not UTF-8',
  'duplicate-option': 'duplicate option',
};

/** A request from admission to the end of its transfer; holds one unit of each limit. */
interface Slot {
  key: string;
  ip: string;
  filename: string;
  transfer: ActiveTransfer | null;
  released: boolean;
}

export type TftpEngine = 'native' | 'js';

/**
 * The engine tftp.engine asks for: 'native' needs the pump (else a TftpEngineError naming the
 * build command), 'auto' takes it when it loads, 'js' never does.
 */
export function chooseEngine(want: TftpConfig['engine']): TftpEngine {
  if (want === 'js') return 'js';
  if (pump) return 'native';
  if (want === 'native') throw new InvalidArgumentError('tftp.engine', `is 'native' but ${pumpLoadError}; build it, or set tftp.engine to 'auto' or 'js'`);
  return 'js';
}

export function createTftpServer(opts: TftpServerOptions): TftpServer {
  const c = opts.config;
  if (!Number.isInteger(c.maxBlksize) || c.maxBlksize < 8 || c.maxBlksize > 65464) throw new InvalidArgumentError('tftp.maxBlksize', `${c.maxBlksize} is not 8..65464`);
  if (!Number.isInteger(c.maxWindowsize) || c.maxWindowsize < 1 || c.maxWindowsize > 65535) throw new InvalidArgumentError('tftp.maxWindowsize', `${c.maxWindowsize} is not 1..65535`);
  if (!(c.retransmitMs > 0) || !(c.retries >= 1) || !(c.maxSessions >= 1) || !(c.maxSessionsPerClient >= 1)) {
    throw new InvalidArgumentError('tftp', 'retransmitMs, retries, maxSessions and maxSessionsPerClient must be positive');
  }
  return new Server(opts, chooseEngine(c.engine ?? 'auto'));
}

class Server implements TftpServer {
  readonly #cfg: TftpConfig;
  readonly #source: FileSource;
  readonly #log: Logger;
  readonly #stats = newStats();
  readonly #localAddresses: (() => string[]) | undefined;
  readonly #rescanMs: number;
  #listeners: Listeners | null = null;
  #rescan: NodeJS.Timeout | null = null;
  #stopped = false;
  #active = 0;
  readonly #perClient = new Map<string, number>();
  /** Latest slot per client address:port, to recognise a repeated RRQ. */
  readonly #byPeer = new Map<string, Slot>();
  readonly #transfers = new Set<ActiveTransfer>();
  readonly #engine: TftpEngine;
  readonly #closing = new Set<Promise<void>>();
  #busyWarnAt = -Infinity;
  #busySuppressed = 0;

  constructor(opts: TftpServerOptions, engine: TftpEngine) {
    this.#engine = engine;
    this.#cfg = opts.config;
    this.#source = opts.source;
    this.#log = opts.log;
    this.#localAddresses = opts.localAddresses;
    this.#rescanMs = opts.rescanMs ?? 5000;
  }

  async start(): Promise<{ address: string; port: number }> {
    if (this.#listeners) throw new InvalidArgumentError('start', 'already started');
    const listeners = new Listeners(
      this.#cfg.address,
      (msg, rinfo, local) => {
        try {
          this.#onDatagram(msg, rinfo, local);
        } catch (err) {
          this.#stats.errors.internal++;
          this.#log.error({ err, client: peerOf(rinfo) }, 'request handler failed');
        }
      },
      (err, local) => {
        this.#stats.errors['socket-error']++;
        this.#log.warn({ err: err.message, local }, 'request socket error');
      },
      this.#localAddresses,
    );
    await listeners.start(this.#cfg.port);
    this.#listeners = listeners;
    if (this.#cfg.address === WILDCARD && this.#rescanMs > 0) {
      this.#rescan = setInterval(() => void this.refreshAddresses(), this.#rescanMs);
      this.#rescan.unref();
    }
    this.#log.info({ address: this.#cfg.address, port: listeners.port, engine: this.#engine }, 'listening');
    if (this.#engine === 'js' && (this.#cfg.engine ?? 'auto') === 'auto') this.#log.warn({ why: pumpLoadError }, 'native TFTP pump unavailable; serving with the JavaScript engine (slower per client)');
    return { address: this.#cfg.address, port: listeners.port };
  }

  async refreshAddresses(): Promise<void> {
    if (!this.#stopped) await this.#listeners?.refresh();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#rescan) clearInterval(this.#rescan);
    await this.#listeners?.close();
    for (const t of this.#transfers) t.abort('server shutting down');
    while (this.#closing.size > 0) await Promise.all([...this.#closing]);
  }

  sessions(): TransferView[] {
    return [...this.#transfers].map((t) => t.view()).sort((a, b) => b.ageMs - a.ageMs);
  }

  stats(): TftpStats {
    const s = copyStats(this.#stats);
    s.sessionsActive = this.#active;
    s.engine = this.#engine;
    for (const t of this.#transfers) t.addLive(s);
    return s;
  }

  #onDatagram(msg: Buffer, rinfo: RemoteInfo, local: string): void {
    const r = decode(msg);
    if (!r.ok) {
      this.#stats.malformed++;
      this.#log.debug({ client: peerOf(rinfo), code: r.error.code, bytes: msg.length }, 'malformed datagram');
      // Say what was wrong with something that was meant as a request; stay silent on noise.
      if (r.error.opcode === 1 || r.error.opcode === 2) {
        this.#stats.errors['bad-request']++;
        this.#reply(rinfo, local, ERROR_CODE.ILLEGAL_OPERATION, REQUEST_ERROR_TEXT[r.error.code] ?? 'malformed request');
      }
      return;
    }
    const p = r.value;
    if (p.op === 'RRQ') {
      this.#read(p, rinfo, local).catch((err: unknown) => {
        this.#stats.errors.internal++;
        this.#log.error({ err, client: peerOf(rinfo), file: p.filename }, 'read request failed');
      });
    } else if (p.op === 'WRQ') {
      this.#stats.errors['write-refused']++;
      this.#log.info({ client: peerOf(rinfo), file: p.filename }, 'write request refused (read-only server)');
      this.#reply(rinfo, local, ERROR_CODE.ACCESS_VIOLATION, 'read-only server');
    } else {
      // Late ACKs or errors sent to port 69 by confused clients: nothing to answer.
      this.#stats.errors['unexpected-packet']++;
      this.#log.debug({ client: peerOf(rinfo), op: p.op }, 'non-request datagram on the request port');
    }
  }

  async #read(p: RequestPacket, rinfo: RemoteInfo, local: string): Promise<void> {
    const client = peerOf(rinfo);
    const key = `${rinfo.address}:${rinfo.port}`;
    // The client repeated its RRQ because our first answer is slow or lost; the transfer we
    // already have will retransmit. A new TID would only race the first one. But a client that
    // just finished (tftp-hpa reuses its port for the next get) may send its last ACK and the
    // next RRQ back to back, and the native engine's thread may not have read that ACK yet:
    // look again a few times before calling it a repeat.
    for (let look = 0; ; look++) {
      const prior = this.#byPeer.get(key);
      const repeat = prior && !prior.released && prior.filename === p.filename && !(prior.transfer?.heard ?? false);
      if (!repeat) break;
      if (look === REPEAT_LOOKS || this.#stopped) {
        this.#stats.duplicateRequests++;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, REPEAT_LOOK_MS));
    }
    const name = checkRequestName(p.filename);
    if (!name.ok) {
      this.#stats.errors['bad-name']++;
      this.#log.info({ client, file: p.filename, reason: 'bad-name', detail: name.why }, 'file not served');
      this.#reply(rinfo, local, ERROR_CODE.ACCESS_VIOLATION, 'bad file name');
      return;
    }
    if (!this.#admit(rinfo, local)) return;
    const slot: Slot = { key, ip: rinfo.address, filename: p.filename, transfer: null, released: false };
    this.#active++;
    this.#perClient.set(slot.ip, (this.#perClient.get(slot.ip) ?? 0) + 1);
    this.#byPeer.set(key, slot);
    let started = false;
    try {
      started = await this.#serve(p, name.path, rinfo, local, slot);
    } finally {
      if (!started) this.#release(slot);
    }
  }

  #admit(rinfo: RemoteInfo, local: string): boolean {
    let why: string | null = null;
    if (this.#active >= this.#cfg.maxSessions) why = `server busy: ${this.#active} transfers in progress`;
    else if ((this.#perClient.get(rinfo.address) ?? 0) >= this.#cfg.maxSessionsPerClient) {
      why = `too many transfers from ${rinfo.address}`;
    }
    if (why === null) return true;
    this.#stats.errors.busy++;
    const now = performance.now();
    if (now - this.#busyWarnAt >= BUSY_WARN_MS) {
      this.#log.warn({ client: peerOf(rinfo), why, suppressed: this.#busySuppressed, maxSessions: this.#cfg.maxSessions, maxSessionsPerClient: this.#cfg.maxSessionsPerClient }, 'transfer refused: limit reached');
      this.#busyWarnAt = now;
      this.#busySuppressed = 0;
    } else {
      this.#busySuppressed++;
    }
    this.#reply(rinfo, local, ERROR_CODE.NOT_DEFINED, why);
    return false;
  }

  /** Returns true once a Transfer owns the slot. */
  async #serve(p: RequestPacket, path: string, rinfo: RemoteInfo, local: string, slot: Slot): Promise<boolean> {
    const client = peerOf(rinfo);
    let res;
    try {
      res = await this.#source.get({ path, transport: 'tftp', client: { ip: rinfo.address, port: rinfo.port } });
    } catch (err) {
      this.#stats.errors['source-error']++;
      this.#log.error({ err, client, file: p.filename }, 'file source failed');
      this.#reply(rinfo, local, ERROR_CODE.NOT_DEFINED, 'internal error');
      return false;
    }
    if (this.#stopped) return false;
    if (!res.ok) {
      this.#stats.errors['not-found']++;
      this.#log.info({ client, file: p.filename, reason: res.reason, detail: res.detail }, 'file not served');
      this.#reply(rinfo, local, ERROR_CODE.FILE_NOT_FOUND, 'File not found');
      return false;
    }
    const raw = res.body;
    let body: Body;
    let neg: Negotiated;
    try {
      if (p.mode === 'netascii') {
        // tsize must announce the converted size, so the conversion comes first.
        body = new BufferBody(toNetascii(raw.kind === 'buffer' ? raw.data : await readForNetascii(raw)));
        neg = negotiate(p.options, this.#cfg, body.size);
      } else if (raw.kind === 'buffer') {
        body = new BufferBody(raw.data);
        neg = negotiate(p.options, this.#cfg, body.size);
      } else {
        neg = negotiate(p.options, this.#cfg, raw.size);
        body = await DiskBody.open(raw.path, raw.size, chunkBytes(neg.blksize, neg.windowsize));
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.#stats.errors['read-error']++;
      this.#log.error({ client, file: p.filename, err: e.code ?? e.message }, 'cannot open file');
      if (e.code === 'ENOENT') this.#reply(rinfo, local, ERROR_CODE.FILE_NOT_FOUND, 'File not found');
      else this.#reply(rinfo, local, ERROR_CODE.NOT_DEFINED, 'read error');
      return false;
    }
    const params = {
      size: body.size, blksize: neg.blksize, windowsize: neg.windowsize,
      timeoutMs: neg.timeoutMs ?? this.#cfg.retransmitMs, retries: this.#cfg.retries, oack: neg.oack,
    };
    let closed!: () => void;
    const closing = new Promise<void>((resolve) => (closed = resolve));
    const deps: TransferDeps = {
      stats: this.#stats,
      log: this.#log,
      onClose: (t: ActiveTransfer) => {
        this.#transfers.delete(t);
        this.#release(slot);
        this.#closing.delete(closing);
        closed();
      },
    };
    let transfer: NativeTransfer | Transfer;
    let dropSockets: () => void;
    try {
      // The address the request came to, so replies leave from the address the phone asked.
      if (this.#engine === 'native') {
        // Sockets are opened by start(), below.
        dropSockets = () => {};
        transfer = new NativeTransfer(local, client, p.filename, params, body, deps);
      } else {
        const tid: TidSockets = await openTid(local, client);
        dropSockets = () => {
          tid.release();
          tid.data.close();
          tid.guard.close();
        };
        transfer = new Transfer(tid, client, p.filename, new ReadSession(params), body, deps);
      }
    } catch (err) {
      body.close();
      return this.#noSocket(rinfo, local, err);
    }
    if (this.#stopped) {
      dropSockets();
      body.close();
      return false;
    }
    this.#closing.add(closing);
    slot.transfer = transfer;
    this.#transfers.add(transfer);
    try {
      // The native engine opens its connected socket here and may fail (EMFILE...).
      transfer.start();
    } catch (err) {
      this.#transfers.delete(transfer);
      this.#closing.delete(closing);
      slot.transfer = null;
      dropSockets();
      body.close();
      return this.#noSocket(rinfo, local, err);
    }
    this.#stats.sessionsTotal++;
    return true;
  }

  #noSocket(rinfo: RemoteInfo, local: string, err: unknown): false {
    this.#stats.errors['socket-error']++;
    this.#log.error({ client: peerOf(rinfo), err: (err as Error).message }, 'cannot open a transfer socket');
    this.#reply(rinfo, local, ERROR_CODE.NOT_DEFINED, 'server busy');
    return false;
  }

  #release(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    this.#active--;
    const n = (this.#perClient.get(slot.ip) ?? 1) - 1;
    if (n > 0) this.#perClient.set(slot.ip, n);
    else this.#perClient.delete(slot.ip);
    if (this.#byPeer.get(slot.key) === slot) this.#byPeer.delete(slot.key);
  }

  #reply(to: RemoteInfo, local: string, code: number, message: string): void {
    if (this.#stopped) return;
    this.#listeners?.send(local, encode({ op: 'ERROR', code, message }), to.port, to.address);
  }
}

async function readForNetascii(body: Extract<FileBody, { kind: 'file' }>): Promise<Buffer> {
  if (body.size > NETASCII_MAX_BYTES) throw Object.assign(new Error(`${body.size} bytes is too large for netascii`), { code: 'EFBIG' });
  return readFile(body.path);
}

function peerOf(r: RemoteInfo): Peer {
  return { address: r.address, port: r.port };
}

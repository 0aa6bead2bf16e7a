// Sends one resync NOTIFY and waits for the phone's answer: a non-INVITE client transaction over
// UDP (RFC 3261 17.1.2), timers from NotifyTransactions (retransmit after T1, 2*T1... capped at
// T2; after a 1xx every T2; Timer F = 64*T1 gives up). The socket is connected to the phone, so
// the kernel reports ICMP port-unreachable as ECONNREFUSED: nothing listens there, said at once
// rather than after 32 s. One socket per resync, closed when it ends.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { NotifyTransactions } from './pnp-transactions.ts';
import { buildResyncNotify, readAnswer, type Endpoint } from './resync.ts';

export interface ResyncRequest {
  target: Endpoint;
  event: string;
  user: string;
  /** RFC 3261 T1 (default 500 ms); Timer F is 64*T1. */
  t1Ms?: number;
  t2Ms?: number;
  /** Local address to send from (default: any). */
  localAddress?: string;
  /** Ends the transaction at once (outcome 'error', 'aborted'): the daemon is stopping. */
  signal?: AbortSignal;
}

export interface ResyncResult {
  outcome: 'answered' | 'timeout' | 'unreachable' | 'error';
  /** The final status, when the phone answered. */
  status?: number;
  reason?: string;
  /** A provisional (1xx) status seen before the end, if any. */
  provisional?: number;
  /** NOTIFYs sent, the first one included. */
  transmissions: number;
  ms: number;
  local?: Endpoint;
  error?: string;
}

export async function sendResync(r: ResyncRequest): Promise<ResyncResult> {
  const t1 = r.t1Ms ?? 500;
  const started = Date.now();
  const sock = createSocket({ type: r.target.address.includes(':') ? 'udp6' : 'udp4' });
  const tx = new NotifyTransactions({ t1Ms: t1, t2Ms: r.t2Ms ?? 4000, max: 1 });
  let transmissions = 0;
  let provisional: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const callId = `${randomBytes(12).toString('hex')}@pbx-agent`;

  return new Promise<ResyncResult>((resolve) => {
    let done = false;
    let local: Endpoint | undefined;
    const onAbort = (): void => finish({ outcome: 'error', error: 'aborted' });
    const finish = (res: Omit<ResyncResult, 'transmissions' | 'ms'>): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      r.signal?.removeEventListener('abort', onAbort);
      sock.close();
      resolve({ ...res, transmissions, ms: Date.now() - started, ...(provisional ? { provisional } : {}), ...(local ? { local } : {}) });
    };
    const send = (payload: Buffer): void => {
      transmissions++;
      sock.send(payload, (err) => { if (err) finishError(err); });
    };
    const finishError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'ECONNREFUSED') finish({ outcome: 'unreachable', error: 'ICMP port unreachable: nothing listens for SIP there' });
      else finish({ outcome: 'error', error: err.code ?? err.message });
    };
    const arm = (): void => {
      if (timer) clearTimeout(timer);
      const at = tx.nextDeadline();
      if (at === undefined) return;
      timer = setTimeout(tick, Math.max(0, at - Date.now()));
    };
    const tick = (): void => {
      const { resend, expired } = tx.due(Date.now());
      if (expired.length > 0) return finish({ outcome: 'timeout' });
      for (const x of resend) send(x.payload);
      arm();
    };

    if (r.signal?.aborted) return onAbort();
    r.signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (e: NodeJS.ErrnoException) => finishError(e));
    sock.on('message', (buf) => {
      const a = readAnswer(buf, callId);
      if (!a) return;
      const res = tx.response(a.branch, a.status, Date.now());
      if (!res) return;
      if (res.outcome === 'provisional') {
        provisional = a.status;
        arm();
        return;
      }
      finish({ outcome: 'answered', status: a.status, reason: a.reason });
    });
    // After an abort the socket is closed: nothing more may touch it.
    sock.bind(0, r.localAddress, () => {
      if (done) return;
      sock.connect(r.target.port, r.target.address, (err?: Error) => {
        if (done) return;
        if (err) return finishError(err as NodeJS.ErrnoException);
        const la = sock.address();
        local = { address: r.localAddress && r.localAddress !== '0.0.0.0' ? r.localAddress : la.address, port: la.port };
        const { bytes, branch } = buildResyncNotify({
          event: r.event, target: r.target, local, user: r.user, callId,
          tag: randomBytes(6).toString('hex'), branch: randomBytes(8).toString('hex'),
        });
        tx.start(branch, bytes, r.target, Date.now());
        send(bytes);
        arm();
      });
    });
  });
}

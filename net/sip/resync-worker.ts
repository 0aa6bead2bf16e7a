// The resync-on-change worker: a debounced set of MACs, drained at a bounded rate. No database,
// no logger and no socket here: what to send to a MAC (lookup), how to send it (send), the clock
// and where outcomes go are injected, so tests drive it on a fake clock.
//
//   enqueue(macs) -> pending set; the debounce timer restarts on every enqueue (delayMs), but
//                    never past MAX_WAIT_FACTOR x delayMs after the oldest pending edit, so a
//                    script that keeps editing cannot postpone the phones' resync for ever
//   timer fires   -> the pending MACs become one batch; each is looked up (no address: counted,
//                    skipped) and put on the send queue
//   send queue    -> a NOTIFY transaction starts at most every 1000/ratePerSec ms, so no
//                    1-second window holds more than ratePerSec starts (retransmissions of a
//                    started transaction follow the SIP timers and are not counted)
//   same phone    -> never two transactions at once: a MAC edited again while its NOTIFY is in
//                    flight stays pending and goes in a later batch (its file changed after the
//                    phone may already have fetched it)
//   batch settled -> onBatch(report) once, with every MAC sorted by outcome
import { setMaxListeners } from 'node:events';
import type { ResyncRequest, ResyncResult } from './resync-client.ts';

export type ResyncLookup = (mac: string) =>
  | { kind: 'send'; request: ResyncRequest; label: string }
  /** Eligible, but never seen (PnP, DHCP, fetch) and no static IP. */
  | { kind: 'no-address' }
  /** No longer a device with a file (removed, disabled, account unlinked since the edit). */
  | { kind: 'skip' };

export type ResyncOutcome = 'answered' | 'failed' | 'no-answer' | 'no-address';

/** The longest a pending edit waits, as a multiple of delayMs. */
export const MAX_WAIT_FACTOR = 6;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref(); return t; },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface BatchReport {
  batch: number;
  answered: string[];
  failed: Array<{ mac: string; said: string }>;
  noAnswer: string[];
  noAddress: string[];
  /** MACs that no longer qualified when the batch ran. */
  skipped: number;
}

export interface ResyncWorkerOptions {
  delayMs: number;
  ratePerSec: number;
  lookup: ResyncLookup;
  send: (r: ResyncRequest) => Promise<ResyncResult>;
  clock?: Clock;
  /** Asked when a batch starts; false (an HA member) drops the batch. Default: always true. */
  maySend?: () => boolean;
  /** Each sent NOTIFY's outcome (for the per-device log line). */
  onOutcome?: (mac: string, outcome: ResyncOutcome, said: string, label: string) => void;
  onBatch?: (r: BatchReport) => void;
  /** A batch dropped because maySend said no. */
  onDropped?: (macs: number) => void;
}

export interface ResyncStats {
  batches: number; sent: number; answered: number; failed: number; noAnswer: number; noAddress: number;
  skipped: number; dropped: number; pending: number; inFlight: number;
}

export interface ResyncWorker {
  enqueue(macs: Iterable<string>): void;
  stats(): ResyncStats;
  /** Cancels timers, forgets queued MACs and aborts the NOTIFYs in flight (unreported). */
  stop(): void;
}

interface Batch { report: BatchReport; open: number }

/** 2xx is the only answer that means "will fetch"; anything else from the phone is a failure. */
export function classify(r: ResyncResult): { outcome: Exclude<ResyncOutcome, 'no-address'>; said: string } {
  if (r.outcome === 'answered') {
    const said = `answered ${r.status ?? '?'} ${r.reason ?? ''}`.trim();
    return { outcome: r.status !== undefined && r.status >= 200 && r.status < 300 ? 'answered' : 'failed', said };
  }
  if (r.outcome === 'timeout') return { outcome: 'no-answer', said: `no answer after ${r.transmissions} transmission(s)` };
  return { outcome: 'failed', said: `${r.outcome}${r.error ? `: ${r.error}` : ''}` };
}

export function createResyncWorker(o: ResyncWorkerOptions): ResyncWorker {
  if (!Number.isFinite(o.delayMs) || o.delayMs < 0) throw new RangeError(`delayMs must be >= 0, got ${o.delayMs}`);
  if (!Number.isFinite(o.ratePerSec) || o.ratePerSec <= 0) throw new RangeError(`ratePerSec must be > 0, got ${o.ratePerSec}`);
  const clock = o.clock ?? REAL_CLOCK;
  const spacing = 1000 / o.ratePerSec;
  const pending = new Set<string>();
  const queue: Array<{ mac: string; request: ResyncRequest; label: string; batch: Batch }> = [];
  const queued = new Set<string>();
  const inFlight = new Set<string>();
  const counts = { batches: 0, sent: 0, answered: 0, failed: 0, noAnswer: 0, noAddress: 0, skipped: 0, dropped: 0 };
  let debounce: unknown;
  /** When the oldest MAC still pending was enqueued (for the wait cap). */
  let pendingSince = Infinity;
  let pumpTimer: unknown;
  let nextStart = -Infinity;
  let batchNo = 0;
  let stopped = false;
  const abort = new AbortController();
  // Every NOTIFY in flight listens on it (ratePerSec x Timer F of them at most).
  setMaxListeners(0, abort.signal);

  const arm = (): void => {
    if (debounce !== undefined) clock.clearTimeout(debounce);
    const now = clock.now();
    if (pendingSince === Infinity) pendingSince = now;
    const capped = Math.max(0, pendingSince + MAX_WAIT_FACTOR * o.delayMs - now);
    debounce = clock.setTimeout(flush, Math.min(o.delayMs, capped));
  };

  const settle = (b: Batch): void => {
    if (--b.open === 0 && !stopped) o.onBatch?.(b.report);
  };

  function flush(): void {
    debounce = undefined;
    pendingSince = Infinity;
    if (stopped) return;
    const macs = [...pending].filter((m) => !inFlight.has(m) && !queued.has(m));
    for (const m of macs) pending.delete(m);
    // Queued MACs will be sent with the current files anyway: nothing to add for them.
    for (const m of [...pending]) if (queued.has(m)) pending.delete(m);
    if (macs.length === 0) return;
    if (o.maySend && !o.maySend()) {
      counts.dropped += macs.length;
      o.onDropped?.(macs.length);
      return;
    }
    counts.batches++;
    const batch: Batch = { report: { batch: ++batchNo, answered: [], failed: [], noAnswer: [], noAddress: [], skipped: 0 }, open: 1 };
    for (const mac of macs) {
      const job = o.lookup(mac);
      if (job.kind === 'skip') { counts.skipped++; batch.report.skipped++; continue; }
      if (job.kind === 'no-address') { counts.noAddress++; batch.report.noAddress.push(mac); continue; }
      batch.open++;
      queued.add(mac);
      queue.push({ mac, request: job.request, label: job.label, batch });
    }
    settle(batch);
    pump();
  }

  function pump(): void {
    pumpTimer = undefined;
    while (!stopped && queue.length > 0) {
      const now = clock.now();
      if (now < nextStart) { pumpTimer = clock.setTimeout(pump, nextStart - now); return; }
      nextStart = Math.max(nextStart, now) + spacing;
      const job = queue.shift()!;
      queued.delete(job.mac);
      inFlight.add(job.mac);
      counts.sent++;
      void o.send({ ...job.request, signal: abort.signal })
        .then(classify, (e: unknown) => ({ outcome: 'failed' as const, said: `error: ${(e as Error)?.message ?? String(e)}` }))
        .then(({ outcome, said }) => {
          inFlight.delete(job.mac);
          if (stopped) return;
          if (outcome === 'answered') { counts.answered++; job.batch.report.answered.push(job.mac); }
          else if (outcome === 'no-answer') { counts.noAnswer++; job.batch.report.noAnswer.push(job.mac); }
          else { counts.failed++; job.batch.report.failed.push({ mac: job.mac, said }); }
          o.onOutcome?.(job.mac, outcome, said, job.label);
          settle(job.batch);
          // Edited again while this one was in flight: it waits for the next batch.
          if (pending.has(job.mac) && debounce === undefined) arm();
        });
    }
  }

  return {
    enqueue(macs) {
      if (stopped) return;
      let any = false;
      for (const m of macs) { pending.add(m); any = true; }
      if (any) arm();
    },
    stats: () => ({ ...counts, pending: pending.size + queue.length, inFlight: inFlight.size }),
    stop() {
      stopped = true;
      abort.abort();
      if (debounce !== undefined) clock.clearTimeout(debounce);
      if (pumpTimer !== undefined) clock.clearTimeout(pumpTimer);
      pending.clear();
      queue.length = 0;
      queued.clear();
    },
  };
}

// provisioning.resyncOnChange: after a provisioning write through the control methods, the
// phones whose files it changed are told to fetch them again (the NOTIFY of `pbxctl device
// resync`, never the reboot one). Three parts meet here:
//   wrap()   a wrapper over the method table, like cluster/sync/guard.ts and with its notion of
//            a config write (isConfigWrite): after the method succeeded, the audit rows its
//            transaction wrote say what changed, and provisioning/change-scope.ts turns them
//            into MACs
//   worker   net/sip/resync-worker.ts: debounce, rate limit, one transaction per phone
//   outcome  one log line per phone, one log line and one audit row per batch, counters for
//            `pbxctl status` (the `resync` service)
// HA: the guard refuses edits on a paired member before they reach this wrapper, so only the
// node whose edits are accepted (the coordinator, or a standalone node) queues anything;
// replicated rows never pass through the method table. A batch that comes due after this node
// became a member is dropped (maySend).
import { withAudit, type Actor } from '../../agent/audit.ts';
import type { Config } from '../../agent/config/types.ts';
import type { MethodTable } from '../../agent/control/registry.ts';
import type { Logger } from '../../agent/log.ts';
import type { Service } from '../../agent/service.ts';
import type { Db } from '../../agent/store/db.ts';
import { isConfigWrite } from '../../cluster/sync/guard.ts';
import { affectedDevices, auditMark, changesSince, priorRows } from '../../provisioning/change-scope.ts';
import { deviceByMac } from '../../provisioning/repo/devices.ts';
import { sendResync, type ResyncRequest, type ResyncResult } from './resync-client.ts';
import { lastKnownAddress, notifyFor, type ResyncMethodsOptions } from './resync-methods.ts';
import { createResyncWorker, type BatchReport, type Clock, type ResyncLookup, type ResyncWorker } from './resync-worker.ts';

export const RESYNC_ACTOR: Actor = { user: 'system', source: 'resync-on-change' };
/** MACs named per batch in the log line and audit row; the rest are counted. */
const NAMED = 20;

export interface ResyncOnChangeOptions {
  config: Pick<Config['provisioning'], 'resyncOnChange' | 'resyncDelayMs' | 'resyncRatePerSec'>;
  db: Db;
  log: Logger;
  lastFetch?: ResyncMethodsOptions['lastFetch'];
  /** True while this node is a paired HA member (its edits are refused; it must not send). */
  isMember?: () => boolean;
  send?: (r: ResyncRequest) => Promise<ResyncResult>;
  clock?: Clock;
  t1Ms?: number;
  now?: () => Date;
}

export interface ResyncOnChange {
  /** Wraps a method table: config writes queue a resync of the devices they touched. */
  wrap(methods: MethodTable): MethodTable;
  service: Service;
  /** Undefined when resyncOnChange is off. */
  worker: ResyncWorker | undefined;
}

const list = (macs: string[]): string => macs.length <= NAMED ? macs.join(' ') : `${macs.slice(0, NAMED).join(' ')} and ${macs.length - NAMED} more`;

const batchTotal = (r: BatchReport): number => r.answered.length + r.failed.length + r.noAnswer.length + r.noAddress.length;

/** "12 device(s): 10 answered, 1 failed (...), 1 no answer, 0 without address". */
export function describeBatch(r: BatchReport): string {
  const total = batchTotal(r);
  const parts = [`${r.answered.length} answered 2xx`, `${r.failed.length} failed`, `${r.noAnswer.length} no answer`, `${r.noAddress.length} without a known address`];
  let s = `resync after a configuration change, ${total} device(s): ${parts.join(', ')}`;
  if (r.skipped) s += `, ${r.skipped} no longer enabled with an account`;
  if (r.failed.length) s += `; failed: ${list(r.failed.map((f) => `${f.mac} (${f.said})`))}`;
  if (r.noAnswer.length) s += `; no answer: ${list(r.noAnswer)}`;
  if (r.noAddress.length) s += `; without address: ${list(r.noAddress)}`;
  return s;
}

export function createResyncOnChange(o: ResyncOnChangeOptions): ResyncOnChange {
  const mode = o.config.resyncOnChange ?? 'off';
  if (mode === 'off') {
    return {
      wrap: (m) => m, worker: undefined,
      service: { name: 'resync', start: async () => {}, stop: async () => {}, status: () => ({ enabled: false, onChange: 'off' }) },
    };
  }
  const { db, log } = o;
  const delayMs = o.config.resyncDelayMs ?? 5000;
  const ratePerSec = o.config.resyncRatePerSec ?? 10;
  const lookup: ResyncLookup = (mac) => {
    const d = deviceByMac(db, mac);
    if (!d || d.enabled !== 1 || d.account_id === null) return { kind: 'skip' };
    const target = lastKnownAddress(db, mac, o.lastFetch);
    if (!target) return { kind: 'no-address' };
    const { event, user } = notifyFor(db, d, false);
    return {
      kind: 'send', label: `NOTIFY Event: ${event} to ${target.address}:${target.port} (${target.source})`,
      request: { target: { address: target.address, port: target.port }, event, user, ...(o.t1Ms ? { t1Ms: o.t1Ms } : {}) },
    };
  };
  const worker = createResyncWorker({
    delayMs, ratePerSec,
    lookup, send: o.send ?? sendResync, ...(o.clock ? { clock: o.clock } : {}),
    maySend: () => !(o.isMember?.() ?? false),
    onOutcome: (mac, outcome, said, label) => {
      const line = { mac, outcome, said };
      if (outcome === 'answered') log.info(line, `resync: ${label}: ${said}`);
      else log.warn(line, `resync: ${label}: ${said}`);
    },
    onBatch: (r) => {
      if (batchTotal(r) === 0) return;
      const description = describeBatch(r);
      const counts = { batch: r.batch, answered: r.answered.length, failed: r.failed.length, noAnswer: r.noAnswer.length, noAddress: r.noAddress.length, skipped: r.skipped };
      if (r.failed.length || r.noAnswer.length || r.noAddress.length) log.warn(counts, description);
      else log.info(counts, description);
      try {
        withAudit(db, RESYNC_ACTOR, (audit) => audit({ action: 'resync', objectType: 'device', objectId: `batch ${r.batch}`, description }), o.now);
      } catch (e) {
        log.error({ err: e }, 'resync: could not write the batch audit row');
      }
    },
    onDropped: (n) => log.info({ devices: n }, `resync: ${n} device(s) not sent: this node is now the HA member, the coordinator sends`),
  });
  return {
    worker,
    wrap(methods) {
      const out: MethodTable = {};
      for (const [name, m] of Object.entries(methods)) {
        if (!isConfigWrite(name)) { out[name] = m; continue; }
        out[name] = async (params, ctx) => {
          const mark = auditMark(db);
          // A removed rule or placeholder cannot be looked up afterwards.
          const prior = name.endsWith('.remove') ? priorRows(db) : undefined;
          const r = await m(params, ctx);
          try {
            const macs = affectedDevices(db, changesSince(db, mark, r), prior);
            if (macs.length > 0) {
              worker.enqueue(macs);
              log.debug({ method: name, devices: macs.length }, `resync: ${macs.length} device(s) queued after ${name}`);
            }
          } catch (e) {
            // The edit is committed; failing to queue a resync must not turn it into an error.
            log.error({ err: e, method: name }, 'resync: could not work out the devices a change touched');
          }
          return r;
        };
      }
      return out;
    },
    service: {
      name: 'resync',
      start: async () => {},
      stop: async () => worker.stop(),
      status: () => ({ enabled: true, onChange: mode, delayMs, ratePerSec, ...worker.stats() }),
    },
  };
}

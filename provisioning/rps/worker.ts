// The registration worker: registers linked devices with their redirection service in the
// background. It never blocks the daemon: registrations are async, each request has a timeout,
// at most `concurrency` run at once, and picking the next ones is one indexed query.
//
//   reconcile  compares every link with its device and server (targetOf): a link whose MAC,
//              URL, CRC or server changed since its last attempt goes back to pending (on the
//              scan interval and after admin changes);
//   dispatch   starts due pending links, up to the concurrency bound (an indexed query; after
//              every finished registration and at the next due time).
//   job      calls client.register, then records the outcome on the link in one audited
//            transaction: ok (with the YMCS PIN), pending with the next attempt after an
//            exponential, jittered backoff (transient failures), or error (vendor refusal, or
//            attempts exhausted: `pbxctl rps retry` starts again).
//
// Idempotent: a link already registered with the same fingerprint is never sent again, and the
// clients overwrite their own earlier registration at the vendor. Clock and randomness are
// injected, so tests drive retries and backoff without waiting.
import { SYSTEM_ACTOR, withAudit } from '../../agent/audit.ts';
import type { Logger } from '../../agent/log.ts';
import type { Db } from '../../agent/store/db.ts';
import { backoffDelay } from './backoff.ts';
import type { ClientFactory } from './client-pool.ts';
import type { RpsConfig } from './config-schema.ts';
import { asRpsError, RpsError } from './errors.ts';
import { dropOrphanStates, dueLinks, ensureStates, linkOfDevice, listLinks, macLinkedElsewhere, pendingDue, requeue, serverById, stateCounts, writeState, type LinkInfo, type ServerRow } from './repo.ts';
import { parseFingerprint, targetOf, type DefaultUrl, type Target } from './target.ts';
import { checkRedirectUrl } from './validate.ts';

export interface WorkerOptions {
  db: Db;
  log: Logger;
  config: Pick<RpsConfig, 'concurrency' | 'maxAttempts' | 'backoffBaseMs' | 'backoffMaxMs' | 'scanIntervalMs' | 'requestTimeoutMs'>;
  clients: ClientFactory;
  defaultUrl: DefaultUrl;
  now?: () => number;
  random?: () => number;
  /** HA: only the active node registers (both hold the same links; the vendor needs one caller). */
  isActive?: () => boolean;
}

export interface WorkerStats {
  /** Timer passes run (a spinning loop would show here). */
  passes: number;
  inFlight: number; attempts: number; registered: number; failed: number; retriesScheduled: number;
  links: { pending: number; ok: number; error: number };
}

export interface Worker {
  /** reconcile + dispatch once; resolves when the registrations it started have been recorded. */
  pass(): Promise<number>;
  /** Starts the timer loop (daemon). */
  start(): void;
  /** Compares links again and starts what is due, soon (after a link, a retry, a server edit). */
  wake(): void;
  /** Stops the loop, aborts requests in flight and waits for them; unrecorded attempts stay pending. */
  stop(): Promise<void>;
  stats(): WorkerStats;
}

export function createWorker(o: WorkerOptions): Worker {
  const { db, log, config } = o;
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const inFlight = new Map<number, { promise: Promise<void>; abort: AbortController }>();
  const counters = { passes: 0, attempts: 0, registered: 0, failed: 0, retriesScheduled: 0 };
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopped = false;
  let looping = false;
  let lastReconcile = -Infinity;
  let reconcileWanted = true;
  let wasActive = false;

  /**
   * The registration a link made before, when it is not the one about to be made: the device
   * changed MAC, or moved to another server (account). The vendor would go on redirecting it, so
   * it is removed (unless another link now uses that MAC on that server).
   */
  const previous = (link: LinkInfo, server: ServerRow, t: Target): { server: ServerRow; mac: string; crc: string } | undefined => {
    const prev = parseFingerprint(link.registered_target);
    // Same MAC at the same server: the new registration replaces the old one by itself.
    if (!prev || (prev.serverId === server.id && prev.mac === t.mac)) return undefined;
    const old = serverById(db, prev.serverId);
    if (!old) return undefined;
    if (macLinkedElsewhere(db, prev.mac, old.id, link.device_id)) return undefined;
    return { server: old, mac: prev.mac, crc: prev.crc };
  };

  /** Best effort: a failure is logged and reported in the audit line; the new registration stands. */
  const drop = async (prev: { server: ServerRow; mac: string; crc: string }, signal: AbortSignal): Promise<string> => {
    try {
      await o.clients(prev.server).deregister({ mac: prev.mac, ...(prev.crc ? { crc: prev.crc } : {}) }, signal);
      return `; previous registration ${prev.mac} at ${prev.server.name} removed`;
    } catch (e) {
      const r = asRpsError(e);
      log.warn({ mac: prev.mac, server: prev.server.name, code: r.code, detail: r.message }, 'rps: removing the previous registration failed');
      return `; removing the previous registration ${prev.mac} at ${prev.server.name} failed: ${r.code}`;
    }
  };

  /** Records an attempt's outcome, unless the link was changed by an admin meanwhile. */
  const record = (link: LinkInfo, server: ServerRow, t: Target, outcome: { pin?: string | null } | RpsError, note = ''): void => {
    withAudit(db, SYSTEM_ACTOR, (audit) => {
      const cur = linkOfDevice(db, link.device_id);
      // Unlinked, relinked, retried or the server edited meanwhile: that change wins.
      if (!cur || cur.link_rev !== link.link_rev || cur.state_rev !== link.state_rev || cur.server_id !== link.server_id) return;
      const at = now();
      const attempts = link.attempts + 1;
      const where = `redirection server ${server.name} (${server.provider})`;
      if (!(outcome instanceof Error)) {
        counters.registered++;
        const pin = outcome.pin === undefined ? link.pin : outcome.pin ?? '';
        writeState(db, link.device_id, {
          state: 'ok', error: '', message: '', pin, attempts, last_attempt_at: iso(at), next_attempt_at: null,
          target: t.fingerprint, registered_url: t.url, registered_target: t.fingerprint, registered_at: iso(at),
        }, iso(at));
        audit({ action: 'rps-register', objectType: 'device', objectId: link.mac, description: `device ${link.mac} registered with ${where}${pin ? ' (YMCS PIN recorded)' : ''}${note}` });
        log.info({ mac: link.mac, server: server.name, provider: server.provider, attempt: attempts }, 'rps: device registered with redirection server');
        return;
      }
      counters.failed++;
      const again = outcome.retryable && attempts < config.maxAttempts;
      const delay = again ? backoffDelay(attempts, config.backoffBaseMs, config.backoffMaxMs, random()) : 0;
      writeState(db, link.device_id, {
        state: again ? 'pending' : 'error', error: outcome.code, message: outcome.message.slice(0, 500), attempts,
        last_attempt_at: iso(at), next_attempt_at: again ? iso(at + delay) : null, target: t.fingerprint,
      }, iso(at));
      if (again) counters.retriesScheduled++;
      // Audit the outcome, not every retry of the same failure.
      if (!again || cur.error !== outcome.code) {
        audit({
          action: 'rps-register', objectType: 'device', objectId: link.mac,
          description: `registering device ${link.mac} with ${where} failed: ${outcome.code}${note}${again ? `; retry ${attempts + 1}/${config.maxAttempts} in ${Math.round(delay / 1000)} s` : attempts >= config.maxAttempts && outcome.retryable ? `; gave up after ${attempts} attempts (pbxctl rps retry ${link.mac})` : ''}`,
        });
      }
      log.warn({ mac: link.mac, server: server.name, provider: server.provider, code: outcome.code, detail: outcome.message, attempt: attempts, retryInMs: again ? delay : null },
        again ? 'rps: registration failed, will retry' : 'rps: registration failed');
    }, () => new Date(now()));
  };

  const startJob = (link: LinkInfo, server: ServerRow, t: Target): Promise<void> => {
    const abort = new AbortController();
    counters.attempts++;
    // A whole registration is a few requests (Fanvil 4, YMCS up to 5); bound it as a whole too.
    const guard = setTimeout(() => abort.abort(), config.requestTimeoutMs * 6);
    const promise = (async () => {
      let outcome: { pin?: string | null } | RpsError;
      let note = '';
      try {
        const prev = previous(link, server, t);
        // Another account: the vendor would refuse the MAC as owned by another user until the
        // old account lets it go, so that goes first. Same account, new MAC: register first.
        if (prev && prev.server.id !== server.id) note = await drop(prev, abort.signal);
        outcome = await o.clients(server).register({ mac: t.mac, url: t.url, ...(t.crc ? { crc: t.crc } : {}) }, abort.signal);
        if (prev && prev.server.id === server.id) note = await drop(prev, abort.signal);
      } catch (e) {
        outcome = asRpsError(e);
      }
      clearTimeout(guard);
      if (stopped) return; // shutting down: the link stays pending and is tried at the next start
      try {
        record(link, server, t, outcome, note);
      } catch (e) {
        log.error({ err: e, mac: link.mac }, 'rps: recording a registration outcome failed');
      }
    })().finally(() => {
      inFlight.delete(link.device_id);
      // A slot is free: start what is due (no full reconcile needed for that).
      if (!stopped) schedule(0);
    });
    inFlight.set(link.device_id, { promise, abort });
    return promise;
  };

  /**
   * Compares every link with its device and server: one whose MAC, URL, CRC or server changed
   * since its last attempt goes back to pending. A full pass over the links, so it runs on the
   * scan interval and after admin changes, not after every finished registration.
   */
  const reconcile = (): void => {
    const at = now();
    lastReconcile = at;
    reconcileWanted = false;
    dropOrphanStates(db);
    ensureStates(db, iso(at));
    const servers = new Map<number, ServerRow | undefined>();
    for (const link of listLinks(db)) {
      if (link.state === 'pending' || inFlight.has(link.device_id)) continue;
      if (!servers.has(link.server_id)) servers.set(link.server_id, serverById(db, link.server_id));
      const server = servers.get(link.server_id);
      if (!server || server.enabled !== 1) continue;
      // Registered (or refused) with exactly this: nothing to do. That is the idempotence.
      if (link.target === targetOf(link, server, o.defaultUrl).fingerprint) continue;
      requeue(db, { deviceId: link.device_id }, iso(at));
    }
  };

  /** Starts due pending links up to the concurrency bound: an indexed query, cheap. */
  const dispatch = (): Promise<void>[] => {
    const free = config.concurrency - inFlight.size;
    if (free <= 0 || (o.isActive && !o.isActive())) return [];
    const started: Promise<void>[] = [];
    const servers = new Map<number, ServerRow | undefined>();
    for (const link of dueLinks(db, iso(now()), free + inFlight.size)) {
      if (started.length >= free) break;
      if (inFlight.has(link.device_id)) continue;
      if (!servers.has(link.server_id)) servers.set(link.server_id, serverById(db, link.server_id));
      const server = servers.get(link.server_id)!;
      const t = targetOf(link, server, o.defaultUrl);
      try {
        if (t.url === '') throw new RpsError('missing_url', 'no provisioning URL: give the server --provisioning-url (or the link --url), or set pbx.address so this node\'s own URL can be used');
        checkRedirectUrl(t.url);
      } catch (e) {
        // A URL that cannot work (e.g. no pbx.address for the default) is final, not retried.
        record(link, server, t, asRpsError(e));
        continue;
      }
      started.push(startJob(link, server, t));
    }
    return started;
  };

  /** When the next pending link not already in flight is due (ms), if any. */
  const nextDue = (): number | undefined => {
    const r = pendingDue(db, inFlight.size + 1).find((x) => !inFlight.has(x.id));
    return r === undefined ? undefined : r.t === null ? now() : Date.parse(r.t);
  };

  const schedule = (delayMs: number): void => {
    if (stopped || !looping) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, Math.max(0, Math.min(delayMs, 2_147_000_000)));
    timer.unref();
  };

  function tick(): void {
    timer = undefined;
    if (stopped || running) return;
    running = true;
    counters.passes++;
    try {
      // A node that just became active (HA) compares everything first: links that came by
      // replication while it was passive have no state yet.
      const active = !o.isActive || o.isActive();
      if (active && !wasActive) reconcileWanted = true;
      wasActive = active;
      if (reconcileWanted || now() - lastReconcile >= config.scanIntervalMs) reconcile();
      dispatch();
    } catch (e) {
      log.error({ err: e }, 'rps: worker pass failed');
    } finally {
      running = false;
    }
    // Never spin: with every slot busy a finished job reschedules; a passive node looks again
    // each second (it may become active); otherwise wake at the next due time or scan.
    const t = now();
    let delay = lastReconcile + config.scanIntervalMs - t;
    if (o.isActive && !o.isActive()) delay = Math.min(delay, 1000);
    else if (inFlight.size < config.concurrency) {
      const next = nextDue();
      if (next !== undefined) delay = Math.min(delay, Math.max(0, next - t));
    }
    schedule(Math.max(delay, 0));
  }

  /** An admin change: compare links again, then start what is due. */
  function wake(): void {
    reconcileWanted = true;
    schedule(0);
  }

  return {
    async pass() {
      reconcile();
      const started = dispatch();
      await Promise.all(started);
      return started.length;
    },
    start() {
      stopped = false;
      looping = true;
      schedule(0);
    },
    wake,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const jobs = [...inFlight.values()];
      for (const j of jobs) j.abort.abort();
      await Promise.allSettled(jobs.map((j) => j.promise));
    },
    stats() {
      const links = { pending: 0, ok: 0, error: 0 };
      for (const r of stateCounts(db)) links[r.state] = r.n;
      return { ...counters, inFlight: inFlight.size, links };
    },
  };
}

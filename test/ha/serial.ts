// The HA lab tests measure sub-second timers (D 1.5 s) on real processes; two of them at once on
// a 2-core CI box (test/run.sh runs two test files in parallel) turn load into flakes. Each HA
// lab test file therefore holds one machine-wide lock while it runs: `flock` on a lock file,
// held by a child process until released. Re-entrant within a process (a count), so nested
// users in one file never deadlock. Any other user of the lab may wait on the same file with
// `flock /tmp/pbx-ha-lab.lock <command>`.
import { spawn, type ChildProcess } from 'node:child_process';
import { collectLines } from '../lab/proc.ts';
import { requireTools } from '../lab/preflight.ts';

export const HA_LAB_LOCK = '/tmp/pbx-ha-lab.lock';

let holder: ChildProcess | undefined;
let count = 0;
let acquiring: Promise<void> | undefined;

/** Waits (up to timeoutMs) for the machine-wide HA lab lock; returns the release function. */
export async function holdHaLabLock(timeoutMs = 15 * 60_000): Promise<() => void> {
  count++;
  if (!holder) {
    acquiring ??= (async () => {
      requireTools(['flock']);
      // `flock FILE -c CMD` runs CMD once the lock is ours; `cat` then holds it until its stdin
      // closes (our release, or our death: the lock can never outlive this process).
      const c = spawn('flock', ['-w', String(Math.ceil(timeoutMs / 1000)), HA_LAB_LOCK, '-c', 'echo locked; exec cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
      const lines = collectLines(c.stdout, 'flock');
      await lines.waitFor(/^locked$/, timeoutMs + 5_000);
      holder = c;
    })();
    try {
      await acquiring;
    } catch (e) {
      count--;
      acquiring = undefined;
      throw e;
    }
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--count === 0 && holder) {
      holder.stdin!.end();
      holder.kill('SIGTERM');
      holder = undefined;
      acquiring = undefined;
    }
  };
}

/**
 * Takes the HA lab lock, then builds what runs under it (a lab, a world); when building fails the
 * lock is released before the error propagates. The caller releases it after tearing down.
 */
export async function underHaLabLock<T>(create: () => Promise<T>): Promise<{ value: T; release: () => void }> {
  const release = await holdHaLabLock();
  try {
    return { value: await create(), release };
  } catch (e) {
    release();
    throw e;
  }
}

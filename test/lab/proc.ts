// Helpers for processes a test starts (in the lab or not): wait for an output line, wait for exit.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

export interface LineCollector {
  /** Every complete line so far. */
  readonly lines: readonly string[];
  /** Resolves with the first line (seen so far or later) matching `re`; rejects after timeoutMs. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
}

/** Collects the lines of a stream from now on; attach right after spawning. */
export function collectLines(stream: Readable | null | undefined, label = 'process'): LineCollector {
  if (!stream) throw new Error(`${label}: no stream to read (spawned with stdio 'ignore'?)`);
  const lines: string[] = [];
  const waiters = new Set<{ re: RegExp; resolve(l: string): void }>();
  let ended = false;
  const endWaiters = new Set<() => void>();
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    partial += d;
    let i: number;
    while ((i = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, i).replace(/\r$/, '');
      partial = partial.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) if (w.re.test(line)) { waiters.delete(w); w.resolve(line); }
    }
  });
  stream.on('end', () => {
    if (partial) lines.push(partial);
    ended = true;
    for (const f of endWaiters) f();
  });
  return {
    lines,
    waitFor(re, timeoutMs = 10_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const fail = (why: string): void => {
          waiters.delete(w);
          endWaiters.delete(onEnd);
          clearTimeout(t);
          reject(new Error(`${label}: ${why} waiting for ${re}; output so far:\n${lines.slice(-20).join('\n')}`));
        };
        const onEnd = (): void => {
          const l = lines.find((x) => re.test(x));
          if (l !== undefined) { clearTimeout(t); resolve(l); } else fail('stream ended');
        };
        const t = setTimeout(() => fail(`${timeoutMs} ms passed`), timeoutMs);
        const w = { re, resolve: (l: string) => { clearTimeout(t); endWaiters.delete(onEnd); resolve(l); } };
        waiters.add(w);
        if (ended) onEnd(); else endWaiters.add(onEnd);
      });
    },
  };
}

/** Resolves with the exit status; rejects after timeoutMs (the caller decides whether to kill). */
export function waitForExit(child: ChildProcess, timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`pid ${child.pid} still running after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => { clearTimeout(t); resolve({ code, signal }); });
  });
}

/** True while a PID exists and is not a zombie. */
export function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; Z is a zombie (dead, waiting to be reaped).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}


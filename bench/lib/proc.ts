// Process helpers for benchmarks: timed runs of external clients, CPU pinning.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** Where processes run. 'same': server and client share CPU 0; 'split': server 0, client 1. */
export type CpuPlacement = 'same' | 'split' | 'none';

export function serverCpu(p: CpuPlacement): string | null {
  return p === 'none' ? null : '0';
}

export function clientCpu(p: CpuPlacement): string | null {
  return p === 'none' ? null : p === 'same' ? '0' : '1';
}

/** Prefixes `taskset -c CPU` when a CPU is given. */
export function pinned(cpu: string | null, cmd: string, args: string[]): [string, string[]] {
  return cpu === null ? [cmd, args] : ['taskset', ['-c', cpu, cmd, ...args]];
}

/** Pins every thread of this process (the in-process server under test). */
export function pinSelf(cpu: string | null): Promise<void> {
  if (cpu === null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    execFile('taskset', ['-a', '-p', '-c', cpu, String(process.pid)], (err) => (err ? reject(err) : resolve()));
  });
}

export interface Timed { code: number | null; ms: number; stdout: string; stderr: string }

/** Runs to exit (or kills it after timeoutMs) and measures wall time from spawn to exit. */
export function timedRun(cmd: string, args: string[], timeoutMs: number): Promise<Timed> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, ms: performance.now() - t0, stdout, stderr: stderr + String(err) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, ms: performance.now() - t0, stdout, stderr });
    });
  });
}

/** Stops a child we started, by its PID, and waits for it to go. */
export function stopChild(child: ChildProcess, ms = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

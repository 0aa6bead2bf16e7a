// Low-level namespace plumbing for the lab: run `ip` (one command or a batch), list and kill the
// processes of a namespace, delete namespaces, sweep what a dead test process left behind. Async
// versions for normal teardown, synchronous ones for the process 'exit' hook.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

export const NETNS_ETC = '/etc/netns';

/** Default prefixes look like `pbxt<pid>_<n>_`; the sweeper only touches names of this shape. */
export const DEFAULT_PREFIX_RE = /^pbxt(\d+)_\d+_/;

export class LabError extends Error {
  readonly code = 'PBX_ERR_TEST_LAB';
  constructor(message: string) {
    super(message);
    this.name = 'LabError';
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion with a hard timeout (SIGKILL by PID). Never rejects. */
export function run(cmd: string, args: readonly string[], input?: string, timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n[lab: ${cmd} killed after ${timeoutMs} ms]`;
      if (child.pid !== undefined) tryKill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (e) => { stderr += e.message; });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** `ip [-n ns] -batch -` with the given lines; throws LabError with the failing line's message. */
export async function ipBatch(lines: readonly string[], ns?: string): Promise<void> {
  if (lines.length === 0) return;
  const args = [...(ns === undefined ? [] : ['-n', ns]), '-batch', '-'];
  const r = await run('ip', args, lines.join('\n') + '\n');
  if (r.code !== 0) {
    throw new LabError(`ip ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}\n  batch:\n    ${lines.join('\n    ')}`);
  }
}

export async function ip(args: readonly string[]): Promise<string> {
  const r = await run('ip', args);
  if (r.code !== 0) throw new LabError(`ip ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export function tryKill(pid: number, signal: NodeJS.Signals): void {
  try { process.kill(pid, signal); } catch { /* already gone */ }
}

/** Kills a process and its process group (spawned detached, so the group is its own). */
export function killTree(pid: number): void {
  tryKill(-pid, 'SIGKILL');
  tryKill(pid, 'SIGKILL');
}

function parsePids(out: string): number[] {
  return out.split(/\s+/).filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n > 1 && n !== process.pid);
}

export async function netnsPids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns], undefined, 10_000);
  return r.code === 0 ? parsePids(r.stdout) : [];
}

export async function listNetns(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], undefined, 10_000);
  return r.stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

/**
 * Kills every process in the namespaces (bounded rounds: a dying daemon may fork), deletes the
 * namespaces and their /etc/netns folders. Returns what could not be removed.
 */
export async function destroyNamespaces(names: readonly string[]): Promise<string[]> {
  for (let round = 0; round < 20; round++) {
    const pids = (await Promise.all(names.map(netnsPids))).flat();
    if (pids.length === 0) break;
    for (const p of pids) tryKill(p, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 25));
  }
  await run('ip', ['-force', '-batch', '-'], names.map((n) => `netns del ${n}`).join('\n') + '\n');
  await Promise.all(names.map((n) => rm(join(NETNS_ETC, n), { recursive: true, force: true })));
  const left = new Set(await listNetns());
  return names.filter((n) => left.has(n));
}

/** Synchronous twin of destroyNamespaces, for the process 'exit' hook. */
export function destroyNamespacesSync(names: readonly string[]): void {
  for (let round = 0; round < 20; round++) {
    const pids = names.flatMap((n) => {
      const r = spawnSync('ip', ['netns', 'pids', n], { encoding: 'utf8', timeout: 5_000 });
      return r.status === 0 ? parsePids(r.stdout) : [];
    });
    if (pids.length === 0) break;
    for (const p of pids) tryKill(p, 'SIGKILL');
    spawnSync('sleep', ['0.025']);
  }
  spawnSync('ip', ['-force', '-batch', '-'], { input: names.map((n) => `netns del ${n}`).join('\n') + '\n', timeout: 10_000 });
  for (const n of names) {
    try { rmSync(join(NETNS_ETC, n), { recursive: true, force: true }); } catch { /* best effort at exit */ }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes namespaces (and /etc/netns folders) with a default lab prefix whose owning test process
 * is dead: what a `kill -9`ed test run left behind. Live owners are never touched.
 */
export async function sweepStaleLabs(): Promise<string[]> {
  const isStale = (name: string): boolean => {
    const m = DEFAULT_PREFIX_RE.exec(name);
    return m !== null && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
  };
  const stale = (await listNetns()).filter(isStale);
  if (stale.length > 0) await destroyNamespaces(stale);
  let dirs: string[] = [];
  try { dirs = readdirSync(NETNS_ETC).filter(isStale); } catch { /* no /etc/netns */ }
  for (const d of dirs) await rm(join(NETNS_ETC, d), { recursive: true, force: true });
  return [...new Set([...stale, ...dirs])];
}

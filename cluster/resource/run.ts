// Runs the system tools the HA resources need (ip, arping, ping): bounded in time, killed by PID
// (its process group) on timeout, output captured. Injected, so tests can record the commands.
import { spawn, type ChildProcess } from 'node:child_process';

export interface CommandResult { code: number | null; stdout: string; stderr: string; timedOut: boolean }

export interface CommandRunner {
  /** Runs to completion (or timeout). Never throws for a failing command; ENOENT is code 127. */
  run(cmd: string, args: readonly string[], timeoutMs: number): Promise<CommandResult>;
  /** Starts a background process (a GARP burst); the caller kills it by PID via `kill`. */
  background(cmd: string, args: readonly string[], timeoutMs: number): { pid: number | undefined; done: Promise<CommandResult> };
  kill(pid: number): void;
}

const MAX_OUTPUT = 64 * 1024;

function launch(cmd: string, args: readonly string[], timeoutMs: number): { child: ChildProcess; done: Promise<CommandResult> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, LC_ALL: 'C' } });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout!.on('data', (d: Buffer) => { if (stdout.length < MAX_OUTPUT) stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { if (stderr.length < MAX_OUTPUT) stderr += d.toString(); });
  const timer = setTimeout(() => { timedOut = true; killGroup(child.pid); }, timeoutMs);
  const done = new Promise<CommandResult>((resolve) => {
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ code: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126, stdout, stderr: stderr || e.message, timedOut });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
  return { child, done };
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try { process.kill(-pid, 'SIGKILL'); } catch { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
}

export const systemRunner: CommandRunner = {
  run: (cmd, args, timeoutMs) => launch(cmd, args, timeoutMs).done,
  background(cmd, args, timeoutMs) {
    const { child, done } = launch(cmd, args, timeoutMs);
    return { pid: child.pid, done };
  },
  kill: killGroup,
};

/** One line for a log or an error: the command and what it said. */
export function describe(cmd: string, args: readonly string[], r: CommandResult): string {
  const why = r.timedOut ? 'timed out' : r.code === 127 ? 'not installed' : `exit ${r.code}`;
  const said = r.stderr.trim().split('\n')[0] ?? '';
  return `${cmd} ${args.join(' ')}: ${why}${said ? `: ${said.slice(0, 200)}` : ''}`;
}

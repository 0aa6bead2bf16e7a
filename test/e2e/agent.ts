// Runs the real pbx-agent as a child process for end-to-end tests: its own temp state dir and
// config, optionally inside a network namespace; stopped by PID; pbxctl run as a real process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const NODE = join(ROOT, 'node_modules/.bin/node');

export interface AgentOptions {
  /** Config object written to a temp file; state.dir and control.socket default into the temp dir. */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Run inside this network namespace (ip netns exec). */
  netns?: string;
  /** Reuse an existing state dir (restart after a crash). */
  dir?: string;
  readyTimeoutMs?: number;
}

export interface RunResult { code: number | null; stdout: string; stderr: string }

export interface Agent {
  proc: ChildProcess;
  pid: number;
  dir: string;
  socket: string;
  configPath: string;
  logs: Record<string, unknown>[];
  pbxctl(args: string[], input?: string): Promise<RunResult>;
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
  /** Removes the temp dir (after stop/kill). */
  cleanup(): void;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
      ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

export async function startAgent(opts: AgentOptions = {}): Promise<Agent> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'pbx-agent-e2e-'));
  const socket = join(dir, 'control.sock');
  const base = {
    state: { dir: join(dir, 'state') },
    control: { socket },
    log: { level: 'debug' },
    tftp: { enabled: false }, http: { enabled: false }, pnp: { enabled: false },
  };
  const config = deepMerge(base, opts.config ?? {});
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const cmd = opts.netns ? 'ip' : NODE;
  const args = [...(opts.netns ? ['netns', 'exec', opts.netns, NODE] : []), join(ROOT, 'agent/main.ts'), '--config', configPath];
  const proc = spawn(cmd, args, { cwd: dir, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let partial = '';
  proc.stderr!.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code, sig) => r(code ?? (sig ? -1 : null))));
  const ready = new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`pbx-agent not ready within ${opts.readyTimeoutMs ?? 20000} ms; stderr: ${stderr}`)), opts.readyTimeoutMs ?? 20000);
    proc.stdout!.on('data', (d: Buffer) => {
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) {
        try {
          const rec = JSON.parse(l) as Record<string, unknown>;
          logs.push(rec);
          if (rec.msg === 'pbx-agent ready') { clearTimeout(timer); resolveReady(); }
        } catch { /* not JSON */ }
      }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`pbx-agent exited (${code}) before ready; stderr: ${stderr}`)); });
  });
  await ready;
  const agent: Agent = {
    proc, pid: proc.pid!, dir, socket, configPath, logs,
    pbxctl: (a, input) => runPbxctl(['--socket', socket, ...a], input, opts.netns),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      process.kill(proc.pid!, 'SIGTERM');
      return exited;
    },
    async kill9() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      process.kill(proc.pid!, 'SIGKILL');
      await exited;
    },
    cleanup() { if (!opts.dir) rmSync(dir, { recursive: true, force: true }); },
  };
  return agent;
}

export function runPbxctl(args: string[], input?: string, netns?: string): Promise<RunResult> {
  return run(netns ? 'ip' : NODE, [...(netns ? ['netns', 'exec', netns, NODE] : []), join(ROOT, 'agent/cli/main.ts'), ...args], input);
}

export function run(cmd: string, args: string[], input?: string, timeoutMs = 60000): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (code) => { clearTimeout(timer); resolveRun({ code, stdout, stderr }); });
    p.stdin.end(input ?? '');
  });
}

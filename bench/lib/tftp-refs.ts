// The reference TFTP servers, started privately on loopback: tftpd-hpa (in.tftpd) and atftpd.
// atftpd's package conflicts with tftpd-hpa, so its binary is unpacked into a cache instead of
// installed.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tftpGet, TftpClientError } from '../../net/tftp/client.ts';
import { freePort } from '../../test/lab/ports.ts';
import { pinned, stopChild } from './proc.ts';

export interface RefServer { name: string; port: number; stop(): Promise<void> }

const ATFTPD_CACHE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', '.cache', 'atftpd');
export const IN_TFTPD = '/usr/sbin/in.tftpd';

function exec(cmd: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 120_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

/** The atftpd binary, unpacked from the Debian package on first use. */
export async function atftpdBinary(): Promise<string> {
  const bin = join(ATFTPD_CACHE, 'usr', 'sbin', 'atftpd');
  if (existsSync(bin)) return bin;
  const tmp = mkdtempSync(join(tmpdir(), 'atftpd-deb-'));
  try {
    await exec('apt-get', ['download', 'atftpd'], tmp);
    const deb = readdirSync(tmp).find((f) => f.startsWith('atftpd_') && f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download atftpd produced no .deb');
    mkdirSync(ATFTPD_CACHE, { recursive: true });
    await exec('dpkg-deb', ['-x', join(tmp, deb), ATFTPD_CACHE]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!existsSync(bin)) throw new Error(`atftpd not found in the package (looked for ${bin})`);
  return bin;
}

/** Resolves once the server answers an RRQ (with anything, "file not found" included). */
async function waitReady(port: number, name: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    try {
      await tftpGet({ host: '127.0.0.1', port, file: '.probe-not-there', timeoutMs: 100, retries: 0 });
      return;
    } catch (err) {
      if (err instanceof TftpClientError && err.code !== null) return;
    }
  }
  throw new Error(`${name} did not answer on 127.0.0.1:${port}`);
}

async function startRef(name: string, cmd: string, args: (port: number) => string[], cpu: string | null): Promise<RefServer> {
  const port = await freePort({ proto: 'udp' });
  const [c, a] = pinned(cpu, cmd, args(port));
  const child = spawn(c, a, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitReady(port, name);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${(err as Error).message}; stderr: ${stderr.trim()}`);
  }
  return { name, port, stop: () => stopChild(child) };
}

/** tftpd-hpa in the foreground, chrooted into `root` (files must be world-readable). */
export function startTftpdHpa(root: string, cpu: string | null): Promise<RefServer> {
  return startRef('tftpd-hpa', IN_TFTPD, (port) => ['-L', '-s', root, '-a', `127.0.0.1:${port}`, '-u', 'tftp'], cpu);
}

export async function startAtftpd(root: string, logFile: string, cpu: string | null): Promise<RefServer> {
  const bin = await atftpdBinary();
  return startRef('atftpd', bin, (port) => ['--daemon', '--no-fork', '--port', String(port), '--bind-address', '127.0.0.1', '--user', 'tftp', '--group', 'tftp', '--logfile', logFile, root], cpu);
}

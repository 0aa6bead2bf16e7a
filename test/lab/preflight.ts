// Preflight checks for tests that drive real tools or build the namespace lab. They throw, LOUDLY:
// a test that needs root or a tool must fail when it cannot run, never skip and look green.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** Debian package for each tool the tests drive (same table as test/setup-tools.sh). */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  curl: 'curl', openssl: 'openssl', atftp: 'atftp', tftp: 'tftp-hpa', 'in.tftpd': 'tftpd-hpa',
  sipp: 'sip-tester', udhcpc: 'udhcpc', dhclient: 'isc-dhcp-client', perfdhcp: 'kea-admin',
  dhcping: 'dhcping', nmap: 'nmap', dnsmasq: 'dnsmasq', keepalived: 'keepalived',
  arping: 'iputils-arping', ping: 'iputils-ping', ip: 'iproute2', bridge: 'iproute2',
  tshark: 'tshark', socat: 'socat', sshd: 'openssh-server', ssh: 'openssh-client',
};

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

export class PreflightError extends Error {
  readonly code = 'PBX_ERR_TEST_PREFLIGHT';
  readonly missing: readonly string[];
  constructor(message: string, missing: readonly string[]) {
    super(message);
    this.name = 'PreflightError';
    this.missing = missing;
  }
}

/** Full path of an executable on PATH or in the sbin folders, or undefined. */
export function which(tool: string): string | undefined {
  if (tool.includes('/')) return isExecutable(tool) ? tool : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN];
  for (const d of dirs) {
    const p = join(d, tool);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function banner(lines: string[]): string {
  const bar = '!'.repeat(72);
  return ['', bar, ...lines.map((l) => `!!! ${l}`), bar].join('\n');
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Throws unless the process runs as root (namespaces, bridges, ports below 1024). */
export function requireRoot(why = 'this test builds network namespaces'): void {
  if (isRoot()) return;
  throw new PreflightError(banner([
    `TEST NEEDS ROOT: ${why}.`,
    `Running as uid ${process.getuid?.() ?? '?'}. Run the suite as root (sudo npm test);`,
    'this test FAILS on purpose rather than skipping, so a green run means it really ran.',
  ]), ['root']);
}

/** Throws naming every missing tool and the package that provides it. Returns their paths. */
export function requireTools(tools: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const t of tools) {
    const p = which(t);
    if (p === undefined) missing.push(t);
    else found[t] = p;
  }
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((t) => TOOL_PACKAGES[t] ?? `(package for ${t})`))];
    throw new PreflightError(banner([
      `TEST TOOLS MISSING: ${missing.join(', ')}`,
      `Install: apt-get install -y --no-install-recommends ${pkgs.join(' ')}`,
      'or run `sh test/setup-tools.sh` as root. The test FAILS rather than skipping.',
    ]), missing);
  }
  return found;
}

let labChecked = false;

/**
 * Everything the lab needs: root, iproute2 and a kernel that lets us create namespaces. The
 * namespace probe runs once per process.
 */
export function requireLab(extraTools: readonly string[] = []): void {
  requireRoot();
  requireTools(['ip', ...extraTools]);
  if (labChecked) return;
  const name = `pbxprobe_${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8', timeout: 10_000 });
  spawnSync('ip', ['netns', 'del', name], { timeout: 10_000 });
  if (add.status !== 0) {
    throw new PreflightError(banner([
      'CANNOT CREATE NETWORK NAMESPACES (ip netns add failed):',
      (add.stderr || add.error?.message || `exit ${add.status}`).trim(),
      'The lab needs CAP_SYS_ADMIN and CAP_NET_ADMIN (a privileged container or a VM).',
    ]), ['netns']);
  }
  labChecked = true;
}

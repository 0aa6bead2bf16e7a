// This node's SSH host key for the HA pairing server. Generated once (Ed25519) and kept in the
// state directory with mode 0600; it is also the key this node authenticates with when it is the
// client (the peer pins it at pairing), so one key identifies the node both ways.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { PbxError } from '../../agent/errors.ts';

const { utils } = ssh2;

export interface HostKey {
  /** OpenSSH private key text (never logged, never sent). */
  readonly privateKey: string;
  /** Public key blob as SSH sends it (what clients see and pin). */
  readonly publicBlob: Buffer;
  /** "ssh-ed25519 AAAA..." */
  readonly publicLine: string;
  /** "SHA256:..." as OpenSSH prints it. */
  readonly fingerprint: string;
  readonly parsed: ParsedKey;
}

export function hostKeyPath(stateDir: string): string {
  return join(stateDir, 'ha', 'ssh_host_ed25519_key');
}

/** Loads the host key, creating it on first use. A key readable by others is tightened to 0600. */
export function loadOrCreateHostKey(path: string, warn: (msg: string) => void = () => {}): HostKey {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // 'wx': never overwrite a key another process created meanwhile.
    try { writeFileSync(path, generateEd25519(), { mode: 0o600, flag: 'wx' }); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    chmodSync(path, 0o600);
    warn(`HA host key ${path} had mode ${mode.toString(8)}; set to 600`);
  }
  const text = readFileSync(path, 'utf8');
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error || !parsed.isPrivateKey()) {
    throw new PbxError('PBX_ERR_CONFIG', `the HA host key ${path} is not a readable private key (${parsed instanceof Error ? parsed.message : 'public key only'}); move it away and restart to generate a new one (the peer must then be paired again)`);
  }
  const blob = parsed.getPublicSSH();
  return { privateKey: text, publicBlob: blob, publicLine: publicLine(parsed), fingerprint: fingerprint(blob), parsed };
}

/**
 * ssh2 1.17's key generator writes a malformed key about once in 170 (it drops a leading zero
 * byte of the 32-byte Ed25519 public key, so its own parser refuses the file). Retry until the
 * key parses; each try is independent, so 20 failures in a row do not happen in practice.
 */
export function generateEd25519(): string {
  for (let i = 0; i < 20; i++) {
    const kp = utils.generateKeyPairSync('ed25519', { comment: 'pbx-agent ha' });
    if (!(utils.parseKey(kp.private) instanceof Error)) return kp.private;
  }
  throw new PbxError('PBX_ERR_INTERNAL', 'could not generate a valid Ed25519 host key');
}

export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export function publicLine(k: ParsedKey): string {
  return `${k.type} ${k.getPublicSSH().toString('base64')}`;
}

/** Parses a public key line ("ssh-ed25519 AAAA...") from the peer; undefined when it is not one. */
export function parsePublicLine(line: string): { blob: Buffer; parsed: ParsedKey } | undefined {
  if (typeof line !== 'string' || line.length > 16_384) return undefined;
  const k = utils.parseKey(line);
  if (k instanceof Error || k.isPrivateKey()) return undefined;
  return { blob: k.getPublicSSH(), parsed: k };
}

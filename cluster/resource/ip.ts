// The floating resource IP, in the order of Pacemaker's IPaddr2 (ha.md section 5):
//   acquire: already there? (idempotent) -> ip addr add VIP/PREFIX brd + dev IF label IF:ha
//            -> verify with ip -o -4 addr show. GARP bursts (arping -U, and -A for gear that ignores
//            requests) run in the background when the core asks (after acquire, again after
//            garpRepeatMs, and by a split-brain winner): the core owns their timing.
//   release: kill the GARP sender -> ip addr del; "not present" counts as success.
//   check:   is it still there (someone ran `ip addr del`, networkd flushed it)?
// The node's own address stays the primary one, so deleting the VIP never takes it along.
// The pure part (parsing `ip -o -4 addr show`) is exported for tests.
import type { Logger } from '../../agent/log.ts';
import { describe, type CommandRunner } from './run.ts';

export interface FloatingIpSpec {
  address: string;
  prefix: number;
  iface: string;
}

export interface GarpOptions {
  /** Also send ARP replies (arping -A) for gear that ignores gratuitous requests. */
  replies: boolean;
}

// iputils arping takes whole seconds for -i (checked: '-i 0.2' is refused, '-i 0' hangs), so a
// burst is one packet per second, the first at once; -U and -A run side by side, so two frames
// leave immediately.
export const DEFAULT_GARP: GarpOptions = { replies: true };

export interface AddrEntry { iface: string; address: string; prefix: number; label: string | undefined }

/** Parses `ip -o -4 addr show` lines: "2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0:ha\ ...". */
export function parseAddrShow(text: string): AddrEntry[] {
  const out: AddrEntry[] = [];
  for (const line of text.split('\n').slice(0, 10_000)) {
    const m = /^\d+:\s+([^\s@]+)(?:@\S*)?\s+inet\s+(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})\b(.*)$/.exec(line);
    if (!m) continue;
    // The label is the last word before the "\" that starts the lifetimes: the interface name, or
    // "eth0:ha" for a labelled secondary.
    const last = m[4]!.split('\\')[0]!.trim().split(/\s+/).pop();
    const label = last && last.includes(':') ? last : undefined;
    out.push({ iface: m[1]!, address: m[2]!, prefix: Number(m[3]), label });
  }
  return out;
}

const IP_TIMEOUT_MS = 5000;

export class FloatingIp {
  readonly spec: FloatingIpSpec;
  readonly #run: CommandRunner;
  readonly #log: Logger;
  readonly #garp: GarpOptions;
  #arpPids = new Set<number>();
  /** Counters for status. */
  readonly stats = { acquired: 0, released: 0, garpBursts: 0, failures: 0 };
  lastError: string | undefined;

  constructor(o: { spec: FloatingIpSpec; runner: CommandRunner; log: Logger; garp?: Partial<GarpOptions> }) {
    this.spec = o.spec;
    this.#run = o.runner;
    this.#log = o.log;
    this.#garp = { ...DEFAULT_GARP, ...o.garp };
  }

  get cidr(): string { return `${this.spec.address}/${this.spec.prefix}`; }

  /** Where the VIP is configured on this node (any interface: a leftover on the wrong one counts too). */
  async #where(): Promise<AddrEntry[]> {
    const args = ['-o', '-4', 'addr', 'show'];
    const r = await this.#run.run('ip', args, IP_TIMEOUT_MS);
    if (r.code !== 0) throw new Error(describe('ip', args, r));
    return parseAddrShow(r.stdout).filter((e) => e.address === this.spec.address);
  }

  /** Is the VIP configured on this node (on any interface: a leftover on the wrong one counts too)? */
  async present(): Promise<boolean> {
    return (await this.#where()).length > 0;
  }

  /** Adds the VIP (no-op when present) and verifies it. Throws when it cannot. */
  async acquire(): Promise<'added' | 'already'> {
    const already = await this.present();
    if (!already) {
      const label = `${this.spec.iface}:ha`;
      const args = ['-4', 'addr', 'add', this.cidr, 'brd', '+', 'dev', this.spec.iface, ...(label.length <= 15 ? ['label', label] : [])];
      const r = await this.#run.run('ip', args, IP_TIMEOUT_MS);
      // "File exists": a race with another add (or a re-add after a check) is success.
      if (r.code !== 0 && !/File exists/i.test(r.stderr)) {
        this.stats.failures++;
        this.lastError = describe('ip', args, r);
        throw new Error(this.lastError);
      }
      if (!(await this.present())) {
        this.stats.failures++;
        this.lastError = `ip addr add ${this.cidr} dev ${this.spec.iface} reported success but the address is not there`;
        throw new Error(this.lastError);
      }
      this.stats.acquired++;
    }
    return already ? 'already' : 'added';
  }

  /** One burst of `count` gratuitous ARPs in the background (request VIP->VIP, broadcast; iputils arping -U). */
  garp(count: number): void {
    this.stats.garpBursts++;
    const modes = this.#garp.replies ? ['-U', '-A'] : ['-U'];
    for (const mode of modes) {
      const args = ['-q', mode, '-c', String(count), '-w', String(count + 1), '-I', this.spec.iface, this.spec.address];
      const deadline = (count + 3) * 1000;
      const { pid, done } = this.#run.background('arping', args, deadline);
      if (pid) this.#arpPids.add(pid);
      void done.then((r) => {
        if (pid) this.#arpPids.delete(pid);
        // arping -U exits 1 when nobody replies, which is normal for a gratuitous ARP; only a
        // missing tool or a bad interface is worth a line.
        if (r.code === 127 || r.code === 2 || (r.code !== 0 && r.code !== 1 && r.code !== null)) {
          this.#log.warn({ cmd: describe('arping', args, r) }, 'gratuitous ARP failed (neighbours may keep the old MAC until their ARP cache expires)');
        }
      });
    }
  }

  #stopArp(): void {
    for (const pid of this.#arpPids) this.#run.kill(pid);
    this.#arpPids.clear();
  }

  /** Stops GARP and removes the VIP. Absent already is success. Throws when it stays. */
  async release(): Promise<'removed' | 'absent'> {
    this.#stopArp();
    // Delete wherever it is: a leftover may sit on another interface than the configured one.
    const where = await this.#where();
    if (where.length === 0) return 'absent';
    for (const e of where) {
      const args = ['-4', 'addr', 'del', `${e.address}/${e.prefix}`, 'dev', e.iface];
      const r = await this.#run.run('ip', args, IP_TIMEOUT_MS);
      if (r.code !== 0 && !/Cannot assign requested address|not found/i.test(r.stderr)) {
        this.stats.failures++;
        this.lastError = describe('ip', args, r);
        throw new Error(this.lastError);
      }
    }
    if (await this.present()) {
      this.stats.failures++;
      this.lastError = `ip addr del ${this.cidr} reported success but the address is still there`;
      throw new Error(this.lastError);
    }
    this.stats.released++;
    return 'removed';
  }

  /** Stops background work; leaves the address as it is (Reattach: a restart keeps the VIP). */
  close(): void {
    this.#stopArp();
  }
}

// Temporary directories for tests, removed at teardown, and also when the process exits
// without reaching teardown (a failed assertion, process.exit).
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TmpDir {
  readonly path: string;
  /** `join(tmp.path, ...parts)`. */
  join(...parts: string[]): string;
  /** Removes the directory and everything in it; idempotent. */
  cleanup(): Promise<void>;
}

/** Anything with node:test's `after(fn)`: a TestContext, or the `after` hook wrapped in an object. */
export interface AfterHook {
  after(fn: () => unknown): void;
}

const live = new Set<string>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const p of live) {
      try { rmSync(p, { recursive: true, force: true }); } catch { /* best effort at exit */ }
    }
  });
}

function wrap(path: string): TmpDir {
  live.add(path);
  hookExit();
  return {
    path,
    join: (...parts) => join(path, ...parts),
    async cleanup() {
      if (!live.delete(path)) return;
      await rm(path, { recursive: true, force: true });
    },
  };
}

/** A fresh directory under the system temp folder (`$TMPDIR`), named `<prefix>XXXXXX`. */
export async function createTmpDir(prefix = 'pbx-test-'): Promise<TmpDir> {
  return wrap(await mkdtemp(join(tmpdir(), prefix)));
}

export function createTmpDirSync(prefix = 'pbx-test-'): TmpDir {
  return wrap(mkdtempSync(join(tmpdir(), prefix)));
}

/** A temp dir removed by `t.after`, e.g. `const tmp = await tmpDir(t)` inside a test. */
export async function tmpDir(t: AfterHook, prefix?: string): Promise<TmpDir> {
  const dir = await createTmpDir(prefix);
  t.after(() => dir.cleanup());
  return dir;
}

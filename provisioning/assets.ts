// Static assets (firmware, wallpapers, ringtones) served as-is from the assets folder. The name
// was already checked by names.ts; here the real path is checked too, so a symlink inside the
// folder that points outside it is refused rather than followed.
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

export type AssetLookup =
  | { kind: 'found'; path: string; size: number; mtime: Date }
  | { kind: 'missing' }
  | { kind: 'escape'; detail: string };

/** Looks up `segments` (already safe) under `root`. Never throws for a missing or odd file. */
export async function findAsset(root: string, segments: readonly string[]): Promise<AssetLookup> {
  let rootReal: string;
  try {
    rootReal = await realpath(root);
  } catch {
    return { kind: 'missing' };
  }
  let real: string;
  try {
    real = await realpath(join(rootReal, ...segments));
  } catch {
    return { kind: 'missing' };
  }
  if (real !== rootReal && !real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep)) {
    return { kind: 'escape', detail: `asset '${segments.join('/')}' resolves outside the assets folder (symlink)` };
  }
  try {
    const st = await stat(real);
    if (!st.isFile()) return { kind: 'missing' };
    return { kind: 'found', path: real, size: st.size, mtime: st.mtime };
  } catch {
    return { kind: 'missing' };
  }
}

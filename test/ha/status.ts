// Reading `ha.status` without binding the tests to its exact shape: the path states and the
// drop counters are found by walking the object. The scenarios assert on meaning (a path is
// down, drops went up), so a reshuffle of the status layout does not break them.

/** State of a heartbeat path ('lan' | 'sync') in a status object: the first object that names it. */
export function pathStateOf(status: unknown, path: string): string | undefined {
  let found: string | undefined;
  walk(status, (o, key) => {
    if (found !== undefined) return;
    const named = o.name === path || o.path === path || key === path;
    const st = o.state ?? o.status;
    if (named && typeof st === 'string') found = st;
  });
  return found;
}

/** Sum of every numeric field whose key matches `re` (drop counters, by reason). */
export function countersMatching(status: unknown, re: RegExp): number {
  let sum = 0;
  walk(status, (o) => {
    for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && re.test(k)) sum += v;
  });
  return sum;
}

function walk(v: unknown, visit: (o: Record<string, unknown>, key: string | undefined) => void, key?: string, depth = 0): void {
  if (depth > 12 || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) walk(x, visit, undefined, depth + 1);
    return;
  }
  const o = v as Record<string, unknown>;
  visit(o, key);
  for (const [k, x] of Object.entries(o)) walk(x, visit, k, depth + 1);
}

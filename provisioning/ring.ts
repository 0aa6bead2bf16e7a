// A bounded in-memory record: keeps the last `capacity` items (at least 1) and reads them back
// newest first. The fetch log (fetch-log.ts) and the unresolved-request log (unresolved.ts) are
// both one of these.

export interface Ring<T> {
  push(item: T): void;
  /** The items held, newest first. */
  newest(): Generator<T, void, undefined>;
  readonly size: number;
  readonly capacity: number;
}

export function createRing<T>(capacity: number): Ring<T> {
  const cap = Math.max(1, Math.floor(capacity));
  const items: (T | undefined)[] = new Array(cap);
  let next = 0;
  let count = 0;
  return {
    push(item) {
      items[next] = item;
      next = (next + 1) % cap;
      if (count < cap) count++;
    },
    *newest() {
      for (let i = 1; i <= count; i++) yield items[(next - i + cap) % cap]!;
    },
    get size() {
      return count;
    },
    capacity: cap,
  };
}

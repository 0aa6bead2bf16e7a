// A binary min-heap on a deadline `at`: timers for thousands of transactions or leases in
// O(log n) each. Users push a new item when a deadline moves and skip stale items on pop,
// which is cheaper than a decrease-key on an indexed heap.
export class MinHeap<T extends { at: number }> {
  readonly #a: T[] = [];
  get size(): number { return this.#a.length; }
  peek(): T | undefined { return this.#a[0]; }
  clear(): void { this.#a.length = 0; }

  push(x: T): void {
    const a = this.#a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.at <= x.at) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }

  pop(): T | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mv = last.at;
        if (l < a.length && a[l]!.at < mv) { m = l; mv = a[l]!.at; }
        if (r < a.length && a[r]!.at < mv) m = r;
        if (m === i) break;
        a[i] = a[m]!;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}

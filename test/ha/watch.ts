/**
 * Waiting on a growing sample list: the owner calls notify() after each new sample; until()
 * resolves with the first non-undefined result of check (tried at once, then on each notify),
 * or rejects with timeoutError() after timeoutMs.
 */
export interface Watch {
  notify(): void;
  until<T>(check: () => T | undefined, timeoutMs: number, timeoutError: () => Error): Promise<T>;
}

export function createWatch(): Watch {
  const watchers = new Set<() => void>();
  return {
    notify() {
      for (const w of [...watchers]) w();
    },
    until(check, timeoutMs, timeoutError) {
      const hit = check();
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = (): void => {
          const r = check();
          if (r !== undefined) { watchers.delete(w); clearTimeout(t); resolve(r); }
        };
        const t = setTimeout(() => {
          watchers.delete(w);
          reject(timeoutError());
        }, timeoutMs);
        watchers.add(w);
      });
    },
  };
}

// What a fuzz target is. A codec adds one by dropping a file in test/fuzz/targets/ that
// exports `target` (or `targets`); the registry finds it, nothing else needs editing.

export interface FuzzTarget {
  /** Unique, short: shown in reports and used by `run.ts --target`. */
  name: string;
  /** Valid and nearly valid inputs that mutation starts from. */
  seeds: readonly Buffer[];
  /** Tokens for the string games: keywords, option names, separators, numbers. */
  dictionary?: readonly Buffer[];
  /** Longest input the mutator builds (default 2048); one input in 500 is grown to this. */
  maxLength?: number;
  /**
   * Runs one input. Throws when a property fails (an exception escaping the codec is one).
   * Returns true when the codec accepted the input, which makes it a candidate base for
   * further mutation.
   */
  run(input: Buffer): boolean;
}

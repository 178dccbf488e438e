/**
 * The time source every timer of a socket goes through. Swap it for tests or for runtimes
 * whose timers live elsewhere.
 */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; compared, never shown. */
  now(): number;
  /**
   * Calls `fn` after `ms` milliseconds; returns a handle for clearTimeout. `ms` may be any
   * delay the options allow, past the 2^31 - 1 ms (24.8 days) that setTimeout holds too.
   */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer; `undefined` (no timer) must be a no-op, as for the global. */
  clearTimeout(handle: unknown): void;
}

/**
 * The default clock. The globals are wrapped in arrow functions, not captured, so fake timers
 * installed after this module loads (vitest, sinon) still apply. A delay past 2^31 - 1 ms is
 * cut to that (24.8 days), which browsers and Node would fire at once instead
 * (`connectionTimeout: 2 ** 31` abandoned every attempt within a millisecond, a backoff that
 * large retried in a storm).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(ms, 2 ** 31 - 1)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

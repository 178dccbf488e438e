/**
 * The time source every timer of a socket goes through. Swap it for tests or for runtimes
 * whose timers live elsewhere.
 */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; compared, never shown. */
  now(): number;
  /** Calls `fn` after `ms` milliseconds; returns a handle for clearTimeout. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer; `undefined` (no timer) must be a no-op, as for the global. */
  clearTimeout(handle: unknown): void;
}

/**
 * The default clock. The globals are wrapped in arrow functions, not captured, so fake timers
 * installed after this module loads (vitest, sinon) still apply.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

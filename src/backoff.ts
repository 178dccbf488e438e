/** The options the backoff reads. */
export interface BackoffOptions {
  /** Milliseconds, base delay of the first retry. */
  minReconnectionDelay: number;
  /** Milliseconds, cap of any delay. */
  maxReconnectionDelay: number;
  /** Growth of the delay per failed attempt. */
  reconnectionDelayGrowFactor: number;
  /** Share (0..1) of each delay that is randomised. */
  jitter: number;
}

/**
 * Delay in ms before retry `attempt` (1 for the first retry after a failure or after a stable
 * connection ended):
 *
 *   base  = min(maxReconnectionDelay, minReconnectionDelay × factor^(attempt − 1))
 *   delay = base × (1 − jitter × random())
 *
 * and for `attempt` Infinity, base = maxReconnectionDelay (what the socket waits while offline).
 * With `random()` in [0, 1) the delay lies in (base × (1 − jitter), base]. The default jitter of
 * 1 spreads a herd of clients over the whole (0, base] window at every step, the cap included,
 * which is what keeps a restarted server from meeting all of its clients in the same instant.
 */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number): number {
  const min = o.minReconnectionDelay;
  // `attempt` Infinity is the cap itself (the wait while offline): the formula would make it NaN
  // for a growth of 1 (1 ** Infinity), as it would 0 × Infinity for a min of 0.
  const base =
    attempt < Infinity
      ? Math.min(o.maxReconnectionDelay, min && min * o.reconnectionDelayGrowFactor ** Math.max(0, attempt - 1))
      : o.maxReconnectionDelay;
  return Math.round(base * (1 - o.jitter * random()));
}

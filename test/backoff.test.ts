import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff';

const o = { minReconnectionDelay: 1000, maxReconnectionDelay: 30000, reconnectionDelayGrowFactor: 2, jitter: 0 };

describe('backoffDelay', () => {
  it('grows by the factor from the minimum, attempt 1 being the minimum', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, o, () => 0))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('never exceeds maxReconnectionDelay', () => {
    expect(backoffDelay(6, o, () => 0)).toBe(30000);
    expect(backoffDelay(60, o, () => 0)).toBe(30000);
    expect(backoffDelay(5000, o, () => 0)).toBe(30000);
  });

  it('attempt Infinity is the cap (the wait while offline), whatever the min and the growth', () => {
    for (const options of [
      o,
      { ...o, reconnectionDelayGrowFactor: 1 },
      { ...o, minReconnectionDelay: 0 },
      { ...o, minReconnectionDelay: 0, reconnectionDelayGrowFactor: 1 },
    ])
      expect(backoffDelay(Infinity, options, () => 0)).toBe(30000);
    expect(backoffDelay(Infinity, { ...o, jitter: 1 }, () => 0.5)).toBe(15000);
  });

  it('a min of 0 retries at once however many attempts failed (never NaN)', () => {
    for (const attempt of [1, 2, 1100, 1e9])
      expect(backoffDelay(attempt, { ...o, minReconnectionDelay: 0 }, () => 0)).toBe(0);
  });

  it('takes the jittered share off the base: delay = base × (1 − jitter × random)', () => {
    expect(backoffDelay(1, { ...o, jitter: 1 }, () => 0.25)).toBe(750);
    expect(backoffDelay(1, { ...o, jitter: 0.5 }, () => 0.5)).toBe(750);
    expect(backoffDelay(10, { ...o, jitter: 0.2 }, () => 0.5)).toBe(27000);
  });

  it('spreads clients even at the cap with the default full jitter', () => {
    const delays = [0, 0.2, 0.4, 0.6, 0.8, 0.99].map((r) => backoffDelay(20, { ...o, jitter: 1 }, () => r));
    expect(new Set(delays).size).toBe(6);
    expect(Math.min(...delays)).toBeLessThan(1000);
  });

  it('stays within (base × (1 − jitter), base] for any attempt, jitter and random', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, jitter, r) => {
          const base = Math.min(30000, 1000 * 2 ** (attempt - 1));
          const d = backoffDelay(attempt, { ...o, jitter }, () => r);
          return d <= base && d >= Math.floor(base * (1 - jitter));
        },
      ),
    );
  });
});

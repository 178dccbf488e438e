/** src/guard.ts: user callbacks run without ever breaking the socket, and without flooding the log. */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { systemClock } from '../src/env/clock';
import { guard } from '../src/guard';

let error: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  vi.useFakeTimers();
  error = vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

it('calls a function with the arguments and returns its result; an option given as a value is the value', () => {
  const run = guard(systemClock);
  expect(run((a: number, b: number) => a + b, 2, 3)).toBe(5);
  expect(run('ping')).toBe('ping');
  expect(run(undefined)).toBeUndefined();
  expect(error).not.toHaveBeenCalled();
});

it('reads a throw as undefined and reports it on console.error with the function name', () => {
  const run = guard(systemClock);
  const boom = new Error('boom');
  function isPong(): boolean {
    throw boom;
  }
  expect(run(isPong, 'data')).toBeUndefined();
  expect(error).toHaveBeenCalledWith('[heartbeat-ws]', 'isPong', 'threw', boom);
});

it('reports at most one throw per 10 s, then the next one after', () => {
  const run = guard(systemClock);
  const bad = () => {
    throw new Error('x');
  };
  for (let i = 0; i < 100; i++) run(bad);
  expect(error).toHaveBeenCalledTimes(1);
  vi.advanceTimersByTime(9_999);
  run(bad);
  expect(error).toHaveBeenCalledTimes(1);
  vi.advanceTimersByTime(1);
  run(bad);
  expect(error).toHaveBeenCalledTimes(2);
});

it('keeps the quiet period per guard (per socket), not global', () => {
  const bad = () => {
    throw new Error('x');
  };
  guard(systemClock)(bad);
  guard(systemClock)(bad);
  expect(error).toHaveBeenCalledTimes(2);
});

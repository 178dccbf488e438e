/** src/fail.ts: every programmer's mistake is thrown in one shape, naming what is wrong. */
import { expect, it } from 'vitest';
import { fail } from '../src/fail';

it('throws the given kind with "heartbeat-ws: <name> must be <expected>, got <got>"', () => {
  expect(() => fail(RangeError, 'maxRetries', 'a number >= 0', -1)).toThrow(
    new RangeError('heartbeat-ws: maxRetries must be a number >= 0, got -1'),
  );
  expect(() => fail(TypeError, 'x', 'y', null)).toThrow(TypeError);
});

it('quotes strings, names functions without their source, and prints other values as String() does', () => {
  const message = (got: unknown) => {
    try {
      fail(TypeError, 'x', 'y', got);
    } catch (error) {
      return (error as Error).message.replace('heartbeat-ws: x must be y, got ', '');
    }
  };
  expect(message('')).toBe('""');
  expect(message('a "b"')).toBe('"a \\"b\\""');
  expect(message(function secret() {})).toBe('a function');
  expect(message(undefined)).toBe('undefined');
  expect(message({})).toBe('[object Object]');
  expect(message(1.5)).toBe('1.5');
  // An object without a prototype (String() of it throws): the message is still the package's.
  expect(message(Object.create(null))).toBe('[object Object]');
  expect(message(null)).toBe('null');
  expect(message(0)).toBe('0');
});

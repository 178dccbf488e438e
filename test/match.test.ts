/** src/match.ts: the declarative JSON recognisers (`isPong: { type: 'pong' }`). */
import { expect, it } from 'vitest';
import { matches, parse } from '../src/match';

it('parses JSON text, and reads binary or non-JSON text as no match, never throwing', () => {
  expect(parse('{"type":"pong","n":[1,2]}')).toEqual({ type: 'pong', n: [1, 2] });
  expect(parse('42')).toBe(42);
  expect(parse('not json')).toBeUndefined();
  expect(parse(new ArrayBuffer(4))).toBe(false);
  expect(parse(undefined)).toBe(false);
});

it('matches when the message has every field of the pattern, other fields ignored', () => {
  expect(matches({ type: 'pong' }, { type: 'pong', t: 123 })).toBe(true);
  expect(matches({ type: 'pong', v: 1 }, { type: 'pong', v: 1, x: null })).toBe(true);
  expect(matches({}, { anything: true })).toBe(true);
});

it('does not match a missing field, a different value, or a value of another type', () => {
  expect(matches({ type: 'pong' }, { kind: 'pong' })).toBe(false);
  expect(matches({ type: 'pong' }, { type: 'ping' })).toBe(false);
  expect(matches({ v: 1 }, { v: '1' })).toBe(false);
  expect(matches({ v: null }, {})).toBe(false);
});

it('compares nested objects the same way, partially', () => {
  const pattern = { event: { name: 'heartbeat', ok: true } };
  expect(matches(pattern, { event: { name: 'heartbeat', ok: true, at: 5 }, id: 1 })).toBe(true);
  expect(matches(pattern, { event: { name: 'heartbeat' } })).toBe(false);
  expect(matches(pattern, { event: 'heartbeat' })).toBe(false);
  expect(matches(pattern, { event: null })).toBe(false);
});

it('never matches an object pattern against a primitive, null, or a message that is not JSON', () => {
  for (const value of [null, undefined, 'pong', 1, true, false]) expect(matches({ type: 'pong' }, value)).toBe(false);
  expect(matches({ type: 'pong' }, parse('pong'))).toBe(false);
  expect(matches({ type: 'pong' }, parse(new ArrayBuffer(1)))).toBe(false);
});

it('compares arrays item by item, as objects of their indices', () => {
  expect(matches({ tags: ['a', 'b'] }, { tags: ['a', 'b', 'c'] })).toBe(true);
  expect(matches({ tags: ['a', 'b'] }, { tags: ['b', 'a'] })).toBe(false);
});

/** src/shared/marks.ts: the settled marks a leader leaves for the next one, in localStorage. */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { marks as keep } from '../../src/shared/marks';

const remember = (name: string, marks: Record<string, number>) => keep(name, marks, true);
const recall = (name: string, marks: Record<string, number>) => keep(name, marks);

beforeEach(() => localStorage.clear());
afterEach(() => vi.restoreAllMocks());

it('what one leader remembers, the next recalls, tab by tab', () => {
  remember('ch', { a: 3, b: 7 });
  const marks: Record<string, number> = {};
  recall('ch', marks);
  expect(marks).toEqual({ a: 3, b: 7 });
});

it('recall keeps the higher of what the tab heard itself and what was left', () => {
  remember('ch', { a: 3, b: 7 });
  const marks: Record<string, number> = { a: 5, b: 2, c: 1 };
  recall('ch', marks);
  expect(marks).toEqual({ a: 5, b: 7, c: 1 });
});

it('each channel has its own marks', () => {
  remember('one', { a: 3 });
  remember('two', { a: 9 });
  const marks: Record<string, number> = {};
  recall('one', marks);
  expect(marks).toEqual({ a: 3 });
});

it('keeps the 1,000 tabs heard of last: storage does not grow with every page ever opened', () => {
  const many: Record<string, number> = {};
  for (let i = 0; i < 1200; i++) many[`tab${i}`] = i + 1;
  remember('ch', many);
  const marks: Record<string, number> = {};
  recall('ch', marks);
  expect(Object.keys(marks)).toHaveLength(1000);
  expect(marks.tab199).toBeUndefined();
  expect(marks.tab200).toBe(201);
  expect(marks.tab1199).toBe(1200);
});

it('nothing left, or something not its own under the name: nothing is known, and nothing throws', () => {
  const marks: Record<string, number> = { a: 1 };
  recall('ch', marks);
  localStorage.setItem('ch', '{not json');
  recall('ch', marks);
  localStorage.setItem('ch', '42');
  recall('ch', marks);
  expect(marks).toEqual({ a: 1 });
});

it('storage full, or refused by the browser: neither call throws', () => {
  vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
    throw new DOMException('full', 'QuotaExceededError');
  });
  expect(() => remember('ch', { a: 1 })).not.toThrow();
  vi.spyOn(globalThis, 'localStorage', 'get').mockImplementation(() => {
    throw new DOMException('refused', 'SecurityError');
  });
  const marks: Record<string, number> = {};
  expect(() => recall('ch', marks)).not.toThrow();
  expect(() => remember('ch', { a: 1 })).not.toThrow();
  expect(marks).toEqual({});
});

it('no storage at all (a worker): nothing is kept, and nothing throws', () => {
  vi.spyOn(globalThis, 'localStorage', 'get').mockReturnValue(undefined as never);
  const marks: Record<string, number> = {};
  remember('ch', { a: 1 });
  recall('ch', marks);
  expect(marks).toEqual({});
});

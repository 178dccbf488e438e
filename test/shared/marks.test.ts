/** src/shared/marks.ts: the settled marks and drops a leader leaves for the next one, in localStorage. */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { Told } from '../../src/shared/leader';
import { marks, trim } from '../../src/shared/marks';

beforeEach(() => localStorage.clear());
afterEach(() => vi.restoreAllMocks());

const drop = (to: string, n: number): Told => ({ k: 'drop', to, n, reason: 'overflow' });
/** A tab's record: its marks and drops, and what it reads from storage into them. */
const record = (heard: Record<string, number> = {}, drops: Told[] = []) => ({
  heard,
  drops,
  recall: () => marks(heard, drops),
  remember: () => marks(heard, drops, true),
});

it('what one leader leaves, the next reads: marks tab by tab, and the drops told', () => {
  record({ a: 3, b: 7 }, [drop('b', 5)]).remember();
  const next = record();
  next.recall();
  expect(next.heard).toEqual({ a: 3, b: 7 });
  expect(next.drops).toEqual([drop('b', 5)]);
});

it('reading keeps the higher of what the tab heard itself and what was left, and each drop once', () => {
  record({ a: 3, b: 7 }, [drop('a', 1), drop('b', 5)]).remember();
  const next = record({ a: 5, b: 2, c: 1 }, [drop('b', 5), drop('c', 1)]);
  next.recall();
  expect(next.heard).toEqual({ a: 5, b: 7, c: 1 });
  // The stored ones are older: they come first.
  expect(next.drops).toEqual([drop('a', 1), drop('b', 5), drop('c', 1)]);
});

it('a drop is one message: another of the same tab is another drop', () => {
  record({}, [drop('b', 4)]).remember();
  const next = record({}, [drop('b', 5)]);
  next.recall();
  expect(next.drops).toEqual([drop('b', 4), drop('b', 5)]);
});

it('reading writes nothing: only a leader that hands over stores', () => {
  record({ a: 1 }).remember();
  const before = localStorage.getItem('heartbeat-ws sent');
  record({ b: 2 }, [drop('b', 1)]).recall();
  expect(localStorage.getItem('heartbeat-ws sent')).toBe(before);
});

it('one key for every channel, holding tab ids and numbers only: no URL (a token) reaches storage', () => {
  record({ a: 1 }).remember();
  expect(Object.keys(localStorage)).toEqual(['heartbeat-ws sent']);
  // A leader of another channel keeps what the first left.
  record({ z: 4 }).remember();
  const next = record();
  next.recall();
  expect(next.heard).toEqual({ a: 1, z: 4 });
});

it('keeps the 1,000 tabs heard of last: storage does not grow with every page ever opened', () => {
  const old: Record<string, number> = {};
  for (let i = 0; i < 1000; i++) old[`old${i}`] = 1;
  record(old).remember();
  // A live tab heard before this leader read the stored ones is not the first to go.
  const leader = record({ live: 9 });
  leader.recall();
  leader.heard.fresh = 2;
  leader.remember();
  const next = record();
  next.recall();
  expect(Object.keys(next.heard)).toHaveLength(1000);
  expect(next.heard).toMatchObject({ live: 9, fresh: 2 });
  expect(next.heard.old0).toBeUndefined();
  expect(next.heard.old1).toBeUndefined();
  expect(next.heard.old2).toBe(1);
});

it('keeps the last 1,000 drops', () => {
  record(
    {},
    Array.from({ length: 1200 }, (_, i) => drop('a', i + 1)),
  ).remember();
  const next = record();
  next.recall();
  expect(next.drops).toHaveLength(1000);
  expect(next.drops[0]).toEqual(drop('a', 201));
});

it('something not its own under the key: nothing of the tab changes, and nothing throws', () => {
  for (const junk of ['{not json', '42', '{"m":7,"d":[]}', '{"m":[],"d":"x"}']) {
    localStorage.setItem('heartbeat-ws sent', junk);
    const tab = record({ a: 1 }, [drop('a', 1)]);
    expect(() => tab.remember()).not.toThrow();
    expect(tab.heard).toEqual({ a: 1 });
    expect(tab.drops).toEqual([drop('a', 1)]);
  }
});

it('storage full, or refused by the browser: nothing throws', () => {
  vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
    throw new DOMException('full', 'QuotaExceededError');
  });
  expect(() => record({ a: 1 }).remember()).not.toThrow();
  vi.spyOn(globalThis, 'localStorage', 'get').mockImplementation(() => {
    throw new DOMException('refused', 'SecurityError');
  });
  const tab = record();
  expect(() => tab.recall()).not.toThrow();
  expect(() => record({ a: 1 }).remember()).not.toThrow();
  expect(tab.heard).toEqual({});
});

it('no storage at all (a worker): nothing is kept, and nothing throws', () => {
  vi.spyOn(globalThis, 'localStorage', 'get').mockReturnValue(undefined as never);
  record({ a: 1 }).remember();
  const tab = record();
  tab.recall();
  expect(tab.heard).toEqual({});
});

it('a tab whose stored drop is pushed out loses its mark too: it sends again rather than lose a message', () => {
  record({ a: 2, b: 3 }, [drop('a', 1), ...Array.from({ length: 1000 }, (_, i) => drop('c', i + 1))]).remember();
  const next = record();
  next.recall();
  expect(next.drops).toHaveLength(1000);
  expect(next.heard).toEqual({ b: 3 });
});

it('keeps no more marks in memory than it stores: a tab that lives for weeks does not grow with every reload it hears of', () => {
  const heard: Record<string, number> = {};
  for (let i = 0; i < 1500; i++) heard[`tab${i}`] = i;
  trim(heard);
  expect(Object.keys(heard)).toHaveLength(1000);
  expect(Object.keys(heard)[0]).toBe('tab500');
  // Read from storage, the same bound.
  const many: Record<string, number> = {};
  for (let i = 0; i < 1000; i++) many[`old${i}`] = 1;
  record(many).remember();
  const tab = record({ mine: 3 });
  tab.recall();
  expect(Object.keys(tab.heard)).toHaveLength(1000);
  expect(tab.heard).toMatchObject({ mine: 3 });
});

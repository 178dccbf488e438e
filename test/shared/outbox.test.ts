/** src/shared/outbox.ts: what one tab has sent and not yet seen leave the leader's socket. */
import { expect, it } from 'vitest';
import type { Outcome, Tracker } from '../../src/queue';
import { outbox } from '../../src/shared/outbox';

/** Tells a tracker, unguarded: the tab passes its guard (test/shared.review.test.ts). */
const tell = (done: Tracker | undefined, outcome: Outcome) => done?.(outcome);

it('numbers messages 1, 2, … in the order sent, and counts their bytes', () => {
  const box = outbox(tell);
  expect(box.add('a')).toBe(1);
  expect(box.add('héllo')).toBe(2);
  expect(box.add(new Uint8Array(10))).toBe(3);
  expect(box.length).toBe(3);
  expect(box.bytes).toBe(1 + 6 + 10);
  expect(box.all().map((k) => k.n)).toEqual([1, 2, 3]);
});

it('settle(n) forgets every message up to n and tells each its outcome, oldest first', () => {
  const box = outbox(tell);
  const told: string[] = [];
  for (const d of ['a', 'b', 'c']) box.add(d, (o: Outcome) => told.push(`${d} ${o}`));
  box.settle(2, 'written');
  expect(told).toEqual(['a written', 'b written']);
  expect(box.all().map((k) => k.data)).toEqual(['c']);
  expect(box.bytes).toBe(1);
  // Settling again, or below what is kept, tells nothing twice.
  box.settle(2, 'confirmed');
  box.settle(1, 'confirmed');
  expect(told).toHaveLength(2);
});

it('keeps numbering after messages leave: a number is never reused', () => {
  const box = outbox(tell);
  box.add('a');
  box.clear();
  expect(box.add('b')).toBe(2);
});

it('take() removes one message by number or by its tracker, and returns it', () => {
  const box = outbox(tell);
  const done = () => {};
  box.add('a');
  box.add('b', done);
  box.add('c');
  expect(box.take(3)?.data).toBe('c');
  expect(box.take(done)?.data).toBe('b');
  expect(box.take(99)).toBeUndefined();
  expect(box.all().map((k) => k.data)).toEqual(['a']);
  expect(box.bytes).toBe(1);
});

it('clear() returns what it forgets, oldest first, up to n or all', () => {
  const box = outbox(tell);
  for (const d of ['a', 'b', 'c']) box.add(d);
  expect(box.clear(2).map((k) => k.data)).toEqual(['a', 'b']);
  expect(box.length).toBe(1);
  expect(box.clear().map((k) => k.n)).toEqual([3]);
  expect(box.length).toBe(0);
  expect(box.bytes).toBe(0);
});

it('settle(n) with message n first settles it, and works on messages without a tracker or an empty outbox', () => {
  const box = outbox(tell);
  const told: string[] = [];
  box.settle(1, 'written');
  box.add('a', (o: Outcome) => told.push(`a ${o}`));
  box.add('b');
  box.add('c', (o: Outcome) => told.push(`c ${o}`));
  box.settle(1, 'written');
  expect(told).toEqual(['a written']);
  box.settle(3, 'confirmed');
  expect(told).toEqual(['a written', 'c confirmed']);
  expect(box.length).toBe(0);
  box.settle(3, 'written');
});

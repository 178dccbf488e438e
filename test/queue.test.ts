import { describe, expect, it } from 'vitest';
import { type DropReason, queue } from '../src/queue';

const make = (
  maxEnqueuedMessages = 100,
  maxEnqueuedBytes = 1000,
  queueOverflow: 'drop-newest' | 'drop-oldest' = 'drop-newest',
) => {
  const drops: [unknown, DropReason][] = [];
  const q = queue({ maxEnqueuedMessages, maxEnqueuedBytes, queueOverflow }, (d, r) => drops.push([d, r]));
  return { q, drops };
};

describe('Queue', () => {
  it('drains in order and counts bytes', () => {
    const { q } = make();
    q.push('a');
    q.push('bb');
    q.push('€');
    expect([q.size(), q.bytes()]).toEqual([3, 6]);
    const out: unknown[] = [];
    expect(q.drain((d) => (out.push(d), true))).toBe(3);
    expect(out).toEqual(['a', 'bb', '€']);
    expect([q.size(), q.bytes()]).toEqual([0, 0]);
  });

  it('keeps a refused message at the head', () => {
    const { q } = make();
    for (const m of ['1', '2', '3']) q.push(m);
    let n = 0;
    expect(q.drain(() => ++n <= 1)).toBe(1);
    const out: unknown[] = [];
    q.drain((d) => (out.push(d), true));
    expect(out).toEqual(['2', '3']);
  });

  it('tells `sent` of each message once it is out of the queue: what that sets off sees the queue without it', () => {
    const { q, drops } = make();
    for (const m of ['a', 'bb', 'ccc']) q.push(m);
    const seen: [unknown, number, number][] = [];
    const sent = q.drain(
      () => true,
      (d) => {
        seen.push([d, q.size(), q.bytes()]);
        // A tracker that clears the queue once the first message is written: the first is not
        // reported as cleared, the others are.
        if (d === 'a') q.clear();
      },
    );
    expect(sent).toBe(1);
    expect(seen).toEqual([['a', 2, 5]]);
    expect(drops).toEqual([
      ['bb', 'cleared'],
      ['ccc', 'cleared'],
    ]);
    // A message queued by `sent` goes out in the same drain, behind what was queued.
    q.push('x');
    q.push('y');
    const out: unknown[] = [];
    q.drain(
      (d) => out.push(d),
      (d) => d === 'x' && q.push('z'),
    );
    expect(out).toEqual(['x', 'y', 'z']);
  });

  it('leaves a message whose send throws at the head, with its bytes, and tells `sent` nothing of it', () => {
    const { q } = make();
    for (const m of ['1', '22']) q.push(m);
    const told: unknown[] = [];
    expect(() =>
      q.drain(
        (d) => {
          if (d === '22') throw new TypeError('refused');
          return true;
        },
        (d) => told.push(d),
      ),
    ).toThrow('refused');
    expect(told).toEqual(['1']);
    expect([q.size(), q.bytes()]).toEqual([1, 2]);
  });

  it('keeps a refused message at the head with its bytes, after a compaction too', () => {
    const { q } = make();
    for (const m of ['1', '22', '333']) q.push(m);
    // The first send empties half the array: the queue compacts before the refusal.
    let n = 0;
    expect(q.drain(() => ++n <= 1)).toBe(1);
    expect([q.size(), q.bytes()]).toEqual([2, 5]);
    for (const m of ['4', '5', '6', '7']) q.push(m);
    n = 0;
    // No compaction this time: the refused one stays in its own slot.
    expect(q.drain(() => ++n <= 1)).toBe(1);
    expect([q.size(), q.bytes()]).toEqual([5, 7]);
    const out: unknown[] = [];
    q.drain((d) => (out.push(d), true));
    expect(out).toEqual(['333', '4', '5', '6', '7']);
  });

  it('push() is truthy when it takes a message, falsy when it refuses it', () => {
    const { q } = make(1, 3, 'drop-oldest');
    expect(q.push('')).toBeTruthy();
    expect(q.push('abcd')).toBeFalsy();
    expect(q.push('ab')).toBeTruthy();
    const { q: newest } = make(1, 3);
    expect(newest.push('a')).toBeTruthy();
    expect(newest.push('b')).toBeFalsy();
  });

  it('drops the newest message on overflow by default, by count and by bytes', () => {
    const { q, drops } = make(2, 5);
    q.push('aa');
    q.push('bb');
    q.push('cc');
    expect(drops).toEqual([['cc', 'overflow']]);
    const r = make(10, 5);
    r.q.push('aaa');
    r.q.push('bbb');
    expect(r.drops).toEqual([['bbb', 'overflow']]);
    expect(r.q.bytes()).toBe(3);
  });

  it('drops the oldest messages instead with drop-oldest', () => {
    const { q, drops } = make(2, 100, 'drop-oldest');
    for (const m of ['a', 'b', 'c', 'd']) q.push(m);
    expect(drops).toEqual([
      ['a', 'overflow'],
      ['b', 'overflow'],
    ]);
    const out: unknown[] = [];
    q.drain((d) => (out.push(d), true));
    expect(out).toEqual(['c', 'd']);
  });

  it('drops a message larger than the byte bound whatever the policy', () => {
    const { q, drops } = make(10, 3, 'drop-oldest');
    q.push('ab');
    q.push('abcd');
    expect(drops).toEqual([['abcd', 'overflow']]);
    expect(q.size()).toBe(1);
  });

  it('reports every cleared message', () => {
    const { q, drops } = make();
    q.push('x');
    q.push('y');
    expect(q.clear()).toBe(2);
    expect(drops).toEqual([
      ['x', 'cleared'],
      ['y', 'cleared'],
    ]);
    expect([q.size(), q.bytes()]).toEqual([0, 0]);
  });

  it('keeps order and byte counts through many partial drains (compaction)', () => {
    const { q } = make(1e6, 1e9);
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 500; i++) q.push(String(next++));
      let k = 0;
      q.drain((d) => (k++ < 300 ? (out.push(Number(d)), true) : false));
    }
    q.drain((d) => (out.push(Number(d)), true));
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(q.bytes()).toBe(0);
  });
});

describe('Queue bounds and withdrawal (killing mutants Stryker found alive)', () => {
  it('accepts a message that fills the byte bound exactly, by itself or with others', () => {
    const { q, drops } = make(100, 10);
    q.push('x'.repeat(10));
    expect(drops).toEqual([]);
    q.clear();
    drops.length = 0;
    q.push('x'.repeat(4));
    q.push('y'.repeat(6));
    expect(drops).toEqual([]);
    expect(q.bytes()).toBe(10);
  });

  it('remove() takes out only the message tracked, reports it aborted, and fixes the byte count', () => {
    const { q, drops } = make();
    const done = () => {};
    q.push('a');
    q.push('bb', done);
    q.push('c');
    // Where it was, 1 for the head: the replay ledger counts by it.
    expect(q.remove(done)).toBe(2);
    expect(drops).toEqual([['bb', 'aborted']]);
    expect([q.size(), q.bytes()]).toEqual([2, 2]);
    expect(q.remove(done)).toBe(0);
    expect(q.remove(() => {})).toBe(0);
    const out: unknown[] = [];
    q.drain((d) => (out.push(d), true));
    expect(out).toEqual(['a', 'c']);
  });

  it('remove() takes out the message at the head of the queue too', () => {
    const { q, drops } = make();
    const done = () => {};
    q.push('a', done);
    q.push('b');
    expect(q.remove(done)).toBe(1);
    expect(drops).toEqual([['a', 'aborted']]);
    expect(q.take().map(([d]) => d)).toEqual(['b']);
  });

  it('remove() does not find a message already drained', () => {
    const { q } = make();
    const done = () => {};
    q.push('a', done);
    q.push('b');
    q.push('c');
    q.push('d');
    q.drain((d) => d === 'a');
    expect(q.remove(done)).toBe(0);
    expect(q.size()).toBe(3);
  });

  it('remove() tells where the message was counted from the head, after drains too', () => {
    const { q } = make();
    const done = () => {};
    for (const d of ['a', 'b', 'c']) q.push(d);
    q.push('d', done);
    q.drain((d) => d !== 'c');
    expect(q.remove(done)).toBe(2);
    expect(q.take().map(([d]) => d)).toEqual(['c']);
  });

  it('counts its length right through partial drains', () => {
    const { q } = make();
    for (let i = 0; i < 10; i++) q.push(String(i));
    let n = 0;
    q.drain(() => n++ < 3);
    expect(q.size()).toBe(7);
    expect(q.take().map(([d]) => d)).toEqual(['3', '4', '5', '6', '7', '8', '9']);
  });

  it('with drop-oldest, a bound of one message keeps the newest, and a bound of none keeps nothing', () => {
    const one = make(1, 100, 'drop-oldest');
    one.q.push('a');
    one.q.push('b');
    expect(one.drops).toEqual([['a', 'overflow']]);
    expect(one.q.take().map(([d]) => d)).toEqual(['b']);
    const none = make(0, 100, 'drop-oldest');
    none.q.push('a');
    expect(none.drops).toEqual([['a', 'overflow']]);
    expect([none.q.size(), none.q.bytes()]).toEqual([0, 0]);
  });

  it('prepend() puts the other queue in front, in order, within the bounds, and empties it', () => {
    const { q, drops } = make(3, 100, 'drop-oldest');
    q.push('c');
    q.push('d');
    const other = make();
    other.q.push('a');
    other.q.push('b');
    q.prepend(other.q);
    expect(other.q.size()).toBe(0);
    // Four messages for a bound of three: the oldest gives way.
    expect(drops).toEqual([['a', 'overflow']]);
    expect([q.size(), q.bytes()]).toEqual([3, 3]);
    expect(q.take().map(([d]) => d)).toEqual(['b', 'c', 'd']);
  });
});

/**
 * src/replay.ts: the unconfirmed ledger of `replayUnconfirmed`. What a pong confirms, what a dead
 * link gives back to the queue, and in which order.
 */
import { expect, it, vi } from 'vitest';
import type { Data } from '../src/data';
import { systemClock } from '../src/env/clock';
import { guard } from '../src/guard';
import { MAX_PINGS } from '../src/heartbeat';
import { type DropReason, type Outcome, queue, type QueueLimits } from '../src/queue';
import { ledger } from '../src/replay';

const LIMITS: QueueLimits = { maxEnqueuedMessages: 100, maxEnqueuedBytes: Infinity, queueOverflow: 'drop-newest' };

function make(limits: Partial<QueueLimits> = {}) {
  const drops: [Data, DropReason][] = [];
  const outcomes: [string, Outcome][] = [];
  const l = ledger(
    { ...LIMITS, ...limits },
    (data, reason, done) => {
      drops.push([data, reason]);
      done?.(reason);
    },
    guard(systemClock),
  );
  const write = (...data: string[]) => {
    for (const d of data) l.wrote(d, (outcome) => outcomes.push([d, outcome]));
  };
  /** What a queue holds, oldest first, once drained. */
  const contents = (q: ReturnType<typeof queue>): Data[] => {
    const out: Data[] = [];
    q.drain((data) => (out.push(data), true));
    return out;
  };
  return { l, drops, outcomes, write, contents };
}

it('a pong confirms what was written before its ping, and nothing written after', () => {
  const { l, write, outcomes } = make();
  write('a', 'b');
  l.ping();
  write('c');
  expect(l.size()).toBe(3);
  l.pong();
  expect(outcomes).toEqual([
    ['a', 'confirmed'],
    ['b', 'confirmed'],
  ]);
  expect(l.size()).toBe(1);
});

it('pongs answer pings oldest first: each confirms up to its own ping', () => {
  const { l, write, outcomes } = make();
  write('a');
  l.ping();
  write('b');
  l.ping();
  write('c');
  l.pong();
  expect(outcomes.map(([d]) => d)).toEqual(['a']);
  l.pong();
  expect(outcomes.map(([d]) => d)).toEqual(['a', 'b']);
  // A pong with no ping outstanding confirms nothing.
  l.pong();
  expect(outcomes.map(([d]) => d)).toEqual(['a', 'b']);
  expect(l.size()).toBe(1);
});

it('a closing handshake the server finished confirms everything', () => {
  const { l, write, outcomes } = make();
  write('a', 'b');
  l.confirmAll();
  expect(outcomes).toEqual([
    ['a', 'confirmed'],
    ['b', 'confirmed'],
  ]);
  expect(l.size()).toBe(0);
});

it('a dead link puts the unconfirmed messages back in front of the queue, in the order written', () => {
  const { l, write, contents, outcomes } = make();
  write('a', 'b');
  l.ping();
  l.pong();
  write('c', 'd');
  const q = queue(LIMITS, () => {});
  q.push('e');
  q.push('f');
  l.requeue(q);
  expect(l.size()).toBe(0);
  expect(contents(q)).toEqual(['c', 'd', 'e', 'f']);
  // Requeued, not settled: only a and b were told an outcome.
  expect(outcomes.map(([d]) => d)).toEqual(['a', 'b']);
});

it('after a requeue, a pong confirms only what was written before its own ping', () => {
  const { l, write, outcomes } = make();
  write('a');
  l.ping();
  l.requeue(queue(LIMITS, () => {}));
  write('b');
  // The pong of the ping sent before the requeue confirms nothing new.
  l.pong();
  expect(outcomes).toEqual([]);
  l.ping();
  write('c');
  l.pong();
  expect(outcomes).toEqual([['b', 'confirmed']]);
  expect(l.size()).toBe(1);
});

it('after a requeue, the pings of the dead link are forgotten: the next pong answers the next ping', () => {
  const { l, write, outcomes } = make();
  write('a');
  l.ping();
  l.requeue(queue(LIMITS, () => {}));
  write('b');
  l.ping();
  // The new link's server answers the new ping; the old ping's pong never comes.
  l.pong();
  expect(outcomes).toEqual([['b', 'confirmed']]);
  expect(l.size()).toBe(0);
});

it('confirms messages written without a tracker as well (a plain send())', () => {
  const { l } = make();
  l.wrote('a');
  l.ping();
  l.wrote('b');
  expect(() => l.pong()).not.toThrow();
  expect(l.size()).toBe(1);
  expect(() => l.confirmAll()).not.toThrow();
  expect(l.size()).toBe(0);
});

it("holds at most the queue's bound, the oldest reported as dropped 'unconfirmed'", () => {
  const { l, write, drops, outcomes } = make({ maxEnqueuedMessages: 2 });
  write('a', 'b', 'c');
  expect(l.size()).toBe(2);
  expect(drops).toEqual([['a', 'unconfirmed']]);
  l.ping();
  write('d');
  // The ping covered a, b, c; b was pushed out since: its pong confirms c, and not d.
  l.pong();
  expect(outcomes.map(([d, o]) => `${String(d)} ${o}`)).toEqual(['a unconfirmed', 'b unconfirmed', 'c confirmed']);
  expect(l.size()).toBe(1);
});

it('remembers at most MAX_PINGS unanswered pings, the oldest forgotten', () => {
  const { l, write, outcomes } = make({ maxEnqueuedMessages: 1000 });
  for (let i = 0; i <= MAX_PINGS; i++) {
    write(`m${i}`);
    l.ping();
  }
  // The first ping (covering m0) was forgotten: the oldest pong now confirms m0 and m1.
  l.pong();
  expect(outcomes.map(([d]) => d)).toEqual(['m0', 'm1']);
});

it('a message larger than the whole buffer, refused at once, does not keep a pong from confirming what came before it', () => {
  const { l, write, outcomes, drops } = make({ maxEnqueuedBytes: 3 });
  write('a');
  l.ping();
  write('toolong');
  expect(drops).toEqual([['toolong', 'unconfirmed']]);
  l.pong();
  expect(outcomes).toEqual([
    ['toolong', 'unconfirmed'],
    ['a', 'confirmed'],
  ]);
  expect(l.size()).toBe(0);
  // And the count stays right for what follows.
  write('b');
  l.ping();
  write('c');
  l.pong();
  expect(outcomes.slice(2)).toEqual([['b', 'confirmed']]);
  expect(l.size()).toBe(1);
});

it('a tracker that throws on its confirmation is reported, and the confirmations go on', () => {
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  const { l, write, outcomes } = make();
  l.wrote('a', () => {
    throw new Error('tracker bug');
  });
  write('b');
  l.ping();
  l.pong();
  expect(outcomes).toEqual([['b', 'confirmed']]);
  expect(l.size()).toBe(0);
  expect(error).toHaveBeenCalledTimes(1);
  error.mockRestore();
});

it('remove() takes a message back from any place: it is never replayed, and pongs still confirm the rest', () => {
  const { l, drops, outcomes, contents } = make();
  const tracked: Record<string, (o: Outcome) => void> = {};
  const write = (...data: string[]) => {
    for (const d of data) l.wrote(d, (tracked[d] = (outcome) => outcomes.push([d, outcome])));
  };
  write('a', 'b', 'c');
  l.ping(); // confirms a, b, c
  write('d', 'e');
  l.ping(); // confirms up to e
  write('f');
  expect(l.remove(tracked.b!)).toBe(2);
  expect(l.remove(tracked.f!)).toBe(5);
  expect(l.remove(tracked.b!)).toBe(0);
  expect(drops).toEqual([
    ['b', 'aborted'],
    ['f', 'aborted'],
  ]);
  l.pong();
  // Every message written before the first ping that is still here, and none after.
  expect(outcomes.filter(([, o]) => o === 'confirmed').map(([d]) => d)).toEqual(['a', 'c']);
  expect(l.remove(tracked.d!)).toBe(1);
  l.pong();
  expect(outcomes.filter(([, o]) => o === 'confirmed').map(([d]) => d)).toEqual(['a', 'c', 'e']);
  write('g');
  const q = queue(LIMITS, () => {});
  l.requeue(q);
  expect(contents(q)).toEqual(['g']);
});

// Each case puts the taken-back message right at a ping's mark, or behind the head of a queue
// that has let some go: a mark off by one confirms a message written after its ping (lost, not
// replayed, if the link then dies) or leaves one written before it unconfirmed.
it.each([
  ['the last message a ping covers', ['a', 'b', '^', '-b', 'c', 'pong'], ['a']],
  ['the first message after a ping', ['a', '^', 'b', '-b', 'pong'], ['a']],
  ['a message before any ping', ['a', 'b', '-a', '^', 'c', 'pong'], ['b']],
  [
    'a message behind the head, once a pong let some go',
    ['a', '^', 'b', 'c', 'd', 'pong', '^', '-c', 'e', 'pong'],
    ['a', 'b', 'd'],
  ],
])('remove() of %s: each later pong confirms exactly what was written before its ping', (_, steps, confirmed) => {
  const { l, outcomes } = make();
  const tracked: Record<string, (o: Outcome) => void> = {};
  for (const step of steps) {
    if (step === '^') l.ping();
    else if (step === 'pong') l.pong();
    else if (step.startsWith('-')) expect(l.remove(tracked[step.slice(1)]!)).toBeGreaterThan(0);
    else l.wrote(step, (tracked[step] = (outcome) => outcomes.push([step, outcome])));
  }
  expect(outcomes.filter(([, o]) => o === 'confirmed').map(([d]) => d)).toEqual(confirmed);
});

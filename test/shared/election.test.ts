/**
 * src/shared/election.ts: the leader election over Web Locks. The first tab to ask leads; the
 * next one in line leads once it lets go (or its tab dies).
 */
import { afterEach, expect, it, vi } from 'vitest';
import { canShare, countHeld, hold } from '../../src/shared/election';
import { useTabs } from '../helpers/tabs';

const setup = useTabs();
afterEach(() => void vi.restoreAllMocks());
const settle = () => vi.advanceTimersByTimeAsync(0);

it('can share where Web Locks and BroadcastChannel exist, and not without locks', () => {
  expect(canShare()).toBe(true);
  const nav = navigator as Navigator & { locks?: unknown };
  const locks = Object.getOwnPropertyDescriptor(nav, 'locks')!;
  delete (nav as { locks?: unknown }).locks;
  try {
    expect(canShare()).toBe(false);
  } finally {
    Object.defineProperty(nav, 'locks', locks);
  }
});

it('cannot share without BroadcastChannel, or without navigator (a worker-less server runtime)', () => {
  vi.stubGlobal('BroadcastChannel', undefined);
  try {
    expect(canShare()).toBe(false);
  } finally {
    vi.unstubAllGlobals();
  }
  vi.stubGlobal('navigator', undefined);
  try {
    expect(canShare()).toBe(false);
  } finally {
    vi.unstubAllGlobals();
  }
  expect(canShare()).toBe(true);
});

it('the first tab to ask leads; the next leads once the first lets go, not before', async () => {
  const order: string[] = [];
  const releaseA = setup.env.as('a', () =>
    hold(
      'L',
      () => order.push('a'),
      () => order.push('a refused'),
    ),
  );
  setup.env.as('b', () =>
    hold(
      'L',
      () => order.push('b'),
      () => order.push('b refused'),
    ),
  );
  await settle();
  expect(order).toEqual(['a']);
  releaseA();
  await settle();
  expect(order).toEqual(['a', 'b']);
});

it('the next tab leads when the leader tab dies without letting go', async () => {
  const order: string[] = [];
  setup.env.as('a', () =>
    hold(
      'L',
      () => order.push('a'),
      () => {},
    ),
  );
  setup.env.as('b', () =>
    hold(
      'L',
      () => order.push('b'),
      () => {},
    ),
  );
  await settle();
  setup.env.kill('a');
  await settle();
  expect(order).toEqual(['a', 'b']);
});

it('a tab that lets go while waiting never leads, and is not told it was refused', async () => {
  const order: string[] = [];
  const releaseA = setup.env.as('a', () =>
    hold(
      'L',
      () => order.push('a'),
      () => order.push('a refused'),
    ),
  );
  const releaseB = setup.env.as('b', () =>
    hold(
      'L',
      () => order.push('b'),
      () => order.push('b refused'),
    ),
  );
  setup.env.as('c', () =>
    hold(
      'L',
      () => order.push('c'),
      () => order.push('c refused'),
    ),
  );
  await settle();
  releaseB();
  // Out of the queue at once: the browser's lock manager no longer lists it as waiting.
  const { pending = [] } = await setup.env.locks.query();
  expect(pending).toHaveLength(1);
  releaseA();
  await settle();
  expect(order).toEqual(['a', 'c']);
});

it('a tab that lets go just as its lock is granted neither leads nor keeps the lock', () => {
  let grant: (() => unknown) | undefined;
  vi.spyOn(setup.env.locks, 'request').mockImplementationOnce((_name, _options, callback) => {
    grant = callback;
    return new Promise(() => {});
  });
  const granted = vi.fn();
  const release = hold('L', granted, () => {});
  release();
  // The browser grants it now, too late: the callback returns at once, which frees the lock.
  expect(grant!()).toBeUndefined();
  expect(granted).not.toHaveBeenCalled();
});

it('tells the tab when the browser refuses locks (an opaque origin)', async () => {
  const refused = vi.fn();
  vi.spyOn(setup.env.locks, 'request').mockRejectedValueOnce(new DOMException('no', 'SecurityError'));
  hold('L', () => {}, refused);
  await settle();
  expect(refused).toHaveBeenCalledTimes(1);
});

it('tells the tab it was refused even when the browser rejects with no error object', async () => {
  const refused = vi.fn();
  vi.spyOn(setup.env.locks, 'request').mockRejectedValueOnce(undefined);
  hold('L', () => {}, refused);
  await settle();
  expect(refused).toHaveBeenCalledTimes(1);
});

it('counts only named locks of the prefix (a lock may have no name)', async () => {
  vi.spyOn(setup.env.locks, 'query').mockResolvedValueOnce({
    held: [{}, { name: 'p 1' }, { name: 'p 2' }, { name: 'q' }],
    pending: [],
  } as never);
  expect(await countHeld('p ')).toBe(2);
});

it("counts the held locks of a prefix and one word (a tab's id), and 1 where locks are refused", async () => {
  setup.env.as('a', () =>
    hold(
      'heartbeat-ws x tab a',
      () => {},
      () => {},
    ),
  );
  setup.env.as('b', () =>
    hold(
      'heartbeat-ws x tab b',
      () => {},
      () => {},
    ),
  );
  setup.env.as('c', () =>
    hold(
      // A tab of channel "heartbeat-ws x tab": not one of channel "heartbeat-ws x".
      'heartbeat-ws x tab tab c',
      () => {},
      () => {},
    ),
  );
  await settle();
  expect(await countHeld('heartbeat-ws x tab ')).toBe(2);
  vi.spyOn(setup.env.locks, 'query').mockRejectedValueOnce(new DOMException('no', 'SecurityError'));
  expect(await countHeld('heartbeat-ws x tab ')).toBe(1);
});

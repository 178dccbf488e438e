/**
 * src/shared/relay.ts: one tab's end of the BroadcastChannel. Sends of one task travel in one
 * post, in order, and never after a later post.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { type Relayed, relay } from '../../src/shared/relay';
import { FakeChannel, useTabs } from '../helpers/tabs';

const setup = useTabs();
afterEach(() => void vi.restoreAllMocks());
const settle = () => vi.advanceTimersByTimeAsync(0);

/** Tab `a`'s relay, and what tab `b` hears on the same channel. */
function pair() {
  const heard: Relayed[] = [];
  const a = setup.env.as('a', () => relay('ch', () => {}));
  const b = setup.env.as('b', () => relay('ch', (m) => heard.push(m)));
  return { a, b, heard };
}

it('posts to the other tabs of the channel, never back to the sender', async () => {
  const mine: Relayed[] = [];
  const a = setup.env.as('a', () => relay('ch', (m) => mine.push(m)));
  const heard: Relayed[] = [];
  setup.env.as('b', () => relay('ch', (m) => heard.push(m)));
  setup.env.as('c', () => relay('other', (m) => heard.push(m)));
  a.post({ k: 'hello' });
  await settle();
  expect(heard).toEqual([{ k: 'hello' }]);
  expect(mine).toEqual([]);
});

it('batches the consecutive sends of one task into one post, in order', async () => {
  const { a, heard } = pair();
  const posts = vi.spyOn(FakeChannel.prototype, 'postMessage');
  a.send('L1', 'a', 1, 'x');
  a.send('L1', 'a', 2, 'y');
  a.send('L1', 'a', 3, 'z');
  await settle();
  expect(posts).toHaveBeenCalledTimes(1);
  expect(heard).toEqual([{ k: 'send', to: 'L1', from: 'a', n: 1, data: ['x', 'y', 'z'] }]);
});

it('posts the batch before any other post of the same task, so order holds', async () => {
  const { a, heard } = pair();
  a.send('L1', 'a', 1, 'x');
  a.post({ k: 'do', to: 'L1', what: 'probe' });
  a.send('L1', 'a', 2, 'y');
  await settle();
  expect(heard).toEqual([
    { k: 'send', to: 'L1', from: 'a', n: 1, data: ['x'] },
    { k: 'do', to: 'L1', what: 'probe' },
    { k: 'send', to: 'L1', from: 'a', n: 2, data: ['y'] },
  ]);
});

it('starts a new batch for another leader term or a gap in the numbers', async () => {
  const { a, heard } = pair();
  a.send('L1', 'a', 1, 'x');
  a.send('L2', 'a', 2, 'y');
  a.send('L2', 'a', 4, 'z');
  await settle();
  expect(heard.map((m) => m.k === 'send' && [m.to, m.n, m.data])).toEqual([
    ['L1', 1, ['x']],
    ['L2', 2, ['y']],
    ['L2', 4, ['z']],
  ]);
});

it('flush() posts the batch at once', () => {
  const { a } = pair();
  const posts = vi.spyOn(FakeChannel.prototype, 'postMessage');
  a.send('L1', 'a', 1, 'x');
  expect(posts).not.toHaveBeenCalled();
  a.flush();
  expect(posts).toHaveBeenCalledTimes(1);
});

it('posts nothing once closed, not even a batch still pending, and throws nothing', async () => {
  const { a, heard } = pair();
  a.send('L1', 'a', 1, 'x');
  a.close();
  expect(() => a.post({ k: 'hello' })).not.toThrow();
  a.flush();
  await settle();
  expect(heard).toEqual([]);
});

/**
 * SharedHeartbeatSocket: a message goes out once through a leave and a join (docs/sharing.md),
 * also when the leader that wrote it hands over while its tab is away, and the tab that comes
 * back, or a tab that opens later, is the next leader: no tab that listened is left to say it
 * went. The leader leaves what left its socket in localStorage as it hands over, or as its page
 * ends (src/shared/marks.ts); then the cases the reviews of that found: a drop told while its tab
 * was away, 1,000 older tabs in storage, a closing handshake that confirms (replayUnconfirmed),
 * a URL with a token, a page that unloads, another channel's drops.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SharedHeartbeatSocket, type SharedOptions } from '../src/shared/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { tabWebSocket, useTabs } from './helpers/tabs';

const setup = useTabs();
afterEach(() => vi.restoreAllMocks());
const settle = () => vi.advanceTimersByTimeAsync(0);
const live = () => FakeWebSocket.live();
const last = () => FakeWebSocket.instances[FakeWebSocket.instances.length - 1]!;
const allFrames = () => FakeWebSocket.instances.flatMap((ws) => ws.sent.filter((d) => d !== 'ping'));

/** A queue of two, the oldest giving way. */
const SMALL_QUEUE: SharedOptions = { maxEnqueuedMessages: 2, queueOverflow: 'drop-oldest' };
/** Messages settled by a pong, or by the closing handshake of close(). */
const REPLAY: SharedOptions = { heartbeat: { interval: 60_000, timeout: 60_000 }, replayUnconfirmed: true };

const tab = (name: string, options: SharedOptions = {}, url?: string) => setup.tab(name, options, url);

/** Tab a leads and b follows, on a connection that opened. */
async function twoTabsOpen(options: SharedOptions = {}) {
  const a = tab('a', options);
  await settle();
  const b = tab('b', options);
  await settle();
  live()[0]!.serverOpen();
  await settle();
  return { a, b };
}

function pageHooks() {
  const hooks = new Set<(s: 'freeze' | 'restore') => void>();
  return {
    lifecycle: (n: (s: 'freeze' | 'restore') => void) => (hooks.add(n), () => void hooks.delete(n)),
    notify: (s: 'freeze' | 'restore') => [...hooks].forEach((n) => n(s)),
  };
}

describe('a message goes out once through a leave and a join, whoever leads next', () => {
  it("a follower's send() then close(); the leader hands over; the follower's reconnect() makes it the leader", async () => {
    const { a, b } = await twoTabsOpen();
    b.send('x');
    b.close(); // docs/sharing.md: the message goes out, once
    await settle();
    expect(allFrames()).toEqual(['x']);
    a.close(); // the leader tab closes its socket (its page lives on)
    FakeWebSocket.instances[0]!.serverClose(1000, '');
    await settle();
    b.reconnect(); // b joins again, and leads
    await settle();
    expect(b.isLeader).toBe(true);
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).toEqual(['x']);
  });

  it('a follower sends as its page goes into the back/forward cache; back, it is the next leader', async () => {
    const a = tab('a');
    await settle();
    const page = pageHooks();
    const b = tab('b', { lifecycle: page.lifecycle as never });
    await settle();
    live()[0]!.serverOpen();
    await settle();
    b.send('x');
    page.notify('freeze'); // a pagehide listener sent it (test/shared.test.ts: it goes out once)
    await settle();
    expect(allFrames()).toEqual(['x']);
    a.close(); // while b is away, the leader tab closes its socket
    FakeWebSocket.instances[0]!.serverClose(1000, '');
    await settle();
    page.notify('restore'); // a new leader elected while the tab was away: the tab itself
    await settle();
    expect(b.isLeader).toBe(true);
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).toEqual(['x']);
  });

  it('a follower sends and closes; the leader writes it and hands over to no one; a tab opened later leads, and the follower joins it', async () => {
    const { a, b } = await twoTabsOpen();
    b.send('x');
    b.close();
    await settle();
    a.close(); // the last tab: the connection closes
    FakeWebSocket.instances[0]!.serverClose(1000, '');
    await settle();
    const c = tab('c');
    await settle();
    expect(c.isLeader).toBe(true);
    b.reconnect(); // b follows c, and hands it what it still keeps
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).toEqual(['x']);
    // b is told it went, as if it had listened.
    expect(b.bufferedAmount).toBe(0);
  });

  it('what a leader leaves is told to the tab as its outcome: a deliver() pending since it left resolves', async () => {
    // A tab that closed hears the leader's word while that leader stays (shared.review.test.ts);
    // one in the back/forward cache does not: it learns it from the marks the leader left.
    const a = tab('a');
    await settle();
    const page = pageHooks();
    const b = tab('b', { lifecycle: page.lifecycle as never });
    await settle();
    live()[0]!.serverOpen();
    await settle();
    const outcome = vi.fn();
    b.track('x', outcome);
    page.notify('freeze');
    await settle();
    expect(outcome).not.toHaveBeenCalled(); // b left before the leader's word came
    a.close();
    FakeWebSocket.instances[0]!.serverClose(1000, '');
    await settle();
    page.notify('restore');
    await settle();
    expect(b.isLeader).toBe(true);
    expect(outcome).toHaveBeenCalledWith('written');
    expect(allFrames()).toEqual(['x']);
  });
});

it('a message the old leader dropped while its tab was away is not reported written when that tab leads next', async () => {
  const a = tab('a', SMALL_QUEUE);
  await settle();
  const b = tab('b', SMALL_QUEUE);
  await settle();
  // Not open yet: b's messages wait in the leader's queue (2 at most, the oldest gives way).
  const outcome = vi.fn();
  const drops: string[] = [];
  b.addEventListener('drop', (e) => drops.push(String(e.detail.data)));
  b.track('x', outcome);
  b.send('y');
  await settle();
  b.close(); // b leaves before the leader says anything of x and y
  await settle();
  a.send('z'); // the leader's queue is full: b's 'x' gives way ('overflow'), told to b, who is away
  await settle();
  live()[0]!.serverOpen(); // 'y' and 'z' are written
  await settle();
  expect(allFrames()).toEqual(['y', 'z']);
  a.close(); // the leader hands over, leaving its marks (b: 2) in localStorage
  FakeWebSocket.instances[0]!.serverClose(1000, '');
  await settle();
  b.reconnect(); // b comes back and leads
  await settle();
  expect(b.isLeader).toBe(true);
  live()[0]!.serverOpen();
  await settle();
  // 'x' never reached the server: b hears it was dropped, as it would have, listening.
  expect(allFrames()).toEqual(['y', 'z']);
  expect(outcome.mock.calls).toEqual([['overflow']]);
  expect(drops).toEqual(['x']);
});

it('without storage too, a tab that listened and leads next tells the returning tab of its drop', async () => {
  vi.spyOn(globalThis, 'localStorage', 'get').mockReturnValue(undefined as never);
  const a = tab('a', SMALL_QUEUE);
  await settle();
  const c = tab('c', SMALL_QUEUE);
  await settle();
  const b = tab('b', SMALL_QUEUE);
  await settle();
  const drops: string[] = [];
  b.addEventListener('drop', (e) => drops.push(String(e.detail.data)));
  b.send('x');
  b.send('y');
  await settle();
  b.close();
  await settle();
  a.send('z'); // b's 'x' gives way, told to b (away); c overhears it
  await settle();
  live()[0]!.serverOpen(); // 'y' and 'z' are written: b's mark is 2, c hears it
  await settle();
  expect(allFrames()).toEqual(['y', 'z']);
  a.close(); // c leads
  FakeWebSocket.instances[0]!.serverClose(1000, '');
  await settle();
  expect(c.isLeader).toBe(true);
  live()[0]!.serverOpen();
  await settle();
  b.reconnect(); // b follows c, and hands it 'x' and 'y' again
  await settle();
  expect(allFrames()).toEqual(['y', 'z']);
  expect(drops).toEqual(['x']);
});

it('a tab heard of after 1,000 older ones keeps its mark through two handovers: its message goes out once', async () => {
  // Earlier in the origin's life: 1,000 pages, each sent a message through the shared connection.
  const p = tab('p');
  await settle();
  live()[0]!.serverOpen();
  await settle();
  for (let i = 0; i < 1000; i++) {
    const old = tab(`old${i}`);
    await settle();
    old.send(`old${i}`);
    await settle();
    old.close();
    await settle();
  }
  p.close();
  last().serverClose(1000, '');
  await settle();

  // Now: a leads, c follows; b sends and leaves before the leader's word.
  const a = tab('a');
  await settle();
  const c = tab('c');
  await settle();
  live()[0]!.serverOpen();
  await settle();
  const b = tab('b');
  await settle();
  b.send('x');
  b.close();
  await settle();
  a.close(); // hands over to c
  last().serverClose(1000, '');
  await settle();
  expect(c.isLeader).toBe(true);
  live()[0]!.serverOpen();
  await settle();
  c.send('w'); // c's own message: one more tab heard of
  await settle();
  c.close(); // the last tab: the connection closes
  last().serverClose(1000, '');
  await settle();
  b.reconnect(); // b comes back, and leads
  await settle();
  expect(b.isLeader).toBe(true);
  live()[0]!.serverOpen();
  await settle();
  expect(allFrames().filter((f) => f === 'x')).toEqual(['x']);
});

it("replayUnconfirmed: a message the leaving leader's closing handshake confirmed goes out once when its tab, away then, leads next", async () => {
  const { a, b } = await twoTabsOpen(REPLAY);
  const outcome = vi.fn();
  b.track('x', outcome);
  b.close(); // b leaves before the leader's word
  await settle();
  expect(allFrames()).toEqual(['x']); // written, not yet confirmed (no pong yet)
  a.close(); // the leader tab closes its socket; the server finishes the closing handshake
  FakeWebSocket.instances[0]!.serverClose(1000, '');
  await settle();
  b.reconnect(); // b comes back, and leads
  await settle();
  expect(b.isLeader).toBe(true);
  live()[0]!.serverOpen();
  await settle();
  expect(allFrames()).toEqual(['x']);
  expect(outcome).toHaveBeenCalledWith('confirmed');
});

it('a token in the URL is not written to persistent storage, and sessions with new tokens leave no key each', async () => {
  for (const token of ['s3cret-1', 's3cret-2', 's3cret-3']) {
    const a = setup.env.as(
      'a',
      () =>
        new SharedHeartbeatSocket(`wss://example.test/live?token=${token}`, [], {
          WebSocket: tabWebSocket('a'),
          lifecycle: false,
        }),
    );
    await settle();
    live()[0]!.serverOpen();
    await settle();
    a.send('hello');
    await settle();
    a.close();
    FakeWebSocket.instances.at(-1)!.serverClose(1000, '');
    await settle();
  }
  const stored = Object.keys(localStorage).map((k) => `${k}=${localStorage.getItem(k)}`);
  expect(stored.filter((s) => s.includes('s3cret'))).toEqual([]);
});

it("a follower's message goes out once when the leader's page then unloads (no back/forward cache) and the follower leads next", async () => {
  const a = tab('a', { lifecycle: undefined }); // the browser's lifecycle hooks (pagehide)
  await settle();
  expect(a.isLeader).toBe(true);
  const b = tab('b');
  await settle();
  b.send('once'); // waits in the leader's queue: the connection is not open yet
  await settle();
  b.close(); // b leaves (or goes into the back/forward cache) before the leader's word
  await settle();
  live()[0]!.serverOpen(); // the leader writes it
  await settle();
  expect(allFrames()).toEqual(['once']);
  // a's page is closed, or navigates to a page that is not cached: pagehide, not persisted; then
  // the page is gone (its locks released, its socket closed).
  window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
  setup.env.kill('a');
  await settle();
  b.reconnect(); // back, b leads
  await settle();
  expect(b.isLeader).toBe(true);
  live()[0]!.serverOpen();
  await settle();
  expect(allFrames()).toEqual(['once']);
});

it('close() leaves no pagehide listener behind, in the leader or a follower', async () => {
  const added = vi.spyOn(window, 'addEventListener');
  const removed = vi.spyOn(window, 'removeEventListener');
  const a = tab('a');
  await settle();
  const b = tab('b');
  await settle();
  const pagehide = (spy: typeof added) => spy.mock.calls.filter(([type]) => type === 'pagehide').map(([, fn]) => fn);
  expect(pagehide(added)).toHaveLength(2);
  b.close();
  a.close();
  FakeWebSocket.instances[0]!.serverClose(1000, '');
  await vi.advanceTimersByTimeAsync(2000);
  expect(new Set(pagehide(removed))).toEqual(new Set(pagehide(added)));
  expect(pagehide(removed)).toHaveLength(2);
});

it("drops of another channel push a stored drop out: its tab's mark goes too, so the message is sent, not taken for written", async () => {
  // Channel one: as test/shared.marks.test.ts's first case, up to a's handover.
  const a = tab('a', SMALL_QUEUE, 'ws://example.test/one');
  await settle();
  const page = pageHooks();
  const b = tab('b', { ...SMALL_QUEUE, lifecycle: page.lifecycle as never }, 'ws://example.test/one');
  await settle();
  const outcome = vi.fn();
  const drops: string[] = [];
  b.addEventListener('drop', (e) => drops.push(String(e.detail.data)));
  b.track('x', outcome);
  b.send('y');
  await settle();
  page.notify('freeze'); // away: a closed tab would hear of the drop (shared.review.test.ts)
  await settle();
  a.send('z'); // b's 'x' gives way, told to b, away
  await settle();
  live()[0]!.serverOpen(); // 'y' and 'z' are written: b's mark is 2
  await settle();
  a.close(); // stores b: 2 and the drop of b's message 1
  FakeWebSocket.instances[0]!.serverClose(1000, '');
  await settle();

  // Meanwhile, another channel of the same app, offline, clears a backlog of 1,000 messages.
  const p = tab('p', {}, 'ws://example.test/two');
  await settle();
  for (let i = 0; i < 1000; i++) p.send(`p${i}`);
  await settle();
  expect(p.clearQueue()).toBe(1000);
  await settle();
  p.close(); // stores its own drops under the same key
  FakeWebSocket.instances.at(-1)!.serverClose(1000, '');
  await settle();

  page.notify('restore'); // back on channel one, b leads
  await settle();
  expect(b.isLeader).toBe(true);
  live()[0]!.serverOpen();
  await settle();
  // Its drop is no longer stored, and neither is b's mark: b sends what it holds again ('y' a
  // second time) rather than take 'x', never sent, for written.
  expect(allFrames().filter((f) => f === 'x' || f === 'y')).toEqual(['y', 'x', 'y']);
  expect(outcome.mock.calls).toEqual([['written']]);
  expect(drops).toEqual([]);
});

/**
 * SharedHeartbeatSocket where it must do as HeartbeatSocket does: the findings of a review of
 * src/shared (2026-12-07), each of which failed before its fix. Same fakes as test/shared.test.ts
 * (test/helpers/tabs.ts).
 */
import { expect, it, vi } from 'vitest';
import { HeartbeatSocket, type Options } from '../src/index';
import { SharedHeartbeatSocket, type SharedOptions } from '../src/shared/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { tabWebSocket, useTabs } from './helpers/tabs';

const URL_ = 'ws://example.test/live';
const setup = useTabs();
const settle = () => vi.advanceTimersByTimeAsync(0);
const live = () => FakeWebSocket.live();
const userFrames = (ws: FakeWebSocket) => ws.sent.filter((d) => d !== 'ping');

const TYPES = ['open', 'message', 'close', 'error', 'reconnecting', 'heartbeat', 'drop', 'leaderchange'];

/** A tab named `name` with a SharedHeartbeatSocket whose every event is recorded. */
function tab(name: string, options: SharedOptions = {}) {
  const socket = setup.env.as(
    name,
    () =>
      new SharedHeartbeatSocket(URL_, [], {
        WebSocket: tabWebSocket(name),
        lifecycle: false,
        jitter: 0,
        ...options,
      }),
  );
  setup.made.push(socket);
  const events: { type: string; event: Event }[] = [];
  for (const type of TYPES) socket.addEventListener(type, (event) => events.push({ type, event }));
  const of = <E extends Event>(type: string) => events.filter((e) => e.type === type).map((e) => e.event as E);
  const drops = () => of<CustomEvent>('drop').map((e) => [e.detail.reason, e.detail.data]);
  const closes = () => of<CloseEvent>('close').map((e) => [e.code, e.reason]);
  return { name, socket, events, of, drops, closes };
}

/** A plain HeartbeatSocket over FakeWebSocket, recording its drops. */
function core(options: Options = {}) {
  const socket = new HeartbeatSocket(URL_, [], { WebSocket: FakeWebSocket as never, lifecycle: false, ...options });
  setup.made.push(socket);
  const drops: unknown[] = [];
  socket.addEventListener('drop', (e) => drops.push([e.detail.reason, e.detail.data]));
  const ws = FakeWebSocket.last;
  return { socket, drops, ws: () => ws };
}

it("queueOverflow 'drop-oldest' is honoured while the tab knows no leader yet (its first task): the oldest gives way, as in HeartbeatSocket", async () => {
  const opts = { maxEnqueuedMessages: 1, queueOverflow: 'drop-oldest' as const };
  // HeartbeatSocket: the newest wins, the oldest is dropped.
  const plain = core(opts);
  plain.socket.send('old');
  plain.socket.send('new');
  plain.ws().serverOpen();
  expect([plain.drops, userFrames(plain.ws())]).toEqual([[['overflow', 'old']], ['new']]);

  // The same two sends, in the task that made the shared socket (no leader known yet).
  const a = tab('a', opts);
  a.socket.send('old');
  a.socket.send('new');
  await settle();
  const ws = FakeWebSocket.instances.find((w) => w !== plain.ws())!;
  ws.serverOpen();
  await settle();
  expect([a.drops(), userFrames(ws)]).toEqual([[['overflow', 'old']], ['new']]);
});

it("clearQueue() from the leader tab's statechange listener as the connection drops: one close event per tab (the server's), no spurious 'leader lost'", async () => {
  const a = tab('a');
  await settle();
  const b = tab('b');
  await settle();
  // "When the connection goes, discard what waits": a plain listener an app may have.
  a.socket.addEventListener('statechange', (e) => {
    if (e.detail.state !== 'open') a.socket.clearQueue();
  });
  live()[0]!.serverOpen();
  await settle();
  live()[0]!.serverClose(4000, 'server bye');
  await settle();
  // The leader did not change: there is one close, the server's, in each tab.
  expect(a.closes()).toEqual([[4000, 'server bye']]);
  expect(b.closes()).toEqual([[4000, 'server bye']]);
});

/** The page's hooks, as browserLifecycle installs them: `notify` plays freeze and restore. */
function pageHooks() {
  const hooks = new Set<(s: 'freeze' | 'restore') => void>();
  return {
    lifecycle: (n: (s: 'freeze' | 'restore') => void) => (hooks.add(n), () => void hooks.delete(n)),
    notify: (s: 'freeze' | 'restore') => hooks.forEach((n) => n(s)),
  };
}

it('a connection that gave up stays closed through a round in the back/forward cache, as HeartbeatSocket’s does', async () => {
  // HeartbeatSocket: freeze and restore of a closed socket change nothing.
  const page = pageHooks();
  const plain = core({ maxRetries: 0, lifecycle: page.lifecycle });
  plain.ws().serverClose(1006);
  page.notify('freeze');
  page.notify('restore');
  await settle();
  expect([plain.socket.state, FakeWebSocket.instances.length]).toEqual(['closed', 1]);

  // One tab, alone on its channel: the same.
  const { lifecycle, notify } = pageHooks();
  const a = tab('a', { maxRetries: 0, lifecycle });
  const states: string[] = [];
  a.socket.addEventListener('statechange', (e) => states.push(e.detail.state));
  await settle();
  live()
    .find((w) => w !== plain.ws())!
    .serverClose(1006);
  await settle();
  expect(a.socket.state).toBe('closed');
  notify('freeze');
  await settle();
  notify('restore');
  await settle();
  // No connection is made (the app, told `giveup`, decides when to reconnect()) …
  expect([a.socket.state, FakeWebSocket.instances.length]).toEqual(['closed', 2]);
  // … and the tab never read `reconnecting` (then `connecting`) meanwhile.
  expect(states).toEqual(['closed']);
});

it('where tabs cannot share, close() whose closing handshake times out reports it as HeartbeatSocket does: 1006 "close timeout", unclean', async () => {
  delete (navigator as { locks?: unknown }).locks;
  const plain = core();
  plain.ws().serverOpen();
  const s = new SharedHeartbeatSocket(URL_, [], { WebSocket: FakeWebSocket as never, lifecycle: false });
  setup.made.push(s);
  expect(s.isLeader).toBe(true);
  FakeWebSocket.last.serverOpen();
  await settle();
  const seen: unknown[] = [];
  plain.socket.addEventListener('close', (e) => seen.push(['core', e.code, e.reason, e.wasClean]));
  s.addEventListener('close', (e) => seen.push(['shared', e.code, e.reason, e.wasClean]));
  plain.socket.close(4001, 'bye');
  s.close(4001, 'bye');
  // The server never answers either closing handshake.
  await vi.advanceTimersByTimeAsync(20_000);
  expect(seen).toEqual([
    ['core', 1006, 'close timeout', false],
    ['shared', 1006, 'close timeout', false],
  ]);
});

it('the leader tab hands over (close()) while the connection waits for a retry: a follower gets no second close in a row ("open and close keep alternating")', async () => {
  const a = tab('a', { minReconnectionDelay: 5000 });
  await settle();
  const b = tab('b', { minReconnectionDelay: 5000 });
  await settle();
  live()[0]!.serverOpen();
  await settle();
  live()[0]!.serverClose(1006); // the connection drops: close, reconnecting in every tab
  await settle();
  a.socket.close(4000, 'tab done'); // the leader tab leaves during the backoff wait
  await vi.advanceTimersByTimeAsync(1500);
  expect(b.socket.isLeader).toBe(true);
  live()[0]!.serverOpen();
  await settle();
  const seq = b.events.map((e) => e.type).filter((t) => t === 'open' || t === 'close');
  expect(seq).toEqual(['open', 'close', 'open']);
});

it("countTabs() counts only the tabs of its own channel: not those of a channel whose name starts with it and ' tab'", async () => {
  const a = tab('a', { channel: 'chat' });
  tab('b', { channel: 'chat tab' });
  tab('c', { channel: 'chat tab' });
  await settle();
  expect(await a.socket.countTabs()).toBe(1);
});

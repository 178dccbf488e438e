/**
 * SharedHeartbeatSocket where it must do as HeartbeatSocket does: the findings of a review of
 * src/shared (2026-12-07), each of which failed before its fix. Same fakes as test/shared.test.ts
 * (test/helpers/tabs.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { type Data, HeartbeatSocket, type Options, type Outbox, type OutboxLabel, type Tracker } from '../src/index';
import { requests } from '../src/request/index';
import { SharedHeartbeatSocket, type SharedOptions } from '../src/shared/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { captureLogged, captureReported } from './helpers/socket';
import { FakeChannel, pageHooks, recordEvents, useTabs } from './helpers/tabs';

const URL_ = 'ws://example.test/live';
const setup = useTabs();
const settle = () => vi.advanceTimersByTimeAsync(0);
const live = () => FakeWebSocket.live();
const userFrames = (ws: FakeWebSocket) => ws.sent.filter((d) => d !== 'ping');
const allFrames = () => FakeWebSocket.instances.flatMap(userFrames);
/** The channels tab `name` has open. */
const channels = (name: string) => [...FakeChannel.all].filter((c) => c.owner === name).length;

/** A tab named `name` with a SharedHeartbeatSocket whose every event is recorded. */
function tab(name: string, options: SharedOptions = {}) {
  const socket = setup.tab(name, { jitter: 0, ...options }, URL_);
  const { events, of } = recordEvents(socket);
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

/** Tab a leads and tab b follows, with `options`; `open`: once their connection opened. */
async function pair(options: SharedOptions = {}, open = false) {
  const a = tab('a', options);
  await settle();
  const b = tab('b', options);
  await settle();
  if (open) {
    live()[0]!.serverOpen();
    await settle();
  }
  return { a, b };
}

/** As pair(), open, beside a plain socket's connection `other`: `ws` is the tabs' connection. */
async function pairBeside(other: FakeWebSocket) {
  const { a, b } = await pair();
  const ws = live().find((w) => w !== other)!;
  ws.serverOpen();
  await settle();
  return { a, b, ws };
}

/**
 * `sends` in the task that makes a socket with `opts`, then its connection opens: what a plain
 * HeartbeatSocket dropped and wrote, and what a tab that knew no leader yet when it sent did.
 */
async function firstTaskSends(opts: SharedOptions, sends: string[]) {
  const plain = core(opts);
  for (const data of sends) plain.socket.send(data);
  plain.ws().serverOpen();
  const a = tab('a', opts);
  for (const data of sends) a.socket.send(data);
  await settle();
  const ws = FakeWebSocket.instances.find((w) => w !== plain.ws())!;
  ws.serverOpen();
  await settle();
  return { core: [plain.drops, userFrames(plain.ws())], shared: [a.drops(), userFrames(ws)] };
}

it("queueOverflow 'drop-oldest' is honoured while the tab knows no leader yet (its first task): the oldest gives way, as in HeartbeatSocket", async () => {
  const seen = await firstTaskSends({ maxEnqueuedMessages: 1, queueOverflow: 'drop-oldest' }, ['old', 'new']);
  // HeartbeatSocket: the newest wins, the oldest is dropped.
  expect(seen.core).toEqual([[['overflow', 'old']], ['new']]);
  expect(seen.shared).toEqual(seen.core);
});

it("queueOverflow 'drop-oldest' while the tab knows no leader yet: a message over maxEnqueuedBytes is the one dropped, as in HeartbeatSocket", async () => {
  const seen = await firstTaskSends({ maxEnqueuedBytes: 4, queueOverflow: 'drop-oldest' }, ['ok', 'too long']);
  expect(seen.core).toEqual([[['overflow', 'too long']], ['ok']]);
  expect(seen.shared).toEqual(seen.core);
});

it("queueOverflow 'drop-oldest' while the tab knows no leader yet, maxEnqueuedMessages 0: every message is dropped, as in HeartbeatSocket", async () => {
  const seen = await firstTaskSends({ maxEnqueuedMessages: 0, queueOverflow: 'drop-oldest' }, ['x', 'y']);
  expect(seen.core).toEqual([
    [
      ['overflow', 'x'],
      ['overflow', 'y'],
    ],
    [],
  ]);
  expect(seen.shared).toEqual(seen.core);
});

it("clearQueue() from the leader tab's statechange listener as the connection drops: one close event per tab (the server's), no spurious 'leader lost'", async () => {
  const { a, b } = await pair();
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

it("where tabs cannot share (no BroadcastChannel), clearQueue() after close() drops what the tab kept ('cleared'), as HeartbeatSocket's", async () => {
  (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel = undefined;
  const plain = core();
  const s = setup.tab('a');
  expect(s.isLeader).toBe(true);
  const seen: unknown[] = [];
  plain.socket.addEventListener('drop', (e) => seen.push(['core', e.detail.reason, e.detail.data]));
  s.addEventListener('drop', (e) => seen.push(['shared', e.detail.reason, e.detail.data]));
  for (const socket of [plain.socket, s]) {
    socket.send('x'); // not open: x waits in the queue
    socket.close();
  }
  expect([plain.socket.clearQueue(), s.clearQueue()]).toEqual([1, 1]);
  expect(seen).toEqual([
    ['core', 'cleared', 'x'],
    ['shared', 'cleared', 'x'],
  ]);
});

it("a closed follower's clearQueue() reports 'cleared'; a drop in any tab after it still gives its own reason ('overflow')", async () => {
  const { a, b } = await pair({ maxEnqueuedMessages: 1 }); // not open: the leader's queue holds one
  b.socket.send('x');
  b.socket.close(); // b listens for x's outcome
  await settle();
  b.socket.clearQueue(); // the leader takes x back
  await settle();
  a.socket.send('y');
  a.socket.send('z'); // the leader's queue is full
  await settle();
  expect([b.drops(), a.drops()]).toEqual([[['cleared', 'x']], [['overflow', 'z']]]);
});

it('an outbox whose attach() throws in the tab that comes to lead: logged, and that tab leads with its queue in memory (no unhandled rejection)', async () => {
  const logged = captureLogged();
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    const outbox = {
      attach: (): never => {
        throw new Error('outbox broken');
      },
    };
    // HeartbeatSocket's constructor throws it: the caller sees it.
    expect(() => new HeartbeatSocket(URL_, [], { WebSocket: FakeWebSocket as never, outbox })).toThrow('outbox broken');
    const a = tab('a', { outbox });
    a.socket.send('x');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    await new Promise((resolve) => process.nextTick(resolve));
    expect([a.socket.isLeader, a.socket.state, userFrames(live()[0]!)]).toEqual([true, 'open', ['x']]);
    expect(logged.errors).toEqual([new Error('outbox broken')]);
    expect(rejections).toEqual([]);
  } finally {
    process.off('unhandledRejection', onRejection);
    logged.restore();
  }
});

it("where tabs cannot share (no Web Locks), an outbox whose attach() throws makes the constructor throw it, as HeartbeatSocket's: the leader's socket is made right there, with a caller", async () => {
  delete (navigator as { locks?: unknown }).locks;
  const outbox = {
    attach: (): never => {
      throw new Error('outbox broken');
    },
  };
  expect(() => new HeartbeatSocket(URL_, [], { WebSocket: FakeWebSocket as never, outbox })).toThrow('outbox broken');
  const logged = captureLogged();
  try {
    expect(() => setup.tab('a', { outbox })).toThrow('outbox broken');
  } finally {
    logged.restore();
  }
});

it('the leader tab hands over (close()) while the connection is still connecting: the others see it move (reconnecting), and no close', async () => {
  const { a, b } = await pair();
  const seen: string[] = [];
  b.socket.addEventListener('statechange', () => seen.push(b.socket.state));
  a.socket.close();
  await vi.advanceTimersByTimeAsync(3000);
  expect(b.socket.isLeader).toBe(true);
  live()[0]!.serverOpen();
  await settle();
  expect(seen).toEqual(['reconnecting', 'connecting', 'open']);
  expect(b.closes()).toEqual([]);
});

it('the leader tab hands over (close()) while the connection waits for a retry: a follower gets no second close in a row ("open and close keep alternating")', async () => {
  const { a, b } = await pair({ minReconnectionDelay: 5000 });
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
it("a follower's send() then close() while the leader's queue is full: the message is dropped, and some drop event reports it", async () => {
  // HeartbeatSocket: the overflow is reported by send() itself, before close().
  const plain = core({ maxEnqueuedMessages: 1 });
  plain.socket.send('a1');
  plain.socket.send('b1');
  plain.socket.close();
  expect(plain.drops).toEqual([['overflow', 'b1']]);

  const { a, b } = await pair({ maxEnqueuedMessages: 1 });
  a.socket.send('a1'); // the shared queue (connection not open yet) is full
  b.socket.send('b1');
  b.socket.close(); // e.g. the component unmounts, or the page is leaving
  await settle();
  const ws = live().find((w) => w !== plain.ws())!;
  ws.serverOpen();
  await settle();
  expect(userFrames(ws)).toEqual(['a1']); // b1 never goes out …
  // … so a `drop` event must report it somewhere (the tab that sent it).
  expect([...a.drops(), ...b.drops()]).toEqual([['overflow', 'b1']]);
});

it("a follower's deliver() then close() in the same task: the message is written, and the promise resolves, as over HeartbeatSocket", async () => {
  // HeartbeatSocket, open: written at once, deliver() resolves.
  const plain = core();
  plain.ws().serverOpen();
  const coreResult = requests(plain.socket).deliver('x');
  plain.socket.close();
  await expect(coreResult).resolves.toBe('written');

  const { b } = await pair();
  const ws = live().find((w) => w !== plain.ws())!;
  ws.serverOpen();
  await settle();
  let outcome: unknown = 'pending';
  void requests(b.socket)
    .deliver('x')
    .then((v) => (outcome = v));
  b.socket.close();
  await vi.advanceTimersByTimeAsync(10_000);
  expect(userFrames(ws)).toEqual(['x']); // it went out …
  expect(outcome).toBe('written'); // … and the closed tab hears it
});

describe('a follower that closed hears what becomes of what it handed over, and no more', () => {
  it('until the leader wrote it: then it stops listening', async () => {
    const { b } = await pair({}, true);
    b.socket.send('x');
    b.socket.close();
    expect(channels('b')).toBe(1);
    await settle();
    expect([userFrames(live()[0]!), channels('b')]).toEqual([['x'], 0]);
  });

  it('until the connection is closed for good (it gave up): the message is then its own again, and goes out once', async () => {
    const { b } = await pair({ maxRetries: 0 });
    b.socket.send('x'); // the connection is not open yet: x waits in the leader's queue
    b.socket.close();
    await settle();
    expect(channels('b')).toBe(1);
    live()[0]!.serverClose(1006); // that attempt fails, and the leader gives up
    await settle();
    expect(channels('b')).toBe(0);
    setup.env.as('b', () => b.socket.reconnect()); // b hands x over again: the leader has it already
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).toEqual(['x']);
  });

  it("once the connection gave up, drop-oldest does not give way what that leader still holds: another tab's reconnect() sends it, and it is never also dropped", async () => {
    const { a, b } = await pair({ maxRetries: 0, maxEnqueuedMessages: 1, queueOverflow: 'drop-oldest' });
    b.socket.send('x'); // the connection is not open yet: x waits in the leader's queue
    b.socket.close();
    await settle();
    live()[0]!.serverClose(1006); // that attempt fails, and the leader gives up, holding x
    await settle();
    b.socket.send('y'); // b's own, closed: x is not counted (nor given way) here
    a.socket.reconnect();
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect([allFrames(), b.drops()]).toEqual([['x'], []]);
  });

  it("clearQueue() after close() takes back what the leader has not written: one 'cleared' drop, not sent", async () => {
    const { b } = await pair();
    b.socket.send('x');
    b.socket.close();
    await settle();
    // The leader holds it: the leader tells which it took back ('cleared') and which it wrote.
    expect(b.socket.clearQueue()).toBe(0);
    await settle();
    expect([b.drops(), channels('b')]).toEqual([[['cleared', 'x']], 0]);
    live()[0]!.serverOpen();
    await settle();
    expect([userFrames(live()[0]!), b.drops()]).toEqual([[], [['cleared', 'x']]]);
  });

  it('not at all when the leader holds nothing of its own: its channel closes with close()', async () => {
    const { b } = await pair({}, true);
    b.socket.send('x');
    await settle(); // written, and b was told so
    b.socket.close();
    expect(channels('b')).toBe(0);
  });

  it('until its leader hands over to another tab: the message, not written, is its own again', async () => {
    const { a, b } = await pair();
    tab('c');
    await settle();
    b.socket.send('x'); // the connection is not open: x waits in a's queue
    b.socket.close();
    await settle();
    expect(channels('b')).toBe(1);
    a.socket.close(); // a hands over to c, which b does not follow
    await vi.advanceTimersByTimeAsync(10_000);
    expect([channels('b'), b.socket.bufferedAmount > 0]).toEqual([0, true]);
  });

  it('until its leader hands over to another tab: then what it handed counts in its own bounds again, as in a closed HeartbeatSocket', async () => {
    // HeartbeatSocket, closed with one message queued and a bound of one: the next is dropped.
    const plain = core({ maxEnqueuedMessages: 1 });
    plain.socket.close();
    plain.socket.send('x');
    plain.socket.send('y');
    expect(plain.drops).toEqual([['overflow', 'y']]);

    const { a, b } = await pair({ maxEnqueuedMessages: 1 });
    tab('c');
    await settle();
    b.socket.send('x'); // the connection is not open: x waits in a's queue
    b.socket.close();
    await settle();
    a.socket.close(); // a hands over to c, which b does not follow: x is b's own again
    await vi.advanceTimersByTimeAsync(10_000);
    b.socket.send('y');
    expect(b.drops()).toEqual([['overflow', 'y']]);
  });

  it("clearQueue() whose leader goes before it answers: what it held is dropped ('cleared') when the tab stops listening", async () => {
    const { b } = await pair();
    b.socket.send('x');
    b.socket.close();
    await settle();
    expect(b.socket.clearQueue()).toBe(0); // the leader holds x: it is asked
    setup.env.kill('a'); // and never answers
    await vi.advanceTimersByTimeAsync(1000);
    expect([b.drops(), channels('b')]).toEqual([[['cleared', 'x']], 0]);
  });

  it("a leader tab that closed bounds what it kept, as HeartbeatSocket's queue (what it handed as a follower is its own again)", async () => {
    const opts = { maxEnqueuedMessages: 2, queueOverflow: 'drop-oldest' as const };
    const { b } = await pair(opts);
    b.socket.send('x');
    b.socket.send('y'); // handed to a, not written: the connection is not open
    await settle();
    setup.env.kill('a');
    await vi.advanceTimersByTimeAsync(1000);
    expect(b.socket.isLeader).toBe(true); // x and y go to its own socket's queue
    b.socket.close();
    await settle();
    b.socket.send('z');
    expect(b.drops()).toEqual([['overflow', 'x']]);
  });

  it('reconnect() while it listens: one channel, each message once', async () => {
    const { b } = await pair();
    b.socket.send('x');
    b.socket.close();
    setup.env.as('b', () => b.socket.reconnect());
    await settle();
    expect(channels('b')).toBe(1);
    live()[0]!.serverOpen();
    await settle();
    live()[0]!.serverMessage('hi');
    await settle();
    expect([userFrames(live()[0]!), b.of<MessageEvent>('message').map((e) => e.data)]).toEqual([['x'], ['hi']]);
  });

  /** deliver() of `data` on `socket`, its outcome read as 'pending' until it settles. */
  function delivered(socket: SharedHeartbeatSocket | HeartbeatSocket, data: string) {
    let outcome: unknown = 'pending';
    requests(socket)
      .deliver(data)
      .then(
        (v) => (outcome = v),
        (e: Error & { reason?: string }) => (outcome = `${e.name}:${e.reason ?? ''}`),
      );
    return () => outcome;
  }

  it("through the leader's retries: deliver() resolves once the next connection wrote its message", async () => {
    tab('a');
    await settle();
    const b = tab('b');
    await settle();
    const outcome = delivered(b.socket, 'x'); // the connection is not open yet: x waits in a's queue
    b.socket.close(); // the component unmounts
    await settle();
    live()[0]!.serverClose(1006); // that attempt fails: x stays in the leader's queue, b listens on
    await settle();
    await vi.advanceTimersByTimeAsync(1000);
    live()[0]!.serverOpen(); // the retry opens: the leader writes x
    await vi.advanceTimersByTimeAsync(10_000);
    expect(allFrames()).toEqual(['x']);
    // x went out: its deliver() must say so (HeartbeatSocket would not have sent it at all).
    expect(outcome()).toBe('written');
  });

  it("clearQueue() once it stopped listening (the connection gave up): a 'cleared' drop, and the leader, which still holds it, does not send it", async () => {
    const { a, b } = await pair({ maxRetries: 0 });
    b.socket.send('x');
    b.socket.close();
    await settle();
    live()[0]!.serverClose(1006);
    await settle();
    expect(channels('b')).toBe(0);
    expect(b.socket.clearQueue()).toBe(1); // docs: "takes them back from the leader (not sent)"
    expect(b.drops()).toEqual([['cleared', 'x']]);
    await settle();
    a.socket.reconnect();
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).toEqual([]); // reported dropped: must not go out
  });

  it("stops listening when its leader tab crashes with no tab to follow it (the leader's Web Lock comes free): its message is its own again", async () => {
    tab('a', { maxEnqueuedMessages: 1 });
    await settle();
    const b = tab('b', { maxEnqueuedMessages: 1 });
    await settle();
    const outcome = delivered(b.socket, 'x');
    b.socket.close();
    await settle();
    expect(channels('b')).toBe(1);
    setup.env.kill('a'); // the leader's renderer crashes: nobody will ever post again
    await vi.advanceTimersByTimeAsync(600_000);
    // API.md: after close(), no timer, listener or socket of it is left running; and x, gone
    // with the leader, is this tab's own again (for a later reconnect()), as when a leader hands
    // over: it counts in the tab's bound of one.
    expect({ channels: channels('b'), outcome: outcome() }).toEqual({ channels: 0, outcome: 'pending' });
    b.socket.send('y');
    expect(b.drops()).toEqual([['overflow', 'y']]);
  });

  it('does not listen when the connection is closed (startClosed, or it gave up): no reconnect() may ever come', async () => {
    tab('a', { startClosed: true });
    await settle();
    const b = tab('b', { startClosed: true });
    await settle();
    expect(b.socket.state).toBe('closed');
    b.socket.send('x'); // waits in the leader's queue for a reconnect() that may never come
    b.socket.close();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(channels('b')).toBe(0);
  });

  it('close(), reconnect(), close() in one task while open: deliver() resolves, as over HeartbeatSocket', async () => {
    // HeartbeatSocket: written at once, resolves.
    const plain = core();
    plain.ws().serverOpen();
    const coreOutcome = delivered(plain.socket, 'x');
    plain.socket.close();
    plain.socket.reconnect();
    plain.socket.close();
    await settle();
    expect(coreOutcome()).toBe('written');

    const { b, ws } = await pairBeside(plain.ws());
    const outcome = delivered(b.socket, 'x');
    b.socket.close();
    setup.env.as('b', () => b.socket.reconnect());
    b.socket.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(userFrames(ws)).toEqual(['x']);
    expect(outcome()).toBe('written'); // as after a single close()
  });

  it("clearQueue() right after close() (a logout) while open: no 'cleared' drop for a message the server got, and deliver() resolves", async () => {
    // HeartbeatSocket: written at once; clearQueue() after close() finds nothing.
    const plain = core();
    plain.ws().serverOpen();
    const coreOutcome = delivered(plain.socket, 'x');
    plain.socket.close();
    expect(plain.socket.clearQueue()).toBe(0);
    await settle();
    expect([coreOutcome(), plain.drops]).toEqual(['written', []]);

    const { b, ws } = await pairBeside(plain.ws());
    const outcome = delivered(b.socket, 'x');
    b.socket.close();
    b.socket.clearQueue();
    await vi.advanceTimersByTimeAsync(1000);
    expect(userFrames(ws)).toEqual(['x']); // the server got it …
    expect([outcome(), b.drops()]).toEqual(['written', []]); // … so no 'cleared' drop for it
  });

  it('drop-oldest, send() after close(): what the leader holds is not given way here (no message both dropped and sent)', async () => {
    const opts = { maxEnqueuedMessages: 1, queueOverflow: 'drop-oldest' as const };
    tab('a', opts);
    await settle();
    const b = tab('b', opts);
    await settle();
    b.socket.send('x'); // handed to the leader: waits in its queue (not open yet)
    b.socket.close();
    b.socket.send('y'); // queued in the closed tab, for a later reconnect()
    await settle();
    live()[0]!.serverOpen();
    await settle();
    const sent = allFrames();
    const dropped = b.drops().map(([, d]) => d);
    // No message both reported dropped and sent.
    expect(sent.filter((d) => dropped.includes(d))).toEqual([]);
  });

  it("close(), clearQueue(), reconnect() in one task while open: no 'cleared' drop for a message the server got, deliver() resolves", async () => {
    // HeartbeatSocket: x written at once; clearQueue() finds nothing; reconnect() changes nothing of it.
    const plain = core();
    plain.ws().serverOpen();
    const coreOutcome = delivered(plain.socket, 'x');
    plain.socket.close();
    plain.socket.clearQueue();
    plain.socket.reconnect();
    await settle();
    expect([coreOutcome(), plain.drops]).toEqual(['written', []]);

    const { b, ws } = await pairBeside(plain.ws());
    const outcome = delivered(b.socket, 'x');
    b.socket.close();
    b.socket.clearQueue();
    setup.env.as('b', () => b.socket.reconnect());
    await vi.advanceTimersByTimeAsync(1000);
    expect(userFrames(ws)).toEqual(['x']); // the server got it …
    expect([outcome(), b.drops()]).toEqual(['written', []]); // … so no 'cleared' drop for it
  });

  it("close(), clearQueue(), then send(): the message sent after the clear is not dropped as 'cleared', and reconnect() sends it", async () => {
    // HeartbeatSocket: what is sent after clearQueue() waits for reconnect(), and goes out.
    const plain = core();
    plain.socket.send('x');
    plain.socket.close();
    plain.socket.clearQueue();
    plain.socket.send('y');
    plain.socket.reconnect();
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    expect([plain.drops, userFrames(FakeWebSocket.last)]).toEqual([[['cleared', 'x']], ['y']]);

    tab('a');
    await settle();
    const b = tab('b');
    await settle();
    b.socket.send('x'); // the connection is not open: x waits in a's queue, b listens
    b.socket.close();
    await settle();
    expect(channels('b')).toBe(1);
    b.socket.clearQueue(); // the leader is asked to take x back
    b.socket.send('y'); // after the clear: kept here for a later reconnect()
    await settle(); // the leader answers: x 'cleared'; b stops listening
    setup.env.as('b', () => b.socket.reconnect());
    await settle();
    const ws = live().find((w) => w.readyState === 0)!;
    ws.serverOpen();
    await settle();
    expect(b.drops()).toEqual([['cleared', 'x']]);
    expect(userFrames(ws)).toEqual(['y']);
  });

  it('stops listening when its page is frozen (back/forward cache): a frozen page granted the leader lock would hold up the election', async () => {
    const { lifecycle, notify } = pageHooks();
    const a = tab('a');
    await settle();
    const b = tab('b', { lifecycle });
    await settle();
    b.socket.send('x'); // not open: x waits in a's queue
    setup.env.as('b', () => b.socket.close()); // b listens for x's outcome, with a request on the leader lock
    await settle();
    expect(channels('b')).toBe(1);
    const c = tab('c'); // a tab opened since: in line for the lock after b's request
    await settle();
    // b's page goes into the back/forward cache (a joined tab would let go of its locks here).
    notify('freeze');
    await settle();
    // A frozen page runs no callback: a lock granted to it stays held until it is restored.
    for (const req of setup.env.locks.waiting.filter((r) => r.owner === 'b'))
      req.grant = () => void setup.env.locks.held.set(req.name, 'b');
    a.socket.close(); // the leader tab closes: c is next in line to lead
    await vi.advanceTimersByTimeAsync(10_000);
    expect(c.socket.isLeader).toBe(true);
  });

  it('through the page going offline, online and resumed (only a freeze ends it), and leaves no page hook once it stops', async () => {
    const page = pageHooks();
    tab('a');
    await settle();
    const b = tab('b', { lifecycle: page.lifecycle });
    await settle();
    const outcome = delivered(b.socket, 'x'); // not open: x waits in a's queue
    b.socket.close();
    await settle();
    for (const signal of ['offline', 'online', 'resume'] as const) page.notify(signal);
    await settle();
    live()[0]!.serverOpen(); // the leader writes x
    await settle();
    expect([allFrames(), outcome()]).toEqual([['x'], 'written']);
    // Closed and no longer listening: nothing of it stays on the page's lifecycle.
    expect(page.count()).toBe(0);
  });

  it("a tracker that throws: the other messages' outcomes are still told, and the tab stops listening (trackers run guarded, as in HeartbeatSocket)", async () => {
    // HeartbeatSocket: a throwing tracker is logged; the next message's tracker still hears 'written'.
    const logged = captureLogged();
    const plain = new HeartbeatSocket(URL_, [], { WebSocket: FakeWebSocket as never, lifecycle: false });
    setup.made.push(plain);
    const coreSeen: unknown[] = [];
    plain.track('x', () => {
      throw new Error('app bug');
    });
    plain.track('y', (o) => coreSeen.push(o));
    FakeWebSocket.last.serverOpen();
    expect(coreSeen).toEqual(['written']);

    tab('a');
    await settle();
    const b = tab('b');
    await settle();
    const seen: unknown[] = [];
    b.socket.track('x', () => {
      throw new Error('app bug');
    });
    b.socket.track('y', (o) => seen.push(o));
    b.socket.close(); // the leader holds x and y (not open): b listens
    await settle();
    expect(channels('b')).toBe(1);
    const reported = captureReported();
    live()
      .find((w) => w !== FakeWebSocket.instances[0])!
      .serverOpen(); // the leader writes x and y
    await vi.advanceTimersByTimeAsync(1000);
    reported.restore();
    logged.restore();
    expect(allFrames().slice(2)).toEqual(['x', 'y']);
    expect({ thrown: reported.errors.length, seen, channels: channels('b') }).toEqual({
      thrown: 0,
      seen: ['written'],
      channels: 0,
    });
  });

  it('clearQueue() while it listens drops at once what it holds itself (sent after close()), and asks the leader for the rest', async () => {
    const { b } = await pair();
    b.socket.send('x'); // handed: the leader holds it (not open)
    b.socket.close();
    b.socket.send('y'); // after close(): this tab holds it
    await settle();
    expect(b.socket.clearQueue()).toBe(1);
    expect(b.drops()).toEqual([['cleared', 'y']]);
    await settle();
    expect([b.drops(), channels('b')]).toEqual([
      [
        ['cleared', 'y'],
        ['cleared', 'x'],
      ],
      0,
    ]);
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).toEqual([]);
  });

  it('after close(), bounds in bytes what it holds itself, not what its leader holds', async () => {
    const { b } = await pair({ maxEnqueuedBytes: 2, queueOverflow: 'drop-oldest' });
    b.socket.send('x'); // 1 B, handed: the leader's to bound
    b.socket.close();
    b.socket.send('y');
    b.socket.send('z'); // 2 B held here: within the bound
    expect(b.drops()).toEqual([]);
    b.socket.send('w'); // 3 B: the oldest held here gives way, once
    expect(b.drops()).toEqual([['overflow', 'y']]);
  });

  it("untrack() while it listens, of a message its leader holds: not reported 'aborted' while that leader sends it (the leader's, as in a joined follower)", async () => {
    const { b } = await pair();
    const heard: string[] = [];
    const done = (outcome: string) => heard.push(outcome);
    b.socket.track('x', done); // handed to the leader: waits in its queue (not open)
    b.socket.close(); // b listens for x's outcome
    await settle();
    expect(channels('b')).toBe(1);
    const untracked = b.socket.untrack(done);
    live()[0]!.serverOpen(); // the leader writes x
    await settle();
    const sent = allFrames();
    const dropped = b.drops().map(([, d]) => d);
    // Either it is taken back (not sent), or it is the leader's (untrack() false, told 'written'):
    // never reported 'aborted' and sent.
    expect({ untracked, sentAndDropped: sent.filter((d) => dropped.includes(d)), heard }).toEqual({
      untracked: false,
      sentAndDropped: [],
      heard: ['written'],
    });
  });

  it('with an outbox, after its leader handed over: drop-oldest does not give way a message the next leader adopted and sends (no message both dropped and sent)', async () => {
    // An outbox shared by the tabs (as IndexedDB is): what a leader's socket keeps, labelled with
    // its tab and number, until its outcome; a leader that comes next adopts what is left.
    const stored = new Map<Tracker, [Data, OutboxLabel]>();
    const outbox: Outbox = {
      attach: (_socket, hooks) => {
        const left = [...stored.values()];
        stored.clear();
        // After attach() returned (the tab's leader is set then), as IndexedDB answers.
        queueMicrotask(() => {
          for (const [data, label] of left) hooks.adopt!(label, data, false);
          hooks.resume([]);
        });
        return {
          keep(data, done) {
            const label = hooks.label?.(done!);
            const kept: Tracker = (outcome) => {
              stored.delete(kept);
              done?.(outcome);
            };
            if (label) stored.set(kept, [data, label]);
            return kept;
          },
          find: () => undefined,
          letGo: () => {},
        };
      },
    };
    const opts = { maxEnqueuedMessages: 1, queueOverflow: 'drop-oldest' as const, outbox };
    const { a, b } = await pair(opts);
    const c = tab('c', opts);
    await settle();
    b.socket.send('x'); // handed to a: waits in its queue (not open), kept in its outbox
    b.socket.close(); // b listens for x's outcome
    await settle();
    expect(channels('b')).toBe(1);
    a.socket.close(); // a hands over to c, whose outbox adopts x; b stops listening
    await vi.advanceTimersByTimeAsync(10_000);
    expect([c.socket.isLeader, channels('b')]).toEqual([true, 0]);
    b.socket.send('y'); // closed: kept for a later reconnect()
    live()[0]!.serverOpen(); // c's connection: it sends what it adopted
    await settle();
    const sent = allFrames();
    const dropped = b.drops().map(([, d]) => d);
    expect(sent.filter((d) => dropped.includes(d))).toEqual([]);
  });
});

/**
 * SharedHeartbeatSocket's WebSocket surface in every tab: properties, `on…` handlers, binary
 * messages, probe/clearQueue/reconnect from either side, stamps, and argument checks. Same fakes
 * as test/shared.test.ts.
 */
import { expect, it, vi } from 'vitest';
import type { Outbox, OutboxHooks, OutboxLabel } from '../src/index';
import { SharedHeartbeatSocket, type SharedOptions } from '../src/shared/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { captureLogged, captureReported } from './helpers/socket';
import type { Relayed } from '../src/shared/relay';
import { FakeChannel, tabWebSocket, useTabs } from './helpers/tabs';

const URL_ = 'ws://example.test/live';
const setup = useTabs();

const settle = () => vi.advanceTimersByTimeAsync(0);
const live = () => FakeWebSocket.live();

function tab(name: string, options: SharedOptions = {}) {
  const socket = setup.tab(name, options, URL_, 'chat');
  const drops: unknown[] = [];
  socket.addEventListener('drop', (e) => drops.push([e.detail.reason, e.detail.data]));
  return Object.assign(socket, { drops });
}

/** A leader tab `a` and a follower tab `b`, connected. */
async function pair(options: SharedOptions = {}) {
  const a = tab('a', options);
  await settle();
  const b = tab('b', options);
  await settle();
  return { a, b, ws: live()[0]! };
}

it("every tab reads the connection's url, protocol, extensions, retryCount, stats and bufferedAmount", async () => {
  const { a, b, ws } = await pair();
  ws.extensions = 'permessage-deflate';
  ws.serverOpen('chat');
  await settle();
  for (const s of [a, b]) {
    expect([s.url, s.protocol, s.extensions, s.retryCount, s.bufferedAmount]).toEqual([
      URL_,
      'chat',
      'permessage-deflate',
      0,
      0,
    ]);
    expect(s.stats).toMatchObject({ attempts: 1, queued: 0 });
    expect([s.CONNECTING, s.OPEN, s.CLOSING, s.CLOSED, SharedHeartbeatSocket.OPEN]).toEqual([0, 1, 2, 3, 1]);
  }
});

it('the on… handlers run in every tab, before the listeners; a throwing one is reported and breaks nothing', async () => {
  const { a, b, ws } = await pair();
  const calls: string[] = [];
  b.onopen = function (this: SharedHeartbeatSocket) {
    calls.push(this === b ? 'onopen' : 'wrong this');
  };
  b.addEventListener('open', () => calls.push('listener'));
  a.onmessage = () => {
    throw new Error('handler bug');
  };
  const reported = captureReported();
  ws.serverOpen();
  ws.serverMessage('x');
  await settle();
  reported.restore();
  expect(calls).toEqual(['onopen', 'listener']);
  expect(reported.errors).toEqual([new Error('handler bug')]);
  expect([a.state, b.state]).toEqual(['open', 'open']);
});

it("ignores a binaryType other than 'blob' and 'arraybuffer', as WebSocket does", async () => {
  const { a } = await pair();
  a.binaryType = 'arraybuffer';
  a.binaryType = 'bogus' as BinaryType;
  expect(a.binaryType).toBe('arraybuffer');
  a.binaryType = 'blob';
  a.binaryType = 'nodebuffer' as BinaryType;
  expect(a.binaryType).toBe('blob');
});

it('binary messages reach each tab in its own binaryType; error events reach every tab', async () => {
  const { a, b, ws } = await pair();
  b.binaryType = 'arraybuffer';
  expect([a.binaryType, b.binaryType]).toEqual(['blob', 'arraybuffer']);
  const got: unknown[] = [];
  for (const s of [a, b]) s.addEventListener('message', (e) => got.push(e.data));
  const errors: string[] = [];
  for (const s of [a, b]) s.addEventListener('error', (e) => errors.push(e.type));
  ws.serverOpen();
  ws.serverMessage(new Uint8Array([1, 2, 3]).buffer);
  ws.dispatchEvent(new Event('error'));
  await settle();
  expect(
    got.map((d) => (d instanceof Blob ? 'blob' : d instanceof ArrayBuffer ? 'arraybuffer' : typeof d)).sort(),
  ).toEqual(['arraybuffer', 'blob']);
  expect(errors).toEqual(['error', 'error']);
});

it('giveup reaches every tab with its reason and close; error events carry their message', async () => {
  const { a, b, ws } = await pair({ maxRetries: 0 });
  const seen = [a, b].map((s) => {
    const got: unknown[] = [];
    s.addEventListener('giveup', (e) => got.push([e.detail.reason, e.detail.close.code, e.detail.close.reason]));
    s.addEventListener('error', (e) => got.push(['error', (e as ErrorEvent).message]));
    return got;
  });
  ws.serverOpen();
  await settle();
  ws.dispatchEvent(Object.assign(new Event('error'), { error: new Error('boom') }));
  ws.serverClose(4001, 'logged out');
  await settle();
  for (const got of seen) {
    expect(got).toEqual([
      ['error', 'boom'],
      ['maxRetries', 4001, 'logged out'],
    ]);
  }
  expect([a.state, b.state]).toEqual(['closed', 'closed']);
});

it('probe() and reconnect() in either tab act on the one connection', async () => {
  const { a, b, ws } = await pair({ heartbeat: { interval: 60_000, timeout: 1000 } });
  ws.serverOpen();
  await settle();
  b.probe();
  await settle();
  expect(ws.sent).toEqual(['ping']);
  ws.serverMessage('pong');
  a.probe();
  expect(ws.sent).toEqual(['ping', 'ping']);
  a.reconnect(4000, 'fresh');
  expect(ws.closeCalls).toEqual([{ code: 4000, reason: 'fresh' }]);
  // The next attempt waits for the old socket's close (one live connection at the server).
  ws.serverClose(4000, 'fresh');
  await settle();
  expect(live()).toHaveLength(1);
  expect(live()[0]).not.toBe(ws);
  // Without arguments, from a follower: 1000 and no reason, as WebSocket's close().
  const next = live()[0]!;
  next.serverOpen();
  await settle();
  b.reconnect();
  await settle();
  expect(next.closeCalls).toEqual([{ code: 1000, reason: '' }]);
});

it("clearQueue() in any tab clears the leader's queue; each tab gets the drops of its own messages", async () => {
  const { a, b } = await pair();
  a.send('from a');
  b.send('from b');
  await settle();
  b.clearQueue();
  await settle();
  expect([a.drops, b.drops]).toEqual([[['cleared', 'from a']], [['cleared', 'from b']]]);
  a.send('again');
  expect(a.clearQueue()).toBe(1);
  expect(a.drops).toContainEqual(['cleared', 'again']);
});

it('with drop-oldest, the oldest waiting message of the sending tab gives way', async () => {
  const { a, b } = await pair({ maxEnqueuedMessages: 2, queueOverflow: 'drop-oldest' });
  b.send('b1');
  await settle();
  a.send('a1');
  a.send('a2');
  await settle();
  expect([a.drops, b.drops]).toEqual([[], [['overflow', 'b1']]]);
});

it('while no tab leads, sends wait in the tab, bounded, and clearQueue() drops them there', async () => {
  // `b` asks for the lock while `a` holds it and `a`'s channel is gone: no leader answers.
  const a = tab('a', { maxEnqueuedMessages: 2, maxEnqueuedBytes: 10 });
  await settle();
  setup.env.kill('a');
  const b = tab('b', { maxEnqueuedMessages: 2, maxEnqueuedBytes: 10 });
  // Before the lock is granted, b knows no leader.
  b.send('12345');
  expect(b.send('123456')).toBe(false); // 11 bytes in all: over maxEnqueuedBytes
  b.send('x');
  b.send(42 as unknown as string); // not data: sent as a string, over the count bound
  expect(b.bufferedAmount).toBe(6);
  expect(b.drops).toEqual([
    ['overflow', '123456'],
    ['overflow', '42'],
  ]);
  expect(b.clearQueue()).toBe(2);
  expect(b.drops.slice(2)).toEqual([
    ['cleared', '12345'],
    ['cleared', 'x'],
  ]);
  // A message that fills maxEnqueuedBytes exactly still fits.
  b.send('1234567890');
  expect([b.drops.length, b.bufferedAmount]).toEqual([4, 10]);
  void a;
});

it('stamp runs once, in the tab that sends, with its own numbers', async () => {
  const stamp = (data: unknown, seq: number) => `${data}#${seq}`;
  const { a, b, ws } = await pair({ stamp });
  ws.serverOpen();
  await settle();
  a.send('x');
  b.send('y');
  b.send('z');
  await settle();
  expect(ws.sent).toEqual(['x#1', 'y#1', 'z#2']);
});

it('send() returns true only where the message was written now: in the leader tab, while open', async () => {
  const { a, b, ws } = await pair();
  expect(a.isLeader).toBe(true);
  expect(a.send('queued')).toBe(false);
  ws.serverOpen();
  await settle();
  expect(a.send('now')).toBe(true);
  expect(b.send('relayed')).toBe(false);
  await settle();
  expect(ws.sent).toEqual(['queued', 'now', 'relayed']);
});

it('a stamp that throws is logged, and the message goes out as given', async () => {
  const logged = captureLogged();
  try {
    const boom = new Error('no id');
    const { a, ws } = await pair({
      stamp: () => {
        throw boom;
      },
    });
    ws.serverOpen();
    await settle();
    expect(() => a.send('plain')).not.toThrow();
    await settle();
    expect(ws.sent).toEqual(['plain']);
    expect(logged.errors).toEqual([boom]);
  } finally {
    logged.restore();
  }
});

it('close() and reconnect() check code and reason as WebSocket does', async () => {
  const { a } = await pair();
  expect(() => a.close(1001)).toThrow(/close code must be 1000 or 3000-4999/);
  expect(() => a.reconnect(1000, 'x'.repeat(124))).toThrow(SyntaxError);
});

it("option outbox: the leader's socket keeps every tab's messages, labelled with tab and number; handing over lets go of them, and the next leader sends what it adopts once", async () => {
  const kept: [unknown, OutboxLabel | undefined][] = [];
  const hooks: OutboxHooks[] = [];
  let released = 0;
  const outbox: Outbox = {
    attach: (_socket, given) => {
      hooks.push(given);
      given.resume([]);
      return {
        keep: (data, done) => (kept.push([data, given.label?.(done!)]), done!),
        find: () => undefined,
        letGo: () => void released++,
      };
    },
  };
  const { a, b, ws } = await pair({ outbox, heartbeat: false });
  b.send('b1');
  a.send('a1');
  b.send('b2');
  await settle();
  // A follower's sends reach the leader at the end of their task.
  expect(kept.map(([data, label]) => [data, label?.[1]])).toEqual([
    ['a1', 1],
    ['b1', 1],
    ['b2', 2],
  ]);
  const [a1, b1, b2] = kept.map(([, label]) => label!);
  expect(b2![0]).toBe(b1![0]);
  expect(a1![0]).not.toBe(b1![0]);

  a.close();
  ws.serverClose(1000, '');
  await settle();
  expect([released, b.isLeader, hooks.length]).toEqual([1, true, 2]);
  // What a's outbox kept, as the new leader's outbox reads it: b handed b1 over again already.
  hooks[1]!.adopt!(a1!, 'a1', false);
  hooks[1]!.adopt!(b1!, 'b1', false);
  // Past maxAge: a's (a tab that left) is told here, in the leader tab; b's own only as b's own.
  hooks[1]!.adopt!([a1![0], 2], 'a2', 'expired');
  hooks[1]!.adopt!([b1![0], 3], 'b3', 'expired');
  live()[0]!.serverOpen();
  await settle();
  expect(live()[0]!.sent).toEqual(['b1', 'b2', 'a1']);
  expect(b.drops).toEqual([['expired', 'a2']]);
});

it('option outbox: an outbox without letGo() (one of your own) is handed over all the same', async () => {
  const outbox: Outbox = {
    attach: (_socket, hooks) => (hooks.resume([]), { keep: (_data, done) => done!, find: () => undefined }),
  };
  const { a, b, ws } = await pair({ outbox, heartbeat: false });
  const reported = captureReported();
  a.close();
  ws.serverClose(1000, '');
  await settle();
  reported.restore();
  expect(reported.errors).toEqual([]);
  expect([a.state, b.isLeader]).toEqual(['closed', true]);
});

it('startClosed: no connection until reconnect() in any tab; a tab that left and comes back with reconnect() starts it', async () => {
  const { a, b } = await pair({ startClosed: true });
  expect(live()).toHaveLength(0);
  expect([a.state, b.state]).toEqual(['closed', 'closed']);
  b.close();
  await settle();
  b.reconnect();
  await settle();
  expect(live()).toHaveLength(1);
  live()[0]!.serverOpen();
  await settle();
  expect([a.state, b.state]).toEqual(['open', 'open']);
  expect(await b.countTabs()).toBe(2);
});

it('a reconnect() asked before any leader is known is carried out by the first one', async () => {
  const a = tab('a');
  a.reconnect(4001, 'now');
  await settle();
  // The attempt let go of while CONNECTING is not aborted but closed once it opens (plainly:
  // the code was meant for a connection, and it never was one), and the next attempt waits for
  // its close (one live connection at the server).
  const first = FakeWebSocket.instances[0]!;
  expect(first.closeCalls).toEqual([]);
  first.serverOpen();
  await settle();
  expect(first.closeCalls).toEqual([{ code: undefined, reason: undefined }]);
  first.serverClose(4001, 'now');
  await settle();
  expect(live()).toHaveLength(1);
  expect(FakeWebSocket.instances).toHaveLength(2);
});

/** Listens on the tabs' channel as one more tab would, and can post into it. */
function eavesdrop() {
  const spy = new FakeChannel(`heartbeat-ws ${URL_}`);
  const heard: Relayed[] = [];
  spy.onmessage = (e) => heard.push(e.data as Relayed);
  return { spy, heard };
}

it('a late event of a leader that is gone is not delivered; an event of a leader not yet announced is', async () => {
  const { spy, heard } = eavesdrop();
  const { a, b, ws } = await pair();
  const c = tab('c');
  await settle();
  ws.serverOpen();
  await settle();
  const old = heard.find((m) => m.k === 'lead') as Extract<Relayed, { k: 'lead' }>;
  setup.env.kill('a');
  await settle();
  live()[0]!.serverOpen();
  await settle();
  // b leads now; c follows it.
  expect([b.isLeader, c.isLeader]).toEqual([true, false]);
  const got: unknown[] = [];
  b.addEventListener('message', (e) => got.push(e.data));
  const opens: Event[] = [];
  b.addEventListener('open', (e) => opens.push(e));
  const inC: unknown[] = [];
  c.addEventListener('message', (e) => inC.push(e.data));
  spy.postMessage({ k: 'ev', l: old.l, type: 'message', init: { data: 'stale' }, s: old.s });
  spy.postMessage({ k: 'lead', l: old.l, s: { ...old.s, state: 'closed' } });
  await settle();
  expect([got, b.state]).toEqual([[], 'open']);
  // The follower too stays with the live leader: its messages still reach it.
  live()[0]!.serverMessage('live');
  await settle();
  expect([inC, c.state]).toEqual([['live'], 'open']);
  got.length = 0;
  // A leader b has not heard announce itself yet: followed from its first event on.
  spy.postMessage({ k: 'ev', l: 'next', type: 'open', init: {}, s: { ...old.s, state: 'open' } });
  spy.postMessage({ k: 'ev', l: 'next', type: 'message', init: { data: 'fresh' }, s: { ...old.s, state: 'open' } });
  await settle();
  expect(got).toEqual(['fresh']);
  expect(opens).toEqual([]); // it was open already: no second open
  void a;
  spy.close();
});

it('a tab that left and rejoins a running connection does not reconnect it', async () => {
  const { b, ws } = await pair();
  ws.serverOpen();
  await settle();
  b.close();
  await settle();
  expect(b.state).toBe('closed');
  b.reconnect();
  await settle();
  expect(b.state).toBe('open');
  expect(FakeWebSocket.instances).toEqual([ws]);
});

it('with the default options, the page hooks work: bfcache hands over, and online reaches the leader', async () => {
  vi.stubGlobal('WebSocket', tabWebSocket('a'));
  const a = setup.env.as('a', () => new SharedHeartbeatSocket(URL_));
  setup.made.push(a);
  await settle();
  const b = tab('b');
  await settle();
  live()[0]!.serverOpen();
  await settle();
  expect(a.isLeader).toBe(true);
  window.dispatchEvent(new Event('online'));
  await settle();
  // Only a page going into the cache lets go: online (and resume) leave the tab as it is.
  expect([a.isLeader, a.state, live()]).toEqual([true, 'open', [FakeWebSocket.instances[0]]]);
  window.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true }));
  await settle();
  // `a` lets go of everything; `b` (lifecycle: false) takes over.
  expect([a.isLeader, b.isLeader, a.state]).toEqual([false, true, 'reconnecting']);
  expect(await b.countTabs()).toBe(1);
  window.dispatchEvent(new Event('pageshow')); // not from the cache: nothing to rejoin
  await settle();
  expect(await b.countTabs()).toBe(1);
  window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
  await settle();
  expect([a.isLeader, await b.countTabs()]).toEqual([false, 2]);
  vi.unstubAllGlobals();
});

it('without sharing, the back/forward cache is left to the tab’s own HeartbeatSocket', async () => {
  delete (navigator as { locks?: unknown }).locks;
  const hooks = new Set<(s: 'freeze' | 'restore') => void>();
  const a = tab('a', {
    lifecycle: (n) => {
      hooks.add(n);
      return () => hooks.delete(n);
    },
  });
  live()[0]!.serverOpen();
  await settle();
  const closes: number[] = [];
  a.addEventListener('close', (e) => closes.push(e.code));
  const changes: unknown[] = [];
  a.addEventListener('leaderchange', (e) => changes.push(e.detail));
  hooks.forEach((n) => n('freeze'));
  await settle();
  expect([a.state, closes, live()]).toEqual(['reconnecting', [1001], []]);
  // Still its own connection's holder: isLeader is always true where tabs cannot share.
  expect([a.isLeader, changes]).toEqual([true, []]);
  // The socket let go of finishes its closing handshake (the next attempt waits for it).
  FakeWebSocket.instances[0]!.serverClose(1000, 'page hidden');
  hooks.forEach((n) => n('restore'));
  await settle();
  expect(live()).toHaveLength(1);
});

it('where CloseEvent is missing, close events are Events with the same fields', async () => {
  const { b } = await pair();
  vi.stubGlobal('CloseEvent', undefined);
  const closes: CloseEvent[] = [];
  b.addEventListener('close', (e) => closes.push(e));
  b.close(4000, 'done');
  await settle();
  vi.unstubAllGlobals();
  expect(closes.map((e) => [e.type, e.code, e.reason, e.wasClean])).toEqual([['close', 4000, 'done', true]]);
});

it('replay-buffer overflow fires drop (unconfirmed) in the tab that sent it', async () => {
  const { a, b, ws } = await pair({
    heartbeat: { interval: 60_000, timeout: 1000 },
    replayUnconfirmed: true,
    maxEnqueuedMessages: 2,
  });
  ws.serverOpen();
  await settle();
  b.send('1');
  b.send('2');
  await settle();
  a.send('3');
  await settle();
  expect([a.drops, b.drops]).toEqual([[], [['unconfirmed', '1']]]);
});

it('probe() while no tab leads does nothing', async () => {
  tab('a');
  await settle();
  setup.env.kill('a');
  const b = tab('b');
  // What it reads before any leader answered: an empty protocol and extensions, zero counters.
  expect([b.protocol, b.extensions, b.stats]).toEqual([
    '',
    '',
    {
      attempts: 0,
      reconnects: 0,
      lastRtt: -1,
      averageRtt: -1,
      uptime: 0,
      queued: 0,
      queuedBytes: 0,
      dropped: 0,
      unconfirmed: 0,
    },
  ]);
  b.send('waiting');
  b.probe();
  expect(b.drops).toEqual([]);
  expect(b.clearQueue()).toBe(1);
});

it.each([false, true])(
  "track() in a follower: done hears 'written' once the message left the leader's socket, 'confirmed' by a pong with replayUnconfirmed (%s)",
  async (replayUnconfirmed) => {
    const { b, ws } = await pair({ heartbeat: { interval: 1000, timeout: 500 }, replayUnconfirmed });
    ws.serverOpen();
    await settle();
    const heard: string[] = [];
    expect(b.track('x', (r) => heard.push(r))).toBe(false);
    await settle();
    expect(ws.sent).toEqual(['x']);
    if (replayUnconfirmed) {
      expect(heard).toEqual([]);
      await vi.advanceTimersByTimeAsync(1000);
      ws.serverMessage('pong');
      await settle();
    }
    expect(heard).toEqual([replayUnconfirmed ? 'confirmed' : 'written']);
  },
);

it("untrack() in a tab that knows no leader drops its message (aborted); in the leading tab, from its socket's queue; once another tab's leader took it, it is that leader's", async () => {
  tab('a');
  await settle();
  setup.env.kill('a');
  const b = tab('b');
  const heard: string[] = [];
  const done = (r: string) => heard.push(r);
  b.track('gone', done);
  b.send('kept');
  expect(b.untrack(done)).toBe(true);
  expect(b.untrack(done)).toBe(false);
  expect([b.drops, heard]).toEqual([[['aborted', 'gone']], ['aborted']]);
  await settle();
  // b leads now: its message is in its own socket's queue, and comes out of it.
  expect(b.isLeader).toBe(true);
  const late = (r: string) => heard.push(`late ${r}`);
  b.track('late', late);
  expect(b.untrack(late)).toBe(true);
  await settle();
  expect([b.drops, heard]).toEqual([
    [
      ['aborted', 'gone'],
      ['aborted', 'late'],
    ],
    ['aborted', 'late aborted'],
  ]);
  // c follows b: what c handed over is b's to send.
  const c = tab('c');
  await settle();
  const handed = (r: string) => heard.push(`handed ${r}`);
  c.track('handed', handed);
  await settle();
  expect(c.untrack(handed)).toBe(false);
  live()[0]!.serverOpen();
  await settle();
  expect(live()[0]!.sent).toEqual(['kept', 'handed']);
  expect(c.drops).toEqual([]);
});

it('track(), untrack() and intercept() in a tab refuse a handle that is not a function; untrack() of nothing takes no plain message', async () => {
  tab('a');
  await settle();
  setup.env.kill('a');
  const b = tab('b');
  b.send('plain');
  for (const bad of [undefined, null, 'done'] as never[]) {
    expect(() => b.untrack(bad)).toThrow(TypeError);
    expect(() => b.untrack(bad)).toThrow(/^heartbeat-ws: done must be a function, got /);
    expect(() => b.track('x', bad)).toThrow(/^heartbeat-ws: done must be a function, got /);
    expect(() => b.intercept(bad)).toThrow(/^heartbeat-ws: interceptor must be a function, got /);
  }
  expect(b.drops).toEqual([]);
  await settle();
  live()[0]!.serverOpen();
  await settle();
  expect(live()[0]!.sent).toEqual(['plain']);
});

it("intercept() in a follower keeps what it takes from that tab's listeners only, until removed", async () => {
  const { a, b, ws } = await pair();
  ws.serverOpen();
  await settle();
  const got = { a: [] as unknown[], b: [] as unknown[] };
  a.addEventListener('message', (e) => got.a.push(e.data));
  b.addEventListener('message', (e) => got.b.push(e.data));
  const remove = b.intercept((data) => data === 'mine');
  ws.serverMessage('mine');
  ws.serverMessage('yours');
  await settle();
  remove();
  ws.serverMessage('mine');
  await settle();
  expect(got).toEqual({ a: ['mine', 'yours', 'mine'], b: ['yours', 'mine'] });
});

/** heartbeat-ws/react's hook (src/react/index.ts finds it by this key). */
const hook = (s: SharedHeartbeatSocket, what: 'start' | 'clear') =>
  (s as unknown as Record<symbol, (w: string) => number | void>)[Symbol.for('heartbeat-ws hook')]!(what);

it("the react hook's start connects a closed connection only, from a follower too, and joins a tab that left", async () => {
  const { a, b } = await pair({ startClosed: true });
  hook(b, 'start');
  await settle();
  expect(FakeWebSocket.instances).toHaveLength(1);
  const ws = live()[0]!;
  ws.serverOpen();
  await settle();
  hook(b, 'start');
  hook(a, 'start');
  await settle();
  expect([FakeWebSocket.instances, a.state, b.state]).toEqual([[ws], 'open', 'open']);
  b.close();
  await settle();
  hook(b, 'start');
  await settle();
  expect([FakeWebSocket.instances, b.state]).toEqual([[ws], 'open']);
});

it("the react hook's clear drops this tab's messages alone, in a follower and in the leader", async () => {
  const { a, b } = await pair();
  a.send('a1');
  b.send('b1');
  b.send('b2');
  await settle();
  expect(hook(b, 'clear')).toBe(2);
  await settle();
  expect([a.drops, b.drops]).toEqual([
    [],
    [
      ['cleared', 'b1'],
      ['cleared', 'b2'],
    ],
  ]);
  b.send('b3');
  await settle();
  expect(hook(a, 'clear')).toBe(1);
  await settle();
  live()[0]!.serverOpen();
  await settle();
  expect(live()[0]!.sent).toEqual(['b3']);
  expect(a.drops).toEqual([['cleared', 'a1']]);
});

it('readyState reads as WebSocket’s in every state: connecting and reconnecting 0, open 1, closing 2, closed 3', async () => {
  const { a, b, ws } = await pair({ minReconnectionDelay: 1000, jitter: 0 });
  const seen = () => [a.state, a.readyState, b.state, b.readyState];
  expect(seen()).toEqual(['connecting', 0, 'connecting', 0]);
  ws.serverOpen();
  await settle();
  expect(seen()).toEqual(['open', 1, 'open', 1]);
  ws.serverClose(4000, 'later');
  await settle();
  expect(seen()).toEqual(['reconnecting', 0, 'reconnecting', 0]);
  await vi.advanceTimersByTimeAsync(1000);
  const next = live()[0]!;
  next.serverOpen();
  await settle();
  a.close();
  expect([a.state, a.readyState]).toEqual(['closing', 2]);
  next.serverClose(1000, '');
  await settle();
  expect([a.state, a.readyState]).toEqual(['closed', 3]);
});

it('what the channel carries for another term or another tab changes nothing here: no send, reconnect, clear, drop or bufferedAmount', async () => {
  const { spy, heard } = eavesdrop();
  const { a, b, ws } = await pair({ minReconnectionDelay: 1000, jitter: 0 });
  const term = (heard.find((m) => m.k === 'lead') as Extract<Relayed, { k: 'lead' }>).l;
  a.send('a1');
  b.send('b1');
  await settle();
  // From a tab the discard below does not name: only the term keeps it out.
  spy.postMessage({ k: 'send', to: 'another term', from: 'stranger', n: 1, data: ['stray'] });
  spy.postMessage({ k: 'do', to: 'another term', what: 'reconnect', code: 4000, reason: 'no' });
  spy.postMessage({ k: 'do', to: 'another term', what: 'clear', from: 'spy' });
  // A discard of another tab's messages, to this term: only that tab's go.
  spy.postMessage({ k: 'do', to: term, what: 'discard', from: 'spy', n: 9 });
  spy.postMessage({ k: 'drop', to: 'spy', n: 1, reason: 'overflow' });
  spy.postMessage({ k: 'settled', l: 'another term', marks: {}, b: 999 });
  await settle();
  expect([a.drops, b.drops, b.bufferedAmount < 999]).toEqual([[], [], true]);
  ws.serverOpen();
  await settle();
  expect([ws.sent, ws.closeCalls]).toEqual([['a1', 'b1'], []]);
  spy.close();
});

it('a reconnect(code, reason) asked in a tab before it hears of the open connection closes it with them', async () => {
  const { ws } = await pair();
  ws.serverOpen();
  await settle();
  const c = tab('c');
  c.reconnect(4001, 'now');
  await settle();
  expect(ws.closeCalls).toEqual([{ code: 4001, reason: 'now' }]);
});

it("a follower's probe() before a failover does not cost it its waiting messages", async () => {
  const { b } = await pair();
  b.send('waiting');
  await settle();
  b.probe();
  await settle();
  setup.env.kill('a');
  await settle();
  expect(b.isLeader).toBe(true);
  live()[0]!.serverOpen();
  await settle();
  expect([b.drops, live()[0]!.sent]).toEqual([[], ['waiting']]);
});

it('statechange fires in every tab once per change of the state it reads, before the open or close of that change', async () => {
  const { a, b, ws } = await pair({ minReconnectionDelay: 1000, jitter: 0 });
  const seen = [a, b].map((s) => {
    const got: string[] = [];
    s.addEventListener('statechange', (e) => got.push(`${e.detail.previous} > ${e.detail.state} (${s.state})`));
    s.addEventListener('open', () => got.push('open'));
    s.addEventListener('close', () => got.push('close'));
    return got;
  });
  ws.serverOpen();
  await settle();
  ws.serverClose(4000, 'later');
  await settle();
  await vi.advanceTimersByTimeAsync(1000);
  for (const got of seen) {
    expect(got).toEqual([
      'connecting > open (open)',
      'open',
      'open > reconnecting (reconnecting)',
      'close',
      'reconnecting > connecting (connecting)',
    ]);
  }
});

it('a tab that joins as the connection opens gets open and the messages that follow at once', async () => {
  const a = tab('a');
  await settle();
  const ws = live()[0]!;
  const b = tab('b');
  const got: unknown[] = [];
  const opens: Event[] = [];
  b.addEventListener('message', (e) => got.push(e.data));
  b.addEventListener('open', (e) => opens.push(e));
  // In the task b joins in, before the leader heard its hello: b hears of the term by this event first.
  ws.serverOpen();
  ws.serverMessage('first');
  await settle();
  expect([b.state, opens.length, got]).toEqual(['open', 1, ['first']]);
  void a;
});

it('an error (or heartbeat) event in a follower does not end the connection it sees open: a tab joining later brings no second open', async () => {
  const { b, ws } = await pair();
  ws.serverOpen();
  await settle();
  const seen: string[] = [];
  for (const type of ['open', 'close', 'error']) b.addEventListener(type, () => seen.push(type));
  ws.dispatchEvent(new Event('error'));
  await settle();
  // Its hello is answered to every tab with the leader's state: open, as b saw it.
  tab('c');
  await settle();
  expect([seen, b.state]).toEqual([['error'], 'open']);
});

it("a leader tab that closes from a drop listener while it takes another tab's messages: no error, and the next leader sends them", async () => {
  const { a, b } = await pair({ maxEnqueuedMessages: 2, queueOverflow: 'drop-oldest' });
  // The connection is down: they wait in the leader's queue, and fill it.
  a.send('a1');
  a.send('a2');
  // The first of b's messages pushes a1 out; a's drop listener closes a, before b's second is taken.
  a.addEventListener('drop', () => a.close());
  const reported = captureReported();
  b.send('b1');
  b.send('b2');
  await settle();
  reported.restore();
  expect(reported.errors).toEqual([]);
  // Its attempt, let go of while connecting, holds the handover 1 s at most.
  await vi.advanceTimersByTimeAsync(1000);
  expect([a.drops, a.state, b.isLeader]).toEqual([[['overflow', 'a1']], 'closed', true]);
  live().at(-1)!.serverOpen();
  await settle();
  expect(live().at(-1)!.sent).toEqual(['b1', 'b2']);
});

it('close() of a tab already closed, or closing, does nothing more: no statechange, no second close event', async () => {
  const { a, b } = await pair();
  const seen = [a, b].map((s) => {
    const got: string[] = [];
    s.addEventListener('statechange', (e) => got.push(e.detail.state));
    s.addEventListener('close', () => got.push('close'));
    return got;
  });
  b.close();
  b.close();
  await settle();
  b.close();
  await settle();
  // The leader's socket is still connecting: its handover waits for it (1 s at most).
  a.close();
  a.close();
  await vi.advanceTimersByTimeAsync(1000);
  a.close();
  await settle();
  expect(seen).toEqual([
    ['closing', 'closed', 'close'],
    ['closing', 'closed', 'close'],
  ]);
});

it('close() of a tab whose connection is closed (startClosed) fires no close event: there was no connection to close', async () => {
  const { a, b } = await pair({ startClosed: true });
  const closes: Event[] = [];
  for (const s of [a, b]) s.addEventListener('close', (e) => closes.push(e));
  b.close();
  a.close();
  await settle();
  expect([a.state, b.state, closes]).toEqual(['closed', 'closed', []]);
});

it("the react hook's start asked before the tab hears of a leader: it starts a closed connection, and leaves an open one alone", async () => {
  const a = tab('a', { startClosed: true });
  await settle();
  // A component mounts with a socket just made: no leader answered yet.
  const b = tab('b', { startClosed: true });
  hook(b, 'start');
  await settle();
  expect(FakeWebSocket.instances).toHaveLength(1);
  const ws = live()[0]!;
  ws.serverOpen();
  await settle();
  const c = tab('c', { startClosed: true });
  hook(c, 'start');
  await settle();
  expect([FakeWebSocket.instances, ws.closeCalls, c.state]).toEqual([[ws], [], 'open']);
  void a;
});

it("the react hook's start in a follower that has not heard yet that the connection opened leaves it open", async () => {
  const a = tab('a', { startClosed: true });
  await settle();
  const b = tab('b', { startClosed: true });
  const c = tab('c', { startClosed: true });
  await settle();
  b.reconnect();
  await Promise.resolve(); // the leader has b's reconnect: it connects
  const ws = live()[0]!;
  ws.serverOpen();
  // c has not heard of it yet: it reads the connection closed, and asks the leader to start it.
  expect(c.state).toBe('closed');
  hook(c, 'start');
  await settle();
  expect([ws.closeCalls, FakeWebSocket.instances, [a.state, b.state, c.state]]).toEqual([
    [],
    [ws],
    ['open', 'open', 'open'],
  ]);
});

it('a tab that joins an open connection gets open before any message: one the leader receives before it answered the tab is not that tab’s', async () => {
  const { ws } = await pair();
  ws.serverOpen();
  await settle();
  const c = tab('c');
  const seen: string[] = [];
  c.addEventListener('open', () => seen.push('open'));
  c.addEventListener('message', (e) => seen.push(`message ${e.data}`));
  ws.serverMessage('before its hello was answered');
  await settle();
  ws.serverMessage('after');
  await settle();
  expect(seen).toEqual(['open', 'message after']);
});

it('a custom lifecycle that returns no uninstaller is a TypeError naming it, from the constructor, shared or not', async () => {
  const forgot = (() => undefined) as unknown as SharedOptions['lifecycle'];
  expect(() => tab('a', { lifecycle: forgot })).toThrow(
    /options\.lifecycle's return must be a function, got undefined/,
  );
  // Where tabs cannot share (no BroadcastChannel), the tab's own HeartbeatSocket says the same.
  vi.stubGlobal('BroadcastChannel', undefined);
  expect(() => tab('b', { lifecycle: forgot })).toThrow(/options\.lifecycle's return must be a function/);
  vi.unstubAllGlobals();
  await settle();
  expect(live()).toHaveLength(0);
});

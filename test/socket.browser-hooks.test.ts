import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LifecycleSignal } from '../src/env/lifecycle';
import { HeartbeatSocket } from '../src/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { makeSocket } from './helpers/socket';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const hb = { interval: 1000, timeout: 5000, probeTimeout: 300 };
const fire = (target: EventTarget, type: string) => target.dispatchEvent(new Event(type));
const pageTransition = (type: 'pagehide' | 'pageshow', persisted: boolean) =>
  window.dispatchEvent(new PageTransitionEvent(type, { persisted }));

describe('sleep and wake', () => {
  it('probes at once when a timer fires far later than scheduled, and holds sends until the answer', async () => {
    const { socket, ofType } = makeSocket({ heartbeat: hb });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    // The laptop sleeps for a minute: the clock jumps, no timer ran meanwhile.
    vi.setSystemTime(Date.now() + 60_000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ws.sent).toEqual(['ping']);
    socket.send('typed right after wake');
    expect(ws.sent).toEqual(['ping']);
    expect(socket.bufferedAmount).toBe(22);
    await vi.advanceTimersByTimeAsync(50);
    ws.serverMessage('pong');
    expect(ws.sent).toEqual(['ping', 'typed right after wake']);
    expect(ofType<CustomEvent>('heartbeat')[0]?.detail).toEqual({ rtt: 50 });
    expect(ofType('close')).toHaveLength(0);
  });

  it('replaces a link that died during sleep within probeTimeout, delivering what was held', async () => {
    const { socket, ofType } = makeSocket({ heartbeat: hb, random: () => 0 });
    const dead = FakeWebSocket.last;
    dead.serverOpen();
    vi.setSystemTime(Date.now() + 60_000);
    await vi.advanceTimersByTimeAsync(1000);
    socket.send('held');
    await vi.advanceTimersByTimeAsync(299);
    expect(ofType('close')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ofType<CloseEvent>('close')[0]?.reason).toBe('heartbeat timeout');
    expect(dead.sent).toEqual(['ping']);
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual(['held']);
  });

  it('does not declare a link dead because the deadline passed while asleep', async () => {
    const { ofType } = makeSocket({ heartbeat: hb });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    await vi.advanceTimersByTimeAsync(1000); // ping outstanding
    vi.setSystemTime(Date.now() + 60_000);
    await vi.advanceTimersByTimeAsync(5000);
    // Woken: a fresh probe instead of a verdict on the pre-sleep ping.
    expect(ofType('close')).toHaveLength(0);
    expect(ws.sent).toEqual(['ping', 'ping']);
    ws.serverMessage('pong');
    await vi.advanceTimersByTimeAsync(1000);
    expect(ofType('close')).toHaveLength(0);
  });
});

describe('visibility and resume', () => {
  it.each([
    ['visibilitychange to visible', () => fire(document, 'visibilitychange')],
    ['resume', () => fire(document, 'resume')],
    ['pageshow', () => pageTransition('pageshow', false)],
  ])('probes an open link at once on %s', async (_, trigger) => {
    const { socket } = makeSocket({ heartbeat: hb });
    FakeWebSocket.last.serverOpen();
    trigger();
    expect(FakeWebSocket.last.sent).toEqual(['ping']);
    socket.send('after resume');
    FakeWebSocket.last.serverMessage('pong');
    expect(FakeWebSocket.last.sent).toEqual(['ping', 'after resume']);
  });

  it('calls probe() through the socket, so an override of it is the one that runs', () => {
    const { socket } = makeSocket({ heartbeat: hb });
    const probe = vi.spyOn(socket, 'probe');
    FakeWebSocket.last.serverOpen();
    fire(document, 'resume');
    expect(probe).toHaveBeenCalledOnce();
  });

  it('does nothing on visibilitychange to hidden', () => {
    const { socket } = makeSocket({ heartbeat: hb });
    FakeWebSocket.last.serverOpen();
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    fire(document, 'visibilitychange');
    expect(FakeWebSocket.last.sent).toEqual([]);
    socket.send('x');
    expect(FakeWebSocket.last.sent).toEqual(['x']);
  });

  it('tries now instead of waiting out the backoff when the page becomes visible', async () => {
    const { socket } = makeSocket({ minReconnectionDelay: 20_000, random: () => 0 });
    FakeWebSocket.last.serverError();
    expect(socket.state).toBe('reconnecting');
    fire(document, 'visibilitychange');
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(socket.state).toBe('connecting');
  });

  it('tries now on resume but keeps counting the failed attempts: the backoff goes on', () => {
    const { socket, ofType } = makeSocket({ minReconnectionDelay: 20_000, random: () => 0 });
    FakeWebSocket.last.serverError();
    fire(document, 'visibilitychange');
    FakeWebSocket.last.serverError();
    expect(ofType<CustomEvent>('reconnecting').map((e) => e.detail.attempt)).toEqual([1, 2]);
    expect(socket.retryCount).toBe(2);
  });

  it('starts no second attempt when the page becomes visible or online while one is under way', () => {
    makeSocket();
    fire(document, 'visibilitychange');
    fire(window, 'online');
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('without a heartbeat, resume leaves an open connection alone', () => {
    const { socket } = makeSocket();
    FakeWebSocket.last.serverOpen();
    fire(document, 'visibilitychange');
    socket.send('x');
    expect(FakeWebSocket.last.sent).toEqual(['x']);
  });
});

describe('online and offline', () => {
  it('burns no attempts while offline and reconnects at once with the backoff reset on online', async () => {
    const { socket, ofType } = makeSocket({ random: () => 0, maxRetries: 3 });
    FakeWebSocket.last.serverError();
    expect(socket.retryCount).toBe(1);
    fire(window, 'offline');
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(30_000);
      FakeWebSocket.last.serverError();
    }
    expect(socket.retryCount).toBe(1);
    expect(socket.state).toBe('reconnecting');
    // Offline retries are not counted (attempt 0) and wait at the cap.
    expect(
      ofType<CustomEvent>('reconnecting')
        .slice(1)
        .map((e) => e.detail),
    ).toEqual(Array.from({ length: 10 }, () => ({ attempt: 0, delay: 30_000 })));
    const before = FakeWebSocket.instances.length;
    fire(window, 'online');
    expect(FakeWebSocket.instances).toHaveLength(before + 1);
    expect(socket.retryCount).toBe(0);
    FakeWebSocket.last.serverOpen();
    expect(socket.readyState).toBe(HeartbeatSocket.OPEN);
  });

  it('waits out the backoff when offline comes; online tries at once, and a failure then counts from attempt 1 again', () => {
    const { ofType } = makeSocket({ random: () => 0 });
    FakeWebSocket.last.serverError();
    fire(window, 'offline');
    expect(FakeWebSocket.instances).toHaveLength(1);
    fire(window, 'online');
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.serverError();
    expect(ofType<CustomEvent>('reconnecting').map((e) => e.detail)).toEqual([
      { attempt: 1, delay: 1000 },
      { attempt: 1, delay: 1000 },
    ]);
  });

  it('lets a connection that works win over an offline hint', async () => {
    const { socket } = makeSocket({ heartbeat: hb });
    fire(window, 'offline');
    FakeWebSocket.last.serverOpen();
    expect(socket.readyState).toBe(HeartbeatSocket.OPEN);
    // Offline while open: a probe, and the answer keeps the connection.
    fire(window, 'offline');
    expect(FakeWebSocket.last.sent).toEqual(['ping']);
    FakeWebSocket.last.serverMessage('pong');
    await vi.advanceTimersByTimeAsync(900); // well past probeTimeout
    expect(socket.readyState).toBe(HeartbeatSocket.OPEN);
  });

  it.each([
    ['minReconnectionDelay: 0 (retry at once)', { minReconnectionDelay: 0 }],
    ['reconnectionDelayGrowFactor: 1 (a constant backoff)', { reconnectionDelayGrowFactor: 1 }],
  ])('offline with %s, waits maxReconnectionDelay between attempts, not less', async (_, options) => {
    const { ofType } = makeSocket({ ...options, random: () => 0 });
    fire(window, 'offline');
    FakeWebSocket.last.serverError();
    // No new attempt before the cap, however often one would fail.
    await vi.advanceTimersByTimeAsync(30_000 - 1);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(ofType<CustomEvent>('reconnecting').map((e) => e.detail)).toEqual([{ attempt: 0, delay: 30_000 }]);
  });

  it('starts offline when navigator.onLine is false', async () => {
    vi.spyOn(Navigator.prototype, 'onLine', 'get').mockReturnValue(false);
    const { socket, ofType } = makeSocket({ random: () => 0 });
    FakeWebSocket.last.serverError();
    expect(ofType<CustomEvent>('reconnecting')[0]?.detail).toEqual({ attempt: 0, delay: 30_000 });
    expect(socket.retryCount).toBe(0);
  });
});

describe('back/forward cache', () => {
  it('lets go of the connection on pagehide (persisted) and connects again on pageshow (persisted), queue kept', async () => {
    const { socket, ofType } = makeSocket({ heartbeat: hb });
    const first = FakeWebSocket.last;
    first.serverOpen();
    pageTransition('pagehide', true);
    expect(first.closeCalls).toEqual([{ code: 1000, reason: 'page hidden' }]);
    expect(ofType<CloseEvent>('close')[0]).toMatchObject({ code: 1001, reason: 'page hidden' });
    expect(vi.getTimerCount()).toBe(0);
    socket.send('while cached');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    // Its closing handshake ended while the page was cached.
    first.serverClose(1000, 'page hidden', true);
    pageTransition('pageshow', true);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual(['while cached']);
  });

  it('a restore it did not freeze for neither probes an open link nor cuts a backoff short', () => {
    makeSocket({ heartbeat: hb, random: () => 0 });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    pageTransition('pageshow', true);
    expect(ws.sent).toEqual([]);
    ws.serverClose(1006);
    pageTransition('pageshow', true);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('ignores a pagehide that is a real unload, and a restore it did not freeze for', () => {
    makeSocket();
    FakeWebSocket.last.serverOpen();
    pageTransition('pagehide', false);
    pageTransition('pageshow', true);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
  });
});

describe('endpoint failover', () => {
  const urls = ['ws://a.test/', 'ws://b.test/', 'ws://c.test/'];

  it('moves to the next endpoint after a failure, back to the first after a full round', async () => {
    const { socket } = makeSocket({ random: () => 0, connectionTimeout: 60_000 }, urls);
    for (let i = 0; i < 4; i++) {
      FakeWebSocket.last.serverError();
      await vi.advanceTimersByTimeAsync(30_000);
    }
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([...urls, urls[0], urls[1]]);
    expect(socket.url).toBe(urls[1]);
  });

  it('stays on an endpoint that worked', async () => {
    makeSocket({ random: () => 0, minUptime: 1000 }, urls);
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    await vi.advanceTimersByTimeAsync(5000);
    FakeWebSocket.last.serverClose(1001);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([urls[0], urls[1], urls[1]]);
  });

  it.each([
    ['reconnect()', (socket: HeartbeatSocket) => socket.reconnect()],
    [
      'a trip through the back/forward cache',
      () => {
        pageTransition('pagehide', true);
        pageTransition('pageshow', true);
      },
    ],
  ])('moves on to the next endpoint when the attempt after %s fails', async (_, leave) => {
    const { socket } = makeSocket({ random: () => 0 }, urls);
    const first = FakeWebSocket.last;
    first.serverOpen();
    leave(socket);
    first.serverClose(1000, '', true);
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([urls[0], urls[0], urls[1]]);
  });

  it('validates every endpoint at construction', () => {
    expect(() => makeSocket({}, ['ws://a.test/', 'ftp://b.test/'])).toThrow(SyntaxError);
    expect(() => makeSocket({}, [])).toThrow(/list of URLs is empty/);
  });
});

describe('stats', () => {
  it('counts attempts, reconnects, RTTs, uptime, queue and drops', async () => {
    const { socket } = makeSocket({ heartbeat: hb, random: () => 0, maxEnqueuedMessages: 1 });
    expect(socket.stats).toEqual({
      attempts: 1,
      reconnects: 0,
      lastRtt: -1,
      averageRtt: -1,
      uptime: 0,
      queued: 0,
      queuedBytes: 0,
      dropped: 0,
      unconfirmed: 0,
    });
    socket.send('héllo');
    socket.send('dropped');
    FakeWebSocket.last.serverOpen();
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(20);
    FakeWebSocket.last.serverMessage('pong');
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(40);
    FakeWebSocket.last.serverMessage('pong');
    // Pongs 20 ms after the ping at 1000 and 60 ms after the ping at 2000.
    expect(socket.stats).toMatchObject({ lastRtt: 60, averageRtt: 40, uptime: 2060, dropped: 1 });
    FakeWebSocket.last.serverClose(1006);
    socket.send('héllo');
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.stats).toMatchObject({ attempts: 2, reconnects: 0, uptime: 0, queued: 1, queuedBytes: 6 });
    FakeWebSocket.last.serverOpen();
    expect(socket.stats).toMatchObject({ reconnects: 1, queued: 0 });
  });
});

describe('the hooks themselves', () => {
  it('are installed while the socket lives and removed by close()', () => {
    const add = vi.spyOn(window, 'addEventListener');
    const remove = vi.spyOn(window, 'removeEventListener');
    const { socket } = makeSocket();
    const added = add.mock.calls.map((c) => c[0]).sort();
    expect(added).toEqual(['offline', 'online', 'pagehide', 'pageshow']);
    socket.close();
    expect(remove.mock.calls.map((c) => c[0]).sort()).toEqual(added);
    fire(window, 'online');
    expect(FakeWebSocket.instances).toHaveLength(1);
    socket.reconnect();
    expect(add).toHaveBeenCalledTimes(8);
  });

  it('are removed when the socket gives up', () => {
    const remove = vi.spyOn(document, 'removeEventListener');
    makeSocket({ maxRetries: 0 });
    FakeWebSocket.last.serverError();
    expect(remove.mock.calls.map((c) => c[0]).sort()).toEqual(['resume', 'visibilitychange']);
  });

  it('can be turned off', () => {
    const add = vi.spyOn(window, 'addEventListener');
    makeSocket({ lifecycle: false, startClosed: true }).socket.reconnect();
    expect(add).not.toHaveBeenCalled();
  });

  it('can be replaced: a custom lifecycle gets the signals and is uninstalled on close()', () => {
    let notify!: (s: LifecycleSignal) => void;
    const uninstall = vi.fn();
    const { socket } = makeSocket({ random: () => 0, lifecycle: (n) => ((notify = n), uninstall) });
    FakeWebSocket.last.serverError();
    notify('online');
    expect(FakeWebSocket.instances).toHaveLength(2);
    socket.close();
    expect(uninstall).toHaveBeenCalledOnce();
  });

  it('changes nothing on signals a custom lifecycle still gives after close(): closing or closed, it stays so', async () => {
    let notify!: (s: LifecycleSignal) => void;
    // One that fails to remove its listeners.
    const { socket, ofType } = makeSocket({ heartbeat: hb, lifecycle: (n) => ((notify = n), () => {}) });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    const all: LifecycleSignal[] = ['freeze', 'restore', 'offline', 'online', 'resume'];
    socket.close();
    for (const signal of all) notify(signal);
    expect(socket.state).toBe('closing');
    expect(ws.sent).toEqual([]);
    ws.serverClose(1000, '', true);
    for (const signal of all) notify(signal);
    expect(socket.state).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ofType<CloseEvent>('close').map((e) => e.code)).toEqual([1000]);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('a freeze in the close event of a reconnect() that an error listener called holds: no attempt until restore', async () => {
    let notify!: (s: LifecycleSignal) => void;
    const { socket, types } = makeSocket({ random: () => 0, lifecycle: (n) => ((notify = n), () => {}) });
    socket.addEventListener('error', () => socket.reconnect(), { once: true });
    socket.addEventListener('close', () => notify('freeze'), { once: true });
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(types()).toEqual(['error', 'close']);
    expect(FakeWebSocket.instances).toHaveLength(1);
    notify('restore');
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('rejects a lifecycle that is neither a function nor false', () => {
    expect(() => makeSocket({ lifecycle: true as never })).toThrow(/options\.lifecycle must be a function or false/);
  });
});

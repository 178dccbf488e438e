import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatSocket } from '../src/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { captureLogged, makeSocket, URL_ } from './helpers/socket';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

const flush = () => vi.advanceTimersByTimeAsync(0);

describe('connecting and opening', () => {
  it('creates one WebSocket at once with the URL and protocols, CONNECTING until it opens', () => {
    const { socket, types } = makeSocket({}, URL_, ['v1', 'v2']);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.url).toBe(URL_);
    expect(FakeWebSocket.last.protocols).toEqual(['v1', 'v2']);
    expect(socket.readyState).toBe(HeartbeatSocket.CONNECTING);
    expect(socket.state).toBe('connecting');
    FakeWebSocket.last.serverOpen('v2');
    expect(socket.readyState).toBe(socket.OPEN);
    expect(socket.state).toBe('open');
    expect(socket.protocol).toBe('v2');
    expect(types()).toEqual(['open']);
  });

  it('does not connect until reconnect() with startClosed', () => {
    const { socket } = makeSocket({ startClosed: true });
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
    socket.reconnect();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(socket.readyState).toBe(HeartbeatSocket.CONNECTING);
  });

  it('exposes the four state constants on the class and the instance', () => {
    const { socket } = makeSocket();
    expect([HeartbeatSocket.CONNECTING, HeartbeatSocket.OPEN, HeartbeatSocket.CLOSING, HeartbeatSocket.CLOSED]).toEqual(
      [0, 1, 2, 3],
    );
    expect([socket.CONNECTING, socket.OPEN, socket.CLOSING, socket.CLOSED]).toEqual([0, 1, 2, 3]);
  });

  it('abandons an attempt that stays CONNECTING past connectionTimeout: error, close, retry', async () => {
    const { socket, types, ofType } = makeSocket({ connectionTimeout: 500, random: () => 0 });
    const first = FakeWebSocket.last;
    await vi.advanceTimersByTimeAsync(499);
    expect(types()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(types()).toEqual(['error', 'close', 'reconnecting']);
    expect(ofType<CloseEvent>('close')[0]).toMatchObject({ code: 1006, reason: 'connection timeout', wasClean: false });
    expect(first.closeCalls).toHaveLength(1);
    expect(socket.state).toBe('reconnecting');
    // A late open of the abandoned socket reaches nobody and opens nothing.
    first.serverOpen();
    expect(types()).toEqual(['error', 'close', 'reconnecting']);
    expect(socket.readyState).toBe(HeartbeatSocket.CONNECTING);
    // A server that does not answer is not waited for: the retry comes after the backoff delay.
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });
});

describe('reconnection with backoff', () => {
  it('reports the close, then schedules a retry: reconnecting { attempt, delay }', async () => {
    const { socket, types, ofType } = makeSocket({ random: () => 0.5 });
    FakeWebSocket.last.serverOpen();
    let stateInClose = -1;
    socket.addEventListener('close', () => (stateInClose = socket.readyState));
    FakeWebSocket.last.serverClose(1011, 'server restart', true);
    expect(types()).toEqual(['open', 'close', 'reconnecting']);
    expect(ofType<CloseEvent>('close')[0]).toMatchObject({ code: 1011, reason: 'server restart', wasClean: true });
    expect(stateInClose).toBe(HeartbeatSocket.CONNECTING);
    // The first retry after a connection is jittered too: 1000 × (1 − 1 × 0.5).
    expect(ofType<CustomEvent>('reconnecting')[0]?.detail).toEqual({ attempt: 1, delay: 500 });
    expect(socket.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(499);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(socket.state).toBe('connecting');
  });

  it('does not fire delays past what setTimeout holds (2 ** 31 ms and more) at once: they wait 2 ** 31 - 1 ms', async () => {
    // A connection timeout meant as "practically none", and a backoff that large, or uncapped.
    const { types } = makeSocket({ connectionTimeout: 2 ** 31, minReconnectionDelay: 2 ** 31, jitter: 0 });
    await vi.advanceTimersByTimeAsync(50);
    expect(types()).toEqual([]);
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(50);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(types()).toEqual(['error', 'close', 'reconnecting']);
    makeSocket({ maxReconnectionDelay: Infinity, reconnectionDelayGrowFactor: 1e300, jitter: 0 });
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(50);
    // The second delay is 1e303 ms, not 0.
    expect(FakeWebSocket.instances).toHaveLength(3);
  });

  it('grows the delay per failed attempt up to the cap', async () => {
    const { ofType } = makeSocket({ random: () => 0, maxReconnectionDelay: 5000 });
    for (let i = 0; i < 6; i++) {
      FakeWebSocket.last.serverError();
      await vi.advanceTimersByTimeAsync(5000);
    }
    expect(ofType<CustomEvent>('reconnecting').map((e) => e.detail)).toEqual([
      { attempt: 1, delay: 1000 },
      { attempt: 2, delay: 2000 },
      { attempt: 3, delay: 4000 },
      { attempt: 4, delay: 5000 },
      { attempt: 5, delay: 5000 },
      { attempt: 6, delay: 5000 },
    ]);
  });

  it('resets the backoff only after minUptime of being open', async () => {
    const { socket, ofType } = makeSocket({ random: () => 0, minUptime: 2000 });
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    expect(socket.retryCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1999);
    FakeWebSocket.last.serverClose(1006);
    // Open for less than minUptime: the next delay keeps growing.
    expect(ofType<CustomEvent>('reconnecting').at(-1)?.detail).toEqual({ attempt: 2, delay: 2000 });
    await vi.advanceTimersByTimeAsync(2000);
    FakeWebSocket.last.serverOpen();
    await vi.advanceTimersByTimeAsync(2000);
    expect(socket.retryCount).toBe(0);
    FakeWebSocket.last.serverClose(1006);
    expect(ofType<CustomEvent>('reconnecting').at(-1)?.detail).toEqual({ attempt: 1, delay: 1000 });
  });

  it('resets the backoff after minUptime on a clock that opened the connection at time 0', async () => {
    // A custom clock counts from any epoch, 0 included.
    let now = 0;
    const clock = {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
      clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    const { ofType } = makeSocket({ clock, random: () => 0, minUptime: 1000 });
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    now = 1000;
    FakeWebSocket.last.serverClose(1006);
    expect(ofType<CustomEvent>('reconnecting').map((e) => e.detail)).toEqual([
      { attempt: 1, delay: 1000 },
      { attempt: 1, delay: 1000 },
    ]);
  });

  it('gives up after maxRetries failed attempts in a row: CLOSED, a close event; reconnect() starts over', async () => {
    const { socket, types } = makeSocket({ maxRetries: 2, random: () => 0 });
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeWebSocket.instances).toHaveLength(3);
    FakeWebSocket.last.serverError();
    expect(types()).toEqual([
      'error',
      'close',
      'reconnecting',
      'error',
      'close',
      'reconnecting',
      'error',
      'close',
      'giveup',
    ]);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
    expect(socket.state).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
    socket.reconnect();
    expect(FakeWebSocket.instances).toHaveLength(4);
    expect(socket.retryCount).toBe(0);
    FakeWebSocket.last.serverOpen();
    expect(socket.readyState).toBe(HeartbeatSocket.OPEN);
  });

  it('never retries with maxRetries 0', async () => {
    const { socket } = makeSocket({ maxRetries: 0 });
    FakeWebSocket.last.serverError();
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('asks shouldReconnect with the close event on every unplanned close', async () => {
    const shouldReconnect = vi.fn((e: CloseEvent) => e.code !== 4001);
    const { socket } = makeSocket({ shouldReconnect, random: () => 0 });
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(4000, 'again');
    expect(shouldReconnect).toHaveBeenLastCalledWith(expect.objectContaining({ code: 4000, reason: 'again' }));
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(4001, 'banned');
    expect(shouldReconnect).toHaveBeenCalledTimes(2);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('is asked on the close that spends maxRetries too; the giveup names maxRetries', async () => {
    const shouldReconnect = vi.fn(() => true);
    const { ofType } = makeSocket({ shouldReconnect, maxRetries: 1, random: () => 0 });
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(4000, 'first');
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverClose(4000, 'second');
    expect(shouldReconnect).toHaveBeenCalledTimes(2);
    expect(ofType<CustomEvent>('giveup').map((e) => e.detail.reason)).toEqual(['maxRetries']);
  });

  it('is not asked when close() ended the connection', () => {
    const shouldReconnect = vi.fn(() => true);
    const { socket } = makeSocket({ shouldReconnect });
    FakeWebSocket.last.serverOpen();
    socket.close();
    FakeWebSocket.last.serverClose(1000, '', true);
    expect(shouldReconnect).not.toHaveBeenCalled();
  });

  it('keeps reconnecting when shouldReconnect throws, and logs the error', async () => {
    const { errors, restore } = captureLogged();
    try {
      const { socket } = makeSocket({
        shouldReconnect: () => {
          throw new Error('bug');
        },
      });
      FakeWebSocket.last.serverOpen();
      FakeWebSocket.last.serverClose(1006);
      await flush();
      expect(socket.state).toBe('reconnecting');
      expect(errors).toEqual([new Error('bug')]);
    } finally {
      restore();
    }
  });
});

describe('URL providers', () => {
  it('calls the provider before every attempt', async () => {
    let n = 0;
    const { socket } = makeSocket({ random: () => 0 }, () => `ws://a.test/?token=${++n}`);
    expect(socket.url).toBe('');
    await flush();
    expect(FakeWebSocket.last.url).toBe('ws://a.test/?token=1');
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.last.url).toBe('ws://a.test/?token=2');
    expect(socket.url).toBe('ws://a.test/?token=2');
  });

  it('awaits an async provider', async () => {
    const { socket } = makeSocket({}, () => new Promise((r) => setTimeout(() => r(new URL('wss://b.test/')), 300)));
    await vi.advanceTimersByTimeAsync(299);
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(socket.state).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.last.url).toBe('wss://b.test/');
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('no token');
      },
    ],
    ['rejects', () => Promise.reject(new Error('no token'))],
    ['returns an invalid URL', () => 'ftp://nope/'],
  ])('counts a provider that %s as a failed attempt: error, backoff, retry', async (_, bad) => {
    let calls = 0;
    const provider = () => (++calls === 1 ? (bad as () => string)() : 'ws://a.test/');
    const { socket, types, ofType } = makeSocket({ random: () => 0 }, provider);
    await flush();
    expect(types()).toEqual(['error', 'reconnecting']);
    expect((ofType('error')[0] as Event & { error: Error }).error).toBeInstanceOf(Error);
    expect(FakeWebSocket.instances).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    FakeWebSocket.last.serverOpen();
    expect(socket.readyState).toBe(HeartbeatSocket.OPEN);
  });

  it('bounds a provider that never answers by connectionTimeout', async () => {
    const { types } = makeSocket({ connectionTimeout: 1000, random: () => 0 }, () => new Promise<string>(() => {}));
    await vi.advanceTimersByTimeAsync(1000);
    expect(types()).toEqual(['error', 'reconnecting']);
  });

  it('gives up with a close event when the last attempt was a failing provider', async () => {
    const { socket, types } = makeSocket({ maxRetries: 0 }, () => Promise.reject(new Error('x')));
    await flush();
    expect(types()).toEqual(['error', 'close', 'giveup']);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
  });

  it('ignores a provider that answers after close()', async () => {
    let resolve!: (url: string) => void;
    const { socket } = makeSocket({}, () => new Promise<string>((r) => (resolve = r)));
    socket.close();
    resolve('ws://a.test/');
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
  });

  it('reports a WebSocket constructor that throws as a failed attempt, after listeners can be added', async () => {
    let calls = 0;
    class Throwing extends FakeWebSocket {
      constructor(url: string) {
        if (++calls === 1) throw new DOMException('blocked', 'SecurityError');
        super(url);
      }
    }
    const socket = new HeartbeatSocket(URL_, undefined, { WebSocket: Throwing as never, random: () => 0 });
    const seen: string[] = [];
    socket.addEventListener('error', () => seen.push('error'));
    socket.addEventListener('reconnecting', () => seen.push('reconnecting'));
    await flush();
    expect(seen).toEqual(['error', 'reconnecting']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});

describe('close()', () => {
  it('closes an open connection with a handshake: CLOSING, then CLOSED and one close event', async () => {
    const { socket, types, ofType } = makeSocket();
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    socket.close(4321, 'bye');
    expect(ws.closeCalls).toEqual([{ code: 4321, reason: 'bye' }]);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSING);
    expect(socket.state).toBe('closing');
    ws.serverClose(4321, 'bye', true);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
    expect(types()).toEqual(['open', 'close']);
    expect(ofType<CloseEvent>('close')[0]).toMatchObject({ code: 4321, reason: 'bye', wasClean: true });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('bounds the closing handshake by connectionTimeout', async () => {
    const { socket, ofType } = makeSocket({ connectionTimeout: 2000 });
    FakeWebSocket.last.serverOpen();
    socket.close();
    await vi.advanceTimersByTimeAsync(2000);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
    expect(ofType<CloseEvent>('close')[0]).toMatchObject({ code: 1006, reason: 'close timeout' });
    expect(vi.getTimerCount()).toBe(0);
    // The handshake finishing late changes nothing.
    FakeWebSocket.last.serverClose(1000);
    expect(ofType('close')).toHaveLength(1);
  });

  it.each([
    ['connecting', async () => {}],
    ['waiting in backoff', async () => FakeWebSocket.last.serverError()],
    ['open', async () => FakeWebSocket.last.serverOpen()],
  ])('leaves no timer, socket or retry when called while %s', async (_, reach) => {
    const { socket, ofType } = makeSocket({ heartbeat: true });
    await reach();
    const before = ofType('close').length;
    socket.close();
    FakeWebSocket.last.serverClose(1000, '', true);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
    expect(ofType('close')).toHaveLength(before + 1);
    expect(vi.getTimerCount()).toBe(0);
    expect(FakeWebSocket.live()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeWebSocket.live()).toHaveLength(0);
  });

  it.each([
    ['the connection timeout', {}, URL_, async () => vi.advanceTimersByTimeAsync(10_000)],
    ['a rejecting URL provider', {}, () => Promise.reject(new Error('no token')), flush],
    [
      'a throwing constructor',
      {
        WebSocket: function () {
          throw new Error('refused');
        } as never,
      },
      URL_,
      flush,
    ],
  ])('stays closed when an error listener calls close() on %s', async (_, options, url, fail) => {
    const { socket, types } = makeSocket(options, url);
    socket.addEventListener('error', () => socket.close());
    await fail();
    expect(socket.state).toBe('closed');
    expect(types()).toEqual(['error', 'close']);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(types()).toEqual(['error', 'close']);
    expect(FakeWebSocket.live()).toHaveLength(0);
  });

  it('finishes closing when a custom lifecycle fails to uninstall, and logs that failure', async () => {
    const { errors, restore } = captureLogged();
    try {
      const boom = new Error('uninstall failed');
      const { socket } = makeSocket({
        lifecycle: () => () => {
          throw boom;
        },
      });
      socket.close();
      await flush();
      expect(errors).toEqual([boom]);
      expect(socket.state).toBe('closed');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      restore();
    }
  });

  it('closes with code 1000 and an empty reason when given none, as WebSocket does', () => {
    const { socket, ofType } = makeSocket();
    const first = FakeWebSocket.last;
    first.serverOpen();
    socket.reconnect();
    expect(first.closeCalls).toEqual([{ code: 1000, reason: '' }]);
    // Waiting for the first socket's handshake: nothing to shake hands with, the close is at once.
    socket.close();
    expect(ofType<CloseEvent>('close').map((e) => [e.code, e.reason])).toEqual([
      [1000, ''],
      [1000, ''],
    ]);
  });

  it('ignores a second close() during the closing handshake: one close event, when the server finishes', () => {
    const { socket, ofType } = makeSocket();
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    socket.close(4000, 'bye');
    socket.close(4001, 'again');
    expect(socket.state).toBe('closing');
    expect(ws.closeCalls).toEqual([{ code: 4000, reason: 'bye' }]);
    expect(ofType('close')).toHaveLength(0);
    ws.serverClose(4000, 'bye', true);
    expect(ofType<CloseEvent>('close').map((e) => [e.code, e.reason])).toEqual([[4000, 'bye']]);
  });

  it('after a closing handshake that timed out, reconnect() connects at once: the silent socket is not waited for', async () => {
    const { socket } = makeSocket({ connectionTimeout: 2000 });
    FakeWebSocket.last.serverOpen();
    socket.close();
    await vi.advanceTimersByTimeAsync(2000);
    expect(socket.state).toBe('closed');
    socket.reconnect();
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('makes no WebSocket when a statechange listener calls close() as the attempt starts', async () => {
    const { socket, types } = makeSocket({ startClosed: true });
    socket.addEventListener('statechange', () => socket.state === 'connecting' && socket.close());
    socket.reconnect();
    expect(socket.state).toBe('closed');
    expect(types()).toEqual(['close']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(0);
  });

  it('is a no-op when already closed', () => {
    const { socket, ofType } = makeSocket({ startClosed: true });
    socket.close();
    expect(ofType('close')).toHaveLength(0);
  });

  it.each([[999], [1001], [2999], [5000], [3000.5]])('rejects close code %d as WebSocket does', (code) => {
    const { socket } = makeSocket();
    expect(() => socket.close(code)).toThrow(/close code must be 1000 or 3000-4999/);
    expect(() => socket.reconnect(code)).toThrow(RangeError);
    expect(socket.readyState).toBe(HeartbeatSocket.CONNECTING);
  });

  it('rejects a close reason over 123 UTF-8 bytes', () => {
    const { socket } = makeSocket();
    expect(() => socket.close(1000, 'é'.repeat(62))).toThrow(SyntaxError);
    expect(() => socket.close(1000, 'é'.repeat(61))).not.toThrow();
  });
});

describe('one underlying socket at a time', () => {
  it('reconnect() drops the open connection with a close event and connects once its close handshake is over', () => {
    const { socket, types, ofType } = makeSocket();
    const first = FakeWebSocket.last;
    first.serverOpen();
    socket.reconnect(4000, 'switch');
    expect(first.closeCalls).toEqual([{ code: 4000, reason: 'switch' }]);
    expect(types()).toEqual(['open', 'close']);
    expect(ofType<CloseEvent>('close')[0]).toMatchObject({ code: 4000, reason: 'switch' });
    expect(socket.readyState).toBe(HeartbeatSocket.CONNECTING);
    // The server still holds the old connection until the handshake ends.
    expect(FakeWebSocket.instances).toHaveLength(1);
    first.serverMessage('late');
    // The old socket's close handshake completing is not reported again; it lets the attempt go.
    first.serverClose(4000, 'switch', true);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(types()).toEqual(['open', 'close']);
  });

  it('reconnect() while waiting in backoff connects at once without waiting for the delay', () => {
    const { socket } = makeSocket({ random: () => 0 });
    FakeWebSocket.last.serverError();
    expect(socket.state).toBe('reconnecting');
    socket.reconnect();
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(1); // the connection timeout only
  });

  it('close() or reconnect() inside a close listener takes effect', async () => {
    const { socket } = makeSocket();
    FakeWebSocket.last.serverOpen();
    socket.addEventListener('close', () => socket.close(), { once: true });
    FakeWebSocket.last.serverClose(1006);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('close() inside the close event of reconnect() wins: no new attempt', async () => {
    const { socket } = makeSocket();
    FakeWebSocket.last.serverOpen();
    socket.addEventListener('close', () => socket.close(), { once: true });
    socket.reconnect();
    expect(socket.state).toBe('closed');
    FakeWebSocket.last.serverClose(1000, '', true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(socket.state).toBe('closed');
  });

  it('close() wins over an error listener that called reconnect(), when it comes in the close event of that reconnect()', async () => {
    const { socket, types } = makeSocket({ random: () => 0 });
    socket.addEventListener('error', () => socket.reconnect(), { once: true });
    socket.addEventListener('close', () => socket.close());
    FakeWebSocket.last.serverError();
    expect(socket.state).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(types()).toEqual(['error', 'close', 'close']);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('holds through random sequences of reconnect, close, server events and time', async () => {
    const fc = (await import('fast-check')).default;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('reconnect', 'close', 'open', 'serverClose', 'error', 'tick', 'longTick', 'lateOld'), {
          maxLength: 40,
        }),
        async (steps) => {
          FakeWebSocket.reset();
          const { socket } = makeSocket({
            connectionTimeout: 300,
            random: () => 0.5,
            minReconnectionDelay: 100,
            heartbeat: { interval: 200, timeout: 100 },
          });
          for (const step of steps) {
            const ws = FakeWebSocket.instances.at(-1);
            if (step === 'reconnect') socket.reconnect();
            else if (step === 'close') socket.close();
            else if (step === 'open' && ws?.readyState === 0) ws.serverOpen();
            else if (step === 'serverClose' && ws && ws.readyState < 3) ws.serverClose(1006);
            else if (step === 'error' && ws && ws.readyState < 3) ws.serverError();
            else if (step === 'tick') await vi.advanceTimersByTimeAsync(150);
            else if (step === 'longTick') await vi.advanceTimersByTimeAsync(1000);
            else if (step === 'lateOld')
              FakeWebSocket.instances.slice(0, -1).forEach((old) => old.readyState === 0 && old.serverOpen());
            const current = FakeWebSocket.instances.filter((w) => w.readyState < 2 && w.closeCalls.length === 0);
            if (current.length > 1) return false;
          }
          socket.close();
          // An open connection gets its closing handshake; the server answers it.
          const last = FakeWebSocket.instances.at(-1);
          if (last?.readyState === 2) last.serverClose(1000, '', true);
          return vi.getTimerCount() === 0 && socket.readyState === HeartbeatSocket.CLOSED;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('debug', () => {
  it('logs what it does without the URL query string or credentials', () => {
    const log = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const { socket } = makeSocket({ debug: true }, 'wss://user:secret@a.test/live?token=abc#x'.replace('#x', ''));
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(1006, 'gone');
    socket.close();
    const prefix = '[heartbeat-ws]';
    expect(log.mock.calls).toEqual([
      [prefix, 'connect', 'wss://a.test/live'],
      [prefix, 'open'],
      [prefix, 'close', 1006, 'gone', 'retry'],
      [prefix, 'reconnecting', 1, expect.any(Number)],
      [prefix, 'close', 1000, ''],
    ]);
    expect(JSON.stringify(log.mock.calls)).not.toMatch(/token|secret/);
    log.mockRestore();
  });

  it('logs the code and reason of a close() of an open socket, once the handshake is over', () => {
    const log = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const { socket } = makeSocket({ debug: true });
    FakeWebSocket.last.serverOpen();
    socket.close(4000, 'done');
    FakeWebSocket.last.serverClose(4000, 'done');
    expect(log.mock.calls.filter((call) => call[1] === 'close')).toEqual([['[heartbeat-ws]', 'close', 4000, 'done']]);
    log.mockRestore();
  });

  it('logs a close that ends the retries as giving up', () => {
    const log = vi.spyOn(console, 'debug').mockImplementation(() => {});
    makeSocket({ debug: true, maxRetries: 0 });
    FakeWebSocket.last.serverError();
    expect(log.mock.calls.filter((call) => call[1] === 'close')).toEqual([
      ['[heartbeat-ws]', 'close', 1006, '', 'give up'],
    ]);
    log.mockRestore();
  });

  it("logs an error event with its error's message (the ws package's names the cause), before open and after", () => {
    const log = vi.spyOn(console, 'debug').mockImplementation(() => {});
    try {
      makeSocket({ debug: true, random: () => 0 });
      const error = (message: string) => Object.assign(new Event('error'), { error: new Error(message) });
      FakeWebSocket.last.dispatchEvent(error('connect ECONNREFUSED 127.0.0.1:9'));
      vi.advanceTimersByTime(1000);
      FakeWebSocket.last.serverOpen();
      FakeWebSocket.last.dispatchEvent(error('read ECONNRESET'));
      // It logged "error" and nothing after it.
      expect(log.mock.calls.filter((call) => call[1] === 'error')).toEqual([
        ['[heartbeat-ws]', 'error', 'connect ECONNREFUSED 127.0.0.1:9'],
        ['[heartbeat-ws]', 'error', 'read ECONNRESET'],
      ]);
    } finally {
      log.mockRestore();
    }
  });

  it('logs nothing by default', () => {
    const log = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const { socket } = makeSocket();
    FakeWebSocket.last.serverOpen();
    socket.close();
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
  });
});

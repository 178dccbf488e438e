import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatSocket } from '../src/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { captureReported, makeSocket } from './helpers/socket';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => vi.useRealTimers());

describe('send() and the outbound queue', () => {
  it('sends at once while OPEN', () => {
    const { socket } = makeSocket();
    FakeWebSocket.last.serverOpen();
    socket.send('a');
    expect(FakeWebSocket.last.sent).toEqual(['a']);
  });

  it('queues while not OPEN and flushes in order right after the open listeners, a handshake sent in open first', () => {
    const { socket } = makeSocket();
    socket.send('one');
    socket.send('two');
    const seenInOpen: unknown[] = [];
    socket.onopen = () => {
      seenInOpen.push(...FakeWebSocket.last.sent);
      socket.send('hello');
    };
    socket.addEventListener('open', () => socket.send('auth'));
    FakeWebSocket.last.serverOpen();
    expect(seenInOpen).toEqual([]);
    expect(FakeWebSocket.last.sent).toEqual(['hello', 'auth', 'one', 'two']);
    expect(socket.bufferedAmount).toBe(0);
  });

  it('delivers what was sent while down on the next connection, in order', async () => {
    const { socket } = makeSocket({ random: () => 0 });
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(1006);
    for (let i = 0; i < 5; i++) socket.send(`m${i}`);
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('queues instead of writing into a socket that is already closing underneath', async () => {
    const { socket } = makeSocket({ random: () => 0 });
    const first = FakeWebSocket.last;
    first.serverOpen();
    first.readyState = 2; // the server's close frame arrived; the close event has not yet
    socket.send('kept');
    expect(first.sent).toEqual([]);
    first.serverClose(1001);
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual(['kept']);
  });

  it('a tracker that calls reconnect() as its held message goes out: the rest waits for the next connection, and the message that let it go is delivered', () => {
    const { socket, ofType } = makeSocket({ heartbeat: { interval: 1000, timeout: 500 } });
    const first = FakeWebSocket.last;
    first.serverOpen();
    socket.probe();
    socket.track('a', (outcome) => outcome === 'written' && socket.reconnect());
    socket.send('b');
    // Any message answers the probe: what it held goes out.
    first.serverMessage('hello');
    expect(first.sent).toEqual(['ping', 'a']);
    expect(ofType<MessageEvent>('message').map((e) => e.data)).toEqual(['hello']);
    first.serverClose(1000, '', true);
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual(['b']);
  });

  it('a tracker that runs during the flush sees its message gone from the queue, and what it sends goes behind the rest', () => {
    const { socket, ofType } = makeSocket();
    const outcomes: string[] = [];
    socket.track('a', (outcome) => {
      outcomes.push(`a ${outcome}`);
      if (outcome === 'written') socket.send('c');
    });
    socket.send('b');
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual(['a', 'b', 'c']);
    expect(outcomes).toEqual(['a written']);
    // clearQueue() from the tracker of the message just written: it is not reported cleared.
    const second = makeSocket();
    second.socket.track('x', (outcome) => {
      outcomes.push(`x ${outcome}`);
      if (outcome === 'written') second.socket.clearQueue();
    });
    second.socket.send('y');
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual(['x']);
    expect(outcomes).toEqual(['a written', 'x written']);
    expect(second.ofType<CustomEvent>('drop').map((e) => e.detail)).toEqual([{ data: 'y', reason: 'cleared' }]);
    expect(second.socket.stats.dropped).toBe(1);
    expect(ofType('drop')).toEqual([]);
  });

  it('a message the socket refuses to write (it throws) stays queued, and sends on the open link go on', () => {
    const { socket, ofType } = makeSocket();
    const poison = new Uint8Array(new SharedArrayBuffer(4));
    socket.send(poison);
    const ws = FakeWebSocket.last;
    const write = ws.send.bind(ws);
    // As a browser's WebSocket.send throws for a view on a SharedArrayBuffer.
    ws.send = (data: unknown) => {
      if (data === poison) throw new TypeError('SharedArrayBuffer not allowed');
      write(data as string);
    };
    // The throw leaves the socket's open listener, which the runtime reports.
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      ws.serverOpen();
    } catch {
      // Thrown where the fake dispatches synchronously; reported where it does not.
    }
    error.mockRestore();
    expect([socket.bufferedAmount, ofType('drop').length]).toEqual([4, 0]);
    expect(socket.send('c')).toBe(true);
    expect(ws.sent).toEqual(['c']);
  });

  it('a tracker that throws is reported and the flush goes on: nothing queued is left behind', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { socket } = makeSocket();
    socket.track('a', () => {
      throw new Error('tracker bug');
    });
    socket.send('b');
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual(['a', 'b']);
    expect(socket.send('c')).toBe(true);
    expect(FakeWebSocket.last.sent).toEqual(['a', 'b', 'c']);
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0])).toContain('tracker bug');
    error.mockRestore();
  });

  it('counts queued bytes in bufferedAmount as UTF-8, Blob size and byteLength', () => {
    const { socket } = makeSocket();
    socket.send('héllo');
    socket.send(new Uint8Array(10));
    socket.send(new Blob(['abc']));
    expect(socket.bufferedAmount).toBe(6 + 10 + 3);
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.bufferedAmount = 7;
    expect(socket.bufferedAmount).toBe(7);
  });

  it('fires drop with the data and reason overflow past maxEnqueuedMessages', () => {
    const { socket, ofType } = makeSocket({ maxEnqueuedMessages: 2 });
    socket.send('a');
    socket.send('b');
    socket.send('c');
    expect(ofType<CustomEvent>('drop').map((e) => e.detail)).toEqual([{ data: 'c', reason: 'overflow' }]);
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual(['a', 'b']);
  });

  it('fires drop past maxEnqueuedBytes, oldest first with drop-oldest', () => {
    const { socket, ofType } = makeSocket({ maxEnqueuedBytes: 4, queueOverflow: 'drop-oldest' });
    socket.send('ab');
    socket.send('cd');
    socket.send('€');
    expect(ofType<CustomEvent>('drop').map((e) => e.detail)).toEqual([
      { data: 'ab', reason: 'overflow' },
      { data: 'cd', reason: 'overflow' },
    ]);
    expect(socket.bufferedAmount).toBe(3);
  });

  it('keeps the queue across close() for a later reconnect(); clearQueue() drops it with events', () => {
    const { socket, ofType } = makeSocket();
    socket.send('x');
    socket.close();
    socket.send('y');
    expect(socket.bufferedAmount).toBe(2);
    socket.reconnect();
    FakeWebSocket.last.serverClose(1000, '', true);
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual(['x', 'y']);
    socket.close();
    socket.send('z');
    expect(socket.clearQueue()).toBe(1);
    expect(ofType<CustomEvent>('drop').map((e) => e.detail)).toEqual([{ data: 'z', reason: 'cleared' }]);
    expect(socket.bufferedAmount).toBe(0);
  });

  it('converts other values to strings, as WebSocket.send does', () => {
    const { socket } = makeSocket();
    FakeWebSocket.last.serverOpen();
    socket.send(42 as unknown as string);
    expect(FakeWebSocket.last.sent).toEqual(['42']);
  });

  it('does not flush when an open listener closes the socket', () => {
    const { socket } = makeSocket();
    socket.send('queued');
    socket.addEventListener('open', () => socket.close());
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual([]);
    expect(socket.bufferedAmount).toBe(6);
  });

  it('drains 100k queued messages in linear time', () => {
    // Real time: the drain is timed with performance.now(), which fake timers would stop.
    vi.useRealTimers();
    /** Counts what it is sent instead of keeping it: the timing is of the queue, not of the fake. */
    class Counting extends FakeWebSocket {
      count = 0;
      override send(): void {
        this.count++;
      }
    }
    /** Queues n messages on each of `sockets` new sockets, then times the opens that drain them. */
    const drain = (n: number, sockets = 1): number => {
      const made = Array.from({ length: sockets }, () => {
        const { socket } = makeSocket({
          WebSocket: Counting as never,
          maxEnqueuedMessages: Infinity,
          maxEnqueuedBytes: Infinity,
        });
        for (let i = 0; i < n; i++) socket.send('m');
        return { socket, ws: FakeWebSocket.last as Counting };
      });
      FakeWebSocket.reset();
      let ms = 0;
      for (const { ws } of made) {
        const t0 = performance.now();
        ws.serverOpen();
        ms += performance.now() - t0;
      }
      for (const { socket, ws } of made) {
        expect([ws.count, socket.bufferedAmount]).toEqual([n, 0]);
        socket.close();
      }
      return ms;
    };
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    drain(250, 16); // warm-up (JIT)
    const small: number[] = [];
    const large: number[] = [];
    // The same 4k messages either way: 16 queues of 250, or one of 4k. Linear, the one queue
    // takes at most about as long (0.15-0.4x here: the 16 opens cost more than the sends); a
    // drain that copies the queue per message (quadratic) takes 16x as long per message for the
    // one queue (about 10x the 16 here). Interleaved, so a slow patch of the machine hits both.
    for (let run = 0; run < 5; run++) {
      small.push(drain(250, 16));
      large.push(drain(4_000));
    }
    const ratio = median(large) / median(small);
    const times = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
    expect(ratio, `16 x 250: ${times(small)} ms; 4k: ${times(large)} ms`).toBeLessThan(3);
    // And the 100k of the name, all sent.
    drain(100_000);
  });
});

describe("WebSocket's surface", () => {
  it('keeps binaryType across reconnects', async () => {
    const { socket } = makeSocket({ random: () => 0 });
    expect(socket.binaryType).toBe('blob');
    socket.binaryType = 'arraybuffer';
    expect(FakeWebSocket.last.binaryType).toBe('arraybuffer');
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(FakeWebSocket.last.binaryType).toBe('arraybuffer');
    expect(socket.binaryType).toBe('arraybuffer');
  });

  it('ignores a binaryType WebSocket does not know, as WebSocket does, before and after open', () => {
    const { socket } = makeSocket({ startClosed: true });
    // The ws package's own two pass through: a Node app may ask for Buffers.
    for (const [value, kept] of [
      ['arraybuffer', 'arraybuffer'],
      ['bogus', 'arraybuffer'],
      ['Blob', 'arraybuffer'],
      // Whole names only: one inside a longer word is no type either.
      ['myblob', 'arraybuffer'],
      ['arraybuffers', 'arraybuffer'],
      ['nodebuffer', 'nodebuffer'],
      ['', 'nodebuffer'],
      ['blob', 'blob'],
    ]) {
      socket.binaryType = value as BinaryType;
      expect(socket.binaryType, value).toBe(kept);
    }
    socket.reconnect();
    socket.binaryType = 'arraybuffer';
    socket.binaryType = 'bogus' as BinaryType;
    expect([socket.binaryType, FakeWebSocket.last.binaryType]).toEqual(['arraybuffer', 'arraybuffer']);
  });

  it('delivers messages as MessageEvents to onmessage and listeners', () => {
    const { socket, ofType } = makeSocket();
    const viaHandler: unknown[] = [];
    socket.onmessage = (e) => viaHandler.push(e.data);
    FakeWebSocket.last.serverOpen();
    const buf = new ArrayBuffer(2);
    FakeWebSocket.last.serverMessage('hi');
    FakeWebSocket.last.serverMessage(buf);
    expect(viaHandler).toEqual(['hi', buf]);
    expect(ofType<MessageEvent>('message').map((e) => e.data)).toEqual(['hi', buf]);
    expect(ofType('message')[0]).toBeInstanceOf(MessageEvent);
  });

  it("gives listeners a MessageEvent with the socket's data and origin, the default lastEventId, and the socket as target", () => {
    const { socket } = makeSocket();
    const seen: unknown[][] = [];
    socket.addEventListener('message', (e) =>
      seen.push([e.data, e.origin, e.lastEventId, e.ports.length, e.target, e.currentTarget]),
    );
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.dispatchEvent(new MessageEvent('message', { data: 'hi', origin: 'ws://example.test' }));
    expect(seen).toEqual([['hi', 'ws://example.test', '', 0, socket, socket]]);
  });

  it('gives each message the origin of the socket it came from, sockets of two origins interleaved, as MessageEvents', () => {
    const a = makeSocket();
    const first = FakeWebSocket.last;
    const b = makeSocket();
    const second = FakeWebSocket.last;
    first.serverOpen();
    second.serverOpen();
    const say = (ws: FakeWebSocket, data: string, origin: string) =>
      ws.dispatchEvent(new MessageEvent('message', { data, origin }));
    say(first, 'a1', 'ws://a.test');
    say(second, 'b1', 'wss://b.test:8443');
    say(first, 'a2', 'ws://a.test');
    say(second, 'b2', '');
    const seen = (s: typeof a) =>
      s.ofType<MessageEvent>('message').map((e) => [e.data, e.origin, e instanceof MessageEvent, e.type]);
    expect(seen(a)).toEqual([
      ['a1', 'ws://a.test', true, 'message'],
      ['a2', 'ws://a.test', true, 'message'],
    ]);
    expect(seen(b)).toEqual([
      ['b1', 'wss://b.test:8443', true, 'message'],
      ['b2', '', true, 'message'],
    ]);
  });

  it('calls onopen, onclose and onerror with the events, with `this` the socket', () => {
    const { socket } = makeSocket({ maxRetries: 0 });
    const calls: [string, unknown][] = [];
    socket.onopen = function (e) {
      calls.push(['open', this === socket && e.type]);
    };
    socket.onerror = function (e) {
      calls.push(['error', this === socket && e.type]);
    };
    socket.onclose = function (e) {
      calls.push(['close', this === socket && e.code]);
    };
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverError();
    expect(calls).toEqual([
      ['open', 'open'],
      ['error', 'error'],
      ['close', 1006],
    ]);
    expect(socket.onopen).toBeTypeOf('function');
    socket.onopen = null;
    expect(socket.onopen).toBeNull();
  });

  it('keeps working when an on… handler throws, and reports the error', async () => {
    const { errors, restore } = captureReported();
    try {
      const { socket, ofType } = makeSocket();
      socket.send('queued');
      socket.onopen = () => {
        throw new Error('handler bug');
      };
      FakeWebSocket.last.serverOpen();
      await vi.advanceTimersByTimeAsync(0);
      expect(ofType('open')).toHaveLength(1);
      expect(FakeWebSocket.last.sent).toEqual(['queued']);
      expect(errors).toEqual([new Error('handler bug')]);
    } finally {
      restore();
    }
  });

  it('is an EventTarget: dispatchEvent and removeEventListener work', () => {
    const { socket } = makeSocket();
    const seen: string[] = [];
    const listener = (e: Event) => seen.push(e.type);
    socket.addEventListener('custom', listener);
    socket.dispatchEvent(new Event('custom'));
    socket.removeEventListener('custom', listener);
    socket.dispatchEvent(new Event('custom'));
    expect(seen).toEqual(['custom']);
    expect(socket).toBeInstanceOf(EventTarget);
  });

  it('reports protocol and extensions of the current connection', () => {
    const { socket } = makeSocket();
    expect(socket.protocol).toBe('');
    FakeWebSocket.last.extensions = 'permessage-deflate';
    FakeWebSocket.last.serverOpen('chat');
    expect(socket.protocol).toBe('chat');
    expect(socket.extensions).toBe('permessage-deflate');
  });

  it('reads protocol and extensions as empty, and takes binaryType, while there is no socket (startClosed)', () => {
    const { socket } = makeSocket({ startClosed: true });
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect([socket.protocol, socket.extensions]).toEqual(['', '']);
    socket.binaryType = 'arraybuffer';
    socket.reconnect();
    expect(FakeWebSocket.last.binaryType).toBe('arraybuffer');
  });

  it('forwards errors of the current socket only', () => {
    const { socket, types } = makeSocket();
    const first = FakeWebSocket.last;
    socket.reconnect();
    // Every socket it made ends with one close event, the abandoned attempt included.
    expect(types()).toEqual(['close']);
    first.dispatchEvent(new Event('error'));
    first.serverClose();
    expect(types()).toEqual(['close']);
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.dispatchEvent(new Event('error'));
    expect(types()).toEqual(['close', 'open', 'error']);
  });
});

it('HeartbeatSocket is the default WebSocket-compatible shape for code typed against WebSocket', () => {
  const socket: Pick<
    WebSocket,
    'send' | 'close' | 'readyState' | 'url' | 'binaryType' | 'bufferedAmount' | 'protocol' | 'extensions'
  > = new HeartbeatSocket('ws://a.test/', undefined, { WebSocket: FakeWebSocket as never, startClosed: true });
  expect(socket.readyState).toBe(3);
});

describe('the extension points: track(), untrack(), intercept()', () => {
  it('track() sends as send() does and tells done what became of the message', () => {
    const { socket } = makeSocket();
    const heard: string[] = [];
    expect(socket.track('queued', (r) => heard.push(`queued ${r}`))).toBe(false);
    FakeWebSocket.last.serverOpen();
    expect(socket.track('now', (r) => heard.push(`now ${r}`))).toBe(true);
    expect(FakeWebSocket.last.sent).toEqual(['queued', 'now']);
    expect(heard).toEqual(['queued written', 'now written']);
  });

  it('untrack() takes a waiting message out of the queue with a drop event (aborted); it never goes out', () => {
    const { socket, ofType } = makeSocket();
    const heard: string[] = [];
    const done = (r: string) => heard.push(r);
    socket.track('gone', done);
    socket.send('kept');
    expect(socket.untrack(done)).toBe(true);
    expect(socket.untrack(done)).toBe(false);
    expect(ofType<CustomEvent>('drop').map((e) => e.detail)).toEqual([{ data: 'gone', reason: 'aborted' }]);
    expect(heard).toEqual(['aborted']);
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual(['kept']);
  });

  it('track(), untrack() and intercept() refuse a handle that is not a function, naming it; untrack() of nothing takes no plain message', () => {
    const { socket, ofType } = makeSocket();
    socket.send('plain');
    for (const bad of [undefined, null, 'done', {}] as never[]) {
      expect(() => socket.untrack(bad)).toThrow(
        new TypeError(`heartbeat-ws: done must be a function, got ${bad === 'done' ? '"done"' : String(bad)}`),
      );
      expect(() => socket.track('x', bad)).toThrow(/^heartbeat-ws: done must be a function, got /);
      expect(() => socket.intercept(bad)).toThrow(/^heartbeat-ws: interceptor must be a function, got /);
    }
    expect(ofType('drop')).toEqual([]);
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual(['plain']);
  });

  it('intercept() keeps a message its interceptor takes from the listeners, until removed', () => {
    const { socket, ofType } = makeSocket();
    FakeWebSocket.last.serverOpen();
    const remove = socket.intercept((data) => data === 'mine');
    FakeWebSocket.last.serverMessage('mine');
    FakeWebSocket.last.serverMessage('yours');
    remove();
    FakeWebSocket.last.serverMessage('mine');
    expect(ofType<MessageEvent>('message').map((e) => e.data)).toEqual(['yours', 'mine']);
  });
});

describe("the bindings' internal hook (Symbol.for('heartbeat-ws hook'))", () => {
  const hook = (socket: HeartbeatSocket, what: string): unknown =>
    (socket as unknown as Record<symbol, (what: string) => unknown>)[Symbol.for('heartbeat-ws hook')]!(what);

  it("'clear' drops what waits in the queue, and what comes back to it at this close; a later close() of the same socket keeps its queue, as close() does", async () => {
    const { socket, ofType } = makeSocket();
    FakeWebSocket.last.serverOpen();
    socket.close();
    socket.send('queued while closing');
    expect(hook(socket, 'clear')).toBe(1);
    FakeWebSocket.last.serverClose(1000); // the closing handshake ends: the close event
    expect(ofType<CloseEvent>('close')).toHaveLength(1);
    socket.reconnect();
    await vi.advanceTimersByTimeAsync(0);
    socket.send('kept for a later reconnect()');
    socket.close();
    expect(socket.stats.queued).toBe(1);
    expect(ofType<CustomEvent>('drop').map((e) => e.detail.data)).toEqual(['queued while closing']);
  });
});

// Failing tests from a review of the core (src/machine.ts, src/heartbeat.ts, src/surface.ts, …):
// each states what the docs promise and a user would expect; see the commit that added it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../src/env/clock';
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

/** A custom lifecycle whose signals the test gives. */
const manual = () => {
  let notify: (signal: LifecycleSignal) => void = () => {};
  const lifecycle = (n: typeof notify) => {
    notify = n;
    return () => {};
  };
  return { lifecycle, signal: (s: LifecycleSignal) => notify(s) };
};

describe('an offline hint that a working connection proved wrong', () => {
  it('does not hold later retries at maxReconnectionDelay, uncounted, once a connection opened and stayed up', async () => {
    // lifecycle.md: "offline is only a hint: … an attempt that succeeds wins". A spurious offline
    // (or navigator.onLine false at start, which browserLifecycle reports as offline) is never
    // cleared by a connection that works: every later drop waits 30 s and maxRetries never counts.
    const page = manual();
    const { socket, ofType } = makeSocket({ random: () => 0, maxRetries: 1, lifecycle: page.lifecycle });
    page.signal('offline');
    FakeWebSocket.last.serverOpen();
    await vi.advanceTimersByTimeAsync(60_000); // stable for far longer than minUptime
    FakeWebSocket.last.serverClose(1006);
    expect(ofType<CustomEvent>('reconnecting').map((e) => e.detail)).toEqual([{ attempt: 1, delay: 1000 }]);
    expect(socket.retryCount).toBe(1);
  });
});

describe('close() or reconnect() called from shouldReconnect', () => {
  it('close() inside shouldReconnect is final: no retry follows', async () => {
    // shouldReconnect runs in lost() before the phase is set; lost() then overwrote the CLOSED
    // that close() set with RECONNECTING, reinstalled the page hooks and scheduled a retry.
    const ref: { socket?: HeartbeatSocket } = {};
    const { socket, ofType } = makeSocket({
      random: () => 0,
      shouldReconnect: () => {
        ref.socket?.close(); // e.g. a logout handler reached from here
        return true;
      },
    });
    ref.socket = socket;
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(1006);
    expect(socket.state).toBe('closed');
    // One close, close()'s: not the lost connection's after it.
    expect(ofType<CloseEvent>('close').map((e) => e.code)).toEqual([1000]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('reconnect() inside shouldReconnect leaves one underlying socket, not two', async () => {
    const ref: { socket?: HeartbeatSocket } = {};
    ref.socket = makeSocket({ random: () => 0, shouldReconnect: () => (ref.socket?.reconnect(), true) }).socket;
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1000);
    // The attempt reconnect() started is overwritten (not let go of) by the retry lost() scheduled.
    expect(FakeWebSocket.live()).toHaveLength(1);
  });
});

describe('close() called from a statechange listener', () => {
  // emit() tells statechange, then dispatches its event whatever the listener did meanwhile.
  it("on 'reconnecting': close() decides, and the close event of the state it left is not dispatched", async () => {
    const { socket, ofType, types } = makeSocket({ random: () => 0 });
    FakeWebSocket.last.serverOpen();
    const states: number[] = [];
    socket.addEventListener('statechange', () => socket.state === 'reconnecting' && socket.close());
    socket.addEventListener('close', () => states.push(socket.readyState));
    FakeWebSocket.last.serverClose(4001, 'kicked', true);
    // It was [1000, 4001]: the server's close came after close()'s, with readyState CLOSED. Now
    // close() takes effect over what was about to happen (docs/reference.md): one close, close()'s.
    expect(ofType<CloseEvent>('close').map((e) => e.code)).toEqual([1000]);
    expect(states).toEqual([HeartbeatSocket.CLOSED]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(types()).not.toContain('reconnecting');
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it("on 'open': no open event is dispatched with readyState CLOSING", () => {
    const { socket } = makeSocket();
    const seen: number[] = [];
    socket.addEventListener('statechange', () => socket.state === 'open' && socket.close());
    socket.addEventListener('open', () => seen.push(socket.readyState));
    FakeWebSocket.last.serverOpen();
    // Received: [2]: an open event with readyState CLOSING, after statechange said 'closing'.
    expect(seen).not.toContain(HeartbeatSocket.CLOSING);
  });
});

/**
 * Chrome's intensive throttling of a page hidden for 5 minutes: a timer set from a chain of 5 or
 * more timer callbacks wakes only on the minute; a timer set outside a timer callback (a network
 * event's) is not held back (docs/lifecycle.md; developer.chrome.com, "Heavy throttling of chained
 * JS timers", Chrome 88).
 */
function hiddenPageClock(): Clock {
  let chain = -1; // the chain count of the timer callback running, -1 outside one
  return {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const mine = chain + 1;
      const at = Date.now() + ms;
      const due = mine >= 5 ? Math.ceil(at / 60_000) * 60_000 : at;
      return setTimeout(() => {
        const outer = chain;
        chain = mine;
        try {
          fn();
        } finally {
          chain = outer;
        }
      }, due - Date.now());
    },
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

describe('a dead link in a hidden page, heartbeat with ping: false', () => {
  it('is declared dead while the page stays hidden (interval + timeout + two throttled wake-ups)', async () => {
    // The README's setting for a server that pings on its own every 20 s and expects nothing.
    const { socket, ofType } = makeSocket({
      heartbeat: { ping: false, interval: 25_000 },
      clock: hiddenPageClock(),
      lifecycle: false,
    });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    // Ten healthy minutes: the server's message every 20 s (network events, never held back).
    for (let t = 1; t <= 600; t++) {
      await vi.advanceTimersByTimeAsync(1000);
      if (t % 20 === 0) ws.serverMessage('server ping');
    }
    expect(socket.state).toBe('open');
    // The link goes half-open: nothing arrives any more. The first late tick after the last
    // message may follow a sleep (messages may wait behind it): the silence counts from it; the
    // next late tick, nothing read since, judges.
    await vi.advanceTimersByTimeAsync(25_000 + 10_000 + 2 * 60_000);
    // Received: still open after 10 more minutes too. Each watch tick is a chained timer, so it
    // wakes up to 60 s late; late by more than `timeout` reads as a wake from sleep, which
    // restarts the silence count (`last = now`, heartbeat.ts tick) at every tick, forever. With
    // `ping` left on, the same clock finds the dead link in 35 s: its timers are armed from the
    // pong's network callback.
    expect(ofType<CloseEvent>('close').map((e) => e.reason)).toEqual(['heartbeat timeout']);
  });
});

describe('bad input without a clear error', () => {
  it('a custom lifecycle that returns no uninstaller is refused, not installed again at every attempt', async () => {
    // A JS user's `lifecycle: (notify) => { addEventListener(…) }` (the return forgotten): `uninstall
    // ||= lifecycle(signal)` in connect() stays falsy, so every attempt installs the page hooks once
    // more, and each signal is then acted on that many times. No error names the mistake.
    const lifecycle = vi.fn(() => undefined as unknown as () => void);
    const make = () => makeSocket({ random: () => 0, lifecycle });
    let threw = false;
    try {
      make();
    } catch (error) {
      threw = /lifecycle/.test(String(error));
    }
    if (!threw) {
      for (let i = 0; i < 3; i++) {
        FakeWebSocket.last.serverError();
        await vi.advanceTimersByTimeAsync(10_000);
      }
      // Received: 4 installations for 4 attempts.
      expect(lifecycle).toHaveBeenCalledTimes(1);
    }
  });

  it('a URL provider that returns nothing is a failed attempt, not a connection to ws://<page>/undefined', async () => {
    // `url: async () => { const token = await getToken(); if (token) return `wss://…?t=${token}` }`:
    // undefined becomes the relative URL 'undefined', resolved against the page (reference.md: a
    // function that "returns an invalid URL counts as a failed attempt: an error event").
    const { ofType } = makeSocket({}, (async () => undefined) as unknown as () => string);
    await vi.advanceTimersByTimeAsync(0);
    // Received: one WebSocket to ws://localhost:3000/undefined, no error event.
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([]);
    expect(ofType<ErrorEvent>('error').map((e) => (e.error as Error).message)).toEqual([
      "heartbeat-ws: url()'s answer must be a string or URL, got undefined",
    ]);
  });
});

// From a fresh-eyes review of the session's own fixes (session 21): emit()'s skipped events,
// lost()'s early return, connect()'s lifecycle check, the URL provider's answer check (those of
// the heartbeat's `slept` are in test/heartbeat.test.ts, with its other tests).
describe('reconnect() from a listener: the connection that ended still gets its close event', () => {
  // API.md: "`close` (one per connection that ends, including heartbeat timeouts)". close() from
  // such a listener dispatches its own close; reconnect() dispatches none (the socket is already
  // detached), so the lost connection's close is swallowed with nothing in its place. The
  // requests() module's `orphaned` and a SharedHeartbeatSocket leader's relayed `close` (its
  // followers then keep `opened` and miss the next `open`) listen for that event.
  it("statechange listener calling reconnect() on 'reconnecting' (surface.ts emit: the close is not dispatched)", () => {
    const { socket, ofType } = makeSocket({ random: () => 0 });
    FakeWebSocket.last.serverOpen();
    // e.g. "the link dropped: skip the backoff", or a Vue flush: 'sync' watcher / Svelte subscriber.
    socket.addEventListener('statechange', () => socket.state === 'reconnecting' && socket.reconnect());
    FakeWebSocket.last.serverClose(4001, 'kicked', true);
    expect(FakeWebSocket.instances).toHaveLength(2);
    // Received: [] — the connection that was open ended without any close event.
    expect(ofType<CloseEvent>('close').map((e) => e.code)).toEqual([4001]);
  });

  it('shouldReconnect calling reconnect() (machine.ts lost(): the early return skips the close)', () => {
    const ref: { socket?: HeartbeatSocket } = {};
    const made = makeSocket({ random: () => 0, shouldReconnect: () => (ref.socket?.reconnect(), true) });
    ref.socket = made.socket;
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(4001, 'kicked', true);
    // Received: [] — no close for the connection that ended.
    expect(made.ofType<CloseEvent>('close').map((e) => e.code)).toEqual([4001]);
  });
});

describe("a URL provider's answer", () => {
  it("a URL object of another realm (an iframe's) is taken, as a static URL is", async () => {
    // url.ts: `url instanceof URL` refuses any URL not made by this realm's constructor; the
    // constructor's static path (String(input)) takes the same object.
    const frame = document.createElement('iframe');
    document.body.append(frame);
    const FrameURL = (frame.contentWindow as unknown as { URL: typeof URL }).URL;
    const foreign = new FrameURL('wss://example.test/live');
    expect(
      () => new HeartbeatSocket(foreign, [], { WebSocket: FakeWebSocket as never, startClosed: true }),
    ).not.toThrow();
    const { ofType } = makeSocket({}, () => foreign);
    await vi.advanceTimersByTimeAsync(0);
    // Received: an error event "url()'s answer must be a string or URL, got …", no attempt.
    expect(ofType('error')).toEqual([]);
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual(['wss://example.test/live']);
  });
});

describe('a lifecycle that returns no uninstaller, with startClosed', () => {
  it('reconnect() throws the TypeError and leaves the socket CLOSED, not CONNECTING with no attempt', () => {
    const { socket } = makeSocket({ startClosed: true, lifecycle: (() => undefined) as never });
    expect(() => socket.reconnect()).toThrow(/lifecycle/);
    // Received: readyState 0, state 'connecting' (connect() set the phase before the check),
    // no attempt, no timer, no statechange: stuck until close().
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
  });
});

describe("a statechange listener's close() and the other events of the change", () => {
  it('a drop told with the change (the page frozen, with replayUnconfirmed) is still dispatched', () => {
    const page = manual();
    const { socket, ofType } = makeSocket({
      heartbeat: { interval: 1000, timeout: 1000 },
      replayUnconfirmed: true,
      maxEnqueuedMessages: 1,
      lifecycle: page.lifecycle,
    });
    FakeWebSocket.last.serverOpen();
    socket.send('m1'); // written, kept until a pong
    socket.probe(); // sends wait for the answer
    socket.send('m2'); // queued
    socket.addEventListener('statechange', () => socket.state === 'reconnecting' && socket.close());
    // Into the back/forward cache: m1 goes back in front of m2, and the bound of 1 drops one, as
    // the state moves to 'reconnecting', whose listener closes the socket.
    page.signal('freeze');
    expect(socket.state).toBe('closed');
    expect(ofType<CustomEvent<{ reason: string }>>('drop').map((e) => e.detail.reason)).toEqual(['overflow']);
  });
});

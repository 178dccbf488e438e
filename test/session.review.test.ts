// Failing tests from a fresh-eyes review of the session's changes (fcc6dcd..HEAD): emit()'s
// skipped events, the heartbeat's `slept`, lost()'s early return, connect()'s lifecycle check,
// the URL provider's answer check. Each states what the docs promise; see the commit that added it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../src/env/clock';
import { guard } from '../src/guard';
import { heartbeat } from '../src/heartbeat';
import { HeartbeatSocket } from '../src/index';
import type { ResolvedHeartbeat } from '../src/options';
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

/** A started heartbeat (ping: false unless told) and the log of what it asked for. */
function watch(options: Partial<ResolvedHeartbeat> = {}) {
  const calls: string[] = [];
  const o: ResolvedHeartbeat = {
    interval: 1000,
    timeout: 300,
    probeTimeout: 100,
    ping: false,
    isPong: (data) => data === 'pong',
    isServerPing: undefined,
    serverPingReply: 'pong',
    ...options,
  };
  const hb = heartbeat(o, systemClock, {
    send: (data, ping) => calls.push(ping ? `ping ${String(data)}` : `send ${String(data)}`),
    dead: () => calls.push('dead'),
    alive: () => calls.push('alive'),
    pong: () => {},
    woke: () => calls.push('woke'),
    guard: guard(systemClock),
    backlog: () => 0,
  });
  hb.start();
  return { hb, calls };
}

/** The machine sleeps for `ms`: the clock moves, no timer fires meanwhile. */
const sleep = (ms: number) => vi.setSystemTime(Date.now() + ms);

describe('heartbeat with ping: false after a real sleep (the `slept` flag)', () => {
  // heartbeat.test.ts: "a late timer (a suspended page) counts the silence from the wake:
  // interval + timeout". Only the first late tick of a run gets that; `slept` is cleared by an
  // on-time tick, or by a message read while a ping is outstanding (never with ping: false).
  it('a second sleep, after a message was read since the first wake, is again counted from the wake', () => {
    const { hb, calls } = watch();
    vi.advanceTimersByTime(900);
    sleep(60_000);
    vi.advanceTimersByTime(100); // first wake: silence counted from now
    hb.receive('hello'); // the link is alive: read after the wake
    vi.advanceTimersByTime(500);
    sleep(60_000); // the lid is closed again before the next check
    vi.advanceTimersByTime(500);
    // Received: ['dead'] at once, messages possibly waiting behind the wake never read.
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1000 + 300);
    expect(calls).toEqual(['dead']);
  });

  it('a flag left by the previous connection (stop() keeps it): a sleep in the new one is not judged dead at once', () => {
    const { hb, calls } = watch();
    vi.advanceTimersByTime(900);
    sleep(60_000);
    vi.advanceTimersByTime(100); // a late tick: slept = true
    hb.stop(); // that connection ended (the server closed it during the sleep)
    hb.start(); // the next one opened
    vi.advanceTimersByTime(900);
    sleep(60_000);
    vi.advanceTimersByTime(100); // its first tick, after a sleep
    // Received: ['dead'] — judged as a second late tick of a run that belonged to the old connection.
    expect(calls).toEqual([]);
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

// Failing tests from a review of the core (src/machine.ts, src/heartbeat.ts, src/surface.ts, …):
// each states what the docs promise and a user would expect; see the commit that added it.
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
    // shouldReconnect runs in lost() before the phase is set; lost() then overwrites the CLOSED
    // that close() set with RECONNECTING, reinstalls the page hooks and schedules a retry.
    const ref: { socket?: HeartbeatSocket } = {};
    const { socket } = makeSocket({
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
  it("on 'reconnecting': the connection's own close comes first, then close()'s", () => {
    const { socket, ofType } = makeSocket({ random: () => 0 });
    FakeWebSocket.last.serverOpen();
    socket.addEventListener('statechange', () => socket.state === 'reconnecting' && socket.close());
    FakeWebSocket.last.serverClose(4001, 'kicked', true);
    // Received: [1000, 4001]: the server's close arrives after close()'s, with readyState CLOSED.
    expect(ofType<CloseEvent>('close').map((e) => e.code)).toEqual([4001, 1000]);
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

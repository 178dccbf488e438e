/**
 * heartbeat-ws/request over a HeartbeatSocket, for its unit tests (request.test.ts,
 * request.review.test.ts): fake timers and a fresh FakeWebSocket for each test, an open socket
 * with a requests() on it, and what its server side got.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import { requests } from '../../src/request/index';
import { FakeWebSocket } from './fake-websocket';
import { makeSocket } from './socket';

/** Fake timers and a fresh FakeWebSocket for each test of the file that calls it. */
export function useFakes(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeWebSocket.reset();
  });
  afterEach(() => vi.useRealTimers());
}

/** A heartbeat quick to answer in fake time. */
export const hb = { interval: 1000, timeout: 500 };
/** What the server got, pings left out. */
export const userFrames = (ws: FakeWebSocket) => ws.sent.filter((d) => d !== 'ping') as string[];
/** The same, parsed as JSON. */
export const parsed = (ws: FakeWebSocket) => userFrames(ws).map((d) => JSON.parse(d) as Record<string, unknown>);

/** An open socket, its server side, and a requests() on it. */
export function open(options: Parameters<typeof makeSocket>[0] = {}, api: Parameters<typeof requests>[1] = {}) {
  const s = makeSocket({ random: () => 0, ...options });
  const server = FakeWebSocket.last;
  server.serverOpen();
  return { ...s, server, api: requests(s.socket, api) };
}
/** The data of the `message` events the socket's listeners got. */
export const messages = (s: ReturnType<typeof open>) => s.ofType<MessageEvent>('message').map((e) => e.data);

import { vi } from 'vitest';
import { HeartbeatSocket, type Options, type UrlInput } from '../../src/index';
import { FakeWebSocket } from './fake-websocket';

export const URL_ = 'ws://example.test/live';

const living = new Set<HeartbeatSocket>();

/**
 * Closes every socket makeSocket made, so none of them hears the next test's page events, and
 * answers their closing handshakes: a socket left CLOSING keeps its close timeout (real timers),
 * which fired after the file's jsdom was gone (an uncaught TypeError from dispatchEvent).
 */
export function closeAllSockets(): void {
  for (const socket of living) socket.close();
  living.clear();
  for (const ws of FakeWebSocket.instances) if (ws.readyState === 2) ws.serverClose(1000);
}

/** A HeartbeatSocket over FakeWebSocket, with every event it dispatches recorded in order. */
export function makeSocket(options: Options = {}, url: UrlInput = URL_, protocols?: string | string[]) {
  const socket = new HeartbeatSocket(url, protocols, {
    WebSocket: FakeWebSocket as unknown as Options['WebSocket'],
    ...options,
  });
  living.add(socket);
  const events: { type: string; event: Event }[] = [];
  for (const type of ['open', 'message', 'close', 'error', 'reconnecting', 'heartbeat', 'drop', 'giveup']) {
    socket.addEventListener(type, (event) => events.push({ type, event }));
  }
  const types = () => events.map((e) => e.type);
  const ofType = <E extends Event>(type: string) => events.filter((e) => e.type === type).map((e) => e.event as E);
  return { socket, events, types, ofType };
}

/**
 * Catches what the socket reports as uncaught (it throws from a queued microtask, outside the
 * call that failed), so a test can assert it. `restore()` puts the global back.
 */
export function captureReported(): { errors: unknown[]; restore: () => void } {
  const errors: unknown[] = [];
  const original = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (fn) =>
    original(() => {
      try {
        fn();
      } catch (e) {
        errors.push(e);
      }
    });
  return { errors, restore: () => (globalThis.queueMicrotask = original) };
}

/**
 * Catches what the socket logs with `console.error` (a callback option that threw): `errors`
 * holds the thrown values, `lines` every call's arguments. `restore()` puts console.error back.
 */
export function captureLogged(): { errors: unknown[]; lines: unknown[][]; restore: () => void } {
  const lines: unknown[][] = [];
  const errors: unknown[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    lines.push(args);
    errors.push(args.at(-1));
  });
  return { lines, errors, restore: () => spy.mockRestore() };
}

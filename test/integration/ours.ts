// Shared set-up for the HeartbeatSocket integration tests: a client on the `ws` WebSocket with
// short intervals, and a recorder of everything it dispatches.
import { WebSocket } from 'ws';
import { HeartbeatSocket } from '../../src/index';
import type { Options, UrlProvider, WebSocketConstructor } from '../../src/index';
import { type Cleanup, Timeline } from '../helpers/harness';

/** Short intervals; each test states the bounds it relies on. */
export const FAST = {
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  minReconnectionDelay: 50,
  maxReconnectionDelay: 200,
  reconnectionDelayGrowFactor: 1.5,
  jitter: 0.5,
  connectionTimeout: 1_000,
  minUptime: 200,
} satisfies Options;

export function ours(cleanup: Cleanup, url: string | URL | UrlProvider, options: Options = {}): HeartbeatSocket {
  const socket = new HeartbeatSocket(url, undefined, { ...FAST, ...options });
  cleanup.add(() => socket.close());
  return socket;
}

export interface Observed {
  timeline: Timeline;
  inbox: unknown[];
  closes: Array<{ at: number; code: number; reason: string; wasClean: boolean }>;
  drops: unknown[];
}

/** Records every event of `socket` with its time. */
export function observe(socket: HeartbeatSocket, timeline = new Timeline()): Observed {
  const inbox: unknown[] = [];
  const closes: Observed['closes'] = [];
  const drops: unknown[] = [];
  socket.addEventListener('open', () => timeline.mark('open'));
  socket.addEventListener('error', () => timeline.mark('error'));
  socket.addEventListener('close', (e) => {
    const at = timeline.mark('close', { code: e.code, reason: e.reason });
    closes.push({ at, code: e.code, reason: e.reason, wasClean: e.wasClean });
  });
  socket.addEventListener('message', (e) => {
    inbox.push(e.data);
    timeline.mark('message');
  });
  socket.addEventListener('reconnecting', (e) => timeline.mark('reconnecting', e.detail));
  socket.addEventListener('heartbeat', (e) => timeline.mark('heartbeat', e.detail));
  socket.addEventListener('drop', (e) => {
    drops.push(e.detail.data);
    timeline.mark('drop', e.detail.reason);
  });
  return { timeline, inbox, closes, drops };
}

export const isArrayBuffer = (value: unknown): boolean =>
  Object.prototype.toString.call(value) === '[object ArrayBuffer]';

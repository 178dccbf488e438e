/**
 * One scenario, two ways of loading the SDK (a `<script src>` of the UMD file, and a bundle that
 * imports `heartbeat-ws` by name): the page code is the same apart from how it gets the class.
 *
 * The page connects to the `ws` URL of its query string, records its events in
 * `window.client.record`, and exposes the socket as `window.client.socket`.
 */
import { expect } from 'vitest';
import { waitFor } from './browser';
import type { EnginePage as Page } from './engines';
import type { TestServer } from './ws-server';

/** The page code after the line that binds `HeartbeatSocket`. */
export const ECHO_CLIENT_BODY = `
const ws = new URLSearchParams(location.search).get('ws');
const record = { events: [], received: [], drops: [] };
const socket = new HeartbeatSocket(ws, [], {
  minReconnectionDelay: 100,
  maxReconnectionDelay: 400,
  jitter: 0.5,
  connectionTimeout: 2000,
  heartbeat: { interval: 1000, timeout: 2000 },
});
socket.addEventListener('open', () => record.events.push('open'));
socket.addEventListener('close', (e) => record.events.push('close ' + e.code));
socket.addEventListener('reconnecting', (e) => record.events.push('reconnecting ' + e.detail.attempt));
socket.addEventListener('message', (e) => record.received.push(e.data));
socket.addEventListener('drop', (e) => record.drops.push(e.detail.reason + ' ' + e.detail.data));
window.client = { socket, record };
`;

interface Snapshot {
  state: string;
  readyState: number;
  retryCount: number;
  queued: number;
  events: string[];
  received: string[];
  drops: string[];
}

const snapshot = (page: Page): Promise<Snapshot> =>
  page.evaluate(() => {
    // The page's own objects, whatever their shape: read field by field below.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const { socket, record } = (window as unknown as { client: { socket: any; record: any } }).client;
    return {
      state: socket.state,
      readyState: socket.readyState,
      retryCount: socket.retryCount,
      queued: socket.stats.queued,
      events: [...record.events],
      received: [...record.received],
      drops: [...record.drops],
    };
  });

const send = (page: Page, data: string) =>
  page.evaluate((d: string) => {
    (window as unknown as { client: { socket: { send(d: string): void } } }).client.socket.send(d);
  }, data);

const appTexts = (server: TestServer) => server.texts().filter((t) => t !== 'ping');

/**
 * Connects, echoes, survives a server restart on the same port and flushes, in order, what was
 * sent while the server was down. `pageUrl` must load a page running {@link ECHO_CLIENT_BODY}.
 */
export async function runEchoScenario(page: Page, pageUrl: string, server: TestServer): Promise<void> {
  await page.goto(`${pageUrl}?ws=${encodeURIComponent(`${server.url}/echo`)}`);

  // connects and echoes
  await waitFor('the first open', async () => (await snapshot(page)).events.includes('open'), { timeout: 5_000 });
  expect((await snapshot(page)).state).toBe('open');
  await send(page, 'hello');
  await waitFor('the echo of hello', async () => (await snapshot(page)).received.includes('hello'), { timeout: 5_000 });

  // the server goes away: the page sees the close and retries, and what it sends waits
  await server.stop();
  await waitFor('a close event', async () => (await snapshot(page)).events.some((e) => e.startsWith('close')), {
    timeout: 5_000,
  });
  const down = ['down 1', 'down 2', 'down 3', 'down 4', 'down 5'];
  for (const d of down) await send(page, d);
  await waitFor('two failed retries while down', async () => (await snapshot(page)).retryCount >= 2, {
    timeout: 5_000,
  });
  const whileDown = await snapshot(page);
  expect(whileDown.state).not.toBe('open');
  expect(whileDown.queued).toBe(down.length);
  expect(appTexts(server)).toEqual(['hello']);

  // back on the same port: reconnects and flushes, in order, before anything else
  await server.start();
  await waitFor(
    'every queued message echoed',
    async () => {
      const s = await snapshot(page);
      return down.every((d) => s.received.includes(d));
    },
    { timeout: 5_000 },
  );
  const after = await snapshot(page);
  expect(after.state).toBe('open');
  expect(after.queued).toBe(0);
  expect(after.drops).toEqual([]);
  expect(after.received).toEqual(['hello', ...down]);
  expect(appTexts(server)).toEqual(['hello', ...down]);
  expect(server.connections.length).toBe(2);
  expect(server.maxLive()).toBe(1);
  // the flush is the first thing on the new connection
  expect((server.connections[1]?.messages ?? []).map((m) => m.data).slice(0, down.length)).toEqual(down);
}

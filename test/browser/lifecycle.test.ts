/**
 * The page lifecycle in real Chromium (README, "Browser lifecycle"): hidden pages with late
 * timers, return to visible, offline/online, back/forward cache. Chromium is launched without
 * playwright's defaults that switch bfcache and timer throttling off (see test/helpers/browser.ts).
 * The SDK is the minified UMD file, as a page without a build step loads it.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeBrowser,
  launchChromium,
  pageErrors,
  serveStatic,
  waitFor,
  type StaticServer,
} from '../helpers/browser';
import { startTestServer, type TestServer } from '../helpers/ws-server';
import type { HeartbeatSocket as HeartbeatSocketLike } from '../../src/index';

const MIN_JS = path.resolve(__dirname, '../../dist/heartbeat-ws.umd.min.js');

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>lifecycle</title>
<script src="/dist/heartbeat-ws.umd.min.js"></script>
<script>
const q = new URLSearchParams(location.search);
const record = { events: [], pageshow: [], rtts: [] };
addEventListener('pageshow', (e) => record.pageshow.push(e.persisted));
const socket = new HeartbeatWS.HeartbeatSocket(q.get('ws'), [], {
  minReconnectionDelay: 100,
  maxReconnectionDelay: Number(q.get('max') || 400),
  jitter: 0.5,
  minUptime: 300,
  heartbeat: { interval: Number(q.get('interval')), timeout: Number(q.get('timeout')) },
});
for (const type of ['open', 'close', 'error', 'reconnecting']) {
  socket.addEventListener(type, (e) =>
    record.events.push({ t: performance.now(), type, code: e.code, reason: e.reason, attempt: e.detail && e.detail.attempt, delay: e.detail && e.detail.delay }));
}
socket.addEventListener('heartbeat', (e) => record.rtts.push(e.detail.rtt));
window.client = { socket, record };
</script>`;

interface Ev {
  t: number;
  type: string;
  code?: number;
  reason?: string;
  attempt?: number;
  delay?: number;
}
interface Rec {
  events: Ev[];
  pageshow: boolean[];
  rtts: number[];
}

const rec = (page: Page): Promise<Rec & { retryCount: number; state: string; queued: number }> =>
  page.evaluate(() => {
    const c = (window as unknown as { client: { socket: HeartbeatSocketLike; record: Rec } }).client;
    return { ...c.record, retryCount: c.socket.retryCount, state: c.socket.state, queued: c.socket.stats.queued };
  });
const pings = (server: TestServer) => server.texts().filter((t) => t === 'ping').length;

/** Overrides document.visibilityState / hidden and fires visibilitychange, as the browser would. */
const setVisibility = (page: Page, state: 'hidden' | 'visible') =>
  page.evaluate((s) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => s === 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);

describeBrowser('the page lifecycle in Chromium', () => {
  let browser: Browser;
  let http: StaticServer;
  const servers: TestServer[] = [];
  const wsServer = async () => {
    const s = await startTestServer({ maxLifetimeMs: 60_000 });
    servers.push(s);
    return s;
  };

  beforeAll(async () => {
    http = await serveStatic({
      '/': PAGE,
      '/other.html': '<!doctype html><title>other</title><p>elsewhere</p>',
      '/dist/heartbeat-ws.umd.min.js': { file: MIN_JS },
    });
    browser = await launchChromium({ lifecycle: true });
  });

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
    await http?.close();
  });

  const open = async (server: TestServer, params: Record<string, string>) => {
    const page = await browser.newPage();
    const errors = pageErrors(page);
    await page.goto(`${http.url}/?${new URLSearchParams({ ws: server.url, ...params })}`);
    await waitFor('open', async () => (await rec(page)).state === 'open', { timeout: 5_000 });
    return { page, errors };
  };

  it('a hidden page whose timers run late (main thread held 2 s) raises no false heartbeat timeout while pongs arrive', async () => {
    const server = await wsServer();
    const { page, errors } = await open(server, { interval: '200', timeout: '300' });
    await waitFor('two pongs', async () => (await rec(page)).rtts.length >= 2, { timeout: 3_000 });
    await setVisibility(page, 'hidden');
    // Hold the main thread far past interval + timeout: the ping timer fires late, and the pongs
    // the server sent meanwhile wait in the task queue.
    await page.evaluate(() => {
      const end = performance.now() + 2_000;
      while (performance.now() < end) {
        /* a frozen or throttled page */
      }
    });
    const before = (await rec(page)).rtts.length;
    await waitFor('three more pongs', async () => (await rec(page)).rtts.length >= before + 3, { timeout: 5_000 });
    const r = await rec(page);
    expect(r.events.filter((e) => e.type === 'close')).toEqual([]);
    expect(r.state).toBe('open');
    expect(server.connections.length).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a page that becomes visible sends a probe ping at once', async () => {
    const server = await wsServer();
    // interval 10 s: no scheduled ping falls within the test.
    const { page, errors } = await open(server, { interval: '10000', timeout: '3000' });
    await setVisibility(page, 'hidden');
    await new Promise((r) => setTimeout(r, 300));
    const before = pings(server);
    const t0 = Date.now();
    await setVisibility(page, 'visible');
    await waitFor('a ping at the server', () => pings(server) > before, { timeout: 2_000 });
    expect(Date.now() - t0).toBeLessThan(1_000);
    await waitFor('its pong', async () => (await rec(page)).rtts.length >= 1, { timeout: 2_000 });
    expect((await rec(page)).state).toBe('open');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('offline: retryCount does not grow; online: reconnects at once', async () => {
    const server = await wsServer();
    const { page, errors } = await open(server, { interval: '10000', timeout: '3000', max: '5000' });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const network = (offline: boolean) =>
      cdp.send('Network.emulateNetworkConditions', {
        offline,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
    await network(true);
    await waitFor('navigator.onLine false', () => page.evaluate(() => !navigator.onLine), { timeout: 2_000 });
    await server.stop();
    await waitFor('the close', async () => (await rec(page)).events.some((e) => e.type === 'close'), {
      timeout: 5_000,
    });
    // Long enough for several retries at the 100 ms minimum delay, were they counted.
    await new Promise((r) => setTimeout(r, 1_500));
    const offline = await rec(page);
    expect(offline.retryCount).toBe(0);
    expect(offline.state).not.toBe('open');
    const retries = offline.events.filter((e) => e.type === 'reconnecting');
    expect(retries.length).toBeGreaterThanOrEqual(1);
    for (const e of retries) expect(e.attempt).toBe(0);

    await server.start();
    const t0 = Date.now();
    await network(false);
    await waitFor('open again', async () => (await rec(page)).events.filter((e) => e.type === 'open').length === 2, {
      timeout: 5_000,
    });
    // Not the 5 s delay of the wait: at once.
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(server.connections.length).toBe(2);
    await cdp.detach();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('back/forward cache: restored with pageshow.persisted, reconnects and flushes the queue it kept', async () => {
    const server = await wsServer();
    const { page, errors } = await open(server, { interval: '10000', timeout: '3000' });
    // Down, with two messages waiting in the queue.
    await server.stop();
    await waitFor('the close', async () => (await rec(page)).events.some((e) => e.type === 'close'), {
      timeout: 5_000,
    });
    await page.evaluate(() => {
      const s = (window as unknown as { client: { socket: { send(d: string): void } } }).client.socket;
      s.send('queued 1');
      s.send('queued 2');
    });
    expect((await rec(page)).queued).toBe(2);
    await page.goto(`${http.url}/other.html`);
    await server.start();
    // While in the cache, no socket of the page reaches the server.
    await new Promise((r) => setTimeout(r, 700));
    expect(server.connections.length).toBe(1);

    await page.goBack({ waitUntil: 'commit' });
    await waitFor(
      'the restore',
      async () => {
        try {
          return (await rec(page)).pageshow.length >= 2;
        } catch {
          return false; // the page is still being restored
        }
      },
      { timeout: 5_000 },
    );
    const r = await rec(page);
    expect(r.pageshow).toEqual([false, true]);
    await waitFor('a new connection with the queue flushed', () => server.texts().includes('queued 2'), {
      timeout: 3_000,
    });
    expect(server.connections.length).toBe(2);
    expect(server.connections[1]?.messages.map((m) => m.data).slice(0, 2)).toEqual(['queued 1', 'queued 2']);
    expect((await rec(page)).state).toBe('open');
    expect(errors).toEqual([]);
    await page.close();
  });
});

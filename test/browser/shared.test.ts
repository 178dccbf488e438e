/**
 * SharedHeartbeatSocket in real browsers: several pages of one browser profile (tabs) share one
 * connection, as the server counts it. The page loads the minified UMD (global HeartbeatWSShared).
 *
 * What runs where (Web Locks and BroadcastChannel are per profile, so every suite needs several
 * pages of ONE profile, which the three-engine `describeEngines` does not give):
 * - Chromium (playwright-core, pages of one context): everything: five tabs and a server restart,
 *   sends in order and while down, failover by closing the leader tab, by crashing its renderer
 *   (CDP Page.crash) and by navigating it away, replay through a crash mid-stream, close() and
 *   reconnect() in leader and followers, channels and origins kept apart, no Web Locks, and the
 *   back/forward cache.
 * - Firefox (puppeteer-core, pages of one browser) and WebKit (selenium, windows of one
 *   WebDriver session): the core points: three tabs and one connection at the server, every
 *   server message in every tab once, a server restart, sends from every tab in order, and
 *   failover when the leader tab is closed. No renderer crash there (no CDP).
 * Each suite is registered as "<engine>: …" and, like describeEngines, fails under CI=true when its
 * browser is missing.
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, pageErrors, serveStatic, waitFor, type StaticServer } from '../helpers/browser';
import { createEngine, describeChromium, describeEngine, type Engine, type EnginePage } from '../helpers/engines';
import type { WebDriver } from 'selenium-webdriver';
import { startTestServer, type TestServer } from '../helpers/ws-server';

const SHARED_JS = path.resolve(__dirname, '../../dist/shared.umd.min.js');

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>shared</title>
<script src="/dist/shared.umd.min.js"></script>
<script>
const q = new URLSearchParams(location.search);
if (q.has('nolocks')) delete Navigator.prototype.locks;
const record = { events: [], received: [], drops: [], leader: [], pageshow: [] };
addEventListener('pageshow', (e) => record.pageshow.push(e.persisted));
const socket = new HeartbeatWSShared.SharedHeartbeatSocket(q.get('ws'), [], {
  channel: q.get('channel') || undefined,
  minReconnectionDelay: 2000,
  maxReconnectionDelay: 4000,
  jitter: 0,
  minUptime: 200,
  heartbeat: { interval: Number(q.get('interval') || 300), timeout: 2000 },
  replayUnconfirmed: q.has('replay'),
});
for (const type of ['open', 'close', 'error', 'reconnecting', 'heartbeat']) {
  socket.addEventListener(type, (e) => record.events.push(type + (e.code ? ' ' + e.code : '')));
}
socket.addEventListener('message', (e) => record.received.push(e.data));
socket.addEventListener('drop', (e) => record.drops.push(e.detail.reason + ' ' + e.detail.data));
socket.addEventListener('leaderchange', (e) => record.leader.push(e.detail.isLeader));
window.client = { socket, record };
</script>`;

interface View {
  state: string;
  readyState: number;
  isLeader: boolean;
  events: string[];
  received: string[];
  drops: string[];
  leader: boolean[];
  pageshow: boolean[];
}

/** Runs in the page: the socket's state and the page's record. */
const readView = (): View => {
  // The page's own objects: read field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const { socket, record } = (window as any).client;
  return { state: socket.state, readyState: socket.readyState, isLeader: socket.isLeader, ...record };
};
/** Runs in the page: calls a method of the page's socket (its result is not returned). */
const callMethod = ([m, a]: [string, unknown[]]): unknown =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (window as any).client.socket[m](...a);

/** Either driver's page: playwright's (Chromium) or the engines helper's. */
type AnyPage = Page | EnginePage;
const evaluate = <R, A>(page: AnyPage, fn: (arg: A) => R, arg: A): Promise<R> =>
  (page as EnginePage).evaluate(fn, arg) as Promise<R>;

const view = (page: AnyPage): Promise<View> => evaluate(page, readView, undefined);

/** Calls a method of the page's socket. */
const call = (page: AnyPage, method: string, ...args: unknown[]): Promise<unknown> =>
  evaluate(page, callMethod, [method, args] as [string, unknown[]]);

/** A server that answers pings and otherwise only records: what a tab gets came from the test. */
const quietServer = () =>
  startTestServer({
    maxLifetimeMs: 120_000,
    onConnection: (conn) => {
      conn.ws.on('message', (data, binary) => {
        if (!binary && String(data) === 'ping') conn.ws.send('pong');
      });
      return false;
    },
  });

describeChromium(
  'SharedHeartbeatSocket: one connection for every tab (pages of one context; crash through CDP)',
  () => {
    let browser: Browser;
    let http: StaticServer;
    const servers: TestServer[] = [];
    const server = async () => {
      const s = await quietServer();
      servers.push(s);
      return s;
    };

    beforeAll(async () => {
      http = await serveStatic({
        '/': PAGE,
        '/other.html': '<!doctype html><title>other</title><p>elsewhere</p>',
        '/dist/shared.umd.min.js': { file: SHARED_JS },
      });
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      for (const s of servers) await s.close();
      await http?.close();
    });

    /** `count` tabs of one context on `ws`, each open; returns them with their error logs. */
    const tabs = async (
      ws: TestServer,
      count: number,
      params: Record<string, string> = {},
      context?: BrowserContext,
      origin = http.url,
    ) => {
      const ctx = context ?? (await browser.newContext());
      const pages: Page[] = [];
      const errors: string[][] = [];
      for (let i = 0; i < count; i++) {
        const page = await ctx.newPage();
        errors.push(pageErrors(page));
        await page.goto(`${origin}/?${new URLSearchParams({ ws: ws.url, ...params })}`);
        pages.push(page);
      }
      for (const page of pages) await waitFor('open', async () => (await view(page)).state === 'open');
      return { ctx, pages, errors };
    };
    const leaderOf = async (pages: Page[]) => {
      const views = await Promise.all(pages.map((p) => view(p).catch(() => undefined)));
      return pages.filter((_, i) => views[i]?.isLeader);
    };
    const liveCount = (ws: TestServer) => ws.live().length;

    it('five tabs: the server sees one connection; every tab follows its state, its events and every server message, once', async () => {
      const ws = await server();
      const { ctx, pages, errors } = await tabs(ws, 5);
      expect(ws.connections).toHaveLength(1);
      expect(await leaderOf(pages)).toHaveLength(1);
      for (const page of pages) expect((await view(page)).readyState).toBe(1);
      expect(await call(pages[3]!, 'countTabs')).toBe(5);
      for (const m of ['m1', 'm2', 'm3']) ws.connections[0]!.ws.send(m);
      for (const page of pages) {
        await waitFor('three messages', async () => (await view(page)).received.length >= 3);
        await waitFor('a heartbeat', async () => (await view(page)).events.includes('heartbeat'));
      }
      await new Promise((r) => setTimeout(r, 200));
      for (const page of pages) expect((await view(page)).received).toEqual(['m1', 'm2', 'm3']);
      // The server drops the connection: every tab sees it close, wait, and open again.
      ws.closeAll(4000, 'restart');
      for (const page of pages) {
        await waitFor('reopened', async () => {
          const v = await view(page);
          return v.state === 'open' && v.events.includes('close 4000');
        });
        const events = (await view(page)).events.filter((e) => e !== 'heartbeat');
        expect(events).toEqual(['open', 'close 4000', 'reconnecting', 'open']);
      }
      expect(ws.connections).toHaveLength(2);
      expect(ws.maxLive()).toBe(1);
      expect(errors.flat()).toEqual([]);
      await ctx.close();
    });

    it("sends from every tab go out through the one connection, in each tab's order; while it is down they wait", async () => {
      const ws = await server();
      const { ctx, pages } = await tabs(ws, 3, { interval: '60000' });
      for (let i = 0; i < 20; i++) for (const [t, page] of pages.entries()) await call(page, 'send', `t${t}-${i}`);
      await waitFor('60 messages', () => ws.texts().length >= 60);
      for (const t of [0, 1, 2]) {
        expect(ws.texts().filter((m) => m.startsWith(`t${t}-`))).toEqual(
          [...Array(20).keys()].map((i) => `t${t}-${i}`),
        );
      }
      // Down: the server is gone, so the sends wait (in the leader's queue) until it is back.
      await ws.stop();
      await waitFor('down', async () => (await view(pages[2]!)).state !== 'open');
      await call(pages[2]!, 'send', 'while down');
      await ws.start();
      await waitFor('sent after the restart', () => ws.texts().includes('while down'), { timeout: 15_000 });
      expect(ws.live()).toHaveLength(1);
      await ctx.close();
    });

    const failover = async (kill: (page: Page, ctx: BrowserContext) => Promise<unknown>, params = {}) => {
      const ws = await server();
      const { ctx, pages } = await tabs(ws, 4, params);
      const [leader] = await leaderOf(pages);
      const followers = pages.filter((p) => p !== leader);
      const t0 = Date.now();
      await kill(leader!, ctx);
      const next = await waitFor('a new leader', async () => (await leaderOf(followers))[0], { timeout: 5_000 });
      const elected = Date.now() - t0;
      await waitFor('a second connection', () => ws.connections.length === 2 && liveCount(ws) === 1, {
        timeout: 5_000,
      });
      const connected = Date.now() - t0;
      for (const page of followers) await waitFor('open again', async () => (await view(page)).state === 'open');
      return { ws, ctx, followers, next, elected, connected };
    };

    it('closing the leader tab: another tab leads within 1 s and connects at once', async () => {
      const { ctx, elected, connected, next } = await failover((page) => page.close());
      console.log(`[shared] page.close(): new leader after ${elected} ms, connected after ${connected} ms`);
      expect(elected).toBeLessThan(1_000);
      // minReconnectionDelay is 2 s: connecting sooner means the backoff did not apply.
      expect(connected).toBeLessThan(1_500);
      expect((await view(next)).leader).toEqual([true]);
      await ctx.close();
    });

    it("crashing the leader tab's renderer: another tab leads within 1 s", async () => {
      const { ctx, elected, connected } = await failover(async (page, context) => {
        const cdp = await context.newCDPSession(page);
        void cdp.send('Page.crash').catch(() => {});
        await waitFor('the crash', () =>
          page
            .evaluate(() => 1)
            .then(
              () => false,
              () => true,
            ),
        );
      });
      console.log(`[shared] Page.crash: new leader after ${elected} ms, connected after ${connected} ms`);
      expect(elected).toBeLessThan(1_000);
      expect(connected).toBeLessThan(1_500);
      await ctx.close();
    });

    it('navigating the leader tab away: another tab leads within 1 s', async () => {
      const { ctx, elected } = await failover((page) => page.goto(`${http.url}/other.html`));
      console.log(`[shared] navigation: new leader after ${elected} ms`);
      expect(elected).toBeLessThan(1_000);
      await ctx.close();
    });

    it('nothing the followers send is lost when the leader is killed mid-stream (replayUnconfirmed)', async () => {
      const ws = await server();
      const { ctx, pages } = await tabs(ws, 3, { replay: '', interval: '100' });
      const [leader] = await leaderOf(pages);
      const followers = pages.filter((p) => p !== leader);
      // Each follower streams 10 messages every 10 ms until told to stop; the leader's renderer is
      // crashed mid-stream, and the streams go on until the next leader has connected.
      const streams = followers.map((page, t) =>
        page.evaluate(async (t) => {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const w = window as any;
          let i = 0;
          while (!w.stopStream) {
            for (let k = 0; k < 10; k++) w.client.socket.send(`f${t}-${i++}`);
            await new Promise((r) => setTimeout(r, 10));
          }
          return i;
        }, t),
      );
      await waitFor('the stream under way', () => ws.texts().length >= 100);
      const cdp = await ctx.newCDPSession(leader!);
      void cdp.send('Page.crash').catch(() => {});
      await waitFor('the new leader connected', () => ws.connections.length >= 2, { timeout: 10_000 });
      await new Promise((r) => setTimeout(r, 300));
      for (const page of followers)
        await page.evaluate(() => ((window as unknown as { stopStream: boolean }).stopStream = true));
      const sent = await Promise.all(streams);
      const expected = sent.flatMap((n, t) => [...Array(n).keys()].map((i) => `f${t}-${i}`));
      await waitFor(
        'every message at the server',
        () => {
          const got = new Set(ws.texts());
          return expected.every((m) => got.has(m));
        },
        { timeout: 15_000 },
      );
      const [first, second] = ws.connections;
      const count = (c: typeof first) => c!.messages.filter((m) => String(m.data).startsWith('f')).length;
      console.log(`[shared] crash mid-stream: ${count(first)} on the first connection, ${count(second)} on the second`);
      // Mid-stream: both connections carried part of the stream.
      expect(count(first)).toBeGreaterThan(0);
      expect(count(second)).toBeGreaterThan(0);
      for (const page of followers) expect((await view(page)).drops).toEqual([]);
      await ctx.close();
    });

    it('close() in a follower detaches only that tab; in the leader it hands over; after the last tab the connection closes', async () => {
      const ws = await server();
      const { ctx, pages } = await tabs(ws, 3);
      const [leader] = await leaderOf(pages);
      const [follower, other] = pages.filter((p) => p !== leader);
      await call(follower!, 'close');
      await waitFor('follower closed', async () => (await view(follower!)).state === 'closed');
      ws.connections[0]!.ws.send('after');
      await waitFor('others got it', async () => (await view(other!)).received.includes('after'));
      expect((await view(follower!)).received).toEqual([]);
      expect(ws.connections).toHaveLength(1);
      await call(leader!, 'close');
      await waitFor('handed over', async () => (await view(other!)).isLeader && (await view(other!)).state === 'open');
      expect(ws.connections).toHaveLength(2);
      expect(ws.maxLive()).toBe(1);
      await call(other!, 'close');
      await waitFor('no connection left', () => liveCount(ws) === 0);
      // reconnect() on a tab that left joins again, and starts the connection.
      await call(follower!, 'reconnect');
      await waitFor('open again', async () => (await view(follower!)).state === 'open');
      expect(liveCount(ws)).toBe(1);
      await ctx.close();
    });

    it('reconnect() in a follower reconnects the shared connection', async () => {
      const ws = await server();
      const { ctx, pages } = await tabs(ws, 3);
      const follower = (await Promise.all(pages.map(view))).findIndex((v) => !v.isLeader);
      await call(pages[follower]!, 'reconnect');
      await waitFor('a new connection', () => ws.connections.length === 2 && liveCount(ws) === 1);
      for (const page of pages) await waitFor('open', async () => (await view(page)).state === 'open');
      await ctx.close();
    });

    it('two channels, or two origins (127.0.0.1 and localhost), never share', async () => {
      const ws = await server();
      const ctx = await browser.newContext();
      await tabs(ws, 2, { channel: 'one' }, ctx);
      await tabs(ws, 2, { channel: 'two' }, ctx);
      expect(ws.connections).toHaveLength(2);
      const local = http.url.replace('127.0.0.1', 'localhost');
      const { pages } = await tabs(ws, 2, { channel: 'one' }, ctx, local);
      expect(ws.connections).toHaveLength(3);
      ws.connections[2]!.ws.send('for localhost');
      await waitFor('localhost tabs got it', async () => (await view(pages[1]!)).received.includes('for localhost'));
      for (const page of ctx.pages().slice(0, 4)) expect((await view(page)).received).toEqual([]);
      await ctx.close();
    });

    it('without Web Locks, each tab keeps its own connection', async () => {
      const ws = await server();
      const { ctx, pages } = await tabs(ws, 3, { nolocks: '' });
      expect(ws.connections).toHaveLength(3);
      for (const page of pages) expect((await view(page)).isLeader).toBe(true);
      await ctx.close();
    });
  },
);

describeChromium('SharedHeartbeatSocket with the back/forward cache on', () => {
  let browser: Browser;
  let http: StaticServer;
  let ws: TestServer;

  beforeAll(async () => {
    http = await serveStatic({
      '/': PAGE,
      '/other.html': '<!doctype html><title>other</title><p>elsewhere</p>',
      '/dist/shared.umd.min.js': { file: SHARED_JS },
    });
    ws = await quietServer();
    browser = await launchChromium({ lifecycle: true });
  });
  afterAll(async () => {
    await browser?.close();
    await ws?.close();
    await http?.close();
  });

  it('a leader page going into the back/forward cache lets go of its lock, and leadership moves; back, it follows', async () => {
    const ctx = await browser.newContext();
    const url = `${http.url}/?${new URLSearchParams({ ws: ws.url })}`;
    const a = await ctx.newPage();
    await a.goto(url);
    await waitFor('a leads', async () => (await view(a)).isLeader && (await view(a)).state === 'open');
    const b = await ctx.newPage();
    await b.goto(url);
    await waitFor('b open', async () => (await view(b)).state === 'open');
    const t0 = Date.now();
    await a.goto(`${http.url}/other.html`);
    await waitFor('b leads', async () => (await view(b)).isLeader, { timeout: 5_000 });
    console.log(`[shared] bfcache: new leader after ${Date.now() - t0} ms`);
    expect(Date.now() - t0).toBeLessThan(2_000);
    await a.goBack({ waitUntil: 'commit' });
    await waitFor('restored', async () => (await view(a).catch(() => undefined))?.pageshow.includes(true));
    const restored = (await waitFor('a follows, open', async () => {
      const v = await view(a);
      return v.state === 'open' && v;
    })) as View;
    // Restored from the cache (not reloaded), and a follower now.
    expect(restored.pageshow).toEqual([false, true]);
    expect(restored.isLeader).toBe(false);
    expect(restored.leader).toEqual([true, false]);
    expect(ws.live()).toHaveLength(1);
    await ctx.close();
  });
});

/**
 * Firefox: pages of one puppeteer-launched Firefox share its one profile, so they share Web Locks
 * and BroadcastChannel as tabs do. The core points of #12: one connection for every tab at the
 * server, every server message in every tab, failover when the leader tab is closed.
 */
/** How a suite of another engine gets tabs of one profile; see {@link sharedCoreTests}. */
interface TabsOfOneProfile {
  name: string;
  /** How the leader tab is closed, in words for the log. */
  closing: string;
  server: () => Promise<TestServer>;
  tabs: (ws: TestServer, count: number, params?: Record<string, string>) => Promise<EnginePage[]>;
}

/**
 * The core points of #12 in an engine other than Chromium: one connection for three tabs, every
 * message in every tab, each tab's order, failover when the leader tab closes. One call at a
 * time per page, as WebDriver talks to one window at a time.
 */
function sharedCoreTests(d: TabsOfOneProfile): void {
  const leaderOf = async (pages: EnginePage[]) => {
    const views: (View | undefined)[] = [];
    for (const p of pages) views.push(await view(p).catch(() => undefined));
    return pages.filter((_, i) => views[i]?.isLeader);
  };
  const errorsOf = async (pages: EnginePage[]) => {
    const all: string[] = [];
    for (const p of pages) all.push(...(await p.errors()));
    return all;
  };
  const closeAll = async (pages: EnginePage[]) => {
    for (const p of pages) await p.close().catch(() => {});
  };

  it('three tabs: the server sees one connection; every tab follows its state and gets every server message, once', async () => {
    const ws = await d.server();
    const pages = await d.tabs(ws, 3);
    expect(ws.connections).toHaveLength(1);
    expect(await leaderOf(pages)).toHaveLength(1);
    for (const page of pages) expect((await view(page)).readyState).toBe(1);
    for (const m of ['m1', 'm2', 'm3']) ws.connections[0]!.ws.send(m);
    for (const page of pages) {
      await waitFor('three messages', async () => (await view(page)).received.length >= 3);
      await waitFor('a heartbeat', async () => (await view(page)).events.includes('heartbeat'));
    }
    await new Promise((r) => setTimeout(r, 200));
    for (const page of pages) expect((await view(page)).received).toEqual(['m1', 'm2', 'm3']);
    ws.closeAll(4000, 'restart');
    for (const page of pages) {
      await waitFor('reopened', async () => {
        const v = await view(page);
        return v.state === 'open' && v.events.includes('close 4000');
      });
      const events = (await view(page)).events.filter((e) => e !== 'heartbeat');
      expect(events).toEqual(['open', 'close 4000', 'reconnecting', 'open']);
    }
    expect(ws.connections).toHaveLength(2);
    expect(ws.maxLive()).toBe(1);
    expect(await errorsOf(pages)).toEqual([]);
    await closeAll(pages);
  });

  it("sends from every tab go out through the one connection, in each tab's order", async () => {
    const ws = await d.server();
    const pages = await d.tabs(ws, 3, { interval: '60000' });
    for (let i = 0; i < 20; i++) for (const [t, page] of pages.entries()) await call(page, 'send', `t${t}-${i}`);
    await waitFor('60 messages', () => ws.texts().length >= 60);
    for (const t of [0, 1, 2]) {
      expect(ws.texts().filter((m) => m.startsWith(`t${t}-`))).toEqual([...Array(20).keys()].map((i) => `t${t}-${i}`));
    }
    expect(ws.connections).toHaveLength(1);
    await closeAll(pages);
  });

  it('closing the leader tab: another tab leads within 1 s and connects at once', async () => {
    const ws = await d.server();
    const pages = await d.tabs(ws, 3);
    const [leader] = await leaderOf(pages);
    const followers = pages.filter((p) => p !== leader);
    const t0 = Date.now();
    await leader!.close();
    const next = await waitFor('a new leader', async () => (await leaderOf(followers))[0], { timeout: 5_000 });
    const elected = Date.now() - t0;
    await waitFor('a second connection', () => ws.connections.length === 2 && ws.live().length === 1, {
      timeout: 5_000,
    });
    const connected = Date.now() - t0;
    for (const page of followers) await waitFor('open again', async () => (await view(page)).state === 'open');
    console.log(`[shared] ${d.name} ${d.closing}: new leader after ${elected} ms, connected after ${connected} ms`);
    expect(elected).toBeLessThan(1_000);
    // minReconnectionDelay is 2 s: connecting sooner means the backoff did not apply.
    expect(connected).toBeLessThan(1_500);
    expect((await view(next)).leader).toEqual([true]);
    ws.connections[1]!.ws.send('after');
    for (const page of followers)
      await waitFor('the message after failover', async () => (await view(page)).received.includes('after'));
    expect(ws.maxLive()).toBe(1);
    expect(await errorsOf(followers)).toEqual([]);
    await closeAll(followers);
  });
}

describeEngine('firefox', 'SharedHeartbeatSocket: one connection for every tab (tabs of one profile)', () => {
  let engine: Engine;
  let http: StaticServer;
  const servers: TestServer[] = [];
  const server = async () => {
    const s = await quietServer();
    servers.push(s);
    return s;
  };

  beforeAll(async () => {
    http = await serveStatic({ '/': PAGE, '/dist/shared.umd.min.js': { file: SHARED_JS } });
    engine = createEngine('firefox');
    await engine.launch();
  });
  afterAll(async () => {
    await engine?.close();
    for (const s of servers) await s.close();
    await http?.close();
  });

  const tabs = async (ws: TestServer, count: number, params: Record<string, string> = {}) => {
    const pages: EnginePage[] = [];
    for (let i = 0; i < count; i++) {
      const page = await engine.newPage();
      await page.goto(`${http.url}/?${new URLSearchParams({ ws: ws.url, ...params })}`);
      pages.push(page);
    }
    for (const page of pages) await waitFor('open', async () => (await view(page)).state === 'open');
    return pages;
  };
  sharedCoreTests({ name: 'firefox', closing: 'page.close()', server, tabs });
});

/**
 * WebKit: windows of one WebDriver session (`switchTo().newWindow('tab')`) are tabs of one
 * MiniBrowser profile. WebDriver talks to one window at a time, so every call switches to its tab
 * first, one call at a time.
 */
describeEngine('webkit', 'SharedHeartbeatSocket: one connection for every tab (windows of one session)', () => {
  let engine: Engine;
  let http: StaticServer;
  const servers: TestServer[] = [];
  const server = async () => {
    const s = await quietServer();
    servers.push(s);
    return s;
  };
  let driver: WebDriver;
  /** The session's first window: it stays on about:blank, so the session outlives every tab. */
  let home = '';
  let busy: Promise<unknown> = Promise.resolve();
  /** Runs `step` with the driver switched to `handle`, after every call before it. */
  const inTab = <T>(handle: string, step: () => Promise<T>): Promise<T> => {
    const run = busy.then(async () => {
      await driver.switchTo().window(handle);
      return step();
    });
    busy = run.catch(() => {});
    return run;
  };
  const tab = (handle: string): EnginePage =>
    ({
      evaluate: <R, A>(fn: (arg: A) => R, arg?: A) =>
        inTab(handle, async () => {
          const r = (await driver.executeAsyncScript(
            `const done = arguments[arguments.length - 1];
             Promise.resolve().then(() => (${fn.toString()})(arguments[0])).then(
               (value) => done({ ok: true, value: value === undefined ? null : value }),
               (err) => done({ ok: false, error: String((err && err.stack) || err) }));`,
            arg ?? null,
          )) as { ok: boolean; value?: R; error?: string };
          if (!r.ok) throw new Error(`in the page: ${r.error}`);
          return r.value;
        }),
      errors: () =>
        inTab(handle, async () => (await driver.executeScript('return window.__pageErrors || []')) as string[]),
      close: () => inTab(handle, () => driver.close()),
    }) as unknown as EnginePage;

  beforeAll(async () => {
    http = await serveStatic({ '/': PAGE, '/dist/shared.umd.min.js': { file: SHARED_JS } });
    engine = createEngine('webkit');
    await engine.launch();
    driver = (engine as unknown as { driver: WebDriver }).driver;
    home = await driver.getWindowHandle();
  });
  afterAll(async () => {
    await engine?.close();
    for (const s of servers) await s.close();
    await http?.close();
  });

  /** `count` tabs on `ws`; the session's first window is left on about:blank. */
  const tabs = async (ws: TestServer, count: number, params: Record<string, string> = {}) => {
    const pages: EnginePage[] = [];
    for (let i = 0; i < count; i++) {
      const handle = await inTab(home, async () => {
        await driver.switchTo().newWindow('tab');
        await driver.get(`${http.url}/?${new URLSearchParams({ ws: ws.url, ...params })}`);
        return driver.getWindowHandle();
      });
      pages.push(tab(handle));
    }
    for (const page of pages) await waitFor('open', async () => (await view(page)).state === 'open');
    return pages;
  };
  sharedCoreTests({ name: 'webkit', closing: 'window close', server, tabs });
});

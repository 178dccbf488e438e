/**
 * SharedHeartbeatSocket in real browsers: several pages of one browser profile (tabs) share one
 * connection, as the server counts it. The page loads the minified UMD (global HeartbeatWSShared).
 *
 * Web Locks and BroadcastChannel are per profile, so every suite needs several pages of ONE
 * profile, which the three-engine `describeEngines` does not give. Each engine says how it gets
 * them ({@link TabsOfOneProfile}) and runs the same tests ({@link sharedTests},
 * {@link sharedBfcacheTests}):
 * - Chromium: pages of one playwright context (a new context per test). The leader is also
 *   killed by crashing its renderer (CDP Page.crash), which only Chromium can do; the back/forward
 *   cache tests run in a second browser, launched without playwright's switches that turn the
 *   cache off.
 * - Firefox: pages of one puppeteer-launched browser (BiDi). Killing the leader = closing its tab.
 * - WebKit: windows of one WebDriver session (`newWindow('tab')`); WebDriver talks to one window
 *   at a time, so every call switches to its tab first, one call at a time. Killing the leader =
 *   closing its window.
 * Each suite is registered as "<engine>: …" and, like describeEngines, fails under CI=true when its
 * browser is missing.
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { launchChromium, pageErrors, serveStatic, waitFor, type StaticServer } from '../helpers/browser';
import { createEngine, describeChromium, describeEngine, type Engine, type EngineName } from '../helpers/engines';
import { firefoxPages, webkitWindows, type Profile, type ProfileTab } from '../helpers/profiles';
import { startTestServer, type TestServer } from '../helpers/ws-server';

const SHARED_JS = path.resolve(__dirname, '../../dist/shared.umd.min.js');

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>shared</title>
<script src="/dist/shared.umd.min.js"></script>
<script src="/dist/outbox.umd.min.js"></script>
<script>
const q = new URLSearchParams(location.search);
if (q.has('nolocks')) delete Navigator.prototype.locks;
const record = { events: [], received: [], origins: [], drops: [], leader: [], pageshow: [] };
addEventListener('pageshow', (e) => record.pageshow.push(e.persisted));
const socket = new HeartbeatWSShared.SharedHeartbeatSocket(q.get('ws'), [], {
  channel: q.get('channel') || undefined,
  minReconnectionDelay: 2000,
  maxReconnectionDelay: 4000,
  jitter: 0,
  minUptime: 200,
  heartbeat: { interval: Number(q.get('interval') || 300), timeout: 2000 },
  replayUnconfirmed: q.has('replay'),
  outbox: q.get('outbox') ? HeartbeatWSOutbox.indexedDbOutbox(q.get('outbox')) : undefined,
});
for (const type of ['open', 'close', 'error', 'reconnecting', 'heartbeat']) {
  socket.addEventListener(type, (e) => record.events.push(type + (e.code ? ' ' + e.code : '')));
}
socket.addEventListener('message', (e) => (record.received.push(e.data), record.origins.push(e.origin)));
socket.addEventListener('drop', (e) => record.drops.push(e.detail.reason + ' ' + e.detail.data));
socket.addEventListener('leaderchange', (e) => record.leader.push(e.detail.isLeader));
window.client = { socket, record };
</script>`;

const FILES = {
  '/': PAGE,
  '/other.html': '<!doctype html><title>other</title><p>elsewhere</p>',
  '/dist/shared.umd.min.js': { file: SHARED_JS },
  '/dist/outbox.umd.min.js': { file: path.resolve(__dirname, '../../dist/outbox.umd.min.js') },
};

interface View {
  state: string;
  readyState: number;
  isLeader: boolean;
  events: string[];
  received: string[];
  origins: string[];
  drops: string[];
  leader: boolean[];
  pageshow: boolean[];
}

/** A tab of one profile, whatever drives it. */
type Tab = ProfileTab;

/** How one engine's suite gets tabs of one profile; see {@link sharedTests}. */
interface TabsOfOneProfile {
  engine: EngineName;
  /** Chromium: a new context; Firefox and WebKit: more tabs of the browser's one profile. */
  profile: () => Promise<Profile>;
  /** How the leader tab is closed, in words for the test names and the log. */
  closing: string;
  /** Crashes a tab's renderer, where the engine can (Chromium, through CDP). */
  crash?: (tab: Tab) => Promise<void>;
}

/** Runs in the page: the socket's state and the page's record. */
const readView = (): View => {
  // The page's own objects: read field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const { socket, record } = (window as any).client;
  return { state: socket.state, readyState: socket.readyState, isLeader: socket.isLeader, ...record };
};
/** Runs in the page: calls a method of the page's socket and returns what it returned. */
const callMethod = ([m, a]: [string, unknown[]]): unknown =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (window as any).client.socket[m](...a);

const view = (tab: Tab): Promise<View> => tab.evaluate(readView);
/** `view`, or undefined while the tab is closed or between documents. */
const viewOrNothing = (tab: Tab): Promise<View | undefined> => view(tab).catch(() => undefined);

/** Calls a method of the page's socket. */
const call = (tab: Tab, method: string, ...args: unknown[]): Promise<unknown> =>
  tab.evaluate(callMethod, [method, args] as [string, unknown[]]);

/** One at a time: WebDriver talks to one window at a time. */
const leaderOf = async (tabs: Tab[]): Promise<Tab[]> => {
  const leaders: Tab[] = [];
  for (const t of tabs) if ((await viewOrNothing(t))?.isLeader) leaders.push(t);
  return leaders;
};
const errorsOf = async (tabs: Tab[]): Promise<string[]> => {
  const all: string[] = [];
  for (const t of tabs) all.push(...(await t.errors()));
  return all;
};

/**
 * Runs in the page: sends `f<t>-0`, `f<t>-1`, … ten every 10 ms until {@link stopStream}. It runs
 * on its own in the page (WebDriver runs one script at a time per session).
 */
const startStream = (t: number): void => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const w = window as any;
  w.streamed = 0;
  w.stopStream = false;
  void (async () => {
    while (!w.stopStream) {
      for (let k = 0; k < 10; k++) w.client.socket.send(`f${t}-${w.streamed++}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
};
/** Runs in the page: stops the stream and returns how many it sent. */
const stopStream = (): number => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const w = window as any;
  w.stopStream = true;
  return w.streamed as number;
};

/** Runs in the page: how many messages outbox database `db` holds (0 if it cannot tell). */
const countStored = (db: string): Promise<number> =>
  new Promise((resolve) => {
    const open = indexedDB.open(db);
    open.onsuccess = () => {
      const count = open.result.transaction('messages').objectStore('messages').count();
      count.onsuccess = () => (open.result.close(), resolve(count.result));
      count.onerror = () => (open.result.close(), resolve(0));
    };
    open.onerror = () => resolve(0);
  });

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

/**
 * The page server, the WebSocket servers and the profiles of one suite: started before its
 * tests, every profile closed after each test (a failed test leaves no tab behind), all stopped
 * after the suite.
 */
function useShared(d: TabsOfOneProfile) {
  let http: StaticServer;
  const servers: TestServer[] = [];
  const profiles: Profile[] = [];
  beforeAll(async () => {
    http = await serveStatic(FILES);
  });
  afterEach(async () => {
    for (const p of profiles.splice(0)) await p.close().catch(() => {});
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await http?.close();
  });
  const env = {
    origin: () => http.url,
    server: async () => {
      const s = await quietServer();
      servers.push(s);
      return s;
    },
    profile: async () => {
      const p = await d.profile();
      profiles.push(p);
      return p;
    },
    /** `count` new tabs of `profile` on `ws`, each open. */
    tabs: async (
      ws: TestServer,
      count: number,
      params: Record<string, string> = {},
      profile?: Profile,
      origin = http.url,
    ) => {
      const p = profile ?? (await env.profile());
      const tabs: Tab[] = [];
      for (let i = 0; i < count; i++)
        tabs.push(await p.open(`${origin}/?${new URLSearchParams({ ws: ws.url, ...params })}`));
      for (const t of tabs) await waitFor('open', async () => (await view(t)).state === 'open');
      return tabs;
    },
  };
  return env;
}

/** Every test of #12 that the engine can run, counted at the server. */
function sharedTests(d: TabsOfOneProfile): void {
  const env = useShared(d);
  const kill = d.crash
    ? 'crashing its renderer (CDP Page.crash)'
    : `closing its tab (${d.closing}; no crash without CDP)`;

  it('five tabs: the server sees one connection; every tab follows its state, its events and every server message, once', async () => {
    const ws = await env.server();
    const pages = await env.tabs(ws, 5);
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
    // Every tab's events carry the origin a WebSocket's messages carry: its URL's.
    const origin = new URL(ws.url).origin;
    for (const page of pages) expect((await view(page)).origins).toEqual([origin, origin, origin]);
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
    expect(await errorsOf(pages)).toEqual([]);
  });

  it("sends from every tab go out through the one connection, in each tab's order; while it is down they wait", async () => {
    const ws = await env.server();
    const pages = await env.tabs(ws, 3, { interval: '60000' });
    for (let i = 0; i < 20; i++) for (const [t, page] of pages.entries()) await call(page, 'send', `t${t}-${i}`);
    await waitFor('60 messages', () => ws.texts().length >= 60);
    for (const t of [0, 1, 2]) {
      expect(ws.texts().filter((m) => m.startsWith(`t${t}-`))).toEqual([...Array(20).keys()].map((i) => `t${t}-${i}`));
    }
    expect(ws.connections).toHaveLength(1);
    // Down: the server is gone, so the sends wait (in the leader's queue) until it is back.
    await ws.stop();
    await waitFor('down', async () => (await view(pages[2]!)).state !== 'open');
    await call(pages[2]!, 'send', 'while down');
    await ws.start();
    await waitFor('sent after the restart', () => ws.texts().includes('while down'), { timeout: 15_000 });
    expect(ws.live()).toHaveLength(1);
    expect(ws.maxLive()).toBe(1);
  });

  /** Three tabs; `leave` takes the leader away; another must lead within 1 s and connect at once. */
  const failover = async (how: string, leave: (leader: Tab) => Promise<unknown>) => {
    const ws = await env.server();
    const pages = await env.tabs(ws, 3);
    const [leader] = await leaderOf(pages);
    const followers = pages.filter((p) => p !== leader);
    const t0 = Date.now();
    await leave(leader!);
    const next = await waitFor('a new leader', async () => (await leaderOf(followers))[0], { timeout: 5_000 });
    const elected = Date.now() - t0;
    await waitFor('a second connection', () => ws.connections.length === 2 && ws.live().length === 1, {
      timeout: 5_000,
    });
    const connected = Date.now() - t0;
    for (const page of followers) await waitFor('open again', async () => (await view(page)).state === 'open');
    console.log(`[shared] ${d.engine} ${how}: new leader after ${elected} ms, connected after ${connected} ms`);
    expect(elected).toBeLessThan(1_000);
    // minReconnectionDelay is 2 s: connecting sooner means the backoff did not apply.
    expect(connected).toBeLessThan(1_500);
    expect((await view(next)).leader).toEqual([true]);
    ws.connections[1]!.ws.send('after');
    for (const page of followers)
      await waitFor('the message after failover', async () => (await view(page)).received.includes('after'));
    expect(ws.maxLive()).toBe(1);
    expect(await errorsOf(followers)).toEqual([]);
  };

  it(`closing the leader tab (${d.closing}): another tab leads within 1 s and connects at once`, () =>
    failover(d.closing, (leader) => leader.close()));

  if (d.crash) {
    const crash = d.crash;
    it("crashing the leader tab's renderer: another tab leads within 1 s and connects at once", () =>
      failover('Page.crash', crash));
  }

  it('navigating the leader tab away: another tab leads within 1 s and connects at once', () =>
    failover('navigation', (leader) => leader.goto(`${env.origin()}/other.html`)));

  it(`with an outbox: the leader killed by ${kill}, then the last tab reloaded, the server down all along: each message of each tab arrives once, in order`, async () => {
    const ws = await env.server();
    const name = `shared-${d.engine}-${Date.now()}`;
    const db = `heartbeat-ws outbox ${name}`;
    const pages = await env.tabs(ws, 2, { outbox: name, interval: '60000' });
    const [leader] = await leaderOf(pages);
    const follower = pages.find((p) => p !== leader)!;
    await ws.stop();
    for (const page of pages) await waitFor('down', async () => (await view(page)).state !== 'open');
    for (let i = 1; i <= 3; i++) {
      await call(leader!, 'send', `L${i}`);
      await call(follower, 'send', `F${i}`);
    }
    // The leader's socket keeps every tab's messages in the outbox.
    await waitFor('six stored', async () => (await leader!.evaluate(countStored, db)) === 6);
    await (d.crash ?? ((tab: Tab) => tab.close()))(leader!);
    await waitFor('the follower leads', async () => (await view(follower)).isLeader, { timeout: 5_000 });
    await call(follower, 'send', 'F4');
    // The new leader took over what the old one kept (its own F1-F3 handed over again, not twice).
    await waitFor('seven stored', async () => (await follower.evaluate(countStored, db)) === 7);
    await follower.evaluate(() => void setTimeout(() => location.reload()));
    await waitFor('reloaded, leading', async () => {
      const v = await viewOrNothing(follower);
      return v?.isLeader && v.leader.length === 1;
    });
    await ws.start();
    const sent = () => ws.texts().filter((m) => /^[LF]\d$/.test(m));
    await waitFor('seven at the server', () => sent().length >= 7, { timeout: 15_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(sent().filter((m) => m[0] === 'L')).toEqual(['L1', 'L2', 'L3']);
    expect(sent().filter((m) => m[0] === 'F')).toEqual(['F1', 'F2', 'F3', 'F4']);
    await waitFor('nothing left stored', async () => (await follower.evaluate(countStored, db)) === 0);
    expect((await view(follower)).drops).toEqual([]);
    expect(await follower.errors()).toEqual([]);
  });

  it('with an outbox: the leader tab calls close() while the server is down; the next leader sends what it held for every tab, once', async () => {
    const ws = await env.server();
    const name = `handover-${d.engine}-${Date.now()}`;
    const pages = await env.tabs(ws, 2, { outbox: name, interval: '60000' });
    const [leader] = await leaderOf(pages);
    const follower = pages.find((p) => p !== leader)!;
    await ws.stop();
    for (const page of pages) await waitFor('down', async () => (await view(page)).state !== 'open');
    await call(leader!, 'send', 'L1');
    await call(follower, 'send', 'F1');
    await call(leader!, 'send', 'L2');
    await waitFor(
      'three stored',
      async () => (await leader!.evaluate(countStored, `heartbeat-ws outbox ${name}`)) === 3,
    );
    // Detached, its page alive: what its socket kept goes to the next leader, not lost with it.
    await call(leader!, 'close');
    await waitFor('the follower leads', async () => (await view(follower)).isLeader, { timeout: 5_000 });
    await ws.start();
    const sent = () => ws.texts().filter((m) => /^[LF]\d$/.test(m));
    await waitFor('three at the server', () => sent().length >= 3, { timeout: 15_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(sent().filter((m) => m[0] === 'L')).toEqual(['L1', 'L2']);
    expect(sent().filter((m) => m[0] === 'F')).toEqual(['F1']);
    expect(await errorsOf(pages)).toEqual([]);
  });

  it("two live tabs on one outbox name, each leading a connection of its own (two channels): neither sends the other's messages; each arrives once, from its own tab", async () => {
    const ws = await env.server();
    const name = `live-${d.engine}-${Date.now()}`;
    const profile = await env.profile();
    const params = (channel: string) => ({ ws: ws.url, outbox: name, channel, interval: '60000' });
    const [first] = await env.tabs(ws, 1, params('one'), profile);
    await ws.stop();
    await waitFor('down', async () => (await view(first!)).state !== 'open');
    for (let i = 1; i <= 3; i++) await call(first!, 'send', `A${i}`);
    const stored = () => first!.evaluate(countStored, `heartbeat-ws outbox ${name}`);
    await waitFor('three stored', async () => (await stored()) === 3);
    // The second tab's first attempt waits until its outbox has taken what ended pages left: the
    // first tab's messages are not among them, its page being alive.
    const second = await profile.open(`${env.origin()}/?${new URLSearchParams(params('two'))}`);
    await waitFor('its first attempt refused', async () => (await view(second)).events.includes('reconnecting'));
    for (let i = 1; i <= 3; i++) await call(second, 'send', `B${i}`);
    await waitFor('six stored', async () => (await stored()) === 6);
    await ws.start();
    const lots = () =>
      ws.connections
        .map((c) => c.messages.map((m) => String(m.data)).filter((m) => /^[AB]\d$/.test(m)))
        .filter((lot) => lot.length);
    await waitFor('six at the server', () => lots().flat().length >= 6, { timeout: 15_000 });
    await new Promise((r) => setTimeout(r, 500));
    // Each tab's own connection carries its own messages, once, and nothing of the other's.
    expect(lots().sort((a, b) => a[0]!.localeCompare(b[0]!))).toEqual([
      ['A1', 'A2', 'A3'],
      ['B1', 'B2', 'B3'],
    ]);
    expect(await errorsOf([first!, second])).toEqual([]);
  });

  it(`nothing the followers send is lost when the leader is killed mid-stream by ${kill} (replayUnconfirmed)`, async () => {
    const ws = await env.server();
    const pages = await env.tabs(ws, 3, { replay: '', interval: '100' });
    const [leader] = await leaderOf(pages);
    const followers = pages.filter((p) => p !== leader);
    const fromFollowers = (c: (typeof ws.connections)[number] | undefined) =>
      c?.messages.filter((m) => String(m.data).startsWith('f')).length ?? 0;
    // Each follower streams until told to stop; the leader is killed mid-stream, and the streams
    // go on until the next leader's connection has carried part of them.
    for (const [t, page] of followers.entries()) await page.evaluate(startStream, t);
    await waitFor('the stream under way', () => ws.texts().length >= 100, { timeout: 15_000 });
    await (d.crash ?? ((tab: Tab) => tab.close()))(leader!);
    await waitFor('the new leader connected', () => ws.connections.length >= 2, { timeout: 10_000 });
    await waitFor('the stream on the new connection', () => fromFollowers(ws.connections[1]) > 0, {
      timeout: 15_000,
    });
    const sent: number[] = [];
    for (const page of followers) sent.push(await page.evaluate(stopStream));
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
    console.log(
      `[shared] ${d.engine} killed mid-stream: ${expected.length} sent, ${fromFollowers(first)} on the first connection, ${fromFollowers(second)} on the second`,
    );
    // Mid-stream: both connections carried part of the stream.
    expect(fromFollowers(first)).toBeGreaterThan(0);
    expect(fromFollowers(second)).toBeGreaterThan(0);
    expect(ws.maxLive()).toBe(1);
    for (const page of followers) expect((await view(page)).drops).toEqual([]);
  });

  it("close() in a follower detaches only that tab; in the leader it hands over; after the last tab the connection closes; reconnect() on a tab that left joins again, reading 'connecting' until a leader answers", async () => {
    const ws = await env.server();
    const pages = await env.tabs(ws, 3);
    const [leader] = await leaderOf(pages);
    const [follower, other] = pages.filter((p) => p !== leader);
    await call(follower!, 'close');
    await waitFor('follower closed', async () => (await view(follower!)).state === 'closed');
    ws.connections[0]!.ws.send('after');
    await waitFor('others got it', async () => (await view(other!)).received.includes('after'));
    expect((await view(follower!)).received).toEqual([]);
    expect(ws.connections).toHaveLength(1);
    await call(leader!, 'close');
    await waitFor('handed over', async () => {
      const v = await view(other!);
      return v.isLeader && v.state === 'open';
    });
    expect(ws.connections).toHaveLength(2);
    expect(ws.maxLive()).toBe(1);
    await call(other!, 'close');
    await waitFor('no connection left', () => ws.live().length === 0);
    // reconnect() on a tab that left joins again, and starts the connection.
    const rejoined = await follower!.evaluate(() => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const { socket } = (window as any).client;
      socket.reconnect();
      return socket.state as string;
    });
    expect(rejoined).toBe('connecting');
    await waitFor('open again', async () => (await view(follower!)).state === 'open');
    expect(ws.connections).toHaveLength(3);
    expect(ws.live()).toHaveLength(1);
  });

  it('reconnect() in a follower reconnects the shared connection: a new connection at the server, never two live', async () => {
    const ws = await env.server();
    const pages = await env.tabs(ws, 3);
    const [leader] = await leaderOf(pages);
    await call(
      pages.find((p) => p !== leader)!,
      'reconnect',
    );
    await waitFor('a new connection', () => ws.connections.length === 2 && ws.live().length === 1);
    for (const page of pages) await waitFor('open', async () => (await view(page)).state === 'open');
    expect(ws.maxLive()).toBe(1);
    expect(ws.connections[0]!.closeCode).toBe(1000);
  });

  it('two channels, or two origins (127.0.0.1 and localhost), never share', async () => {
    const ws = await env.server();
    const profile = await env.profile();
    const one = await env.tabs(ws, 2, { channel: 'one' }, profile);
    const two = await env.tabs(ws, 2, { channel: 'two' }, profile);
    expect(ws.connections).toHaveLength(2);
    const local = env.origin().replace('127.0.0.1', 'localhost');
    const elsewhere = await env.tabs(ws, 2, { channel: 'one' }, profile, local);
    // The two localhost tabs share one connection of their own.
    expect(ws.connections).toHaveLength(3);
    expect(ws.maxLive()).toBe(3);
    ws.connections[2]!.ws.send('for localhost');
    for (const page of elsewhere)
      await waitFor('localhost tabs got it', async () => (await view(page)).received.includes('for localhost'));
    ws.connections[1]!.ws.send('for two');
    for (const page of two)
      await waitFor('channel two got it', async () => (await view(page)).received.includes('for two'));
    await new Promise((r) => setTimeout(r, 200));
    for (const page of one) expect((await view(page)).received).toEqual([]);
    for (const page of two) expect((await view(page)).received).toEqual(['for two']);
    for (const page of elsewhere) expect((await view(page)).received).toEqual(['for localhost']);
  });

  it('without Web Locks, each tab keeps its own connection', async () => {
    const ws = await env.server();
    const pages = await env.tabs(ws, 3, { nolocks: '' });
    expect(ws.connections).toHaveLength(3);
    expect(ws.live()).toHaveLength(3);
    for (const page of pages) expect((await view(page)).isLeader).toBe(true);
  });
}

type Bfcache = 'restored' | 'reloaded';
/**
 * What each engine did with a page of two tabs on back/forward navigation, as seen here
 * (versions in docs/browser-support.md), when it left as the leader (it holds the open
 * WebSocket) and as a follower (Web Locks and a BroadcastChannel, which the SDK lets go of on
 * `pagehide`). Firefox keeps no page in its cache whose WebSocket was open when the navigation
 * began (see test/browser/lifecycle.test.ts), nor one that holds a Web Lock then: it decides
 * before `pagehide`, so the SDK letting go there is too late (a probe page was cached when it let
 * go in `beforeunload`, not in `pagehide`). A change fails the test.
 */
const BFCACHE: Record<EngineName, Record<'leader' | 'follower', Bfcache>> = {
  chromium: { leader: 'restored', follower: 'restored' },
  firefox: { leader: 'reloaded', follower: 'reloaded' },
  webkit: { leader: 'restored', follower: 'restored' },
};

/** A leader page, then a follower page, leaves for another page and comes back with history back. */
function sharedBfcacheTests(d: TabsOfOneProfile): void {
  const env = useShared(d);
  const cameBack = (expected: Bfcache) =>
    expected === 'restored' ? 'restored from the back/forward cache' : 'not restored from the cache but loaded anew';

  /** Tabs a (the leader) and b, and `away` of them leaves and comes back; returns what it saw. */
  const leaveAndReturn = async (role: 'leader' | 'follower', whileAway: (stays: Tab) => Promise<unknown>) => {
    const ws = await env.server();
    const profile = await env.profile();
    const [a] = await env.tabs(ws, 1, {}, profile);
    await waitFor('a leads', async () => (await view(a!)).isLeader);
    const [b] = await env.tabs(ws, 1, {}, profile);
    const [away, stays] = role === 'leader' ? [a!, b!] : [b!, a!];
    const t0 = Date.now();
    await away.goto(`${env.origin()}/other.html`);
    const elapsed = await whileAway(stays).then(() => Date.now() - t0);
    await away.goBack();
    const seen = await waitFor(
      'back and open',
      async () => {
        const v = await viewOrNothing(away);
        return v?.state === 'open' ? v : undefined;
      },
      { timeout: 10_000 },
    );
    const observed: Bfcache = seen.pageshow.length === 2 && seen.pageshow[1] === true ? 'restored' : 'reloaded';
    console.log(`[shared] ${d.engine} bfcache, ${role} page: ${elapsed} ms while away; back ${observed}`);
    expect(observed).toBe(BFCACHE[d.engine][role]);
    expect(seen.pageshow).toEqual(observed === 'restored' ? [false, true] : [false]);
    expect(seen.isLeader).toBe(false);
    expect((await view(stays)).isLeader).toBe(true);
    return { ws, away, stays, seen, observed, elapsed };
  };

  it(`a leader page left for another page: leadership moves at once; back, it is ${cameBack(
    BFCACHE[d.engine].leader,
  )} and follows; one connection at the server`, async () => {
    const { ws, seen, observed, elapsed } = await leaveAndReturn('leader', (stays) =>
      waitFor('the other tab leads', async () => (await view(stays)).isLeader, { timeout: 5_000 }),
    );
    expect(elapsed).toBeLessThan(2_000);
    // Restored: the same document, which led and now follows. Reloaded: a new one, which follows.
    expect(seen.leader).toEqual(observed === 'restored' ? [true, false] : []);
    await waitFor('one live connection', () => ws.live().length === 1, { timeout: 5_000 });
    expect(ws.connections).toHaveLength(2);
    expect(ws.maxLive()).toBe(1);
  });

  it(`a follower page left for another page: the leader counts one tab and keeps its connection; back, it is ${cameBack(
    BFCACHE[d.engine].follower,
  )}, joins again and sends through the leader`, async () => {
    const { ws, away, stays } = await leaveAndReturn('follower', (leader) =>
      waitFor('one tab left', async () => (await call(leader, 'countTabs')) === 1, { timeout: 5_000 }),
    );
    await waitFor('two tabs again', async () => (await call(stays, 'countTabs')) === 2, { timeout: 5_000 });
    await call(away, 'send', 'back again');
    await waitFor('sent through the leader', () => ws.texts().includes('back again'));
    expect(ws.connections).toHaveLength(1);
    expect(ws.maxLive()).toBe(1);
  });

  it(`a follower's message goes out once: the leader writes it while the follower page is away, then closes; back, ${cameBack(
    BFCACHE[d.engine].follower,
  )}, the follower leads and does not send it again`, async () => {
    const ws = await env.server();
    const profile = await env.profile();
    const [a] = await env.tabs(ws, 1, {}, profile);
    await waitFor('a leads', async () => (await view(a!)).isLeader);
    const [b] = await env.tabs(ws, 1, {}, profile);
    // The server goes down: the message waits in the leader's queue while b leaves.
    await ws.stop();
    await waitFor('down', async () => (await view(a!)).state !== 'open');
    await call(b!, 'send', 'once');
    await b!.goto(`${env.origin()}/other.html`);
    await ws.start();
    await waitFor('written by the leader', () => ws.texts().includes('once'), { timeout: 10_000 });
    await call(a!, 'close');
    await waitFor('no connection left', () => ws.live().length === 0, { timeout: 5_000 });
    await b!.goBack();
    const seen = await waitFor(
      'back, leading, open',
      async () => {
        const v = await viewOrNothing(b!);
        return v?.state === 'open' && v.isLeader ? v : undefined;
      },
      { timeout: 10_000 },
    );
    // Reloaded (Firefox), the page holds nothing of before; restored, it held the message.
    expect(seen.pageshow).toEqual(BFCACHE[d.engine].follower === 'restored' ? [false, true] : [false]);
    await call(b!, 'send', 'after');
    await waitFor('sent after coming back', () => ws.texts().includes('after'));
    expect(ws.texts().filter((t) => t === 'once')).toEqual(['once']);
    expect(ws.maxLive()).toBe(1);
  });
}

// ---------------------------------------------------------------- Chromium: pages of one context

/** The playwright page behind each Chromium tab, for CDP. */
const chromiumPages = new WeakMap<Tab, Page>();
const chromiumProfile = (ctx: BrowserContext): Profile => ({
  open: async (url) => {
    const page = await ctx.newPage();
    const errors = pageErrors(page);
    await page.goto(url);
    const tab: Tab = {
      evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
      errors: async () => [...errors],
      goto: async (to) => void (await page.goto(to)),
      // A restore fires no `load`: the tests poll the page.
      goBack: async () => void (await page.goBack({ waitUntil: 'commit' })),
      close: () => page.close(),
    };
    chromiumPages.set(tab, page);
    return tab;
  },
  close: () => ctx.close(),
});
const crashChromium = async (tab: Tab): Promise<void> => {
  const page = chromiumPages.get(tab)!;
  const cdp = await page.context().newCDPSession(page);
  void cdp.send('Page.crash').catch(() => {});
  await waitFor('the crash', () =>
    page
      .evaluate(() => 1)
      .then(
        () => false,
        () => true,
      ),
  );
};

describeChromium(
  'SharedHeartbeatSocket: one connection for every tab (pages of one context; crash through CDP)',
  () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(() => browser?.close());
    sharedTests({
      engine: 'chromium',
      profile: async () => chromiumProfile(await browser.newContext()),
      closing: 'page.close()',
      crash: crashChromium,
    });
  },
);

describeChromium('SharedHeartbeatSocket with the back/forward cache on', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium({ lifecycle: true });
  });
  afterAll(() => browser?.close());
  sharedBfcacheTests({
    engine: 'chromium',
    profile: async () => chromiumProfile(await browser.newContext()),
    closing: 'page.close()',
  });
});

// ---------------------------------------------------------------- Firefox and WebKit

/**
 * Registers `name`'s suite: one browser for the suite, every test of {@link sharedTests} and the
 * back/forward cache test on tabs of its one profile.
 */
function describeTabsOf(
  name: 'firefox' | 'webkit',
  how: string,
  closing: string,
  profile: (engine: Engine) => () => Promise<Profile>,
): void {
  describeEngine(name, `SharedHeartbeatSocket: one connection for every tab (${how})`, () => {
    const engine = createEngine(name);
    beforeAll(() => engine.launch());
    afterAll(() => engine.close());
    const d: TabsOfOneProfile = { engine: name, profile: profile(engine), closing };
    sharedTests(d);
    sharedBfcacheTests(d);
  });
}

describeTabsOf('firefox', 'tabs of one profile', 'page.close()', firefoxPages);
describeTabsOf('webkit', 'windows of one session', 'window close', webkitWindows);

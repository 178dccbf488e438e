/**
 * heartbeat-ws/outbox in Chromium, Firefox and WebKit, counted at the server: what a page queued
 * while the server was down (text and binary: ArrayBuffer view, Blob) arrives once, in order,
 * after the next page's handshake and before what that page queued, when the page is reloaded
 * (the last 500 messages sent in the very task that calls `location.reload()`), and when its tab is
 * closed and another opened. The pages load the minified UMDs (globals HeartbeatWS,
 * HeartbeatWSOutbox), as a page without a build step does.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { serveStatic, waitFor, type StaticServer } from '../helpers/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, pageErrors } from '../helpers/browser';
import { describeChromium, describeEngines, freePort, type EnginePage } from '../helpers/engines';
import { startTestServer, type TestServer } from '../helpers/ws-server';

const dist = (file: string) => ({ file: path.resolve(__dirname, '../../dist', file) });

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>outbox</title>
<script src="/dist/heartbeat-ws.umd.min.js"></script>
<script src="/dist/outbox.umd.min.js"></script>
<script>
const q = new URLSearchParams(location.search);
let loads = 1;
try {
  loads = Number(sessionStorage.getItem('loads') || 0) + 1;
  sessionStorage.setItem('loads', String(loads));
} catch {
  // A sandboxed iframe (an opaque origin) has no storage: the outbox must do without too.
}
// Who sends: the tab's name (or 'load') and how many times it was loaded.
const who = (q.get('tab') || 'load') + ' ' + loads;
const warnings = [];
const warn = console.warn;
console.warn = (...args) => (warnings.push(args.map(String).join(' ')), warn(...args));
const socket = new HeartbeatWS.HeartbeatSocket(q.get('ws'), [], {
  minReconnectionDelay: Number(q.get('delay') || 100),
  maxReconnectionDelay: Number(q.get('delay') || 300),
  jitter: 0,
  outbox: HeartbeatWSOutbox.indexedDbOutbox(q.get('outbox')),
});
const record = { attempts: 0, drops: [], pageshow: [] };
addEventListener('pageshow', (e) => record.pageshow.push(e.persisted));
// The handshake: sent by every connection's open listener, so it is first on the wire.
socket.addEventListener('open', () => socket.send('hello ' + who));
socket.addEventListener('reconnecting', () => record.attempts++);
socket.addEventListener('drop', (e) => record.drops.push(e.detail.reason));
// Queued by this page before anything of an earlier page could be recovered.
socket.send('queued by ' + who);
if (q.has('report')) {
  // A page the test cannot script (a sandboxed iframe): it says how often it was warned, and
  // sends its work itself.
  socket.addEventListener('open', () => socket.send('warned ' + warnings.length));
  socket.send(who + ' 1');
  socket.send(new Uint8Array([1, 2, 3, 255]));
  socket.send(new Blob([new Uint8Array([4, 5, 6])]));
  socket.send(who + ' 2');
}
window.client = { socket, record, loads, warnings };
</script>`;

interface View {
  pageshow: boolean[];
  loads: number;
  state: string;
  attempts: number;
  queued: number;
  drops: string[];
  warnings: string[];
}
const view = (page: EnginePage): Promise<View | undefined> =>
  page
    .evaluate(() => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const c = (window as any).client;
      return c
        ? {
            pageshow: c.record.pageshow,
            loads: c.loads,
            state: c.socket.state,
            attempts: c.record.attempts,
            queued: c.socket.stats.queued,
            drops: c.record.drops,
            warnings: c.warnings,
          }
        : undefined;
    })
    // Between two documents.
    .catch(() => undefined);

/** Sends, in the page: text, an ArrayBuffer view and a Blob, as a page queues its work. */
const sendWork = (page: EnginePage, tag: string) =>
  page.evaluate((t: string) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const { socket } = (window as any).client;
    socket.send(`${t} 1`);
    socket.send(new Uint8Array([1, 2, 3, 255]));
    socket.send(new Blob([new Uint8Array([4, 5, 6])]));
    socket.send(`${t} 2`);
  }, tag);

/** Every message the server got, in arrival order: text as is, binary as `bin:<bytes>`. */
const arrived = (server: TestServer): string[] =>
  server.connections
    .flatMap((c) => c.messages)
    .sort((a, b) => a.seq - b.seq)
    .map((m) => (m.isBinary ? `bin:${[...(m.data as Buffer)].join(',')}` : String(m.data)));

/**
 * Waits until the server has `expected.length` messages, then a little longer (to see that nothing
 * more comes), and asserts them; a timeout tells what did arrive and how the page stands.
 */
const expectArrival = async (server: TestServer, expected: string[], page: EnginePage): Promise<void> => {
  try {
    await waitFor('every message at the server', () => arrived(server).length >= expected.length, { timeout: 20_000 });
  } catch (error) {
    throw new Error(
      `${String(error)}; arrived ${JSON.stringify(arrived(server))}; page ${JSON.stringify(await view(page))}`,
      { cause: error },
    );
  }
  await new Promise((r) => setTimeout(r, 500));
  expect(arrived(server)).toEqual(expected);
};

/** A page left before the server came up: its queue, as the server must get it. */
const WORK = (t: string) => [`${t} 1`, 'bin:1,2,3,255', 'bin:4,5,6', `${t} 2`];

describeEngines('heartbeat-ws/outbox', (engine) => {
  let http: StaticServer;
  const servers: TestServer[] = [];
  const pages: EnginePage[] = [];
  beforeAll(async () => {
    http = await serveStatic({
      '/': PAGE,
      '/frame.html': `<!doctype html><title>frame</title><iframe sandbox="allow-scripts"></iframe>
<script>document.querySelector('iframe').src = new URLSearchParams(location.search).get('src');</script>`,
      '/dist/heartbeat-ws.umd.min.js': dist('heartbeat-ws.umd.min.js'),
      '/dist/outbox.umd.min.js': dist('outbox.umd.min.js'),
    });
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.close().catch(() => {});
    for (const s of servers.splice(0)) await s.close();
  });
  afterAll(() => http?.close());

  /** A page on outbox `name`, its server's port refusing; waits until it has tried. */
  const downPage = async (port: number, name: string): Promise<[EnginePage, string]> => {
    const page = await engine.newPage();
    pages.push(page);
    const url = `${http.url}/?${new URLSearchParams({ ws: `ws://127.0.0.1:${port}/`, outbox: name })}`;
    await page.goto(url);
    await waitFor('a refused attempt', async () => ((await view(page))?.attempts ?? 0) > 0);
    return [page, url];
  };

  it('a reload while the server is down: what the page queued arrives once, in order, after the next handshake and before what the next page queued', async () => {
    const port = await freePort();
    const [page] = await downPage(port, `reload-${Date.now()}`);
    await sendWork(page, 'before reload');
    // The last 500 messages go in the very task that reloads the page: before the outbox asked
    // for its transaction's commit at the end of the task, Chromium lost them one run in five
    // under load (the reload overtook the transaction).
    await page.evaluate(() => {
      setTimeout(() => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        for (let i = 1; i <= 500; i++) (window as any).client.socket.send('sent as the page reloads ' + i);
        location.reload();
      });
    });
    await waitFor('the reloaded page', async () => (await view(page))?.loads === 2 || undefined, { timeout: 20_000 });
    await waitFor('a refused attempt after the reload', async () => ((await view(page))?.attempts ?? 0) > 0);

    const server = await startTestServer({ port, maxLifetimeMs: 120_000 });
    servers.push(server);
    const expected = [
      'hello load 2',
      'queued by load 1',
      ...WORK('before reload'),
      ...Array.from({ length: 500 }, (_, i) => `sent as the page reloads ${i + 1}`),
      'queued by load 2',
    ];
    // Once: nothing more comes, nor after another reload with the server up.
    await expectArrival(server, expected, page);
    await page.evaluate(() => void setTimeout(() => location.reload()));
    await waitFor('the third load, open', async () => {
      const v = await view(page);
      return v?.loads === 3 && v.state === 'open';
    });
    await waitFor('its handshake', () => arrived(server).length >= expected.length + 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(arrived(server)).toEqual([...expected, 'hello load 3', 'queued by load 3']);
    const last = (await view(page))!;
    expect(last.warnings).toEqual([]);
    expect(last.drops).toEqual([]);
    expect(await page.errors()).toEqual([]);
  });

  it('a sandboxed iframe (an opaque origin: IndexedDB and Web Locks refuse): one warning, the queue kept in memory, everything at the server once', async () => {
    const port = await freePort();
    const page = await engine.newPage();
    pages.push(page);
    const inner = `/?${new URLSearchParams({ ws: `ws://127.0.0.1:${port}/`, outbox: 'sandboxed', tab: 'sandboxed', report: '' })}`;
    await page.goto(`${http.url}/frame.html?${new URLSearchParams({ src: inner })}`);
    // Queued while the server is down (the frame retries every 100-300 ms), then delivered.
    await new Promise((r) => setTimeout(r, 1000));
    const server = await startTestServer({ port, maxLifetimeMs: 120_000 });
    servers.push(server);
    await expectArrival(
      server,
      ['hello sandboxed 1', 'warned 1', 'queued by sandboxed 1', ...WORK('sandboxed 1')],
      page,
    );
    expect(await page.errors()).toEqual([]);
  });

  // Chromium's pages of this driver are each in a context of their own (storage apart), so in
  // Chromium this case is the first test of the suite 'tabs of one profile' below, which opens
  // its tabs in one context. Not registered there rather than skipped: CI's totals show no skip.
  (engine.name === 'chromium' ? () => {} : it)(
    'a tab closed while the server is down: the next tab on that outbox sends what it queued, once, in order',
    async () => {
      const port = await freePort();
      const name = `closed-${Date.now()}`;
      const [first] = await downPage(port, name);
      await sendWork(first, 'closed tab');
      const firstLoad = (await view(first))!.loads;
      // Stored: the write of a message that waits in the queue starts before send() returns.
      await first.close();

      const server = await startTestServer({ port, maxLifetimeMs: 120_000 });
      servers.push(server);
      const second = await engine.newPage();
      pages.push(second);
      await second.goto(`${http.url}/?${new URLSearchParams({ ws: server.url + '/', outbox: name })}`);
      const loads = (await view(second))!.loads;
      const expected = [
        `hello load ${loads}`,
        `queued by load ${firstLoad}`,
        ...WORK('closed tab'),
        `queued by load ${loads}`,
      ];
      await expectArrival(server, expected, second);
      expect((await view(second))!.warnings).toEqual([]);
      expect(await second.errors()).toEqual([]);
    },
  );
});

describeEngines(
  'heartbeat-ws/outbox and the back/forward cache',
  (engine) => {
    let http: StaticServer;
    const servers: TestServer[] = [];
    beforeAll(async () => {
      http = await serveStatic({
        '/': PAGE,
        '/dist/heartbeat-ws.umd.min.js': dist('heartbeat-ws.umd.min.js'),
        '/dist/outbox.umd.min.js': dist('outbox.umd.min.js'),
      });
    });
    afterAll(async () => {
      for (const s of servers.splice(0)) await s.close();
      await http?.close();
    });

    // WebKit restores the page from its cache, though it let go of the page's Web Locks there:
    // the next page takes its messages over and sends them; the restored page finds them gone and
    // drops them (reason 'adopted') instead of sending them again (each twice before it did).
    it('a page left for another on the same outbox, then back: each message it queued arrives once', async () => {
      const port = await freePort();
      const name = `bfcache-${Date.now()}`;
      const page = await engine.newPage();
      const at = (tabName: string, delay: number) =>
        `${http.url}/?${new URLSearchParams({ ws: `ws://127.0.0.1:${port}/`, outbox: name, tab: tabName, delay: String(delay) })}`;
      // A long wait between attempts: Firefox keeps no page with a WebSocket under way in its cache.
      await page.goto(at('left', 4000));
      await waitFor('a refused attempt', async () => ((await view(page))?.attempts ?? 0) > 0);
      await sendWork(page, 'left page');
      await page.goto(at('next', 100));
      const server = await startTestServer({ port, maxLifetimeMs: 120_000 });
      servers.push(server);
      await waitFor('the next page open', async () => (await view(page))?.state === 'open', { timeout: 15_000 });
      await new Promise((r) => setTimeout(r, 500));
      await page.goBack();
      await waitFor('the left page back, open', async () => {
        const v = await view(page);
        return v?.state === 'open' && v.warnings !== undefined && (v.pageshow.length > 1 || v.loads > 0);
      });
      const back = (await view(page))!;
      const restored = back.pageshow.at(-1) === true;
      console.info(
        `[${engine.name}] outbox page left and back: ${restored ? 'restored from the cache' : 'loaded anew'}`,
      );
      await new Promise((r) => setTimeout(r, 1500));
      // Each message of the left page once, in order: whether the next page sent them (the left
      // page had ended) or the left page itself, restored from the cache.
      const left = ['queued by left 1', ...WORK('left page')];
      expect(
        arrived(server).filter((m) => left.includes(m)),
        JSON.stringify(arrived(server)),
      ).toEqual(left);
      // Restored: what the next page took over is dropped here, as 'adopted', and nothing else.
      const drops = (await view(page))!.drops;
      console.info(`[${engine.name}] the page back dropped ${JSON.stringify(drops)}`);
      expect(drops.filter((reason) => reason !== 'adopted')).toEqual([]);
      if (!restored) expect(drops).toEqual([]);
      expect(await page.errors()).toEqual([]);
      await page.close();
    });
  },
  { launch: { lifecycle: true } },
);

/** A playwright page, as `view` and `expectArrival` read it. */
const asEnginePage = (page: Page): EnginePage => {
  const errors = pageErrors(page);
  return {
    evaluate: (fn: never, arg: never) => page.evaluate(fn, arg),
    errors: async () => [...errors],
    close: () => page.close(),
  } as unknown as EnginePage;
};

describeChromium('heartbeat-ws/outbox, tabs of one profile', () => {
  let http: StaticServer;
  let browser: Browser;
  let context: BrowserContext;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    http = await serveStatic({
      '/': PAGE,
      '/dist/heartbeat-ws.umd.min.js': dist('heartbeat-ws.umd.min.js'),
      '/dist/outbox.umd.min.js': dist('outbox.umd.min.js'),
    });
    browser = await launchChromium();
  });
  afterEach(async () => {
    await context?.close().catch(() => {});
    for (const s of servers.splice(0)) await s.close();
  });
  afterAll(async () => {
    await browser?.close();
    await http?.close();
  });

  /** A tab named `tab` of this context on outbox `name` and port `port`. */
  const tab = async (tabName: string, port: number, name: string): Promise<[Page, EnginePage]> => {
    const page = await context.newPage();
    await page.goto(
      `${http.url}/?${new URLSearchParams({ ws: `ws://127.0.0.1:${port}/`, outbox: name, tab: tabName })}`,
    );
    return [page, asEnginePage(page)];
  };

  it('a closed tab, and a crashed renderer: the next tab sends what each queued, once, in order', async () => {
    context = await browser.newContext();
    const port = await freePort();
    const name = `closed-${Date.now()}`;
    const [closed, closedView] = await tab('closed', port, name);
    await waitFor('a refused attempt', async () => ((await view(closedView))?.attempts ?? 0) > 0);
    await sendWork(closedView, 'closed tab');
    await closed.close();

    const [crashed, crashedView] = await tab('crashed', port, name);
    await waitFor('a refused attempt', async () => ((await view(crashedView))?.attempts ?? 0) > 0);
    await sendWork(crashedView, 'crashed tab');
    // Crashed once all ten are stored: a Blob's write starts only once its bytes are read, a
    // window docs/outbox.md names (CI under load once crashed the tab inside it).
    await waitFor('the ten messages stored', () =>
      crashed.evaluate(
        (db: string) =>
          new Promise<boolean>((resolve) => {
            const open = indexedDB.open(db);
            open.onsuccess = () => {
              const count = open.result.transaction('messages').objectStore('messages').count();
              count.onsuccess = () => (open.result.close(), resolve(count.result >= 10));
            };
            open.onerror = () => resolve(false);
          }),
        `heartbeat-ws outbox ${name}`,
      ),
    );
    const gone = new Promise((resolve) => crashed.once('crash', resolve));
    await crashed.goto('chrome://crash').catch(() => {});
    await gone;

    const server = await startTestServer({ port, maxLifetimeMs: 120_000 });
    servers.push(server);
    const [, next] = await tab('next', port, name);
    await expectArrival(
      server,
      [
        'hello next 1',
        'queued by closed 1',
        ...WORK('closed tab'),
        'queued by crashed 1',
        ...WORK('crashed tab'),
        'queued by next 1',
      ],
      next,
    );
    expect(await next.errors()).toEqual([]);
  });

  it('a quota that refuses the outbox: one warning, the queue kept in memory, everything at the server once', async () => {
    context = await browser.newContext();
    const port = await freePort();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: http.url, quotaSize: 1 });
    const quota = asEnginePage(page);
    await page.goto(
      `${http.url}/?${new URLSearchParams({ ws: `ws://127.0.0.1:${port}/`, outbox: `quota-${Date.now()}`, tab: 'quota' })}`,
    );
    await waitFor('a refused attempt', async () => ((await view(quota))?.attempts ?? 0) > 0);
    await sendWork(quota, 'no room');
    await waitFor('the warning', async () => (await view(quota))?.warnings.length);
    const server = await startTestServer({ port, maxLifetimeMs: 120_000 });
    servers.push(server);
    await expectArrival(server, ['hello quota 1', 'queued by quota 1', ...WORK('no room')], quota);
    const last = (await view(quota))!;
    expect(last.warnings).toHaveLength(1);
    expect(last.warnings[0]).toMatch(/outbox "quota-\d+" keeps its messages in memory only/);
    expect(last.drops).toEqual([]);
    expect(await quota.errors()).toEqual([]);
  });

  it("two live tabs on one outbox name: neither sends the other's messages; each arrives once", async () => {
    context = await browser.newContext();
    const port = await freePort();
    const name = `live-${Date.now()}`;
    const [, first] = await tab('first', port, name);
    await waitFor('a refused attempt', async () => ((await view(first))?.attempts ?? 0) > 0);
    await sendWork(first, 'first tab');
    const [, second] = await tab('second', port, name);
    await waitFor('a refused attempt', async () => ((await view(second))?.attempts ?? 0) > 0);
    await sendWork(second, 'second tab');

    const server = await startTestServer({ port, maxLifetimeMs: 120_000 });
    servers.push(server);
    await waitFor(
      'both tabs open',
      async () => (await view(first))?.state === 'open' && (await view(second))?.state === 'open',
    );
    const firstLot = ['hello first 1', 'queued by first 1', ...WORK('first tab')];
    const secondLot = ['hello second 1', 'queued by second 1', ...WORK('second tab')];
    await waitFor('every message', () => arrived(server).length >= firstLot.length + secondLot.length);
    await new Promise((r) => setTimeout(r, 500));
    const byConnection = server.connections.map((c) =>
      c.messages.map((m) => (m.isBinary ? `bin:${[...(m.data as Buffer)].join(',')}` : String(m.data))),
    );
    expect(byConnection.sort((a, b) => a[0]!.localeCompare(b[0]!))).toEqual([firstLot, secondLot]);
    expect([...(await first.errors()), ...(await second.errors())]).toEqual([]);
  });
});

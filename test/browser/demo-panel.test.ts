/**
 * What the demo's panels say, checked against the demo server's own counts and the socket's own
 * figures: live and total connections, the connections a fault dropped, the queue, the order of
 * the timeline, the retry chip, the chart's ticks and its line across reconnects. The real demo
 * server on free loopback ports and its page in each engine; the tests run in order on one page.
 * The page is driven through its DOM (value + input event, element.click()), the same way in every
 * engine.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/demo-server';
import { waitFor } from '../helpers/browser';
import { describeEngines, type EnginePage as Page } from '../helpers/engines';
import { click, fill, isVisible } from '../helpers/page-dom';

// Short heartbeat and backoff, through the page's query string.
const SETTINGS = {
  interval: 400,
  timeout: 1200,
  minReconnectionDelay: 200,
  maxReconnectionDelay: 800,
  connectionTimeout: 1000,
  minUptime: 1500,
};

interface Row {
  kind: string;
  /** The row's text when it was added (a fault row's text is completed later). */
  text: string;
  state: string;
}

/** Records every timeline row, oldest first, with the state pill at that moment. */
function installRecorder(page: Page) {
  return page.evaluate(() => {
    const rows: Row[] = [];
    (window as unknown as { rows: Row[] }).rows = rows;
    new MutationObserver((changes) => {
      for (const change of changes)
        for (const node of change.addedNodes) {
          if (!(node instanceof HTMLLIElement)) continue;
          rows.push({
            kind: node.dataset.kind ?? '',
            text: node.querySelector('.what')?.textContent ?? '',
            state: document.getElementById('state')?.textContent ?? '',
          });
        }
    }).observe(document.getElementById('timeline') as HTMLElement, { childList: true });
  });
}

const rowCount = (page: Page) => page.evaluate(() => (window as unknown as { rows: Row[] }).rows.length);
const rowsFrom = (page: Page, from: number) =>
  page.evaluate((n: number) => (window as unknown as { rows: Row[] }).rows.slice(n), from);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = async (page: Page, selector: string) =>
  ((await page.evaluate((sel: string) => document.querySelector(sel)?.textContent ?? null, selector)) ?? '').trim();
const num = async (page: Page, selector: string) => Number(await text(page, selector));

/** The server panel's figures, as the page shows them. */
async function panel(page: Page) {
  return {
    live: await num(page, '#srv-live'),
    total: await num(page, '#srv-total'),
    frozen: await num(page, '#srv-frozen'),
  };
}

/** The panel and the server agree (the panel polls every 500 ms, so give it a moment). */
async function panelAgrees(page: Page, demo: DemoServer) {
  return waitFor(
    'the server panel to show the server counts',
    async () => {
      const shown = await panel(page);
      const { live, total, frozen } = demo.status();
      return shown.live === live && shown.total === total && shown.frozen === frozen ? shown : undefined;
    },
    { timeout: 5_000 },
  );
}

async function waitForOpen(page: Page, timeout = 10_000) {
  await waitFor('#state to read "open"', async () => (await text(page, '#state')) === 'open', { timeout });
}

/** Open past minUptime: the backoff (and retryCount) has reset. */
async function waitForStable(page: Page) {
  await waitForOpen(page);
  await waitFor(
    'uptime past minUptime',
    () =>
      page.evaluate(
        (min: number) => (window as never as DemoWindow).demo.socket.stats.uptime > min + 100,
        SETTINGS.minUptime,
      ),
    { timeout: 10_000 },
  );
}

interface DemoWindow {
  demo: {
    socket: { stats: { queued: number; queuedBytes: number; uptime: number }; bufferedAmount: number } & EventTarget;
  };
}

/** The fault row's final text (the newest fault row of the timeline). */
const faultText = (page: Page) => text(page, '#timeline li[data-kind="fault"] .what');

describeEngines('the demo panel against the demo server', (engine) => {
  let demo: DemoServer;
  let page: Page;

  beforeAll(async () => {
    demo = await startDemoServer({ port: 0, wsPort: 0, maxMinutes: 5, idleMinutes: 5 });
    page = await engine.newPage();
    await page.setViewport(1400, 1000);
    await page.goto(`${demo.url}?${new URLSearchParams(Object.entries(SETTINGS).map(([k, v]) => [k, String(v)]))}`);
    await waitForOpen(page);
    await installRecorder(page);
  });

  afterAll(async () => {
    await page?.close();
    await demo?.close();
  });

  it("shows the server's own count of live and total connections: one page, one connection", async () => {
    const shown = await panelAgrees(page, demo);
    expect(shown, demo.status().log.join('\n')).toMatchObject({ live: 1, frozen: 0 });
    // The page's own socket.stats agree: every connection the server accepted is one it opened.
    expect(await num(page, '#stat-reconnects')).toBe(shown.total - 1);
  });

  it('counts a socket in its closing handshake as gone: Apply logs "(1 live)" for the new one', async () => {
    const total = demo.status().total;
    await click(page, '#apply');
    await waitFor('the new socket open on the server', () => demo.status().total === total + 1, { timeout: 5_000 });
    await waitForOpen(page);
    const log = demo.status().log;
    const opens = log.filter((l) => / #\d+ open /.test(l));
    expect(opens.at(-1), log.join('\n')).toMatch(new RegExp(`#${total + 1} open \\(1 live\\)$`));
    expect(await panelAgrees(page, demo)).toEqual({ live: 1, total: total + 1, frozen: 0 });
  });

  it('"Drop all" puts the fault above the close it causes and reports the one connection there was', async () => {
    await waitForStable(page);
    const { live, total } = demo.status();
    const reconnects = await num(page, '#stat-reconnects');
    const from = await rowCount(page);
    await click(page, '#fault-drop');
    await waitFor('an open after the drop', async () => (await rowsFrom(page, from)).some((r) => r.kind === 'open'));
    const kinds = (await rowsFrom(page, from)).map((r) => r.kind);
    expect(kinds[0]).toBe('fault');
    expect(kinds.indexOf('fault')).toBeLessThan(kinds.indexOf('close'));
    expect(live).toBe(1);
    await waitFor('the fault row completed', async () => (await faultText(page)).includes('dropped'));
    expect(await faultText(page)).toBe(`drop all: dropped ${live} connection(s) (TCP closed, no close frame)`);
    await waitForOpen(page);
    const shown = await panelAgrees(page, demo);
    expect(shown).toMatchObject({ live: 1, total: total + 1 });
    await waitFor('stats to count the reconnect', async () => (await num(page, '#stat-reconnects')) === reconnects + 1);
  });

  it('breaks the RTT line at the reconnect and labels the y axis with round ticks', async () => {
    const before = Number(await text(page, '#pongs'));
    await waitFor('two pongs on the new connection', async () => Number(await text(page, '#pongs')) >= before + 2);
    const chart = await page.evaluate(() => ({ ...(document.getElementById('chart') as HTMLElement).dataset }));
    expect(Number(chart.segments)).toBeGreaterThanOrEqual(2);
    const ticks = (chart.ticks ?? '').split(',').map(Number);
    expect(ticks[0]).toBe(0);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.at(-1)).toBeGreaterThanOrEqual(SETTINGS.timeout);
    const step = ticks[1] as number;
    expect(step / 10 ** Math.floor(Math.log10(step))).toSatisfy((m: number) => [1, 2, 5].includes(m));
    ticks.forEach((t, i) => expect(t).toBe(i * step));
  });

  it('"Stop server": the count it drops, error rows that say which attempt failed, a retry chip that reads right, a queue that matches socket.stats', async () => {
    await waitForStable(page);
    expect(await isVisible(page, '#retry-chip')).toBe(false);
    const live = demo.status().live;
    const from = await rowCount(page);
    // Sample the header every 50 ms from now on: state and retry chip together.
    await page.evaluate(() => {
      const samples: { state: string; chip: string }[] = [];
      (window as unknown as { samples: typeof samples }).samples = samples;
      setInterval(() => {
        const chip = document.getElementById('retry-chip') as HTMLElement;
        samples.push({
          state: document.getElementById('state')?.textContent ?? '',
          chip: chip.hidden ? '' : (chip.textContent ?? '').replace(/\s+/g, ' ').trim(),
        });
      }, 50);
    });
    await fill(page, '#stop-seconds', '3');
    await click(page, '#fault-stop');
    await waitFor('the fault row completed', async () => (await faultText(page)).includes('stopped'));
    expect(await faultText(page)).toBe(`stop server: stopped: dropped ${live} connection(s), new ones refused for 3 s`);
    expect(live).toBe(1);

    await waitFor('not open', async () => (await text(page, '#state')) !== 'open', { timeout: 5_000 });
    await fill(page, '#message', 'typed while down');
    await click(page, '#send');
    await waitFor('the queue shown with one message', async () => (await text(page, '#queue-count')) === '1');
    await sleep(250); // a tick of the panel
    const sdk = await page.evaluate(() => {
      const s = (window as never as DemoWindow).demo.socket;
      return { ...s.stats, bufferedAmount: s.bufferedAmount };
    });
    expect(await num(page, '#queue-count')).toBe(sdk.queued);
    expect(await num(page, '#queue-bytes')).toBe(sdk.queuedBytes);
    expect(await num(page, '#buffered')).toBe(sdk.bufferedAmount);
    expect(await num(page, '#buffered-socket')).toBe(sdk.bufferedAmount - sdk.queuedBytes);
    // The queue holds the stamped message: more bytes than the text typed.
    expect(sdk.queuedBytes).toBeGreaterThan('typed while down'.length);

    await waitFor(
      'the echo of the typed message',
      async () =>
        (await page.evaluate(
          () =>
            [...document.querySelectorAll('#log li.in')].filter((li) => li.textContent?.includes('typed while down'))
              .length,
        )) === 1,
      { timeout: 15_000 },
    );
    // Past minUptime: the chip is gone again.
    await waitFor('the retry chip hidden once stable', async () => !(await isVisible(page, '#retry-chip')), {
      timeout: SETTINGS.minUptime + 3_000,
    });
    const rows = await rowsFrom(page, from);
    const samples = await page.evaluate(
      () => (window as unknown as { samples: { state: string; chip: string }[] }).samples,
    );

    // Error rows carry what is known, never a bare "error event": a refused attempt (the browser
    // gives no reason) names the URL; an attempt that timed out says TIMEOUT. Firefox delays a new
    // WebSocket to a host whose last ones failed (network.websocket.delay-failed-reconnects), so
    // there some later attempts outlast connectionTimeout; the first one is refused in every engine.
    const errorRows = rows.filter((r) => r.kind === 'error');
    const refused = /^error: attempt \d+ did not open \(ws:\/\/127\.0\.0\.1:\d+\/ws; the browser gives no reason\)$/;
    expect(errorRows[0]?.text).toMatch(refused);
    for (const r of errorRows)
      expect(r.text).toMatch(new RegExp(`${refused.source}|^error: TIMEOUT \\(attempt \\d+ did not open\\)$`));
    // While down the chip counts retries; while open it never says "retry N".
    expect(samples.some((s) => s.state === 'reconnecting' && /^retry \d+$/.test(s.chip))).toBe(true);
    expect(samples.filter((s) => s.state === 'open' && /^retry \d+$/.test(s.chip))).toEqual([]);
    expect(samples.some((s) => s.state === 'open' && /^\d+ retr(y|ies), resets in \d+\.\d s$/.test(s.chip))).toBe(true);
    await panelAgrees(page, demo);
  });

  it('counts a black-holed connection apart from the live ones, and "Drop all" says which is which', async () => {
    await waitForStable(page);
    const from = await rowCount(page);
    await fill(page, '#black-hole-seconds', '0');
    await click(page, '#fault-black-hole');
    await waitFor(
      'a heartbeat timeout and an open',
      async () => {
        const rows = await rowsFrom(page, from);
        const close = rows.findIndex((r) => r.kind === 'close' && r.text.includes('heartbeat timeout'));
        return close >= 0 && rows.slice(close).some((r) => r.kind === 'open');
      },
      { timeout: 10_000 },
    );
    expect((await rowsFrom(page, from))[0]?.kind).toBe('fault');
    // The browser keeps the dead connection's TCP socket while its closing handshake waits for an
    // answer that never comes: the server holds it, black-holed, beside the one live connection.
    const shown = await panelAgrees(page, demo);
    expect(shown.live).toBe(1);
    const { live, frozen } = demo.status();
    expect(frozen).toBeGreaterThanOrEqual(1);
    await waitForStable(page);
    await click(page, '#fault-drop');
    await waitFor('the fault row completed', async () => (await faultText(page)).includes('dropped'));
    expect(await faultText(page)).toBe(
      `drop all: dropped ${live} connection(s) and ${frozen} black-holed (TCP closed, no close frame)`,
    );
    await waitForOpen(page);
    expect(await panelAgrees(page, demo)).toMatchObject({ live: 1, frozen: 0 });
  });

  it('shows a giveup event on the timeline with its reason', async () => {
    const from = await rowCount(page);
    await page.evaluate(() =>
      (window as never as DemoWindow).demo.socket.dispatchEvent(
        new CustomEvent('giveup', { detail: { reason: 'maxRetries' } }),
      ),
    );
    expect(await rowsFrom(page, from)).toEqual([
      expect.objectContaining({ kind: 'giveup', text: 'gave up: maxRetries' }),
    ]);
  });

  it('fits a 390 px phone: no sideways scrolling of the page or of the code', async () => {
    await page.setViewport(390, 844);
    await sleep(300);
    expect(await page.evaluate(() => innerWidth)).toBeLessThan(500);
    const overflow = await page.evaluate(() => {
      const root = document.documentElement;
      const snippet = document.getElementById('snippet') as HTMLElement;
      return { page: root.scrollWidth - root.clientWidth, snippet: snippet.scrollWidth - snippet.clientWidth };
    });
    expect(overflow).toEqual({ page: 0, snippet: 0 });
    await page.setViewport(1400, 1000);
    expect(await page.errors()).toEqual([]);
  });
});

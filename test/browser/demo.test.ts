/**
 * The demo (demo/): the real demo server on free loopback ports and its page in each engine,
 * driven as a user would: the settings form, each fault button, the send box. Each test starts
 * and ends with the page's socket open, so they run in order on one page. The page is driven
 * through its DOM (value + input event, element.click()), the same way in every engine.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/demo-server';
import { waitFor } from '../helpers/browser';
import { describeEngines, type EnginePage as Page } from '../helpers/engines';
import { click, fill, isVisible } from '../helpers/page-dom';

const RESULTS = path.resolve(__dirname, '../../test-results');

// Short heartbeat and backoff, typed into the page's settings form.
const SETTINGS = {
  interval: 500,
  timeout: 600,
  minReconnectionDelay: 200,
  maxReconnectionDelay: 800,
  jitter: 0.5,
  connectionTimeout: 1000,
  minUptime: 500,
};

interface Row {
  t: number;
  kind: string;
  text: string;
  code?: string;
  reason?: string;
  fault?: string;
}

interface Recorder {
  rows: Row[];
  states: { t: number; state: string }[];
}

/** Records, with page timestamps, every timeline row and every change of the #state pill. */
function installRecorder(page: Page) {
  return page.evaluate(() => {
    const rec: Recorder = { rows: [], states: [] };
    (window as unknown as { rec: Recorder }).rec = rec;
    const pill = document.getElementById('state') as HTMLElement;
    rec.states.push({ t: performance.now(), state: pill.textContent ?? '' });
    new MutationObserver(() => rec.states.push({ t: performance.now(), state: pill.textContent ?? '' })).observe(pill, {
      childList: true,
      characterData: true,
      subtree: true,
    });
    const list = document.getElementById('timeline') as HTMLElement;
    new MutationObserver((changes) => {
      for (const change of changes) {
        for (const node of change.addedNodes) {
          if (!(node instanceof HTMLLIElement)) continue;
          const d = node.dataset;
          rec.rows.push({
            t: performance.now(),
            kind: d.kind ?? '',
            text: node.querySelector('.what')?.textContent ?? '',
            code: d.code,
            reason: d.reason,
            fault: d.fault,
          });
        }
      }
    }).observe(list, { childList: true });
  });
}

const recorded = (page: Page): Promise<Recorder> => page.evaluate(() => (window as unknown as { rec: Recorder }).rec);
const now = (page: Page) => page.evaluate(() => performance.now());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The text of the element `selector`, or null when there is none. */
const textOf = (page: Page, selector: string) =>
  page.evaluate((sel: string) => document.querySelector(sel)?.textContent ?? null, selector);
const stateText = (page: Page) => textOf(page, '#state');
/** Rows of `selector` whose text contains `text`: their `data-status`. */
const rowsWith = (page: Page, selector: string, text: string) =>
  page.evaluate(
    ([sel, t]: [string, string]) =>
      [...document.querySelectorAll(sel)]
        .filter((el) => (el.textContent ?? '').includes(t))
        .map((el) => el.getAttribute('data-status')),
    [selector, text],
  );

async function waitForState(page: Page, state: string, timeout = 10_000) {
  await waitFor(`#state to read "${state}"`, async () => (await stateText(page)) === state, { timeout });
}

/** Open for longer than minUptime, so that the backoff starts again from retry 1. */
async function waitForStable(page: Page) {
  await waitForState(page, 'open');
  await sleep(SETTINGS.minUptime + 200);
  expect(await stateText(page)).toBe('open');
}

/** Rows recorded after page time `since`, oldest first. */
async function rowsSince(page: Page, since: number): Promise<Row[]> {
  return (await recorded(page)).rows.filter((r) => r.t >= since);
}

async function statesSince(page: Page, since: number): Promise<string[]> {
  return (await recorded(page)).states.filter((s) => s.t >= since).map((s) => s.state);
}

/** Presses a fault button (after setting its inputs) and returns the page time just before. */
async function pressFault(page: Page, button: string, inputs: Record<string, string> = {}): Promise<number> {
  for (const [id, value] of Object.entries(inputs)) await fill(page, `#${id}`, value);
  const t = await now(page);
  await click(page, `#${button}`);
  await waitFor(
    `the timeline row of ${button}`,
    async () => (await rowsSince(page, t)).some((r) => r.kind === 'fault'),
    { timeout: 5_000 },
  );
  return t;
}

describeEngines('the demo page against the demo server', (engine) => {
  let demo: DemoServer;
  let page: Page;
  // Chromium keeps the names docs/demo.md links to; the others carry the engine's name.
  const shot = (suffix: string) => (engine.name === 'chromium' ? `demo${suffix}` : `demo-${engine.name}${suffix}`);

  beforeAll(async () => {
    demo = await startDemoServer({ port: 0, wsPort: 0, maxMinutes: 5, idleMinutes: 5 });
    page = await engine.newPage();
    await page.goto(demo.url);
    await waitForState(page, 'open');
    await installRecorder(page);
  });

  afterAll(async () => {
    await page?.close();
    await demo?.close();
  });

  it("shows the SDK's own message, naming the option, for an invalid setting", async () => {
    await fill(page, '#settings [name="timeout"]', '0');
    await click(page, '#apply');
    await waitFor('the settings error', () => isVisible(page, '#settings-error'), { timeout: 2_000 });
    expect(await textOf(page, '#settings-error')).toMatch(/timeout/);
    expect(await stateText(page)).toBe('open');
  });

  it('applies short heartbeat and backoff settings from the form as a new socket', async () => {
    for (const [name, value] of Object.entries(SETTINGS)) await fill(page, `#settings [name="${name}"]`, String(value));
    const t = await now(page);
    await click(page, '#apply');
    await waitFor('a settings row and an open', async () => {
      const rows = await rowsSince(page, t);
      return rows.some((r) => r.kind === 'settings') && rows.some((r) => r.kind === 'open');
    });
    await waitForState(page, 'open');
    expect(await isVisible(page, '#settings-error')).toBe(false);
    const snippet = await textOf(page, '#snippet');
    expect(snippet).toContain('interval: 500, timeout: 600');
    expect(snippet).toContain('minReconnectionDelay: 200');
    // The snippet runs as shown in a page with the same scripts: a socket whose stamp finds its
    // clientId (a message queued after close() is stamped, nothing logged). Its own outbox name,
    // so that it takes nothing the page's socket keeps.
    const ran = await page.evaluate(
      (code) => {
        const errors: string[] = [];
        const log = console.error;
        console.error = (...args: unknown[]) => void errors.push(args.map(String).join(' '));
        try {
          const made = new Function(`${code}\nreturn socket;`)() as {
            close(): void;
            send(data: string): boolean;
            state: string;
            stats: { queued: number };
          };
          made.close();
          made.send('x');
          return { state: made.state, queued: made.stats.queued, errors };
        } finally {
          console.error = log;
        }
      },
      (snippet ?? '').replace("indexedDbOutbox('demo'", "indexedDbOutbox('demo-snippet'"),
    );
    expect(ran).toEqual({ state: 'closed', queued: 1, errors: [] });
    // The old socket is closed; one live connection remains on the server.
    await waitFor('one live connection', () => demo.status().live === 1, { timeout: 5_000 });
    // The heartbeat runs at the new pace: pongs arrive.
    const pongs = Number(await textOf(page, '#pongs'));
    await waitFor('two more pongs', async () => Number(await textOf(page, '#pongs')) >= pongs + 2, {
      timeout: 5_000,
    });
  });

  it('"Drop all connections": close 1006, a retry after a backoff delay, open again', async () => {
    const reconnectsBefore = Number(await textOf(page, '#stat-reconnects'));
    const t = await pressFault(page, 'fault-drop');
    await waitFor('an open after the drop', async () => (await rowsSince(page, t)).some((r) => r.kind === 'open'));
    const kinds = (await rowsSince(page, t)).map((r) => r.kind);
    const rows = await rowsSince(page, t);
    const close = rows.find((r) => r.kind === 'close');
    expect(close?.code).toBe('1006');
    const retry = rows.find((r) => r.kind === 'reconnecting');
    expect(retry?.text).toMatch(/^retry 1 in \d+ ms$/);
    expect(kinds.indexOf('close')).toBeLessThan(kinds.indexOf('reconnecting'));
    expect(kinds.indexOf('reconnecting')).toBeLessThan(kinds.lastIndexOf('open'));
    // The attempt is on the timeline however short it was (a loopback connect takes a few ms),
    // and "open after" is timed from it, not from an earlier attempt.
    expect(kinds.indexOf('reconnecting')).toBeLessThan(kinds.indexOf('attempt'));
    expect(kinds.indexOf('attempt')).toBeLessThan(kinds.lastIndexOf('open'));
    const opened = /^open after (\d+) ms$/.exec(rows.filter((r) => r.kind === 'open').at(-1)?.text ?? '');
    expect(Number(opened?.[1])).toBeLessThan(SETTINGS.connectionTimeout);
    expect(await statesSince(page, t)).toEqual(expect.arrayContaining(['reconnecting', 'open']));
    // The page shows socket.stats: one more reconnect, and an RTT once pongs flow again.
    await waitFor(
      'stats to count the reconnect',
      async () => Number(await textOf(page, '#stat-reconnects')) === reconnectsBefore + 1,
      { timeout: 3_000 },
    );
    expect(await textOf(page, '#stat-rtt')).toMatch(/^\d+ \/ \d+ ms$/);
    await waitForStable(page);
  });

  it('"Black-hole": a half-open link is closed by the heartbeat within interval + timeout', async () => {
    await waitForStable(page);
    // 0 s: only the current connection is black-holed; new ones are answered.
    const t = await pressFault(page, 'fault-black-hole', { 'black-hole-seconds': '0' });
    await waitFor(
      'a heartbeat timeout',
      async () => (await rowsSince(page, t)).some((r) => r.reason === 'heartbeat timeout'),
      { timeout: 5_000 },
    );
    const close = (await rowsSince(page, t)).find((r) => r.kind === 'close');
    expect(close?.reason).toBe('heartbeat timeout');
    expect(close?.code).toBe('1006');
    // The pong of a ping already under way may be lost, so the earliest is about `timeout` after
    // the fault; the latest is a full `interval` (waiting for the next ping) plus `timeout`.
    const detectedAfter = (close as Row).t - t;
    expect(detectedAfter).toBeGreaterThanOrEqual(SETTINGS.timeout - 100);
    // + 1.5 s: timers run late on a loaded 2-core machine (WebKit once took 2.4 s here).
    expect(detectedAfter).toBeLessThanOrEqual(SETTINGS.interval + SETTINGS.timeout + 1_500);
    await waitForState(page, 'open');
    expect(await stateText(page)).toBe('open');
  });

  it('"Black-hole" with a window for new connections: the connection timeout acts, then it opens', async () => {
    await waitForStable(page);
    const t = await pressFault(page, 'fault-black-hole', { 'black-hole-seconds': '2' });
    await waitFor(
      'an open after the window',
      async () => {
        const rows = await rowsSince(page, t);
        return rows.some((r) => r.reason === 'connection timeout') && rows.at(-1)?.kind === 'open';
      },
      { timeout: 10_000 },
    );
    const rows = await rowsSince(page, t);
    expect(rows.find((r) => r.kind === 'close')?.reason).toBe('heartbeat timeout');
    const opened = rows.filter((r) => r.kind === 'open').at(-1) as Row;
    // Not before the 2 s window ended.
    expect(opened.t - t).toBeGreaterThanOrEqual(2_000);
    await waitForState(page, 'open');
  });

  it('"Stop server": retries with growing delays; a message typed while down arrives after it returns', async () => {
    await waitForStable(page);
    const echoedBefore = demo.status().counts.echoed;
    const t = await pressFault(page, 'fault-stop', { 'stop-seconds': '3' });
    await waitFor('not open', async () => (await stateText(page)) !== 'open', { timeout: 5_000 });
    await fill(page, '#message', 'typed while down');
    await click(page, '#send');
    expect(await rowsWith(page, '#log li.out', 'typed while down')).toEqual(['queued']);
    await waitFor('the queue shown with one message', async () => (await textOf(page, '#queue-count')) === '1', {
      timeout: 1_000,
    });
    expect(demo.status().counts.echoed).toBe(echoedBefore);

    await waitFor(
      'the echo of the typed message',
      async () => (await rowsWith(page, '#log li.in', 'typed while down')).length === 1,
      { timeout: 10_000 },
    );
    expect(await rowsWith(page, '#log li.out', 'typed while down')).toEqual(['sent']);
    expect(await stateText(page)).toBe('open');
    const rows = await rowsSince(page, t);
    // retry n waits base × (1 − jitter × random), base = min × factor^(n−1) capped at max
    const retries = rows.filter((r) => r.kind === 'reconnecting').map((r) => /^retry (\d+) in (\d+) ms$/.exec(r.text));
    expect(retries.length).toBeGreaterThanOrEqual(3);
    retries.forEach((m, i) => {
      expect(Number(m?.[1])).toBe(i + 1);
      const base = Math.min(SETTINGS.maxReconnectionDelay, SETTINGS.minReconnectionDelay * 2 ** i);
      expect(Number(m?.[2])).toBeLessThanOrEqual(base);
      expect(Number(m?.[2])).toBeGreaterThanOrEqual(Math.floor(base * (1 - SETTINGS.jitter)));
    });
    expect(rows.filter((r) => r.kind === 'error').length).toBeGreaterThanOrEqual(1);
    // The echo came only once the server was back, 3 s after the stop.
    const echoRowAt = await now(page);
    expect(echoRowAt - t).toBeGreaterThanOrEqual(3_000);
    expect(demo.status().counts.echoed).toBe(echoedBefore + 1);
    await waitFor('the queue shown empty', async () => (await textOf(page, '#queue-count')) === '0', {
      timeout: 2_000,
    });
  });

  it('"Close with code" 4001 stays closed (shouldReconnect says no) until Reconnect; 4002 reconnects', async () => {
    await waitForStable(page);
    const total = demo.status().total;
    const t = await pressFault(page, 'fault-close', { 'close-code': '4001', 'close-reason': 'kicked' });
    await waitForState(page, 'closed', 5_000);
    const rows = await rowsSince(page, t);
    const close = rows.find((r) => r.kind === 'close');
    expect(close).toMatchObject({ code: '4001', reason: 'kicked' });
    expect(close?.text).toContain('close 4001 "kicked"');
    await waitFor('the "stays closed" row', async () => (await rowsSince(page, t)).some((r) => r.kind === 'closed'), {
      timeout: 2_000,
    });
    // The row tells what to press: the button of the give-up banner shown beside it, by its label.
    const closed = (await rowsSince(page, t)).find((r) => r.kind === 'closed');
    await waitFor('the give-up banner', () => isVisible(page, '#giveup'), { timeout: 2_000 });
    const label = await textOf(page, '#giveup-retry');
    expect(label).toBeTruthy();
    expect(closed?.text).toContain(`Press ${label}.`);
    // Well past the largest backoff delay: still closed, no new connection, no retry scheduled.
    await new Promise((r) => setTimeout(r, SETTINGS.maxReconnectionDelay + 700));
    expect(await stateText(page)).toBe('closed');
    expect(demo.status().total).toBe(total);
    expect((await rowsSince(page, t)).some((r) => r.kind === 'reconnecting' || r.kind === 'attempt')).toBe(false);

    await click(page, '#connect');
    await waitForState(page, 'open', 5_000);
    expect(demo.status().total).toBe(total + 1);

    const t2 = await pressFault(page, 'fault-close', { 'close-code': '4002', 'close-reason': 'moved' });
    await waitFor('an open after 4002', async () => (await rowsSince(page, t2)).some((r) => r.kind === 'open'), {
      timeout: 5_000,
    });
    const rows2 = await rowsSince(page, t2);
    expect(rows2.find((r) => r.kind === 'close')).toMatchObject({ code: '4002', reason: 'moved' });
    expect(rows2.some((r) => r.kind === 'reconnecting')).toBe(true);
    expect(rows2.some((r) => r.kind === 'closed')).toBe(false);
    await waitForState(page, 'open');
  });

  it('"Slow pongs": the RTT climbs below the timeout; past the timeout the link is declared dead', async () => {
    await waitForStable(page);
    const t = await pressFault(page, 'fault-slow', { 'slow-ms': '300' });
    await waitFor(
      'an RTT of at least 300 ms',
      async () => {
        const text = (await textOf(page, '#rtt-last')) ?? '';
        return /^\d+ ms$/.test(text) && Number.parseInt(text, 10) >= 300;
      },
      { timeout: 5_000 },
    );
    expect((await rowsSince(page, t)).some((r) => r.kind === 'close')).toBe(false);
    expect(await stateText(page)).toBe('open');

    const t2 = await pressFault(page, 'fault-slow', { 'slow-ms': '1200' });
    await waitFor(
      'a heartbeat timeout',
      async () => (await rowsSince(page, t2)).some((r) => r.reason === 'heartbeat timeout'),
      { timeout: 5_000 },
    );
    const t3 = await pressFault(page, 'fault-reset');
    await waitForState(page, 'open');
    // Stable again: a few pongs and no close after the reset.
    const pongs = Number(await textOf(page, '#pongs'));
    await waitFor('three more pongs', async () => Number(await textOf(page, '#pongs')) >= pongs + 3, {
      timeout: 5_000,
    });
    const afterReset = await rowsSince(page, t3);
    const lastOpen = afterReset.map((r) => r.kind).lastIndexOf('open');
    expect(afterReset.slice(lastOpen + 1).some((r) => r.kind === 'close')).toBe(false);
  });

  it('"Server pings": the page answers them on its own, none missed', async () => {
    await waitForState(page, 'open');
    // 600 ms: an ack later than the next ping counts as missed, and a loaded machine answered a
    // 300 ms ping late once.
    await pressFault(page, 'fault-server-ping', { 'server-ping-ms': '600' });
    await waitFor('three acks', () => demo.status().counts.acks >= 3, { timeout: 5_000 });
    await waitFor(
      'three server pings counted by the page',
      async () => Number(await textOf(page, '#server-pings')) >= 3,
      { timeout: 2_000 },
    );
    expect(demo.status().counts.missedAcks).toBe(0);
    // Server pings are not shown as messages.
    expect(await rowsWith(page, '#log li.in', 'heartbeat')).toEqual([]);
    await pressFault(page, 'fault-server-ping', { 'server-ping-ms': '0' });
    expect(await stateText(page)).toBe('open');
  });

  it('"Reload the page": the three messages queued while the server was down arrive after the reload, once', async () => {
    await waitForStable(page);
    const before = demo.status().counts;
    await fill(page, '#reload-seconds', '3');
    await page.evaluate(() => ((window as { pageBefore?: boolean }).pageBefore = true));
    await click(page, '#fault-reload');
    // Reloaded while the server was down, checked as the page before ends: on a loaded machine the
    // next page may show its rows after the server is back (seen in the shared demo's test).
    await waitFor('the page before gone', () =>
      page.evaluate(() => !(window as { pageBefore?: boolean }).pageBefore).catch(() => true),
    );
    expect(demo.status().endpoint).toBe('stopped');
    expect(demo.status().counts.echoed).toBe(before.echoed);
    // The next page shows them as left by the page before, waiting, until their echoes arrive.
    const fromBefore = () =>
      page
        .evaluate(() =>
          [...document.querySelectorAll('#log li[data-from]')].map((li) => li.getAttribute('data-status')),
        )
        .catch(() => undefined); // between two documents
    await waitFor(
      'the reloaded page with three rows left by the page before',
      async () => (await fromBefore())?.length === 3,
      {
        timeout: 10_000,
      },
    );
    await waitFor('their echoes', async () => (await fromBefore())?.every((s) => s === 'sent'), { timeout: 15_000 });
    await installRecorder(page);
    await waitForStable(page);
    const after = demo.status().counts;
    expect(after.echoed - before.echoed).toBe(3);
    expect(after.duplicates).toBe(before.duplicates);
    expect(await rowsWith(page, '#timeline li', 'all 3 messages queued before the reload arrived, once')).toHaveLength(
      1,
    );
    const texts = await page.evaluate(() =>
      [...document.querySelectorAll('#log li.in .text')].map((e) => e.textContent ?? ''),
    );
    expect(texts.filter((t) => t.startsWith('before reload')).map((t) => t.split(' (')[0])).toEqual([
      'before reload 3',
      'before reload 2',
      'before reload 1',
    ]);
  });

  it(`lays out at desktop and phone widths without horizontal overflow (screenshots in test-results/${shot('')}*.png)`, async () => {
    mkdirSync(RESULTS, { recursive: true });
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await sleep(300);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.screenshot(path.join(RESULTS, `${shot('')}.png`));
    await page.setViewport(390, 844);
    await sleep(300);
    expect(await page.evaluate(() => innerWidth)).toBeLessThan(500);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.screenshot(path.join(RESULTS, `${shot('-phone')}.png`));
    await page.setViewport(1440, 1000);
    expect(await page.errors()).toEqual([]);
  });
});

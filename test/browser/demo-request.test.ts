/**
 * The demo's request panel (heartbeat-ws/request) against the real demo server, in each engine:
 * an answer, a request made while the server is stopped answered after the reconnect, a timeout,
 * an abort. Driven through the page's DOM, as demo-panel.test.ts does.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/demo-server';
import { waitFor } from '../helpers/browser';
import { describeEngines, type EnginePage as Page } from '../helpers/engines';
import { click, fill } from '../helpers/page-dom';

const SETTINGS = { interval: 400, timeout: 1200, minReconnectionDelay: 200, maxReconnectionDelay: 800 };

/** Every row of the request list, newest first: its text and its badge. */
const rows = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('#requests li')].map((li) => [
      li.querySelector('.text')?.textContent ?? '',
      li.querySelector('.badge')?.textContent ?? '',
    ]),
  );
/** The badge of request `#n`, once it is no longer `sent` / `queued`. */
const outcome = (page: Page, n: number) =>
  waitFor(
    `request #${n} to settle`,
    async () => {
      const badge = (await rows(page)).find(([text]) => text?.startsWith(`#${n} `))?.[1];
      return badge && !['sent', 'queued'].includes(badge) ? badge : undefined;
    },
    { timeout: 15_000 },
  );
const ask = async (page: Page, text: string, timeout = 5000) => {
  await fill(page, '#request-timeout', String(timeout));
  await fill(page, '#request-text', text);
  await click(page, '#request');
};
const state = (page: Page) => page.evaluate(() => document.getElementById('state')?.textContent ?? '');

describeEngines('the demo request panel against the demo server', (engine) => {
  let demo: DemoServer;
  let page: Page;

  beforeAll(async () => {
    demo = await startDemoServer({ port: 0, wsPort: 0, maxMinutes: 5, idleMinutes: 5 });
    page = await engine.newPage();
    await page.setViewport(1400, 1000);
    await page.goto(`${demo.url}?${new URLSearchParams(Object.entries(SETTINGS).map(([k, v]) => [k, String(v)]))}`);
    await waitFor('open', async () => (await state(page)) === 'open', { timeout: 10_000 });
  });

  afterAll(async () => {
    await page?.close();
    await demo?.close();
  });

  it('shows the answer, a request made while the server is stopped answered after the reconnect, a timeout and an abort', async () => {
    await ask(page, 'hello');
    expect(await outcome(page, 1)).toMatch(/^answer "hello" · \d+ ms$/);
    await fill(page, '#stop-seconds', '2');
    await click(page, '#fault-stop');
    await waitFor('down', async () => (await state(page)) !== 'open', { timeout: 5_000 });
    // Abort aborts every pending request: this one alone is pending now.
    await ask(page, 'cancelled', 15_000);
    await click(page, '#request-abort');
    expect(await outcome(page, 2)).toMatch(/^AbortError · \d+ ms$/);
    await ask(page, 'too slow', 300);
    await ask(page, 'later', 15_000);
    expect(await outcome(page, 3)).toMatch(/^TimeoutError · \d+ ms$/);
    expect(await outcome(page, 4)).toMatch(/^answer "later" after a reconnect · \d+ ms$/);
    // The answers never reached the message log as server messages.
    const log = await page.evaluate(() => [...document.querySelectorAll('#log li.in')].map((li) => li.textContent));
    expect(log.filter((l) => l?.includes('"type":"request"'))).toEqual([]);
    expect(await page.errors()).toEqual([]);
  });
});

/**
 * The demo's shared mode and its give-up banner, in real Chromium against the real demo server.
 *
 * Shared mode needs several tabs of ONE browser profile (Web Locks and BroadcastChannel are per
 * profile and origin), so this file drives Chromium itself: pages of one playwright browser
 * context, under `describeBrowser` (a missing Chromium fails under CI=true). Not
 * `describeEngines`: its Chromium `newPage()` opens every page in a new context, a profile of its
 * own, so the tabs would not share; its WebKit (one WebDriver session of MiniBrowser) has no
 * second tab to open. The sharing itself is tested in test/browser/shared.test.ts; here the point
 * is what the demo page shows and what the demo server counts.
 *
 * "Reload the page" in shared mode (the outbox of the leader tab's socket) runs in every engine:
 * with one tab (it leads), through `describeEngines`; with two tabs whose leader is reloaded, in
 * Chromium (pages of one context) and Firefox (pages of its one profile).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/demo-server';
import { describeBrowser, launchChromium, pageErrors, waitFor } from '../helpers/browser';
import {
  createEngine,
  describeChromium,
  describeEngine,
  describeEngines,
  type Engine,
  type EnginePage,
} from '../helpers/engines';
import { firefoxPages, type Profile } from '../helpers/profiles';

// Short heartbeat and backoff, through the page's query string.
const SETTINGS = {
  interval: 400,
  timeout: 1500,
  minReconnectionDelay: 200,
  maxReconnectionDelay: 800,
  connectionTimeout: 1500,
  minUptime: 500,
};
const query = (extra: Record<string, string | number> = {}) =>
  `?${new URLSearchParams(Object.entries({ ...SETTINGS, ...extra }).map(([k, v]) => [k, String(v)]))}`;

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

async function waitForOpen(page: Page, timeout = 15_000) {
  await waitFor('#state to read "open"', async () => (await text(page, '#state')) === 'open', { timeout });
}

/** What each page's header says about sharing. */
const roles = (pages: Page[]) => Promise.all(pages.map((p) => text(p, '#leader')));
const tabCounts = (pages: Page[]) => Promise.all(pages.map((p) => text(p, '#tab-count')));

/** Notes in the page, by the page's clock, when its badge turns to "leader". */
function recordLeaderBadge(page: Page) {
  return page.evaluate(() => {
    const badge = document.getElementById('leader') as HTMLElement;
    const w = window as unknown as { becameLeaderAt?: number };
    new MutationObserver(() => {
      if (badge.textContent === 'leader' && w.becameLeaderAt === undefined) w.becameLeaderAt = Date.now();
    }).observe(badge, { childList: true, characterData: true, subtree: true });
  });
}

describeBrowser('the demo in shared mode: tabs of one Chromium profile hold one connection', () => {
  let demo: DemoServer;
  let browser: Browser;
  let context: BrowserContext;
  const pages: Page[] = [];
  const errors = new Map<Page, string[]>();

  const open = (page: Page) => {
    pages.push(page);
    errors.set(page, pageErrors(page));
    return page;
  };

  beforeAll(async () => {
    demo = await startDemoServer({ port: 0, wsPort: 0, maxMinutes: 5, idleMinutes: 5 });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('three tabs, one of them reached by "Open another tab": one live connection, one leader, "3 tabs" in each', async () => {
    const first = open(await context.newPage());
    await first.goto(`${demo.url}${query({ shared: 1 })}`);
    await waitForOpen(first);
    expect(await first.isVisible('#shared-info')).toBe(true);
    // The link opens the same page with the mode on (and the same settings).
    const href = (await first.getAttribute('#open-tab', 'href')) ?? '';
    expect(new URL(href).searchParams.get('shared')).toBe('1');
    expect(new URL(href).searchParams.get('interval')).toBe(String(SETTINGS.interval));
    const [second] = await Promise.all([context.waitForEvent('page'), first.click('#open-tab')]);
    open(second);
    const third = open(await context.newPage());
    await third.goto(href);
    for (const page of pages) await waitForOpen(page);

    await waitFor('"3 tabs" in every page', async () => (await tabCounts(pages)).every((n) => n === '3'), {
      timeout: 5_000,
    });
    expect(await Promise.all(pages.map((p) => text(p, '#tab-label')))).toEqual(['tabs', 'tabs', 'tabs']);
    const shown = await roles(pages);
    expect(
      shown.filter((r) => r === 'leader'),
      shown.join(),
    ).toHaveLength(1);
    expect(shown.filter((r) => r === 'follower')).toHaveLength(2);

    // The server's own count, and the panel of every page, say 1; and it stays 1 (no tab
    // connects on the side) over several heartbeats.
    await new Promise((r) => setTimeout(r, 2 * SETTINGS.interval + 500));
    expect(demo.status().live, demo.status().log.join('\n')).toBe(1);
    expect(demo.status().total).toBe(1);
    await waitFor('"1" live connection in every panel', async () =>
      (await Promise.all(pages.map((p) => text(p, '#srv-live')))).every((n) => n === '1'),
    );

    // Every tab's page keeps working: pongs (RTT) in each, and a message sent from a follower
    // is echoed by the server and reaches every tab.
    for (const page of pages)
      await waitFor('a pong in each tab', async () => Number(await text(page, '#pongs')) > 0, { timeout: 5_000 });
    const follower = pages[shown.indexOf('follower')] as Page;
    await follower.fill('#message', 'from a follower');
    await follower.click('#send');
    for (const page of pages)
      await waitFor('the echo in each tab', async () =>
        (await page.locator('#log li.in .text').allTextContents()).some((t) => t.includes('from a follower')),
      );
  });

  it('closing the leader tab makes another tab leader within 1 s, and the server again has 1 connection', async () => {
    const shown = await roles(pages);
    const leader = pages[shown.indexOf('leader')] as Page;
    const rest = pages.filter((p) => p !== leader);
    for (const page of rest) await recordLeaderBadge(page);
    const total = demo.status().total;

    const closedAt = Date.now();
    await leader.close();
    expect(errors.get(leader)).toEqual([]);
    pages.splice(pages.indexOf(leader), 1);

    const took = await waitFor(
      'a new leader badge',
      async () => {
        const at = await Promise.all(
          rest.map((p) => p.evaluate(() => (window as unknown as { becameLeaderAt?: number }).becameLeaderAt)),
        );
        const first = at.filter((t): t is number => t !== undefined);
        return first.length > 0 ? Math.min(...first) - closedAt : undefined;
      },
      { timeout: 5_000 },
    );
    expect(took).toBeLessThan(1000);
    expect((await roles(rest)).sort()).toEqual(['follower', 'leader']);

    // The new leader's own connection replaces the old one: 1 live, one more in total.
    await waitFor('the new leader connected', () => demo.status().total > total && demo.status().live === 1, {
      timeout: 10_000,
    });
    for (const page of rest) await waitForOpen(page);
    await new Promise((r) => setTimeout(r, 1000));
    expect(demo.status().live, demo.status().log.join('\n')).toBe(1);
    expect(demo.status().total).toBe(total + 1);
    await waitFor('"2 tabs" in both pages', async () => (await tabCounts(rest)).every((n) => n === '2'), {
      timeout: 5_000,
    });
    for (const page of rest) expect(errors.get(page)).toEqual([]);
  });

  it('a give-up shows its banner in every tab, and Retry in a follower brings the shared connection back', async () => {
    const leader = pages[(await roles(pages)).indexOf('leader')] as Page;
    const follower = pages.find((p) => p !== leader) as Page;
    const total = demo.status().total;
    // 4001 is under "stay closed on" by default: shouldReconnect says no.
    await leader.fill('#close-code', '4001');
    await leader.click('#fault-close');
    for (const page of pages) {
      await waitFor('the give-up banner in each tab', () => page.isVisible('#giveup'), { timeout: 10_000 });
      expect(await text(page, '#giveup-title')).toBe('Gave up: shouldReconnect');
      expect(await text(page, '#giveup-detail')).toMatch(/^shouldReconnect said no to close 4001/);
    }
    await follower.click('#giveup-retry');
    for (const page of pages) {
      await waitForOpen(page);
      await waitFor('the banner hidden in each tab', () => page.isHidden('#giveup'));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(demo.status().live).toBe(1);
    expect(demo.status().total).toBe(total + 1);
    for (const page of pages) expect(errors.get(page)).toEqual([]);
  });
});

describeBrowser('the demo give-up banner', () => {
  let demo: DemoServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    demo = await startDemoServer({ port: 0, wsPort: 0, maxMinutes: 5, idleMinutes: 5 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    errors = pageErrors(page);
    await page.goto(`${demo.url}${query({ maxRetries: 0 })}`);
    await waitForOpen(page);
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('maxRetries 0 and "Stop server": "Gave up: maxRetries" with the close; Retry reconnects once the server is back', async () => {
    expect(await page.isHidden('#giveup')).toBe(true);
    expect(await page.isHidden('#shared-info')).toBe(true);
    await page.fill('#stop-seconds', '2');
    await page.click('#fault-stop');
    await waitFor('the give-up banner', () => page.isVisible('#giveup'), { timeout: 10_000 });
    expect(await text(page, '#giveup-title')).toBe('Gave up: maxRetries');
    expect(await text(page, '#giveup-detail')).toMatch(/^maxRetries is 0: no retry after close 1006/);
    expect(await text(page, '#state')).toBe('closed');
    // It stays given up: no attempt while the banner shows.
    const total = demo.status().total;
    await waitFor('the server back', () => demo.status().endpoint === 'listening', { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(demo.status().total).toBe(total);
    await page.click('#giveup-retry');
    await waitForOpen(page);
    expect(await page.isHidden('#giveup')).toBe(true);
    expect(demo.status().total).toBe(total + 1);
  });

  it('a close code listed under "stay closed on": "Gave up: shouldReconnect" with its code and reason', async () => {
    // maxRetries is checked first (0 would say "maxRetries" again): back to the default, Infinity.
    await page.fill('input[name="maxRetries"]', '');
    await page.click('#apply');
    await waitForOpen(page);
    expect(await page.isHidden('#giveup')).toBe(true);
    await page.fill('#close-code', '4001');
    await page.fill('#close-reason', 'kicked');
    await page.click('#fault-close');
    await waitFor('the give-up banner', () => page.isVisible('#giveup'), { timeout: 10_000 });
    expect(await text(page, '#giveup-title')).toBe('Gave up: shouldReconnect');
    expect(await text(page, '#giveup-detail')).toBe('shouldReconnect said no to close 4001 "kicked".');
    await page.click('#giveup-retry');
    await waitForOpen(page);
    expect(await page.isHidden('#giveup')).toBe(true);
    expect(errors).toEqual([]);
  });
});

// ---- "Reload the page" in shared mode: the outbox of the leader tab's socket ----------------

/** A tab, driven through its DOM the same way in every engine. */
type Tab = Pick<EnginePage, 'evaluate' | 'errors' | 'close'>;

/** The text of `selector` in `tab`, trimmed; undefined between two documents. */
const textIn = (tab: Tab, selector: string) =>
  tab
    .evaluate((sel: string) => (document.querySelector(sel)?.textContent ?? '').trim(), selector)
    .catch(() => undefined);
/** Types `value` into a field as a user would: value, then `input` and `change` events. */
const fillIn = (tab: Tab, selector: string, value: string) =>
  tab.evaluate(
    ([sel, v]: [string, string]) => {
      const el = document.querySelector(sel) as HTMLInputElement;
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    [selector, value],
  );
const press = (tab: Tab, selector: string) =>
  tab.evaluate((sel: string) => (document.querySelector(sel) as HTMLElement).click(), selector);
/** The `data-status` of the rows the page before the reload left; undefined between two documents. */
const leftByPageBefore = (tab: Tab) =>
  tab
    .evaluate(() => [...document.querySelectorAll('#log li[data-from]')].map((li) => li.getAttribute('data-status')))
    .catch(() => undefined);
/** The echoes of the messages queued before the reload that the tab's log shows, newest first. */
const echoesFromBefore = async (tab: Tab) =>
  (await tab.evaluate(() => [...document.querySelectorAll('#log li.in .text')].map((e) => e.textContent ?? '')))
    .filter((t) => t.startsWith('before reload'))
    .map((t) => t.split(' (')[0]);

async function waitForOpenIn(tab: Tab, timeout = 15_000) {
  await waitFor('#state to read "open"', async () => (await textIn(tab, '#state')) === 'open', { timeout });
}

/**
 * Presses "Reload the page" in `reloaded` (3 s down) and checks what the user and the server see:
 * the reloaded page lists the three messages as left by the page before, each turns "sent" when
 * its echo arrives, every other tab gets each echo once, and the server echoed three more with no
 * duplicate. Returns the tabs' badges ("leader" / "follower") after it.
 */
async function reloadWhileDown(demo: DemoServer, reloaded: Tab, others: Tab[]): Promise<string[]> {
  const tabs = [reloaded, ...others];
  for (const tab of tabs) await waitForOpenIn(tab);
  await new Promise((r) => setTimeout(r, SETTINGS.minUptime + 200));
  const before = demo.status().counts;
  await fillIn(reloaded, '#reload-seconds', '3');
  await reloaded.evaluate(() => ((window as { pageBefore?: boolean }).pageBefore = true));
  await press(reloaded, '#fault-reload');
  // Reloaded while the server was down: nothing of the three could have gone yet. Checked as the
  // page before ends, not once the next one shows its rows: on a loaded machine that may come
  // after the server is back (CI saw it in Firefox, with 2 s down), and the tab that leads then
  // rightly sends them.
  await waitFor('the page before gone', () =>
    reloaded.evaluate(() => !(window as { pageBefore?: boolean }).pageBefore).catch(() => true),
  );
  expect(demo.status().endpoint).toBe('stopped');
  expect(demo.status().counts.echoed).toBe(before.echoed);
  await waitFor(
    'the reloaded page with three rows left by the page before',
    async () => (await leftByPageBefore(reloaded))?.length === 3,
    { timeout: 10_000 },
  );
  await waitFor('their echoes', async () => (await leftByPageBefore(reloaded))?.every((s) => s === 'sent'), {
    timeout: 15_000,
  });
  const echoes = ['before reload 3', 'before reload 2', 'before reload 1'];
  for (const tab of others)
    await waitFor('the echoes in every other tab', async () => (await echoesFromBefore(tab)).length >= 3, {
      timeout: 5_000,
    });
  for (const tab of tabs) await waitForOpenIn(tab);
  await new Promise((r) => setTimeout(r, SETTINGS.minUptime + 500));
  const after = demo.status().counts;
  expect(after.echoed - before.echoed, demo.status().log.join('\n')).toBe(3);
  expect(after.duplicates).toBe(before.duplicates);
  expect(demo.status().live).toBe(1);
  const done = await reloaded.evaluate(() =>
    [...document.querySelectorAll('#timeline li .what')]
      .map((e) => e.textContent ?? '')
      .filter((t) => t.includes('all 3 messages queued before the reload arrived, once')),
  );
  expect(done).toHaveLength(1);
  for (const tab of tabs) expect(await echoesFromBefore(tab)).toEqual(echoes);
  for (const tab of tabs) expect(await tab.errors()).toEqual([]);
  const badges: string[] = [];
  for (const tab of tabs) badges.push((await textIn(tab, '#leader')) ?? '');
  return badges;
}

describeEngines('the demo in shared mode, one tab', (engine) => {
  let demo: DemoServer;
  let tab: EnginePage;

  beforeAll(async () => {
    demo = await startDemoServer({ port: 0, wsPort: 0, maxMinutes: 5, idleMinutes: 5 });
    tab = await engine.newPage();
    await tab.goto(`${demo.url}${query({ shared: 1 })}`);
    await waitForOpenIn(tab);
  });

  afterAll(async () => {
    await tab?.close();
    await demo?.close();
  });

  it('"Reload the page" in the one tab (it leads): the three messages queued while the server was down arrive after the reload, once', async () => {
    expect(await textIn(tab, '#leader')).toBe('leader');
    expect(await textIn(tab, '#tab-count')).toBe('1');
    // The snippet shows the option the page's socket has.
    expect(await textIn(tab, '#snippet')).toContain("outbox: HeartbeatWSOutbox.indexedDbOutbox('demo'");
    expect(await reloadWhileDown(demo, tab, [])).toEqual(['leader']);
    expect(await textIn(tab, '#tab-count')).toBe('1');
  });
});

/**
 * Two tabs of one profile; the leader's page is reloaded while the server is down. The other tab
 * takes the lead as that page ends (its lock request waited first), takes over what the old
 * leader's outbox kept, and sends it when the server is back; the reloaded page joins as a
 * follower and sees the echoes.
 */
function reloadTheLeaderOfTwo(tabsOfOneProfile: () => Profile<Tab> | Promise<Profile<Tab>>) {
  let demo: DemoServer;
  let profile: Profile<Tab>;

  beforeAll(async () => {
    demo = await startDemoServer({ port: 0, wsPort: 0, maxMinutes: 5, idleMinutes: 5 });
    profile = await tabsOfOneProfile();
  });

  afterAll(async () => {
    await profile?.close();
    await demo?.close();
  });

  it('"Reload the page" in the leader of two tabs: the other tab leads and sends the three messages once; both tabs see the echoes', async () => {
    const first = await profile.open(`${demo.url}${query({ shared: 1 })}`);
    await waitForOpenIn(first);
    const second = await profile.open(`${demo.url}${query({ shared: 1 })}`);
    const tabs = [first, second];
    for (const tab of tabs) await waitForOpenIn(tab);
    await waitFor(
      '"2 tabs" in both',
      async () => (await Promise.all(tabs.map((t) => textIn(t, '#tab-count')))).every((n) => n === '2'),
      { timeout: 5_000 },
    );
    const roles = await Promise.all(tabs.map((t) => textIn(t, '#leader')));
    expect(roles.slice().sort()).toEqual(['follower', 'leader']);
    const leader = tabs[roles.indexOf('leader')] as Tab;
    const other = tabs[roles.indexOf('follower')] as Tab;
    const total = demo.status().total;
    expect(await reloadWhileDown(demo, leader, [other])).toEqual(['follower', 'leader']);
    // One connection after the reload: the other tab's, made as it took the lead.
    expect(demo.status().total).toBe(total + 1);
    await waitFor(
      '"2 tabs" in both after the reload',
      async () => (await Promise.all(tabs.map((t) => textIn(t, '#tab-count')))).every((n) => n === '2'),
      { timeout: 5_000 },
    );
  });
}

describeChromium('the demo in shared mode, two tabs (pages of one context)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());
  reloadTheLeaderOfTwo(() => {
    let context: BrowserContext | undefined;
    return {
      open: async (url) => {
        context ??= await browser.newContext({ viewport: { width: 1400, height: 1000 } });
        const page = await context.newPage();
        const errors = pageErrors(page);
        await page.goto(url);
        return {
          evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
          errors: async () => [...errors],
          close: () => page.close(),
        };
      },
      close: async () => {
        await context?.close();
      },
    };
  });
});

// Pages of one puppeteer-launched Firefox share its one profile (Web Locks, BroadcastChannel).
describeEngine('firefox', 'the demo in shared mode, two tabs (pages of one profile)', () => {
  const engine: Engine = createEngine('firefox');
  beforeAll(() => engine.launch());
  afterAll(() => engine.close());
  reloadTheLeaderOfTwo(firefoxPages(engine));
});

/**
 * Tabs of one browser profile, for the browser tests of what tabs share (Web Locks,
 * BroadcastChannel): SharedHeartbeatSocket, heartbeat-ws/request across tabs, the demo in shared
 * mode. Each engine gets them its own way; see TESTING-IN-FIREFOX-AND-WEBKIT.md.
 */
import type { Browser } from 'playwright-core';
import type { WebDriver } from 'selenium-webdriver';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium, pageErrors } from './browser';
import { createEngine, describeEngine, type Engine, type EnginePage, webdriverEvaluate } from './engines';

/** A tab, as these tests drive it. */
export type ProfileTab = Pick<EnginePage, 'evaluate' | 'errors' | 'goto' | 'goBack' | 'close'>;

/** Tabs that share one browser profile. */
export interface Profile<T = ProfileTab> {
  /** A new tab of this profile, loaded from `url`. */
  open(url: string): Promise<T>;
  /** Closes every tab this profile opened that is still open. */
  close(): Promise<void>;
}

/**
 * Firefox: pages of one puppeteer-launched Firefox share its one profile, so they share Web Locks
 * and BroadcastChannel as tabs do. The browser keeps its back/forward cache on.
 */
export const firefoxPages = (engine: Engine) => async (): Promise<Profile<EnginePage>> => {
  const pages: EnginePage[] = [];
  return {
    open: async (url) => {
      const page = await engine.newPage();
      pages.push(page);
      await page.goto(url);
      return page;
    },
    close: async () => {
      for (const p of pages) await p.close().catch(() => {});
    },
  };
};

/**
 * WebKit: windows of one WebDriver session (`switchTo().newWindow('tab')`) are tabs of one
 * MiniBrowser profile. WebDriver talks to one window at a time, so every call switches to its tab
 * first, one call at a time. The session's first window stays on about:blank, so the session
 * outlives every tab.
 */
export const webkitWindows = (engine: Engine): (() => Promise<Profile>) => {
  const driver = () => (engine as unknown as { driver: WebDriver }).driver;
  let home: string | undefined;
  let busy: Promise<unknown> = Promise.resolve();
  /** Runs `step` with the driver switched to `handle`, after every call before it. */
  const inTab = <T>(handle: string, step: () => Promise<T>): Promise<T> => {
    const run = busy.then(async () => {
      await driver().switchTo().window(handle);
      return step();
    });
    busy = run.catch(() => {});
    return run;
  };
  const tab = (handle: string): ProfileTab => ({
    evaluate: (fn, arg) => inTab(handle, () => webdriverEvaluate(driver(), fn, arg)),
    errors: () =>
      inTab(handle, async () => (await driver().executeScript('return window.__pageErrors || []')) as string[]),
    goto: (url) => inTab(handle, () => driver().get(url)),
    goBack: () => inTab(handle, () => driver().navigate().back()),
    close: () => inTab(handle, () => driver().close()),
  });
  return async () => {
    const first = (home ??= await driver().getWindowHandle());
    const handles: string[] = [];
    return {
      open: async (url) => {
        const handle = await inTab(first, async () => {
          await driver().switchTo().newWindow('tab');
          await driver().get(url);
          return driver().getWindowHandle();
        });
        handles.push(handle);
        return tab(handle);
      },
      close: async () => {
        const open = new Set(await inTab(first, () => driver().getAllWindowHandles()));
        for (const h of handles) if (open.has(h)) await inTab(h, () => driver().close());
      },
    };
  };
};

/**
 * Registers `fn` once per selected engine, as `"<engine>: <name> (<how its tabs are made>)"`,
 * with tabs of one profile: Chromium's pages of one playwright context (a new context per
 * profile), Firefox's pages of one browser, WebKit's windows of one WebDriver session. Each suite
 * launches its own browser; like describeEngines, a missing one fails under CI=true.
 */
export function describeTabsOfOneProfile(name: string, fn: (profile: () => Promise<Profile>) => void): void {
  describeEngine('chromium', `${name} (pages of one context)`, () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(() => browser?.close());
    fn(async () => {
      const ctx = await browser.newContext();
      return {
        open: async (url) => {
          const page = await ctx.newPage();
          const errors = pageErrors(page);
          await page.goto(url);
          return {
            evaluate: ((f: never, arg: never) => page.evaluate(f, arg)) as ProfileTab['evaluate'],
            errors: async () => [...errors],
            goto: async (to) => void (await page.goto(to)),
            goBack: async () => void (await page.goBack({ waitUntil: 'commit' })),
            close: () => page.close(),
          };
        },
        close: () => ctx.close(),
      };
    });
  });
  for (const [engine, how, tabs] of [
    ['firefox', 'pages of one browser', firefoxPages],
    ['webkit', 'windows of one session', webkitWindows],
  ] as const) {
    describeEngine(engine, `${name} (${how})`, () => {
      const e = createEngine(engine);
      beforeAll(() => e.launch());
      afterAll(() => e.close());
      fn(tabs(e));
    });
  }
}

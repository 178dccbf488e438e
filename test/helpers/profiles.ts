/**
 * Tabs of one browser profile, for the browser tests of what tabs share (Web Locks,
 * BroadcastChannel): SharedHeartbeatSocket, heartbeat-ws/request across tabs, the demo in shared
 * mode. Each engine gets them its own way; see TESTING-IN-FIREFOX-AND-WEBKIT.md.
 */
import type { WebDriver } from 'selenium-webdriver';
import { type Engine, type EnginePage, webdriverEvaluate } from './engines';

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

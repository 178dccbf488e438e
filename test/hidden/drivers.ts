/**
 * Browsers for the hidden-page runs (test/hidden/): each engine launched with its timer
 * throttling ON, and a way to really hide pages in it (not an overridden `visibilityState`).
 *
 * - Chromium: Debian's `chromium` through puppeteer-core (CDP), without puppeteer's
 *   `--disable-background-timer-throttling`, `--disable-renderer-backgrounding` and
 *   `--disable-backgrounding-occluded-windows`, and with intensive wake-up throttling after a
 *   10 s grace period instead of 5 minutes. `bringToFront()` of one page hides the others
 *   (playwright keeps its headless pages visible, so it cannot be used here).
 * - Firefox: Debian's `firefox-esr` through puppeteer-core over WebDriver BiDi, with its default
 *   prefs: pages are tabs, and the tab brought to the front hides the others.
 * - WebKit: WebKitGTK's MiniBrowser through `WebKitWebDriver` and selenium-webdriver under an
 *   Xvfb started here: pages are windows of one session; a hidden page is a minimised window.
 *
 * Every page here is driven only before it is hidden and after the measurement: nothing from the
 * test wakes a hidden page while it is measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Browser as PptrBrowser, Page as PptrPage } from 'puppeteer-core';
import type { WebDriver } from 'selenium-webdriver';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/browser';
import {
  FIREFOX_PATH,
  freePort,
  killOnExit,
  MINIBROWSER_PATH,
  stopChild,
  waitForPort,
  WEBKIT_DRIVER,
  webdriverEvaluate,
  type EngineName,
} from '../helpers/engines';

/** Puppeteer's default Chromium flags that would switch background throttling off. */
export const THROTTLING_OFF_FLAGS = [
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** Intensive wake-up throttling (one wake-up a minute) after 10 s hidden instead of 5 minutes. */
export const INTENSIVE_AFTER_10S = '--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/10';

export interface Tab {
  /** Runs `fn(arg)` in the page (sent as source text) and returns its JSON-like result. */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>>;
}

export interface HiddenBrowser {
  readonly engine: EngineName;
  /** The browser's version, known after `launch()`. */
  readonly version: string;
  /** How pages are hidden, in words for the record. */
  readonly how: string;
  /** The command line of the browser process (Chromium: to prove no throttling switch is on it). */
  readonly args: readonly string[];
  launch(): Promise<void>;
  /** Opens `url` in a new page (tab or window), visible. */
  open(url: string): Promise<Tab>;
  /** Hides every page in `hidden`; `front` stays (or becomes) the visible one. */
  hide(hidden: Tab[], front: Tab): Promise<void>;
  /** Makes `tab` visible again. */
  show(tab: Tab): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- Chromium and Firefox (puppeteer)

class PuppeteerBrowser implements HiddenBrowser {
  version = '';
  args: string[] = [];
  readonly how = 'another page brought to the front (bringToFront)';
  #browser?: PptrBrowser;
  readonly #pages = new Map<Tab, PptrPage>();

  constructor(readonly engine: 'chromium' | 'firefox') {}

  async launch(): Promise<void> {
    const puppeteer = (await import('puppeteer-core')).default;
    this.#browser =
      this.engine === 'chromium'
        ? await puppeteer.launch({
            browser: 'chrome',
            executablePath: CHROMIUM_PATH,
            headless: true,
            args: [...CHROMIUM_ARGS, INTENSIVE_AFTER_10S],
            ignoreDefaultArgs: THROTTLING_OFF_FLAGS,
            timeout: 30_000,
          })
        : await puppeteer.launch({
            browser: 'firefox',
            executablePath: FIREFOX_PATH,
            headless: true,
            timeout: 30_000,
            extraPrefsFirefox: { 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false },
          });
    this.version = (await this.#browser.version()).replace(/^(firefox|chrome|HeadlessChrome)\//i, '');
    this.args = this.#browser.process()?.spawnargs ?? [];
  }

  async open(url: string): Promise<Tab> {
    if (!this.#browser) throw new Error(`${this.engine}: launch() first`);
    const page = await this.#browser.newPage();
    await page.goto(url);
    const tab: Tab = { evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never };
    this.#pages.set(tab, page);
    return tab;
  }

  async hide(_hidden: Tab[], front: Tab): Promise<void> {
    await this.#page(front).bringToFront();
  }

  async show(tab: Tab): Promise<void> {
    await this.#page(tab).bringToFront();
  }

  #page(tab: Tab): PptrPage {
    const page = this.#pages.get(tab);
    if (!page) throw new Error('not a page of this browser');
    return page;
  }

  async close(): Promise<void> {
    await this.#browser?.close();
    this.#browser = undefined;
  }
}

// ---------------------------------------------------------------- WebKit (selenium + WebKitWebDriver)

const XVFB_PATH = '/usr/bin/Xvfb';

class WebKitBrowser implements HiddenBrowser {
  readonly engine = 'webkit';
  version = '';
  args: string[] = [];
  readonly how = 'window minimised';
  #xvfb?: ChildProcess;
  #driverProcess?: ChildProcess;
  #driver?: WebDriver;
  /** The session's first window, left on about:blank so the session outlives every page. */
  #home?: string;
  readonly #handles = new Map<Tab, string>();
  /** WebDriver talks to one window at a time: every step switches first, one step at a time. */
  #busy: Promise<unknown> = Promise.resolve();

  #in<T>(handle: string, step: (driver: WebDriver) => Promise<T>): Promise<T> {
    const run = this.#busy.then(async () => {
      const driver = this.#driver;
      if (!driver) throw new Error('webkit: launch() first');
      await driver.switchTo().window(handle);
      return step(driver);
    });
    this.#busy = run.catch(() => {});
    return run;
  }

  async launch(): Promise<void> {
    const xvfb = spawn(XVFB_PATH, ['-displayfd', '1', '-nolisten', 'tcp', '-screen', '0', '1600x1200x24'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.#xvfb = xvfb;
    killOnExit(xvfb);
    const display = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Xvfb did not report a display within 10 s')), 10_000);
      xvfb.once('error', reject);
      xvfb.stdout?.once('data', (d: Buffer) => {
        clearTimeout(timer);
        resolve(d.toString().trim());
      });
    });
    const port = await freePort();
    this.#driverProcess = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
      stdio: 'ignore',
      env: { ...process.env, DISPLAY: `:${display}` },
    });
    killOnExit(this.#driverProcess);
    await waitForPort(port, 10_000);
    const { Builder } = await import('selenium-webdriver');
    this.#driver = await new Builder()
      .usingServer(`http://127.0.0.1:${port}`)
      .withCapabilities({
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args: ['--automation'] },
      })
      .build();
    await this.#driver.manage().setTimeouts({ script: 30_000, pageLoad: 30_000 });
    this.#home = await this.#driver.getWindowHandle();
    this.version = String((await this.#driver.getCapabilities()).get('browserVersion') ?? '');
    this.args = [MINIBROWSER_PATH, '--automation'];
  }

  async open(url: string): Promise<Tab> {
    const home = this.#home;
    if (!home) throw new Error('webkit: launch() first');
    const handle = await this.#in(home, async (driver) => {
      await driver.switchTo().newWindow('window');
      await driver.manage().window().setRect({ width: 800, height: 600 });
      await driver.get(url);
      return driver.getWindowHandle();
    });
    const tab: Tab = {
      evaluate: (fn, arg) => this.#in(handle, (driver) => webdriverEvaluate(driver, fn, arg)),
    };
    this.#handles.set(tab, handle);
    return tab;
  }

  #handle(tab: Tab): string {
    const handle = this.#handles.get(tab);
    if (!handle) throw new Error('not a window of this session');
    return handle;
  }

  async hide(hidden: Tab[], front: Tab): Promise<void> {
    for (const tab of hidden) await this.#in(this.#handle(tab), (driver) => driver.manage().window().minimize());
    // Ends on the visible window: the session's current window is the one in front.
    await this.#in(this.#handle(front), async () => {});
  }

  async show(tab: Tab): Promise<void> {
    await this.#in(this.#handle(tab), (driver) => driver.manage().window().setRect({ width: 800, height: 600 }));
  }

  async close(): Promise<void> {
    const driver = this.#driver;
    this.#driver = undefined;
    await driver?.quit().catch(() => {});
    await stopChild(this.#driverProcess);
    await stopChild(this.#xvfb);
    this.#driverProcess = undefined;
    this.#xvfb = undefined;
  }
}

export function hiddenBrowser(engine: EngineName): HiddenBrowser {
  return engine === 'webkit' ? new WebKitBrowser() : new PuppeteerBrowser(engine);
}

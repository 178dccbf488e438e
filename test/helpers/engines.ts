/**
 * One browser test, three engines: the small driver interface the browser tests (test/browser/)
 * are written against, and its three implementations.
 *
 * - Chromium: Debian's `chromium` through playwright-core (as before).
 * - Firefox: Debian's `firefox-esr` through puppeteer-core over WebDriver BiDi (Playwright cannot
 *   drive a stock Firefox).
 * - WebKit: WebKitGTK's MiniBrowser through `WebKitWebDriver` and selenium-webdriver, under an
 *   Xvfb display this helper starts and stops.
 *
 * `describeEngines(name, fn)` registers the suite once per engine, as `"<engine>: <name>"`, so a
 * report counts the browser tests per engine. Each engine's suite shares one browser, launched in
 * `beforeAll` and stopped in `afterAll` (launches are slow: Firefox takes about 5 s). A missing
 * engine fails the file under `CI=true` and is skipped with a message elsewhere.
 *
 * What an engine cannot do is a capability, not a silent skip: `offline` says how `setOffline()`
 * works there, `visibility` how `hide()`/`show()` do, and the tests put those words in their names.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Browser as PwBrowser, CDPSession, Page as PwPage } from 'playwright-core';
import type { Browser as PptrBrowser, Page as PptrPage } from 'puppeteer-core';
import type { WebDriver } from 'selenium-webdriver';
import { afterAll, beforeAll, describe } from 'vitest';
import { CHROMIUM_PATH, ERROR_TRAP, launchChromium, pageErrors } from './browser';

export type EngineName = 'chromium' | 'firefox' | 'webkit';
export const ENGINE_NAMES: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

export const FIREFOX_PATH = process.env.FIREFOX || '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER_PATH = process.env.MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const XVFB_PATH = '/usr/bin/Xvfb';

const RESULTS = path.resolve(__dirname, '../../test-results');

export interface EngineLaunchOptions {
  /** Keep bfcache, timer throttling and backgrounding on (Chromium: off in playwright's default). */
  lifecycle?: boolean;
}

/** A page of one engine, driven the same way whatever the engine. */
export interface EnginePage {
  goto(url: string): Promise<void>;
  /**
   * Runs `fn(arg)` in the page and returns its (JSON-like) result; an async `fn` is awaited.
   * `fn` is sent as source text: it must not use anything from the test's scope.
   */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>>;
  /** Uncaught errors, unhandled rejections and `console.error` calls of the page so far. */
  errors(): Promise<string[]>;
  /** History back/forward; resolves once navigation has started (poll the page for the rest). */
  goBack(): Promise<void>;
  goForward(): Promise<void>;
  /** Makes the page hidden / visible again, as `Engine.visibility` says. */
  hide(): Promise<void>;
  show(): Promise<void>;
  /** Network emulation, as `Engine.offline` says. */
  setOffline(offline: boolean): Promise<void>;
  setViewport(width: number, height: number): Promise<void>;
  screenshot(file: string): Promise<void>;
  close(): Promise<void>;
}

export interface Engine {
  readonly name: EngineName;
  /** The browser's own version string, known after `launch()`. */
  readonly version: string;
  /**
   * How `setOffline()` works: `'emulated'` (the engine's network emulation: `navigator.onLine`
   * flips, `offline`/`online` fire, new sockets fail) or `'dispatched'` (no network emulation:
   * `navigator.onLine` is overridden in the page and the events are dispatched; sockets are not
   * affected, so a test makes the network fault on the server side).
   */
  readonly offline: 'emulated' | 'dispatched';
  /** How `hide()` works, in words for a test name. */
  readonly visibility: string;
  launch(options?: EngineLaunchOptions): Promise<void>;
  newPage(): Promise<EnginePage>;
  close(): Promise<void>;
}

type Env = Record<string, string | undefined>;

/** Why `name` cannot run here, or undefined when it can (binaries from `env`, as the launch takes them). */
export function engineMissing(name: EngineName, env: Env = process.env): string | undefined {
  const need = (file: string, what: string): string | undefined => {
    try {
      accessSync(file, constants.X_OK);
      return undefined;
    } catch {
      return `no executable ${what} at ${file}`;
    }
  };
  if (name === 'chromium') return need(env.CHROMIUM || CHROMIUM_PATH, 'Chromium');
  if (name === 'firefox') return need(env.FIREFOX || FIREFOX_PATH, 'Firefox');
  return (
    need(env.WEBKIT_DRIVER || WEBKIT_DRIVER, 'WebKitWebDriver') ??
    need(env.MINIBROWSER || MINIBROWSER_PATH, 'MiniBrowser') ??
    need(XVFB_PATH, 'Xvfb (WebKit needs an X display)')
  );
}

const INSTALL: Record<EngineName, string> = {
  chromium: 'apt-get install -y chromium, or set CHROMIUM',
  firefox: 'apt-get install -y firefox-esr, or set FIREFOX',
  webkit: 'apt-get install -y webkit2gtk-driver xvfb xauth, or set WEBKIT_DRIVER / MINIBROWSER',
};

/** Overrides `navigator.onLine` in the page and fires `online`/`offline`, as the browser would. */
const dispatchOnline = (online: boolean) => {
  Object.defineProperty(Navigator.prototype, 'onLine', { configurable: true, get: () => online });
  window.dispatchEvent(new Event(online ? 'online' : 'offline'));
};

/** Overrides `document.visibilityState` / `hidden` and fires `visibilitychange`. */
const overrideVisibility = (state: 'hidden' | 'visible') => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
  document.dispatchEvent(new Event('visibilitychange'));
};

function recordVersion(name: EngineName, version: string): void {
  try {
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, `engine-${name}.txt`), `${version}\n`);
  } catch {
    /* the version line is a convenience of .ci/run's totals */
  }
}

// ---------------------------------------------------------------- Chromium (playwright-core)

class ChromiumEngine implements Engine {
  readonly name = 'chromium';
  readonly offline = 'emulated';
  readonly visibility = 'visibilityState overridden in the page: playwright cannot hide a headless Chromium page';
  version = '';
  #browser?: PwBrowser;

  async launch(options: EngineLaunchOptions = {}): Promise<void> {
    this.#browser = await launchChromium(options);
    this.version = this.#browser.version();
    recordVersion(this.name, this.version);
  }

  async newPage(): Promise<EnginePage> {
    if (!this.#browser) throw new Error('chromium: launch() first');
    const page: PwPage = await this.#browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const errors = pageErrors(page);
    let cdp: CDPSession | undefined;
    return {
      goto: async (url) => {
        await page.goto(url);
      },
      evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
      errors: async () => [...errors],
      goBack: async () => {
        await page.goBack({ waitUntil: 'commit' });
      },
      goForward: async () => {
        await page.goForward({ waitUntil: 'commit' });
      },
      hide: () => page.evaluate(overrideVisibility, 'hidden' as const),
      show: () => page.evaluate(overrideVisibility, 'visible' as const),
      setOffline: async (offline) => {
        if (!cdp) {
          cdp = await page.context().newCDPSession(page);
          await cdp.send('Network.enable');
        }
        await cdp.send('Network.emulateNetworkConditions', {
          offline,
          latency: 0,
          downloadThroughput: -1,
          uploadThroughput: -1,
        });
      },
      setViewport: (width, height) => page.setViewportSize({ width, height }),
      screenshot: async (file) => {
        await page.screenshot({ path: file, fullPage: true });
      },
      close: async () => {
        await cdp?.detach().catch(() => {});
        await page.close();
      },
    };
  }

  async close(): Promise<void> {
    await this.#browser?.close();
    this.#browser = undefined;
  }
}

// ---------------------------------------------------------------- Firefox (puppeteer-core, BiDi)

class FirefoxEngine implements Engine {
  readonly name = 'firefox';
  readonly offline = 'emulated';
  readonly visibility = 'another tab brought to the front';
  version = '';
  #browser?: PptrBrowser;

  async launch(): Promise<void> {
    const puppeteer = (await import('puppeteer-core')).default;
    this.#browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: true,
      timeout: 30_000,
      // One short-lived profile per launch; nothing to update or report from a test run.
      extraPrefsFirefox: { 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false },
    });
    this.version = (await this.#browser.version()).replace(/^firefox\//i, '');
    recordVersion(this.name, this.version);
  }

  async newPage(): Promise<EnginePage> {
    const browser = this.#browser;
    if (!browser) throw new Error('firefox: launch() first');
    const page: PptrPage = await browser.newPage();
    await page.setViewport({ width: 1440, height: 1000 });
    const errors: string[] = [];
    // Firefox reports a refused or interrupted WebSocket as a page error ("Firefox can’t establish
    // a connection to the server at ws://…", "The connection to ws://… was interrupted while the
    // page was loading") though no script sees an exception: expected while a server is down,
    // like Chromium's "WebSocket connection to … failed" log line.
    const network =
      /^(Firefox can.t establish a connection to the server at wss?:|The connection to wss?:\S+ was interrupted)/;
    page.on('pageerror', (err) => {
      const message = (err as Error).message ?? String(err);
      if (!network.test(message)) errors.push(`pageerror: ${message}`);
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !network.test(msg.text())) errors.push(`console.error: ${msg.text()}`);
    });
    let cover: PptrPage | undefined;
    return {
      goto: async (url) => {
        await page.goto(url);
      },
      evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
      errors: async () => [...errors],
      // A restore from the back/forward cache fires no `load`, so waiting for one may time out:
      // the tests poll the page for what they expect instead.
      goBack: async () => {
        await page.goBack({ waitUntil: 'load', timeout: 5_000 }).catch(() => {});
      },
      goForward: async () => {
        await page.goForward({ waitUntil: 'load', timeout: 5_000 }).catch(() => {});
      },
      hide: async () => {
        cover ??= await browser.newPage();
        await cover.bringToFront();
      },
      show: async () => {
        await page.bringToFront();
        await cover?.close();
        cover = undefined;
      },
      setOffline: (offline) => page.setOfflineMode(offline),
      setViewport: (width, height) => page.setViewport({ width, height }),
      screenshot: async (file) => {
        await page.screenshot({ path: file as `${string}.png`, fullPage: true });
      },
      close: async () => {
        await cover?.close();
        await page.close();
      },
    };
  }

  async close(): Promise<void> {
    await this.#browser?.close();
    this.#browser = undefined;
  }
}

// ---------------------------------------------------------------- WebKit (selenium + WebKitWebDriver)

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`WebKitWebDriver did not listen on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A worker that dies mid-test must not leave an X server or a driver behind. */
export function killOnExit(child: ChildProcess): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

export function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Runs `fn(arg)` in the page through WebDriver's async script: the result or the error comes
 * back as a tagged object, so a page-side exception is thrown here with its message.
 */
export async function webdriverEvaluate<R, A>(
  driver: WebDriver,
  fn: (arg: A) => R | Promise<R>,
  arg?: A,
): Promise<Awaited<R>> {
  const r = (await driver.executeAsyncScript(ASYNC_WRAPPER, fn.toString(), arg ?? null)) as {
    ok: boolean;
    value?: Awaited<R>;
    error?: string;
  };
  if (!r.ok) throw new Error(`in the page: ${r.error}`);
  return r.value as Awaited<R>;
}

const ASYNC_WRAPPER = `
const done = arguments[arguments.length - 1];
const fn = eval('(' + arguments[0] + ')');
Promise.resolve().then(() => fn(arguments[1])).then(
  (value) => done({ ok: true, value: value === undefined ? null : value }),
  (err) => done({ ok: false, error: String(err && err.stack || err) }),
);`;

class WebKitEngine implements Engine {
  readonly name = 'webkit';
  readonly offline = 'dispatched';
  readonly visibility = 'window minimised';
  version = '';
  #xvfb?: ChildProcess;
  #driverProcess?: ChildProcess;
  #driver?: WebDriver;
  #closePage?: () => Promise<void>;

  /** The WebDriver session, for a suite that drives several windows of it (one profile). */
  get driver(): WebDriver | undefined {
    return this.#driver;
  }

  async launch(): Promise<void> {
    const env = { ...process.env };
    {
      // Our own display, whatever the caller's: a test must not open windows on a desktop.
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
      env.DISPLAY = `:${display}`;
    }
    const port = await freePort();
    this.#driverProcess = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
      stdio: 'ignore',
      env,
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
    await this.#driver.manage().window().setRect({ width: 1440, height: 1000 });
    this.version = String((await this.#driver.getCapabilities()).get('browserVersion') ?? '');
    recordVersion(this.name, this.version);
  }

  async newPage(): Promise<EnginePage> {
    const driver = this.#driver;
    if (!driver) throw new Error('webkit: launch() first');
    // One window per WebDriver session: a page is that window until it is closed. A page left
    // open (a test that failed half-way) is closed here, so the next test starts clean.
    await this.#closePage?.();
    let closed = false;
    let size = { width: 1440, height: 1000 };
    const evaluate = <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>> =>
      webdriverEvaluate(driver, fn, arg);
    const close = async () => {
      if (closed) return;
      closed = true;
      this.#closePage = undefined;
      // Leaving the page ends its sockets as closing a tab would.
      await driver.get('about:blank');
    };
    this.#closePage = close;
    // A page this helper did not serve (the demo server's) gets its error trap once loaded.
    const trap = () => driver.executeScript(`if (!window.__pageErrors) { ${ERROR_TRAP} }`);
    return {
      goto: async (url) => {
        await driver.get(url);
        await trap();
      },
      evaluate,
      errors: async () =>
        ((await driver.executeScript('return window.__pageErrors ? window.__pageErrors.slice() : []')) as string[]) ??
        [],
      goBack: () => driver.navigate().back(),
      goForward: () => driver.navigate().forward(),
      hide: () => driver.manage().window().minimize(),
      show: async () => {
        await driver.manage().window().setRect(size);
      },
      setOffline: async (offline) => {
        await evaluate(dispatchOnline, !offline);
      },
      setViewport: async (width, height) => {
        size = { width, height };
        await driver.manage().window().setRect(size);
      },
      screenshot: async (file) => {
        writeFileSync(file, Buffer.from(await driver.takeScreenshot(), 'base64'));
      },
      close,
    };
  }

  async close(): Promise<void> {
    const driver = this.#driver;
    this.#driver = undefined;
    this.#closePage = undefined;
    await driver?.quit().catch(() => {});
    await stopChild(this.#driverProcess);
    await stopChild(this.#xvfb);
    this.#driverProcess = undefined;
    this.#xvfb = undefined;
  }
}

export function createEngine(name: EngineName): Engine {
  if (name === 'chromium') return new ChromiumEngine();
  if (name === 'firefox') return new FirefoxEngine();
  return new WebKitEngine();
}

/** Engines to run, from `ENGINES` (comma-separated) or all three. */
export function selectedEngines(env: Env = process.env): EngineName[] {
  const wanted = env.ENGINES?.split(',').map((s) => s.trim());
  if (!wanted) return [...ENGINE_NAMES];
  for (const w of wanted)
    if (!ENGINE_NAMES.includes(w as EngineName)) throw new Error(`ENGINES: unknown engine "${w}"`);
  return ENGINE_NAMES.filter((n) => wanted.includes(n));
}

export interface DescribeEnginesOptions {
  launch?: EngineLaunchOptions;
  /** Where `CI`, `ENGINES` and the binaries' variables are read. @default process.env */
  env?: Env;
}

/**
 * Registers `fn` once per engine as `describe("<engine>: <name>")`, with one browser launched for
 * the whole suite. A missing engine fails under `CI=true` and is skipped visibly elsewhere.
 */
export function describeEngines(
  name: string,
  fn: (engine: Engine) => void,
  options: DescribeEnginesOptions = {},
): void {
  const env = options.env ?? process.env;
  for (const engineName of selectedEngines(env)) {
    const missing = engineMissing(engineName, env);
    if (missing && env.CI === 'true') {
      throw new Error(
        `${engineName}: ${missing}; CI=true, so a missing browser is a failure. Install it (${INSTALL[engineName]}).`,
      );
    }
    if (missing) {
      console.warn(`[browser] SKIPPED "${engineName}: ${name}": ${missing}. Install it (${INSTALL[engineName]}).`);
    }
    describe.skipIf(missing !== undefined)(`${engineName}: ${name}`, () => {
      const engine = createEngine(engineName);
      beforeAll(() => engine.launch(options.launch));
      afterAll(() => engine.close());
      fn(engine);
    });
  }
}

/**
 * A suite that needs one engine's own driver (Chromium's CDP, several pages of one browser
 * profile), registered once as `describe("<engine>: <name>")`. Like {@link describeEngines}: left
 * out when `ENGINES` names other engines, a failure under `CI=true` when the engine is missing,
 * skipped with a message elsewhere. The suite launches its browser itself.
 */
export function describeEngine(engineName: EngineName, name: string, fn: () => void): void {
  if (!selectedEngines().includes(engineName)) return;
  const missing = engineMissing(engineName);
  if (missing && process.env.CI === 'true') {
    throw new Error(
      `${engineName}: ${missing}; CI=true, so a missing browser is a failure. Install it (${INSTALL[engineName]}).`,
    );
  }
  if (missing)
    console.warn(`[browser] SKIPPED "${engineName}: ${name}": ${missing}. Install it (${INSTALL[engineName]}).`);
  describe.skipIf(missing !== undefined)(`${engineName}: ${name}`, fn);
}

/** A Chromium-only suite (playwright-core: contexts, CDP): {@link describeEngine} for Chromium. */
export const describeChromium = (name: string, fn: () => void): void => describeEngine('chromium', name, fn);

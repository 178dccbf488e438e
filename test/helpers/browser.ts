/**
 * Shared parts of the browser tests (test/browser/); the engines themselves are in ./engines.ts.
 *
 * - `describeBrowser(name, fn)`: a `describe` for suites that need Chromium itself. When it is
 *   missing: under `CI=true` the file fails; elsewhere the suite is skipped with a message.
 * - `launchChromium()`: headless Chromium from `CHROMIUM` or /usr/bin/chromium, with the flags
 *   this machine needs. `{ lifecycle: true }` lets the page lifecycle (bfcache, timer throttling,
 *   renderer backgrounding) work: playwright turns it off by default (see
 *   /work/shared/TESTING-IN-CHROMIUM.md), and a lifecycle test without it tests nothing.
 * - `serveStatic(files)`: a loopback HTTP server for a page and its scripts; every HTML page
 *   starts with {@link ERROR_TRAP}.
 * - `pageErrors(page)`: uncaught errors and console errors of a page, to assert there were none.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Flags playwright adds by default that switch the page lifecycle off. */
export const LIFECYCLE_BLOCKING_DEFAULT_ARGS = [
  '--disable-back-forward-cache',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** Why Chromium cannot run here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return undefined;
  } catch {
    return `no executable Chromium at ${CHROMIUM_PATH}${process.env.CHROMIUM ? ' (from CHROMIUM)' : ''}`;
  }
}

/**
 * `describe` for a suite that needs Chromium itself (several pages of one browser context, CDP):
 * fails under CI=true, skips visibly elsewhere.
 */
export function describeBrowser(name: string, fn: () => void): void {
  const missing = chromiumMissing();
  if (missing && process.env.CI === 'true') {
    throw new Error(
      `${missing}; CI=true, so a missing browser is a failure. Install it (apt-get install -y chromium) or set CHROMIUM.`,
    );
  }
  if (missing) {
    console.warn(
      `[browser] SKIPPED "${name}": ${missing}. Install it (apt-get install -y chromium) or set CHROMIUM to a binary.`,
    );
  }
  describe.skipIf(missing !== undefined)(name, fn);
}

export interface LaunchOptions {
  /** Keep bfcache, timer throttling and backgrounding on (they are off in playwright's default). */
  lifecycle?: boolean;
}

export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    ignoreDefaultArgs: options.lifecycle ? LIFECYCLE_BLOCKING_DEFAULT_ARGS : undefined,
    timeout: 30_000,
  });
}

/**
 * Page code that records uncaught errors, unhandled rejections and `console.error` calls in
 * `window.__pageErrors`: the same record in every engine, including WebKit, whose WebDriver has
 * no event stream. `serveStatic` puts it first in every HTML page it serves.
 */
export const ERROR_TRAP = `window.__pageErrors = [];
addEventListener('error', (e) => window.__pageErrors.push('pageerror: ' + (e.error && e.error.message || e.message)));
addEventListener('unhandledrejection', (e) => window.__pageErrors.push('unhandledrejection: ' + (e.reason && e.reason.message || e.reason)));
const __consoleError = console.error.bind(console);
console.error = (...args) => { window.__pageErrors.push('console.error: ' + args.join(' ')); __consoleError(...args); };`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** A route's body: inline text, or `{ file }` read on every request. */
export type StaticBody = string | { file: string };

export interface StaticServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  /** Paths requested, in order (to assert what a page loaded). */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `files` (route → body) on 127.0.0.1; anything else is a 404. */
export async function serveStatic(files: Record<string, StaticBody>): Promise<StaticServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const route = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(route);
    const body = files[route];
    if (route === '/favicon.ico' && body === undefined) {
      res.writeHead(204).end();
      return;
    }
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const file = typeof body === 'string' ? undefined : body.file;
    const type =
      TYPES[path.extname(file ?? (route.endsWith('/') ? 'index.html' : route))] ?? 'application/octet-stream';
    // no-cache, not no-store: Chromium keeps no page served with no-store in the bfcache.
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
    const content = file === undefined ? body : readFileSync(file, type.startsWith('text/html') ? 'utf8' : undefined);
    // After the doctype: anything before it would put the page in quirks mode.
    res.end(
      type.startsWith('text/html')
        ? String(content).replace(/^(\s*<!doctype[^>]*>)?/i, (doctype) => `${doctype}\n<script>${ERROR_TRAP}</script>`)
        : content,
    );
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Collects a page's uncaught errors and console errors from now on. Chromium's own log line for a
 * refused WebSocket ("WebSocket connection to … failed") is expected while a server is down and
 * is left out.
 */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (/^WebSocket connection to .* failed/.test(text)) return;
    errors.push(`console.error: ${text}`);
  });
  return errors;
}

/** Polls `check` (sync or async) until it returns something truthy, or throws after `timeout` ms. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeout = 10_000, every = 25 }: { timeout?: number; every?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, every));
  }
}

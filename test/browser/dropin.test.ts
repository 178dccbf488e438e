/**
 * The drop-in points of issue #14 and "one socket as the server sees it" with each engine's own
 * WebSocket (no terminate(), close events only), the SDK loaded as the minified UMD file. The
 * tests run in order on one page per engine.
 */
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveStatic, type StaticServer } from '../helpers/browser';
import { describeEngines, type EnginePage as Page } from '../helpers/engines';
import { startTestServer, type TestServer } from '../helpers/ws-server';

const MIN_JS = path.resolve(__dirname, '../../dist/heartbeat-ws.umd.min.js');

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>drop-in</title>
<script src="/dist/heartbeat-ws.umd.min.js"></script>
<script>
window.make = (url, options) => {
  const made = performance.now();
  const socket = new HeartbeatWS.HeartbeatSocket(url, [], { lifecycle: false, ...options });
  const log = [];
  for (const type of ['open', 'close', 'error', 'reconnecting', 'message']) {
    socket.addEventListener(type, (e) => log.push({
      t: performance.now(), type,
      isErrorEvent: e instanceof ErrorEvent, message: e.message, hasError: e.error instanceof Error,
      code: e.code, delay: e.detail && e.detail.delay,
      blob: e.data instanceof Blob,
      origin: e.origin, isMessageEvent: e instanceof MessageEvent && e.constructor === MessageEvent,
      // Where the origin comes from: a getter of a prototype between the event and
      // MessageEvent.prototype (the receive path's fast way, see src/surface.ts), or the init.
      originOwn: type === 'message' && Object.getPrototypeOf(e) !== MessageEvent.prototype &&
        Object.getOwnPropertyDescriptor(Object.getPrototypeOf(e), 'origin') !== undefined,
      keys: type === 'message' ? (() => {
        const listed = [];
        for (const key in e) if (key === 'data' || key === 'origin') listed.push(key);
        return listed;
      })() : [],
    }));
  }
  window.sockets = window.sockets || [];
  window.sockets.push({ socket, log, made });
  return window.sockets.length - 1;
};
window.get = (i) => window.sockets[i];
</script>`;

interface Entry {
  t: number;
  type: string;
  isErrorEvent: boolean;
  message?: string;
  hasError: boolean;
  code?: number;
  delay?: number;
  blob: boolean;
  origin?: string;
  isMessageEvent: boolean;
  originOwn: boolean;
  keys: string[];
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeout = 8_000): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeEngines('drop-in and one socket at a time, with the browser’s own WebSocket', (engine) => {
  let http: StaticServer;
  let page: Page;
  const stops: Array<() => unknown> = [];

  beforeAll(async () => {
    http = await serveStatic({ '/': PAGE, '/dist/heartbeat-ws.umd.min.js': { file: MIN_JS } });
    page = await engine.newPage();
    await page.goto(`${http.url}/`);
  });

  afterAll(async () => {
    await page?.close();
    for (const stop of stops) await stop();
    await http?.close();
  });

  const make = (url: string, options: Record<string, unknown> = {}): Promise<number> =>
    page.evaluate(
      ([u, o]: [string, Record<string, unknown>]) =>
        (window as never as { make: (u: string, o: object) => number }).make(u, o),
      [url, options],
    );
  const log = (i: number): Promise<Entry[]> =>
    page.evaluate((n: number) => (window as never as { get: (n: number) => { log: Entry[] } }).get(n).log, i);
  const call = (i: number, code: string): Promise<unknown> =>
    page.evaluate(
      ([n, c]: [number, string]) =>
        new Function('s', c)((window as never as { get: (n: number) => { socket: unknown } }).get(n).socket),
      [i, code],
    );

  const counted = async () => {
    const ref: { s?: TestServer } = {};
    let max = 0;
    const s = (ref.s = await startTestServer({
      onConnection: (conn) => {
        // Counted once the server has handled the I/O it had already received with this
        // connection: an old socket's end (its FIN arrived first) can wait in the same event-loop
        // turn behind the new connection, a server-side ordering the client cannot affect.
        setTimeout(() => {
          const live = ref.s?.connections.filter((c) => c.id <= conn.id && c.closedAt === undefined);
          max = Math.max(max, live?.length ?? 0);
        }, 0);
        return undefined;
      },
    }));
    stops.push(() => s.close());
    return { s, max: () => max };
  };
  const refusedUrl = async () => {
    const s = net.createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const { port } = s.address() as net.AddressInfo;
    await new Promise((resolve) => s.close(resolve));
    return `ws://127.0.0.1:${port}`;
  };

  it('maxReconnectionDelay alone is accepted and caps every delay', async () => {
    const i = await make(await refusedUrl(), { maxReconnectionDelay: 200 });
    await until('three retries', async () => (await log(i)).filter((e) => e.type === 'reconnecting').length >= 3);
    await call(i, 's.close()');
    const delays = (await log(i)).filter((e) => e.type === 'reconnecting').map((e) => e.delay ?? Infinity);
    expect(Math.max(...delays)).toBeLessThanOrEqual(200);
  });

  it('error events are ErrorEvents: TIMEOUT for a timeout, the provider’s error, and an empty message where the browser tells nothing', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s.on('error', () => {})));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    stops.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => silent.close(resolve));
    });
    const timing = await make(`ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, {
      connectionTimeout: 300,
      minReconnectionDelay: 10_000,
    });
    const refused = await make(await refusedUrl(), { minReconnectionDelay: 10_000 });
    const firstError = async (i: number) =>
      until('an error', async () => (await log(i)).find((e) => e.type === 'error'));
    const timeout = await firstError(timing);
    expect(timeout).toMatchObject({ isErrorEvent: true, message: 'TIMEOUT', hasError: true });
    const refusal = await firstError(refused);
    expect(refusal).toMatchObject({ isErrorEvent: true, message: '' });
    const provider = await page.evaluate(() => {
      const w = window as never as { make: (u: unknown, o: object) => number };
      return w.make(() => Promise.reject(new Error('no token')), { minReconnectionDelay: 10_000 });
    });
    expect(await firstError(provider)).toMatchObject({ isErrorEvent: true, message: 'no token', hasError: true });
    for (const i of [timing, refused, provider]) await call(i, 's.close()');
  });

  it('a refused connect ends the attempt at once', async () => {
    const i = await make(await refusedUrl(), { connectionTimeout: 5_000, minReconnectionDelay: 10_000 });
    const [error, close] = await until('error and close', async () => {
      const l = await log(i);
      const e = l.find((x) => x.type === 'error');
      const c = l.find((x) => x.type === 'close');
      return e && c && ([e, c] as const);
    });
    // From the attempt's start (the constructor connects): an attempt ended by the 5 s
    // connectionTimeout instead would have its error and close together, 5 s in.
    const made = (await page.evaluate(
      (n: number) => (window as never as { get: (n: number) => { made: number } }).get(n).made,
      i,
    )) as number;
    expect(close.t - made).toBeLessThan(1_000);
    expect(close.t - error.t).toBeLessThan(1_000);
    expect(close.code).toBe(1006);
    await call(i, 's.close()');
  });

  it("binaryType is 'blob' before and after open, and binary messages arrive as Blob", async () => {
    const { s } = await counted();
    const i = await make(s.url);
    expect(await call(i, 'return s.binaryType')).toBe('blob');
    await until('open', async () => (await call(i, 'return s.readyState')) === 1);
    expect(await call(i, 'return s.binaryType')).toBe('blob');
    await call(i, 's.send(new Uint8Array([1, 2]))');
    const message = await until('echo', async () => (await log(i)).find((e) => e.type === 'message'));
    expect(message.blob).toBe(true);
    await call(i, 's.close()');
  });

  it("message events of the minified build: MessageEvents with the socket's origin, read from the prototype made for it, listed by for…in", async () => {
    const { s } = await counted();
    const i = await make(s.url);
    await until('open', async () => (await call(i, 'return s.readyState')) === 1);
    await call(i, "s.send('one'); s.send('two')");
    const messages = await until('two echoes', async () => {
      const got = (await log(i)).filter((e) => e.type === 'message');
      return got.length === 2 && got;
    });
    const origin = new URL(s.url).origin;
    expect(origin).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    for (const m of messages) {
      expect(m).toMatchObject({ origin, isMessageEvent: true, originOwn: true });
      expect(m.keys.sort()).toEqual(['data', 'origin']);
    }
    await call(i, 's.close()');
  });

  it('reconnect() spam while OPEN, CONNECTING and CLOSING: the server never holds two connections of the page', async () => {
    const { s, max } = await counted();
    const i = await make(s.url, { minReconnectionDelay: 50, maxReconnectionDelay: 100 });
    for (let round = 0; round < 15; round++) {
      await until('open', async () => (await call(i, 'return s.readyState')) === 1);
      if (round % 3 === 0) await call(i, 's.reconnect()');
      else if (round % 3 === 1) await call(i, 's.reconnect(); s.reconnect(); s.reconnect()');
      else await call(i, 's.close(); s.reconnect()');
    }
    await until('open', async () => (await call(i, 'return s.readyState')) === 1);
    expect(s.connections.length).toBe(16);
    expect(max()).toBe(1);
    await call(i, 's.close()');
  });

  it('a host without a scheme throws the SyntaxError Node throws, naming the fix; a path still resolves against the page (issue #20, item 7)', async () => {
    const seen = await page.evaluate(() => {
      const { toWebSocketUrl } = (window as never as { HeartbeatWS: { toWebSocketUrl: (url: string) => string } })
        .HeartbeatWS;
      return ['127.0.0.1:8080/ws', 'example.com/live', 'socket/v1'].map((url) => {
        try {
          return toWebSocketUrl(url);
        } catch (error) {
          return `${(error as Error).name}: ${(error as Error).message}`;
        }
      });
    });
    expect(seen).toEqual([
      'SyntaxError: heartbeat-ws: url must be a ws:, wss:, http: or https: URL with its scheme (or ./path in a page), without #fragment, got "127.0.0.1:8080/ws"',
      'SyntaxError: heartbeat-ws: url must be a ws:, wss:, http: or https: URL with its scheme (or ./path in a page), without #fragment, got "example.com/live"',
      `${http.url.replace(/^http/, 'ws')}/socket/v1`,
    ]);
  });

  it('left no uncaught error in the page', async () => {
    expect(await page.errors()).toEqual([]);
  });
});

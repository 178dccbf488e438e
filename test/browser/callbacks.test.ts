/**
 * User callbacks and heartbeat diagnostics in each engine (docs/reference.md, "Callbacks that
 * throw" and "Heartbeat timeouts"): a throwing recogniser is logged once with console.error and
 * never surfaces as an uncaught error; a server that never answers pings gets one console.warn,
 * and sees the client's close frame 4000 'heartbeat timeout' while the page reports 1006.
 * The SDK is the minified UMD file, as a page without a build step loads it. The page records its
 * own console.warn/console.error calls (the same record in every engine: WebKit's WebDriver has no
 * console stream).
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { serveStatic, waitFor, type StaticServer } from '../helpers/browser';
import { describeEngines, type EnginePage as Page } from '../helpers/engines';

const MIN_JS = path.resolve(__dirname, '../../dist/heartbeat-ws.umd.min.js');

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>callbacks</title>
<script src="/dist/heartbeat-ws.umd.min.js"></script>
<script>
const q = new URLSearchParams(location.search);
const record = { messages: [], closes: [], logs: [] };
for (const type of ['warn', 'error']) {
  const original = console[type].bind(console);
  console[type] = (...args) => {
    record.logs.push({ type, text: args.map(String).join(' ') });
    original(...args);
  };
}
const heartbeat = q.get('mode') === 'articles'
  ? {
      ping: false,
      isServerPing: (d) => JSON.parse(d).type === 'heartbeat',
      serverPingReply: { type: 'heartbeat_ack' },
    }
  : { interval: 200, timeout: 200 };
const socket = new HeartbeatWS.HeartbeatSocket(q.get('ws'), [], {
  minReconnectionDelay: 100,
  maxReconnectionDelay: 200,
  heartbeat,
});
socket.addEventListener('message', (e) => record.messages.push(e.data));
socket.addEventListener('close', (e) => record.closes.push(e.code + ' ' + e.reason));
window.client = { socket, record };
</script>`;

interface Rec {
  messages: unknown[];
  closes: string[];
  logs: { type: 'warn' | 'error'; text: string }[];
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rec = (page: Page): Promise<Rec> =>
  page.evaluate(() => (window as unknown as { client: { record: Rec } }).client.record);

describeEngines('callbacks and heartbeat diagnostics', (engine) => {
  let http: StaticServer;
  let wss: WebSocketServer;
  let ws = '';
  /** What the server got: texts, and the close code and reason of each connection. */
  const got = { texts: [] as string[], closes: [] as string[] };
  let mode: 'articles' | 'silent' = 'articles';

  beforeAll(async () => {
    http = await serveStatic({ '/': PAGE, '/dist/heartbeat-ws.umd.min.js': { file: MIN_JS } });
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    ws = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    wss.on('connection', (socket) => {
      const of = mode;
      socket.on('message', (data) => got.texts.push(String(data)));
      // Only this test's connections: the previous page's may close (1001) after it ends.
      socket.on('close', (code, reason) => of === mode && got.closes.push(`${code} ${String(reason)}`));
      // The articles' server greets in plain text, then pings in JSON; the silent one never answers.
      if (mode === 'articles') {
        socket.send('welcome, not JSON');
        socket.send('{"type": "heartbeat"}');
      }
    });
  });
  afterAll(async () => {
    await http?.close();
    for (const c of wss?.clients ?? []) c.terminate();
    await new Promise((r) => wss?.close(r));
  });

  const open = async (m: typeof mode) => {
    mode = m;
    got.texts = [];
    got.closes = [];
    const page = await engine.newPage();
    await page.goto(`${http.url}/?mode=${m}&ws=${encodeURIComponent(ws)}`);
    return page;
  };

  it('takes a throwing isServerPing as no match: the message delivered, one console.error, nothing uncaught', async () => {
    const page = await open('articles');
    await waitFor('the ack', () => got.texts.length >= 1);
    await sleep(200); // a re-thrown error would surface by now
    expect(got.texts).toEqual(['{"type":"heartbeat_ack"}']);
    const { messages, logs } = await rec(page);
    expect(messages).toEqual(['welcome, not JSON']);
    expect((await page.errors()).filter((e) => !e.startsWith('console.error'))).toEqual([]);
    const logged = logs.filter((l) => l.type === 'error').map((l) => l.text);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('[heartbeat-ws] isServerPing threw');
    await page.close();
  });

  it('warns once when heartbeats keep timing out without a pong; the server sees 4000, the page 1006', async () => {
    const page = await open('silent');
    await waitFor('three heartbeat timeouts', async () => (await rec(page)).closes.length >= 3, { timeout: 20_000 });
    const { closes, logs } = await rec(page);
    expect(closes.slice(0, 3)).toEqual(Array(3).fill('1006 heartbeat timeout'));
    await waitFor('the server to see the closes', () => got.closes.length >= 2);
    expect(got.closes[0]).toBe('4000 heartbeat timeout');
    const warned = logs.filter((l) => l.type === 'warn').map((l) => l.text);
    expect(warned.filter((t) => t.includes('[heartbeat-ws]'))).toHaveLength(1);
    expect(warned[0]).toMatch(/isPong.*ping: false/);
    expect(logs.filter((l) => l.type === 'error')).toEqual([]);
    expect(await page.errors()).toEqual([]);
    await page.close();
  });
});

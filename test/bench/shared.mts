/**
 * `npm run bench:shared`: SharedHeartbeatSocket in real Chromium (playwright-core), on loopback.
 *
 * - Throughput: N messages sent as fast as a page can, measured from the first send to the
 *   last arrival at the server: a follower tab relaying through the leader tab
 *   (follower → BroadcastChannel → leader → server) against a page with its own HeartbeatSocket.
 * - Failover: with four tabs, the leader's page is closed, or its renderer crashed (CDP
 *   Page.crash); the time until another tab says it leads, and until the server sees the new
 *   connection.
 *
 * Prints a markdown table (figures go in docs/performance.md). Needs `npm run build` (dist/) and
 * Chromium (CHROMIUM or /usr/bin/chromium). Everything binds 127.0.0.1 and a global deadline
 * ends the process whatever happens.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/ws-server';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = (f: string) => readFileSync(path.join(here, '../../dist', f));
const N = Number(process.env.N || 20_000);
const TRIALS = Number(process.env.TRIALS || 3);
setTimeout(() => {
  console.error('bench:shared: global deadline reached');
  process.exit(1);
}, 300_000).unref();

const PAGE = `<!doctype html><meta charset="utf-8">
<script src="/core.js"></script><script src="/shared.js"></script>
<script>
const q = new URLSearchParams(location.search);
const options = { heartbeat: { interval: 60000, timeout: 10000 }, minReconnectionDelay: 2000, maxEnqueuedMessages: 1e6, maxEnqueuedBytes: 1e9 };
window.socket = q.has('direct')
  ? new HeartbeatWS.HeartbeatSocket(q.get('ws'), [], options)
  : new HeartbeatWSShared.SharedHeartbeatSocket(q.get('ws'), [], { ...options, channel: q.get('channel') });
window.blast = (n) => { const pad = 'x'.repeat(64); for (let i = 0; i < n; i++) socket.send(pad + i); };
</script>`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main() {
  const files: Record<string, Buffer | string> = {
    '/': PAGE,
    '/core.js': dist('heartbeat-ws.umd.min.js'),
    '/shared.js': dist('shared.umd.min.js'),
  };
  const web = http.createServer((req, res) => {
    const body = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': req.url?.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body);
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  let channels = 0;
  const open = async (ctx: BrowserContext, ws: TestServer, params: Record<string, string>) => {
    const page = await ctx.newPage();
    await page.goto(`${origin}/?${new URLSearchParams({ ws: ws.url, ...params })}`);
    await waitFor(() =>
      page.evaluate(() => (window as unknown as { socket: { state: string } }).socket.state === 'open'),
    );
    return page;
  };
  const isLeader = (page: Page) =>
    page.evaluate(() => (window as unknown as { socket: { isLeader: boolean } }).socket.isLeader).catch(() => false);

  /** Messages per second from `page`'s first send to the last arrival at `ws`. */
  const throughput = async (page: Page, ws: TestServer) => {
    // Counted, not listed: texts() sorts every message on each call, which would be the bottleneck.
    const count = () => ws.connections.reduce((sum, c) => sum + c.messages.length, 0);
    const before = count();
    const t0 = performance.now();
    await page.evaluate((n) => (window as unknown as { blast: (n: number) => void }).blast(n), N);
    await waitFor(() => count() >= before + N, 60_000, 2);
    return N / ((performance.now() - t0) / 1000);
  };

  const direct: number[] = [];
  const relayed: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const ws = await quiet();
    const ctx = await browser.newContext();
    direct.push(await throughput(await open(ctx, ws, { direct: '' }), ws));
    await ctx.close();
    await ws.close();
    const ws2 = await quiet();
    const ctx2 = await browser.newContext();
    const channel = `bench${++channels}`;
    const a = await open(ctx2, ws2, { channel });
    const b = await open(ctx2, ws2, { channel });
    const follower = (await isLeader(a)) ? b : a;
    relayed.push(await throughput(follower, ws2));
    if (ws2.connections.length !== 1)
      throw new Error(`expected one connection, the server saw ${ws2.connections.length}`);
    await ctx2.close();
    await ws2.close();
  }

  const failover = async (how: 'close' | 'crash') => {
    const leaderAt: number[] = [];
    const connectedAt: number[] = [];
    for (let t = 0; t < TRIALS + 2; t++) {
      const ws = await quiet();
      const ctx = await browser.newContext();
      const channel = `bench${++channels}`;
      const pages: Page[] = [];
      for (let i = 0; i < 4; i++) pages.push(await open(ctx, ws, { channel }));
      const flags = await Promise.all(pages.map(isLeader));
      const leader = pages[flags.indexOf(true)] as Page;
      const rest = pages.filter((p) => p !== leader);
      const t0 = performance.now();
      if (how === 'close') void leader.close();
      else {
        const cdp = await ctx.newCDPSession(leader);
        void cdp.send('Page.crash').catch(() => {});
      }
      await waitFor(async () => (await Promise.all(rest.map(isLeader))).some(Boolean), 10_000, 5);
      leaderAt.push(performance.now() - t0);
      await waitFor(() => ws.connections.length === 2, 10_000, 5);
      connectedAt.push(performance.now() - t0);
      await ctx.close();
      await ws.close();
    }
    return { leader: median(leaderAt), connected: median(connectedAt), worst: Math.max(...leaderAt) };
  };
  const closed = await failover('close');
  const crashed = await failover('crash');
  await browser.close();
  web.close();

  const d = median(direct);
  const r = median(relayed);
  const f = (x: number) => Math.round(x).toLocaleString('en');
  console.log(
    `\nSharedHeartbeatSocket, Chromium ${browser.version()}, ${N} messages of ~70 B, median of ${TRIALS} trials\n`,
  );
  console.log('| measure | figure |');
  console.log('| --- | --- |');
  console.log(`| direct: own HeartbeatSocket, page → server | ${f(d)} msg/s (trials: ${direct.map(f).join(', ')}) |`);
  console.log(`| relayed: follower → leader → server | ${f(r)} msg/s (trials: ${relayed.map(f).join(', ')}) |`);
  console.log(`| ratio relayed / direct | ${(r / d).toFixed(2)} |`);
  console.log(
    `| failover, leader page closed: new leader / new connection at the server | ${f(closed.leader)} ms / ${f(closed.connected)} ms (worst leader ${f(closed.worst)} ms, ${TRIALS + 2} trials) |`,
  );
  console.log(
    `| failover, leader renderer crashed: new leader / new connection | ${f(crashed.leader)} ms / ${f(crashed.connected)} ms (worst leader ${f(crashed.worst)} ms, ${TRIALS + 2} trials) |`,
  );
}

const quiet = () => startTestServer({ maxLifetimeMs: 120_000, onConnection: () => false });

async function waitFor(check: () => unknown, timeout = 10_000, every = 20): Promise<void> {
  const end = performance.now() + timeout;
  while (!(await check())) {
    if (performance.now() > end) throw new Error('bench:shared: timed out');
    await new Promise((r) => setTimeout(r, every));
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

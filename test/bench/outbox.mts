/**
 * `npm run bench:outbox`: what heartbeat-ws/outbox costs, in real Chromium (issue #22).
 *
 * - send(): N messages of 32 B in one loop, timed in the page from the first `send()` to the
 *   next task (so the IndexedDB writes the loop's microtasks issue are counted), with and without
 *   `outbox`: open (plain, and with `replayUnconfirmed`), and down (everything queued). Each round
 *   runs every variant once, in a rotated order; the table gives the median of the rounds and
 *   the ratio with / without.
 * - recovery: a page queues R messages while the server is down and is reloaded; the next page
 *   is timed from its socket's construction to the moment the R messages are in its queue
 *   (handed over), and, with the server up, to the server's count of all of them.
 *
 *   npm run build && npm run bench:outbox
 *   N=20000 R=10000 ROUNDS=5 npm run bench:outbox
 *
 * Writes test/bench/OUTBOX-RESULTS.md (OUT= elsewhere) and prints the same table. Binds 127.0.0.1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';

/** The page's globals, as the bench reads them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Page = any;

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const N = Number(process.env.N || 20_000);
const R = Number(process.env.R || 10_000);
const ROUNDS = Number(process.env.ROUNDS || 5);
const OUT = process.env.OUT || path.join(here, 'OUTBOX-RESULTS.md');
const load = os.loadavg()[0];
const deadline = setTimeout(() => {
  console.error('bench:outbox: global deadline (10 min) passed');
  process.exit(2);
}, 600_000);

const PAGE = `<!doctype html><meta charset="utf-8"><title>outbox bench</title>
<script src="/dist/heartbeat-ws.umd.min.js"></script>
<script src="/dist/outbox.umd.min.js"></script>
<script>
const payload = 'x'.repeat(32);
const tick = () => new Promise((r) => setTimeout(r));
let made = 0;
/** One trial: a fresh socket (and a fresh outbox name), N sends timed to the next task. */
window.trial = async (url, n, variant) => {
  const options = { jitter: 0, minReconnectionDelay: 50, maxReconnectionDelay: 100, maxEnqueuedMessages: Infinity, maxEnqueuedBytes: Infinity };
  if (variant.replay) Object.assign(options, { heartbeat: { interval: 60000, timeout: 60000 }, replayUnconfirmed: true });
  if (variant.outbox) options.outbox = HeartbeatWSOutbox.indexedDbOutbox('bench-' + Date.now() + '-' + ++made);
  const socket = new HeartbeatWS.HeartbeatSocket(url, [], options);
  await new Promise((resolve) => {
    if (variant.down) socket.addEventListener('reconnecting', resolve, { once: true });
    else socket.addEventListener('open', resolve, { once: true });
  });
  await tick();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) socket.send(payload);
  await tick();
  const ms = performance.now() - t0;
  socket.clearQueue();
  socket.close();
  await tick();
  return ms;
};
const q = new URLSearchParams(location.search);
if (q.get('recover')) {
  const t0 = performance.now();
  const socket = new HeartbeatWS.HeartbeatSocket(q.get('ws'), [], { jitter: 0, minReconnectionDelay: 50, maxReconnectionDelay: 100, maxEnqueuedMessages: Infinity, maxEnqueuedBytes: Infinity, outbox: HeartbeatWSOutbox.indexedDbOutbox(q.get('recover')) });
  window.recovery = { socket, t0, handedOver: -1 };
  const poll = () => (socket.stats.queued > 0 ? (window.recovery.handedOver = performance.now() - t0) : setTimeout(poll, 1));
  poll();
}
</script>`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** A port nothing listens on: a refused connection, as a server that is down. */
const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise((resolve) => wss.once('listening', resolve));
let received = 0;
wss.on('connection', (ws) =>
  ws.on('message', (data) => {
    if (String(data) === 'ping') ws.send('pong');
    else received++;
  }),
);
const up = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
const down = `ws://127.0.0.1:${await freePort()}/`;
const files: Record<string, [string, string]> = {
  '/': ['text/html', PAGE],
  '/dist/heartbeat-ws.umd.min.js': [
    'text/javascript',
    readFileSync(path.join(root, 'dist/heartbeat-ws.umd.min.js'), 'utf8'),
  ],
  '/dist/outbox.umd.min.js': ['text/javascript', readFileSync(path.join(root, 'dist/outbox.umd.min.js'), 'utf8')],
};
const web = http.createServer((req, res) => {
  const [type, body] = files[new URL(req.url ?? '/', 'http://x').pathname] ?? ['text/plain', ''];
  res.writeHead(body ? 200 : 404, { 'content-type': type }).end(body);
});
await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
const site = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const page = await (await browser.newContext()).newPage();
await page.goto(`${site}/`);

const variants = {
  'open, without outbox': { outbox: false, replay: false, down: false },
  'open, outbox': { outbox: true, replay: false, down: false },
  'open + replayUnconfirmed, without outbox': { outbox: false, replay: true, down: false },
  'open + replayUnconfirmed, outbox': { outbox: true, replay: true, down: false },
  'down (queued), without outbox': { outbox: false, replay: false, down: true },
  'down (queued), outbox': { outbox: true, replay: false, down: true },
};
const names = Object.keys(variants) as (keyof typeof variants)[];
const times = new Map<string, number[]>(names.map((n) => [n, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
  for (const name of order) {
    const v = variants[name];
    const ms = await page.evaluate(([url, n, variant]) => (window as Page).trial(url, n, variant), [
      v.down ? down : up,
      N,
      v,
    ] as const);
    times.get(name)!.push(ms);
  }
}
const row = (name: string) => {
  const ms = median(times.get(name)!);
  return { ms, perSend: (ms * 1000) / N };
};
const lines = [
  `# Outbox bench (Chromium ${browser.version()}, ${new Date().toISOString().slice(0, 10)})`,
  '',
  `${os.cpus().length} cores, load average ${load!.toFixed(1)} at the start: compare the ratios, not the absolute figures.`,
  '',
  `send(): ${N} messages of 32 B in one loop, timed to the next task; median of ${ROUNDS} rounds.`,
  '',
  '| variant | ms | µs per send() | with outbox / without |',
  '| --- | --- | --- | --- |',
];
for (const [i, name] of names.entries()) {
  const { ms, perSend } = row(name);
  const ratio = i % 2 ? (ms / row(names[i - 1]!).ms).toFixed(2) + '×' : '';
  lines.push(`| ${name} | ${ms.toFixed(1)} | ${perSend.toFixed(2)} | ${ratio} |`);
}

// Recovery: R messages queued while down, stored, then the page reloaded.
const recoveries: { handedOver: number; delivered: number }[] = [];
for (let round = 0; round < Math.min(ROUNDS, 3); round++) {
  const name = `recover-${Date.now()}`;
  const filler = await (await browser.newContext()).newPage();
  await filler.goto(`${site}/`);
  await filler.evaluate(
    async ([url, r, outbox]) => {
      const HW = (window as Page).HeartbeatWS;
      const socket = new HW.HeartbeatSocket(url, [], {
        maxEnqueuedMessages: Infinity,
        maxEnqueuedBytes: Infinity,
        outbox: (window as Page).HeartbeatWSOutbox.indexedDbOutbox(outbox),
      });
      await new Promise((resolve) => socket.addEventListener('reconnecting', resolve, { once: true }));
      for (let i = 0; i < r; i++) socket.send('y'.repeat(32));
      // Until the last write is committed: a read of the store after it sees all of them.
      for (;;) {
        await new Promise((res) => setTimeout(res, 100));
        const count = await new Promise<number>((res) => {
          const open = indexedDB.open(`heartbeat-ws outbox ${outbox}`, 1);
          open.onsuccess = () => {
            const req = open.result.transaction('messages').objectStore('messages').count();
            req.onsuccess = () => (open.result.close(), res(req.result));
          };
        });
        if (count >= r) return;
      }
    },
    [down, R, name] as const,
  );
  received = 0;
  const started = Date.now();
  await filler.goto(`${site}/?${new URLSearchParams({ ws: up, recover: name })}`);
  for (;;) {
    const handedOver = await filler.evaluate(() => (window as Page).recovery?.handedOver ?? -1).catch(() => -1);
    if (handedOver >= 0 && received >= R) {
      recoveries.push({ handedOver, delivered: Date.now() - started });
      break;
    }
    if (Date.now() - started > 120_000) throw new Error(`recovery: ${received} of ${R} after 120 s`);
    await new Promise((res) => setTimeout(res, 20));
  }
  await filler.context().close();
}
lines.push(
  '',
  `Recovery of ${R} stored messages of 32 B (median of ${recoveries.length}): handed over to the next page's ` +
    `queue ${median(recoveries.map((r) => r.handedOver)).toFixed(0)} ms after its socket was made; all at the ` +
    `server ${median(recoveries.map((r) => r.delivered)).toFixed(0)} ms after the navigation started.`,
);

const text = lines.join('\n') + '\n';
console.log(text);
writeFileSync(OUT, text);
await browser.close();
web.close();
wss.close();
clearTimeout(deadline);

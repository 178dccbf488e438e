/**
 * `npm run bench:dispatch`: what our receive path costs per message in Chromium, Firefox and
 * WebKit, without a network (issue #18). The page's `WebSocket` is replaced by an EventTarget that
 * dispatches `N` MessageEvents of 32 B as fast as it can, as a browser's socket does for a burst;
 * each row times that loop, median of TRIALS, variants interleaved:
 *
 * - `listener`: a listener on the stand-in itself (what a native socket's user pays in JS);
 * - `floor`: that listener re-dispatches a new MessageEvent on another EventTarget (what any
 *   wrapper that gives its listeners their own event must pay);
 * - `plain`, `heartbeat`, `replay`: a HeartbeatSocket over the stand-in, as bench:browser's rows.
 *
 * The µs per message above `listener` is what to compare with the native socket's own cost per
 * message (bench:browser): a wrapper adds it to every message.
 *
 *   npm run build && npm run bench:dispatch
 *   ENGINES=firefox N=20000 TRIALS=9 BUILDS=a=dist,b=/tmp/x/dist …
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const N = Number(process.env.N || 20_000);
const TRIALS = Number(process.env.TRIALS || 7);
setTimeout(() => {
  console.error('bench:dispatch: global deadline reached');
  process.exit(1);
}, 900_000).unref();
{
  // As in browser.mts: the helpers require vitest, which refuses to load outside its runner.
  const require = createRequire(import.meta.url);
  const id = require.resolve('vitest');
  const notHere = () => {
    throw new Error('bench:dispatch: vitest is not running');
  };
  require.cache[id] = {
    id,
    filename: id,
    loaded: true,
    exports: { describe: notHere, beforeAll: notHere, afterAll: notHere },
  } as unknown as NodeJS.Module;
}
const { serveStatic } = await import('../helpers/browser');
const { createEngine, engineMissing, selectedEngines } = await import('../helpers/engines');

const BUILDS = (process.env.BUILDS || 'ours=dist').split(',').map((entry) => {
  const [label, dir] = entry.includes('=') ? entry.split('=') : [path.basename(entry), entry];
  return { label: label as string, dir: path.resolve(root, dir as string) };
});
const KINDS = (process.env.KINDS || 'plain,heartbeat,replay').split(',');

const PAGE_SCRIPT = `
const HB = { interval: 250, timeout: 60000 };
const OPTIONS = {
  plain: undefined,
  heartbeat: { heartbeat: HB },
  replay: { heartbeat: HB, replayUnconfirmed: true, maxEnqueuedMessages: 1e6, maxEnqueuedBytes: 1e9 },
};
const payload = Array.from({ length: ${N} }, (_, i) => String(i).padStart(32, '.'));
let last;
class Stand extends EventTarget {
  constructor(url) {
    super();
    this.url = url; this.readyState = 0; this.binaryType = 'blob'; this.bufferedAmount = 0;
    this.protocol = ''; this.extensions = '';
    last = this;
    setTimeout(() => { this.readyState = 1; this.dispatchEvent(new Event('open')); });
  }
  send() {}
  close(code = 1000, reason = '') {
    this.readyState = 3;
    setTimeout(() => this.dispatchEvent(new CloseEvent('close', { code, reason, wasClean: true })));
  }
}
const pump = (ws, n) => {
  const origin = 'ws://127.0.0.1:1';
  const t0 = performance.now();
  for (let i = 0; i < n; i++) ws.dispatchEvent(new MessageEvent('message', { data: payload[i], origin }));
  return performance.now() - t0;
};
window.trial = async (kind, build) => {
  let bytes = 0;
  const count = (e) => { bytes += e.data.length; };
  let ms;
  if (kind === 'listener') {
    const ws = new Stand('x');
    ws.addEventListener('message', count);
    ms = pump(ws, ${N});
  } else if (kind === 'floor') {
    const ws = new Stand('x');
    const outer = new EventTarget();
    outer.addEventListener('message', count);
    ws.addEventListener('message', ({ data, origin }) => outer.dispatchEvent(new MessageEvent('message', { data, origin })));
    ms = pump(ws, ${N});
  } else {
    const s = new window.builds[build].HeartbeatSocket('ws://127.0.0.1:1', [], { WebSocket: Stand, ...OPTIONS[kind] });
    await new Promise((r) => s.addEventListener('open', r, { once: true }));
    s.addEventListener('message', count);
    ms = pump(last, ${N});
    s.close();
  }
  if (bytes !== 32 * ${N}) throw new Error(kind + ': ' + bytes + ' bytes');
  return ms;
};`;

const files: Record<string, string> = {
  '/': `<!doctype html><meta charset="utf-8"><title>dispatch</title><script>window.builds = {};</script>
${BUILDS.map(({ label }) => `<script src="/b/${label}.js"></script>`).join('\n')}
<script>${PAGE_SCRIPT}</script>`,
};
for (const { label, dir } of BUILDS) {
  files[`/b/${label}.js`] =
    `${readFileSync(path.join(dir, process.env.BUNDLE === 'plain' ? 'heartbeat-ws.umd.js' : 'heartbeat-ws.umd.min.js'), 'utf8')}\n;window.builds[${JSON.stringify(label)}] = HeartbeatWS;`;
}
const web = await serveStatic(files);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const variants = [
  { key: 'listener', kind: 'listener', build: '' },
  { key: 'floor', kind: 'floor', build: '' },
  ...BUILDS.flatMap(({ label }) => KINDS.map((kind) => ({ key: `${kind} ${label}`, kind, build: label }))),
];
for (const name of selectedEngines()) {
  const missing = engineMissing(name);
  if (missing) {
    console.log(`${name}: skipped (${missing})`);
    continue;
  }
  const engine = createEngine(name);
  await engine.launch();
  try {
    const page = await engine.newPage();
    await page.goto(web.url);
    const times = new Map<string, number[]>(variants.map((v) => [v.key, []]));
    for (let round = -1; round < TRIALS; round++) {
      const order = variants.map((_, i) => variants[(i + round + 1) % variants.length]!);
      for (const v of order) {
        const ms = await page.evaluate(
          ([kind, build]: [string, string]) =>
            (window as unknown as { trial: (k: string, b: string) => Promise<number> }).trial(kind, build),
          [v.kind, v.build] as [string, string],
        );
        if (round >= 0) times.get(v.key)!.push(ms);
      }
    }
    // The minimum of the trials as well as the median: on a shared machine, the other work only
    // ever adds time, so the fastest trial is the one least disturbed.
    const base = median(times.get('listener')!);
    const baseMin = Math.min(...times.get('listener')!);
    console.log(
      `\n${name} ${engine.version}: ${N} messages, ${TRIALS} trials; µs per message: median, min, over listener (median, min)`,
    );
    for (const v of variants) {
      const all = times.get(v.key)!;
      const [ms, min] = [median(all), Math.min(...all)];
      const us = (x: number) => ((x * 1000) / N).toFixed(2).padStart(6);
      console.log(`${v.key.padEnd(22)} ${us(ms)} ${us(min)}   +${us(ms - base)} +${us(min - baseMin)}`);
    }
  } finally {
    await engine.close();
  }
}
await web.close();
process.exit(0);

/**
 * `npm run bench:browser`: ours against the page's own `WebSocket`, in real Chromium, Firefox and
 * WebKit, in one run, on one loopback `ws` server (issue #18).
 *
 * In each engine, two tabs of one profile (A and B) load the built UMD bundles (`npm run build`
 * first). Every trial is one call into a tab that makes a fresh socket, waits for `open`, runs,
 * and closes it:
 *
 * - receive: the page asks for N messages of 32 B; the server writes them, pre-framed, in one
 *   `write` on the TCP socket, so the native socket is not held back by the server's write rate.
 *   Timed in the page from the first to the N-th `message` event;
 * - send: the page sends N messages of 32 B (built beforehand); timed in the page from the first
 *   `send()` to the server's `done`, written once it has counted the N-th (the time the page's
 *   loop alone took is kept too).
 *
 * Variants: the native `WebSocket` (tab A), `HeartbeatSocket` without options (its heartbeat is
 * on by default, every 25 s), heartbeat on (a ping every 250 ms, so pings and pongs run during
 * the trial; timeout 60 s: a 50,000-message send burst took Chromium up to 37 s to drain on a
 * loaded machine, and a ping waits behind it), with `replayUnconfirmed`; and a
 * `SharedHeartbeatSocket` follower in tab B (tab A leads), against the native socket in tab B.
 * Each round runs every variant once, in a rotated order, so a change in the machine's load falls
 * on all of them; the table gives the median and the spread (min–max) of the rounds, and
 * ours / native as the ratio of the medians. In Chromium it also gives each tab's main-thread CPU
 * time (CDP `Performance.getMetrics`), which a loaded machine disturbs far less than wall time.
 *
 *   npm run build && npm run bench:browser
 *   ENGINES=chromium N=50000 TRIALS=7 npm run bench:browser     # N_CHROMIUM= etc. per engine
 *   PATHS=receive KINDS=heartbeat,follower npm run bench:browser  # some variants only
 *   BUILDS=main=dist,patched=/tmp/x/dist npm run bench:browser    # a candidate build beside this one
 *   BUNDLE=plain CPUPROFILE=/tmp/p npm run bench:browser          # CDP profiles, readable names
 *
 * Writes test/bench/BROWSER-RESULTS.md (OUT= elsewhere) and prints the same table. Everything
 * binds 127.0.0.1; a global deadline ends the process whatever happens.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket as TcpSocket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { WebDriver } from 'selenium-webdriver';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const N = Number(process.env.N || 50_000);
/** Messages per trial in one engine: `N_CHROMIUM`, `N_FIREFOX`, `N_WEBKIT` override `N`. */
const messages = (engine: string): number => Number(process.env[`N_${engine.toUpperCase()}`] || N);
const TRIALS = Number(process.env.TRIALS || 5);
const OUT = process.env.OUT || path.join(here, 'BROWSER-RESULTS.md');
const DEADLINE_MS = Number(process.env.DEADLINE_MS || 1_500_000);
/** Only these paths (`receive`, `send`) and kinds (`plain,heartbeat,replay,follower`), for a quicker run. */
const ONLY_PATHS = process.env.PATHS?.split(',');
const ONLY_KINDS = process.env.KINDS?.split(',');
/** The unminified bundles (readable names in a profile) instead of the minified ones users load. */
const PLAIN = process.env.BUNDLE === 'plain';
/** Chromium: a CPU profile (CDP Profiler) of each variant's first counted trial, into this dir. */
const CPUPROFILE = process.env.CPUPROFILE;
setTimeout(() => {
  console.error('bench:browser: global deadline reached');
  process.exit(1);
}, DEADLINE_MS).unref();

// test/helpers/engines.ts and browser.ts import vitest for their describe* helpers, which this
// script does not call; vitest refuses to load outside its runner (this package is CommonJS, so
// they are required). A stand-in that throws if called is put where require('vitest') looks.
{
  const require = createRequire(import.meta.url);
  const id = require.resolve('vitest');
  const notHere = () => {
    throw new Error('bench:browser: vitest is not running');
  };
  require.cache[id] = {
    id,
    filename: id,
    loaded: true,
    exports: { describe: notHere, beforeAll: notHere, afterAll: notHere },
  } as unknown as NodeJS.Module;
}
const { launchChromium, serveStatic } = await import('../helpers/browser');
const { createEngine, engineMissing, selectedEngines } = await import('../helpers/engines');
type EngineName = import('../helpers/engines').EngineName;

/** Builds to compare, `label=dir` (a dir relative to the repository root or absolute). */
const BUILDS = (process.env.BUILDS || 'ours=dist').split(',').map((entry) => {
  const [label, dir] = entry.includes('=') ? entry.split('=') : [path.basename(entry), entry];
  return { label: label as string, dir: path.resolve(root, dir as string) };
});

// ---------------------------------------------------------------- the server

/** N messages of 32 B as server frames (text, FIN, unmasked, 7-bit length), ready to write. */
const frames = (n: number): Buffer => {
  const out = Buffer.alloc(n * 34);
  for (let i = 0; i < n; i++) {
    out[i * 34] = 0x81;
    out[i * 34 + 1] = 32;
    out.write(String(i).padStart(32, '.'), i * 34 + 2, 'latin1');
  }
  return out;
};
const burst = new Map<number, Buffer>();

/**
 * Answers `ping` with `pong`; `blast <n>`: n messages of 32 B in one write; `count <n>`: counts
 * the next n messages (pings aside) and answers `done`.
 */
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws: ServerSocket & { _socket?: TcpSocket }) => {
  let expect = 0;
  let counted = 0;
  ws.on('close', (code, reason) => {
    if (expect)
      console.warn(`bench:browser: server: closed (${code} ${reason}) after ${counted} of ${expect} messages`);
  });
  ws.on('message', (data, binary) => {
    const text = binary ? '' : String(data);
    if (text === 'ping') return ws.send('pong');
    if (expect > 0) {
      if (++counted === expect) {
        expect = 0;
        ws.send('done');
      }
      return;
    }
    const [what, n] = text.split(' ');
    if (what === 'count') [expect, counted] = [Number(n), 0];
    else if (what === 'blast') {
      const count = Number(n);
      if (!burst.has(count)) burst.set(count, frames(count));
      // The frames go straight to the TCP socket: ws writes nothing else meanwhile (its sender
      // is idle between our pongs), and one write is as fast as this server can be.
      ws._socket?.write(burst.get(count) as Buffer);
    }
  });
});
await new Promise((resolve) => wss.once('listening', resolve));
const WS_URL = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`;

// ---------------------------------------------------------------- the page

/** The page's side: globals only (WebDriver and CDP send the calls below as source text). */
const PAGE_SCRIPT = `
const HB = { interval: 250, timeout: 60000 };
const BIG = { maxEnqueuedMessages: 1e6, maxEnqueuedBytes: 1e9 };
const OPTIONS = {
  plain: undefined,
  heartbeat: { heartbeat: HB },
  replay: { heartbeat: HB, replayUnconfirmed: true, ...BIG },
};
const until = (target, type, ms) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no ' + type + ' within ' + ms + ' ms')), ms);
  target.addEventListener(type, (e) => { clearTimeout(timer); resolve(e); }, { once: true });
});
const make = ({ kind, build, url, channel }) => {
  if (kind === 'native') return new WebSocket(url);
  const b = window.builds[build];
  if (kind === 'follower' || kind === 'leader')
    return new b.shared.SharedHeartbeatSocket(url, [], { channel, heartbeat: HB, ...BIG });
  return new b.core.HeartbeatSocket(url, [], OPTIONS[kind]);
};
const opened = async (s, spec) => {
  if (s.readyState !== 1) await until(s, 'open', 10000);
  if (spec.kind === 'follower' && s.isLeader) throw new Error('the follower tab leads');
  if (spec.kind === 'leader' && !s.isLeader) throw new Error('the leader tab follows');
};
const closed = async (s) => {
  const done = s.readyState === 3 ? undefined : until(s, 'close', 10000);
  s.close();
  await done;
};
const payloads = new Map();
window.bench = {
  async lead(spec) {
    window.leader = make(spec);
    await opened(window.leader, spec);
  },
  async unlead() {
    await closed(window.leader);
  },
  async receive(spec) {
    const s = make(spec);
    await opened(s, spec);
    let count = 0, t0 = 0, t1 = 0, bytes = 0;
    const n = spec.n;
    const all = new Promise((resolve) => {
      s.addEventListener('message', (e) => {
        if (count === 0) t0 = performance.now();
        bytes += e.data.length;
        if (++count === n) { t1 = performance.now(); resolve(); }
      });
    });
    s.send('blast ' + n);
    await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error('received ' + count + ' of ' + n + ' within ' + spec.limit + ' ms')), spec.limit))]);
    await closed(s);
    if (bytes !== 32 * n) throw new Error('received ' + bytes + ' bytes, not ' + 32 * n);
    return { ms: t1 - t0 };
  },
  async send(spec) {
    const n = spec.n;
    if (!payloads.has(n)) payloads.set(n, Array.from({ length: n }, (_, i) => String(i).padStart(32, '-')));
    const data = payloads.get(n);
    const s = make(spec);
    await opened(s, spec);
    let t1 = 0;
    const done = new Promise((resolve) => s.addEventListener('message', (e) => {
      if (e.data === 'done') { t1 = performance.now(); resolve(); }
    }));
    s.send('count ' + n);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) s.send(data[i]);
    const loop = performance.now() - t0;
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('no done within ' + spec.limit + ' ms')), spec.limit))]);
    await closed(s);
    return { ms: t1 - t0, loop };
  },
};`;

const files: Record<string, string> = {
  '/': `<!doctype html><meta charset="utf-8"><title>bench</title>
<script>window.builds = {};</script>
${BUILDS.map(({ label }) => `<script src="/b/${label}/core.js"></script><script src="/b/${label}/shared.js"></script>`).join('\n')}
<script>${PAGE_SCRIPT}</script>`,
};
for (const { label, dir } of BUILDS) {
  // Each build's UMD globals are moved under window.builds[label] before the next build loads.
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  files[`/b/${label}/core.js`] =
    `${read(PLAIN ? 'heartbeat-ws.umd.js' : 'heartbeat-ws.umd.min.js')}\n;(window.builds[${JSON.stringify(label)}] ||= {}).core = HeartbeatWS;`;
  files[`/b/${label}/shared.js`] =
    `${read(PLAIN ? 'shared.umd.js' : 'shared.umd.min.js')}\n;window.builds[${JSON.stringify(label)}].shared = HeartbeatWSShared;`;
}
const web = await serveStatic(files);

// ---------------------------------------------------------------- tabs of one profile

interface Tab {
  call<R>(method: 'lead' | 'unlead' | 'receive' | 'send', spec?: Spec): Promise<R>;
  /** Brings the tab to the front before its trials (a background tab may be throttled). */
  front(): Promise<void>;
  /**
   * Chromium: the main thread's busy time so far (CDP Performance `TaskDuration`, ms), which
   * leaves out the waits for the network, the largest share of a trial on a loaded machine.
   */
  busy?(): Promise<number>;
  /** Chromium: runs `fn` under the CDP sampling profiler and returns the profile with its result. */
  profiled?<R>(fn: () => Promise<R>): Promise<[R, unknown]>;
}
interface Profile {
  engine: EngineName;
  version: string;
  tabs: [Tab, Tab];
  close(): Promise<void>;
}

/** Runs in the page: one method of `window.bench`. */
const inPage = ([method, spec]: [string, unknown]) =>
  (window as unknown as { bench: Record<string, (spec: unknown) => Promise<unknown>> }).bench[method]!(spec);

/** Chromium: two pages of one playwright context (playwright's `newPage()` makes a context each). */
async function chromiumProfile(): Promise<Profile> {
  const browser = await launchChromium();
  const context = await browser.newContext();
  const tab = async (): Promise<Tab> => {
    const page: Page = await context.newPage();
    await page.goto(web.url);
    const perf = await context.newCDPSession(page);
    await perf.send('Performance.enable', { timeDomain: 'threadTicks' });
    return {
      busy: async () => {
        const { metrics } = await perf.send('Performance.getMetrics');
        return 1000 * (metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN);
      },
      call: (method, spec) => page.evaluate(inPage, [method, spec] as [string, unknown]) as never,
      front: () => page.bringToFront(),
      profiled: async (fn) => {
        const cdp = await context.newCDPSession(page);
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
        await cdp.send('Profiler.start');
        try {
          const result = await fn();
          return [result, (await cdp.send('Profiler.stop')).profile];
        } finally {
          await cdp.detach();
        }
      },
    };
  };
  return {
    engine: 'chromium',
    version: browser.version(),
    tabs: [await tab(), await tab()],
    close: () => browser.close(),
  };
}

/** Firefox: pages of the one puppeteer-launched browser share its profile. */
async function firefoxProfile(): Promise<Profile> {
  const engine = createEngine('firefox');
  await engine.launch();
  const tab = async (): Promise<Tab> => {
    const page = await engine.newPage();
    await page.goto(web.url);
    return {
      call: (method, spec) => page.evaluate(inPage, [method, spec] as [string, unknown]) as never,
      front: () => page.show(),
    };
  };
  return { engine: 'firefox', version: engine.version, tabs: [await tab(), await tab()], close: () => engine.close() };
}

/**
 * WebKit: windows of the one WebDriver session. WebDriver talks to one window at a time, so each
 * call switches to its tab first; the trial itself runs in the page while the driver waits.
 */
async function webkitProfile(): Promise<Profile> {
  const engine = createEngine('webkit');
  await engine.launch();
  const driver = (engine as unknown as { driver: WebDriver }).driver;
  const tab = (handle: string): Tab => ({
    call: async (method, spec) => {
      await driver.switchTo().window(handle);
      const r = (await driver.executeAsyncScript(
        `const done = arguments[arguments.length - 1];
         window.bench[arguments[0]](arguments[1]).then(
           (value) => done({ ok: true, value: value === undefined ? null : value }),
           (err) => done({ ok: false, error: String((err && err.stack) || err) }));`,
        method,
        spec ?? null,
      )) as { ok: boolean; value?: unknown; error?: string };
      if (!r.ok) throw new Error(`in the page: ${r.error}`);
      return r.value as never;
    },
    front: async () => {
      await driver.switchTo().window(handle);
    },
  });
  await driver.manage().setTimeouts({ script: 120_000 });
  await driver.get(web.url);
  const a = await driver.getWindowHandle();
  await driver.switchTo().newWindow('tab');
  await driver.get(web.url);
  const b = await driver.getWindowHandle();
  return { engine: 'webkit', version: engine.version, tabs: [tab(a), tab(b)], close: () => engine.close() };
}

const PROFILES: Record<EngineName, () => Promise<Profile>> = {
  chromium: chromiumProfile,
  firefox: firefoxProfile,
  webkit: webkitProfile,
};

// ---------------------------------------------------------------- trials

type Kind = 'native' | 'plain' | 'heartbeat' | 'replay' | 'follower' | 'leader';
interface Spec {
  kind: Kind;
  /** ms the page waits for the last message. */
  limit: number;
  build?: string;
  url: string;
  n: number;
  channel?: string;
}
type Path = 'receive' | 'send';
/** One variant: what runs, in which tab, compared with which native row. */
interface Variant {
  key: string;
  path: Path;
  kind: Kind;
  build?: string;
  tab: 0 | 1;
}

const KINDS: { kind: Kind; tab: 0 | 1 }[] = [
  { kind: 'plain', tab: 0 },
  { kind: 'heartbeat', tab: 0 },
  { kind: 'replay', tab: 0 },
  { kind: 'follower', tab: 1 },
];
const VARIANTS: Variant[] = (['receive', 'send'] as Path[])
  .filter((p) => !ONLY_PATHS || ONLY_PATHS.includes(p))
  .flatMap((p) => [
    { key: `${p} native A`, path: p, kind: 'native' as Kind, tab: 0 as const },
    { key: `${p} native B`, path: p, kind: 'native' as Kind, tab: 1 as const },
    ...BUILDS.flatMap(({ label }) =>
      KINDS.filter(({ kind }) => !ONLY_KINDS || ONLY_KINDS.includes(kind)).map(({ kind, tab }) => ({
        key: `${p} ${kind} ${label}`,
        path: p,
        kind,
        build: label,
        tab,
      })),
    ),
  ]);

let channels = 0;
type Result = { ms: number; loop?: number; busy?: number; leaderBusy?: number };
async function trial(profile: Profile, v: Variant, profileTo?: string): Promise<Result> {
  const tab = profile.tabs[v.tab];
  const n = messages(profile.engine);
  const spec: Spec = { kind: v.kind, build: v.build, url: WS_URL, n, limit: 60_000 + 4 * n };
  /** Runs the trial in `t`, under the profiler when asked (the other tab's profile too, for a follower). */
  const run = async (t: Tab): Promise<Result> => {
    if (!profileTo || !t.profiled) return t.call(v.path, spec);
    const other = v.kind === 'follower' ? profile.tabs[0].profiled : undefined;
    const both = other
      ? await other(() => t.profiled!(() => t.call<Result>(v.path, spec)))
      : [await t.profiled(() => t.call<Result>(v.path, spec)), undefined];
    const [[result, mine], leaders] = both as [[Result, unknown], unknown];
    const file = `${profileTo}/${v.key.replaceAll(' ', '-')}`;
    writeFileSync(`${file}.cpuprofile`, JSON.stringify(mine));
    if (leaders) writeFileSync(`${file}-leader.cpuprofile`, JSON.stringify(leaders));
    return result;
  };
  /** `run`, with the busy time of `t` (and of the leader tab) over it. */
  const measured = async (t: Tab, leaderTab?: Tab): Promise<Result> => {
    const before = await Promise.all([t.busy?.(), leaderTab?.busy?.()]);
    const result = await run(t);
    const after = await Promise.all([t.busy?.(), leaderTab?.busy?.()]);
    const delta = (i: 0 | 1) => (before[i] === undefined ? undefined : (after[i] as number) - before[i]);
    return { ...result, busy: delta(0), leaderBusy: delta(1) };
  };
  if (v.kind !== 'follower') {
    await tab.front();
    return measured(tab);
  }
  const [leader, follower] = profile.tabs;
  spec.channel = `bench-${process.pid}-${++channels}`;
  await leader.front();
  await leader.call('lead', { ...spec, kind: 'leader' });
  try {
    await follower.front();
    return await measured(follower, leader);
  } finally {
    await leader.call('unlead');
  }
}

const rotate = <T,>(xs: readonly T[], by: number): T[] => [...xs.slice(by % xs.length), ...xs.slice(0, by % xs.length)];
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

type Measure = 'ms' | 'loop' | 'busy' | 'leaderBusy';
interface EngineResult {
  engine: EngineName;
  version: string;
  /** Each variant's figures, one per round. */
  series: Map<string, Record<Measure, number[]>>;
  /** Why trials failed, by variant. */
  failures: Map<string, string[]>;
}

async function runEngine(name: EngineName): Promise<EngineResult | string> {
  const missing = engineMissing(name);
  if (missing) {
    if (process.env.CI === 'true') throw new Error(`${name}: ${missing}; CI=true, so a missing browser is a failure`);
    console.warn(`bench:browser: skipping ${name}: ${missing}`);
    return `${name}: skipped (${missing})`;
  }
  const profile = await PROFILES[name]();
  const series = new Map(VARIANTS.map((v) => [v.key, { ms: [], loop: [], busy: [], leaderBusy: [] }]));
  const failures = new Map<string, string[]>();
  try {
    // One warm-up round, not counted: the engines compile the page's and the bundles' code.
    // A failed trial is reported in the table, and the run goes on (the exit code says so).
    const attempt = async (v: Variant, profileTo?: string): Promise<Result | undefined> => {
      try {
        return await trial(profile, v, profileTo);
      } catch (error) {
        const why = String((error as Error).message ?? error).split('\n')[0] as string;
        console.warn(`bench:browser: ${name} ${v.key} failed: ${why}`);
        (failures.get(v.key) ?? failures.set(v.key, []).get(v.key))!.push(why);
        process.exitCode = 1;
      }
    };
    for (const v of VARIANTS) await attempt(v);
    for (let round = 0; round < TRIALS; round++) {
      for (const v of rotate(VARIANTS, round * 3)) {
        const r = await attempt(v, round === 0 && name === 'chromium' ? CPUPROFILE : undefined);
        if (!r) continue;
        const into = series.get(v.key) as Record<Measure, number[]>;
        for (const m of ['ms', 'loop', 'busy', 'leaderBusy'] as const) if (r[m] !== undefined) into[m].push(r[m]);
      }
      console.log(`bench:browser: ${name} round ${round + 1}/${TRIALS} done (load ${os.loadavg()[0]!.toFixed(2)})`);
    }
  } finally {
    await profile.close();
  }
  return { engine: name, version: profile.version, series, failures };
}

// ---------------------------------------------------------------- the report

const LABEL: Record<Kind, string> = {
  native: 'native `WebSocket`',
  plain: '`HeartbeatSocket` without options',
  heartbeat: '`HeartbeatSocket`, heartbeat on (ping every 250 ms, timeout 60 s)',
  replay: '`HeartbeatSocket` with `replayUnconfirmed`',
  follower: '`SharedHeartbeatSocket`, follower tab (leader in tab A)',
  leader: '',
};

const ms = (x: number) => x.toFixed(x < 100 ? 1 : 0);
const spread = (xs: number[]) => (xs.length ? `${ms(median(xs))} (${ms(Math.min(...xs))}–${ms(Math.max(...xs))})` : '');

function table(r: EngineResult): string {
  const cpu = [...r.series.values()].some((x) => x.busy.length > 0);
  const lines = [
    `### ${r.engine} ${r.version}, ${messages(r.engine).toLocaleString('en')} messages per trial`,
    '',
    `| path | build | ms, median (min–max) | ours / native | per round | ${cpu ? 'main-thread CPU ms | ours / native (CPU) | leader tab CPU ms | ' : ''}send() loop ms |`,
    `| --- | --- | --- | --- | --- | ${cpu ? '--- | --- | --- | ' : ''}--- |`,
  ];
  for (const v of VARIANTS) {
    const x = r.series.get(v.key) as Record<Measure, number[]>;
    const native = r.series.get(`${v.path} native ${v.tab ? 'B' : 'A'}`) as Record<Measure, number[]>;
    const ratio = (m: Measure) =>
      v.kind === 'native' || !x[m].length ? '' : `**${(median(x[m]) / median(native[m])).toFixed(2)}×**`;
    const rounds = x.ms.map((t, i) => t / (native.ms[i] as number)).filter(Number.isFinite);
    const perRound = v.kind === 'native' ? '' : `${Math.min(...rounds).toFixed(2)}–${Math.max(...rounds).toFixed(2)}`;
    const name = `${v.path}: ${LABEL[v.kind]}${v.kind === 'native' ? ` (tab ${v.tab ? 'B' : 'A'})` : ''}`;
    const cells = [name, v.build ?? '', spread(x.ms), ratio('ms'), perRound];
    if (cpu) cells.push(spread(x.busy), ratio('busy'), spread(x.leaderBusy));
    cells.push(spread(x.loop));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  for (const [key, why] of r.failures) lines.push('', `**${key}: ${why.length} trial(s) failed**: ${why.join('; ')}`);
  return lines.join('\n');
}

const git = (...args: string[]) => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
};

const loadBefore = os.loadavg();
const started = new Date();
const results: (EngineResult | string)[] = [];
try {
  for (const name of selectedEngines()) results.push(await runEngine(name));
} finally {
  wss.close();
  for (const c of wss.clients) c.terminate();
  await web.close();
}
const loadAfter = os.loadavg();

const dirty = git('status', '--porcelain', '--', 'src') ? ' (src/ modified)' : '';
const report = [
  '# Browser benchmark: ours against the native WebSocket',
  '',
  `\`npm run bench:browser\` (test/bench/browser.mts), ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${git('rev-parse', '--short', 'HEAD')}${dirty}; builds: ${BUILDS.map((b) => `${b.label} = ${path.relative(root, b.dir) || '.'}`).join(', ')}.`,
  `Messages of 32 B, ${TRIALS} rounds after one warm-up round, every variant once per round in a rotated order; ${os.cpus().length} cores, load average ${loadBefore[0]!.toFixed(2)} before and ${loadAfter[0]!.toFixed(2)} after (the machine is shared).`,
  '',
  'receive: from the first to the last `message` event in the page, the server writing every message in one go;',
  "send: from the first `send()` to the server's `done` after the last message (the loop of `send()` calls alone in the last column).",
  'ours / native: the ratio of the medians, against the native socket of the same tab; per round: the range of the ratios of each round.',
  "main-thread CPU (Chromium only): the tab's main-thread CPU time over the trial (CDP `Performance.getMetrics` TaskDuration, thread ticks), which leaves out the waits for the network process that make most of the wall time on a loaded machine; leader tab: the same in tab A while it relays to a follower.",
  '',
  ...results.map((r) => (typeof r === 'string' ? `### ${r}` : table(r))).flatMap((t) => [t, '']),
].join('\n');
writeFileSync(OUT, report);
console.log(`\n${report}`);
console.log(`bench:browser: written to ${path.relative(process.cwd(), OUT)}`);
process.exit();

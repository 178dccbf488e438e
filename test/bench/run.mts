/**
 * `npm run bench`: heartbeat-ws against the raw `ws` client and reconnecting-websocket, in one
 * run, on loopback. Prints a markdown table and writes it to test/bench/RESULTS.md.
 *
 *   node --expose-gc --import tsx test/bench/run.mts
 *
 * heartbeat-ws is measured from its built dist (dist/heartbeat-ws.mjs at runtime,
 * dist/heartbeat-ws.umd.min.js for size); the bench runs `npm run build` first when dist is
 * missing or older than src/. The server runs in a child process (the other core; its heap is
 * not counted). Everything binds to 127.0.0.1, is bounded in count and time, and stops by
 * itself: an unref'd global deadline exits the process whatever happens.
 */
import { execFileSync, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { minify } from 'terser';
import { WebSocket as WS } from 'ws';
import { startFaultProxy } from '../helpers/fault-proxy';
import { gzippedSize, MINIFIED_BUILDS } from '../helpers/size';
import {
  clientFactory,
  closeAll,
  collect,
  type Factory,
  gcNow,
  int,
  type Kind,
  kb,
  median,
  ms,
  now,
  once,
  openMany,
  type OursModule,
  type OursOptions,
  pct,
  peakInWindow,
  rotate,
  type SinkServer,
  type Sock,
  sleep,
  startSinkServer,
  times,
  within,
} from './lib.mjs';

const DEADLINE_MS = 175_000;
const deadline = setTimeout(() => {
  console.error(`bench: global deadline of ${DEADLINE_MS / 1000} s reached, exiting`);
  process.exit(2);
}, DEADLINE_MS);
deadline.unref();

const root = fileURLToPath(new URL('../../', import.meta.url));
const at = (...parts: string[]): string => path.join(root, ...parts);
const started = now();

/** A small message, the size of a typical JSON event. */
const MSG = '{"type":"tick","seq":1234567890}';
const SEND_COUNT = 100_000;
const SEND_BLOCK = 1_000;
const SEND_RUNS = 3;
const SEND_HEARTBEAT = { interval: 1000, timeout: 1000 };
/** A 100k loop blocks the event loop for about a second: a longer timeout keeps the link up. */
const BURST_HEARTBEAT = { interval: 1000, timeout: 5000 };
const BURST_RUNS = 3;
const FLUSH_RUNS: [count: number, runs: number][] = [
  [10_000, 9],
  [100_000, 3],
  [1_000_000, 1],
];
/** reconnecting-websocket is left out of the largest flush: 13 s a run on the reference machine. */
const FLUSH_RWS_MAX = 100_000;
const HERD_TRIALS = 3;
const HALF_OPEN = { interval: 1000, timeout: 1000 };
const HALF_OPEN_WAIT_MS = 10_000;
const HERD = 500;
const IDLE = 1000;
const CYCLES = 10_000;
const CYCLE_MARK = 1_000;
const CYCLE_BUDGET_MS = 45_000;

type Row = [measure: string, ours: string, raw: string, rws: string, target: string, met: string];
const rows: Row[] = [];
const notes: string[] = [];
const met = (ok: boolean): string => (ok ? 'yes' : 'no');
const log = (...args: unknown[]): void => console.error('bench:', ...args);

// ---- build ------------------------------------------------------------------------------------

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function ensureBuilt(): string {
  const files = [at('dist', 'heartbeat-ws.mjs'), ...Object.values(MINIFIED_BUILDS).map((f) => at(f))];
  const missing = files.some((f) => !existsSync(f));
  const stale = !missing && Math.min(...files.map((f) => statSync(f).mtimeMs)) < newestMtime(at('src'));
  if (!missing && !stale) return 'dist/ was up to date with src/';
  log(missing ? 'dist/ is missing: npm run build' : 'dist/ is older than src/: npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  return `dist/ was ${missing ? 'missing' : 'older than src/'}: built by the bench`;
}

// ---- 1. size ----------------------------------------------------------------------------------

/** gzip -9 sizes of the minified UMD builds, by entry (test/helpers/size.ts, as test/package). */
const sizes: Record<keyof typeof MINIFIED_BUILDS, number> = { core: 0, shared: 0, react: 0 };

async function measureSize(): Promise<void> {
  const gz = gzippedSize;
  for (const [entry, file] of Object.entries(MINIFIED_BUILDS)) {
    sizes[entry as keyof typeof MINIFIED_BUILDS] = gz(readFileSync(at(file)));
  }
  const ours = readFileSync(at(MINIFIED_BUILDS.core));
  const rwsDir = at('node_modules', 'reconnecting-websocket', 'dist');
  const rws = readFileSync(path.join(rwsDir, 'reconnecting-websocket-iife.min.js'));
  // The same terser settings as our rollup config, on reconnecting-websocket's plain IIFE build.
  const rwsTerser = await minify(readFileSync(path.join(rwsDir, 'reconnecting-websocket-iife.js'), 'utf8'), {
    ecma: 2022,
    compress: { passes: 3, unsafe_arrows: true, unsafe_methods: true },
  });
  const oursGz = gz(ours);
  const rwsGz = gz(rws);
  rows.push([
    'gzip -9 size of the minified browser build',
    `${int(oursGz)} B`,
    '—',
    `${int(rwsGz)} B`,
    `${times(oursGz / rwsGz)} of rws (no target)`,
    '—',
  ]);
  notes.push(
    `Size: ours is dist/heartbeat-ws.umd.min.js (${int(ours.length)} B minified); reconnecting-websocket is its shipped ` +
      `dist/reconnecting-websocket-iife.min.js (uglify-js, ${int(rws.length)} B minified). Its plain IIFE build through ` +
      `terser with our settings: ${int(gz(rwsTerser.code ?? ''))} B gzipped.`,
  );
}

// ---- 2. send() throughput ---------------------------------------------------------------------

interface Variant {
  label: string;
  kind: Kind;
  options?: OursOptions;
}

/**
 * Sends `count` messages on `sock` in one synchronous loop; times the loop and the delivery
 * (until the server's running count reaches `total`, which includes this burst).
 */
async function burst(
  server: SinkServer,
  sock: Sock,
  count: number,
  total: number,
): Promise<{ loop: number; delivered: number }> {
  const t0 = now();
  for (let i = 0; i < count; i++) sock.send(MSG);
  const t1 = now();
  await server.until(total);
  return { loop: t1 - t0, delivered: now() - t0 };
}

const droppedOf = (sock: Sock): number => (sock as unknown as { stats: { dropped: number } }).stats.dropped;

async function measureSend(make: Factory, server: SinkServer): Promise<void> {
  const variants: Variant[] = [
    { label: 'raw', kind: 'raw' },
    // A/A control: a second raw client, measured like the others, shows the noise floor.
    { label: 'raw-b', kind: 'raw' },
    { label: 'ours', kind: 'ours' },
    { label: 'ours-heartbeat', kind: 'ours', options: { heartbeat: SEND_HEARTBEAT } },
    {
      label: 'ours-replay',
      kind: 'ours',
      options: {
        heartbeat: SEND_HEARTBEAT,
        replayUnconfirmed: true,
        maxEnqueuedMessages: Infinity,
        maxEnqueuedBytes: Infinity,
      },
    },
  ];
  const socks = new Map<string, Sock>();
  for (const v of variants) {
    const sock = make(v.kind, server.url, v.options);
    await within(`${v.label} to open`, 10_000, once(sock, 'open'));
    socks.set(v.label, sock);
  }
  const loops = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  const delivered = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  /** Per block round: the client's block time / raw's block time in the same round. */
  const loopRatios = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  let total = await server.messages();
  // Run 0 is a warm-up (JIT, socket buffers) of one block each and is not counted.
  for (let run = 0; run <= SEND_RUNS; run++) {
    const loop = new Map<string, number>();
    const deliv = new Map<string, number>();
    const blocks = run === 0 ? 1 : SEND_COUNT / SEND_BLOCK;
    for (let block = 0; block < blocks; block++) {
      gcNow();
      const round = new Map<string, { loop: number; delivered: number }>();
      // Every client sends one block in turn, in an order that rotates block by block.
      for (const v of rotate(variants, block + run)) {
        const sock = socks.get(v.label) as Sock;
        if (sock.readyState !== WS.OPEN) throw new Error(`bench: ${v.label} is not open`);
        total += SEND_BLOCK;
        const r = await burst(server, sock, SEND_BLOCK, total);
        round.set(v.label, r);
        loop.set(v.label, (loop.get(v.label) ?? 0) + r.loop);
        deliv.set(v.label, (deliv.get(v.label) ?? 0) + r.delivered);
      }
      if (run === 0) continue;
      const raw = round.get('raw') as { loop: number };
      for (const [label, r] of round) {
        loopRatios.get(label)?.push(r.loop / raw.loop);
      }
    }
    if (run === 0) continue;
    for (const v of variants) {
      loops.get(v.label)?.push(loop.get(v.label) as number);
      delivered.get(v.label)?.push(deliv.get(v.label) as number);
    }
  }
  for (const sock of socks.values()) sock.close();
  await server.live('<=', 0);

  /** Per run: the client's run total / raw's run total (same block rounds, so paired). */
  const runRatios = (series: Map<string, number[]>, label: string): number[] => {
    const raw = series.get('raw') as number[];
    return (series.get(label) as number[]).map((x, i) => x / (raw[i] as number));
  };
  /** The run whose paired ratio is the median, and that ratio. */
  const medianRun = (series: Map<string, number[]>, label: string): { run: number; ratio: number } => {
    const ratios = runRatios(series, label);
    const ratio = median(ratios);
    return { run: ratios.indexOf(ratio), ratio };
  };
  const row = (measure: string, series: Map<string, number[]>, label: string): void => {
    const { run, ratio } = medianRun(series, label);
    const [x, raw] = [series.get(label)?.[run] as number, series.get('raw')?.[run] as number];
    rows.push([measure, ms(x), ms(raw), 'not run', `${times(ratio)} raw (≤ 1.05×)`, met(ratio <= 1.05)]);
  };
  row(`send() ×100k while open: time in send() (median of ${SEND_RUNS} runs)`, loops, 'ours');
  row(
    `… with heartbeat {interval ${SEND_HEARTBEAT.interval}, timeout ${SEND_HEARTBEAT.timeout}}`,
    loops,
    'ours-heartbeat',
  );
  row('… with replayUnconfirmed (+ the same heartbeat; queue bounds Infinity)', loops, 'ours-replay');
  row(`send() ×100k while open: until the server has them (median of ${SEND_RUNS} runs)`, delivered, 'ours');
  const list = (label: string): string => (loops.get(label) as number[]).map((x) => x.toFixed(0)).join(', ');
  notes.push(
    'send(): reconnecting-websocket is not run (time budget; its send() is a readyState check and ws.send). ' +
      `A run is ${int(SEND_COUNT)} sends of a ${MSG.length}-byte string per client, all clients open at once. ` +
      `The run is cut into blocks of ${int(SEND_BLOCK)}: each client in turn sends one block in a synchronous loop, then ` +
      'waits until the server process has counted the block; the order of the clients rotates block by block, so ' +
      'drift in the machine hits every client alike. "Time in send()" is the sum of the timed loops; "until the ' +
      'server has them" sums each block from its first send until the server has it. A warm-up block per client, ' +
      `then ${SEND_RUNS} runs. Ratio: the median over the runs of (client's run total / raw's total in the same run); ` +
      'the row shows the totals of that run. Ratios per run: ' +
      variants
        .slice(1)
        .map((v) => `${v.label} [${runRatios(loops, v.label).map(times).join(', ')}]`)
        .join('; ') +
      `. Median over the ${int((SEND_RUNS * SEND_COUNT) / SEND_BLOCK)} block rounds of the per-block ratio, for ` +
      'comparison: ' +
      variants
        .slice(1)
        .map((v) => `${v.label} ${times(median(loopRatios.get(v.label) as number[]))}`)
        .join(', ') +
      '. raw-b is a second raw ws client (A/A control): its ratios show the noise floor of this measure on this ' +
      'machine. Run totals in ms: ' +
      variants.map((v) => `${v.label} [${list(v.label)}]`).join('; ') +
      '.',
  );

  // One burst that outruns the heartbeat: the replay buffer's default bound gives way.
  const raw = make('raw', server.url);
  const replay = make('ours', server.url, { heartbeat: BURST_HEARTBEAT, replayUnconfirmed: true });
  await within('burst clients to open', 10_000, Promise.all([raw, replay].map((s) => once(s, 'open'))));
  const pairs: [raw: number, ours: number, drops: number][] = [];
  total = await server.messages();
  // No warm-up round: the code is warm from the runs above.
  for (let run = 0; run < BURST_RUNS; run++) {
    const order = run % 2 ? [replay, raw] : [raw, replay];
    const loop = new Map<Sock, number>();
    const before = droppedOf(replay);
    for (const sock of order) {
      gcNow();
      total += SEND_COUNT;
      loop.set(sock, (await burst(server, sock, SEND_COUNT, total)).loop);
    }
    // Let a pong confirm the burst, so the next run starts with an empty replay buffer.
    await within('a pong', 5_000, once(replay, 'heartbeat'));
    pairs.push([loop.get(raw) as number, loop.get(replay) as number, droppedOf(replay) - before]);
  }
  raw.close();
  replay.close();
  await server.live('<=', 0);
  const br = median(pairs.map(([r, o]) => o / r));
  const drops = median(pairs.map(([, , x]) => x));
  rows.push([
    `send() ×100k in one loop, replayUnconfirmed with default bounds (${int(drops)} 'unconfirmed' drops; median of ${BURST_RUNS})`,
    ms(median(pairs.map(([, o]) => o))),
    ms(median(pairs.map(([r]) => r))),
    '—',
    `${times(br)} raw (≤ 1.05×)`,
    met(br <= 1.05),
  ]);
  notes.push(
    `Burst: ${int(SEND_COUNT)} sends in one synchronous loop, faster than a heartbeat round trip, with ` +
      `replayUnconfirmed, heartbeat {interval ${BURST_HEARTBEAT.interval}, timeout ${BURST_HEARTBEAT.timeout}} and ` +
      'the default bounds (maxEnqueuedMessages 10,000): every message past the bound pushes ' +
      "the oldest unconfirmed one out with a 'drop' event (reason 'unconfirmed'; the message itself was written). " +
      `${BURST_RUNS} runs alternating with a raw client's burst; ratio = median of the paired ratios. ` +
      `Pairs raw/ours in ms: ${pairs.map(([r, o]) => `${r.toFixed(0)}/${o.toFixed(0)}`).join(', ')}.`,
  );
}

// ---- 3. flushing a queue ----------------------------------------------------------------------

async function measureFlush(make: Factory, server: SinkServer): Promise<void> {
  // Hooks the underlying `ws` socket's open event: its listener is added in the constructor,
  // so it runs before the library's own (added after construction) and before the flush.
  let hookOpen: (() => void) | undefined;
  class HookedWS extends WS {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      this.addEventListener('open', () => hookOpen?.());
    }
  }
  const kinds: Kind[] = ['raw', 'ours', 'rws'];
  const once1 = async (kind: Kind, count: number): Promise<{ flush: number; delivered: number }> => {
    const total = (await server.messages()) + count;
    gcNow();
    let t0 = 0;
    let left = -1;
    let sock: Sock | undefined;
    const flushed = new Promise<number>((resolve) => {
      hookOpen = () => {
        t0 = now();
        // Runs once the whole open dispatch (listeners, then the library's flush) has returned.
        queueMicrotask(() => {
          const t1 = now();
          if (kind === 'ours') left = (sock as unknown as { stats: { queued: number } }).stats.queued;
          resolve(t1);
        });
      };
    });
    if (kind === 'raw') {
      const raw = make('raw', server.url, {}, HookedWS);
      sock = raw;
      raw.addEventListener('open', () => {
        for (let i = 0; i < count; i++) raw.send(MSG);
      });
    } else {
      sock = make(kind, server.url, { maxEnqueuedMessages: Infinity, maxEnqueuedBytes: Infinity }, HookedWS);
      for (let i = 0; i < count; i++) sock.send(MSG);
    }
    const t1 = await within(`${kind} to open`, 20_000, flushed);
    hookOpen = undefined;
    if (kind === 'ours' && left !== 0) throw new Error(`bench: ${left} messages left in the queue after the flush`);
    await server.until(total, 90_000);
    const t2 = now();
    sock.close();
    await server.live('<=', 0);
    return { flush: t1 - t0, delivered: t2 - t0 };
  };

  const result = new Map<string, { flush: number; delivered: number }>();
  const kindsFor = (count: number): Kind[] => kinds.filter((k) => k !== 'rws' || count <= FLUSH_RWS_MAX);
  for (const [count, runs] of FLUSH_RUNS) {
    const flush = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
    const delivered = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
    for (let run = 0; run < runs; run++) {
      for (const kind of rotate(kindsFor(count), run)) {
        const r = await once1(kind, count);
        flush.get(kind)?.push(r.flush);
        delivered.get(kind)?.push(r.delivered);
      }
    }
    for (const kind of kindsFor(count)) {
      result.set(`${kind}:${count}`, {
        flush: median(flush.get(kind) as number[]),
        delivered: median(delivered.get(kind) as number[]),
      });
    }
  }
  const get = (kind: Kind, count: number) => result.get(`${kind}:${count}`);
  const show = (kind: Kind, count: number, key: 'flush' | 'delivered'): string => {
    const r = get(kind, count);
    return r ? ms(r[key]) : 'not run';
  };
  for (const [count, runs] of FLUSH_RUNS) {
    const [o, r] = [get('ours', count), get('raw', count)] as { flush: number; delivered: number }[];
    rows.push([
      `flush ${int(count)} queued: open → flush returned (median of ${runs})`,
      show('ours', count, 'flush'),
      show('raw', count, 'flush'),
      show('rws', count, 'flush'),
      `${times((o as { flush: number }).flush / (r as { flush: number }).flush)} raw (no target)`,
      '—',
    ]);
  }
  const counts = FLUSH_RUNS.map(([c]) => c);
  const growth = (kind: Kind, key: 'flush' | 'delivered'): (number | undefined)[] =>
    counts.slice(1).map((c, i) => {
      const [big, small] = [get(kind, c), get(kind, counts[i] as number)];
      return big && small ? big[key] / small[key] : undefined;
    });
  const g = (kind: Kind, key: 'flush' | 'delivered'): string =>
    growth(kind, key)
      .map((x) => (x === undefined ? 'not run' : times(x)))
      .join(' / ');
  const worst = Math.max(...(growth('ours', 'flush') as number[]));
  rows.push([
    'flush time growth per 10× count (10k→100k / 100k→1M)',
    g('ours', 'flush'),
    g('raw', 'flush'),
    g('rws', 'flush'),
    'linear: ≤ 13× per 10×',
    met(worst <= 13),
  ]);
  const delivered = FLUSH_RUNS.map(
    ([count]) =>
      `${int(count)}: ours ${show('ours', count, 'delivered')}, raw ${show('raw', count, 'delivered')}, ` +
      `rws ${show('rws', count, 'delivered')}`,
  ).join('; ');
  notes.push(
    'Flush: the client is created and the N messages are sent at once, while it is CONNECTING ' +
      '(maxEnqueuedMessages and maxEnqueuedBytes Infinity; reconnecting-websocket queues without bound by default). ' +
      "The clock starts at the underlying ws socket's open event (a listener added in its constructor, so before the " +
      "library's own listener) and stops at a microtask queued there, which runs once the whole open dispatch, flush " +
      'included, has returned: the last send() of the flush has returned; ours\' queue is checked empty then. "Raw" ' +
      'sends the N messages in its open listener. Runs alternate the order of the clients. ' +
      `reconnecting-websocket is not run above ${int(FLUSH_RWS_MAX)} (time budget). ` +
      `Until the server process has counted all N (medians): ${delivered}; growth per 10×: ours ` +
      `${g('ours', 'delivered')}, raw ${g('raw', 'delivered')}. Growth target: linear is 10× per 10× count; ` +
      '13× leaves 30 % for noise (a quadratic flush would show 100×).',
  );
}

// ---- 4. half-open detection -------------------------------------------------------------------

async function measureHalfOpen(make: Factory, server: SinkServer): Promise<void> {
  const proxy = await startFaultProxy({ targetPort: server.port, maxLifetimeMs: 60_000 });
  try {
    const ours = make('ours', proxy.url, { heartbeat: HALF_OPEN });
    const raw = make('raw', proxy.url);
    const rws = make('rws', proxy.url);
    await within('clients behind the proxy to open', 10_000, Promise.all([ours, raw, rws].map((s) => once(s, 'open'))));
    // Right after a pong: the next ping goes out `interval` later, so the silence lasts the
    // longest it can before detection, interval + timeout.
    await within('a pong', 5_000, once(ours, 'heartbeat'));
    proxy.setMode('blackhole');
    const t0 = now();
    const detected = new Map<Kind, { at: number; reason: string }>();
    const watch = (kind: Kind, sock: Sock): void =>
      sock.addEventListener('close', (event) => {
        if (!detected.has(kind)) detected.set(kind, { at: now() - t0, reason: (event as CloseEvent).reason });
        if (kind === 'ours') sock.close();
      });
    watch('ours', ours);
    watch('raw', raw);
    watch('rws', rws);
    while (now() - t0 < HALF_OPEN_WAIT_MS && detected.size < 3) await sleep(20);
    const show = (kind: Kind): string => {
      const d = detected.get(kind);
      return d ? `${ms(d.at)}` : `not detected within ${HALF_OPEN_WAIT_MS / 1000} s`;
    };
    const bound = HALF_OPEN.interval + HALF_OPEN.timeout;
    const o = detected.get('ours');
    rows.push([
      `half-open detection through a black-hole proxy (heartbeat interval ${HALF_OPEN.interval}, timeout ${HALF_OPEN.timeout})`,
      show('ours'),
      show('raw'),
      show('rws'),
      `≤ interval + timeout = ${bound} ms`,
      met(o !== undefined && o.at <= bound + 50),
    ]);
    notes.push(
      'Half-open: the three clients connect through the fault proxy (test/helpers/fault-proxy.ts); right after ' +
        'ours receives a pong the proxy switches to blackhole (TCP stays open, every byte dropped). Detection is the ' +
        `client's close event; ours' reason: "${o?.reason ?? '—'}". The raw ws client and reconnecting-websocket ` +
        `have no heartbeat; they were watched for ${HALF_OPEN_WAIT_MS / 1000} s. Met allows 50 ms of timer lateness.`,
    );
    raw.close();
    rws.close();
    ours.close();
  } finally {
    await proxy.close();
  }
  await server.live('<=', 0);
}

// ---- 5. reconnection herd ---------------------------------------------------------------------

interface HerdTrial {
  /** Peak attempts at the server in any 100 ms window, and in 100 ms buckets aligned at the drop. */
  sliding: number;
  aligned: number;
  attempts: number;
  allBack: number | null;
  /** Ours only: peak of the attempt times the backoff scheduled, in any 100 ms window. */
  scheduled?: number;
}

async function herdTrial(make: Factory, server: SinkServer, kind: Kind): Promise<HerdTrial> {
  let t0 = 0;
  const scheduled: number[] = [];
  const socks = await openMany(() => {
    const sock = make(kind, server.url);
    if (kind === 'ours') {
      sock.addEventListener('reconnecting', (event) => {
        scheduled.push(now() - t0 + (event as CustomEvent<{ delay: number }>).detail.delay);
      });
    }
    return sock;
  }, HERD);
  await server.live('>=', HERD);
  // Nothing left over from earlier measures (GC pauses) should bunch the retries.
  await collect();
  t0 = now();
  const reply = await server.call({ cmd: 'drop', count: HERD, timeoutMs: 15_000 }, 20_000);
  if (!('afterDrop' in reply)) throw new Error('bench: unexpected reply');
  const at = reply.afterDrop.attemptsAt.sort((a, b) => a - b);
  const buckets = new Map<number, number>();
  for (const t of at) buckets.set(Math.floor(t / 100), (buckets.get(Math.floor(t / 100)) ?? 0) + 1);
  await closeAll(socks);
  await server.live('<=', 0);
  return {
    sliding: peakInWindow(at, 100),
    aligned: Math.max(0, ...buckets.values()),
    attempts: at.length,
    allBack: reply.afterDrop.allBackMs,
    ...(kind === 'ours'
      ? {
          scheduled: peakInWindow(
            scheduled.sort((a, b) => a - b),
            100,
          ),
        }
      : {}),
  };
}

async function measureHerd(make: Factory, server: SinkServer): Promise<void> {
  const ours: HerdTrial[] = [];
  for (let i = 0; i < HERD_TRIALS; i++) ours.push(await herdTrial(make, server, 'ours'));
  const w = await herdTrial(make, server, 'rws');
  const peaks = ours.map((t) => t.sliding);
  const backs = ours.map((t) => t.allBack ?? Infinity);
  const share = (n: number): string => `${pct(n / HERD)} (${n})`;
  const back = (x: number | null): string => (x === null || x === Infinity ? 'not within 15 s' : ms(x));
  rows.push([
    `herd of ${HERD}, server drops all: peak connection attempts in any 100 ms window (ours: median of ${HERD_TRIALS} trials)`,
    `${share(median(peaks))}; worst ${pct(Math.max(...peaks) / HERD)}`,
    '—',
    share(w.sliding),
    '≤ 15 %',
    met(median(peaks) / HERD <= 0.15),
  ]);
  rows.push([
    `herd of ${HERD}: time until all ${HERD} are connected again (ours: median of ${HERD_TRIALS} trials)`,
    `${back(median(backs))}; worst ${back(Math.max(...backs))}`,
    '—',
    back(w.allBack),
    '≤ 1500 ms',
    met(median(backs) <= 1500),
  ]);
  // For reference: the same measure on ideal draws, 500 delays uniform in (0, 1000] ms.
  const ideal = Array.from({ length: 1000 }, () =>
    peakInWindow(
      Array.from({ length: HERD }, () => Math.random() * 1000).sort((a, b) => a - b),
      100,
    ),
  ).sort((a, b) => a - b);
  const within15 = ideal.filter((p) => p <= HERD * 0.15).length / ideal.length;
  const trials = ours
    .map(
      (t, i) =>
        `#${i + 1}: any-window ${t.sliding}, aligned ${t.aligned}, scheduled ${t.scheduled}, attempts ${t.attempts}, ` +
        `all back ${back(t.allBack)}`,
    )
    .join('; ');
  notes.push(
    `Herd: ${HERD} clients of one kind open to the server; after a forced GC the server terminates every ` +
      'connection at once (TCP destroyed, no close frame) and stays up. Attempts are counted at the server as TCP ' +
      "connections accepted (its http server's 'connection' event; every attempt reaches it since it stays up), timed " +
      'from the drop. "Any 100 ms window" slides over those times. "All back": the server holds 500 open WebSockets ' +
      'accepted after the drop. Ours with its defaults (first retry after a delay uniform in (0, 1000] ms: ' +
      'minReconnectionDelay 1000, jitter 1) and the ws constructor; reconnecting-websocket with its defaults ' +
      '(minReconnectionDelay = 1000 + random() × 4000, drawn once when the module loads and shared by every ' +
      `instance). Ours, ${HERD_TRIALS} trials (peaks in attempts; "aligned": 100 ms buckets from the drop; ` +
      `"scheduled": the attempt times its 'reconnecting' events announced, in any 100 ms window): ${trials}. ` +
      `reconnecting-websocket: any-window ${w.sliding}, aligned ${w.aligned}, attempts ${w.attempts}, ` +
      `all back ${back(w.allBack)}. Reference, simulated: ${HERD} delays drawn uniform in (0, 1000] ms, 1,000 draws: ` +
      `peak in any 100 ms window median ${median(ideal)}, 95th percentile ${ideal[949]}, max ${ideal[999]}; ` +
      `${pct(within15)} of draws stay ≤ 15 %.`,
  );
}

// ---- 6. heap ----------------------------------------------------------------------------------

async function measureIdleHeap(server: SinkServer): Promise<void> {
  const per = new Map<Kind, number>();
  for (const kind of ['raw', 'ours', 'rws'] as const) {
    const child = fork(
      fileURLToPath(new URL('./heap-probe.mts', import.meta.url)),
      [kind, server.url, String(IDLE), at('dist', 'heartbeat-ws.mjs')],
      {
        execArgv: ['--expose-gc', '--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const result = await within(
      `the ${kind} heap probe`,
      60_000,
      new Promise<{ perClient: number; open: number }>((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) => reject(new Error(`bench: the ${kind} heap probe exited with ${code}`)));
      }),
    );
    if (result.open !== IDLE) throw new Error(`bench: ${IDLE - result.open} ${kind} clients were not open`);
    per.set(kind, result.perClient);
    await exited;
    await server.live('<=', 0);
  }
  const [o, r, w] = [per.get('ours'), per.get('raw'), per.get('rws')] as number[];
  rows.push([
    `heap per idle open client (${int(IDLE)} clients)`,
    kb(o as number),
    kb(r as number),
    kb(w as number),
    `${times((o as number) / (r as number))} raw (no target)`,
    '—',
  ]);
  notes.push(
    `Idle heap: each kind in a fresh process (test/bench/heap-probe.mts): ${int(IDLE)} clients opened and closed ` +
      `first (code, Node's pools), then heapUsed after full GCs before and after opening ${int(IDLE)} idle clients, ` +
      `difference / ${int(IDLE)}. Measured in one process the kinds disturb each other by megabytes (Node's HTTP ` +
      "parser pool, V8's bytecode flushing). Client processes only (the server is another process); ours with " +
      'default options (heartbeat off).',
  );
}

async function measureCycles(make: Factory, server: SinkServer): Promise<void> {
  const sock = make('ours', server.url) as Sock & { reconnect(): void };
  await within('ours to open', 10_000, once(sock, 'open'));
  const t0 = now();
  let atMark = 0;
  let markTime = 0;
  let cycles = 0;
  while (cycles < CYCLES && now() - t0 < CYCLE_BUDGET_MS) {
    const opened = once(sock, 'open');
    sock.reconnect();
    await within('a reconnect', 10_000, opened);
    cycles++;
    if (cycles === CYCLE_MARK) {
      markTime = now() - t0;
      await server.live('<=', 1);
      atMark = await collect();
    }
  }
  const elapsed = now() - t0;
  await server.live('<=', 1);
  const atEnd = await collect();
  sock.close();
  await server.live('<=', 0);
  const growth = atEnd - atMark;
  const perCycle = growth / (cycles - CYCLE_MARK);
  rows.push([
    `heap growth over reconnect() cycles ${int(CYCLE_MARK)} → ${int(cycles)} (one client)`,
    `${kb(growth)} (${perCycle.toFixed(1)} B/cycle)`,
    '—',
    '—',
    '< 100 B/cycle',
    met(perCycle < 100),
  ]);
  notes.push(
    `Reconnect cycles: one client of ours, reconnect() then wait for open, ${int(cycles)} cycles in ${ms(elapsed)} ` +
      `(${(elapsed / cycles).toFixed(2)} ms per cycle; the first ${int(CYCLE_MARK)} took ${ms(markTime)}; ` +
      `budget ${CYCLE_BUDGET_MS / 1000} s). heapUsed after full GCs, once the server holds only the current ` +
      `connection: ${kb(atMark)} at cycle ${int(CYCLE_MARK)}, ${kb(atEnd)} at cycle ${int(cycles)}. ` +
      'A socket kept per cycle would cost about the idle-client figure above per cycle.',
  );
}

// ---- main -------------------------------------------------------------------------------------

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  const build = ensureBuilt();
  const distHash = createHash('sha256')
    .update(readFileSync(at('dist', 'heartbeat-ws.mjs')))
    .digest('hex');
  const ours = (await import(pathToFileURL(at('dist', 'heartbeat-ws.mjs')).href)) as OursModule;
  const make = clientFactory(ours);
  const server = await startSinkServer(DEADLINE_MS + 5_000);
  const timings: string[] = [];
  const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
    const t = now();
    log(`${name}…`);
    await fn();
    timings.push(`${name} ${((now() - t) / 1000).toFixed(1)} s`);
    log(`${name} done in ${((now() - t) / 1000).toFixed(1)} s`);
  };
  try {
    await step('size', measureSize);
    await step('send', () => measureSend(make, server));
    await step('flush', () => measureFlush(make, server));
    await step('half-open', () => measureHalfOpen(make, server));
    await step('herd', () => measureHerd(make, server));
    await step('idle heap', () => measureIdleHeap(server));
    await step('reconnect cycles', () => measureCycles(make, server));
  } finally {
    await server.close();
  }

  const runtime = (now() - started) / 1000;
  const cpus = os.cpus();
  const dirty = git('status', '--porcelain', '--', 'src') ? ' (src/ has uncommitted changes)' : '';
  const table = [
    '| measure | ours | raw ws | reconnecting-websocket | ratio / target | met? |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  const pkg = (name: string): string =>
    (JSON.parse(readFileSync(at('node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  const text = [
    '# Benchmark results',
    '',
    `Generated by \`npm run bench\` (test/bench/run.mts) on ${new Date().toISOString()}.`,
    '',
    `- Machine: Node ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? '?'}), ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB RAM.`,
    `- Code: heartbeat-ws at git ${git('rev-parse', '--short', 'HEAD')}${dirty} (commit ${git('rev-parse', 'HEAD')}), measured from its built dist ` +
      `(dist/heartbeat-ws.mjs, dist/heartbeat-ws.umd.min.js); ${build}. ws ${pkg('ws')}, reconnecting-websocket ` +
      `${pkg('reconnecting-websocket')}, both in Node with the ws constructor.`,
    // Read back by test/package/bench-results.test.ts, which fails when they differ from the build.
    `- Sizes (gzip -9 of the minified UMD builds, as test/package measures them): ` +
      Object.entries(MINIFIED_BUILDS)
        .map(([entry, file]) => `${entry} ${file} ${int(sizes[entry as keyof typeof MINIFIED_BUILDS])} B`)
        .join(', ') +
      '.',
    `- Load average at the start: ${loadAtStart.map((x) => x.toFixed(2)).join(', ')}. dist/heartbeat-ws.mjs sha256 ` +
      `${distHash.slice(0, 12)}.`,
    `- Everything on 127.0.0.1; the server is a ws server in a child process. Runtime ${runtime.toFixed(0)} s ` +
      `(${timings.join(', ')}).`,
    '',
    table,
    '',
    '## How each figure is taken',
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  writeFileSync(at('test', 'bench', 'RESULTS.md'), text);
  console.log(text);
  log(`wrote test/bench/RESULTS.md in ${runtime.toFixed(0)} s`);
}

main().then(
  () => {
    // Anything still open now is a leak of the bench; do not let it hold the process.
    setTimeout(() => {
      log('handles still open after the bench:', process.getActiveResourcesInfo());
      process.exit(0);
    }, 2_000).unref();
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

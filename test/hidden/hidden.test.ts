/**
 * The heartbeat in really hidden pages, with each engine's timer throttling on, measured at the
 * server (issue 21; `npm run test:hidden`, not part of `npm test`: about 3 minutes of waiting).
 *
 * Per engine, in one browser (see ./drivers.ts for how each engine hides a page), pages hidden
 * for HIDDEN_SECONDS (default 140) behind a visible one:
 * - `hb`: a `HeartbeatSocket` pinging every 2 s (the client's pings);
 * - `sping`: a `HeartbeatSocket` with `ping: false` answering the server's pings, sent every 2 s;
 * - `shared`: the leader tab of a `SharedHeartbeatSocket` pinging every 2 s, whose follower is
 *   the visible page in front; `shared-all`: another channel whose two tabs are both hidden;
 * - `control`: a raw WebSocket pinging from `setInterval(…, 2000)`, and a 100 ms `setInterval`
 *   recording when the page's timers really ran: what the engine's throttling does.
 * The server (./server.ts) records every ping and answer, and closes a client after
 * 2 × interval + 5 s = 9 s of silence. Then the server makes `hb`'s link half-open while the page
 * is still hidden, the page is made visible 1.5 s later, and the heartbeat must find the dead link
 * within `probeTimeout` of becoming visible.
 *
 * The engines run at the same time (each its own server and browser): the pages sleep, so the
 * CPU is idle during the measurement, and each page's timers are judged against its own clock.
 * Every figure is written to test-results/hidden-<engine>.json and printed as one line.
 *
 * Mutations tried (2026-12-05): the next ping armed from the heartbeat's own timer chain instead
 * of the pong's network callback (src/heartbeat.ts) fails it in Chromium: under intensive
 * throttling the server saw three connections of that client within 80 s hidden, not one; `lifecycle:
 * false` in the page (no probe on return to visible) fails it everywhere: the half-open link was
 * found 8.2 s after the page turned visible instead of 3 s.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveStatic, waitFor, type StaticServer } from '../helpers/browser';
import { engineMissing, selectedEngines, type EngineName } from '../helpers/engines';
import { hiddenBrowser, INTENSIVE_AFTER_10S, THROTTLING_OFF_FLAGS, type HiddenBrowser, type Tab } from './drivers';
import { startRecordingServer, type ClientRecord } from './server';

const DIST = path.resolve(__dirname, '../../dist');
const RESULTS = path.resolve(__dirname, '../../test-results');

/** The heartbeat interval of every client here, and the control's `setInterval`. */
const INTERVAL = 2_000;
/** The library's defaults, as documented (docs/reference.md): no override in the pages. */
const TIMEOUT = 10_000;
const PROBE_TIMEOUT = 3_000;
/** The server closes a client after this much silence: 2 × interval + 5 s. */
const SILENCE = 2 * INTERVAL + 5_000;
const HIDDEN_MS = Number(process.env.HIDDEN_SECONDS || 140) * 1000;
/** How long the link is half-open, still hidden, before the page is made visible. */
const HALF_OPEN_BEFORE_SHOW = 1_500;
/**
 * A hidden page's ping lands on the first 1 s wake-up after the interval (Chromium), so the
 * server sees gaps of up to interval + 1 s; their median must be that, within MEDIAN_SLACK.
 * A single gap may be later by GAP_SLACK: the time between a throttled wake-up and the ping
 * reaching the server on a 2-core machine shared with other jobs, where a backgrounded renderer
 * is descheduled first. Seen at a load average of 13: single gaps up to 0.9 s over interval + 1 s,
 * in several pages at the same moments, and answers to the server's pings (no timer involved at
 * all) up to 0.8 s late. The server's own rule (9 s) is far above either.
 */
const MEDIAN_SLACK = 200;
const GAP_SLACK = 1_500;
/** Slack on detection after the page turns visible: its timers are no longer throttled then. */
const DETECT_SLACK = 1_000;

const HB_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>hidden: heartbeat</title>
<script src="/dist/heartbeat-ws.umd.min.js"></script>
<script>
const q = new URLSearchParams(location.search);
const record = { events: [], visibility: [{ t: Date.now(), state: document.visibilityState }] };
document.addEventListener('visibilitychange', () => record.visibility.push({ t: Date.now(), state: document.visibilityState }));
const heartbeat = q.get('role') === 'sping'
  ? { interval: ${INTERVAL}, ping: false, isServerPing: { type: 'heartbeat' }, serverPingReply: { type: 'heartbeat_ack' } }
  : { interval: ${INTERVAL} };
const socket = new HeartbeatWS.HeartbeatSocket(q.get('ws') + '?role=' + q.get('role'), [], { heartbeat });
for (const type of ['open', 'close', 'reconnecting']) {
  socket.addEventListener(type, (e) => record.events.push({ t: Date.now(), type, code: e.code, reason: e.reason }));
}
window.client = { socket, record };
</script>`;

const SHARED_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>hidden: shared</title>
<script src="/dist/shared.umd.min.js"></script>
<script>
const q = new URLSearchParams(location.search);
const record = { events: [], leader: [], visibility: [{ t: Date.now(), state: document.visibilityState }] };
document.addEventListener('visibilitychange', () => record.visibility.push({ t: Date.now(), state: document.visibilityState }));
const socket = new HeartbeatWSShared.SharedHeartbeatSocket(q.get('ws') + '?role=' + q.get('role'), [], {
  channel: q.get('role'),
  heartbeat: { interval: ${INTERVAL} },
});
for (const type of ['open', 'close', 'reconnecting']) {
  socket.addEventListener(type, (e) => record.events.push({ t: Date.now(), type, code: e.code, reason: e.reason }));
}
socket.addEventListener('leaderchange', (e) => record.leader.push({ t: Date.now(), isLeader: e.detail.isLeader }));
window.client = { socket, record };
</script>`;

const CONTROL_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>hidden: control</title>
<script>
const q = new URLSearchParams(location.search);
const record = { events: [], wakes: [], visibility: [{ t: Date.now(), state: document.visibilityState }] };
document.addEventListener('visibilitychange', () => record.visibility.push({ t: Date.now(), state: document.visibilityState }));
const ws = new WebSocket(q.get('ws') + '?role=control');
ws.onopen = () => setInterval(() => ws.send('ping'), ${INTERVAL});
ws.onclose = (e) => record.events.push({ t: Date.now(), type: 'close', code: e.code, reason: e.reason });
setInterval(() => record.wakes.push(Date.now()), 100);
window.client = { record };
</script>`;

interface Ev {
  t: number;
  type: string;
  code?: number;
  reason?: string;
}
interface PageRecord {
  events: Ev[];
  visibility: { t: number; state: string }[];
  wakes?: number[];
  leader?: { t: number; isLeader: boolean }[];
}

const isLeader = () => (window as unknown as { client: { socket: { isLeader: boolean } } }).client.socket.isLeader;
const isFollowing = () => {
  const s = (window as unknown as { client: { socket: { isLeader: boolean; readyState: number } } }).client.socket;
  return s.readyState === 1 && !s.isLeader;
};

const readRecord = (tab: Tab) =>
  tab.evaluate(() => {
    const w = window as unknown as { client: { record: PageRecord; socket?: { isLeader?: boolean } } };
    return { ...w.client.record, isLeader: w.client.socket?.isLeader ?? null };
  });

const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const gaps = (ts: number[]): number[] => ts.slice(1).map((t, i) => t - ts[i]!);
const within = (ts: number[], from: number, to: number) => ts.filter((t) => t >= from && t <= to);
const stats = (xs: number[]) => ({ n: xs.length, median: median(xs), max: xs.length ? Math.max(...xs) : NaN });

/** When a page turned hidden for good before `until`, or undefined if it was visible at some point in between. */
function hiddenSince(rec: PageRecord, until: number): number | undefined {
  let since: number | undefined;
  for (const v of rec.visibility) {
    if (v.t > until) break;
    since = v.state === 'hidden' ? (since ?? v.t) : undefined;
  }
  return since;
}

interface EngineRun {
  engine: EngineName;
  version: string;
  how: string;
  date: string;
  hiddenFor: number;
  /** ms measured past the point where the strongest throttling seen (1 s, or ≥ 10 s) began. */
  throttledFor: number;
  throttling: {
    /** The control page's 100 ms setInterval: gaps between its runs while hidden. */
    wakeGaps: { n: number; median: number; max: number };
    /** ms after the control page was hidden when its 100 ms timer first waited ≥ 900 ms, and ≥ 10 s. */
    oneSecondFrom?: number;
    intensiveFrom?: number;
    /** The control's setInterval(2000) pings at the server. */
    controlGaps: { n: number; median: number; max: number };
    controlSilentCount: number;
  };
  hb: { gaps: { n: number; median: number; max: number }; falseTimeouts: number; closedBySilence: boolean };
  sping: {
    ackDelay: { n: number; median: number; max: number };
    ackGaps: { n: number; median: number; max: number };
    falseTimeouts: number;
    closedBySilence: boolean;
  };
  shared: {
    gaps: { n: number; median: number; max: number };
    falseTimeouts: number;
    closedBySilence: boolean;
    leaderHidden: boolean;
    followerVisible: boolean;
  };
  /** Both tabs of a SharedHeartbeatSocket hidden. */
  sharedAll: {
    gaps: { n: number; median: number; max: number };
    falseTimeouts: number;
    closedBySilence: boolean;
    leaderKept: boolean;
  };
  halfOpen: { sinceVisible: number; sinceHalfOpen: number };
}

const runs: EngineRun[] = [];
let web: StaticServer;

beforeAll(async () => {
  web = await serveStatic({
    '/hb.html': HB_PAGE,
    '/shared.html': SHARED_PAGE,
    '/control.html': CONTROL_PAGE,
    // Read once, here: .ci/run starts these runs beside `npm test`, whose build rewrites dist/.
    '/dist/heartbeat-ws.umd.min.js': readFileSync(path.join(DIST, 'heartbeat-ws.umd.min.js'), 'utf8'),
    '/dist/shared.umd.min.js': readFileSync(path.join(DIST, 'shared.umd.min.js'), 'utf8'),
  });
});

afterAll(async () => {
  await web?.close();
  for (const r of runs) {
    const f = (s: { median: number; max: number }) => `median ${s.median} ms, max ${s.max} ms`;
    console.log(
      `[hidden] ${r.engine} ${r.version}, hidden ${Math.round(r.hiddenFor / 1000)} s (${r.how}), ` +
        `${Math.round(r.throttledFor / 1000)} s of it past the strongest throttling's start: ` +
        `timers ran every ${f(r.throttling.wakeGaps)} (100 ms asked; 1 s from ${r.throttling.oneSecondFrom ?? '-'} ms, ` +
        `≥ 10 s from ${r.throttling.intensiveFrom ?? '-'} ms); control setInterval(2000) gaps ${f(r.throttling.controlGaps)}; ` +
        `HeartbeatSocket ping gaps ${f(r.hb.gaps)} (${r.hb.gaps.n}), false timeouts ${r.hb.falseTimeouts}; ` +
        `server pings answered in ${f(r.sping.ackDelay)}, answer gaps ${f(r.sping.ackGaps)}; ` +
        `shared leader ping gaps ${f(r.shared.gaps)}, with both tabs hidden ${f(r.sharedAll.gaps)}; half-open found ${r.halfOpen.sinceVisible} ms after visible ` +
        `(${r.halfOpen.sinceHalfOpen} ms after it began)`,
    );
  }
});

async function runEngine(engine: EngineName): Promise<EngineRun> {
  const server = await startRecordingServer({ silence: SILENCE, serverPingInterval: INTERVAL });
  const browser: HiddenBrowser = hiddenBrowser(engine);
  try {
    await browser.launch();
    if (engine === 'chromium') {
      // The run proves nothing if a switch turns throttling off: check the real command line.
      for (const flag of THROTTLING_OFF_FLAGS) expect(browser.args).not.toContain(flag);
      expect(browser.args.join(' ')).toContain(INTENSIVE_AFTER_10S.split('=')[1]);
    }
    const ws = encodeURIComponent(server.url);
    const open = async (role: string, page = 'hb') => {
      const tab = await browser.open(`${web.url}/${page}.html?ws=${ws}&role=${role}`);
      await waitFor(`${engine}: ${role} connected`, () => server.client(role), { timeout: 15_000 });
      return tab;
    };
    const hb = await open('hb');
    const sping = await open('sping');
    const control = await open('control', 'control');
    /** Two tabs of one SharedHeartbeatSocket channel: the first leads, the second follows. */
    const sharedPair = async (role: string) => {
      const first = await open(role, 'shared');
      await waitFor(`${engine}: the first ${role} tab leads`, () => first.evaluate(isLeader));
      const second = await browser.open(`${web.url}/shared.html?ws=${ws}&role=${role}`);
      await waitFor(`${engine}: the second ${role} tab is open as a follower`, () => second.evaluate(isFollowing));
      return [first, second] as const;
    };
    // A hidden leader with a visible follower (the page in front), and two hidden tabs.
    const [leader, follower] = await sharedPair('shared');
    const [allLeader, allFollower] = await sharedPair('shared-all');

    const hidden = [hb, sping, control, leader, allLeader, allFollower];
    await browser.hide(hidden, follower);
    const hiddenAt = Date.now();
    // Nothing touches the pages now: they run on their own timers and the network.
    await new Promise((r) => setTimeout(r, HIDDEN_MS));
    const end = Date.now();

    // A half-open link made while hidden, found once the page is visible again.
    const halfOpenAt = server.makeHalfOpen('hb');
    await new Promise((r) => setTimeout(r, HALF_OPEN_BEFORE_SHOW));
    await browser.show(hb);
    const detected = await waitFor(
      `${engine}: the half-open link found`,
      async () => {
        const rec = await readRecord(hb);
        const close = rec.events.find((e) => e.type === 'close' && e.t >= halfOpenAt);
        const visibleAt = rec.visibility.find((v) => v.t >= halfOpenAt && v.state === 'visible')?.t;
        return close && visibleAt !== undefined ? { close, visibleAt } : undefined;
      },
      { timeout: TIMEOUT + INTERVAL + 5_000, every: 100 },
    );

    const recs = {
      hb: await readRecord(hb),
      sping: await readRecord(sping),
      control: await readRecord(control),
      leader: await readRecord(leader),
      follower: await readRecord(follower),
      allLeader: await readRecord(allLeader),
      allFollower: await readRecord(allFollower),
    };

    // Every hidden page was hidden from the start of the run to its end, and the follower visible.
    const since: Record<string, number | undefined> = {};
    for (const [name, rec] of Object.entries({
      hb: recs.hb,
      sping: recs.sping,
      control: recs.control,
      leader: recs.leader,
      allLeader: recs.allLeader,
      allFollower: recs.allFollower,
    })) {
      since[name] = hiddenSince(rec, end);
      expect(since[name], `${engine}: ${name} hidden throughout (${JSON.stringify(rec.visibility)})`).toBeDefined();
      expect(since[name]!).toBeLessThanOrEqual(hiddenAt + 2_000);
    }
    const followerVisible = recs.follower.visibility.filter((v) => v.t <= end).at(-1)?.state === 'visible';
    const from = Math.max(...Object.values(since).map(Number));

    const only = (role: string): ClientRecord => {
      const all = server.clients.filter((c) => c.role === role && c.connectedAt < end);
      expect(all, `${engine}: one ${role} connection until the end`).toHaveLength(1);
      return all[0]!;
    };
    const falseTimeouts = (rec: PageRecord, until: number) =>
      rec.events.filter((e) => e.type === 'close' && e.reason === 'heartbeat timeout' && e.t <= until).length;

    // The engine's throttling, from the control page's own moment of hiding.
    const controlSince = since.control!;
    const wakes = within(recs.control.wakes ?? [], controlSince, end);
    const late = (ms: number) => {
      const i = gaps(wakes).findIndex((g) => g >= ms);
      return i < 0 ? undefined : wakes[i]! - controlSince;
    };
    const hbClient = only('hb');
    const spingClient = only('sping');
    const sharedClient = only('shared');
    const controlClient = only('control');
    const sharedAllClient = only('shared-all');
    const run: EngineRun = {
      engine,
      version: browser.version,
      how: browser.how,
      date: new Date().toISOString(),
      hiddenFor: end - from,
      throttledFor: 0,
      throttling: {
        wakeGaps: stats(gaps(wakes)),
        oneSecondFrom: late(900),
        intensiveFrom: late(10_000),
        controlGaps: stats(gaps(within(controlClient.pings, from, end))),
        controlSilentCount: controlClient.silent.filter((t) => t <= end).length,
      },
      hb: {
        gaps: stats(gaps(within(hbClient.pings, from, halfOpenAt))),
        falseTimeouts: falseTimeouts(recs.hb, halfOpenAt),
        closedBySilence: hbClient.closedBySilence,
      },
      sping: {
        ackDelay: stats(spingClient.acks.filter((a) => a.t >= from && a.t <= end).map((a) => a.delay)),
        ackGaps: stats(
          gaps(
            within(
              spingClient.acks.map((a) => a.t),
              from,
              end,
            ),
          ),
        ),
        falseTimeouts: falseTimeouts(recs.sping, Infinity),
        closedBySilence: spingClient.closedBySilence,
      },
      shared: {
        gaps: stats(gaps(within(sharedClient.pings, from, end))),
        falseTimeouts: falseTimeouts(recs.leader, Infinity) + falseTimeouts(recs.follower, Infinity),
        closedBySilence: sharedClient.closedBySilence,
        leaderHidden: since.leader !== undefined && recs.leader.isLeader === true,
        followerVisible: followerVisible && recs.follower.isLeader === false,
      },
      sharedAll: {
        gaps: stats(gaps(within(sharedAllClient.pings, from, end))),
        falseTimeouts: falseTimeouts(recs.allLeader, Infinity) + falseTimeouts(recs.allFollower, Infinity),
        closedBySilence: sharedAllClient.closedBySilence,
        leaderKept: recs.allLeader.isLeader === true && recs.allFollower.isLeader === false,
      },
      halfOpen: {
        sinceVisible: detected.close.t - detected.visibleAt,
        sinceHalfOpen: detected.close.t - halfOpenAt,
      },
    };
    // Measured for this long past the point where the strongest throttling seen began.
    const strongest = run.throttling.intensiveFrom ?? run.throttling.oneSecondFrom;
    run.throttledFor = strongest === undefined ? 0 : end - (controlSince + strongest);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(
      path.join(RESULTS, `hidden-${engine}.json`),
      JSON.stringify({ ...run, raw: { server: server.clients, pages: recs, hiddenAt, from, end } }, null, 1),
    );
    runs.push(run);
    // Nothing but the last ping of a hidden page made it visible again.
    expect(detected.close.reason, `${engine}: the half-open link is closed by the heartbeat`).toBe('heartbeat timeout');
    return run;
  } finally {
    await browser.close().catch(() => {});
    await server.close();
  }
}

const engines = selectedEngines();
const missing = engines.map((e) => [e, engineMissing(e)] as const).filter(([, m]) => m !== undefined);
if (missing.length && process.env.CI === 'true') {
  throw new Error(`missing browsers (${missing.map(([e, m]) => `${e}: ${m}`).join('; ')}); CI=true, so that fails`);
}
for (const [e, m] of missing) console.warn(`[hidden] SKIPPED ${e}: ${m}`);

// Concurrent: the engines' waits overlap (each has its own server and browser).
for (const engine of engines) {
  const skip = missing.some(([e]) => e === engine);
  it.skipIf(skip).concurrent(
    `${engine}: hidden pages — the client's pings reach the server within interval + 1 s, server pings are answered, no false timeout, a half-open link is found on return`,
    async () => {
      const r = await runEngine(engine);
      // The throttling is real: the page's timers were held back while hidden.
      expect(r.throttling.wakeGaps.median, `${engine}: a 100 ms timer ran about once a second`).toBeGreaterThanOrEqual(
        900,
      );
      if (engine === 'chromium') {
        // Intensive throttling: the control's setInterval pinged about once a minute.
        expect(r.throttling.controlGaps.max).toBeGreaterThanOrEqual(10_000);
        expect(r.throttling.controlSilentCount).toBeGreaterThan(0);
      }
      // Measured long enough past the point throttling started.
      expect(r.throttledFor).toBeGreaterThanOrEqual(120_000);

      // The client's pings, as the server saw them.
      expect(r.hb.gaps.n).toBeGreaterThan(HIDDEN_MS / (INTERVAL + 1_000 + MEDIAN_SLACK) - 2);
      expect(r.hb.gaps.median).toBeLessThanOrEqual(INTERVAL + 1_000 + MEDIAN_SLACK);
      expect(r.hb.gaps.max).toBeLessThanOrEqual(INTERVAL + 1_000 + GAP_SLACK);
      expect(r.hb.falseTimeouts).toBe(0);
      expect(r.hb.closedBySilence).toBe(false);

      // The server's pings, answered from the network callback: each before the server's next one.
      expect(r.sping.ackDelay.n).toBeGreaterThan(HIDDEN_MS / INTERVAL - 3);
      expect(r.sping.ackDelay.max).toBeLessThan(INTERVAL);
      expect(r.sping.ackGaps.max).toBeLessThan(SILENCE);
      expect(r.sping.falseTimeouts).toBe(0);
      expect(r.sping.closedBySilence).toBe(false);

      // A hidden leader tab of a SharedHeartbeatSocket, with a visible follower.
      expect(r.shared.leaderHidden).toBe(true);
      expect(r.shared.followerVisible).toBe(true);
      expect(r.shared.gaps.median).toBeLessThanOrEqual(INTERVAL + 1_000 + MEDIAN_SLACK);
      expect(r.shared.gaps.max).toBeLessThanOrEqual(INTERVAL + 1_000 + GAP_SLACK);
      expect(r.shared.falseTimeouts).toBe(0);
      expect(r.shared.closedBySilence).toBe(false);
      // …and with every tab of the channel hidden.
      expect(r.sharedAll.leaderKept).toBe(true);
      expect(r.sharedAll.gaps.median).toBeLessThanOrEqual(INTERVAL + 1_000 + MEDIAN_SLACK);
      expect(r.sharedAll.gaps.max).toBeLessThanOrEqual(INTERVAL + 1_000 + GAP_SLACK);
      expect(r.sharedAll.falseTimeouts).toBe(0);
      expect(r.sharedAll.closedBySilence).toBe(false);

      // Found within probeTimeout of becoming visible, and within interval + timeout of the fault.
      expect(r.halfOpen.sinceVisible).toBeLessThanOrEqual(PROBE_TIMEOUT + DETECT_SLACK);
      expect(r.halfOpen.sinceHalfOpen).toBeLessThanOrEqual(INTERVAL + TIMEOUT);
    },
  );
}

// The demo page. It uses the SDK only through the `HeartbeatWS` global that the minified UMD
// file defines (see index.html), exactly as a page without a build step would; in shared mode
// through `HeartbeatWSShared` (dist/shared.umd.min.js).
import type * as HeartbeatWSNamespace from '../src/index';
import type { HeartbeatSocket as Socket, SocketState as State } from '../src/index';
import type * as HeartbeatWSSharedNamespace from '../src/shared/index';
import type { SharedHeartbeatSocket as SharedSocket } from '../src/shared/index';
import type * as HeartbeatWSRequestNamespace from '../src/request/index';
import type { Requests } from '../src/request/index';
import type * as HeartbeatWSOutboxNamespace from '../src/outbox/index';

declare global {
  /** The UMD bundle's global, typed from the same sources as dist/. */
  const HeartbeatWS: typeof HeartbeatWSNamespace;
  /** The shared UMD bundle's global (it carries the core too). */
  const HeartbeatWSShared: typeof HeartbeatWSSharedNamespace | undefined;
  /** heartbeat-ws/request's UMD global: requests(socket), the request panel. */
  const HeartbeatWSRequest: typeof HeartbeatWSRequestNamespace | undefined;
  /** heartbeat-ws/outbox's UMD global: the queue kept in IndexedDB across a reload. */
  const HeartbeatWSOutbox: typeof HeartbeatWSOutboxNamespace | undefined;
}

interface Settings {
  url: string;
  interval: number;
  timeout: number;
  minReconnectionDelay: number;
  maxReconnectionDelay: number;
  reconnectionDelayGrowFactor: number;
  jitter: number;
  connectionTimeout: number;
  minUptime: number;
  maxEnqueuedMessages: number;
  /** `Infinity` (the SDK's default) unless set. */
  maxRetries: number;
  stayClosedOn: string;
  /** One connection for all tabs of the page: SharedHeartbeatSocket. */
  shared: boolean;
}

const DEFAULTS: Omit<Settings, 'url'> = {
  interval: 2000,
  timeout: 1500,
  minReconnectionDelay: 500,
  maxReconnectionDelay: 8000,
  reconnectionDelayGrowFactor: 2,
  jitter: 0.5,
  connectionTimeout: 2500,
  minUptime: 2000,
  maxEnqueuedMessages: 50,
  maxRetries: Infinity,
  stayClosedOn: '4001',
  shared: false,
};

const NUMERIC = Object.keys(DEFAULTS).filter(
  (k) => !['stayClosedOn', 'shared', 'maxRetries'].includes(k),
) as (keyof typeof DEFAULTS)[];

/** maxRetries as typed: empty or "Infinity" is the SDK's default; anything else goes to its check. */
const retriesOf = (raw: string) => (raw.trim() === '' || /^infinity$/i.test(raw.trim()) ? Infinity : Number(raw));
/** The chart shows at most the last minute; a fresh page shows the time since it loaded (20 s at least). */
const WINDOW_MS = 60_000;
const loadedAt = Date.now();
const MAX_ROWS = 150;

// ---- small DOM helpers ----------------------------------------------------------------------

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | undefined> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}

function prepend(list: HTMLElement, item: HTMLElement) {
  list.prepend(item);
  while (list.childElementCount > MAX_ROWS) list.lastElementChild?.remove();
}

const clock = () => new Date().toTimeString().slice(0, 8);
const ms = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);

function isServerHeartbeat(data: unknown): boolean {
  if (typeof data !== 'string' || !data.includes('"heartbeat"')) return false;
  try {
    return (JSON.parse(data) as { type?: unknown }).type === 'heartbeat';
  } catch {
    return false;
  }
}

// ---- settings: defaults, then the query string, then the form -------------------------------

function settingsFromQuery(wsUrl: string): Settings {
  const q = new URLSearchParams(location.search);
  const s: Settings = { ...DEFAULTS, url: q.get('url') ?? wsUrl };
  for (const key of NUMERIC) {
    const raw = q.get(key);
    if (raw !== null && raw !== '' && Number.isFinite(Number(raw))) (s[key] as number) = Number(raw);
  }
  const codes = q.get('stayClosedOn');
  if (codes !== null) s.stayClosedOn = codes;
  const retries = q.get('maxRetries');
  if (retries !== null) s.maxRetries = retriesOf(retries);
  s.shared = q.get('shared') === '1';
  return s;
}

const form = $<HTMLFormElement>('settings');
const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;

function fillForm(s: Settings) {
  for (const [key, value] of Object.entries(s)) {
    if (key === 'shared') field(key).checked = value as boolean;
    else field(key).value = String(value);
  }
}

function readForm(): Settings {
  const s = {
    url: field('url').value.trim(),
    stayClosedOn: field('stayClosedOn').value,
    maxRetries: retriesOf(field('maxRetries').value),
    shared: field('shared').checked,
  } as Settings;
  // An empty field is passed on as NaN so that the SDK's own validation names the option.
  for (const key of NUMERIC) (s[key] as number) = field(key).value === '' ? Number.NaN : Number(field(key).value);
  return s;
}

function codesOf(list: string): number[] {
  return list
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n));
}

/** The options in use as code to copy: it runs as shown in a page with the same scripts (tested). */
function snippetOf(s: Settings): string {
  return [
    `const clientId = Math.random().toString(36).slice(2, 10);`,
    s.shared
      ? `const socket = new HeartbeatWSShared.SharedHeartbeatSocket(${JSON.stringify(s.url)}, [], {`
      : `const socket = new HeartbeatWS.HeartbeatSocket(${JSON.stringify(s.url)}, [], {`,
    `  connectionTimeout: ${s.connectionTimeout},`,
    `  minReconnectionDelay: ${s.minReconnectionDelay},`,
    `  maxReconnectionDelay: ${s.maxReconnectionDelay},`,
    `  reconnectionDelayGrowFactor: ${s.reconnectionDelayGrowFactor},`,
    `  jitter: ${s.jitter},`,
    `  minUptime: ${s.minUptime},`,
    `  maxEnqueuedMessages: ${s.maxEnqueuedMessages},`,
    ...(s.maxRetries === Infinity ? [] : [`  maxRetries: ${s.maxRetries},`]),
    `  shouldReconnect: (e) => ![${codesOf(s.stayClosedOn).join(', ')}].includes(e.code),`,
    `  replayUnconfirmed: true,`,
    `  stamp: (data, seq) => JSON.stringify({ id: \`\${clientId}:\${seq}\`, body: data }),`,
    `  outbox: HeartbeatWSOutbox.indexedDbOutbox('demo', { maxAge: 600000 }),`,
    `  heartbeat: {`,
    `    interval: ${s.interval}, timeout: ${s.timeout},`,
    `    isServerPing: { type: 'heartbeat' },`,
    `    serverPingReply: { type: 'heartbeat_ack' },`,
    `  },`,
    `});`,
  ].join('\n');
}

// ---- what the page remembers ---------------------------------------------------------------

interface Pending {
  data: string;
  row: HTMLElement;
}

let socket: Socket | undefined;
/** The same socket when it is a SharedHeartbeatSocket (shared mode), for isLeader and countTabs(). */
let shared: SharedSocket | undefined;
let settings: Settings;
let state: State | 'none' = 'none';
let stateSince = performance.now();
let attempt = 0;
let attemptStartedAt = 0;
let openedAt = 0;
// Set by the Close button until the next attempt: a close the page asked for is no give-up.
let closeRequested = false;
let pongs = 0;
let serverPings = 0;
let dropped = 0;
let rttSum = 0;
let countdown: { until: number; total: number; attempt: number } | undefined;
const pending: Pending[] = [];
/** Pongs, with the number of the connection they came on: the chart breaks its line between connections. */
const rtts: { t: number; rtt: number; conn: number }[] = [];
let connection = 0;
const spans: { t: number; state: State | 'none' }[] = [];
const marks: { t: number; kind: 'close' | 'open' | 'fault' }[] = [];

// ---- the timeline ---------------------------------------------------------------------------

type Kind = 'attempt' | 'open' | 'close' | 'error' | 'reconnecting' | 'closed' | 'giveup' | 'fault' | 'settings';

const ICONS: Record<Kind, string> = {
  attempt: '→',
  open: '✔',
  close: '✖',
  error: '!',
  reconnecting: '↻',
  closed: '■',
  giveup: '■',
  fault: '⚡',
  settings: '⚙',
};

function timeline(kind: Kind, text: string, data: Record<string, string | number> = {}): HTMLElement {
  const attrs: Record<string, string | number> = { 'data-kind': kind };
  for (const [k, v] of Object.entries(data)) attrs[`data-${k}`] = v;
  const row = el(
    'li',
    attrs,
    el('span', { class: 'icon', 'aria-hidden': 'true' }, ICONS[kind]),
    el('span', { class: 'what' }, text),
    el('time', {}, clock()),
  );
  prepend($('timeline'), row);
  return row;
}

// ---- state ----------------------------------------------------------------------------------

function currentState(): State {
  const s = socket as (Socket & { state?: State }) | undefined;
  if (!s) return 'closed';
  if (s.state) return s.state;
  return (['connecting', 'open', 'closing', 'closed'] as const)[s.readyState] ?? 'closed';
}

function syncState() {
  const next = currentState();
  if (next === state) return;
  const previous = state;
  state = next;
  stateSince = performance.now();
  spans.push({ t: Date.now(), state: next });
  const pill = $('state');
  pill.textContent = next;
  pill.dataset.state = next;
  document.title = `${next} · heartbeat-ws demo`;
  // The chip follows the pill at once, or "open" could show beside the retrying chip for a tick.
  retryChip(socket?.stats.uptime ?? 0);
  if (next === 'connecting') closeRequested = false;
  if (next !== 'reconnecting') countdown = undefined;
  if (next === 'closed' && previous !== 'none') {
    if (closeRequested) timeline('closed', 'closed by close(): no retry until Reconnect');
    else timeline('closed', 'stays closed: shouldReconnect said no (or retries ran out). Press Retry.');
  }
}

// ---- the socket -----------------------------------------------------------------------------

/** The message inside a stamped one (see `stamp` below). */
function unstamp(text: string): string {
  try {
    return text.startsWith('{"id":') ? String((JSON.parse(text) as { body: unknown }).body) : text;
  } catch {
    return text;
  }
}

/** Unique per page load: the server keeps the highest sequence number seen per client. */
const CLIENT_ID = Math.random().toString(36).slice(2, 10);

/**
 * The browser's WebSocket, noting when each attempt starts: passed as `options.WebSocket`, so
 * the timeline shows every attempt at the moment it is made, however short it is.
 */
function trackedWebSocket(isCurrent: () => boolean): typeof WebSocket {
  return class TrackedWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      if (!isCurrent()) return;
      closeRequested = false;
      attempt += 1;
      attemptStartedAt = performance.now();
      timeline('attempt', `attempt ${attempt}: connecting to ${String(url)}`, { attempt });
      syncState();
    }
  };
}

/**
 * What an `error` row says. The event's own `message` / `error` when it carries them (a failing
 * URL provider, a connection timeout); a browser's WebSocket error carries nothing by design, so
 * then what is known: which attempt, to where, and whether it had opened.
 */
function errorText(e: Event, s: Socket): string {
  const { message, error } = e as Event & { message?: unknown; error?: unknown };
  const why =
    typeof message === 'string' && message !== ''
      ? message
      : error instanceof Error
        ? error.message
        : error !== undefined && error !== null
          ? String(error)
          : undefined;
  const where = openedAt > 0 ? `on the open connection of attempt ${attempt}` : `attempt ${attempt} did not open`;
  return why ? `error: ${why} (${where})` : `error: ${where} (${s.url}; the browser gives no reason)`;
}

function createSocket(s: Settings): { next: Socket; nextShared: SharedSocket | undefined } {
  const stayClosed = codesOf(s.stayClosedOn);
  if (s.shared && typeof HeartbeatWSShared === 'undefined')
    throw new Error('dist/shared.umd.min.js did not load: run `npm run build` to share one connection across tabs.');
  // Same constructor, options and events; the shared one adds isLeader, leaderchange and countTabs().
  const Ctor = (s.shared ? HeartbeatWSShared?.SharedHeartbeatSocket : undefined) ?? HeartbeatWS.HeartbeatSocket;
  // Made closed, so that a socket with bad settings never replaces the running one: apply()
  // starts it with reconnect() once it is in place. Not in shared mode: there reconnect() would
  // reconnect the connection every tab shares, so a new tab joins by itself (its election is
  // asynchronous: the socket is in place by then). The tab that leads makes the connection,
  // with the WebSocket option below.
  const made = new Ctor(s.url, [], {
    startClosed: !s.shared,
    WebSocket: trackedWebSocket(() => next === socket),
    connectionTimeout: s.connectionTimeout,
    minReconnectionDelay: s.minReconnectionDelay,
    maxReconnectionDelay: s.maxReconnectionDelay,
    reconnectionDelayGrowFactor: s.reconnectionDelayGrowFactor,
    jitter: s.jitter,
    minUptime: s.minUptime,
    maxEnqueuedMessages: s.maxEnqueuedMessages,
    maxRetries: s.maxRetries,
    shouldReconnect: (e: CloseEvent) => !stayClosed.includes(e.code),
    // At-least-once: what no pong confirmed is sent again after a dead link; the server drops
    // the duplicates by id (see the README's dedupe recipe).
    replayUnconfirmed: true,
    stamp: (data: unknown, seq: number) => JSON.stringify({ id: `${CLIENT_ID}:${seq}`, body: data }),
    // What waits in the queue (or is unconfirmed) is kept in IndexedDB: the next page sends what
    // this one left ("Reload the page"). Ten minutes at most: older is dropped, not sent. In shared
    // mode the leader tab's socket keeps every tab's messages there, and the next leader (the
    // reloaded page, or another tab) sends what the last one left, once.
    outbox:
      typeof HeartbeatWSOutbox !== 'undefined'
        ? HeartbeatWSOutbox.indexedDbOutbox('demo', { maxAge: 10 * 60_000 })
        : undefined,
    heartbeat: {
      interval: s.interval,
      timeout: s.timeout,
      isServerPing: (d: unknown) => {
        const yes = isServerHeartbeat(d);
        if (yes) serverPings += 1;
        return yes;
      },
      serverPingReply: '{"type":"heartbeat_ack"}',
    },
  });
  // The shared socket has the core's surface (properties, methods, events): the page drives both
  // through the core's type.
  const next = made as Socket;
  const nextShared = s.shared ? (made as SharedSocket) : undefined;
  const mine = (fn: (e: never) => void) => (e: Event) => {
    // An old socket's last events (after Apply) still show, but they no longer drive the page.
    if (next === socket) fn(e as never);
    else if (e.type === 'close') timeline('close', `previous socket closed (${(e as CloseEvent).code})`);
  };

  next.addEventListener(
    'open',
    mine(() => {
      syncState();
      openedAt = performance.now();
      connection += 1;
      marks.push({ t: Date.now(), kind: 'open' });
      giveUp(undefined);
      // A follower tab made no attempt itself: the connection is the leader tab's.
      if (nextShared && !nextShared.isLeader) timeline('open', "open: the leader tab's connection", { attempt });
      else timeline('open', `open after ${ms(performance.now() - attemptStartedAt)}`, { attempt });
      refreshTabs();
      // The queue is flushed right after the open listeners return: what was waiting is now sent.
      setTimeout(() => {
        for (const p of pending.splice(0)) setStatus(p.row, 'sent');
      }, 0);
    }),
  );
  next.addEventListener(
    'message',
    mine((e: MessageEvent) => {
      const text = typeof e.data === 'string' ? e.data : `[binary ${(e.data as ArrayBuffer).byteLength ?? '?'} bytes]`;
      arrivedFromBefore(text);
      prepend(
        $('log'),
        el(
          'li',
          { class: 'in' },
          el('span', { class: 'dir' }, '←'),
          el('span', { class: 'text' }, text),
          el('time', {}, clock()),
        ),
      );
    }),
  );
  next.addEventListener(
    'close',
    mine((e: CloseEvent) => {
      marks.push({ t: Date.now(), kind: 'close' });
      const lived = openedAt > 0 ? `after ${ms(performance.now() - openedAt)} open` : 'before it opened';
      openedAt = 0;
      const reason = e.reason ? ` "${e.reason}"` : '';
      timeline('close', `close ${e.code}${reason}${e.wasClean ? '' : ' (not clean)'}, ${lived}`, {
        code: e.code,
        reason: e.reason,
      });
      syncState();
      refreshTabs();
    }),
  );
  next.addEventListener(
    'error',
    mine((e: Event) => {
      // State first: an attempt that fails at once was never seen CONNECTING by the ticker, and its
      // "attempt" row must come before its error.
      syncState();
      timeline('error', errorText(e, next), { attempt });
    }),
  );
  // Fired when the socket stops retrying (maxRetries used up, or shouldReconnect said no), with
  // the reason in detail. Listened to by name, so the page works with builds that lack it.
  next.addEventListener(
    'giveup',
    mine((e: Event) => {
      const detail = (e as CustomEvent<{ reason?: unknown; close?: CloseEvent } | undefined>).detail;
      const reason = detail?.reason;
      timeline('giveup', `gave up${reason === undefined ? '' : `: ${String(reason)}`}`);
      giveUp(detail);
      syncState();
    }),
  );
  if (nextShared) {
    nextShared.addEventListener(
      'leaderchange',
      mine(() => {
        showRole();
        refreshTabs();
      }),
    );
  }
  next.addEventListener(
    'reconnecting',
    mine((e: CustomEvent<{ attempt: number; delay: number }>) => {
      const { attempt: n, delay } = e.detail;
      countdown = { until: performance.now() + delay, total: delay, attempt: n };
      timeline('reconnecting', `retry ${n} in ${ms(delay)}`, { attempt: n, delay: Math.round(delay) });
      syncState();
    }),
  );
  next.addEventListener(
    'heartbeat',
    mine((e: CustomEvent<{ rtt: number }>) => {
      const rtt = e.detail.rtt;
      pongs += 1;
      rttSum += rtt;
      rtts.push({ t: Date.now(), rtt, conn: connection });
      $('rtt-last').textContent = ms(rtt);
      $('rtt-avg').textContent = ms(rttSum / pongs);
      const beat = $('beat');
      beat.classList.remove('pulse');
      void beat.offsetWidth; // restart the CSS animation
      beat.classList.add('pulse');
    }),
  );
  next.addEventListener(
    'drop',
    mine((e: CustomEvent<{ data: unknown; reason: string }>) => {
      dropped += 1;
      const data = typeof e.detail.data === 'string' ? unstamp(e.detail.data) : '[binary]';
      const i = pending.findIndex((p) => p.data === data);
      const hit = i >= 0 ? pending.splice(i, 1)[0] : undefined;
      if (hit) setStatus(hit.row, 'dropped');
      prepend($('drops'), el('li', {}, el('b', {}, e.detail.reason), ` ${data}`));
    }),
  );
  return { next, nextShared };
}

// ---- the give-up banner ---------------------------------------------------------------------

/** Shows why the socket stopped retrying, with a Retry button; `undefined` hides it. */
function giveUp(detail: { reason?: unknown; close?: CloseEvent } | undefined) {
  const banner = $('giveup');
  if (!detail) {
    banner.hidden = true;
    return;
  }
  const close = detail.close;
  const code = close ? `close ${close.code}${close.reason ? ` "${close.reason}"` : ''}` : 'no close event';
  const n = settings?.maxRetries ?? Infinity;
  $('giveup-title').textContent = `Gave up: ${String(detail.reason ?? 'unknown')}`;
  $('giveup-detail').textContent =
    detail.reason === 'maxRetries'
      ? n === 0
        ? `maxRetries is 0: no retry after ${code}.`
        : `after ${n} ${n === 1 ? 'try' : 'tries'} in a row that failed (maxRetries ${n}); the last ended with ${code}.`
      : detail.reason === 'shouldReconnect'
        ? `shouldReconnect said no to ${code}.`
        : `${code}.`;
  banner.hidden = false;
}

// ---- shared mode: leader or follower, and how many tabs -------------------------------------

function showRole() {
  const badge = $('leader');
  const role = shared?.isLeader ? 'leader' : 'follower';
  if (badge.dataset.role === role && badge.textContent === role) return;
  badge.dataset.role = role;
  badge.textContent = role;
}

let tabsAsked = 0;
/** countTabs() is a promise: only the newest answer for the current socket is shown. */
function refreshTabs() {
  const asked = ++tabsAsked;
  const from = shared;
  if (!from) return;
  from.countTabs().then(
    (n) => {
      if (asked !== tabsAsked || from !== shared) return;
      $('tab-count').textContent = String(n);
      $('tab-label').textContent = n === 1 ? 'tab' : 'tabs';
    },
    () => undefined,
  );
}

function apply(s: Settings) {
  const error = $('settings-error');
  let next: Socket;
  let nextShared: SharedSocket | undefined;
  try {
    ({ next, nextShared } = createSocket(s));
  } catch (err) {
    // The SDK's validation message names the option that is wrong.
    error.textContent = (err as Error).message;
    error.hidden = false;
    return false;
  }
  error.hidden = true;
  const old = socket;
  // close() keeps the queue for a reconnect() that will not come: clearQueue() reports each
  // message that will not be sent with a drop event (reason 'cleared').
  old?.clearQueue();
  old?.close(1000, 'settings changed');
  // What the old socket's requests() still waits for is rejected (AbortError) and shown so.
  api?.dispose();
  socket = next;
  shared = nextShared;
  api = typeof HeartbeatWSRequest === 'undefined' ? undefined : HeartbeatWSRequest.requests(next);
  settings = s;
  giveUp(undefined);
  attempt = 0;
  state = 'none';
  closeRequested = false;
  if (old) timeline('settings', 'new socket with the settings applied');
  if (!nextShared) next.reconnect();
  $('snippet').textContent = snippetOf(s);
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(s)) {
    if (k === 'shared') {
      if (v) q.set(k, '1');
    } else if (k === 'url' ? v !== initialWsUrl : String(v) !== String(DEFAULTS[k as keyof typeof DEFAULTS]))
      q.set(k, String(v));
  }
  history.replaceState(null, '', q.size > 0 ? `?${q}` : location.pathname);
  // The link opens this page as it is now: same settings, shared mode on.
  $<HTMLAnchorElement>('open-tab').href = location.href;
  $('shared-info').hidden = !nextShared;
  showRole();
  refreshTabs();
  syncState();
  return true;
}

// ---- sending --------------------------------------------------------------------------------

function setStatus(row: HTMLElement, status: 'queued' | 'sent' | 'dropped') {
  row.dataset.status = status;
  const badge = row.querySelector('.badge');
  if (badge) badge.textContent = status;
}

function send(text: string) {
  if (!socket || text === '') return;
  const queued = currentState() !== 'open';
  const row = el(
    'li',
    { class: 'out', 'data-status': queued ? 'queued' : 'sent' },
    el('span', { class: 'dir' }, '→'),
    el('span', { class: 'text' }, text),
    el('span', { class: 'badge' }, queued ? 'queued' : 'sent'),
    el('time', {}, clock()),
  );
  prepend($('log'), row);
  // Noted before send(): a drop is reported synchronously from inside it.
  if (queued) pending.push({ data: text, row });
  socket.send(text);
}

$<HTMLFormElement>('send-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>('message');
  send(input.value);
  input.value = '';
});
// ---- requests -------------------------------------------------------------------------------

let api: Requests | undefined;
let asked = 0;
/** Aborts every request still pending. */
let aborts = new AbortController();

function ask(text: string) {
  if (!api || text === '') return;
  const n = ++asked;
  const timeout = Number($<HTMLInputElement>('request-timeout').value) || 5000;
  const status = el('span', { class: 'badge' }, currentState() === 'open' ? 'sent' : 'queued');
  const row = el(
    'li',
    { class: 'out', 'data-status': 'queued' },
    el('span', { class: 'dir' }, '?'),
    el('span', { class: 'text' }, `#${n} ${text}`),
    status,
    el('time', {}, clock()),
  );
  prepend($('requests'), row);
  const started = performance.now();
  const reconnects = socket?.stats.reconnects ?? 0;
  const settle = (outcome: string, kind: 'sent' | 'dropped') => {
    const ms = Math.round(performance.now() - started);
    status.textContent = `${outcome} · ${ms} ms`;
    row.dataset.status = kind;
  };
  // The demo server echoes what it gets: the echo, with the request's id, is the answer.
  api.request<{ text: string }>({ type: 'request', text }, { timeout, signal: aborts.signal }).then(
    // A reconnect while it waited: it went out again on the new connection (replayUnconfirmed).
    (reply) =>
      settle(
        `answer "${reply.text}"${(socket?.stats.reconnects ?? 0) > reconnects ? ' after a reconnect' : ''}`,
        'sent',
      ),
    (error: Error & { reason?: string }) =>
      settle(error.reason ? `${error.name} ${error.reason}` : error.name, 'dropped'),
  );
}

$<HTMLFormElement>('request-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>('request-text');
  ask(input.value);
  input.value = '';
});
$('request-abort').addEventListener('click', () => {
  aborts.abort();
  aborts = new AbortController();
});

let burst = 0;
$('send-burst').addEventListener('click', () => {
  for (let i = 0; i < 10; i++) send(`burst ${++burst}`);
});

// ---- faults ---------------------------------------------------------------------------------

async function fault(name: string, params: Record<string, string> = {}, label = name) {
  const out = $('fault-result');
  // On the timeline at the press, before the request: the close a fault causes can reach the
  // page before the server's answer does, and must not appear above its cause.
  marks.push({ t: Date.now(), kind: 'fault' });
  const row = timeline('fault', `${label}…`, { fault: name });
  const what = row.querySelector('.what') as HTMLElement;
  try {
    const res = await fetch(`/api/fault/${name}?${new URLSearchParams(params)}`, { method: 'POST' });
    const body = (await res.json()) as { message?: string; error?: string; status?: ServerStatus };
    out.textContent = body.message ?? body.error ?? '';
    out.dataset.ok = String(res.ok);
    what.textContent = res.ok ? `${label}: ${body.message}` : `${label} refused: ${body.error ?? res.status}`;
    row.dataset.ok = String(res.ok);
    if (body.status) renderServer(body.status);
  } catch (err) {
    out.textContent = `the server did not answer: ${(err as Error).message}`;
    out.dataset.ok = 'false';
    what.textContent = `${label}: the server did not answer`;
    row.dataset.ok = 'false';
  }
}

const value = (id: string) => $<HTMLInputElement>(id).value;
$('fault-drop').addEventListener('click', () => void fault('drop', {}, 'drop all'));
$('fault-black-hole').addEventListener(
  'click',
  () => void fault('black-hole', { seconds: value('black-hole-seconds') }, 'black-hole'),
);
$('fault-stop').addEventListener('click', () => void fault('stop', { seconds: value('stop-seconds') }, 'stop server'));
$('fault-close').addEventListener(
  'click',
  () => void fault('close', { code: value('close-code'), reason: value('close-reason') }, 'close with code'),
);
$('fault-slow').addEventListener('click', () => void fault('slow', { ms: value('slow-ms') }, 'slow pongs'));
$('fault-server-ping').addEventListener(
  'click',
  () => void fault('server-ping', { ms: value('server-ping-ms') }, 'server pings'),
);
$('fault-reset').addEventListener('click', () => void fault('reset', {}, 'clear faults'));

// ---- "Reload the page": the outbox ---------------------------------------------------------

/** What the page sent before "Reload the page" reloaded it (sessionStorage: this tab only). */
const BEFORE_RELOAD = 'heartbeat-ws demo: sent before the reload';
/** Those messages' rows in the log, by text, until their echo arrives. */
const fromBefore = new Map<string, HTMLElement>();
let fromBeforeCount = 0;

$('fault-reload').addEventListener('click', () => void reloadWhileDown());

async function reloadWhileDown() {
  if (!socket) return;
  // In shared mode too: the leader tab's socket keeps every tab's messages in the outbox. This
  // tab's page ends with the reload; the next leader (this tab's next page, or another tab that
  // takes the lead first) sends what it left, once.
  await fault('stop', { seconds: value('reload-seconds') }, 'stop server, then reload');
  // Until the page sees the connection go: a message written into it would only be replayed.
  for (let i = 0; i < 40 && currentState() === 'open'; i++) await new Promise((r) => setTimeout(r, 50));
  const texts = [1, 2, 3].map((i) => `before reload ${i} (${clock()})`);
  for (const text of texts) send(text);
  sessionStorage.setItem(BEFORE_RELOAD, JSON.stringify(texts));
  location.reload();
}

/** On load: what the page before queued, shown as waiting until its echo arrives. */
function showFromBefore(sharedMode: boolean) {
  const saved = sessionStorage.getItem(BEFORE_RELOAD);
  sessionStorage.removeItem(BEFORE_RELOAD);
  const texts = saved ? (JSON.parse(saved) as string[]) : [];
  if (texts.length === 0) return;
  for (const text of texts) {
    const row = el(
      'li',
      { class: 'out', 'data-status': 'queued', 'data-from': 'page before' },
      el('span', { class: 'dir' }, '→'),
      el('span', { class: 'text' }, text),
      el('span', { class: 'badge' }, 'left by the page before'),
      el('time', {}, clock()),
    );
    prepend($('log'), row);
    fromBefore.set(text, row);
  }
  fromBeforeCount = texts.length;
  // In shared mode the leader tab sends them: this page if it leads, else the tab that took the
  // lead when this one's page before ended. Their echoes reach every tab.
  const when = sharedMode ? "when the leader tab's connection opens" : "after this page's first open";
  timeline('fault', `reloaded: ${texts.length} messages the page before queued wait in the outbox, to go ${when}`, {
    fault: 'reload',
  });
}

/** An echo of a message the page before queued: it arrived. */
function arrivedFromBefore(text: string) {
  const row = fromBefore.get(text);
  if (!row) return;
  fromBefore.delete(text);
  setStatus(row, 'sent');
  if (fromBefore.size === 0)
    timeline('fault', `all ${fromBeforeCount} messages queued before the reload arrived, once`, { fault: 'reload' });
}

// ---- the server panel -----------------------------------------------------------------------

interface ServerStatus {
  now: number;
  wsUrl: string;
  endpoint: 'listening' | 'stopped' | 'black-hole';
  stoppedUntil: number | null;
  blackHoleUntil: number | null;
  live: number;
  total: number;
  frozen: number;
  pongDelay: number;
  serverPing: number;
  counts: { echoed: number; pongs: number; serverPings: number; acks: number; missedAcks: number; duplicates: number };
  log: string[];
}

function renderServer(s: ServerStatus) {
  const pill = $('srv-endpoint');
  const left = (until: number | null) => (until === null ? '' : ` ${Math.max(0, (until - s.now) / 1000).toFixed(1)} s`);
  pill.textContent =
    s.endpoint === 'stopped'
      ? `stopped${left(s.stoppedUntil)}`
      : s.endpoint === 'black-hole'
        ? `black-hole${left(s.blackHoleUntil)}`
        : 'listening';
  pill.dataset.state = s.endpoint;
  $('srv-live').textContent = String(s.live);
  $('srv-total').textContent = String(s.total);
  $('srv-frozen').textContent = String(s.frozen);
  $('srv-echoed').textContent = String(s.counts.echoed);
  $('srv-duplicates').textContent = String(s.counts.duplicates);
  $('srv-url').textContent = s.wsUrl;
  $('srv-delay').textContent = s.pongDelay > 0 ? `+${s.pongDelay} ms` : 'none';
  $('srv-ping').textContent = s.serverPing > 0 ? `every ${s.serverPing} ms (${s.counts.serverPings} sent)` : 'off';
  $('srv-acks').textContent = `${s.counts.acks} / ${s.counts.missedAcks}`;
  const list = $('srv-log');
  list.replaceChildren(
    ...s.log
      .slice()
      .reverse()
      .map((line) => el('li', {}, line)),
  );
}

async function pollServer() {
  try {
    const res = await fetch('/api/status', { cache: 'no-store' });
    renderServer((await res.json()) as ServerStatus);
  } catch {
    const pill = $('srv-endpoint');
    pill.textContent = 'unreachable';
    pill.dataset.state = 'stopped';
  }
}

// ---- the chart ------------------------------------------------------------------------------

const STATE_COLORS: Record<State | 'none', string> = {
  open: '#22c55e',
  connecting: '#f59e0b',
  reconnecting: '#60a5fa',
  closing: '#fb923c',
  closed: '#ef4444',
  none: '#334155',
};

/** Round ticks from 0 up to at least `max`: steps of 1, 2 or 5 × 10^n, about four of them. */
function ticks(max: number): number[] {
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((f) => f * power).find((v) => v >= rough) ?? 10 * power;
  const out = [0];
  while ((out.at(-1) as number) < max) out.push(Number((out.length * step).toPrecision(12)));
  return out;
}

const tickLabel = (v: number) => (v === 0 ? '0' : v >= 1000 ? `${v / 1000} s` : `${v} ms`);

function draw() {
  const canvas = $<HTMLCanvasElement>('chart');
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (w === 0 || h === 0) return;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);

  const now = Date.now();
  const shownMs = Math.min(WINDOW_MS, Math.max(20_000, Math.ceil((now - loadedAt) / 10_000) * 10_000));
  const t0 = now - shownMs;
  const left = 44;
  const band = 14;
  const bottom = h - band - 18;
  const top = 10;
  const x = (t: number) => left + ((t - t0) / shownMs) * (w - left - 6);
  const oldest = now - WINDOW_MS;
  while ((rtts[0]?.t ?? Infinity) < oldest - 5000) rtts.shift();
  while ((marks[0]?.t ?? Infinity) < oldest - 5000) marks.shift();
  while ((spans[1]?.t ?? Infinity) < oldest) spans.shift();

  const timeout = settings?.timeout ?? 1000;
  const grid = ticks(Math.max(timeout * 1.1, ...rtts.map((r) => r.rtt * 1.05), 50));
  const peak = grid.at(-1) as number;
  const y = (v: number) => bottom - (Math.min(v, peak) / peak) * (bottom - top);
  canvas.dataset.ticks = grid.join(',');

  // grid and axis labels
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#94a3b8';
  g.strokeStyle = 'rgba(148,163,184,0.15)';
  g.lineWidth = 1;
  for (const v of grid) {
    g.beginPath();
    g.moveTo(left, y(v) + 0.5);
    g.lineTo(w - 6, y(v) + 0.5);
    g.stroke();
    g.fillText(tickLabel(v), 2, y(v) + 4);
  }
  const every = shownMs <= 20_000 ? 5 : shownMs <= 40_000 ? 10 : 15;
  for (let s = 0; s <= shownMs / 1000; s += every)
    g.fillText(s === 0 ? 'now' : `-${s}s`, x(now - s * 1000) - (s === 0 ? 22 : 10), h - 3);

  // the heartbeat timeout: a pong later than this line is a dead link
  g.strokeStyle = '#f87171';
  g.setLineDash([5, 4]);
  g.beginPath();
  g.moveTo(left, y(timeout) + 0.5);
  g.lineTo(w - 6, y(timeout) + 0.5);
  g.stroke();
  g.setLineDash([]);

  // event markers
  for (const m of marks) {
    if (m.t < t0) continue;
    g.strokeStyle =
      m.kind === 'close' ? 'rgba(239,68,68,0.7)' : m.kind === 'open' ? 'rgba(34,197,94,0.45)' : 'rgba(250,204,21,0.8)';
    g.setLineDash(m.kind === 'fault' ? [2, 3] : []);
    g.beginPath();
    g.moveTo(x(m.t) + 0.5, top);
    g.lineTo(x(m.t) + 0.5, bottom);
    g.stroke();
  }
  g.setLineDash([]);

  // RTT line and dots: one line per connection, none across a reconnect (no pong flowed there)
  const shown = rtts.filter((r) => r.t >= t0);
  g.strokeStyle = 'rgba(167,139,250,0.6)';
  g.lineWidth = 1.5;
  let segments = 0;
  shown.forEach((r, i) => {
    if (i === 0 || shown[i - 1]?.conn !== r.conn) {
      if (i > 0) g.stroke();
      g.beginPath();
      g.moveTo(x(r.t), y(r.rtt));
      segments += 1;
    } else g.lineTo(x(r.t), y(r.rtt));
  });
  if (shown.length > 0) g.stroke();
  canvas.dataset.segments = String(segments);
  g.fillStyle = '#a78bfa';
  for (const r of shown) {
    g.beginPath();
    g.arc(x(r.t), y(r.rtt), 3, 0, Math.PI * 2);
    g.fill();
  }

  // the state band
  spans.forEach((span, i) => {
    const from = Math.max(span.t, t0);
    const to = spans[i + 1]?.t ?? now;
    g.fillStyle = STATE_COLORS[span.state];
    g.fillRect(x(from), bottom + 4, Math.max(1, x(to) - x(from)), band);
  });
}

// ---- the ticking parts ----------------------------------------------------------------------

/**
 * The header's retry chip. `retryCount` counts on after an open until the connection has been
 * up for `minUptime`; "open, retry 5" read like a bug, so while open the chip says when the
 * count resets instead, and it is hidden once there is nothing to say.
 */
function retryChip(uptime: number) {
  const chip = $('retry-chip');
  const retries = socket?.retryCount ?? 0;
  const text = $('retry');
  if (state === 'open' && retries > 0) {
    const left = Math.max(0, (settings?.minUptime ?? 0) - uptime);
    chip.dataset.phase = 'settling';
    $('retry-label').textContent = `${retries} ${retries === 1 ? 'retry' : 'retries'}, resets in`;
    text.textContent = `${(left / 1000).toFixed(1)} s`;
  } else if (state !== 'open' && retries > 0) {
    chip.dataset.phase = 'retrying';
    $('retry-label').textContent = 'retry';
    text.textContent = String(retries);
  } else {
    chip.dataset.phase = 'none';
  }
  chip.hidden = chip.dataset.phase === 'none';
}

function tick() {
  syncState();
  const since = (performance.now() - stateSince) / 1000;
  $('since').textContent = `${since.toFixed(1)} s`;
  $('pongs').textContent = String(pongs);
  $('server-pings').textContent = String(serverPings);
  $('drop-count').textContent = String(dropped);
  // The SDK's own counters, read the way a monitoring page would: one cheap snapshot a tick.
  const stats = socket?.stats;
  retryChip(stats?.uptime ?? 0);
  // The queue as the SDK holds it (stamped messages, so more bytes than the text typed), and
  // bufferedAmount, which adds what the socket itself has not sent yet.
  const queuedBytes = stats?.queuedBytes ?? 0;
  const buffered = socket?.bufferedAmount ?? 0;
  $('queue-count').textContent = String(stats?.queued ?? 0);
  $('queue-bytes').textContent = String(queuedBytes);
  $('buffered').textContent = String(buffered);
  $('buffered-socket').textContent = String(Math.max(0, buffered - queuedBytes));
  if (stats) {
    $('stat-attempts').textContent = String(stats.attempts);
    $('stat-reconnects').textContent = String(stats.reconnects);
    $('stat-rtt').textContent = stats.lastRtt < 0 ? '–' : `${stats.lastRtt} / ${Math.round(stats.averageRtt)} ms`;
    $('stat-uptime').textContent = `${(stats.uptime / 1000).toFixed(1)} s`;
  }
  const box = $('countdown');
  if (countdown && state === 'reconnecting') {
    const left = Math.max(0, countdown.until - performance.now());
    box.hidden = false;
    $('countdown-text').textContent = `retry ${countdown.attempt} in ${ms(left)}`;
    $('countdown-bar').style.width = `${countdown.total > 0 ? (left / countdown.total) * 100 : 0}%`;
  } else {
    box.hidden = true;
  }
  draw();
}

// ---- start ----------------------------------------------------------------------------------

let initialWsUrl = `ws://${location.hostname}:${Number(location.port || 80) + 1}/ws`;

async function start() {
  if (typeof HeartbeatWS === 'undefined') {
    const banner = $('load-error');
    banner.textContent =
      'dist/heartbeat-ws.umd.min.js did not load: run `npm run build` (npm run demo does it for you).';
    banner.hidden = false;
    return;
  }
  try {
    const res = await fetch('/api/config', { cache: 'no-store' });
    initialWsUrl = ((await res.json()) as { wsUrl: string }).wsUrl;
  } catch {
    // keep the guess: same host, the next port
  }
  const s = settingsFromQuery(initialWsUrl);
  fillForm(s);
  showFromBefore(s.shared);
  apply(s);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    apply(readForm());
  });
  $('reset-settings').addEventListener('click', () => fillForm({ ...DEFAULTS, url: initialWsUrl }));
  $('giveup-retry').addEventListener('click', () => {
    closeRequested = false;
    socket?.reconnect();
    syncState();
  });
  $('connect').addEventListener('click', () => {
    closeRequested = false;
    socket?.reconnect();
    syncState();
  });
  $('disconnect').addEventListener('click', () => {
    closeRequested = true;
    socket?.close(1000, 'closed from the page');
    syncState();
  });

  // For the browser console (and the tests): `demo.socket` is the page's current socket.
  (window as unknown as { demo: { readonly socket: Socket | undefined } }).demo = {
    get socket() {
      return socket;
    },
  };
  setInterval(tick, 100);
  // Tabs come and go without an event in this one: count them again every second.
  setInterval(refreshTabs, 1000);
  setInterval(() => void pollServer(), 500);
  void pollServer();
  tick();
}

void start();

import { type Clock, systemClock } from './env/clock';
import { browserLifecycle, type Lifecycle } from './env/lifecycle';
import { isData } from './queue';

/** What `send()` accepts, as for `WebSocket.send`. */
export type Data = string | ArrayBufferLike | Blob | ArrayBufferView;

/** Called before every attempt, so each one can carry a fresh token. */
export type UrlProvider = () => string | URL | Promise<string | URL>;

/** The constructor shape the socket needs: the browser's `WebSocket` or the `ws` package's. */
export interface WebSocketConstructor {
  new (url: string, protocols?: string | string[]): WebSocket;
}

/** What happens when `send()` would push the queue past one of its bounds. */
export type QueueOverflow = 'drop-newest' | 'drop-oldest';

/** Settings of the application-level heartbeat. */
export interface HeartbeatOptions {
  /**
   * Milliseconds between pings while open.
   * @default 25000
   */
  interval?: number;
  /**
   * Milliseconds after a ping without any inbound message (pong or other) before the connection
   * is declared dead and replaced.
   * @default 10000
   */
  timeout?: number;
  /**
   * What to send as a ping: a string or binary value, or a function returning one. `false` sends
   * nothing and only watches the line, for servers that ping the client themselves: every
   * `interval` ms it checks for traffic since the last check, and without any it waits
   * `timeout` ms more for a message; so the link is declared dead after between
   * `interval + timeout` and `2 × interval + timeout` ms of silence.
   * @default 'ping'
   */
  ping?: Data | (() => Data) | false;
  /**
   * Milliseconds a probe waits for an answer: the ping sent at once after a wake from sleep, on
   * return to a visible page, or when the network comes back (capped by `timeout`).
   * @default 3000
   */
  probeTimeout?: number;
  /**
   * Recognises the server's reply to a ping. Pongs are consumed, not delivered as `message`.
   * @default data => data === 'pong'
   */
  isPong?: (data: unknown) => boolean;
  /**
   * Recognises a ping sent by the server. Server pings are consumed, not delivered as `message`,
   * and answered with `serverPingReply`.
   * @default undefined (server pings are ordinary messages)
   */
  isServerPing?: (data: unknown) => boolean;
  /**
   * The answer to a server ping: a value, or a function of the ping returning one.
   * @default 'pong'
   */
  serverPingReply?: Data | ((data: unknown) => Data);
}

/** Options of {@link HeartbeatSocket}; every one is optional. */
export interface Options {
  /**
   * The WebSocket constructor to use; in Node < 22 pass the `ws` package's.
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor;
  /**
   * Milliseconds an attempt may stay CONNECTING (URL provider included) before it is abandoned
   * and retried. Also bounds how long `close()` waits for the closing handshake.
   * @default 10000
   */
  connectionTimeout?: number;
  /**
   * Milliseconds, base delay of the first retry.
   * @default 1000
   */
  minReconnectionDelay?: number;
  /**
   * Milliseconds, cap of any retry delay.
   * @default 30000
   */
  maxReconnectionDelay?: number;
  /**
   * Growth of the delay per failed attempt.
   * @default 2
   */
  reconnectionDelayGrowFactor?: number;
  /**
   * Share (0..1) of each delay that is randomised: delay = base × (1 − jitter × random()).
   * 1 is "full jitter", 0 turns randomisation off.
   * @default 1
   */
  jitter?: number;
  /**
   * Milliseconds a connection must stay open before the backoff resets.
   * @default 5000
   */
  minUptime?: number;
  /**
   * Failed attempts in a row before the socket gives up (readyState CLOSED; `reconnect()`
   * starts again).
   * @default Infinity
   */
  maxRetries?: number;
  /**
   * Outbound queue bound, in messages.
   * @default 10000
   */
  maxEnqueuedMessages?: number;
  /**
   * Outbound queue bound, in bytes (UTF-8 for strings).
   * @default 4194304 (4 MiB)
   */
  maxEnqueuedBytes?: number;
  /**
   * Which message gives way when the queue is full; either way a `drop` event reports it.
   * @default 'drop-newest'
   */
  queueOverflow?: QueueOverflow;
  /**
   * Do not connect until `reconnect()` is called.
   * @default false
   */
  startClosed?: boolean;
  /**
   * Asked on every close not requested by `close()`: return false to stay closed.
   * @default () => true
   */
  shouldReconnect?: (event: CloseEvent) => boolean;
  /**
   * At-least-once delivery across dead connections. Messages written to a connection stay
   * unconfirmed until the pong of a ping sent after them arrives (messages on one WebSocket
   * arrive in order, so the pong proves the server got everything before its ping). When the
   * connection dies, the unconfirmed ones are sent again first on the next one, before the
   * queue's backlog, in their original order. Needs `heartbeat` with a `ping`. The queue's
   * bounds also bound the unconfirmed messages; one pushed out fires `drop` (`unconfirmed`).
   * @default false
   */
  replayUnconfirmed?: boolean;
  /**
   * Rewrites each message once, when `send()` is called, with its sequence number (1, 2, …, per
   * socket): put an id in it so the server can drop the duplicates that replay may cause.
   * @default undefined (messages are sent as given)
   */
  stamp?: (data: Data, seq: number) => Data;
  /**
   * `true` or settings to turn the heartbeat on.
   * @default false
   */
  heartbeat?: boolean | HeartbeatOptions;
  /**
   * Log what the socket does to `console.debug` (URLs without their query string).
   * @default false
   */
  debug?: boolean;
  /**
   * The page's hooks: online/offline, visibility, resume, back/forward cache. `false` turns them
   * off; a function supplies your own (React Native, workers, tests), see `Lifecycle`.
   * @default browserLifecycle (installs nothing where there is no `window`)
   */
  lifecycle?: Lifecycle | false;
  /**
   * The time source for every timer.
   * @default the global timers and Date.now
   */
  clock?: Clock;
  /**
   * Random source in [0, 1) for the jitter.
   * @default Math.random
   */
  random?: () => number;
}

/** Heartbeat settings after defaults and validation. */
export interface ResolvedHeartbeat {
  interval: number;
  timeout: number;
  probeTimeout: number;
  ping: Data | (() => Data) | false;
  isPong: (data: unknown) => boolean;
  isServerPing: ((data: unknown) => boolean) | undefined;
  serverPingReply: Data | ((data: unknown) => Data);
}

/** Options after defaults and validation: what the parts of the socket read. */
export interface Resolved {
  WebSocket: WebSocketConstructor;
  connectionTimeout: number;
  minReconnectionDelay: number;
  maxReconnectionDelay: number;
  reconnectionDelayGrowFactor: number;
  jitter: number;
  minUptime: number;
  maxRetries: number;
  maxEnqueuedMessages: number;
  maxEnqueuedBytes: number;
  queueOverflow: QueueOverflow;
  startClosed: boolean;
  replayUnconfirmed: boolean;
  stamp: ((data: Data, seq: number) => Data) | undefined;
  shouldReconnect: (event: CloseEvent) => boolean;
  heartbeat: ResolvedHeartbeat | undefined;
  debug: boolean;
  lifecycle: Lifecycle | false;
  clock: Clock;
  random: () => number;
}

/** The defaults, one place; the README's options table is checked against it. */
export const DEFAULTS = {
  connectionTimeout: 10_000,
  minReconnectionDelay: 1_000,
  maxReconnectionDelay: 30_000,
  reconnectionDelayGrowFactor: 2,
  jitter: 1,
  minUptime: 5_000,
  maxRetries: Number.POSITIVE_INFINITY,
  maxEnqueuedMessages: 10_000,
  maxEnqueuedBytes: 4 * 1024 * 1024,
  queueOverflow: 'drop-newest' as QueueOverflow,
  startClosed: false,
  replayUnconfirmed: false,
  debug: false,
  heartbeat: {
    interval: 25_000,
    timeout: 10_000,
    probeTimeout: 3_000,
    ping: 'ping' as Data | (() => Data) | false,
    serverPingReply: 'pong' as Data | ((data: unknown) => Data),
  },
};

/** The rules numeric options follow: what they must be, and the test. */
const RULES: [string, (v: number) => boolean][] = [
  ['a number ≥ 0', (v) => v >= 0],
  ['a positive finite number', (v) => v > 0 && v < Number.POSITIVE_INFINITY],
  ['a number from 0 to 1', (v) => v >= 0 && v <= 1],
  ['a number ≥ 1', (v) => v >= 1],
];

/** Which rule each numeric option follows (index into RULES). */
const NUMERIC = {
  connectionTimeout: 1,
  minReconnectionDelay: 0,
  maxReconnectionDelay: 0,
  reconnectionDelayGrowFactor: 3,
  jitter: 2,
  minUptime: 0,
  maxRetries: 0,
  maxEnqueuedMessages: 0,
  maxEnqueuedBytes: 0,
  interval: 1,
  timeout: 1,
  probeTimeout: 1,
};

const describe = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : typeof value === 'function' ? 'a function' : String(value);

const fail = (Kind: typeof TypeError, name: string, expected: string, got: unknown): never => {
  throw new Kind(`heartbeat-ws: options.${name} must be ${expected}, got ${describe(got)}`);
};

/**
 * Copies `input` over `defaults`, checking each given value by the type of its default: numbers
 * by their rule, booleans, functions, and the heartbeat's data-or-function fields.
 */
function fill<T extends object>(defaults: T, input: object, prefix: string): T {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || !(key in out)) continue;
    const name = prefix + key;
    const fallback = out[key];
    const rule = RULES[(NUMERIC as Record<string, number>)[key] ?? -1];
    if (rule) {
      if (typeof value !== 'number' || Number.isNaN(value)) fail(TypeError, name, rule[0], value);
      if (!rule[1](value)) fail(RangeError, name, rule[0], value);
    } else if (typeof fallback === 'boolean') {
      if (typeof value !== 'boolean') fail(TypeError, name, 'true or false', value);
    } else if (key === 'queueOverflow') {
      if (!/^drop-(newest|oldest)$/.test(value as string)) fail(TypeError, name, '"drop-newest" or "drop-oldest"', value);
    } else if (typeof value !== 'function' && (key === 'ping' ? value !== false && !isData(value) : key === 'lifecycle' ? value !== false : key !== 'serverPingReply' || !isData(value))) {
      fail(TypeError, name, key === 'ping' ? 'data, a function or false' : key === 'serverPingReply' ? 'data or a function' : key === 'lifecycle' ? 'a function or false' : 'a function', value);
    }
    out[key] = value;
  }
  return out as T;
}

/**
 * Fills defaults and validates every option once, at construction: a mistake throws here with
 * the option's name, never later from a timer.
 */
export function resolveOptions(options: Options | undefined): Resolved {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') fail(TypeError, '', 'an object', options);
  const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof WS !== 'function') {
    fail(TypeError, 'WebSocket', "a WebSocket constructor (none is global here: in Node < 22 pass the `ws` package's)", WS);
  }
  const clock = options.clock ?? systemClock;
  if (typeof clock?.now !== 'function' || typeof clock.setTimeout !== 'function' || typeof clock.clearTimeout !== 'function') {
    fail(TypeError, 'clock', 'a { now, setTimeout, clearTimeout } object', clock);
  }
  const { heartbeat: hbDefaults, ...defaults } = DEFAULTS;
  const o = fill(
    {
      ...defaults,
      maxReconnectionDelay: Math.max(defaults.maxReconnectionDelay, options.minReconnectionDelay ?? 0),
      shouldReconnect: (() => true) as Resolved['shouldReconnect'],
      lifecycle: browserLifecycle as Lifecycle | false,
      stamp: undefined as Resolved['stamp'],
      random: Math.random,
    },
    options,
    '',
  );
  if (o.maxReconnectionDelay < o.minReconnectionDelay) {
    fail(RangeError, 'maxReconnectionDelay', `≥ minReconnectionDelay (${o.minReconnectionDelay})`, o.maxReconnectionDelay);
  }
  const hb = options.heartbeat;
  if (hb !== undefined && typeof hb !== 'boolean' && (typeof hb !== 'object' || hb === null)) {
    fail(TypeError, 'heartbeat', 'a boolean or an object', hb);
  }
  if (o.replayUnconfirmed && (!hb || (typeof hb === 'object' && hb.ping === false))) {
    fail(TypeError, 'replayUnconfirmed', 'used with a heartbeat that pings (its pongs confirm delivery)', true);
  }
  return {
    ...o,
    WebSocket: WS as WebSocketConstructor,
    clock,
    heartbeat: hb
      ? fill(
          { ...hbDefaults, isPong: (data: unknown) => data === 'pong', isServerPing: undefined } as ResolvedHeartbeat,
          hb === true ? {} : hb,
          'heartbeat.',
        )
      : undefined,
  };
}

import { type Data, isData } from './data';
import { type Clock, systemClock } from './env/clock';
import { browserLifecycle, type Lifecycle } from './env/lifecycle';
import { warnUnknown } from './dev';
import { fail } from './fail';
import type { JsonPattern } from './match';
import type { Outbox } from './keeper';
import type { QueueOverflow } from './queue';

/**
 * What the socket uses of a WebSocket instance. Structural, so that the browser's, the `ws`
 * package's, undici's and React Native's all fit, whatever their own event types.
 */
export interface WebSocketLikeInstance {
  readonly readyState: number;
  // Optional: React Native's declares none of these four.
  readonly protocol?: string;
  readonly extensions?: string;
  readonly bufferedAmount?: number;
  binaryType?: string;
  // Methods, not function-typed properties: their parameters compare bivariantly, so each
  // implementation's own data and event types fit.
  send(data: never): void;
  close(code?: number, reason?: string): void;
  /**
   * Called with 'open', 'message', 'close' and 'error'. The type is `never` so that any
   * declaration fits: React Native's is one signature per event type, which no union matches.
   */
  addEventListener(type: never, listener: (event: unknown) => void): void;
}

/**
 * A WebSocket constructor: the browser's `WebSocket`, the `ws` package's, undici's, React
 * Native's, or your own; each passes as `options.WebSocket` without a cast.
 */
export type WebSocketLike = new (url: string, protocols?: string | string[]) => WebSocketLikeInstance;

/** The former name of {@link WebSocketLike}. */
export type WebSocketConstructor = WebSocketLike;

/**
 * Recognises a heartbeat message: a function of the message's data, or a {@link JsonPattern}
 * that a text message matches when it is JSON with those fields (`{ type: 'pong' }`).
 */
export type Recogniser = ((data: unknown) => boolean) | JsonPattern;

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
   * What to send as a ping: a string or binary value, a plain object (sent as its JSON), or a
   * function returning one of those. `false` sends
   * nothing and only watches the line, for servers that ping the client themselves: every
   * `interval` ms it checks for traffic since the last check, and without any it waits
   * `timeout` ms more for a message; so the link is declared dead after `interval + timeout` ms
   * of silence (later where the page's timers are held back: see docs/lifecycle.md).
   * @default 'ping'
   */
  ping?: Data | JsonPattern | (() => Data | JsonPattern) | false;
  /**
   * Milliseconds a probe waits for an answer: the ping sent at once after a wake from sleep, on
   * return to a visible page, or when the network comes back (capped by `timeout`).
   * @default 3000
   */
  probeTimeout?: number;
  /**
   * Recognises the server's reply to a ping: a function, or a plain object that a JSON text
   * message matches when it has those fields (`{ type: 'pong' }`). Pongs are consumed, not
   * delivered as `message`. A function that throws is "no match" (and reported).
   * @default data => data === 'pong'
   */
  isPong?: Recogniser;
  /**
   * Recognises a ping sent by the server, as `isPong` does a pong (`{ type: 'heartbeat' }`).
   * Server pings are consumed, not delivered as `message`, and answered with `serverPingReply`.
   * @default undefined (server pings are ordinary messages)
   */
  isServerPing?: Recogniser;
  /**
   * The answer to a server ping: a value, a plain object (sent as its JSON), or a function of
   * the ping returning one of those.
   * @default 'pong'
   */
  serverPingReply?: Data | JsonPattern | ((data: unknown) => Data | JsonPattern);
}

/** Options of {@link HeartbeatSocket}; every one is optional. */
export interface Options {
  /**
   * The WebSocket constructor to use; in Node < 22 pass the `ws` package's.
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketLike;
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
   * Retries after failed attempts in a row before the socket gives up (readyState CLOSED;
   * `reconnect()` starts again): `2` gives up after three failed attempts, `0` after the first. A whole number.
   * @default Infinity
   */
  maxRetries?: number;
  /**
   * Outbound queue bound, in messages: a whole number.
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
   * Asked on every close not requested by `close()`: return false to stay closed (a `giveup`
   * event follows). One that throws counts as true (and is reported).
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
   * socket): put an id in it so the server can drop the duplicates that replay may cause. One
   * that throws leaves the message as given (and is reported).
   * @default undefined (messages are sent as given)
   */
  stamp?: (data: Data, seq: number) => Data;
  /**
   * Where the queue (and, with `replayUnconfirmed`, the unconfirmed messages) is kept beyond
   * this page: `indexedDbOutbox(name)` of `heartbeat-ws/outbox` keeps it in IndexedDB, and the
   * next socket with the same outbox name sends what this page left (see docs/outbox.md). The
   * first attempt waits until the outbox has handed over what earlier pages left.
   * @default undefined (the queue lives in memory only)
   */
  outbox?: Outbox;
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
  /** Plain objects are JSON text by now. */
  ping: Data | (() => Data) | false;
  isPong: Recogniser;
  isServerPing: Recogniser | undefined;
  serverPingReply: Data | ((data: unknown) => Data);
}

/** Options after defaults and validation: what the parts of the socket read. */
export interface Resolved {
  WebSocket: WebSocketLike;
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
  outbox: Outbox | undefined;
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
  maxRetries: Infinity,
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

/** What a value must be, in words for the error message, and the test. */
// A rule tests a value of any shape the user passed, before it is known to be anything.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Rule = [expected: string, test: (value: any) => unknown];

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

/**
 * A function or a plain object with a field (one without a prototype, or of another realm, too):
 * a RegExp, Map, Date, array or class instance may have no own fields to match, and `{}` has
 * none, so as a pattern it would match every JSON message and swallow it.
 */
const RECOGNISER: Rule = [
  'a function or a plain object with a field',
  (v) => {
    // A plain object's prototype is null, or some realm's Object.prototype (whose own is null).
    const proto = Object(v) === v && Object.getPrototypeOf(v);
    return isFunction(v) || ((proto === null || (proto && !Object.getPrototypeOf(proto))) && Object.keys(v).length);
  },
];

const POSITIVE: Rule = ['a positive finite number', (v) => v > 0 && v < Infinity];
/** A count: Infinity % 1 is NaN, a fraction's is not 0. */
const COUNT: Rule = ['a whole number >= 0', (v) => v >= 0 && !(v % 1)];

/**
 * The rule of every option whose default does not tell it. The others follow their default's
 * type: a number ≥ 0, true or false, or a function.
 */
const RULES: Record<string, Rule> = {
  // A constructor: `new` of a Proxy of it, whose trap answers (nothing of it runs), else
  // a factory such as `() => new WebSocket(url)` would fail every attempt with "is not a
  // constructor". Not Reflect.construct(Object, [], v): V8 then caches a map for `v`'s instances
  // made by Object, and every WebSocket of the `ws` package took 3 kB more (8.2 -> 11.2 kB a
  // client, test/bench/heap-probe.mts).
  WebSocket: [
    "a WebSocket constructor (none in Node < 22: pass the ws package's), not a factory",
    (v) => {
      try {
        return new new Proxy(v, { construct: () => v })();
      } catch {
        // Not a constructor: undefined.
      }
    },
  ],
  clock: [
    'a { now, setTimeout, clearTimeout } object',
    (v) => isFunction(v?.now) && isFunction(v.setTimeout) && isFunction(v.clearTimeout),
  ],
  connectionTimeout: POSITIVE,
  maxRetries: COUNT,
  maxEnqueuedMessages: COUNT,
  interval: POSITIVE,
  timeout: POSITIVE,
  probeTimeout: POSITIVE,
  jitter: ['a number from 0 to 1', (v) => v >= 0 && v <= 1],
  reconnectionDelayGrowFactor: ['a number >= 1', (v) => v >= 1],
  queueOverflow: ['"drop-newest" or "drop-oldest"', (v) => v === 'drop-newest' || v === 'drop-oldest'],
  heartbeat: ['a boolean or an object', (v) => typeof v === 'boolean' || (typeof v === 'object' && v !== null)],
  lifecycle: ['a function or false', (v) => v === false || isFunction(v)],
  outbox: ['indexedDbOutbox(name) or another outbox', (v) => isFunction(v?.attach)],
  // A plain object goes out as its JSON; binary data is an object too.
  // Binary data is an object too: any object passes, a plain one is sent as JSON.
  ping: ['data, a plain object, a function or false', (v) => v === false || typeof v === 'string' || Object(v) === v],
  serverPingReply: ['data, a plain object or a function', (v) => typeof v === 'string' || Object(v) === v],
  isPong: RECOGNISER,
  isServerPing: RECOGNISER,
};

/**
 * Throws unless `value` follows the rule of option `key`, whose default is `fallback`: a
 * TypeError, or a RangeError for a number out of range.
 */
function check(key: string, value: unknown, fallback?: unknown, prefix = 'options.'): void {
  const numeric = typeof fallback === 'number';
  const [expected, test] =
    RULES[key] ??
    (numeric
      ? (['a number >= 0', (v: number) => v >= 0] as Rule)
      : typeof fallback === 'boolean'
        ? ['true or false', (v: unknown) => typeof v === 'boolean']
        : ['a function', isFunction]);
  // `value === value` rules out NaN: a non-number, NaN included, is a TypeError.
  if (numeric && !(typeof value === 'number' && value === value)) fail(TypeError, prefix + key, expected, value);
  if (!test(value)) fail(numeric ? RangeError : TypeError, prefix + key, expected, value);
}

/**
 * Copies the given values of `input` over `defaults`, checking each; other keys are ignored (a
 * development build names them: src/dev.ts).
 */
function fill<T extends object>(defaults: T, input: object, prefix?: string): T {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    // Own keys only: `constructor` or `__proto__` (options parsed from JSON) is no option.
    if (value === undefined || !Object.hasOwn(out, key)) continue;
    check(key, value, out[key], prefix);
    out[key] = value;
  }
  return out as T;
}

/**
 * Fills defaults and validates every option once, at construction: a mistake throws here with
 * the option's name, never later from a timer.
 */
export function resolveOptions(options: Options | undefined): Resolved {
  options ??= {};
  if (typeof options !== 'object') fail(TypeError, 'options', 'an object', options);
  const o = fill(
    {
      ...DEFAULTS,
      maxReconnectionDelay: Math.max(DEFAULTS.maxReconnectionDelay, options.minReconnectionDelay ?? 0),
      heartbeat: false as boolean | HeartbeatOptions,
      WebSocket: undefined as unknown as WebSocketLike,
      clock: systemClock,
      shouldReconnect: (() => true) as Resolved['shouldReconnect'],
      lifecycle: browserLifecycle as Lifecycle | false,
      stamp: undefined as Resolved['stamp'],
      outbox: undefined as Resolved['outbox'],
      random: Math.random,
    },
    // null, too, means the default for these two.
    {
      ...options,
      // Without a global WebSocket (Node < 22) the default itself fails, with the fix-it message.
      WebSocket: options.WebSocket ?? (globalThis as { WebSocket?: WebSocketLike }).WebSocket ?? null,
      clock: options.clock ?? systemClock,
    },
  );
  // Only two explicit values can contradict each other: a max alone below the default min caps
  // every delay (the delay is min(max, min × growth^n)), as in reconnecting-websocket; the
  // default max follows a min alone above it.
  if (o.maxReconnectionDelay < (options.minReconnectionDelay ?? 0)) {
    fail(
      RangeError,
      'options.maxReconnectionDelay',
      `>= minReconnectionDelay (${o.minReconnectionDelay})`,
      o.maxReconnectionDelay,
    );
  }
  const hb = o.heartbeat;
  if (o.replayUnconfirmed && (!hb || (hb as HeartbeatOptions).ping === false)) {
    fail(TypeError, 'options.replayUnconfirmed', 'used with a heartbeat that pings', true);
  }
  // Object.entries(true) is empty: `heartbeat: true` takes every default.
  const h =
    hb &&
    fill(
      {
        ...DEFAULTS.heartbeat,
        isPong: (data: unknown) => data === 'pong',
        isServerPing: undefined,
      } as ResolvedHeartbeat,
      hb as object,
      'options.heartbeat.',
    );
  // Development builds name what they do not know; production builds carry none of it (the
  // guard is explained in src/dev.ts). The resolved `o` has every option's name.
  try {
    if (process.env.NODE_ENV !== 'production') warnUnknown(options, o, DEFAULTS.heartbeat);
  } catch {
    warnUnknown(options, o, DEFAULTS.heartbeat);
  }
  // A plain object ping or reply is JSON text from here on: stringified once, not per send.
  for (const key of ['ping', 'serverPingReply'] as const) {
    const value = h && h[key];
    if (typeof value === 'object' && !isData(value))
      (h as unknown as Record<string, unknown>)[key] = JSON.stringify(value);
  }
  return { ...o, heartbeat: h || undefined };
}

/** Replaced by bundlers (src/dev.ts); absent from a page without one. */
declare const process: { env: { NODE_ENV?: string } };

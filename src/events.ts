import type { Clock } from './env/clock';
import type { Data } from './options';
import type { DropReason } from './queue';

/** `detail` of the `reconnecting` event: retry number `attempt` starts in `delay` ms. */
export interface ReconnectingDetail {
  /** Retry number since the last stable connection (1, 2, …); 0 while offline (not counted). */
  attempt: number;
  /** Milliseconds until the attempt starts. */
  delay: number;
}

/** `detail` of the `heartbeat` event: a pong arrived `rtt` ms after its ping. */
export interface HeartbeatDetail {
  /** Milliseconds from the ping to its pong. */
  rtt: number;
}

/** `detail` of the `drop` event: a message that will not be sent, and why. */
export interface DropDetail {
  /** The message, as given to `send()` (after `stamp`). */
  data: Data;
  /** `overflow` (queue bound), `cleared` (`clearQueue()`), `unconfirmed` (replay buffer bound). */
  reason: DropReason;
}

/** Why the socket gave up: `maxRetries` were spent, or `shouldReconnect` said no. */
export type GiveUpReason = 'maxRetries' | 'shouldReconnect';

/** `detail` of the `giveup` event: the socket stays CLOSED until `reconnect()`. */
export interface GiveUpDetail {
  /** Which rule ended it. */
  reason: GiveUpReason;
  /** The close that ended the last connection or attempt (also dispatched as `close`). */
  close: CloseEvent;
}

/** Every event a {@link HeartbeatSocket} dispatches, by type. */
export interface HeartbeatSocketEventMap {
  /** A connection opened. */
  open: Event;
  /** A message arrived (pongs and server pings excepted). */
  message: MessageEvent;
  /** A connection or attempt ended. */
  close: CloseEvent;
  /**
   * The socket reported an error, an attempt timed out (`message` 'TIMEOUT'), or the URL provider
   * or the WebSocket constructor failed; `error` and `message` carry the cause where it is known.
   */
  error: ErrorEvent;
  /** A retry is scheduled. */
  reconnecting: CustomEvent<ReconnectingDetail>;
  /** A pong arrived. */
  heartbeat: CustomEvent<HeartbeatDetail>;
  /** A message will not be sent. */
  drop: CustomEvent<DropDetail>;
  /** No retry follows: `maxRetries` spent or `shouldReconnect` said no. */
  giveup: CustomEvent<GiveUpDetail>;
}

const g = globalThis as unknown as Record<string, typeof Event | undefined>;

/**
 * The runtime's own `Kind` event class where there is one (browsers, jsdom; Node ≥ 23 for
 * CloseEvent, none for ErrorEvent), else an Event carrying the same fields.
 */
const make = <E extends Event>(Kind: string, type: string, init: object): E => {
  const Class = g[Kind];
  return (Class ? new Class(type, init) : Object.assign(new Event(type), init)) as E;
};

/** Creates a `close` event. */
export const closeEvent = (code: number, reason: string, wasClean = true): CloseEvent =>
  make('CloseEvent', 'close', { code, reason, wasClean });

/**
 * Creates an `error` event carrying its cause, as reconnecting-websocket's do: `error`, and its
 * `message` ('' when the cause is unknown, as in browsers, which tell none).
 */
export const errorEvent = (error?: unknown): ErrorEvent =>
  make('ErrorEvent', 'error', { error, message: (error as Error | undefined)?.message ?? '' });

/** Creates one of the socket's CustomEvents (global in browsers and Node ≥ 19). */
export const customEvent = <T>(type: string, detail: T): CustomEvent<T> => new CustomEvent(type, { detail });

/**
 * Calls the user's `fn` with `args`, or returns `fn` itself when it is not a function (an option
 * given as a value); a throw reads as `undefined`, so user code never breaks the socket's own
 * bookkeeping.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Guard = <T>(fn: ((...args: any[]) => T) | T | undefined, ...args: unknown[]) => T | undefined;

type Guarded = { name: string };

/**
 * A guard for the callback options (recognisers, ping and reply functions, `shouldReconnect`,
 * `stamp`, a lifecycle's uninstaller): a throw is logged to `console.error`, never thrown, since
 * one that runs on every message (`JSON.parse` of a server's non-JSON chatter) must neither crash
 * the host nor flood its log: at most one report per 10 s per socket. Not an `error` event: apps
 * read those as connection trouble.
 */
export const guard = (clock: Clock): Guard => {
  let quiet = -Infinity;
  return (fn, ...args) => {
    try {
      return typeof fn === 'function' ? (fn as (...args: unknown[]) => never)(...args) : fn;
    } catch (error) {
      if (clock.now() >= quiet) {
        quiet = clock.now() + 1e4;
        console.error('[heartbeat-ws]', (fn as Guarded).name, 'threw', error);
      }
    }
  };
};

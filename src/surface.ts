/**
 * What a socket looks like from outside, shared by `HeartbeatSocket` and
 * the tab-sharing socket: WebSocket's constants and `on…` handlers, the typed-event
 * `EventTarget` base, the event factories, `statechange`, and the checks `close()` makes.
 */
import { byteLength } from './data';
import { fail } from './fail';

/** `WebSocket.readyState`: CONNECTING 0, OPEN 1, CLOSING 2, CLOSED 3. */
export type ReadyState = 0 | 1 | 2 | 3;

/** A finer `readyState`: `reconnecting` is the wait for a backoff delay. */
export type SocketState = 'connecting' | 'open' | 'closing' | 'closed' | 'reconnecting';

/** `detail` of the `statechange` event: `state` is the socket's new state. */
export interface StateChangeDetail {
  /** The state now, as `socket.state` reads. */
  state: SocketState;
  /** The state before this change. */
  previous: SocketState;
}

/**
 * An `on…` property's value: called with the event, `this` being the socket; or null. No `this`
 * parameter, so that a socket is assignable where a DOM `WebSocket` (whose handlers take
 * `this: WebSocket`) is expected; `socket.onopen = function () {…}` still types `this` as the
 * socket, from the assignment.
 */
export type EventHandler<E extends Event> = ((event: E) => unknown) | null;

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

/**
 * WebSocket's side of both sockets: the four `readyState` constants on the class and the
 * instance, the `on…` handlers, and `addEventListener` typed by the event map `M` (see the
 * interface of the same name below).
 */
// The interface of the same name below adds the typed addEventListener overloads; M is used there.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-unused-vars
export class Surface<M> extends EventTarget {
  /** `readyState` while an attempt is under way or a retry is scheduled. */
  static readonly CONNECTING = CONNECTING;
  /** `readyState` while connected. */
  static readonly OPEN = OPEN;
  /** `readyState` during the closing handshake of `close()`. */
  static readonly CLOSING = CLOSING;
  /** `readyState` after `close()`, after giving up, or with `startClosed`. */
  static readonly CLOSED = CLOSED;
  /** As {@link Surface.CONNECTING}. */
  readonly CONNECTING = CONNECTING;
  /** As {@link Surface.OPEN}. */
  readonly OPEN = OPEN;
  /** As {@link Surface.CLOSING}. */
  readonly CLOSING = CLOSING;
  /** As {@link Surface.CLOSED}. */
  readonly CLOSED = CLOSED;

  /** Called before the `open` listeners. */
  onopen: EventHandler<Event> = null;
  /** Called before the `message` listeners. */
  onmessage: EventHandler<MessageEvent> = null;
  /** Called before the `close` listeners. */
  onclose: EventHandler<CloseEvent> = null;
  /**
   * Called before the `error` listeners. Typed with `Event`, as WebSocket's is, so the socket
   * fits where a WebSocket is expected; the event carries `message` and `error` where the cause
   * is known (see the `error` entry of the socket's event map).
   */
  onerror: EventHandler<Event> = null;
}

export interface Surface<M> {
  /** Typed for the socket's own events (see its event map), as on EventTarget. */
  addEventListener<K extends keyof M>(
    type: K,
    listener: (this: this, event: M[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Any other event type, as on EventTarget. */
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Removes a listener added for one of the socket's own events. */
  removeEventListener<K extends keyof M>(
    type: K,
    listener: (this: this, event: M[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  /** Removes a listener of any other event type. */
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
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

/** An abnormal close (1006) for a connection or attempt that ended without a close frame. */
export const abnormal = (why: string): CloseEvent => closeEvent(1006, why, false);

/**
 * Creates an `error` event carrying its cause, as reconnecting-websocket's do: `error`, and its
 * `message` ('' when the cause is unknown, as in browsers, which tell none).
 */
export const errorEvent = (error?: unknown, message = (error as Error | undefined)?.message ?? ''): ErrorEvent =>
  make('ErrorEvent', 'error', { error, message });

/** What `Reflect.construct` takes as `new.target`. */
type NewTarget = new () => unknown;

/**
 * Per origin, the `new.target` whose prototype gives its message events their origin (see
 * {@link messageEvent}), or false where that does not hold. One entry per server origin a page
 * talks to (`ws(s)://host:port`).
 */
const messageKinds: Record<string, NewTarget | false> = Object.create(null);

const build = (Kind: NewTarget, data: unknown): MessageEvent =>
  Reflect.construct(MessageEvent, ['message', { data }], Kind) as MessageEvent;

/** The `new.target` for messages of `origin`, or false where its origin would not read back. */
const kindOf = (origin: string): NewTarget | false => {
  // A function, not an arrow: only a constructor can be `new.target`. It uses `this` so that
  // terser's unsafe_arrows (rollup.config.js) leaves it one; it is never called.
  const Kind = function (this: unknown) {
    return this;
  } as unknown as NewTarget;
  Kind.prototype = Object.create(MessageEvent.prototype, { origin: { get: () => origin, enumerable: true } });
  try {
    return build(Kind, 0).origin === origin && Kind;
  } catch {
    return false;
  }
};

/**
 * Creates a `message` event: a real MessageEvent (with `data`, the default `lastEventId`, no
 * ports) whose `origin` is an enumerable getter of a prototype made once per origin, between the
 * event and `MessageEvent.prototype` (so `constructor` is still MessageEvent), not set in its
 * init: Chromium's constructor takes about 1.4 µs more a message with a non-empty origin in the
 * init (3.1 against 1.7 µs, unloaded), about the time the rest of the receive path takes; Gecko
 * builds an event of another `new.target` up to 1 µs slower, JavaScriptCore's `Reflect.construct`
 * about 0.3 µs slower than `new`. Where a MessageEvent does not take its origin from its
 * prototype (happy-dom's and other polyfills set an own property), and without an origin (Node's
 * `ws`), the origin goes in the init.
 */
export const messageEvent = (data: unknown, origin?: string): MessageEvent => {
  const Kind = origin ? (messageKinds[origin] ??= kindOf(origin)) : false;
  return Kind ? build(Kind, data) : new MessageEvent('message', { data, origin });
};

/** Creates one of the socket's CustomEvents (global in browsers and Node ≥ 19). */
export const customEvent = <T>(type: string, detail: T): CustomEvent<T> => new CustomEvent(type, { detail });

/** How a socket dispatches: see {@link emitter}. */
export interface Emitter {
  /** Tells `statechange` if the state moved, then dispatches `event`: `on…` first, then listeners. */
  emit(event: Event, ...why: unknown[]): void;
  /**
   * Tells `statechange` if the state moved since the last one told; truthy when a listener of it
   * moved the state on again.
   */
  sync(): unknown;
}

/**
 * Dispatches on `target`: the `on…` handler first, then the listeners, as in
 * reconnecting-websocket. A throwing handler is reported as uncaught (like a throwing listener)
 * and never breaks the caller. Before every event, and on `sync()`, a change of `state()` since
 * the last one told fires `statechange`, so it always comes before the `open` / `close` /
 * `reconnecting` event of the same change. `log` hears every event but `statechange` with `why` (never data).
 */
export function emitter(target: EventTarget, state: () => SocketState, log?: (...args: unknown[]) => void): Emitter {
  let shown = state();
  const dispatch = (event: Event): void => {
    try {
      (target as unknown as Record<string, EventHandler<Event>>)[`on${event.type}`]?.call(target, event);
    } catch (error) {
      // Reported outside this call, as the runtime reports a throwing listener (Node ends the
      // process, as it would for an EventTarget listener; a browser calls `window.onerror`).
      queueMicrotask(() => {
        throw error;
      });
    }
    target.dispatchEvent(event);
  };
  /** Truthy when a statechange listener moved the state on (close(), reconnect()). */
  const sync = (): unknown => {
    const previous = shown;
    const now = (shown = state());
    return now !== previous && (dispatch(customEvent('statechange', { state: now, previous })), shown !== now);
  };
  return {
    emit(event, ...why) {
      // A statechange listener that moved the state on decided instead: an `open` it overtook is
      // not dispatched, nor a `close` once its close() made one of its own. (After its
      // reconnect(), a connection that ended still gets its `close`, with readyState CONNECTING.)
      if (sync() && (event.type === 'open' || (event.type === 'close' && /^clos/.test(state())))) return;
      log?.(event.type, ...why);
      dispatch(event);
    },
    sync,
  };
}

/** The checks `WebSocket.close()` makes, so a bad code fails here and not on a later socket. */
export function checkClose(code: number, reason: string): void {
  if (code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
    fail(RangeError, 'close code', '1000 or 3000-4999', code);
  }
  const bytes = byteLength(String(reason));
  if (bytes > 123) fail(SyntaxError, 'close reason', '<= 123 bytes (UTF-8)', bytes);
}

import type { WebSocketLike } from './options';
import { CLOSED, OPEN } from './surface';
import { redact, type Target, urlOf } from './url';

/**
 * Milliseconds a new attempt waits at most for the sockets let go of to report `close` (capped
 * by `connectionTimeout`). A closing handshake is one round trip, and on a link still worth
 * waiting for that is well under a second even on a slow mobile network; a socket that takes
 * longer is ended without it (`terminate()` in Node), or given up on where it cannot be (browsers).
 */
export const LINGER = 1000;

/** What the attempts tell the socket that owns them, of its current underlying socket only. */
export interface AttemptHooks {
  /** The current socket opened. */
  opened(): void;
  /** A message arrived on it. */
  received(event: MessageEvent): void;
  /** It closed, without `detach()`. */
  ended(event: CloseEvent): void;
  /** It reported an error while open (or closing). */
  errored(error: unknown): void;
  /**
   * The attempt failed before opening: an error while CONNECTING, the connection timeout
   * (`Error('TIMEOUT')`), a URL provider or a constructor that threw.
   */
  failed(error: unknown, why: string): void;
  /** Logs what it does (`debug`). */
  log: ((...args: unknown[]) => void) | undefined;
}

/** One socket's underlying WebSockets, one at a time; see {@link attempts}. */
export interface Attempts {
  /** The current underlying socket, if any. */
  ws(): WebSocket | undefined;
  /** The URL of the current or last attempt ('' before a URL provider first answers). */
  address(): string;
  /**
   * Starts an attempt at the endpoint for `failures` failed ones, once the sockets let go of
   * have reported their close (or after LINGER ms, ending them): the server never sees two live
   * connections of this socket.
   */
  start(failures: number): void;
  /**
   * Lets go of the current socket (and of any attempt under way) at once: closes it, or with
   * `dead` ends it without a handshake a dead link would never answer, and returns it.
   */
  detach(dead?: boolean, code?: number, reason?: string): WebSocket | undefined;
  /** Ends every socket let go of for good, without waiting for their closing handshake. */
  release(): void;
  /** Attempts started (each underlying WebSocket, or URL provider call). */
  count(): number;
}

/** What the attempts need to know of the socket's options. */
export interface AttemptOptions {
  WebSocket: WebSocketLike;
  connectionTimeout: number;
}

/** The socket's one lifecycle timer: `fn` in `ms` ms replaces what was set; no `fn` clears it. */
export type Timer = (fn?: () => void, ms?: number) => void;

/**
 * Owns the underlying WebSockets of one socket: makes each attempt (through a URL provider if
 * need be; timed by `arm`, the socket's one lifecycle timer), wires its events, times it out, and keeps the sockets let go of until they have
 * closed, so that a new attempt never reaches the server while an older one is live there.
 */
export function attempts(
  target: Target,
  protocols: string[],
  o: AttemptOptions,
  binaryType: () => BinaryType,
  arm: Timer,
  hooks: AttemptHooks,
): Attempts {
  let ws: WebSocket | undefined;
  let url = typeof target === 'function' ? '' : (target[0] as string);
  /** Bumped whenever the attempt under way is let go of: late callbacks compare it. */
  let token = 0;
  /** Whether the current socket opened: an error before is the attempt's failure. */
  let opened = false;
  /**
   * Sockets let go of that have not reported their close yet (a dead one excepted): the server
   * may still count them, so the next attempt waits for them; `release()` ends them for good.
   * Made at the first (most sockets never let one go: an empty Set is about 250 B per socket).
   */
  let abandoned: Set<WebSocket> | undefined;
  /** The attempt waiting for `abandoned` to empty. */
  let waiting: (() => void) | undefined;
  let count = 0;

  const fail = (current: number, error: unknown, why: string): unknown =>
    current === token && (arm(), hooks.failed(error, why));

  const start = (failures: number): void => {
    const current = ++token;
    if (abandoned?.size) {
      waiting = () => start(failures);
      return arm(
        () => {
          release();
          abandoned?.clear();
          waiting = undefined;
          start(failures);
        },
        Math.min(o.connectionTimeout, LINGER),
      );
    }
    waiting = undefined;
    count++;
    // reconnecting-websocket's message, which code written for it may test.
    arm(() => fail(current, Error('TIMEOUT'), 'connection timeout'), o.connectionTimeout);
    const next = urlOf(target, failures);
    if (typeof next === 'string') return open(next, current);
    next.then(
      (answer) => current === token && open(answer, current),
      (error: unknown) => fail(current, error, 'url provider failed'),
    );
  };

  const open = (next: string, current: number): void => {
    url = next;
    hooks.log?.('connect', redact(url));
    opened = false;
    try {
      // Any WebSocketLike; typed as the DOM's for the members read below.
      ws = new o.WebSocket(next, protocols) as unknown as WebSocket;
    } catch (error) {
      // Deferred so that a failure inside the constructor still reaches listeners added after it.
      queueMicrotask(() => fail(current, error, 'constructor failed'));
      return;
    }
    ws.binaryType = binaryType();
    for (const type of EVENTS) ws.addEventListener(type, on);
  };

  // One listener for the four events of every socket made. It stays attached to abandoned
  // sockets: the `ws` package throws an unhandled 'error' without a listener (e.g. for a socket
  // closed while CONNECTING), and their `close` tells when they are really gone. Events of any
  // socket but the current one go no further, so no late event reaches the user.
  const on = (event: Event): void => {
    const type = event.type;
    const socket = event.target as WebSocket;
    if (socket !== ws) {
      // An attempt let go of while CONNECTING is not aborted: the server may have accepted it
      // already, and would see the abort only after the next attempt. It gets a closing
      // handshake once open, whose end the next attempt waits for.
      if (type === 'open') end(socket);
      // The last socket let go of is gone: the attempt waiting for it (if any) starts.
      else if (type === 'close' && abandoned?.delete(socket) && !abandoned.size) waiting?.();
    } else if (type === 'message') hooks.received(event as MessageEvent);
    else if (type === 'open') {
      arm();
      opened = true;
      hooks.opened();
    } else if (type === 'close') hooks.ended(event as CloseEvent);
    // error: passed on with its cause where the implementation gives one (the `ws` package,
    // undici). Before open it ends the attempt at once, as in reconnecting-websocket: browsers
    // and the `ws` package send `close` right after (the same 1006, no reason), but Node 20's
    // global WebSocket never does, and its socket is not waited for.
    else if (opened) hooks.errored((event as ErrorEvent).error);
    else fail(token, (event as ErrorEvent).error, '');
  };

  const detach = (dead?: boolean, code?: number, reason?: string): WebSocket | undefined => {
    const old = ws;
    token++;
    waiting = undefined;
    arm();
    if (old) {
      ws = undefined;
      end(old, dead, code, reason);
      // A dead link is not waited for: nothing would come (and the server cannot see it either).
      if (!dead && old.readyState !== CLOSED) (abandoned ??= new Set()).add(old);
    }
    return old;
  };

  const release = (): void => {
    if (abandoned) for (const old of abandoned) end(old, true);
  };

  // Methods, not getters: V8 keeps an object literal with accessors in dictionary mode (about
  // 500 B more per socket; bench heap-probe).
  return {
    ws: () => ws,
    address: () => url,
    count: () => count,
    start,
    detach,
    release,
  };
}

const EVENTS = ['open', 'message', 'close', 'error'];

/**
 * Ends a socket: `close(code, reason)` with a closing handshake once it is OPEN (a CONNECTING
 * one is closed when it opens, see `on`), or with `dead` at once, without a handshake, where the
 * implementation offers it (the `ws` package's `terminate()`): a dead link would never answer
 * one. Browsers have no such call, so there it is a `close()` and the browser's own timeout.
 */
const end = (ws: WebSocket, dead?: boolean, code?: number, reason?: string): void => {
  try {
    const kill = dead && (ws as WebSocket & { terminate?: () => void }).terminate;
    if (kill) kill.call(ws);
    else if (dead || ws.readyState === OPEN) ws.close(code, reason);
  } catch {
    // Closing is best effort: the socket is already out of our hands.
  }
};

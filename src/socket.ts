import { backoffDelay } from './backoff';
import type { LifecycleSignal } from './env/lifecycle';
import { closeEvent, customEvent, errorEvent, guard, type HeartbeatSocketEventMap } from './events';
import { type Heartbeat, heartbeat, MAX_PINGS } from './heartbeat';
import { type Data, fail, type Options, resolveOptions, type UrlProvider } from './options';
import { byteLength, type DropReason, isData, type Queue, queue as makeQueue } from './queue';

/** A finer `readyState`: `reconnecting` is the wait for a backoff delay. */
export type SocketState = 'connecting' | 'open' | 'closing' | 'closed' | 'reconnecting';

/** What the constructor accepts as `url`: one endpoint, a list to rotate through, or a provider. */
export type UrlInput = string | URL | readonly (string | URL)[] | UrlProvider;

/** A cheap snapshot of what a socket has been through; see {@link HeartbeatSocket.stats}. */
export interface SocketStats {
  /** Attempts started (each underlying WebSocket, or URL provider call). */
  attempts: number;
  /** Connections opened after the first one. */
  reconnects: number;
  /** Round-trip time of the last pong, in ms; -1 before the first. */
  lastRtt: number;
  /** Mean round-trip time of every pong, in ms; -1 before the first. */
  averageRtt: number;
  /** How long the current connection has been open, in ms; 0 when not open. */
  uptime: number;
  /** Messages waiting in the queue. */
  queued: number;
  /** Bytes waiting in the queue. */
  queuedBytes: number;
  /** Messages reported by `drop` events. */
  dropped: number;
  /** Messages written but not yet confirmed by a pong (with `replayUnconfirmed`). */
  unconfirmed: number;
}

/**
 * An `on…` property's value: called with the event, `this` being the socket; or null. No `this`
 * parameter, so that a HeartbeatSocket is assignable where a DOM `WebSocket` (whose handlers
 * take `this: WebSocket`) is expected; `socket.onopen = function () {…}` still types `this` as
 * the socket, from the assignment.
 */
export type EventHandler<E extends Event> = ((event: E) => unknown) | null;

const EVENTS = ['open', 'message', 'close', 'error'];

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
/** The wait for a retry: CONNECTING to `readyState`, `reconnecting` to `state`. */
const RECONNECTING = 4;

/** `WebSocket.readyState`: CONNECTING 0, OPEN 1, CLOSING 2, CLOSED 3. */
export type ReadyState = 0 | 1 | 2 | 3;

/**
 * Milliseconds a new attempt waits at most for the sockets let go of to report `close` (capped
 * by `connectionTimeout`). A closing handshake is one round trip, and on a link still worth
 * waiting for that is well under a second even on a slow mobile network; a socket that takes
 * longer is ended without it (`terminate()` in Node), or given up on where it cannot be (browsers).
 */
const LINGER = 1000;

/** A `readyState`, or RECONNECTING. */
type Phase = ReadyState | typeof RECONNECTING;

/** `state` by phase. */
const STATES: SocketState[] = ['connecting', 'open', 'closing', 'closed', 'reconnecting'];

/**
 * Parses a URL the way `new WebSocket(url)` does: `ws:`/`wss:`, with `http:`/`https:` mapped to
 * them and relative URLs resolved against the page; anything else is a SyntaxError.
 */
export function toWebSocketUrl(input: string | URL): string {
  const text = String(input);
  let url: URL | undefined;
  try {
    url = new URL(text, (globalThis as { location?: { href: string } }).location?.href);
    url.protocol = url.protocol.replace(/^http/, 'ws');
  } catch {
    // Unparsable: reported below with the other invalid URLs.
  }
  // `url.hash` is empty for a bare '#', which the WebSocket constructor refuses all the same.
  if (!url || !/^wss?:$/.test(url.protocol) || url.href.includes('#')) {
    // Redacted: the message may reach logs, the URL a token.
    fail(SyntaxError, 'url', 'a ws:, wss:, http: or https: URL without #fragment', redact(text));
  }
  return (url as URL).href;
}

/**
 * A URL fit for a log line: no credentials, query string or fragment. One pass: a query or
 * fragment goes (group 1 unset), `//user:pass@` becomes `//`.
 */
const redact = (url: string): string => url.replace(/[?#].*|(\/\/)[^/@]*@/g, '$1');

/** What the class reads and calls of its state machine; see {@link machine}. */
interface Machine {
  readonly url: string;
  readonly phase: Phase;
  readonly ws: WebSocket | undefined;
  readonly queue: Queue;
  /** Set by the user, applied to every connection. */
  binaryType: BinaryType;
  send(data: Data): boolean;
  /** Defaults: code 1000, reason ''. */
  close(code?: number, reason?: string): void;
  reconnect(code?: number, reason?: string): void;
  retryCount(): number;
  stats(): SocketStats;
  probe(): void;
}

/**
 * A WebSocket that stays alive: it reconnects with exponential backoff and jitter, queues what
 * is sent while down, and can detect a dead link with an application-level heartbeat.
 *
 * A drop-in superset of the browser `WebSocket` and of reconnecting-websocket's class.
 */
// The interface of the same name below adds the typed addEventListener overloads.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class HeartbeatSocket extends EventTarget {
  /** `readyState` while an attempt is under way or a retry is scheduled. */
  static readonly CONNECTING = CONNECTING;
  /** `readyState` while connected. */
  static readonly OPEN = OPEN;
  /** `readyState` during the closing handshake of `close()`. */
  static readonly CLOSING = CLOSING;
  /** `readyState` after `close()`, after giving up, or with `startClosed`. */
  static readonly CLOSED = CLOSED;
  /** As {@link HeartbeatSocket.CONNECTING}. */
  readonly CONNECTING = CONNECTING;
  /** As {@link HeartbeatSocket.OPEN}. */
  readonly OPEN = OPEN;
  /** As {@link HeartbeatSocket.CLOSING}. */
  readonly CLOSING = CLOSING;
  /** As {@link HeartbeatSocket.CLOSED}. */
  readonly CLOSED = CLOSED;

  readonly #m: Machine;

  /**
   * @param url - `ws:`/`wss:` URL (`http:`/`https:` are mapped), or a function returning one or
   *   a Promise of one, called before every attempt.
   * @param protocols - subprotocols, as for `WebSocket`.
   * @param options - see {@link Options}.
   * @throws SyntaxError for an invalid static URL; TypeError / RangeError for a bad option.
   */
  constructor(url: UrlInput, protocols?: string | string[], options?: Options) {
    super();
    this.#m = machine(this, url, protocols, options);
  }

  // ---- WebSocket's surface -------------------------------------------------------------

  /** The URL of the current or last attempt ('' before a URL provider first answers). */
  get url(): string {
    return this.#m.url;
  }

  /** CONNECTING while an attempt is under way or a retry is scheduled; OPEN; CLOSING; CLOSED. */
  get readyState(): ReadyState {
    // RECONNECTING (4) reads as CONNECTING (0).
    return (this.#m.phase % 4) as ReadyState;
  }

  /** Like `readyState`, with the wait for a retry told apart: `reconnecting`. */
  get state(): SocketState {
    return STATES[this.#m.phase] as SocketState;
  }

  /** The subprotocol the server chose, of the current connection. */
  get protocol(): string {
    return this.#m.ws?.protocol ?? '';
  }

  /** The extensions the server chose, of the current connection. */
  get extensions(): string {
    return this.#m.ws?.extensions ?? '';
  }

  /**
   * Kept across reconnects: set it once, every later connection gets it. `'blob'` by default, as
   * WebSocket specifies, on every socket (the `ws` package's own default is `'nodebuffer'`).
   */
  get binaryType(): BinaryType {
    return this.#m.binaryType;
  }

  /** Applies to the current connection and every later one. */
  set binaryType(value: BinaryType) {
    const m = this.#m;
    m.binaryType = value;
    if (m.ws) m.ws.binaryType = value;
  }

  /** Bytes handed to the current socket but not yet sent, plus the bytes waiting in the queue. */
  get bufferedAmount(): number {
    return (this.#m.ws?.bufferedAmount ?? 0) + this.#m.queue.bytes;
  }

  /** Called before the `open` listeners. */
  onopen: EventHandler<Event> = null;
  /** Called before the `message` listeners. */
  onmessage: EventHandler<MessageEvent> = null;
  /** Called before the `close` listeners. */
  onclose: EventHandler<CloseEvent> = null;
  /**
   * Called before the `error` listeners. Typed with `Event`, as WebSocket's is, so the socket
   * fits where a WebSocket is expected; the event carries `message` and `error` where the cause
   * is known (see the `error` entry of {@link HeartbeatSocketEventMap}).
   */
  onerror: EventHandler<Event> = null;

  /**
   * Sends now when OPEN; otherwise queues the message, to go out in order right after the next
   * `open` listeners return. A message that the queue's bounds refuse fires `drop`.
   * @returns true if the message was written to the connection now, false if it was queued (or
   *   dropped), as partysocket's `send()` tells.
   */
  send(data: Data): boolean {
    return this.#m.send(data);
  }

  /**
   * Closes for good: no retry follows, no timer or listener is left. An open connection gets a
   * closing handshake (at most `connectionTimeout` ms); the `close` event ends it. The queue is
   * kept for a later `reconnect()`; `clearQueue()` discards it.
   */
  close(code?: number, reason?: string): void {
    this.#m.close(code, reason);
  }

  // ---- reconnecting-websocket's surface -------------------------------------------------

  /** Retries since the last connection that stayed open `minUptime` ms. */
  get retryCount(): number {
    return this.#m.retryCount();
  }

  /**
   * Drops the current connection, if any (a `close` event reports it), resets the backoff and
   * connects at once. Also starts a socket that was closed, gave up, or started closed.
   */
  reconnect(code?: number, reason?: string): void {
    this.#m.reconnect(code, reason);
  }

  // ---- additions -------------------------------------------------------------------------

  /** Discards every queued message, each reported by a `drop` event (reason `cleared`). */
  clearQueue(): number {
    return this.#m.queue.clear();
  }

  /** Counters and timings for monitoring; a new object on every read. */
  get stats(): SocketStats {
    return this.#m.stats();
  }

  /**
   * Checks an open link now (needs the heartbeat): one ping, at most `heartbeat.probeTimeout`
   * ms for an answer, and sends wait in the queue until it comes. Called on a wake from sleep,
   * on return to a visible page, and when the network comes or goes.
   */
  probe(): void {
    this.#m.probe();
  }
}

/**
 * The state machine of one {@link HeartbeatSocket}: validates its arguments, owns the one
 * underlying WebSocket, and dispatches on `socket`. Its state lives in this closure's variables
 * (private by construction, and each minifies to one letter where `this.#field` cannot).
 */
function machine(
  socket: HeartbeatSocket,
  input: UrlInput,
  protocols: string | string[] | undefined,
  options: Options | undefined,
): Machine {
  // `[x].flat()` is x's items for an array, else [x] (as for `protocols` below).
  const target = typeof input === 'function' ? input : [input].flat().map(toWebSocketUrl);
  /** The URL of the current or last attempt. */
  let url: string | undefined = typeof target === 'function' ? '' : target[0];
  if (url === undefined) throw new SyntaxError('heartbeat-ws: the list of URLs is empty');
  // A string, or an array of distinct strings, passes (WebSocket throws for a repeated one).
  const list = protocols == null ? [] : [protocols].flat();
  if (!list.every((p, i) => typeof p === 'string' && list.indexOf(p) === i)) {
    fail(TypeError, 'protocols', 'a string or an array of distinct strings', protocols);
  }
  const o = resolveOptions(options);
  const clock = o.clock;
  /** Runs the callback options: one that throws is logged (rate-limited), never thrown. */
  const call = guard(clock);

  let ws: WebSocket | undefined;
  let phase: Phase = CLOSED;
  /** Bumped whenever the current attempt or connection is superseded: late callbacks compare it. */
  let epoch = 0;
  let retries = 0;
  let openedAt = -1;
  /** The one lifecycle timer: backoff wait, connection timeout, or the closing-handshake bound. */
  let timer: unknown;
  /** Index into the endpoint list: moves on after a failed attempt. */
  let endpoint = 0;
  let offline = false;
  /** Let go of the connection for the back/forward cache; `restore` connects again. */
  let frozen = false;
  /** Sends wait in the queue until a probe of a possibly dead link is answered. */
  let holding = false;
  let uninstall: (() => void) | false | undefined;
  /**
   * Sockets let go of that have not reported their close yet (a dead one excepted): the server
   * may still count them, so the next attempt waits for them; close() ends them for good.
   */
  const abandoned = new Set<WebSocket>();
  let attempts = 0;
  let opens = 0;
  let dropped = 0;
  let lastRtt = -1;
  let rttSum = 0;
  let rtts = 0;
  /**
   * Delivery accounting for replayUnconfirmed, in messages since the socket was made: how many
   * went into `unconfirmed`, how many left its head (confirmed, pushed out or replayed), and the
   * `written` count at each ping no pong has answered yet, oldest first.
   */
  let written = 0;
  let released = 0;
  let marks: number[] = [];
  let seq = 0;

  // The `on…` handler runs first, then the listeners, as in reconnecting-websocket. A throwing
  // handler is reported as uncaught (like a throwing listener) and never breaks the state machine.
  // With `debug`, every event is logged as it goes out, with `why` (never a message's data).
  const emit = (event: Event, ...why: unknown[]): void => {
    log(event.type, ...why);
    try {
      (socket as unknown as Record<string, EventHandler<Event>>)[`on${event.type}`]?.call(socket, event);
    } catch (error) {
      // Reported outside this call, as the runtime reports a throwing listener (Node ends the
      // process, as it would for an EventTarget listener; a browser calls `window.onerror`).
      queueMicrotask(() => {
        throw error;
      });
    }
    socket.dispatchEvent(event);
  };

  const log = (...args: unknown[]): void => {
    if (o.debug) console.debug('[heartbeat-ws]', ...args);
  };

  /** Replaces the lifecycle timer: `fn` in `ms` ms, or none. */
  const setTimer = (fn?: () => void, ms?: number): void => {
    // A clock's clearTimeout takes undefined (no timer) as a no-op, as the globals do.
    clock.clearTimeout(timer);
    timer = fn && clock.setTimeout(fn, ms as number);
  };

  const stable = (): boolean => clock.now() - openedAt >= o.minUptime;

  const drop = (data: Data, reason: DropReason): void => {
    dropped++;
    emit(customEvent('drop', { data, reason }), reason);
  };

  const queue = makeQueue(o, drop);

  /** Messages written but not yet confirmed by a pong (replayUnconfirmed). */
  const unconfirmed =
    o.replayUnconfirmed &&
    makeQueue({ ...o, queueOverflow: 'drop-oldest' }, (data) => {
      released++;
      drop(data, 'unconfirmed');
    });

  /** Writes to the current socket if it is truly OPEN; false leaves the message to the queue. */
  const write = (data: Data): boolean => ws?.readyState === OPEN && (ws.send(data as string), true);

  /** Writes a user message, keeping it until confirmed when replayUnconfirmed is on. */
  const deliver = (data: Data): boolean => {
    if (!write(data)) return false;
    if (unconfirmed) {
      written++;
      unconfirmed.push(data);
    }
    return true;
  };

  /** Sends every message the queue holds that the socket will take. */
  const flush = (): number => queue.drain(deliver);

  const hb: Heartbeat | undefined =
    o.heartbeat &&
    heartbeat(o.heartbeat, clock, {
      send: (data, ping) => {
        if (ping && unconfirmed && marks.push(written) > MAX_PINGS) marks.shift();
        write(data);
      },
      dead: () => lost(detach(4000, 'heartbeat timeout', true), abnormal('heartbeat timeout')),
      alive: () => {
        // A probe was answered: what waited for it goes out.
        if (holding) {
          holding = false;
          flush();
        }
      },
      pong: (rtt) => {
        // The pong proves the server got every message written before its ping.
        const mark = marks.shift() ?? 0;
        for (; released < mark && unconfirmed && unconfirmed.shift() !== undefined; released++);
        lastRtt = rtt;
        rttSum += rtt;
        rtts++;
        emit(customEvent('heartbeat', { rtt }), rtt);
      },
      woke: () => (holding = true),
      guard: call,
    });

  /**
   * Starts an attempt once the sockets let go of have reported their close (see `abandoned`), or
   * after LINGER ms, ending them: the server never sees two live connections of this socket.
   */
  const connect = (): void => {
    const current = ++epoch;
    phase = CONNECTING;
    uninstall ||= o.lifecycle && o.lifecycle(signal);
    if (abandoned.size) {
      return setTimer(
        () => {
          release();
          abandoned.clear();
          connect();
        },
        Math.min(o.connectionTimeout, LINGER),
      );
    }
    attempts++;
    // reconnecting-websocket's message, which code written for it may test.
    setTimer(() => attemptFailed(Error('TIMEOUT'), 'connection timeout'), o.connectionTimeout);
    if (typeof target !== 'function') return open(target[endpoint % target.length] as string, current);
    new Promise<string | URL>((resolve) => resolve(target())).then(toWebSocketUrl).then(
      (next) => current === epoch && open(next, current),
      (error: unknown) => current === epoch && attemptFailed(error, 'url provider failed'),
    );
  };

  const open = (next: string, current: number): void => {
    log('connect', redact((url = next)));
    try {
      // `list`, not `protocols`: `[]` is the same as none, and null must not become "null".
      // Any WebSocketLike; typed as the DOM's for the members read below.
      ws = new o.WebSocket(next, list) as unknown as WebSocket;
    } catch (error) {
      // Deferred so that a failure inside the constructor still reaches listeners added after it.
      queueMicrotask(() => current === epoch && attemptFailed(error, 'constructor failed'));
      return;
    }
    ws.binaryType = m.binaryType;
    for (const type of EVENTS) ws.addEventListener(type, on);
  };

  // One listener for the four events of every socket this one makes. It stays attached to
  // abandoned sockets: the `ws` package throws an unhandled 'error' without a listener (e.g. for
  // a socket closed while CONNECTING), and their `close` tells when they are really gone. Events
  // of any socket but the current one go no further, so no late event reaches the user.
  const on = (event: Event): void => {
    const type = event.type;
    const old = event.target as WebSocket;
    if (old !== ws) {
      // An attempt let go of while CONNECTING is not aborted: the server may have accepted it
      // already, and would see the abort only after the next attempt. It gets a closing
      // handshake once open, whose end the next attempt waits for.
      if (type === 'open') end(old);
      // The last socket let go of is gone: the attempt waiting for it (if any) starts.
      else if (type === 'close' && abandoned.delete(old) && !abandoned.size && phase === CONNECTING) connect();
    } else if (type === 'message') {
      // Re-dispatched as our own event, initialised from the socket's: its data and origin (the
      // rest of a WebSocket message event's fields are the defaults anyway).
      if (!hb?.receive((event as MessageEvent).data)) emit(new MessageEvent(type, event as MessageEventInit));
    } else if (type === 'open') {
      setTimer();
      phase = OPEN;
      holding = false;
      opens++;
      openedAt = clock.now();
      hb?.start();
      const current = epoch;
      emit(new Event(type));
      // The queue goes out right after the open listeners return, so a handshake sent inside
      // `open` is the first message on the wire; unless a listener closed or reconnected.
      // With replayUnconfirmed, a ping right behind the backlog confirms it one round trip after
      // the open instead of one interval: a fault in that window would send it all again.
      if (current === epoch && flush() && unconfirmed) hb?.probe(false);
    } else if (type === 'close') {
      const { code, reason, wasClean } = event as CloseEvent;
      const ended = closeEvent(code, reason, wasClean);
      if (phase === CLOSING) {
        // A closing handshake that close() started and the server finished: everything arrived.
        if (wasClean) while (unconfirmed && unconfirmed.shift() !== undefined) released++;
        detach();
        finish(ended);
      } else lost(detach(), ended);
    } else {
      // error: passed on with its cause where the implementation gives one (the `ws` package,
      // undici). While CONNECTING it ends the attempt at once, as in reconnecting-websocket:
      // browsers and the `ws` package send `close` right after (the same 1006, no reason), but
      // Node 20's global WebSocket never does, and its socket is not waited for.
      const { error } = event as ErrorEvent;
      if (phase === CONNECTING) attemptFailed(error, '');
      else emit(errorEvent(error));
    }
  };

  /**
   * The current attempt failed: an `error` event carrying `error`, then the attempt is lost;
   * unless a listener called close() or reconnect(), which decided what comes next.
   */
  const attemptFailed = (error: unknown, why: string): void => {
    const current = epoch;
    emit(errorEvent(error), why);
    // Timed out: the server is not answering, nothing to wait for.
    if (current === epoch) lost(detach(undefined, undefined, true), abnormal(why));
  };

  /**
   * The current attempt or connection ended without `close()`: report it (unless no socket was
   * made, and a retry follows), then retry with backoff, or give up (maxRetries,
   * shouldReconnect) and stay CLOSED.
   */
  const lost = (hadSocket: WebSocket | undefined, event: CloseEvent): void => {
    setTimer();
    // A connection that stayed up resets the backoff and keeps its endpoint; anything shorter
    // is a failed attempt, and a list of endpoints moves on to the next.
    if (openedAt >= 0 && stable()) retries = 0;
    else endpoint++;
    openedAt = -1;
    // A throwing shouldReconnect is reported and counts as "yes".
    const spent = retries >= o.maxRetries;
    const retry = !spent && (!hadSocket || call(o.shouldReconnect, event) !== false);
    phase = retry ? RECONNECTING : CLOSED;
    if (!retry) uninstallHooks();
    const current = ++epoch;
    if (hadSocket || !retry) emit(event, event.code, event.reason, retry ? 'retry' : 'give up');
    // Unless a `close` listener called close() or reconnect(), which decided instead.
    if (current === epoch) {
      if (retry) schedule();
      else emit(customEvent('giveup', { reason: spent ? 'maxRetries' : 'shouldReconnect', close: event }));
    }
  };

  // Offline, no attempt is counted (attempt 0 in the event) and the delay stays at the cap:
  // `online` will connect at once, and the capped retries only cover a wrong offline hint.
  const schedule = (): void => {
    const attempt = offline ? 0 : ++retries;
    const delay = backoffDelay(offline ? 1e9 : attempt, o, o.random);
    setTimer(connect, delay);
    emit(customEvent('reconnecting', { attempt, delay }), attempt, delay);
  };

  /** What the page tells (see `LifecycleSignal`), acted on. */
  const signal = (what: LifecycleSignal): void => {
    const was = phase;
    log(what);
    if (was === CLOSED || was === CLOSING) return;
    if (what === 'freeze') {
      // A page that holds an open WebSocket is kept out of the back/forward cache: let go of it.
      frozen = true;
      epoch++;
      setTimer();
      openedAt = -1;
      phase = RECONNECTING;
      if (detach(1000, 'page hidden')) emit(closeEvent(1001, 'page hidden'));
      return;
    }
    if (what === 'offline') offline = true;
    else if (what !== 'resume') {
      // online, restore: whatever failed before says nothing about now.
      if (what === 'restore' && !frozen) return;
      offline = frozen = false;
      retries = 0;
    }
    // Through the class, so that a subclass's probe() is the one called.
    if (was === OPEN) socket.probe();
    else if (was === RECONNECTING && what !== 'offline') connect();
  };

  // Closed or gave up: nothing of this socket may be left running, so sockets still in their
  // closing handshake are ended for good where the implementation can (the `ws` package keeps a
  // socket and a 30 s timer for a handshake a dead link never answers).
  const uninstallHooks = (): void => {
    // A custom lifecycle's failure is reported and must not leave the socket half closed.
    call<unknown>(uninstall);
    uninstall = offline = frozen = false;
    // Still waited for by a later reconnect(): the server may not have seen them go yet.
    release();
  };

  /** Ends every socket let go of for good, without waiting for their closing handshake. */
  const release = (): void => {
    for (const old of abandoned) end(old, true);
  };

  /** The closing handshake `close()` asked for is over (or timed out). */
  const finish = (event: CloseEvent): void => {
    setTimer();
    openedAt = -1;
    phase = CLOSED;
    emit(event);
  };

  /**
   * Lets go of the current socket at once: closes it, or with `dead` ends it without a
   * handshake a dead link would never answer, and returns it.
   */
  const detach = (code?: number, reason?: string, dead?: boolean): WebSocket | undefined => {
    const old = ws;
    if (old) {
      ws = undefined;
      hb?.stop();
      // What the dead connection may have lost goes out first on the next one.
      if (unconfirmed) queue.prepend(unconfirmed);
      released = written;
      marks = [];
      end(old, dead, code, reason);
      // A dead link is not waited for: nothing would come (and the server cannot see it either).
      if (!dead && old.readyState !== CLOSED) abandoned.add(old);
    }
    return old;
  };

  const m: Machine = {
    get url() {
      // Never undefined: an empty list threw above.
      return url as string;
    },
    get phase() {
      return phase;
    },
    get ws() {
      return ws;
    },
    queue,
    binaryType: 'blob',

    send(data) {
      let message = isData(data) ? data : String(data);
      // A throwing stamp is reported, and the message goes out as given.
      if (o.stamp) message = call(o.stamp, message, ++seq) ?? message;
      return (phase === OPEN && !holding && deliver(message)) || (queue.push(message), false);
    },

    close(code = 1000, reason = '') {
      checkClose(code, reason);
      const was = phase;
      if (was === CLOSED || was === CLOSING) return;
      epoch++;
      setTimer();
      hb?.stop();
      const open = was === OPEN && ws;
      // An attempt under way is let go of first, to be ended for good with the others.
      if (!open) detach(code, reason);
      uninstallHooks();
      if (open) {
        phase = CLOSING;
        open.close(code, reason);
        setTimer(() => {
          detach(undefined, undefined, true);
          finish(abnormal('close timeout'));
        }, o.connectionTimeout);
        return;
      }
      phase = CLOSED;
      emit(closeEvent(code, reason));
    },

    reconnect(code = 1000, reason = '') {
      checkClose(code, reason);
      retries = 0;
      const current = ++epoch;
      setTimer();
      openedAt = -1;
      if (detach(code, reason)) {
        phase = RECONNECTING;
        emit(closeEvent(code, reason));
        if (current !== epoch) return;
      }
      connect();
    },

    retryCount() {
      if (phase === OPEN && stable()) retries = 0;
      return retries;
    },

    stats: () => ({
      attempts,
      reconnects: opens && opens - 1,
      lastRtt,
      averageRtt: rtts ? rttSum / rtts : -1,
      uptime: phase === OPEN ? clock.now() - openedAt : 0,
      queued: queue.length,
      queuedBytes: queue.bytes,
      dropped,
      unconfirmed: unconfirmed ? unconfirmed.length : 0,
    }),

    probe() {
      if (phase === OPEN && hb) {
        holding = true;
        hb.probe();
      }
    },
  };
  if (!o.startClosed) connect();
  return m;
}

/** An abnormal close (1006) for a connection or attempt that ended without a close frame. */
const abnormal = (why: string): CloseEvent => closeEvent(1006, why, false);

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

/** The checks `WebSocket.close()` makes, so a bad code fails here and not on a later socket. */
function checkClose(code: number, reason: string): void {
  if (code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
    fail(RangeError, 'close code', '1000 or 3000-4999', code);
  }
  const bytes = byteLength(String(reason));
  if (bytes > 123) fail(SyntaxError, 'close reason', '<= 123 bytes (UTF-8)', bytes);
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface HeartbeatSocket {
  /** Typed for the socket's own events (see {@link HeartbeatSocketEventMap}), as on EventTarget. */
  addEventListener<K extends keyof HeartbeatSocketEventMap>(
    type: K,
    listener: (this: HeartbeatSocket, event: HeartbeatSocketEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Any other event type, as on EventTarget. */
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Removes a listener added for one of the socket's own events. */
  removeEventListener<K extends keyof HeartbeatSocketEventMap>(
    type: K,
    listener: (this: HeartbeatSocket, event: HeartbeatSocketEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  /** Removes a listener of any other event type. */
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

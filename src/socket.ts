import { backoffDelay } from './backoff';
import type { LifecycleSignal } from './env/lifecycle';
import { closeEvent, customEvent, type HeartbeatSocketEventMap } from './events';
import { Heartbeat } from './heartbeat';
import { type Data, type Options, type Resolved, resolveOptions, type UrlProvider } from './options';
import { byteLength, type DropReason, isData, Queue } from './queue';

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

type Handler<E extends Event> = ((this: HeartbeatSocket, event: E) => unknown) | null;

const EVENTS = ['open', 'message', 'close', 'error'];

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

type ReadyState = 0 | 1 | 2 | 3;

const READY_STATE: Record<SocketState, ReadyState> = {
  closed: CLOSED,
  reconnecting: CONNECTING,
  connecting: CONNECTING,
  open: OPEN,
  closing: CLOSING,
};

/**
 * Parses a URL the way `new WebSocket(url)` does: `ws:`/`wss:`, with `http:`/`https:` mapped to
 * them and relative URLs resolved against the page; anything else is a SyntaxError.
 */
export function toWebSocketUrl(input: string | URL): string {
  let url: URL | undefined;
  try {
    url = new URL(String(input), (globalThis as { location?: { href: string } }).location?.href);
    url.protocol = url.protocol.replace(/^http/, 'ws');
  } catch {}
  if (!url || !/^wss?:$/.test(url.protocol) || url.hash) {
    throw new SyntaxError(
      `heartbeat-ws: ${JSON.stringify(String(input))} is not a WebSocket URL (ws:, wss:, http: or https:, no #fragment)`,
    );
  }
  return url.href;
}

/** A URL fit for a log line: no credentials, query string or fragment. */
const redact = (url: string): string => url.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '');

/**
 * A WebSocket that stays alive: it reconnects with exponential backoff and jitter, queues what
 * is sent while down, and can detect a dead link with an application-level heartbeat.
 *
 * A drop-in superset of the browser `WebSocket` and of reconnecting-websocket's class.
 */
export class HeartbeatSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  readonly #o: Resolved;
  readonly #target: string[] | UrlProvider;
  readonly #protocols: string | string[] | undefined;
  readonly #queue: Queue;
  readonly #heartbeat: Heartbeat | undefined;
  #ws: WebSocket | undefined;
  #phase: SocketState = 'closed';
  /** Bumped whenever the current attempt or connection is superseded: late callbacks compare it. */
  #epoch = 0;
  #retries = 0;
  #openedAt = -1;
  /** The one lifecycle timer: backoff wait, connection timeout, or the closing-handshake bound. */
  #timer: unknown;
  #url = '';
  #binaryType: BinaryType | undefined;
  /** Index into the endpoint list: moves on after a failed attempt. */
  #endpoint = 0;
  #offline = false;
  /** Let go of the connection for the back/forward cache; `restore` connects again. */
  #frozen = false;
  /** Sends wait in the queue until a probe of a possibly dead link is answered. */
  #holding = false;
  #uninstall: (() => void) | undefined;
  #attempts = 0;
  #opens = 0;
  #dropped = 0;
  #lastRtt = -1;
  /** Messages written but not yet confirmed by a pong (replayUnconfirmed). */
  readonly #unconfirmed: Queue | undefined;
  /** How many of #unconfirmed the pong of the outstanding ping will confirm. */
  #mark = 0;
  #seq = 0;
  #rttSum = 0;
  #rtts = 0;

  /**
   * @param url - `ws:`/`wss:` URL (`http:`/`https:` are mapped), or a function returning one or
   *   a Promise of one, called before every attempt.
   * @param protocols - subprotocols, as for `WebSocket`.
   * @param options - see {@link Options}.
   * @throws SyntaxError for an invalid static URL; TypeError / RangeError for a bad option.
   */
  constructor(url: UrlInput, protocols?: string | string[], options?: Options) {
    super();
    if (typeof url === 'function') this.#target = url;
    else {
      const list = (Array.isArray(url) ? url : [url]).map(toWebSocketUrl);
      if (!list.length) throw new SyntaxError('heartbeat-ws: the list of URLs is empty');
      this.#url = (this.#target = list)[0] as string;
    }
    if (
      protocols !== undefined &&
      protocols !== null &&
      typeof protocols !== 'string' &&
      !(Array.isArray(protocols) && protocols.every((p) => typeof p === 'string'))
    ) {
      throw new TypeError(`heartbeat-ws: protocols must be a string or an array of strings, got ${protocols}`);
    }
    this.#protocols = protocols ?? undefined;
    const o = (this.#o = resolveOptions(options));
    const drop = (data: Data, reason: DropReason) => {
      this.#dropped++;
      this.#emit(customEvent('drop', { data, reason }));
    };
    this.#queue = new Queue(o, drop);
    if (o.replayUnconfirmed) {
      this.#unconfirmed = new Queue({ ...o, queueOverflow: 'drop-oldest' }, (data) => {
        if (this.#mark > 0) this.#mark--;
        drop(data, 'unconfirmed');
      });
    }
    if (o.heartbeat) {
      this.#heartbeat = new Heartbeat(o.heartbeat, o.clock, {
        send: (data, ping) => {
          if (ping) this.#mark = this.#unconfirmed?.length ?? 0;
          this.#write(data);
        },
        dead: () => this.#lost(this.#detach(4000, 'heartbeat timeout'), 'heartbeat timeout'),
        alive: (rtt) => {
          this.#release();
          if (rtt === undefined) return;
          // The pong proves the server got every message written before its ping.
          for (; this.#mark > 0; this.#mark--) this.#unconfirmed?.shift();
          this.#lastRtt = rtt;
          this.#rttSum += rtt;
          this.#rtts++;
          this.#emit(customEvent('heartbeat', { rtt }));
        },
        woke: () => (this.#holding = true),
      });
    }
    if (!o.startClosed) this.#connect();
  }

  // ---- WebSocket's surface -------------------------------------------------------------

  /** The URL of the current or last attempt ('' before a URL provider first answers). */
  get url(): string {
    return this.#url;
  }

  /** CONNECTING while an attempt is under way or a retry is scheduled; OPEN; CLOSING; CLOSED. */
  get readyState(): ReadyState {
    return READY_STATE[this.#phase];
  }

  /** Like `readyState`, with the wait for a retry told apart: `reconnecting`. */
  get state(): SocketState {
    return this.#phase;
  }

  /** The subprotocol the server chose, of the current connection. */
  get protocol(): string {
    return this.#ws?.protocol ?? '';
  }

  /** The extensions the server chose, of the current connection. */
  get extensions(): string {
    return this.#ws?.extensions ?? '';
  }

  /** Kept across reconnects: set it once, every later connection gets it. */
  get binaryType(): BinaryType {
    return this.#binaryType ?? this.#ws?.binaryType ?? 'blob';
  }

  set binaryType(value: BinaryType) {
    this.#binaryType = value;
    if (this.#ws) this.#ws.binaryType = value;
  }

  /** Bytes handed to the current socket but not yet sent, plus the bytes waiting in the queue. */
  get bufferedAmount(): number {
    return (this.#ws?.bufferedAmount ?? 0) + this.#queue.bytes;
  }

  /** Called before the `open` listeners. */
  onopen: Handler<Event> = null;
  /** Called before the `message` listeners. */
  onmessage: Handler<MessageEvent> = null;
  /** Called before the `close` listeners. */
  onclose: Handler<CloseEvent> = null;
  /** Called before the `error` listeners. */
  onerror: Handler<Event> = null;

  /**
   * Sends now when OPEN; otherwise queues the message, to go out in order right after the next
   * `open` listeners return. A message that the queue's bounds refuse fires `drop`.
   */
  send(data: Data): void {
    let message = isData(data) ? data : String(data);
    if (this.#o.stamp) message = this.#o.stamp(message, ++this.#seq);
    if (this.#phase === 'open' && !this.#holding && this.#deliver(message)) return;
    this.#queue.push(message);
  }

  /**
   * Closes for good: no retry follows, no timer or listener is left. An open connection gets a
   * closing handshake (at most `connectionTimeout` ms); the `close` event ends it. The queue is
   * kept for a later `reconnect()`; `clearQueue()` discards it.
   */
  close(code = 1000, reason = ''): void {
    checkClose(code, reason);
    const phase = this.#phase;
    if (phase === 'closed' || phase === 'closing') return;
    this.#epoch++;
    this.#clearTimer();
    this.#heartbeat?.stop();
    this.#uninstallHooks();
    const ws = this.#ws;
    if (phase === 'open' && ws) {
      this.#phase = 'closing';
      ws.close(code, reason);
      this.#setTimer(this.#o.connectionTimeout, () => this.#finish(this.#detach(), 'close timeout'));
      return;
    }
    this.#detach(code, reason);
    this.#phase = 'closed';
    this.#emit(closeEvent({ code, reason, wasClean: true }));
  }

  // ---- reconnecting-websocket's surface -------------------------------------------------

  /** Retries since the last connection that stayed open `minUptime` ms. */
  get retryCount(): number {
    if (this.#phase === 'open' && this.#stable()) this.#retries = 0;
    return this.#retries;
  }

  /**
   * Drops the current connection, if any (a `close` event reports it), resets the backoff and
   * connects at once. Also starts a socket that was closed, gave up, or started closed.
   */
  reconnect(code = 1000, reason = ''): void {
    checkClose(code, reason);
    this.#retries = 0;
    const epoch = ++this.#epoch;
    this.#clearTimer();
    this.#openedAt = -1;
    if (this.#detach(code, reason)) {
      this.#phase = 'reconnecting';
      this.#emit(closeEvent({ code, reason, wasClean: true }));
      if (epoch !== this.#epoch) return;
    }
    this.#connect();
  }

  // ---- additions -------------------------------------------------------------------------

  /** Discards every queued message, each reported by a `drop` event (reason `cleared`). */
  clearQueue(): number {
    return this.#queue.clear();
  }

  /** Counters and timings for monitoring; a new object on every read. */
  get stats(): SocketStats {
    const rtts = this.#rtts;
    return {
      attempts: this.#attempts,
      reconnects: Math.max(0, this.#opens - 1),
      lastRtt: this.#lastRtt,
      averageRtt: rtts ? this.#rttSum / rtts : -1,
      uptime: this.#phase === 'open' ? this.#o.clock.now() - this.#openedAt : 0,
      queued: this.#queue.length,
      queuedBytes: this.#queue.bytes,
      dropped: this.#dropped,
      unconfirmed: this.#unconfirmed?.length ?? 0,
    };
  }

  /**
   * Checks an open link now (needs the heartbeat): one ping, at most `heartbeat.probeTimeout`
   * ms for an answer, and sends wait in the queue until it comes. Called on a wake from sleep,
   * on return to a visible page, and when the network comes or goes.
   */
  probe(): void {
    if (this.#phase === 'open' && this.#heartbeat) {
      this.#holding = true;
      this.#heartbeat.probe();
    }
  }

  // ---- the state machine ----------------------------------------------------------------

  #connect(): void {
    const epoch = ++this.#epoch;
    const target = this.#target;
    this.#attempts++;
    this.#phase = 'connecting';
    const lifecycle = this.#o.lifecycle;
    if (!this.#uninstall && lifecycle) this.#uninstall = lifecycle(this.#signal);
    this.#setTimer(this.#o.connectionTimeout, () => {
      this.#emit(new Event('error'));
      this.#lost(this.#detach(), 'connection timeout');
    });
    if (typeof target !== 'function') return this.#open(target[this.#endpoint % target.length] as string, epoch);
    new Promise<string | URL>((resolve) => resolve(target()))
      .then(toWebSocketUrl)
      .then(
        (url) => epoch === this.#epoch && this.#open(url, epoch),
        (error: unknown) => epoch === this.#epoch && this.#failed(error, 'url provider failed'),
      );
  }

  #open(url: string, epoch: number): void {
    this.#url = url;
    this.#phase = 'connecting';
    this.#log('connect', redact(url));
    let ws: WebSocket;
    try {
      ws = new this.#o.WebSocket(url, this.#protocols);
    } catch (error) {
      // Deferred so that a failure inside the constructor still reaches listeners added after it.
      queueMicrotask(() => epoch === this.#epoch && this.#failed(error, 'constructor failed'));
      return;
    }
    this.#ws = ws;
    if (this.#binaryType) ws.binaryType = this.#binaryType;
    for (const type of EVENTS) ws.addEventListener(type, this.#on);
  }

  // One listener for the four events of every socket this one makes. Its `error` part stays
  // attached even to abandoned sockets: the `ws` package throws an unhandled 'error' without a
  // listener (e.g. for a socket closed while CONNECTING); events of any socket but the current
  // one are ignored, so no late event of an abandoned socket reaches the user.
  #on = (event: Event): void => {
    if (event.target !== this.#ws) return;
    const type = event.type;
    if (type === 'message') {
      const data: unknown = (event as MessageEvent).data;
      if (!this.#heartbeat?.receive(data)) {
        this.#emit(new MessageEvent('message', { data, origin: (event as MessageEvent).origin }));
      }
    } else if (type === 'open') {
      this.#clearTimer();
      this.#phase = 'open';
      this.#holding = false;
      this.#opens++;
      this.#openedAt = this.#o.clock.now();
      this.#log('open');
      this.#heartbeat?.start();
      const epoch = this.#epoch;
      this.#emit(new Event('open'));
      // The queue goes out right after the open listeners return, so a handshake sent inside
      // `open` is the first message on the wire; unless a listener closed or reconnected.
      if (epoch === this.#epoch) this.#queue.drain(this.#deliver);
    } else if (type === 'close') {
      const { code, reason, wasClean } = event as CloseEvent;
      // A closing handshake that close() started and the server finished: everything arrived.
      if (wasClean && this.#phase === 'closing') while (this.#unconfirmed?.shift() !== undefined);
      this.#detach();
      const ended = closeEvent({ code, reason, wasClean });
      if (this.#phase === 'closing') this.#finish(ended);
      else this.#lost(ended);
    } else this.#emit(new Event('error'));
  };

  /** Writes a user message, keeping it until confirmed when replayUnconfirmed is on. */
  #deliver = (data: Data): boolean => {
    if (!this.#write(data)) return false;
    this.#unconfirmed?.push(data);
    return true;
  };

  /** Writes to the current socket if it is truly OPEN; false leaves the message to the queue. */
  #write = (data: Data): boolean => {
    const ws = this.#ws;
    if (!ws || ws.readyState !== OPEN) return false;
    ws.send(data as string);
    return true;
  };

  /** An attempt failed before it had a socket (URL provider, constructor). */
  #failed(error: unknown, why: string): void {
    this.#log(why, error);
    this.#emit(Object.assign(new Event('error'), { error }));
    this.#lost(undefined, why);
  }

  /**
   * The current attempt or connection ended without `close()`: report it, then retry with
   * backoff, or give up (maxRetries, shouldReconnect) and stay CLOSED.
   *
   * @param ended - the close event to report; made from `why` when there is none.
   */
  #lost(ended: CloseEvent | WebSocket | undefined, why = ''): void {
    this.#clearTimer();
    this.#heartbeat?.stop();
    // A connection that stayed up resets the backoff and keeps its endpoint; anything shorter
    // is a failed attempt, and a list of endpoints moves on to the next.
    if (this.#openedAt >= 0 && this.#stable()) this.#retries = 0;
    else this.#endpoint++;
    this.#openedAt = -1;
    const event = ended instanceof Event ? (ended as CloseEvent) : closeEvent({ code: 1006, reason: why, wasClean: false });
    const hadSocket = ended !== undefined;
    const retry = this.#retries < this.#o.maxRetries && (!hadSocket || this.#shouldReconnect(event));
    this.#phase = retry ? 'reconnecting' : 'closed';
    if (!retry) this.#uninstallHooks();
    this.#log('lost', event.code, event.reason, retry);
    const epoch = ++this.#epoch;
    if (hadSocket || !retry) this.#emit(event);
    if (retry && epoch === this.#epoch) this.#schedule();
  }

  // Offline, no attempt is counted (attempt 0 in the event) and the delay stays at the cap:
  // `online` will connect at once, and the capped retries only cover a wrong offline hint.
  #schedule(): void {
    const offline = this.#offline;
    const attempt = offline ? 0 : ++this.#retries;
    const delay = backoffDelay(offline ? 1e9 : attempt, this.#o, this.#o.random);
    this.#phase = 'reconnecting';
    this.#setTimer(delay, () => this.#connect());
    this.#emit(customEvent('reconnecting', { attempt, delay }));
  }

  /** What the page tells (see `LifecycleSignal`), acted on. */
  #signal = (signal: LifecycleSignal): void => {
    const phase = this.#phase;
    this.#log(signal);
    if (phase === 'closed' || phase === 'closing') return;
    if (signal === 'freeze') {
      // A page that holds an open WebSocket is kept out of the back/forward cache: let go of it.
      this.#frozen = true;
      this.#epoch++;
      this.#clearTimer();
      this.#openedAt = -1;
      this.#phase = 'reconnecting';
      if (this.#detach(1000, 'page hidden')) this.#emit(closeEvent({ code: 1001, reason: 'page hidden', wasClean: true }));
      return;
    }
    if (signal === 'offline') this.#offline = true;
    else if (signal !== 'resume') {
      // online, restore: whatever failed before says nothing about now.
      if (signal === 'restore' && !this.#frozen) return;
      this.#offline = this.#frozen = false;
      this.#retries = 0;
    }
    if (phase === 'open') this.probe();
    else if (phase === 'reconnecting' && signal !== 'offline') this.#connect();
  };

  /** A probe was answered: what waited for it goes out. */
  #release(): void {
    if (this.#holding) {
      this.#holding = false;
      this.#queue.drain(this.#deliver);
    }
  }

  #uninstallHooks(): void {
    this.#uninstall?.();
    this.#uninstall = undefined;
    this.#offline = this.#frozen = false;
  }

  /** The closing handshake `close()` asked for is over (or timed out). */
  #finish(ended: CloseEvent | WebSocket | undefined, why = ''): void {
    this.#clearTimer();
    this.#openedAt = -1;
    this.#phase = 'closed';
    this.#emit(ended instanceof Event ? ended : closeEvent({ code: 1006, reason: why, wasClean: false }));
  }

  /** Asks the user's shouldReconnect; a throwing one is reported and counts as "yes". */
  #shouldReconnect(event: CloseEvent): boolean {
    try {
      return this.#o.shouldReconnect(event) !== false;
    } catch (error) {
      report(error);
      return true;
    }
  }

  /**
   * Lets go of the current socket at once: closes it (no waiting for a handshake on a link
   * that may be dead), keeps only the error listener, and returns it.
   */
  #detach(code?: number, reason?: string): WebSocket | undefined {
    const ws = this.#ws;
    if (!ws) return undefined;
    this.#ws = undefined;
    this.#heartbeat?.stop();
    // What the dead connection may have lost goes out first on the next one.
    if (this.#unconfirmed) this.#queue.prepend(this.#unconfirmed);
    this.#mark = 0;
    for (const type of EVENTS) if (type !== 'error') ws.removeEventListener(type, this.#on);
    if (ws.readyState < CLOSING) {
      try {
        ws.close(code, reason);
      } catch {
        // Closing is best effort: the socket is already out of our hands.
      }
    }
    return ws;
  }

  #stable(): boolean {
    return this.#o.clock.now() - this.#openedAt >= this.#o.minUptime;
  }

  #setTimer(ms: number, fn: () => void): void {
    this.#clearTimer();
    this.#timer = this.#o.clock.setTimeout(fn, ms);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  // The `on…` handler runs first, then the listeners, as in reconnecting-websocket. A throwing
  // handler is reported as uncaught (like a throwing listener) and never breaks the state machine.
  #emit(event: Event): void {
    try {
      (this as unknown as Record<string, Handler<Event>>)[`on${event.type}`]?.call(this, event);
    } catch (error) {
      report(error);
    }
    this.dispatchEvent(event);
  }

  #log(...args: unknown[]): void {
    if (this.#o.debug) console.debug('[heartbeat-ws]', ...args);
  }
}

/** Throws `error` where the runtime reports uncaught errors, outside the current call. */
const report = (error: unknown): void =>
  queueMicrotask(() => {
    throw error;
  });

/** The checks `WebSocket.close()` makes, so a bad code fails here and not on a later socket. */
function checkClose(code: number, reason: string): void {
  if (code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
    throw new RangeError(`heartbeat-ws: close code must be 1000 or 3000-4999, got ${code}`);
  }
  if (byteLength(String(reason)) > 123) {
    throw new SyntaxError('heartbeat-ws: close reason must be ≤ 123 bytes (UTF-8)');
  }
}

export interface HeartbeatSocket {
  addEventListener<K extends keyof HeartbeatSocketEventMap>(
    type: K,
    listener: (this: HeartbeatSocket, event: HeartbeatSocketEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof HeartbeatSocketEventMap>(
    type: K,
    listener: (this: HeartbeatSocket, event: HeartbeatSocketEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

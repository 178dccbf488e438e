import { fn } from './fail';
import type { Data } from './data';
import type { HeartbeatSocketEventMap } from './events';
import { type Machine, machine, STATES } from './machine';
import type { Options } from './options';
import type { Tracker } from './queue';
import type { SocketStats } from './stats';
import { type ReadyState, type SocketState, Surface } from './surface';
import { toArgs, type UrlInput } from './url';

/**
 * A WebSocket that stays alive: it reconnects with exponential backoff and jitter, queues what
 * is sent while down, and can detect a dead link with an application-level heartbeat.
 *
 * A drop-in superset of the browser `WebSocket` and of reconnecting-websocket's class.
 */
export class HeartbeatSocket extends Surface<HeartbeatSocketEventMap> {
  readonly #m: Machine;

  /**
   * Options second, without protocols (the `ws` package's order).
   * @param url - as below.
   * @param options - see {@link Options}.
   * @throws as below.
   */
  constructor(url: UrlInput, options?: Options);
  /**
   * @param url - `ws:`/`wss:` URL (`http:`/`https:` are mapped), or a function returning one or
   *   a Promise of one, called before every attempt.
   * @param protocols - subprotocols, as for `WebSocket`.
   * @param options - see {@link Options}; also accepted second, when there are no protocols.
   * @throws SyntaxError for an invalid static URL; TypeError / RangeError for a bad option.
   */
  constructor(url: UrlInput, protocols?: string | string[], options?: Options);
  constructor(url: UrlInput, protocols?: string | string[] | Options, options?: Options) {
    super();
    this.#m = machine(this, url, ...toArgs(protocols, options));
  }

  // ---- WebSocket's surface -------------------------------------------------------------

  /** The URL of the current or last attempt ('' before a URL provider first answers). */
  get url(): string {
    return this.#m.link.address();
  }

  /** CONNECTING while an attempt is under way or a retry is scheduled; OPEN; CLOSING; CLOSED. */
  get readyState(): ReadyState {
    // RECONNECTING (4) reads as CONNECTING (0).
    return (this.#m.phase() % 4) as ReadyState;
  }

  /** Like `readyState`, with the wait for a retry told apart: `reconnecting`. */
  get state(): SocketState {
    return STATES[this.#m.phase()] as SocketState;
  }

  /** The subprotocol the server chose, of the current connection. */
  get protocol(): string {
    return this.#m.link.ws()?.protocol ?? '';
  }

  /** The extensions the server chose, of the current connection. */
  get extensions(): string {
    return this.#m.link.ws()?.extensions ?? '';
  }

  /**
   * Kept across reconnects: set it once, every later connection gets it. `'blob'` by default, as
   * WebSocket specifies, on every socket (the `ws` package's own default is `'nodebuffer'`).
   */
  get binaryType(): BinaryType {
    return this.#m.binary;
  }

  /**
   * Applies to the current connection and every later one. A value WebSocket does not know is
   * ignored, as WebSocket ignores it (`'nodebuffer'` and `'fragments'` are the `ws` package's).
   */
  set binaryType(value: BinaryType) {
    if (!/^(blob|arraybuffer|nodebuffer|fragments)$/.test(value)) return;
    const m = this.#m;
    const ws = m.link.ws();
    m.binary = value;
    if (ws) ws.binaryType = value;
  }

  /** Bytes handed to the current socket but not yet sent, plus the bytes waiting in the queue. */
  get bufferedAmount(): number {
    return (this.#m.link.ws()?.bufferedAmount ?? 0) + this.#m.queue.bytes();
  }

  /**
   * Sends now when OPEN; otherwise queues the message, to go out in order right after the next
   * `open` listeners return. A message that the queue's bounds refuse fires `drop`.
   * @returns true if the message was written to the connection now, false if it was queued (or
   *   dropped), as partysocket's `send()` tells.
   */
  send(data: Data): boolean {
    return this.#m.submit(data);
  }

  /**
   * Closes for good: no retry follows, no timer or listener is left. An open connection gets a
   * closing handshake (at most `connectionTimeout` ms); the `close` event ends it. The queue is
   * kept for a later `reconnect()`; `clearQueue()` discards it.
   */
  close(code?: number, reason?: string): void {
    this.#m.shut(code, reason);
  }

  // ---- reconnecting-websocket's surface -------------------------------------------------

  /** Retries since the last connection that stayed open `minUptime` ms. */
  get retryCount(): number {
    return this.#m.retries();
  }

  /**
   * Drops the current connection, if any (a `close` event reports it), resets the backoff and
   * connects at once. Also starts a socket that was closed, gave up, or started closed.
   */
  reconnect(code?: number, reason?: string): void {
    this.#m.restart(code, reason);
  }

  // ---- additions -------------------------------------------------------------------------

  /**
   * Discards every queued message, and with `replayUnconfirmed` every written one not yet
   * confirmed (none is sent again), each reported by a `drop` event (reason `cleared`).
   */
  clearQueue(): number {
    return this.#m.clear();
  }

  /**
   * @internal The framework bindings' hook, as the tab-sharing socket's: `'start'` reconnects;
   * `'clear'` (a socket replaced for another url) discards the queue alone, and leaves what was
   * written to the closing handshake, which confirms it.
   */
  [Symbol.for('heartbeat-ws hook')](what: string): number | void {
    if (what == 'start') return this.reconnect();
    // What a closing handshake that fails does not confirm comes back to the queue at the
    // `close`: dropped there.
    this.addEventListener('close', () => this.#m.queue.clear(), { once: true });
    return this.#m.queue.clear();
  }

  /** Counters and timings for monitoring; a new object on every read. */
  get stats(): SocketStats {
    return this.#m.measure();
  }

  /**
   * Checks an open link now (needs the heartbeat): one ping, at most `heartbeat.probeTimeout`
   * ms for an answer, and sends wait in the queue until it comes. Called on a wake from sleep,
   * on return to a visible page, and when the network comes or goes.
   */
  probe(): void {
    this.#m.check();
  }

  // ---- extension points (heartbeat-ws/request, heartbeat-ws/outbox; docs/development.md) --

  /**
   * Sends `data` as `send()` does, and tells `done` once what became of it: `'written'` to an
   * open socket (without `replayUnconfirmed`), `'confirmed'` by a pong (with it), or the
   * {@link DropReason} of its `drop` event. `done` is also the handle for {@link untrack}.
   * @returns as `send()`.
   */
  track(data: Data, done: Tracker): boolean {
    return this.#m.submit(data, fn('done', done));
  }

  /**
   * Takes the message tracked by `done` out of the queue before it is written, or with
   * `replayUnconfirmed` out of the replay buffer before a pong confirmed it (the server may have
   * it, but it is not sent again): a `drop` event (reason `'aborted'`) reports it, and `done`
   * hears `'aborted'`.
   * @returns false when the message is in neither (written, confirmed, or already dropped).
   */
  untrack(done: Tracker): boolean {
    return this.#m.withdraw(fn('done', done));
  }

  /**
   * Shows every inbound message's data to `interceptor` first, after the heartbeat's own
   * (pongs and server pings never reach it): a truthy return keeps the message from the
   * `message` listeners. One that throws is logged and does not keep it.
   * @returns the function that removes the interceptor.
   */
  intercept(interceptor: (data: unknown) => unknown): () => unknown {
    return this.#m.tap(fn('interceptor', interceptor));
  }
}

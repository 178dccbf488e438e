import {
  browserLifecycle,
  byteLength,
  type Data,
  DEFAULTS,
  type DropDetail,
  HeartbeatSocket,
  type HeartbeatSocketEventMap,
  type Lifecycle,
  type Options,
  type ReadyState,
  type SocketState,
  type SocketStats,
  toWebSocketUrl,
  type UrlInput,
  type WebSocketLike,
} from '../index';
import { canShare, countHeld, hold } from './election';
import { outbox } from './follower';
import { type Leader, lead, snap } from './leader';
import { linger } from './linger';
import { type Relay, relay, type Relayed, type Snapshot } from './relay';

/** Options of {@link SharedHeartbeatSocket}: those of `HeartbeatSocket`, plus `channel`. */
export interface SharedOptions extends Options {
  /**
   * Tabs of one origin with the same `channel` share one connection. Required with a URL
   * provider (a function).
   * @default the URL, when it is static
   */
  channel?: string;
}

/** `detail` of the `leaderchange` event. */
export interface LeaderChangeDetail {
  /** Whether this tab now holds the real connection. */
  isLeader: boolean;
}

/** Every event a {@link SharedHeartbeatSocket} dispatches, by type. */
export interface SharedHeartbeatSocketEventMap extends HeartbeatSocketEventMap {
  /** This tab became the leader, or stopped being it. */
  leaderchange: CustomEvent<LeaderChangeDetail>;
}

/**
 * An `on…` property's value: called with the event, `this` being the socket; or null. Typed
 * without a `this` parameter, as `HeartbeatSocket`'s, so the socket fits where a `WebSocket` is
 * expected; `socket.onopen = function () {…}` still types `this` as the socket.
 */
export type SharedEventHandler<E extends Event> = ((event: E) => unknown) | null;

/** `readyState` by state, less one: connecting and reconnecting (absent) read as CONNECTING. */
const READY: SocketState[] = ['open', 'closing', 'closed'];

/** What the class reads and calls of one tab's state; see {@link tab}. */
interface Tab {
  readonly view: Snapshot;
  readonly state: SocketState;
  readonly leader: Leader | undefined;
  readonly bufferedAmount: number;
  binaryType: BinaryType;
  send(data: Data): boolean;
  close(code?: number, reason?: string): void;
  reconnect(code?: number, reason?: string): void;
  ask(what: 'probe' | 'clear'): number;
  countTabs(): Promise<number>;
}

/**
 * A {@link HeartbeatSocket} shared by every tab of an origin: one tab (the leader, chosen with
 * the Web Locks API) holds the real connection; the others talk to it over a BroadcastChannel.
 * Each tab sees the shared connection's state and events as if it were its own, and its
 * `send()`s go out through the leader, in order. When the leader tab closes, crashes or
 * navigates away, another tab takes over at once, and hands over again what was not yet sent.
 *
 * Where Web Locks or BroadcastChannel are missing, each tab keeps its own connection.
 */
// The interface of the same name below adds the typed addEventListener overloads.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class SharedHeartbeatSocket extends EventTarget {
  /** As `HeartbeatSocket.CONNECTING`. */
  static readonly CONNECTING = 0;
  /** As `HeartbeatSocket.OPEN`. */
  static readonly OPEN = 1;
  /** As `HeartbeatSocket.CLOSING`. */
  static readonly CLOSING = 2;
  /** As `HeartbeatSocket.CLOSED`. */
  static readonly CLOSED = 3;
  /** As `HeartbeatSocket.CONNECTING`. */
  readonly CONNECTING = 0;
  /** As `HeartbeatSocket.OPEN`. */
  readonly OPEN = 1;
  /** As `HeartbeatSocket.CLOSING`. */
  readonly CLOSING = 2;
  /** As `HeartbeatSocket.CLOSED`. */
  readonly CLOSED = 3;

  readonly #t: Tab;

  /**
   * @param url - as for `HeartbeatSocket`; with a URL provider, `options.channel` is required.
   * @param protocols - subprotocols, as for `WebSocket`.
   * @param options - `HeartbeatSocket`'s, plus `channel`; see {@link SharedOptions}.
   * @throws as `HeartbeatSocket`'s constructor; TypeError naming `options.channel`.
   */
  constructor(url: UrlInput, protocols?: string | string[], options?: SharedOptions) {
    super();
    this.#t = tab(this, url, protocols, options);
  }

  /** Whether this tab holds the real connection (always true where tabs cannot share). */
  get isLeader(): boolean {
    return !!this.#t.leader;
  }

  /** The URL of the shared connection's current or last attempt. */
  get url(): string {
    return this.#t.view.url;
  }

  /** The shared connection's, as this tab sees it; CLOSED once this tab called `close()`. */
  get readyState(): ReadyState {
    return (READY.indexOf(this.#t.state) + 1) as ReadyState;
  }

  /** Like `readyState`, with the wait for a retry told apart: `reconnecting`. */
  get state(): SocketState {
    return this.#t.state;
  }

  /** The subprotocol the server chose. */
  get protocol(): string {
    return this.#t.view.protocol;
  }

  /** The extensions the server chose. */
  get extensions(): string {
    return this.#t.view.extensions;
  }

  /** This tab's: binary messages reach it as Blobs or ArrayBuffers. */
  get binaryType(): BinaryType {
    return this.#t.binaryType;
  }

  set binaryType(value: BinaryType) {
    this.#t.binaryType = value;
  }

  /**
   * In the leader tab, its socket's buffered and queued bytes now; in a follower, the leader's as
   * of its last event or word that messages left its socket, plus this tab's messages not yet
   * seen leave the leader's socket.
   */
  get bufferedAmount(): number {
    return this.#t.bufferedAmount;
  }

  /** Retries of the shared connection since it was last stable. */
  get retryCount(): number {
    return this.#t.view.retryCount;
  }

  /** The shared connection's counters, as of its last event. */
  get stats(): SocketStats {
    return { ...this.#t.view.stats };
  }

  /** Called before the `open` listeners. */
  onopen: SharedEventHandler<Event> = null;
  /** Called before the `message` listeners. */
  onmessage: SharedEventHandler<MessageEvent> = null;
  /** Called before the `close` listeners. */
  onclose: SharedEventHandler<CloseEvent> = null;
  /** Called before the `error` listeners. */
  onerror: SharedEventHandler<Event> = null;

  /**
   * Sends through the leader's connection, after what this tab sent before. While no
   * connection is open it waits in the leader's queue (bounded as `HeartbeatSocket`'s; a
   * message that does not fit fires `drop` in this tab), or in this tab while no tab leads.
   * Returns true when the message was written to the connection now (in the leader tab, while
   * open), false when it waits or goes through the leader, as `HeartbeatSocket.send` does.
   */
  send(data: Data): boolean {
    return this.#t.send(data);
  }

  /**
   * Detaches this tab: a `close` event here, and no more events. The leader tab hands the
   * connection over to another tab once every socket it made has closed (so the server never
   * holds two of this browser; at most 1 s after its connection closed); the last tab to close
   * closes the connection.
   */
  close(code?: number, reason?: string): void {
    this.#t.close(code, reason);
  }

  /**
   * Reconnects the shared connection at once (backoff reset), from whichever tab it is called.
   * On a tab that called `close()`, joins again.
   */
  reconnect(code?: number, reason?: string): void {
    this.#t.reconnect(code, reason);
  }

  /** Asks the leader to check the link now (see `HeartbeatSocket.probe`). */
  probe(): void {
    this.#t.ask('probe');
  }

  /**
   * Discards the shared queue: every tab gets a `drop` event (reason `cleared`) for its own
   * messages. Returns how many this tab discarded at once (the leader's discards in the leader
   * tab; this tab's waiting messages while no tab leads).
   */
  clearQueue(): number {
    return this.#t.ask('clear');
  }

  /** How many tabs share this connection now (1 where tabs cannot share). */
  countTabs(): Promise<number> {
    return this.#t.countTabs();
  }
}

let ids = 0;
/** Unique among the tabs of an origin: 52 random bits, and a count within this tab. */
const uid = (): string => Math.random().toString(36).slice(2) + ++ids;

/**
 * One tab's part: joins the channel, follows the leader's state and events, keeps its sends
 * until they left the leader's socket, and takes the lead when the Web Lock comes to it.
 */
function tab(
  target: SharedHeartbeatSocket,
  url: UrlInput,
  protocols: string | string[] | undefined,
  options: SharedOptions | undefined,
): Tab {
  // Checks the URL and every option with HeartbeatSocket's own errors; a socket that starts
  // closed makes no connection and installs nothing.
  const probe = new HeartbeatSocket(url, protocols, { ...options, startClosed: true, lifecycle: false });
  const o: SharedOptions = options ?? {};
  const channel = o.channel ?? (typeof url === 'function' ? undefined : [url].flat().map(toWebSocketUrl).join(' '));
  if (typeof channel !== 'string' || !channel) {
    throw new TypeError(
      `heartbeat-ws: options.channel must be a non-empty string${
        typeof url === 'function' ? ' (required with a URL provider)' : ''
      }, got ${typeof channel === 'string' ? '""' : String(channel)}`,
    );
  }
  const name = `heartbeat-ws ${channel}`;
  const shared = canShare();
  const lifecycle: Lifecycle | false = o.lifecycle ?? browserLifecycle;
  const maxCount = o.maxEnqueuedMessages ?? DEFAULTS.maxEnqueuedMessages;
  const maxBytes = o.maxEnqueuedBytes ?? DEFAULTS.maxEnqueuedBytes;
  // Where tabs share, the next leader connects only once the server has seen this one's sockets
  // go. There is a WebSocket class: the probe above threw otherwise.
  const raw = shared && linger(o.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketLike));
  const leaderOptions: Options = {
    ...o,
    WebSocket: raw ? raw.WebSocket : o.WebSocket,
    // Each tab stamps its own messages, so a stamp is given once, by the tab that sent it.
    stamp: undefined,
    // Where tabs share, this tab lets go of everything for the back/forward cache itself.
    lifecycle:
      shared && lifecycle ? (notify) => lifecycle((s) => s !== 'freeze' && s !== 'restore' && notify(s)) : lifecycle,
  };

  // The probe's: its URL and stats, nothing else yet.
  let view = snap(probe, o.startClosed ? 'closed' : 'connecting');
  /**
   * This tab's, for its life: the leader takes each of its messages once, even from a tab that
   * left and joined again (reconnect(), back/forward cache).
   */
  const id = uid();
  /** Whether this tab takes part in the channel. */
  let joined = false;
  let bc: Relay | undefined;
  let release: (() => void)[] = [];
  let leader: Leader | undefined;
  /** The term of the leader this tab follows (its own when it leads). */
  let current: string | undefined;
  const retired = new Set<string>();
  /** A reconnect() asked for while no leader was known; `start` after a rejoin: only if closed. */
  let pending: [code: number, reason: string] | 'start' | undefined;
  /** After close(): the tab is detached. */
  let left = false;
  let closing = false;
  let frozen = false;
  let uninstall: (() => void) | undefined;
  let seq = 0;
  const kept = outbox();
  /**
   * Every tab's last settled mark heard: a new leader takes none of those messages again, from a
   * tab that was away (back/forward cache) when the old leader told it they left.
   */
  const heard: Record<string, number> = {};
  /**
   * This tab's messages up to this number were asked cleared of term `clearOf`, which has not
   * answered yet: one that is handing over takes nothing, so the next term's start clears them
   * here (not the same term's, after a rejoin: it took the request, and may have sent some).
   */
  let clearTo = 0;
  let clearOf: string | undefined;
  /** The number of this tab's last message. */
  let sent = 0;
  /** Forgets this tab's messages up to number `n`, each with a `drop` event. */
  const cleared = (n?: number): number => {
    const all = kept.clear(n);
    for (const data of all) drop(data, 'cleared');
    return all.length;
  };

  const emit = (event: Event): void => {
    try {
      (target as unknown as Record<string, SharedEventHandler<Event>>)[`on${event.type}`]?.call(target, event);
    } catch (error) {
      // A throwing handler is reported like a throwing listener, and breaks nothing here.
      queueMicrotask(() => {
        throw error;
      });
    }
    target.dispatchEvent(event);
  };
  // Node before 23 has no CloseEvent: an Event with the same fields, as HeartbeatSocket sends.
  const closeEvent = (code: number, reason: string, wasClean = true): CloseEvent =>
    typeof CloseEvent === 'function'
      ? new CloseEvent('close', { code, reason, wasClean })
      : (Object.assign(new Event('close'), { code, reason, wasClean }) as CloseEvent);
  const stateOf = (v = view): SocketState => (left ? 'closed' : closing ? 'closing' : v.state);

  /** Posts to the other tabs, and takes it here too when it is for this tab. */
  const tell = (message: Relayed, to?: string): void => {
    if (to !== id) bc?.post(message);
    if (to === undefined || to === id) receive(message);
  };

  /** This tab's sends not yet posted: a burst costs one structured clone and one post. */
  let batch: Extract<Relayed, { k: 'send' }> | undefined;
  /**
   * Posts the batch now. Before any other post and before leaving the channel: a `clear` or a
   * `close()` in the task that sent must come after what was sent, as in HeartbeatSocket.
   */
  const flush = (): void => {
    if (batch) bc?.post(batch);
    batch = undefined;
  };
  const post = (message: Relayed): void => {
    flush();
    bc?.post(message);
  };

  /**
   * Runs `what` on the leader's socket and tells every tab the state after it: a reconnect()
   * from CLOSED fires no event, yet every tab must read `connecting`, and a tab elected before
   * the connection opens must connect.
   */
  const act = (
    l: Leader,
    what: 'reconnect' | 'probe' | 'clear',
    code?: number,
    reason?: string,
    c?: string,
  ): number => {
    const socket = l.socket;
    const n =
      what === 'clear' ? socket.clearQueue() : (what === 'probe' ? socket.probe() : socket.reconnect(code, reason), 0);
    tell({ k: 'lead', l: current as string, s: l.snapshot(), c });
    return n;
  };

  const reconnect = (code = 1000, reason = ''): void => {
    if (leader) act(leader, 'reconnect', code, reason);
    else if (current) post({ k: 'do', to: current, what: 'reconnect', code, reason });
    else pending = [code, reason];
  };

  /** Gives message `n` to the leader; true when this tab leads and wrote it now. */
  const hand = (n: number, data: Data): boolean => {
    if (leader) return leader.accept(id, n, data);
    if (batch && batch.to === current && batch.n + batch.data.length === n) batch.data.push(data);
    else {
      flush();
      batch = { k: 'send', to: current as string, from: id, n, data: [data] };
      // Posted when the task ends, unless something posts before.
      queueMicrotask(flush);
    }
    return false;
  };

  /** Follows term `l`: hands it everything this tab keeps, and takes its state. */
  const follow = (l: string, s: Snapshot): void => {
    if (l !== current) {
      if (current) retired.add(current);
      if (l !== clearOf) clearTo = (cleared(clearTo), 0);
      current = l;
      for (const { n, data } of kept.all()) hand(n, data);
      const ask = pending;
      pending = undefined;
      // A tab that rejoined with reconnect() starts the connection if it is closed.
      if (ask === 'start') {
        if (s.state === 'closed') reconnect();
      } else if (ask) reconnect(...ask);
    }
    const was = stateOf();
    view = s;
    const now = stateOf();
    // A tab that joins an open connection sees it open; one whose leader vanished sees it end.
    if (was !== 'open' && now === 'open') emit(new Event('open'));
    if (was === 'open' && now !== 'open') emit(closeEvent(1006, 'leader lost', false));
  };

  const receive = (m: Relayed): void => {
    // A leader's last report comes while it leaves: what left its socket is settled here too.
    if (!joined && m.k !== 'settled') return;
    switch (m.k) {
      case 'hello':
        if (leader) tell({ k: 'lead', l: current as string, s: leader.snapshot() });
        return;
      case 'lead':
        // The leader's answer to a `do` (or a `hello`): a clear asked of it is done.
        if (m.l === current && m.c === id) clearTo = 0;
        if (!retired.has(m.l)) follow(m.l, m.s);
        return;
      case 'ev': {
        if (retired.has(m.l)) return;
        if (m.l !== current) follow(m.l, m.s);
        const was = stateOf();
        view = m.s;
        const init = m.init as {
          data?: unknown;
          origin?: string;
          detail?: unknown;
          code: number;
          reason: string;
          wasClean: boolean;
        };
        if (m.type === 'message') {
          const data = init.data instanceof ArrayBuffer && t.binaryType === 'blob' ? new Blob([init.data]) : init.data;
          emit(new MessageEvent('message', { data, origin: init.origin }));
        } else if (m.type === 'close') emit(closeEvent(init.code, init.reason, init.wasClean));
        else if (m.type === 'open') {
          if (was !== 'open') emit(new Event('open'));
        } else if (m.type === 'error') {
          // The leader's cause cannot cross tabs; its message does.
          const message = (init as { message?: string }).message ?? '';
          emit(
            typeof ErrorEvent === 'function'
              ? new ErrorEvent('error', { message })
              : Object.assign(new Event('error'), { message, error: undefined }),
          );
        } else if (m.type === 'giveup') {
          const { reason, close } = init.detail as { reason: string; close: CloseEvent };
          emit(
            new CustomEvent('giveup', {
              detail: { reason, close: closeEvent(close.code, close.reason, close.wasClean) },
            }),
          );
        } else emit(new CustomEvent(m.type, { detail: init.detail }));
        return;
      }
      case 'send':
        if (leader && m.to === current) m.data.forEach((data, i) => leader?.accept(m.from, m.n + i, data));
        return;
      case 'do':
        if (leader && m.to === current) act(leader, m.what, m.code, m.reason, m.from);
        return;
      case 'settled':
        Object.assign(heard, m.marks);
        kept.settle(m.marks[id] ?? 0);
        // What left the leader's socket no longer counts there either (the queue goes out after
        // the `open` event, whose state counted it).
        if (m.l === current) view.bufferedAmount = m.b;
        return;
      case 'drop': {
        const data = m.to === id && kept.take(m.n);
        if (data !== undefined && data !== false) drop(data, m.reason);
      }
    }
  };

  const drop = (data: Data, reason: DropDetail['reason']): void =>
    emit(new CustomEvent('drop', { detail: { data, reason } }));

  const setLeader = (next: Leader | undefined): void => {
    leader = next;
    emit(new CustomEvent('leaderchange', { detail: { isLeader: !!next } }));
  };

  const elected = (): void => {
    const term = uid();
    const socket = new HeartbeatSocket(url, protocols, { ...leaderOptions, startClosed: view.state === 'closed' });
    // A link the core judged dead (heartbeat, connection or close timeout: a 1006 no server
    // sends) is waited for no more, by the core nor by a handover (#14).
    socket.addEventListener('close', (e) => raw && e.code === 1006 && e.reason.endsWith('timeout') && raw.forget());
    setLeader(lead(socket, term, o.queueOverflow !== 'drop-oldest', tell, raw ? raw.drained : (then) => then(), heard));
    tell({ k: 'lead', l: term, s: (leader as Leader).snapshot() });
  };

  const join = (): void => {
    joined = true;
    frozen = false;
    if (!shared) return elected();
    bc = relay(name, receive);
    // Where the browser refuses locks, this tab keeps its own connection, as without Web Locks.
    const refused = (): void => {
      if (joined && !leader) {
        bc?.close();
        bc = undefined;
        elected();
      }
    };
    release = [hold(`${name} tab ${id}`, () => {}, refused), hold(name, elected, refused)];
    bc.post({ k: 'hello' });
  };

  /** Leaves the channel; a leader hands the connection over, `then` once it closed. */
  const leave = (code: number, reason: string, wait: boolean, then: () => void): void => {
    const was = leader;
    flush();
    const finish = (): void => {
      for (const let_go of release) let_go();
      release = [];
      bc?.close();
      bc = undefined;
      then();
    };
    joined = false;
    // A follower does not retire its term: back (reconnect(), bfcache), it follows the same
    // leader again. A leader's own term ends with its leaving.
    if (was && current) retired.add(current);
    current = undefined;
    if (was) {
      setLeader(undefined);
      // Posting goes on until the socket has closed: the others hear of the handover.
      was.leave(code, reason, wait, finish);
    } else finish();
  };

  const installHooks = (): void => {
    uninstall = lifecycle
      ? lifecycle((s) => {
          // Without sharing, the tab's own HeartbeatSocket handles the back/forward cache itself.
          if (!shared) return;
          if (s === 'freeze' && joined) {
            // A held Web Lock keeps the page out of the back/forward cache: let go of it all.
            frozen = true;
            const wasOpen = stateOf() === 'open';
            view = { ...view, state: 'reconnecting' };
            leave(1000, 'page hidden', false, () => {});
            if (wasOpen) emit(closeEvent(1001, 'page hidden'));
          } else if (s === 'restore' && frozen) join();
        })
      : undefined;
  };

  const t: Tab = {
    // The leader tab reads its socket as it is now; the others, as of the leader's last word.
    get view() {
      return leader ? leader.snapshot() : view;
    },
    get state() {
      return stateOf(t.view);
    },
    get leader() {
      return leader;
    },
    get bufferedAmount() {
      // A follower's own messages count until they left the leader's socket: its last word may
      // predate them (or count them too: an upper bound, as a backpressure check wants).
      return leader ? leader.socket.bufferedAmount : view.bufferedAmount + kept.bytes;
    },
    binaryType: 'blob',

    send(data) {
      let message: Data =
        typeof data === 'string' ||
        data instanceof ArrayBuffer ||
        ArrayBuffer.isView(data) ||
        (typeof Blob !== 'undefined' && data instanceof Blob)
          ? data
          : String(data);
      // As HeartbeatSocket does: a stamp that throws is logged, and the message goes as given.
      try {
        if (o.stamp) message = o.stamp(message, ++seq);
      } catch (error) {
        console.error('[heartbeat-ws] stamp threw', error);
      }
      // Bounded as HeartbeatSocket's queue while no leader takes the messages; the leader's
      // queue bounds them after that.
      if (!current && (kept.length >= maxCount || kept.bytes + byteLength(message) > maxBytes)) {
        drop(message, 'overflow');
        return false;
      }
      sent = kept.add(message);
      return !!current && hand(sent, message);
    },

    close(code = 1000, reason = '') {
      // HeartbeatSocket's own checks of code and reason (as WebSocket's), with its errors: the
      // probe is closed, so its close() checks and does nothing more.
      probe.close(code, reason);
      // A close() during the handover after a reconnect(): the last call wins, no rejoin.
      if (closing) pending = undefined;
      if (left || closing) return;
      const was = stateOf();
      // As HeartbeatSocket does: a throwing uninstaller is logged, and the tab closes all the same.
      try {
        uninstall?.();
      } catch (error) {
        console.error('[heartbeat-ws] lifecycle uninstall threw', error);
      }
      closing = true;
      // A reconnect() during the handover (no leader known then) sets `pending`: it rejoins.
      pending = undefined;
      leave(code, reason, true, () => {
        closing = false;
        left = true;
        if (was !== 'closed') emit(closeEvent(code, reason));
        if (pending) t.reconnect();
      });
    },

    reconnect(code = 1000, reason = '') {
      probe.close(code, reason);
      if (!left) return reconnect(code, reason);
      left = false;
      // What this tab saw before close() is stale: it is connecting until a leader answers.
      view = { ...view, state: 'connecting' };
      installHooks();
      pending = 'start';
      join();
    },

    ask(what) {
      if (leader) return act(leader, what);
      if (!current) return what === 'clear' ? cleared() : 0;
      if (what === 'clear') [clearTo, clearOf] = [sent, current];
      post({ k: 'do', to: current, what, from: id });
      return 0;
    },

    countTabs: async () => (shared && joined ? countHeld(`${name} tab `) : 1),
  };

  installHooks();
  join();
  return t;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface SharedHeartbeatSocket {
  /** Typed for the socket's own events (see {@link SharedHeartbeatSocketEventMap}). */
  addEventListener<K extends keyof SharedHeartbeatSocketEventMap>(
    type: K,
    listener: (this: SharedHeartbeatSocket, event: SharedHeartbeatSocketEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Any other event type, as on EventTarget. */
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Removes a listener added for one of the socket's own events. */
  removeEventListener<K extends keyof SharedHeartbeatSocketEventMap>(
    type: K,
    listener: (this: SharedHeartbeatSocket, event: SharedHeartbeatSocketEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  /** Removes a listener of any other event type. */
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

import {
  byteLength,
  checkClose,
  closeEvent,
  customEvent,
  type Data,
  type DropReason,
  emitter,
  fn,
  guard,
  HeartbeatSocket,
  type HeartbeatSocketEventMap,
  type Outbox,
  type OutboxLink,
  type ReadyState,
  type SocketState,
  type SocketStats,
  Surface,
  toArgs,
  toData,
  type Tracker,
  type UrlInput,
} from '../internal';
import { countHeld, hold } from './election';
import { messageEvent, uncarry } from './inbox';
import { DROPS_KEPT, type Leader, lead, type Told } from './leader';
import { marks, trim } from './marks';
import { type SharedOptions, settle } from './options';
import { outbox } from './outbox';
import { type Relay, relay, type Relayed, type Snapshot } from './relay';

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
 * An `on…` property's value: called with the event, `this` being the socket; or null. The same
 * type as `HeartbeatSocket`'s `EventHandler`.
 */
export type SharedEventHandler<E extends Event> = ((event: E) => unknown) | null;

/**
 * What heartbeat-ws/react (a bundle of its own, which finds it by this key) does to its socket
 * without touching the other tabs: `'start'` connects only if the shared connection is closed
 * (`reconnect()` would drop it for every tab); `'clear'` drops this tab's messages alone
 * (`clearQueue()` clears every tab's).
 */
const HOOK = Symbol.for('heartbeat-ws hook');

/** `readyState` by state, less one: connecting and reconnecting (absent) read as CONNECTING. */
const READY: SocketState[] = ['open', 'closing', 'closed'];

/** What the class reads and calls of one tab's state; see {@link tab}. */
interface Tab {
  view(): Snapshot;
  state(): SocketState;
  leader(): Leader | undefined;
  bufferedAmount(): number;
  binaryType: BinaryType;
  send(data: Data, done?: Tracker): boolean;
  untrack(done: Tracker): boolean;
  intercept(fn: (data: unknown) => unknown): () => unknown;
  close(code?: number, reason?: string): void;
  reconnect(code?: number, reason?: string): void;
  start(): void;
  clear(): number;
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
export class SharedHeartbeatSocket extends Surface<SharedHeartbeatSocketEventMap> {
  readonly #t: Tab;

  /**
   * Options second, without protocols (as for `HeartbeatSocket`).
   * @param url - as below.
   * @param options - `HeartbeatSocket`'s, plus `channel`; see {@link SharedOptions}.
   * @throws as below.
   */
  constructor(url: UrlInput, options?: SharedOptions);
  /**
   * @param url - as for `HeartbeatSocket`; with a URL provider, `options.channel` is required.
   * @param protocols - subprotocols, as for `WebSocket`.
   * @param options - `HeartbeatSocket`'s, plus `channel`; see {@link SharedOptions}. Also accepted second.
   * @throws as `HeartbeatSocket`'s constructor; TypeError naming `options.channel`.
   */
  constructor(url: UrlInput, protocols?: string | string[], options?: SharedOptions);
  constructor(url: UrlInput, protocols?: string | string[] | SharedOptions, options?: SharedOptions) {
    super();
    this.#t = tab(this, url, ...toArgs(protocols, options));
  }

  /** Whether this tab holds the real connection (always true where tabs cannot share). */
  get isLeader(): boolean {
    return !!this.#t.leader();
  }

  /** The URL of the shared connection's current or last attempt. */
  get url(): string {
    return this.#t.view().url;
  }

  /** The shared connection's, as this tab sees it; CLOSED once this tab called `close()`. */
  get readyState(): ReadyState {
    return (READY.indexOf(this.#t.state()) + 1) as ReadyState;
  }

  /** Like `readyState`, with the wait for a retry told apart: `reconnecting`. */
  get state(): SocketState {
    return this.#t.state();
  }

  /** The subprotocol the server chose. */
  get protocol(): string {
    return this.#t.view().protocol;
  }

  /** The extensions the server chose. */
  get extensions(): string {
    return this.#t.view().extensions;
  }

  /** This tab's: binary messages reach it as Blobs or ArrayBuffers. */
  get binaryType(): BinaryType {
    return this.#t.binaryType;
  }

  /** Applies to the messages this tab receives from now on. */
  set binaryType(value: BinaryType) {
    // Any other value is ignored, as WebSocket ignores it.
    if (value == 'blob' || value == 'arraybuffer') this.#t.binaryType = value;
  }

  /**
   * In the leader tab, its socket's buffered and queued bytes now; in a follower, the leader's as
   * of its last event or word that messages left its socket, plus this tab's messages not yet
   * seen leave the leader's socket.
   */
  get bufferedAmount(): number {
    return this.#t.bufferedAmount();
  }

  /** Retries of the shared connection since it was last stable. */
  get retryCount(): number {
    return this.#t.view().retryCount;
  }

  /** The shared connection's counters, as of its last event. */
  get stats(): SocketStats {
    return { ...this.#t.view().stats };
  }

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

  /** @internal See `HOOK`. */
  [HOOK](what: 'start' | 'clear'): number | void {
    // Not this.#t[what](): the minified UMD renames `start` (rollup.config.js, MANGLED).
    return what == 'start' ? this.#t.start() : this.#t.clear();
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

  /**
   * As `HeartbeatSocket.track`: `done` hears once what became of this tab's message when the
   * leader tells it: `'written'` (or `'confirmed'` with `replayUnconfirmed`) once it left the
   * leader's socket, or the reason of its `drop` event in this tab.
   */
  track(data: Data, done: Tracker): boolean {
    return this.#t.send(data, fn('done', done));
  }

  /**
   * As `HeartbeatSocket.untrack`, for a message this tab still holds (no tab leads, or it has
   * not been handed to the leader yet); false once the leader has it.
   */
  untrack(done: Tracker): boolean {
    return this.#t.untrack(fn('done', done));
  }

  /** As `HeartbeatSocket.intercept`, for the messages this tab receives. */
  intercept(interceptor: (data: unknown) => unknown): () => unknown {
    return this.#t.intercept(fn('interceptor', interceptor));
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
  const { o, name, shared, raw, leaderOptions, first } = settle(url, protocols, options);
  const call = guard(o.clock);
  /** This tab's, for its life: the leader takes each of its messages once, even from a tab that left and joined again. */
  const id = uid();
  /** What the tab knows of the connection: the leader's last word (nothing yet: its URL). */
  let view: Snapshot = {
    state: o.startClosed ? 'closed' : 'connecting',
    url: first,
    protocol: '',
    extensions: '',
    retryCount: 0,
    bufferedAmount: 0,
    stats: {
      attempts: 0,
      reconnects: 0,
      lastRtt: -1,
      averageRtt: -1,
      uptime: 0,
      queued: 0,
      queuedBytes: 0,
      dropped: 0,
      unconfirmed: 0,
    },
  };
  /** Whether this tab takes part in the channel. */
  let joined = false;
  let bc: Relay | undefined;
  let release: (() => void)[] = [];
  let leader: Leader | undefined;
  /** The leadership term this tab follows (its own when it leads). */
  let term: string | undefined;
  const retired = new Set<string>();
  /** A reconnect() asked for while no leader was known; `start` after a rejoin: only if closed. */
  let pending: [code: number, reason: string] | 'start' | undefined;
  /**
   * The term this tab asked for a reconnect() or start, not answered yet: a leader tab that ends
   * (closed, crashed) before it acts on it would lose it, so the next term is asked to start (a
   * new leader's connection is a new one: only a closed one needs the ask).
   */
  let asked: string | undefined;
  /** After close(): the tab is detached. */
  let left = false;
  let closing = false;
  let frozen = false;
  /** This tab dispatched `open` and no `close` since. */
  let opened = false;
  /** This tab's messages up to this number were handed to term `handedTo`'s leader. */
  let handed = 0;
  let handedTo: string | undefined;
  /**
   * After close(), a follower whose messages its leader still holds hears what becomes of them
   * (its trackers, its `drop` events) until all have left that leader's socket, or the leader
   * goes (its Web Lock: this lets go of it), or its connection is closed for good (they are then
   * this tab's again, for a later reconnect()). Ends it.
   */
  let lingering: (() => void) | undefined;
  /**
   * A clearQueue() while lingering: its messages up to this number still here when the listening
   * ends are dropped then (`cleared`).
   */
  let clearing = 0;
  let uninstall: (() => void) | undefined;
  let seq = 0;
  const kept = outbox(call);
  const taps = new Set<(data: unknown) => unknown>();
  /**
   * Every tab's last settled mark heard: a new leader takes none of those messages again, from a
   * tab that was away (back/forward cache) when the old leader told it they left. A leader that
   * hands over leaves them in storage, and a new one reads them there (see marks.ts): the tab
   * that was away may be the new leader.
   */
  const heard: Record<string, number> = {};
  /**
   * The drops told to tabs, oldest first, the last DROPS_KEPT: this tab's leader's own, those it
   * overheard, those stored. A mark settles a tab's messages up to it: a new leader tells a tab
   * that was away which of them were dropped first (see lead()).
   */
  const drops: Told[] = [];
  /**
   * This tab's messages up to this number were asked cleared of term `clearOf`, which has not
   * answered yet: one that is handing over takes nothing, so the next term's start clears them
   * here (not the same term's, after a rejoin: it took the request, and may have sent some).
   */
  let clearTo = 0;
  let clearOf: string | undefined;
  /** The number of this tab's last message. */
  let sent = 0;

  /** This tab's state: the connection's (`state`), unless this tab is closing or closed. */
  const stateOf = (state = leader ? leader.state() : view.state): SocketState =>
    left ? 'closed' : closing ? 'closing' : state;
  const { emit, sync } = emitter(target, () => stateOf());
  const drop = (data: Data, reason: DropReason, done?: Tracker): void => {
    emit(customEvent('drop', { data, reason }));
    // As HeartbeatSocket's: a tracker that throws is logged, and the others still hear theirs.
    call(done, reason);
  };
  /** Forgets this tab's messages up to number `n`, each with a `drop` event. */
  const cleared = (n?: number): number => {
    const all = kept.clear(n);
    for (const { data, done } of all) drop(data, 'cleared', done);
    return all.length;
  };
  /** This tab's `open`, once per connection it sees open. */
  const open = (): void => {
    if (!opened) emit(new Event('open'));
    opened = true;
  };
  const close = (event: Event): void => {
    opened = false;
    emit(event);
  };

  /** Posts to the other tabs, and takes it here too when it is for this tab. */
  const tell = (message: Relayed, to?: string): void => {
    if (to !== id) bc?.post(message);
    if (to === undefined || to === id) receive(message);
  };

  const reconnect = (code: number, reason: string): void => {
    if (leader) leader.socket.reconnect(code, reason);
    else if (term) {
      asked = term;
      bc?.post({ k: 'do', to: term, what: 'reconnect', code, reason, from: id });
    } else pending = [code, reason];
  };

  /**
   * Connects if the connection is closed, once a leader is known. The leader checks, not this tab:
   * a follower's view may be stale (another tab started the connection, and it opened, since).
   */
  const start = (): void => {
    if (leader) {
      if (leader.state() === 'closed') leader.socket.reconnect();
    } else {
      asked = term;
      bc?.post({ k: 'do', to: term as string, what: 'reconnect', closed: true, from: id });
    }
  };

  /** Gives message `n` to the leader; true when this tab leads and wrote it now. */
  const hand = (n: number, data: Data): boolean => {
    if (leader) return leader.accept(id, n, data);
    bc?.send((handedTo = term as string), id, (handed = n), data);
    return false;
  };
  /** Whether the leader of `handedTo` may hold some of this tab's messages. */
  const holds = (): boolean => (kept.all()[0]?.n ?? Infinity) <= handed;

  /** Follows term `l`: hands it everything this tab keeps, and takes its state. */
  const follow = (l: string, s: Snapshot): void => {
    const changed = l !== term;
    if (changed) {
      if (term) retired.add(term);
      if (l !== clearOf) clearTo = (cleared(clearTo), 0);
      term = l;
      // One given up on while another leader held it goes to none after it: dropped, 'aborted'
      // (with an outbox, the next leader adopts it all the same).
      for (const item of [...kept.all()])
        if (item.w && item.w !== l && !o.outbox) {
          kept.take(item.n);
          drop(item.data, 'aborted', item.done);
        } else hand(item.n, item.data);
      // Asked of the term before, unanswered: its leader may have gone before acting on it.
      const ask = pending ?? (asked && 'start');
      pending = asked = undefined;
      // A tab that rejoined with reconnect() starts the connection if it is closed.
      if (ask === 'start') start();
      else if (ask) reconnect(...ask);
    }
    view = s;
    // A tab that joins an open connection sees it open; one whose leader vanished sees it end.
    // The same leader's word (an answer to a clear) waits for that leader's own `close`.
    if (stateOf() === 'open') open();
    else if (opened && changed) close(closeEvent(1006, 'leader lost', false));
    else sync();
  };

  /** An event of the leader's socket, as this tab sees it. */
  const event = (m: Extract<Relayed, { k: 'ev' }>): void => {
    if (retired.has(m.l)) return;
    if (m.l !== term) follow(m.l, m.s);
    view = m.s;
    const type = m.type;
    if (type === 'statechange') return void sync();
    if (type === 'open') return open();
    const ev = uncarry(type, m.init, t.binaryType);
    if (type === 'close') close(ev);
    else emit(ev);
  };

  /**
   * A message the leader's socket received, every message's path in every tab: no envelope,
   * snapshot or array is made for it, and an interceptor may take it. Interceptors see its data
   * as the listeners do, in this tab's `binaryType`, as HeartbeatSocket's see the WebSocket's.
   */
  const message = (data: unknown, origin: string): void => {
    const ev = messageEvent(data, origin, t.binaryType);
    if (taps.size) for (const tap of taps) if (call(tap, ev.data)) return;
    emit(ev);
  };

  /**
   * A follower that closed stops listening (see `lingering`). `gone`: its leader went, so what it
   * handed is its own again, counted in its bounds; not with an outbox, whose next leader adopts
   * it and sends it.
   */
  const quit = (gone?: boolean): void => {
    if (lingering) {
      if (gone && !o.outbox) handed = 0;
      lingering();
      lingering = undefined;
      bc?.close();
      bc = undefined;
      cleared(clearing);
      clearing = 0;
    }
  };
  /** A tab that listens (see `lingering`) quits once the leader holds nothing more of what it handed. */
  const done = (): unknown => holds() || quit();

  const receive = (m: Relayed): void => {
    // A leader's last report comes while it leaves: what left its socket is settled here too.
    // A follower that closed hears of its own messages (`lingering`).
    if (!joined && m.k !== 'settled' && !(lingering && m.k === 'drop')) {
      // Another leader, or the connection closed for good: its messages are its own again.
      if ((m.k === 'lead' || m.k === 'ev') && (m.l !== handedTo || m.s.state === 'closed')) quit(m.l !== handedTo);
      return;
    }
    switch (m.k) {
      case 'hello':
        if (leader) tell({ k: 'lead', l: term as string, s: leader.snapshot() });
        return;
      case 'lead':
        // The leader's answer to a `do` (or a `hello`): a clear asked of it is done. Its term, not
        // the one followed: a tab that rejoined since follows none until a `lead` comes.
        // Any answer: the term acted on what this tab asked of it before (posts keep their order).
        if (m.c === id) {
          if (m.l === clearOf) clearTo = 0;
          if (m.l === asked) asked = undefined;
        }
        if (!retired.has(m.l)) follow(m.l, m.s);
        return;
      case 'ev':
        return event(m);
      case 'm':
        // A tab hears of a term (`lead`) before its messages: those of a term it does not follow
        // (yet, or any more) are not its own.
        if (m.l === term) message(m.d, m.o);
        return;
      case 'send':
        if (leader && m.to === term) m.data.forEach((data, i) => leader?.accept(m.from, m.n + i, data));
        return;
      case 'do':
        if (!leader || m.to !== term) return;
        // `closed`: a start, not a reconnect() (a leader of an older version reconnects).
        if (m.what === 'reconnect') {
          if (m.closed) start();
          else leader.socket.reconnect(m.code, m.reason);
          // Answered, so the tab does not ask the next term again.
          return tell({ k: 'lead', l: term, s: leader.snapshot(), c: m.from }, m.from);
        }
        if (m.what === 'probe') return leader.socket.probe();
        if (m.what === 'discard') return leader.discard(m.from as string, m.n as number);
        return void clear(leader, m.from);
      case 'settled':
        // Moved to the end: the tabs heard of last are the last to leave storage (marks.ts).
        for (const tab in m.marks) delete heard[tab];
        trim(Object.assign(heard, m.marks));
        kept.settle(m.marks[id] ?? 0, o.replayUnconfirmed ? 'confirmed' : 'written');
        // What left the leader's socket no longer counts there either (the queue goes out after
        // the `open` event, whose state counted it).
        if (m.l === term) view.bufferedAmount = m.b;
        return void done();
      case 'drop': {
        // The leader keeps its own (lead()), this same list.
        if (!leader && drops.push(m) > DROPS_KEPT) drops.shift();
        const item = m.to === id ? kept.take(m.n) : undefined;
        if (item) drop(item.data, m.reason, item.done);
        done();
      }
    }
  };

  /** Clears the leader's queue, and tells tab `from` (if another asked) that it is done. */
  const clear = (l: Leader, from?: string): number => {
    const n = l.socket.clearQueue();
    tell({ k: 'lead', l: term as string, s: l.snapshot(), c: from });
    return n;
  };

  const setLeader = (next: Leader | undefined): void => {
    leader = next;
    // What it keeps goes to its own socket now (a leader hands nothing over).
    handed = 0;
    emit(customEvent('leaderchange', { isLeader: !!next }));
  };

  const elected = (): void => {
    const l = uid();
    const given = leaderOptions.outbox;
    let link: OutboxLink | undefined;
    let next: Leader | undefined;
    const make = (outbox?: Outbox): HeartbeatSocket =>
      new HeartbeatSocket(url, protocols, { ...leaderOptions, startClosed: view.state === 'closed', outbox });
    // The leader's socket keeps every tab's messages in the outbox, each with its tab and number:
    // a later leader sends what this one left once, not again what a tab hands over again.
    // An outbox whose attach() throws: where tabs cannot share, this runs in the constructor,
    // which throws it, as HeartbeatSocket's does; in a lock's callback it is logged, and this
    // leader keeps its queue in memory.
    const attach = (): HeartbeatSocket =>
      make({
        attach: (s, hooks) =>
          (link = given!.attach(s, {
            ...hooks,
            // Both called once `next` is set: at a send through it, and after a read of IndexedDB.
            label: (done) => next!.label(done),
            adopt: (f, data, dropped) => next!.adopt(f, data, dropped),
          })),
      });
    const socket = (given && (shared ? call(attach) : attach())) || make();
    // Handing over, this leader lets go of what its outbox kept: the next one takes it over.
    release.unshift(() => link?.letGo?.());
    // A link the core judged dead (heartbeat, connection or close timeout: a 1006 no server
    // sends) is waited for no more, by the core nor by a handover (#14).
    socket.addEventListener('close', (e) => raw && e.code === 1006 && e.reason.endsWith('timeout') && raw.forget());
    marks(heard, drops);
    setLeader(
      (next = lead(
        socket,
        l,
        tell,
        raw ? raw.drained : (then) => then(),
        heard,
        (data, reason, from) => {
          if (from !== id) drop(data, reason);
        },
        drops,
      )),
    );
    tell({ k: 'lead', l, s: (leader as Leader).snapshot() });
  };

  const join = (): void => {
    // What its leader says of the messages, a clear's answer too, reaches the tab joined.
    clearing = 0;
    quit();
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
    // A leader whose page ends (closed, or left for a page without the back/forward cache) stores
    // what left its socket first: its locks go with the page, and no handover runs (marks.ts).
    if (typeof addEventListener == 'function') {
      const unload = (): unknown => leader && marks(heard, drops, true);
      addEventListener('pagehide', unload);
      release.push(() => removeEventListener('pagehide', unload));
    }
    bc.post({ k: 'hello' });
  };

  /**
   * Leaves the channel; a leader hands the connection over, `then` once it closed, with its
   * socket's `close` event (a closing handshake that timed out is no clean close).
   */
  const leave = (code: number, reason: string, wait: boolean, then: (last?: CloseEvent) => void): void => {
    const was = leader;
    let last: CloseEvent | undefined;
    bc?.flush();
    const finish = (): void => {
      for (const letGo of release) letGo();
      release = [];
      // A follower's close() (not a page into the back/forward cache) whose leader holds some of
      // its messages, on a connection not closed for good, hears what becomes of them.
      if (bc && !was && wait && holds() && view.state !== 'closed') {
        // Until its leader goes (its lock comes free), or this page goes into the back/forward
        // cache (a request for a lock would hold it, or the election, up there).
        const end = (gone?: boolean): unknown => lingering === stop && quit(gone);
        const watch = hold(name, () => queueMicrotask(() => end(true)), end);
        const off = o.lifecycle && o.lifecycle((s) => s === 'freeze' && end());
        const stop = (): void => {
          watch();
          call(off || undefined);
        };
        lingering = stop;
      } else {
        bc?.close();
        bc = undefined;
      }
      then(last);
    };
    joined = false;
    // A follower does not retire its term: back (reconnect(), bfcache), it follows the same
    // leader again. A leader's own term ends with its leaving.
    if (was && term) retired.add(term);
    term = undefined;
    if (was) {
      was.socket.addEventListener('close', (e) => (last = e));
      setLeader(undefined);
      // Posting goes on until the socket has closed: the others hear of the handover. What left
      // its socket (its closing handshake confirms the rest, with replayUnconfirmed) is stored
      // for the next leader once it closed, before the lock goes.
      was.leave(code, reason, wait, () => (marks(heard, drops, true), finish()));
    } else finish();
  };

  const installHooks = (): void => {
    const lifecycle = o.lifecycle;
    uninstall = lifecycle
      ? fn(
          "options.lifecycle's return",
          lifecycle((s) => {
            // Without sharing, the tab's own HeartbeatSocket handles the back/forward cache itself.
            if (!shared) return;
            if (s === 'freeze' && joined) {
              // A held Web Lock keeps the page out of the back/forward cache: let go of it all.
              frozen = true;
              // A closed connection (it gave up, or never started) stays closed.
              if (stateOf() !== 'closed') view = { ...view, state: 'reconnecting' };
              leave(1000, 'page hidden', false, () => {});
              if (opened) close(closeEvent(1001, 'page hidden'));
              else sync();
            } else if (s === 'restore' && frozen) join();
          }),
        )
      : undefined;
  };

  const t: Tab = {
    // Methods, not getters, as the core's parts (see its attempts()). The leader tab reads its
    // socket as it is now; the others, as of the leader's last word.
    view: () => (leader ? leader.snapshot() : view),
    state: () => stateOf(),
    leader: () => leader,
    // A follower's own messages count until they left the leader's socket: its last word may
    // predate them (or count them too: an upper bound, as a backpressure check wants).
    bufferedAmount: () => (leader ? leader.socket.bufferedAmount : view.bufferedAmount + kept.bytes),
    binaryType: 'blob',

    send(data, done) {
      let message = toData(data);
      // As HeartbeatSocket does: a stamp that throws is logged, and the message goes as given.
      if (o.stamp) message = call(o.stamp, message, ++seq) ?? message;
      // Bounded as HeartbeatSocket's queue while no leader takes the messages, `queueOverflow`
      // too; the leader's queue bounds them after that.
      if (!term) {
        const size = byteLength(message);
        // What a leader holds (handed over before a close()) is that leader's to bound: neither
        // counted nor given way here. They come first.
        let skip = 0;
        let bytes = kept.bytes;
        for (const item of kept.all())
          if (item.n <= handed) {
            skip++;
            bytes -= item.size;
          }
        const full = (): boolean => kept.length - skip >= o.maxEnqueuedMessages || bytes + size > o.maxEnqueuedBytes;
        if (size > o.maxEnqueuedBytes || o.maxEnqueuedMessages < 1 || (o.queueOverflow !== 'drop-oldest' && full())) {
          drop(message, 'overflow', done);
          return false;
        }
        while (full()) {
          const oldest = kept.take(kept.all()[skip]!.n)!;
          bytes -= oldest.size;
          drop(oldest.data, 'overflow', oldest.done);
        }
      }
      sent = kept.add(message, done);
      return !!term && hand(sent, message);
    },

    untrack(done) {
      const item = kept.all().find((i) => i.done === done);
      // This tab leads: the message is in its own socket's queue, taken out there if still in it.
      if (leader) return !!item && leader.withdraw(id, item.n);
      // Otherwise only while no leader has it: a message handed over is the leader's to send, also
      // after close() while that leader may hold it; a later leader does not get it (follow()).
      if (!item) return false;
      if (term || item.n <= handed) {
        item.w = handedTo;
        return false;
      }
      kept.take(item.n);
      drop(item.data, 'aborted', done);
      return true;
    },

    intercept(fn) {
      taps.add(fn);
      return () => taps.delete(fn);
    },

    close(code = 1000, reason = '') {
      checkClose(code, reason);
      // A close() during the handover after a reconnect(): the last call wins, no rejoin.
      if (closing) pending = undefined;
      if (left || closing) return;
      const was = stateOf();
      // As HeartbeatSocket does: a throwing uninstaller is logged, and the tab closes all the same.
      call(uninstall);
      closing = true;
      sync();
      // A reconnect() during the handover (no leader known then) sets `pending`: it rejoins.
      pending = undefined;
      leave(code, reason, true, (last) => {
        closing = false;
        left = true;
        if (was !== 'closed')
          close(last ? closeEvent(last.code, last.reason, last.wasClean) : closeEvent(code, reason));
        else sync();
        if (pending) t.reconnect();
      });
    },

    reconnect(code = 1000, reason = '') {
      checkClose(code, reason);
      if (!left) return reconnect(code, reason);
      left = false;
      // What this tab saw before close() is stale: it is connecting until a leader answers.
      view = { ...view, state: 'connecting' };
      sync();
      installHooks();
      pending = 'start';
      join();
    },

    start() {
      if (left) t.reconnect();
      else if (!term) pending ??= 'start';
      else start();
    },

    clear() {
      // Dropped here at once: the tab may leave before the leader answers. The leader lets go of
      // them, and takes none of them if they are still on their way. A tab that closed and
      // listens hears it from its leader instead: which were written, which it dropped.
      let n = 0;
      if (lingering) {
        clearing = sent;
        for (const item of [...kept.all()])
          if (item.n > handed) {
            kept.take(item.n);
            n++;
            drop(item.data, 'cleared', item.done);
          }
      } else n = cleared();
      const to = term ?? handedTo;
      const message: Relayed = { k: 'do', to: to as string, what: 'discard', from: id, n: sent };
      if (leader) leader.discard(id, sent);
      else if (bc) bc.post(message);
      // Closed, no longer listening: its last leader may still hold some, and must not send them.
      else if (to && shared) {
        const once = relay(name, () => {});
        once.post(message);
        once.close();
      }
      return n;
    },

    ask(what) {
      if (leader) return what === 'clear' ? clear(leader) : (leader.socket.probe(), 0);
      if (!term) return what === 'clear' ? t.clear() : 0;
      if (what === 'clear') [clearTo, clearOf] = [sent, term];
      bc?.post({ k: 'do', to: term, what, from: id });
      return 0;
    },

    countTabs: async () => (shared && joined ? countHeld(`${name} tab `) : 1),
  };

  installHooks();
  join();
  return t;
}

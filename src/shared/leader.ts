import type { Data, DropReason, HeartbeatSocket, Outcome, OutboxLabel, SocketState, Tracker } from '../internal';
import { carry } from './inbox';
import type { Relayed, Snapshot } from './relay';

/** The leader's side: the real socket, relayed to every tab. */
export interface Leader {
  readonly socket: HeartbeatSocket;
  /** What every tab (this one included) is told when it asks: the current state. */
  snapshot(): Snapshot;
  /** The state every tab is told, read cheaply (no snapshot). */
  state(): SocketState;
  /**
   * Sends message `n` of tab `from` once; true when it was written to the socket now. A repeat
   * is not sent again: the tab is told what of it has left the socket.
   */
  accept(from: string, n: number, data: Data): boolean;
  /**
   * Lets go of the connection for the next leader: closes the socket, and calls `done` once it
   * and every raw socket it made have closed (at once when `wait` is false: a page going into
   * the back/forward cache, which a held lock would keep out of it).
   */
  leave(code: number, reason: string, wait: boolean, done: () => void): void;
  /**
   * Takes message `n` of tab `from` out of the socket's queue before it is written; true when it
   * was there. Its drop ('aborted') is told to the tab as any drop.
   */
  withdraw(from: string, n: number): boolean;
  /** Lets go of tab `from`'s messages up to `n` (its tab dropped them), and takes none of them again. */
  discard(from: string, n: number): void;
  /** The tab and number of the message `done` tracks, while the socket has it (see `OutboxHooks.label`). */
  label(done: Tracker): OutboxLabel | undefined;
  /**
   * A message an earlier leader's outbox kept, as message `n` of tab `from`: taken as `accept`
   * takes it (nothing if the tab handed it over already), or dropped for the reason `dropped`
   * gives. Its drop is told to its tab and to `orphan` too (its tab may have ended).
   */
  adopt(label: OutboxLabel, data: Data, dropped: false | 'expired' | 'cleared'): void;
}

/** How many drops a tab remembers, for tabs that were away when they were told. */
export const DROPS_KEPT = 1000;

/** A drop told to tab `to` (see `Relayed`). */
export type Told = Extract<Relayed, { k: 'drop' }>;

/** What tabs are told of `socket`, in state `state`. */
export const snap = (socket: HeartbeatSocket, state: SocketState): Snapshot => ({
  state,
  url: socket.url,
  protocol: socket.protocol,
  extensions: socket.extensions,
  retryCount: socket.retryCount,
  bufferedAmount: socket.bufferedAmount,
  stats: socket.stats,
});

/**
 * The socket's events every tab sees (and `message`, see below); `statechange` carries the state
 * of changes without one.
 */
const RELAYED = ['open', 'close', 'error', 'reconnecting', 'heartbeat', 'giveup', 'statechange'];

/**
 * Makes this tab the leader of term `term` around `socket`: every event of the socket goes to
 * every tab through `tell` (a message with `to` only to that tab), and the messages tabs hand
 * over go out through it, in each tab's order, none up to its tab's mark in `heard`.
 *
 * Each tab keeps its messages until the leader says they have left its socket: the socket tells
 * each message's outcome (`track`): written, or with replayUnconfirmed confirmed by a pong, or
 * dropped, which is told to its tab alone, and kept in `dropped` (the last drops told, oldest
 * first, also those an earlier leader told): told again to a tab that hands such a message over
 * again (it was away, in the back/forward cache, when it was told), before the mark that
 * settles the rest as written.
 */
export function lead(
  socket: HeartbeatSocket,
  term: string,
  tell: (message: Relayed, to?: string) => void,
  drained: (then: () => void) => void,
  heard: Record<string, number>,
  orphan: (data: Data, reason: DropReason, from: string) => void = () => {},
  dropped: Told[] = [],
): Leader {
  // Binary messages travel to the other tabs as ArrayBuffers; each tab converts to its binaryType.
  socket.binaryType = 'arraybuffer';
  // What left an earlier leader's socket is taken: a tab that was away may hand it over again.
  const taken = { ...heard };
  /** The numbers of each tab's messages handed to the socket and not yet settled, oldest first. */
  const pending: Record<string, number[]> = {};
  /** What tracks each message in the socket's queue: its tab and number. */
  const tracked = new Map<Tracker, [string, number]>();
  let leaving = false;
  /** The term was handed over: nothing of this socket is told any more. */
  let gone = false;
  /** Its `close` ends no connection the tabs saw (see leave()). */
  let quiet = false;
  /** Untracking for a tab's discard. */
  let clearing = false;

  // While it hands over, the other tabs are told the connection is moving, not ending.
  const state = (): SocketState => (leaving ? 'reconnecting' : socket.state);
  const snapshot = (): Snapshot => snap(socket, state());

  /** Settled marks not yet told: one `settled` post per task, whatever the number of messages. */
  let marks: Record<string, number> | undefined;
  const report = (): void => {
    if (marks && !gone) tell({ k: 'settled', l: term, marks, b: socket.bufferedAmount });
    marks = undefined;
  };
  // After the current task's work: the queue flushes right after the `open` listeners return.
  const mark = (from: string, n: number): void => {
    if (!marks) queueMicrotask(report);
    (marks ??= {})[from] = n;
  };

  /** Message `n` of tab `from` is done with: it left the socket, or will never. */
  const settled = (from: string, n: number, outcome: Outcome): void => {
    const list = pending[from] ?? [];
    const i = list.indexOf(n);
    if (i >= 0) list.splice(i, 1);
    if (gone) return;
    if (outcome === 'written' || outcome === 'confirmed') return mark(from, n);
    const told = { k: 'drop' as const, to: from, n, reason: clearing ? 'cleared' : outcome };
    tell(told, from);
    if (dropped.push(told) > DROPS_KEPT) dropped.shift();
  };

  for (const type of RELAYED) {
    socket.addEventListener(type, (event) => {
      if (!gone && !(quiet && type == 'close')) tell({ k: 'ev', l: term, type, init: carry(event), s: snapshot() });
    });
  }
  // Without a snapshot (a message changes none of it): reading and cloning one for each message
  // cost the leader tab more than the message itself. Taken as an interceptor, before the socket
  // makes a MessageEvent no one here would read (the leader tab's own comes through \`tell\`, as
  // every tab's): that event and its dispatch were a third of the leader's work per message.
  // The origin is the URL's, as a WebSocket's messages carry (WHATWG URL origin of a ws: URL).
  let url = '';
  let origin = '';
  socket.intercept((data) => {
    if (url !== socket.url) origin = new URL((url = socket.url)).origin;
    if (!gone) tell({ k: 'm', l: term, d: data, o: origin });
    return true;
  });

  /** Takes message `n` of tab `from` into the socket; `adopted`: from an earlier leader's outbox. */
  const take = (from: string, n: number, data: Data, adopted?: boolean): boolean => {
    taken[from] = n;
    (pending[from] ??= []).push(n);
    const done = (outcome: Outcome): void => {
      tracked.delete(done);
      settled(from, n, outcome);
      if (adopted && !gone && outcome !== 'written' && outcome !== 'confirmed') orphan(data, outcome, from);
    };
    tracked.set(done, [from, n]);
    return socket.track(data, done);
  };

  return {
    socket,
    snapshot,
    state,
    accept(from, n, data) {
      const last = taken[from] ?? 0;
      if (n <= last) {
        const told = dropped.find((d) => d.to === from && d.n === n);
        if (told) tell(told, from);
        // Taken before: the tab joined again and missed a report. It is told what has left the
        // socket: everything before its oldest message still pending here.
        const first = pending[from]?.[0];
        mark(from, first ? first - 1 : last);
        return false;
      }
      return take(from, n, data);
    },
    label: (done) => tracked.get(done),
    adopt([from, n], data, dropped) {
      if (n <= (taken[from] ?? 0)) return;
      if (!dropped) return void take(from, n, data, true);
      taken[from] = n;
      settled(from, n, dropped);
      orphan(data, dropped, from);
    },
    withdraw(from, n) {
      for (const [done, [tab, m]] of tracked) if (tab === from && m === n) return socket.untrack(done);
      return false;
    },
    discard(from, n) {
      taken[from] = Math.max(taken[from] ?? 0, n);
      // Told as the tab's clearQueue(): 'cleared'.
      clearing = true;
      for (const [done, [tab, m]] of tracked) if (tab === from && m <= n) socket.untrack(done);
      clearing = false;
    },
    leave(code, reason, wait, done) {
      leaving = true;
      // Once handed over, this term is over: a late event of its socket (a closing handshake
      // that ends after a bfcache handover) must not reach the tabs, which follow a new term.
      const end = (): void =>
        queueMicrotask(() => {
          gone = true;
          done();
        });
      // The server may still count a socket the core let go of: the next tab connects once
      // every socket of this one has closed (see linger.ts).
      if (!wait) end();
      else if (socket.readyState !== socket.CLOSED)
        socket.addEventListener('close', () => drained(end), { once: true });
      else drained(end);
      // Without a connection (a retry's wait, an attempt under way), the `close` close() fires at
      // once ends none the tabs saw open: they see the connection move, not a second `close`.
      quiet = socket.readyState !== socket.OPEN;
      socket.close(code, reason);
      report();
    },
  };
}

import type { Data, HeartbeatSocket, SocketState } from '../index';
import type { Relayed, Snapshot } from './relay';

/** One message a tab handed to the leader, until it leaves the leader's socket. */
interface Entry {
  from: string;
  n: number;
  data: Data;
}

/** The leader's side: the real socket, relayed to every tab. */
export interface Leader {
  readonly socket: HeartbeatSocket;
  /** What every tab (this one included) is told when it asks: the current state. */
  snapshot(): Snapshot;
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
}

/** How many drops a leader remembers, for tabs that were away when it told them. */
const DROPS_KEPT = 1000;

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

const RELAYED = ['open', 'message', 'close', 'error', 'reconnecting', 'heartbeat', 'giveup'];

/**
 * Makes this tab the leader of term `term` around `socket`: every event of the socket goes to
 * every tab through `tell` (a message with `to` only to that tab), and the messages tabs hand
 * over go out through it, in each tab's order, none up to its tab's mark in `heard`.
 *
 * Each tab keeps its messages until the leader says they have left its socket: written (or,
 * with replayUnconfirmed, confirmed by a pong). The socket's queue and replay buffer hold its
 * messages in the order they were given, so the messages that left are the oldest
 * `given − (queued + unconfirmed)`, less those a `drop` event took out.
 */
export function lead(
  socket: HeartbeatSocket,
  term: string,
  dropsNewest: boolean,
  tell: (message: Relayed, to?: string) => void,
  drained: (then: () => void) => void,
  heard: Record<string, number>,
): Leader {
  // Binary messages travel to the other tabs as ArrayBuffers; each tab converts to its binaryType.
  socket.binaryType = 'arraybuffer';
  const inflight: Entry[] = [];
  // What left an earlier leader's socket is taken: a tab that was away may hand it over again.
  const taken = { ...heard };
  /**
   * The last drops told, oldest first: told again to a tab that hands such a message over again
   * (it was away, in the back/forward cache, when it was told).
   */
  const dropped: Extract<Relayed, { k: 'drop' }>[] = [];
  let sending: Entry | undefined;
  let leaving = false;
  let settling = false;
  /** The term was handed over: nothing of this socket is told any more. */
  let gone = false;

  // While it hands over, the other tabs are told the connection is moving, not ending.
  const snapshot = (): Snapshot => snap(socket, leaving ? 'reconnecting' : socket.state);

  /** Settled marks not yet told: one `settled` post per task, whatever the number of messages. */
  let marks: Record<string, number> | undefined;
  const settle = (): void => {
    const { queued, unconfirmed } = socket.stats;
    for (let left = inflight.length - queued - unconfirmed; left > 0; left--) {
      const entry = inflight.shift() as Entry;
      (marks ??= {})[entry.from] = entry.n;
    }
  };
  const report = (): void => {
    settling = false;
    settle();
    if (marks) tell({ k: 'settled', l: term, marks, b: socket.bufferedAmount });
    marks = undefined;
  };
  // After the current task's work: the queue flushes right after the `open` listeners return.
  const settleSoon = (): void => {
    if (!settling) queueMicrotask(report);
    settling = true;
  };

  const relay = (event: Event): void => {
    if (gone) return;
    const type = event.type;
    const e = event as Partial<MessageEvent & CloseEvent & CustomEvent>;
    // Only what survives postMessage: events themselves do not (a DataCloneError), nor may the
    // cause of an error, so an error travels as its message and a giveup's close as its fields.
    const close = (c: Partial<CloseEvent> = e) => ({ code: c.code, reason: c.reason, wasClean: c.wasClean });
    const detail = e.detail as { reason?: string; close?: CloseEvent } | undefined;
    const init =
      type === 'message'
        ? { data: e.data, origin: e.origin }
        : type === 'close'
          ? close()
          : type === 'error'
            ? { message: (event as Partial<ErrorEvent>).message ?? '' }
            : type === 'giveup'
              ? { detail: { reason: detail?.reason, close: close(detail?.close) } }
              : { detail: e.detail };
    tell({ k: 'ev', l: term, type, init, s: snapshot() });
    settleSoon();
  };
  for (const type of RELAYED) socket.addEventListener(type, relay);

  socket.addEventListener('drop', ({ detail: { data, reason } }) => {
    if (gone) return;
    // The message refused while being sent (drop-newest), or the oldest one of its kind with
    // this data: of the replay buffer ('unconfirmed'), else of the queue behind it.
    let i = dropsNewest && reason === 'overflow' && sending?.data === data ? inflight.lastIndexOf(sending) : -1;
    if (i < 0) {
      const start = reason === 'unconfirmed' ? 0 : socket.stats.unconfirmed;
      i = inflight.findIndex((entry, j) => j >= start && entry.data === data);
    }
    const [entry] = i < 0 ? [] : inflight.splice(i, 1);
    if (entry) {
      const told = { k: 'drop' as const, to: entry.from, n: entry.n, reason };
      tell(told, told.to);
      if (dropped.push(told) > DROPS_KEPT) dropped.shift();
    }
  });

  return {
    socket,
    snapshot,
    accept(from, n, data) {
      const last = taken[from] ?? 0;
      if (n <= last) {
        const told = dropped.find((d) => d.to === from && d.n === n);
        if (told) tell(told, from);
        // Taken before: the tab joined again and missed a report. It is told what has left the
        // socket (the report after this task moves the mark on past what leaves now).
        const first = inflight.find((entry) => entry.from === from);
        (marks ??= {})[from] = first ? first.n - 1 : last;
        settleSoon();
        return false;
      }
      taken[from] = n;
      settle();
      inflight.push((sending = { from, n, data }));
      const written = socket.send(data);
      sending = undefined;
      settleSoon();
      return written;
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
      socket.close(code, reason);
      report();
    },
  };
}

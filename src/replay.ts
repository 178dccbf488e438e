import type { Data } from './data';
import type { Guard } from './guard';
import { MAX_PINGS } from './heartbeat';
import { type OnDrop, type Queue, queue, type QueueLimits, type Tracker } from './queue';

/**
 * The unconfirmed ledger of `replayUnconfirmed`: messages written to the connection but not yet
 * proved received. Messages on one WebSocket arrive in order, so the pong to a ping proves the
 * server got everything written before that ping; see {@link ledger}.
 */
export interface Ledger {
  /** Messages written but not yet confirmed. */
  size(): number;
  /** A user message was written: it waits for the pong of a later ping. */
  wrote(data: Data, done?: Tracker): void;
  /** A ping goes out: its pong will confirm everything written before it. */
  ping(): void;
  /** The oldest unanswered ping was answered. */
  pong(): void;
  /** A closing handshake the server finished: everything written arrived. */
  confirmAll(): void;
  /** The link died: what it may have lost goes back to the front of `queue`, in order. */
  requeue(into: Queue): void;
  /** Takes back the message tracked by `done` (reason `aborted`): it is not sent again. */
  remove(done: Tracker): number;
  /** Lets go of every message (reason `cleared`): none is sent again. */
  clear(): number;
}

/**
 * Makes the ledger. Its bound is the queue's (`limits`), oldest out first: one pushed out is
 * reported through `drop` (reason `unconfirmed`). Accounting is in messages since the socket
 * was made: how many went in (`written`), how many left its head (`released`: confirmed, pushed
 * out or requeued), and the `written` count at each ping no pong has answered yet, oldest first.
 */
export function ledger(limits: QueueLimits, drop: OnDrop, call: Guard): Ledger {
  let written = 0;
  let released = 0;
  let marks: number[] = [];
  const unconfirmed = queue({ ...limits, queueOverflow: 'drop-oldest' }, (data, reason, done) => {
    // One taken back leaves from its place, not the head: remove() counts it.
    if (reason == 'aborted') return drop(data, reason, done);
    released++;
    // Pushed out (the bound), or cleared: `clearQueue()` means nothing is sent again.
    drop(data, reason == 'cleared' ? reason : 'unconfirmed', done);
  });
  /** Confirms the oldest messages while `more()` says so. */
  const confirm = (more: () => boolean): unknown =>
    unconfirmed.drain(more, (_, done) => {
      released++;
      call(done, 'confirmed');
    });
  return {
    size: () => unconfirmed.size(),
    wrote(data, done) {
      // One larger than the whole buffer is refused at once: it never was in the ledger, and its
      // drop, counted as the head leaving, must not confirm a message still waiting.
      if (unconfirmed.push(data, done)) written++;
      else released--;
    },
    ping() {
      if (marks.push(written) > MAX_PINGS) marks.shift();
    },
    pong() {
      const mark = marks.shift() ?? 0;
      confirm(() => released < mark);
    },
    confirmAll: () => confirm(() => true),
    remove(done) {
      const at = unconfirmed.remove(done);
      // Those after it move up one place: a ping sent after it waits for one message less.
      if (at) {
        written--;
        marks = marks.map((mark) => (mark < released + at ? mark : mark - 1));
      }
      return at;
    },
    clear: () => unconfirmed.clear(),
    requeue(into) {
      into.prepend(unconfirmed);
      released = written;
      marks = [];
    },
  };
}

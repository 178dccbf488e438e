import { byteLength, type Data } from './data';

/**
 * Why a message will not be sent: the queue's bound (`overflow`), `clearQueue()` (`cleared`; also
 * what an outbox took over from ended pages as `deleteOutbox()` deleted it),
 * the replay buffer's bound (`unconfirmed`), or an extension took it back before it was written
 * or confirmed (`aborted`: a request's AbortSignal), or an outbox recovered it too old to be worth sending
 * (`expired`: `indexedDbOutbox`'s `maxAge`), or another page took it over from the outbox and
 * sends it (`adopted`: a page back from the back/forward cache whose Web Locks the browser had
 * let go of).
 */
export type DropReason = 'overflow' | 'cleared' | 'unconfirmed' | 'aborted' | 'expired' | 'adopted';

/**
 * What became of one message, told once to whoever tracks it (see `HeartbeatSocket.track`):
 * written to an open socket (without `replayUnconfirmed`), confirmed by a pong (with it), or
 * dropped, for the reason its `drop` event gives.
 */
export type Outcome = 'written' | 'confirmed' | DropReason;

/** Told the outcome of one message; also the handle that takes it back (`untrack`). */
export type Tracker = (outcome: Outcome) => void;

/** What happens when `send()` would push the queue past one of its bounds. */
export type QueueOverflow = 'drop-newest' | 'drop-oldest';

/** The queue's bounds and policy. */
export interface QueueLimits {
  maxEnqueuedMessages: number;
  maxEnqueuedBytes: number;
  queueOverflow: QueueOverflow;
}

/** A message waiting: its data, its size in bytes, and who is told its outcome. */
export type Item = [data: Data, size: number, done?: Tracker];

/** Reports a message that will not be sent, with who tracks it. */
export type OnDrop = (data: Data, reason: DropReason, done?: Tracker) => void;

/** A bounded FIFO of outbound messages; see {@link queue}. */
export interface Queue {
  /** Messages waiting. */
  size(): number;
  /** Bytes waiting. */
  bytes(): number;
  /**
   * Adds a message, or reports the one that gives way through `onDrop` (reason `overflow`).
   * Truthy when it took the message; falsy when it refused it (larger than a bound allows, or
   * `drop-newest` with the queue full).
   */
  push(data: Data, done?: Tracker): unknown;
  /**
   * Hands every message, oldest first, to `send` while it returns true; a message it refuses,
   * or throws on, stays at the head. Each one sent leaves the queue, then `sent` hears it with its
   * tracker: what that sets off (a tracker that clears the queue, or queues more) sees the queue
   * without it. Returns how many were sent.
   */
  drain(send: (data: Data) => unknown, sent?: (data: Data, done?: Tracker) => void): number;
  /**
   * Puts the messages of `items` in front of what is queued, in their order, emptying `items`.
   * The bounds apply to the whole, as if everything had been pushed anew: what gives way is
   * reported through `onDrop`.
   */
  prepend(items: Queue): void;
  /**
   * Takes out the message tracked by `done`, reporting it (`reason`, `aborted` by default).
   * Returns where it was, 1 for the head; 0 if it was not there.
   */
  remove(done: Tracker, reason?: DropReason): number;
  /** Empties the queue, reporting each message through `onDrop` (reason `cleared`). */
  clear(): number;
  /** Empties the queue and returns what it held, oldest first, reporting nothing. */
  take(): Item[];
}

/**
 * Makes a bounded FIFO of outbound messages. Items are read through a moving head index, and
 * the array is compacted once the head passes its middle, so draining n messages costs O(n),
 * not the O(n²) of a loop of `Array.shift` on a large array.
 *
 * A closure rather than a class: its state is private by construction, and plain variables
 * minify to single letters where `this.#field` cannot.
 */
export function queue(limits: QueueLimits, onDrop: OnDrop): Queue {
  /** Messages waiting; those before `head` are gone. */
  let items: Item[] = [];
  let head = 0;
  let bytes = 0;

  const shift = (): Item | undefined => {
    const item = items[head];
    if (!item) return undefined;
    bytes -= item[1];
    // Drop the reference so a drained message can be collected before the queue compacts.
    (items as unknown[])[head++] = undefined;
    if (head * 2 >= items.length) {
      items = items.slice(head);
      head = 0;
    }
    return item;
  };

  const take = (): Item[] => {
    const all = items.slice(head);
    items = [];
    head = bytes = 0;
    return all;
  };

  const report = ([data, , done]: Item, reason: DropReason): void => {
    onDrop(data, reason, done);
  };

  /** Adds an item, or reports the one that gives way; truthy when it took the item. */
  const add = (item: Item): unknown => {
    const size = item[1];
    const { maxEnqueuedMessages: maxCount, maxEnqueuedBytes: maxBytes } = limits;
    const full = () => q.size() >= maxCount || bytes + size > maxBytes;
    if (size > maxBytes || maxCount < 1 || (limits.queueOverflow !== 'drop-oldest' && full())) {
      return report(item, 'overflow');
    }
    while (full()) report(shift() as Item, 'overflow');
    bytes += size;
    return items.push(item);
  };

  const q: Queue = {
    // Methods, not getters: see attempts().
    size: () => items.length - head,
    bytes: () => bytes,
    push: (data, done) => add([data, byteLength(data), done]),
    drain(send, sent) {
      let n = 0;
      for (let item; (item = items[head]) && send(item[0]); n++) {
        shift();
        sent?.(item[0], item[2]);
      }
      return n;
    },
    prepend(other) {
      for (const item of [...other.take(), ...take()]) add(item);
    },
    remove(done, reason = 'aborted') {
      const i = items.findIndex((item, j) => j >= head && item?.[2] === done);
      const [item] = i < 0 ? [] : items.splice(i, 1);
      if (item) {
        bytes -= item[1];
        report(item, reason);
      }
      return item ? i - head + 1 : 0;
    },
    clear() {
      const all = take();
      for (const item of all) report(item, 'cleared');
      return all.length;
    },
    take,
  };
  return q;
}

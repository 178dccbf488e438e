import { byteLength, type Data, type Outcome, type Tracker } from '../internal';

/** One message a tab sent: its number, data, size, and who hears its outcome. */
export interface Kept {
  n: number;
  data: Data;
  size: number;
  done?: Tracker;
  /** Given up on (untrack()) while the leader of this term held it: no other leader gets it. */
  w?: string;
}

/**
 * What one tab has sent and not yet seen leave the leader's socket, numbered 1, 2, … in the
 * order of `send()`. Every tab keeps its own, the leader's included: a tab that becomes leader,
 * or follows a new one, hands all of it over again, so nothing is lost when a leader goes.
 */
export interface Outbox {
  readonly length: number;
  readonly bytes: number;
  /** Keeps `data` and returns its number. */
  add(data: Data, done?: Tracker): number;
  /** Every message kept, oldest first. */
  all(): readonly Kept[];
  /** Forgets every message up to number `n`: it left the leader's socket (`outcome`). */
  settle(n: number, outcome: Outcome): void;
  /** Forgets message `n` (or the one `done` tracks) and returns it (for its `drop` event). */
  take(n: number | Tracker): Kept | undefined;
  /** Forgets every message up to number `n` (all by default) and returns them, oldest first. */
  clear(n?: number): Kept[];
}

/** `tell(done, outcome)` tells a tracker, guarded: one that throws must not keep the others from hearing. */
export function outbox(tell: (done: Tracker | undefined, outcome: Outcome) => unknown): Outbox {
  let items: Kept[] = [];
  let last = 0;
  let bytes = 0;
  /** Keeps the items that pass `test`, and returns the others. */
  const keep = (test: (item: Kept) => boolean): Kept[] => {
    const out: Kept[] = [];
    items = items.filter((item) => test(item) || (out.push(item), (bytes -= item.size), false));
    return out;
  };
  return {
    get length() {
      return items.length;
    },
    get bytes() {
      return bytes;
    },
    add(data, done) {
      const size = byteLength(data);
      items.push({ n: ++last, data, size, done });
      bytes += size;
      return last;
    },
    all: () => items,
    settle(n, outcome) {
      if (items[0] && items[0].n <= n) for (const item of keep((item) => item.n > n)) tell(item.done, outcome);
    },
    take(n) {
      const item = items.find((i) => i.n === n || i.done === n);
      if (item) keep((i) => i !== item);
      return item;
    },
    clear: (n = Infinity) => keep((item) => item.n > n),
  };
}

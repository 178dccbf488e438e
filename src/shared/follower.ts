import { byteLength, type Data } from '../index';

/**
 * What one tab has sent and not yet seen leave the leader's socket, numbered 1, 2, … in the
 * order of `send()`. Every tab keeps its own, the leader's included: a tab that becomes leader,
 * or follows a new one, hands all of it over again, so nothing is lost when a leader goes.
 */
export interface Outbox {
  readonly length: number;
  readonly bytes: number;
  /** Keeps `data` and returns its number. */
  add(data: Data): number;
  /** Every message kept, oldest first. */
  all(): readonly { n: number; data: Data }[];
  /** Forgets every message up to number `n`: it left the leader's socket. */
  settle(n: number): void;
  /** Forgets message `n` and returns it (for its `drop` event). */
  take(n: number): Data | undefined;
  /** Forgets every message up to number `n` (all by default) and returns them, oldest first. */
  clear(n?: number): Data[];
}

export function outbox(): Outbox {
  let items: { n: number; data: Data; size: number }[] = [];
  let last = 0;
  let bytes = 0;
  const keep = (test: (item: { n: number }) => boolean): void => {
    items = items.filter((item) => test(item) || ((bytes -= item.size), false));
  };
  return {
    get length() {
      return items.length;
    },
    get bytes() {
      return bytes;
    },
    add(data) {
      const size = byteLength(data);
      items.push({ n: ++last, data, size });
      bytes += size;
      return last;
    },
    all: () => items,
    settle(n) {
      if (items[0] && items[0].n <= n) keep((item) => item.n > n);
    },
    take(n) {
      const item = items.find((i) => i.n === n);
      if (item) keep((i) => i !== item);
      return item?.data;
    },
    clear(n = Infinity) {
      const all = items.filter((item) => item.n <= n).map((item) => item.data);
      keep((item) => item.n > n);
      return all;
    },
  };
}

import type { Data, QueueOverflow } from './options';

/** Why a message will not be sent. */
export type DropReason = 'overflow' | 'cleared' | 'unconfirmed';

/** What `send()` passes through untouched; anything else is sent as `String(value)`. */
export const isData = (value: unknown): value is Data =>
  typeof value === 'string' ||
  value instanceof ArrayBuffer ||
  ArrayBuffer.isView(value) ||
  (typeof Blob !== 'undefined' && value instanceof Blob);

/** The queue's bounds and policy. */
export interface QueueLimits {
  maxEnqueuedMessages: number;
  maxEnqueuedBytes: number;
  queueOverflow: QueueOverflow;
}

/**
 * Bytes a message takes on the wire: UTF-8 for strings (counted without encoding them), the
 * size of a Blob, the byteLength of binary data.
 */
export function byteLength(data: Data): number {
  if (typeof data === 'string') {
    let bytes = data.length;
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c < 0x80) continue;
      bytes += c < 0x800 ? 1 : 2;
      // A surrogate pair is 4 bytes for 2 UTF-16 units; a lone surrogate becomes U+FFFD (3 bytes).
      if (c >= 0xd800 && c <= 0xdbff) {
        const next = data.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) i++;
      }
    }
    return bytes;
  }
  return (data as Blob).size ?? (data as ArrayBuffer).byteLength ?? 0;
}

/**
 * A bounded FIFO of outbound messages. Items are read through a moving head index, so draining
 * n messages costs O(n), not the O(n²) of a loop of `Array.shift` on a large array.
 */
export class Queue {
  #items: Data[] = [];
  #sizes: number[] = [];
  #head = 0;
  #bytes = 0;
  readonly #limits: QueueLimits;
  readonly #onDrop: (data: Data, reason: DropReason) => void;

  constructor(limits: QueueLimits, onDrop: (data: Data, reason: DropReason) => void) {
    this.#limits = limits;
    this.#onDrop = onDrop;
  }

  /** Messages waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds a message, or reports the one that gives way through `onDrop` (reason `overflow`). */
  push(data: Data): void {
    const size = byteLength(data);
    const { maxEnqueuedMessages: maxCount, maxEnqueuedBytes: maxBytes } = this.#limits;
    if (size > maxBytes || maxCount < 1) return this.#onDrop(data, 'overflow');
    if (this.#limits.queueOverflow === 'drop-oldest') {
      while (this.length >= maxCount || this.#bytes + size > maxBytes) {
        this.#onDrop(this.#take() as Data, 'overflow');
      }
    } else if (this.length >= maxCount || this.#bytes + size > maxBytes) {
      return this.#onDrop(data, 'overflow');
    }
    this.#items.push(data);
    this.#sizes.push(size);
    this.#bytes += size;
  }

  /**
   * Hands every message, oldest first, to `send` while it returns true; a message it refuses
   * stays at the head. Returns how many were sent.
   */
  drain(send: (data: Data) => boolean): number {
    let sent = 0;
    while (this.length > 0 && send(this.#items[this.#head] as Data)) {
      this.#take();
      sent++;
    }
    return sent;
  }

  /** Removes and returns the oldest message. */
  shift(): Data | undefined {
    return this.#take();
  }

  /**
   * Puts `items` in front of what is queued, in their order. The bounds apply to the whole, as
   * if everything had been pushed anew: what gives way is reported through `onDrop`.
   */
  prepend(items: Queue): void {
    const rest = this.#items.slice(this.#head);
    this.#reset();
    for (let data = items.shift(); data !== undefined; data = items.shift()) this.push(data);
    for (const data of rest) this.push(data);
  }

  /** Empties the queue, reporting each message through `onDrop` (reason `cleared`). */
  clear(): number {
    const items = this.#items.slice(this.#head);
    this.#reset();
    for (const data of items) this.#onDrop(data, 'cleared');
    return items.length;
  }

  #take(): Data | undefined {
    if (this.length === 0) return undefined;
    const data = this.#items[this.#head] as Data;
    this.#bytes -= this.#sizes[this.#head] as number;
    // Drop the reference so a drained message can be collected before the queue compacts.
    (this.#items as unknown[])[this.#head] = undefined;
    this.#head++;
    if (this.#head === this.#items.length) this.#reset();
    else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
    return data;
  }

  #reset(): void {
    this.#items = [];
    this.#sizes = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}

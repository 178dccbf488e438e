/**
 * What a message is: the types `send()` takes and the bytes each one costs. A leaf: every other
 * module may import it, it imports none.
 */

/** What `send()` accepts, as for `WebSocket.send`. */
export type Data = string | ArrayBufferLike | Blob | ArrayBufferView;

/**
 * What `send()` passes through untouched; anything else is sent as `String(value)`. Told by its
 * tag (`[object ArrayBuffer]`…: what an object is, whatever realm made it), not `instanceof`: an
 * ArrayBuffer or Blob made in another realm (a same-origin iframe, a `vm` context) is binary data
 * all the same, which `WebSocket.send` takes.
 */
export const isData = (value: unknown): value is Data =>
  typeof value === 'string' ||
  ArrayBuffer.isView(value) ||
  /^\[object (ArrayBuffer|Blob|File)]$/.test(Object.prototype.toString.call(value));

/** The message `send(value)` writes: data as given, anything else as `String(value)`. */
export const toData = (value: unknown): Data => (isData(value) ? value : String(value));

/**
 * Bytes a message takes on the wire: UTF-8 for strings (lone surrogates count as U+FFFD, as
 * `WebSocket.send` encodes them), the size of a Blob, the byteLength of binary data.
 */
export function byteLength(data: Data): number {
  if (typeof data !== 'string') return (data as Blob).size ?? (data as ArrayBuffer).byteLength ?? 0;
  // Counted, not encoded: TextEncoder would allocate a buffer per message on the send path
  // (measured ~10x slower on 100k sends with replayUnconfirmed).
  let bytes = data.length;
  for (let i = 0, c; i < data.length; i++) {
    c = data.charCodeAt(i);
    // Past ASCII a unit takes 2 bytes, past U+07FF 3; a surrogate pair is 4 bytes for its two
    // units (the low one skipped), a lone surrogate becomes U+FFFD (3 bytes).
    bytes += c < 0x80 ? 0 : c < 0x800 ? 1 : 2;
    if (c >> 10 === 0x36 && data.charCodeAt(i + 1) >> 10 === 0x37) i++;
  }
  return bytes;
}

import { fail } from '../fail';
import { type Data, isData } from '../data';
import type { Outcome, Tracker } from '../internal';
import { DropError, domError } from './errors';

/**
 * What {@link requests} needs of a socket: the extension points that `HeartbeatSocket` and
 * `SharedHeartbeatSocket` both have.
 */
export interface Trackable {
  /** Sends `data` as `send()` does and tells `done` once what became of it. */
  track(data: Data, done: Tracker): boolean;
  /** Takes the message tracked by `done` back before it is written (or confirmed, with replayUnconfirmed). */
  untrack(done: Tracker): boolean;
  /** Sees every inbound message first; a truthy return keeps it from the `message` listeners. Returns the remover. */
  intercept(interceptor: (data: unknown) => unknown): () => unknown;
}

/** Options of {@link requests}; every one optional. */
export interface RequestsOptions {
  /**
   * ms a request waits for its reply, counted from the call (time spent queued while the socket
   * is down included); `Infinity` for no limit. Each `request()` may give its own.
   * @default 10000
   */
  timeout?: number;
  /**
   * The field of a JSON request and of its reply that carries the request's id.
   * @default 'id'
   */
  id?: string;
  /**
   * Encodes a request for the wire, with its `id` inside, for protocols other than JSON objects
   * (the default adds field `id` to the payload and sends it as JSON).
   */
  tag?: (payload: unknown, id: string) => Data;
  /**
   * The request id an inbound message answers, or `undefined` when it answers none. Given, the
   * request resolves with the message's data as received; by default the message is parsed as
   * JSON, its field `id` is read, and the request resolves with the parsed value.
   */
  replyId?: (data: unknown) => unknown;
}

/** Options of one {@link Requests.request}. */
export interface RequestOptions {
  /** ms to wait for the reply, counted from this call; overrides {@link RequestsOptions.timeout}. */
  timeout?: number;
  /** Aborts the request: an `'AbortError'`; a request not yet written is never sent, nor replayed. `null`: none. */
  signal?: AbortSignal | null;
}

/** Options of one {@link Requests.deliver}. */
export interface DeliverOptions {
  /** Aborts the wait: an `'AbortError'`; a message not yet written is never sent, nor replayed. `null`: none. */
  signal?: AbortSignal | null;
}

/** What became of a delivered message: written to an open socket, or confirmed by a pong. */
export type Delivered = Extract<Outcome, 'written' | 'confirmed'>;

/** What {@link requests} returns. */
export interface Requests {
  /**
   * Sends `payload` with a unique id and resolves with its reply (parsed, by default). Rejects
   * with an error named `'TimeoutError'`, `'AbortError'` or `'DropError'` (see {@link DropError}).
   * @throws TypeError when `payload` is not an object (without `tag`), or an option is wrong.
   */
  request<T = unknown>(payload: unknown, options?: RequestOptions): Promise<T>;
  /**
   * Sends `data` as `send()` does (a plain object or an array as its JSON), and resolves once it
   * was written to an open socket (`'written'`) or, with `replayUnconfirmed`, once a pong
   * confirmed it (`'confirmed'`). Rejects with an error named `'AbortError'` or `'DropError'`.
   */
  deliver(data: Data | object, options?: DeliverOptions): Promise<Delivered>;
  /**
   * Rejects everything pending with `'AbortError'` (what is not yet written is taken out of the
   * queue) and stops reading the socket's messages. Later calls reject with `'AbortError'` too.
   */
  dispose(): void;
}

/**
 * Every id a requests() of this page issues: its instance's random prefix of 10 lower-case
 * letters or digits, `~`, a count. The shape tells a reply to another tab's request (a
 * SharedHeartbeatSocket shows every tab every message) from the app's own messages (`order~17`),
 * so no reply reaches a `message` listener, and the app's own ids do.
 */
const ID = /^[\da-z]{10}~\d+$/;

/** The id prefixes of the requests() alive on each socket, in this page. */
const prefixes = new WeakMap<Trackable, Set<string>>();

const checkTimeout = (name: string, value: unknown): number =>
  typeof value === 'number' && value > 0 ? value : fail(RangeError, name, 'a positive number of ms or Infinity', value);

const isFunction = (value: unknown): boolean => typeof value === 'function';

/** A plain object's tag (a class instance's too): what JSON sends whole. */
const isPlain = (value: unknown): boolean => Object.prototype.toString.call(value) === '[object Object]';

// null is no signal, as in fetch().
const checkSignal = (signal: unknown): AbortSignal | null | undefined =>
  signal == null || isFunction((signal as AbortSignal).addEventListener)
    ? (signal as AbortSignal | null | undefined)
    : fail(TypeError, 'options.signal', 'an AbortSignal', signal);

/**
 * Requests with replies, and messages whose outcome can be awaited, over a `HeartbeatSocket` or
 * a `SharedHeartbeatSocket` (see docs/requests.md). Several may share one socket.
 * @throws TypeError when `socket` has no extension points, RangeError / TypeError for a bad option.
 */
export function requests(socket: Trackable, options: RequestsOptions = {}): Requests {
  if (![socket?.track, socket?.untrack, socket?.intercept].every(isFunction))
    fail(TypeError, 'requests(socket)', 'a HeartbeatSocket or a SharedHeartbeatSocket', socket);
  const { timeout = 10_000, id: field = 'id', tag, replyId } = options;
  checkTimeout('options.timeout', timeout);
  if (typeof field !== 'string' || !field) fail(TypeError, 'options.id', 'a field name', field);
  for (const [name, fn] of Object.entries({ tag, replyId }))
    if (fn !== undefined && !isFunction(fn)) fail(TypeError, `options.${name}`, 'a function', fn);

  const prefix = `${Math.random().toString(36).slice(2, 12).padEnd(10, '0')}~`;
  let count = 0;
  /** Requests waiting for their reply, by id. */
  const waiting = new Map<unknown, (reply: unknown) => void>();
  /** Everything pending, each by the function that rejects it and takes its message back. */
  const pending = new Set<(error: Error) => void>();
  let disposed = false;
  const siblings = prefixes.get(socket) ?? new Set();
  prefixes.set(socket, siblings.add(prefix));

  /** The id a message answers and the value its request resolves with; none for most messages. */
  const decode = (data: unknown): [id: unknown, reply: unknown] | undefined => {
    if (replyId) return [replyId(data), data];
    // Every id has a `~`: the app's other messages are not parsed twice.
    if (typeof data !== 'string' || !data.includes('~')) return;
    try {
      const reply = JSON.parse(data);
      return reply && typeof reply === 'object' ? [reply[field], reply] : undefined;
    } catch {
      // Not JSON: not a reply.
    }
  };

  const untap = socket.intercept((data) => {
    const [id, reply] = decode(data) ?? [];
    const answer = waiting.get(id);
    if (answer) answer(reply);
    // Kept from the `message` listeners: the answer, a late one to a request given up on, and
    // one to another tab's request (the ID shape, no sibling on this socket to take it).
    return (
      answer ||
      (typeof id === 'string' &&
        ID.test(id) &&
        (id.startsWith(prefix) || !siblings.has(id.slice(0, id.indexOf('~') + 1))))
    );
  });

  /** Sends `data`, settling when it is dropped, or written (no `id`) or answered (an `id`). */
  const send = <T>(
    data: Data,
    id: string | undefined,
    ms: number,
    signal: AbortSignal | null | undefined,
  ): Promise<T> => {
    if (disposed) return Promise.reject(domError('requests() was disposed', 'AbortError'));
    if (signal?.aborted) return Promise.reject(domError('aborted', 'AbortError'));
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      /** Settles once: true the first time. */
      const finish = (error?: Error, value?: unknown): boolean => {
        if (!pending.delete(stop)) return false;
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        (socket as unknown as EventTarget).removeEventListener?.('close', orphaned);
        waiting.delete(id);
        if (error) reject(error);
        else resolve(value as T);
        return true;
      };
      // Settled first, so the `aborted` outcome that untrack() reports is not taken for a drop.
      const stop = (error: Error): unknown => finish(error) && socket.untrack(done);
      const aborted = (): unknown => stop(domError('aborted', 'AbortError'));
      /** Its connection ended: a request pushed out of the replay buffer gets no reply now. */
      const orphaned = (): unknown => finish(new DropError('unconfirmed', data));
      const done: Tracker = (outcome) => {
        // A request pushed out of the replay buffer was written, and is not sent again: its reply
        // (or timeout) decides while the connection that carried it lasts (if still pending: one
        // already answered or given up on needs no listener).
        if (id && outcome === 'unconfirmed')
          return pending.has(stop) && (socket as unknown as EventTarget).addEventListener?.('close', orphaned);
        if (outcome !== 'written' && outcome !== 'confirmed') finish(new DropError(outcome, data));
        else if (id === undefined) finish(undefined, outcome);
      };
      pending.add(stop);
      if (id !== undefined) waiting.set(id, (reply) => finish(undefined, reply));
      // None past what setTimeout holds (2^31 - 1 ms, 24.8 days): it would fire at once.
      if (ms <= 2 ** 31 - 1) timer = setTimeout(() => stop(domError(`no reply within ${ms} ms`, 'TimeoutError')), ms);
      signal?.addEventListener('abort', aborted);
      socket.track(data, done);
    });
  };

  return {
    request(payload, { timeout: ms = timeout, signal } = {}) {
      checkTimeout('options.timeout', ms);
      const id = prefix + ++count;
      if (!tag) {
        // What JSON sends of it: a class instance's toJSON() (a Date's is a string, refused).
        payload = (payload as { toJSON?: () => unknown } | null)?.toJSON?.() ?? payload;
        // Not an array, Map, Date or binary data, which JSON would send empty or garbled.
        if (!isPlain(payload)) fail(TypeError, 'request(payload)', 'a plain object (or give options.tag)', payload);
        // The request's id goes in that field: the caller's own value there would be lost unseen.
        if (field in (payload as object))
          fail(
            TypeError,
            'request(payload).' + field,
            'absent (the id goes there)',
            (payload as Record<string, unknown>)[field],
          );
      }
      const data = tag ? tag(payload, id) : JSON.stringify({ ...(payload as object), [field]: id });
      return send(data, id, ms, checkSignal(signal));
    },

    // A plain object or an array as its JSON (send() would write "[object Object]"); another
    // object (a Map, a Date) is refused, as request() refuses it: String() of it is no message.
    deliver: (data, { signal } = {}) =>
      send(
        isPlain(data) || Array.isArray(data)
          ? JSON.stringify(data)
          : Object(data) !== data || isData(data)
            ? (data as Data)
            : fail(TypeError, 'deliver(data)', 'data, a plain object or an array', data),
        undefined,
        Infinity,
        checkSignal(signal),
      ),

    dispose() {
      disposed = true;
      untap();
      siblings.delete(prefix);
      for (const stop of [...pending]) stop(domError('requests() was disposed', 'AbortError'));
    },
  };
}

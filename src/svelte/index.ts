/**
 * `heartbeat-ws/svelte`: a {@link HeartbeatSocket} as a Svelte store. The socket connects with
 * the store's first subscriber (a component reading `$live`) and closes when the last one leaves
 * (the component is destroyed).
 *
 * It imports nothing from Svelte: the store contract is a `subscribe` method, which Svelte 5's
 * `$store` syntax and `fromStore()` read as they read `svelte/store`'s own.
 */
import type { HookOptions, HookSocket, HookSocketClass } from '../bindings/hook';
import { live, type HeartbeatSocketSnapshot } from '../bindings/live';
import type { Data, HeartbeatSocket, Options, UrlInput } from '../index';

export type { HeartbeatSocketSnapshot, HookOptions, HookSocket, HookSocketClass };

/** A store's `subscribe`, as Svelte calls it (`svelte/store`'s `Readable` has this shape). */
export interface Subscribable<T> {
  /** Calls `run` with the value now and on every change; returns the unsubscriber. */
  subscribe(run: (value: T) => void): () => void;
}

/** The value of a {@link HeartbeatSocketStore}: a new object on every change. */
export interface HeartbeatSocketValue<S extends HookSocket = HeartbeatSocket> extends HeartbeatSocketSnapshot {
  /** The store's socket: one object for the store's life, across url changes. */
  socket: S;
  /** `socket.send`: sends now when open, else queues (true when written now). */
  send: (data: Data) => boolean;
}

/** What {@link heartbeatSocketStore} returns: a readable store, plus the socket and `send`. */
export interface HeartbeatSocketStore<S extends HookSocket = HeartbeatSocket> extends Subscribable<
  HeartbeatSocketValue<S>
> {
  /** The store's socket: one object for the store's life, across url changes. */
  socket: S;
  /** `socket.send`: sends now when open, else queues (true when written now). */
  send: (data: Data) => boolean;
}

/**
 * A readable store of one {@link HeartbeatSocket}: its value (`state`, `readyState`,
 * `lastMessage`, `socket`, `send`) changes on the socket's `statechange` and `message` events.
 *
 * - The socket is made at once (a bad url or option throws here) and connects with the first
 *   subscriber; it closes when the last one leaves, and a new subscriber connects it again. A
 *   subscriber that leaves in the same task it came (a server render) never connects it.
 * - `url` may be a store (Svelte 5: `toStore(() => url)`): a new value (compared by value)
 *   reconnects the same socket there, and the old connection is gone at the server before the
 *   new one reaches it; what was queued goes to the new url. A function is a URL provider, as for
 *   the core: called before every attempt.
 * - A store made anew (a remount, hot module replacement, `$derived(heartbeatSocketStore(…))`)
 *   connects once the connection of a store it replaces, at the same server, is gone there.
 * - `options.HeartbeatSocket`: the class to make the socket with, e.g. `SharedHeartbeatSocket`
 *   from `heartbeat-ws/shared` (with its `channel` option), for one connection shared by the
 *   tabs; `socket` is then of that class. Its url cannot change: pass a url, not a store (a
 *   store throws a TypeError), and make a new store for another url.
 *
 * @param url - as for `new HeartbeatSocket()`, or a store of it.
 * @param protocols - as for `new HeartbeatSocket()`.
 * @param options - as for `new HeartbeatSocket()`; `startClosed` waits for `socket.reconnect()`.
 */
export function heartbeatSocketStore(
  url: UrlInput | Subscribable<UrlInput>,
  protocols?: string | string[],
  options?: Options,
): HeartbeatSocketStore;
export function heartbeatSocketStore<C extends HookSocketClass>(
  url: UrlInput | Subscribable<UrlInput>,
  protocols: string | string[] | undefined,
  options: Options & HookOptions<C>,
): HeartbeatSocketStore<InstanceType<C>>;
/**
 * Options second, without protocols, as for `new HeartbeatSocket()`.
 * @param url - as above.
 * @param options - as above.
 */
export function heartbeatSocketStore(url: UrlInput | Subscribable<UrlInput>, options?: Options): HeartbeatSocketStore;
export function heartbeatSocketStore<C extends HookSocketClass>(
  url: UrlInput | Subscribable<UrlInput>,
  options: Options & HookOptions<C>,
): HeartbeatSocketStore<InstanceType<C>>;
export function heartbeatSocketStore(
  url: UrlInput | Subscribable<UrlInput>,
  protocols?: string | string[] | Options,
  options?: Options,
): HeartbeatSocketStore<HookSocket> {
  const source = typeof url === 'object' && 'subscribe' in url ? url : undefined;
  let first = url as UrlInput;
  if (source) source.subscribe((value) => (first = value))();
  const runs = new Set<{ run: (value: HeartbeatSocketValue<HookSocket>) => void }>();
  const binding = live(
    first,
    protocols,
    options,
    () => {
      const now = binding.snapshot();
      if (now === shown) return;
      shown = now;
      value = { ...now, socket, send };
      for (const each of [...runs]) each.run(value);
    },
    !!source,
  );
  const { socket, send } = binding;
  let shown = binding.snapshot();
  let value: HeartbeatSocketValue<HookSocket> = { ...shown, socket, send };
  let leave: (() => void) | undefined;
  return {
    socket,
    send,
    subscribe(run) {
      const entry = { run };
      runs.add(entry);
      if (runs.size === 1) {
        leave = source?.subscribe(binding.retarget);
        binding.start();
      }
      run(value);
      return () => {
        if (runs.delete(entry) && !runs.size) {
          leave?.();
          binding.stop();
        }
      };
    },
  };
}

/**
 * `heartbeat-ws/vue`: a composable that gives a component one {@link HeartbeatSocket} for as long
 * as it is mounted, with its state and newest message as refs.
 *
 * Vue is an optional peer dependency: this entry point is the only file that imports it, so
 * users of the core entry pay nothing for it.
 */
import { getCurrentInstance, getCurrentScope, isRef, onMounted, onScopeDispose, shallowRef, watch } from 'vue';
import type { Ref } from 'vue';
import type { HookOptions, HookSocket, HookSocketClass } from '../bindings/hook';
import { live, type HeartbeatSocketSnapshot } from '../bindings/live';
import type { Data, HeartbeatSocket, Options, ReadyState, SocketState, UrlInput } from '../index';

export type { HeartbeatSocketSnapshot, HookOptions, HookSocket, HookSocketClass };

/** What {@link useHeartbeatSocket} returns. */
export interface UseHeartbeatSocketReturn<S extends HookSocket = HeartbeatSocket> {
  /** The socket of this component: one object for the component's life, across url changes. */
  socket: S;
  /** As {@link HeartbeatSocket.state}; `'connecting'` from setup for a socket that will connect. */
  state: Readonly<Ref<SocketState>>;
  /** As {@link HeartbeatSocket.readyState} (`'reconnecting'` reads as CONNECTING, 0). */
  readyState: Readonly<Ref<ReadyState>>;
  /** The newest `message` event, or null before the first. */
  lastMessage: Readonly<Ref<MessageEvent | null>>;
  /** `socket.send`: sends now when open, else queues (true when written now). */
  send: (data: Data) => boolean;
}

/**
 * A {@link HeartbeatSocket} for this component: made in `setup`, connected when the component
 * mounts, closed when it unmounts (or when the effect scope it was called in is disposed).
 * `state`, `readyState` and `lastMessage` are refs that follow the socket's `statechange` and
 * `message` events.
 *
 * - `url` may be a ref (`computed(() => …)`, `toRef(props, 'url')`): a new value (compared by
 *   value) reconnects the same socket there, and the old connection is gone at the server
 *   before the new one reaches it; what was queued goes to the new url. A function is a URL
 *   provider, as for the core: called before every attempt.
 * - `protocols` and `options` are read once, when the socket is made.
 * - A remount (a `v-if` toggled, hot module replacement) makes a new socket, which connects once
 *   the one the unmount closed is gone at the server.
 * - In server rendering it never connects (`onMounted` does not run there).
 * - `options.HeartbeatSocket`: the class to make the socket with, e.g. `SharedHeartbeatSocket`
 *   from `heartbeat-ws/shared` (with its `channel` option), for one connection shared by the
 *   tabs; `socket` is then of that class. Its url cannot change: pass a url, not a ref (a ref
 *   throws a TypeError), and mount anew for another url.
 *
 * @param url - as for `new HeartbeatSocket()`, or a ref of it.
 * @param protocols - as for `new HeartbeatSocket()`.
 * @param options - as for `new HeartbeatSocket()`; `startClosed` waits for `socket.reconnect()`.
 */
export function useHeartbeatSocket(
  url: UrlInput | Ref<UrlInput>,
  protocols?: string | string[],
  options?: Options,
): UseHeartbeatSocketReturn;
export function useHeartbeatSocket<C extends HookSocketClass>(
  url: UrlInput | Ref<UrlInput>,
  protocols: string | string[] | undefined,
  options: Options & HookOptions<C>,
): UseHeartbeatSocketReturn<InstanceType<C>>;
/**
 * Options second, without protocols, as for `new HeartbeatSocket()`.
 * @param url - as above.
 * @param options - as above.
 */
export function useHeartbeatSocket(url: UrlInput | Ref<UrlInput>, options?: Options): UseHeartbeatSocketReturn;
export function useHeartbeatSocket<C extends HookSocketClass>(
  url: UrlInput | Ref<UrlInput>,
  options: Options & HookOptions<C>,
): UseHeartbeatSocketReturn<InstanceType<C>>;
export function useHeartbeatSocket(
  url: UrlInput | Ref<UrlInput>,
  protocols?: string | string[] | Options,
  options?: Options,
): UseHeartbeatSocketReturn<HookSocket> {
  const update = (): void => {
    const now = binding.snapshot();
    // readyState first: a `flush: 'sync'` watcher of state reads the readyState of its change.
    readyState.value = now.readyState;
    state.value = now.state;
    lastMessage.value = now.lastMessage;
  };
  const binding = live(isRef(url) ? url.value : url, protocols, options, update, isRef(url));
  const first = binding.snapshot();
  const state = shallowRef(first.state);
  const readyState = shallowRef(first.readyState);
  const lastMessage = shallowRef(first.lastMessage);
  if (isRef(url)) watch(url, binding.retarget, { flush: 'sync' });
  if (getCurrentInstance()) onMounted(binding.start);
  else binding.start();
  if (getCurrentScope()) onScopeDispose(binding.stop);
  return { socket: binding.socket, state, readyState, lastMessage, send: binding.send };
}

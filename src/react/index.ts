/**
 * `heartbeat-ws/react`: a hook that gives a component one {@link HeartbeatSocket} for as long as
 * it is mounted, and re-renders it when the socket's state changes or a message arrives.
 *
 * React is an optional peer dependency: this entry point is the only file that imports it, so
 * users of the core entry pay nothing for it.
 */
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import {
  browserLifecycle,
  HeartbeatSocket,
  type Data,
  type Options,
  type ReadyState,
  type SocketState,
  type UrlInput,
  type UrlProvider,
} from '../index';

/** What the hook re-renders on: a new object whenever one of its fields changes. */
export interface HeartbeatSocketSnapshot {
  /** As {@link HeartbeatSocket.readyState}; CONNECTING from the first render of a socket that will connect. */
  readyState: ReadyState;
  /** As {@link HeartbeatSocket.state}; `'connecting'` from the first render of a socket that will connect. */
  state: SocketState;
  /** The newest `message` event, or null before the first. Messages that arrive in one burst may render once. */
  lastMessage: MessageEvent | null;
}

/** What {@link useHeartbeatSocket} returns. */
export interface UseHeartbeatSocketResult extends HeartbeatSocketSnapshot {
  /** The socket of this component: the same object across renders until `url` or `protocols` change. */
  socket: HeartbeatSocket;
  /** `socket.send`, as a function that keeps its identity as long as the socket does. */
  send: (data: Data) => boolean;
}

/** The events after which the snapshot may differ. */
const EVENTS = ['open', 'message', 'close', 'error', 'reconnecting'] as const;

/** Stands in for a missing WebSocket while rendering on a server, where no socket ever connects. */
class ServerWebSocket {
  constructor() {
    throw new TypeError('heartbeat-ws/react: no WebSocket here (server rendering never connects)');
  }
}

/**
 * A HeartbeatSocket that also tells when `close()` or `reconnect()` changed its state: those
 * change it without an event of their own (a closing handshake, a restart from CLOSED).
 */
class ObservedSocket extends HeartbeatSocket {
  readonly #changed: () => void;

  constructor(url: UrlInput, protocols: string | string[] | undefined, options: Options, changed: () => void) {
    super(url, protocols, options);
    this.#changed = changed;
  }

  override close(code?: number, reason?: string): void {
    super.close(code, reason);
    this.#changed();
  }

  override reconnect(code?: number, reason?: string): void {
    super.reconnect(code, reason);
    this.#changed();
  }
}

/** One socket and what React needs of it: a subscription, a cached snapshot, a mount effect. */
interface Store {
  socket: HeartbeatSocket;
  send: (data: Data) => boolean;
  subscribe: (onChange: () => void) => () => void;
  snapshot: () => HeartbeatSocketSnapshot;
  /**
   * The effect: connects (once `before`, the socket this one replaces, has closed), and returns
   * the cleanup that closes.
   */
  mount: (before?: HeartbeatSocket) => () => void;
  /** Closes now what an unmount left to close in a microtask. */
  flush: () => void;
}

function createStore(url: UrlInput, protocols: string | string[] | undefined, options: Options): Store {
  const listeners = new Set<() => void>();
  const notify = (): void => listeners.forEach((fn) => fn());
  const g = globalThis as { WebSocket?: unknown; window?: unknown };
  const lifecycle = options.lifecycle ?? browserLifecycle;
  const socket = new ObservedSocket(
    url,
    protocols,
    {
      ...options,
      // Made during render, so it must not connect yet: the mount effect starts it.
      startClosed: true,
      // What the page tells can start a retry at once (`online`, `restore`) without an event of
      // its own: look again after each signal.
      lifecycle:
        lifecycle &&
        ((signal) =>
          lifecycle((what) => {
            signal(what);
            notify();
          })),
      WebSocket:
        options.WebSocket ??
        (g.WebSocket || g.window !== undefined ? undefined : (ServerWebSocket as unknown as Options['WebSocket'])),
    },
    notify,
  );
  let lastMessage: MessageEvent | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  /** The next mount starts the socket: at first unless `startClosed`, and after an unmount closed it. */
  let resume = !options.startClosed;
  /** An unmount's close waits a microtask, for StrictMode's (or any) immediate remount to cancel it. */
  let leaving = false;

  for (const type of EVENTS) {
    socket.addEventListener(type, (event) => {
      if (type === 'message') lastMessage = event as MessageEvent;
      // A scheduled retry starts without an event of its own: look again when it is due (the
      // socket's timer, set before this event, fires first).
      if (type === 'reconnecting') {
        clearTimeout(retry);
        retry = setTimeout(notify, (event as CustomEvent<{ delay: number }>).detail.delay);
      }
      notify();
    });
  }

  let cached: HeartbeatSocketSnapshot = { readyState: 0, state: 'connecting', lastMessage };
  const snapshot = (): HeartbeatSocketSnapshot => {
    let { readyState, state } = socket;
    if (resume && state === 'closed') [readyState, state] = [0, 'connecting'];
    if (state !== cached.state || lastMessage !== cached.lastMessage) cached = { readyState, state, lastMessage };
    return cached;
  };

  const leave = (): void => {
    if (!leaving) return;
    leaving = false;
    clearTimeout(retry);
    resume = socket.readyState !== HeartbeatSocket.CLOSED;
    socket.close();
  };

  return {
    socket,
    send: (data) => socket.send(data),
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    snapshot,
    mount(before) {
      if (leaving) leaving = false;
      else if (resume) {
        const start = (): void => {
          if (leaving || !resume) return;
          resume = false;
          socket.reconnect();
        };
        // One connection at the server: a socket that replaces another (new url or protocols)
        // starts once the old one has finished its closing handshake.
        if (before && before.readyState !== HeartbeatSocket.CLOSED) {
          before.addEventListener('close', start, { once: true });
        } else start();
      }
      return () => {
        leaving = true;
        queueMicrotask(leave);
      };
    },
    flush: () => leave(),
  };
}

/**
 * A {@link HeartbeatSocket} for this component: made on the first render, connected when the
 * component mounts, closed when it unmounts. The component re-renders when `state` changes or a
 * message arrives (through `useSyncExternalStore`, so every component reading the socket sees
 * the same state in one render).
 *
 * - One socket per component: StrictMode's double mount reuses it (the unmount's close waits a
 *   microtask, and the remount cancels it), so the server sees one connection.
 * - A new socket when `url` or `protocols` change (compared by value: strings, URLs, lists); the
 *   old one is closed. `options` are read when a socket is made: changing them alone does not
 *   reconnect. A `url` function is compared by kind only, and the newest one is called before
 *   every attempt, so an inline arrow function does not reconnect on every render.
 * - `options.startClosed`: the socket waits for `socket.reconnect()`.
 *
 * @param url - as for `new HeartbeatSocket()`.
 * @param protocols - as for `new HeartbeatSocket()`.
 * @param options - as for `new HeartbeatSocket()`.
 */
export function useHeartbeatSocket(
  url: UrlInput,
  protocols?: string | string[],
  options: Options = {},
): UseHeartbeatSocketResult {
  const latest = useRef(url);
  useEffect(() => {
    latest.current = url;
  });
  const provider = typeof url === 'function';
  const key = JSON.stringify([provider || url, protocols ?? null]);
  const store = useMemo(
    () => createStore(provider ? () => (latest.current as UrlProvider)() : url, protocols, options),
    // `key` stands for url and protocols; options are read when a socket is made (see above).
    [key],
  );
  const snapshot = useSyncExternalStore(store.subscribe, store.snapshot, store.snapshot);
  const previous = useRef<Store | undefined>(undefined);
  useEffect(() => {
    const before = previous.current === store ? undefined : previous.current;
    previous.current = store;
    // The old socket's unmount left its close to a microtask (for StrictMode's remount): a new
    // url or protocols is no remount, so it closes now, and the new socket waits for it.
    before?.flush();
    return store.mount(before?.socket);
  }, [store]);
  return { ...snapshot, socket: store.socket, send: store.send };
}

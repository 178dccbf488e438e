/**
 * `heartbeat-ws/react`: a hook that gives a component one {@link HeartbeatSocket} for as long as
 * it is mounted, and re-renders it when the socket's state changes or a message arrives.
 *
 * React is an optional peer dependency: this entry point is the only file that imports it, so
 * users of the core entry pay nothing for it.
 * @module heartbeat-ws/react
 */
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import {
  browserLifecycle,
  HeartbeatSocket,
  type Data,
  type Lifecycle,
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

/** Stands in for a missing WebSocket while rendering on a server, where no socket ever connects. */
class ServerWebSocket {
  constructor() {
    throw new TypeError('heartbeat-ws/react: no WebSocket here (server rendering never connects)');
  }
}

/**
 * The url as the core may take it here. Where there is no page (a server), a relative URL
 * (`'/live'`) cannot be resolved yet: it goes in as a provider, which the core checks at the
 * first attempt, and no attempt is made on a server. An absolute one is checked at once, as ever.
 */
function deferRelative(url: UrlInput): UrlInput {
  if (typeof url === 'function' || (globalThis as { location?: unknown }).location) return url;
  const list = [url].flat();
  try {
    for (const each of list) new URL(each);
    return url;
  } catch {
    return () => list[0]!;
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
  /**
   * What a socket that replaces this one must wait for: this socket until it has closed, else
   * the one this socket was itself waiting for (it may never have started: a url changed twice
   * while the first connection was still closing).
   */
  blocker: () => HeartbeatSocket | undefined;
}

function createStore(
  url: UrlInput,
  protocols: string | string[] | undefined,
  options: Options,
  newest: () => Options,
): Store {
  const listeners = new Set<() => void>();
  const notify = (): void => listeners.forEach((fn) => fn());
  const g = globalThis as { WebSocket?: unknown; window?: unknown };
  /**
   * A callback option given as a function calls the newest render's function (the one this
   * socket was made with when a newer render gives none); any other value stays as given, and the
   * core checks it as usual.
   */
  const fresh = <T>(first: T, pick: (o: Options) => unknown): T =>
    typeof first === 'function'
      ? (((...args: unknown[]) => {
          const fn = pick(newest());
          return (typeof fn === 'function' ? fn : first)(...args);
        }) as T)
      : first;
  const hb = options.heartbeat;
  const beat = (key: 'ping' | 'isPong' | 'isServerPing' | 'serverPingReply'): unknown =>
    fresh((hb as Record<string, unknown>)[key], (o) => Object(o.heartbeat)[key]);
  const socket = new HeartbeatSocket(deferRelative(url), protocols, {
    ...options,
    // Made during render, so it must not connect yet: the mount effect starts it.
    startClosed: true,
    shouldReconnect: fresh(options.shouldReconnect, (o) => o.shouldReconnect),
    stamp: fresh(options.stamp, (o) => o.stamp),
    heartbeat:
      typeof hb === 'object' && hb
        ? ({
            ...hb,
            ping: beat('ping'),
            isPong: beat('isPong'),
            isServerPing: beat('isServerPing'),
            serverPingReply: beat('serverPingReply'),
          } as typeof hb)
        : hb,
    lifecycle: fresh(options.lifecycle ?? browserLifecycle, (o) => o.lifecycle) as Lifecycle | false,
    WebSocket:
      options.WebSocket ??
      (g.WebSocket || g.window !== undefined ? undefined : (ServerWebSocket as unknown as Options['WebSocket'])),
  });
  let lastMessage: MessageEvent | null = null;
  /** The next mount starts the socket: at first unless `startClosed`, and after an unmount closed it. */
  let resume = !options.startClosed;
  /** An unmount's close waits a microtask, for StrictMode's (or any) immediate remount to cancel it. */
  let leaving = false;
  /** The socket this one waits for before it starts, if any. */
  let awaited: HeartbeatSocket | undefined;

  // The snapshot changes with `state` (every change, those of close() and reconnect() too,
  // fires statechange) and with each message.
  socket.addEventListener('statechange', notify);
  socket.addEventListener('message', (event) => {
    lastMessage = event;
    notify();
  });

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
      awaited ??= before;
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
    blocker: () => (socket.readyState === HeartbeatSocket.CLOSED ? awaited : socket),
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
 *   old one is closed, and the new one connects once the old connection has finished closing.
 *   A `url` function is compared by kind only, and the newest one is called before every
 *   attempt, so an inline arrow function does not reconnect on every render.
 * - `options` never reconnect. A callback given as a function on the first render
 *   (`shouldReconnect`, `stamp`, `lifecycle`, and the heartbeat's `ping`, `isPong`,
 *   `isServerPing`, `serverPingReply`) is called in its newest render's version; every other
 *   value (numbers, flags, patterns, `WebSocket`, `clock`, `random`) is read when the socket is made.
 * - On a server, a relative `url` (`'/live'`) renders: it is checked at the first attempt, which
 *   never comes there.
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
  const latest = useRef({ url, options });
  useEffect(() => {
    latest.current = { url, options };
  });
  const provider = typeof url === 'function';
  const key = JSON.stringify([provider || url, protocols ?? null]);
  const store = useMemo(
    () =>
      createStore(
        provider ? () => (latest.current.url as UrlProvider)() : url,
        protocols,
        options,
        () => latest.current.options,
      ),
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
    return store.mount(before?.blocker());
  }, [store]);
  return { ...snapshot, socket: store.socket, send: store.send };
}

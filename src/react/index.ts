/**
 * `heartbeat-ws/react`: a hook that gives a component one {@link HeartbeatSocket} for as long as
 * it is mounted, and re-renders it when the socket's state changes or a message arrives.
 *
 * React is an optional peer dependency: this entry point is the only file that imports it, so
 * users of the core entry pay nothing for it.
 * @module heartbeat-ws/react
 */
import { useEffect, useInsertionEffect, useMemo, useReducer, useRef, useSyncExternalStore } from 'react';
import { args } from '../bindings/args';
import { drive, type HookOptions, type HookSocket, type HookSocketClass } from '../bindings/hook';
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

export type { HookOptions, HookSocket, HookSocketClass };

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
export interface UseHeartbeatSocketResult<S extends HookSocket = HeartbeatSocket> extends HeartbeatSocketSnapshot {
  /** The socket of this component: the same object across renders until `url` or `protocols` change. */
  socket: S;
  /** `socket.send`, as a function that keeps its identity as long as the socket does. */
  send: (data: Data) => boolean;
}

/** Stands in for a missing WebSocket while rendering on a server, where no socket ever connects. */
class ServerWebSocket {
  constructor() {
    throw new TypeError("heartbeat-ws/react: no WebSocket here (Node < 22: pass options.WebSocket, the ws package's)");
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
  /** The url and protocols it was made for. */
  key: string;
  socket: HookSocket;
  send: (data: Data) => boolean;
  subscribe: (onChange: () => void) => () => void;
  snapshot: () => HeartbeatSocketSnapshot;
  /**
   * The effect: connects (once `before`, the socket this one replaces, has closed), and returns
   * the cleanup that closes.
   */
  mount: (before?: HookSocket) => () => void;
  /** Closes now what an unmount left to close in a microtask. */
  flush: () => void;
  /**
   * What a socket that replaces this one must wait for: this socket until it has closed, else
   * the one this socket was itself waiting for (it may never have started: a url changed twice
   * while the first connection was still closing).
   */
  blocker: () => HookSocket | undefined;
}

function createStore(
  key: string,
  url: UrlInput,
  protocols: string | string[] | undefined,
  { HeartbeatSocket: Socket = HeartbeatSocket, ...options }: Options & Partial<HookOptions<HookSocketClass>>,
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
  const socket = new Socket(deferRelative(url), protocols, {
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
    // Nothing to connect with: a server render makes no attempt; one made anyway (Node < 22
    // without options.WebSocket) fails with the stand-in's error and gives up, not retrying.
    ...(!(options.WebSocket || g.WebSocket || g.window !== undefined) && {
      WebSocket: ServerWebSocket as unknown as Options['WebSocket'],
      maxRetries: 0,
    }),
  } as never);
  let lastMessage: MessageEvent | null = null;
  /** The next mount starts the socket: at first unless `startClosed`, and after an unmount closed it. */
  let resume = !options.startClosed;
  /** An unmount's close waits a microtask, for StrictMode's (or any) immediate remount to cancel it. */
  let leaving = false;
  /** The socket this one waits for before it starts, if any. */
  let awaited: HookSocket | undefined;
  /**
   * A socket React made but never mounted (StrictMode calls useMemo's function twice and keeps
   * one; a render may be thrown away) is closed: a SharedHeartbeatSocket joins its channel when
   * made. One that mounts later starts again (`resume`).
   */
  let mounted = false;
  setTimeout(() => mounted || socket.close());

  // The snapshot changes with `state` (every change, those of close() and reconnect() too,
  // fires statechange) and with each message.
  socket.addEventListener('statechange', notify);
  socket.addEventListener('message', (event) => {
    lastMessage = event as MessageEvent;
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
    // CLOSING (2) too is the app's close(), under way: a socket it closed stays closed.
    resume = socket.readyState < 2;
    socket.close();
  };

  return {
    key,
    socket,
    send: (data) => socket.send(data),
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    snapshot,
    mount(before) {
      mounted = true;
      awaited ??= before;
      if (leaving) leaving = false;
      else if (resume) {
        const start = (): void => {
          if (leaving || !resume) return;
          resume = false;
          drive(socket, 'start');
        };
        // One connection at the server: a socket that replaces another (new url or protocols)
        // starts once the old one has finished its closing handshake.
        if (before && before.readyState !== 3) {
          before.addEventListener('close', start, { once: true });
        } else start();
      }
      return () => {
        leaving = true;
        queueMicrotask(leave);
      };
    },
    flush: () => leave(),
    blocker: () => (socket.readyState === 3 ? awaited : socket),
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
 *   What the old one still queued is dropped (`drop` events, reason `'cleared'`), not sent to
 *   the new url. Past three new sockets in a second (a url made anew by every render), the hook
 *   keeps its socket and warns once in development; it takes a url again once two renders a
 *   second apart agree on it.
 *   A `url` function is compared by kind only, and the newest one is called before every
 *   attempt, so an inline arrow function does not reconnect on every render.
 * - `options` never reconnect. A callback given as a function on the first render
 *   (`shouldReconnect`, `stamp`, `lifecycle`, and the heartbeat's `ping`, `isPong`,
 *   `isServerPing`, `serverPingReply`) is called in its newest render's version; every other
 *   value (numbers, flags, patterns, `WebSocket`, `clock`, `random`) is read when the socket is made.
 * - On a server, a relative `url` (`'/live'`) renders: it is checked at the first attempt, which
 *   never comes there.
 * - `options.startClosed`: the socket waits for `socket.reconnect()`.
 * - `options.HeartbeatSocket`: the class to make the socket with, e.g. `SharedHeartbeatSocket`
 *   from `heartbeat-ws/shared` (with its `channel` option); `socket` is then of that class.
 *
 * @param url - as for `new HeartbeatSocket()`.
 * @param protocols - as for `new HeartbeatSocket()`.
 * @param options - as for `new HeartbeatSocket()`.
 */
export function useHeartbeatSocket(
  url: UrlInput,
  protocols?: string | string[],
  options?: Options,
): UseHeartbeatSocketResult;
export function useHeartbeatSocket<C extends HookSocketClass>(
  url: UrlInput,
  protocols: string | string[] | undefined,
  options: Options & HookOptions<C>,
): UseHeartbeatSocketResult<InstanceType<C>>;
/**
 * Options second, without protocols, as for `new HeartbeatSocket()`.
 * @param url - as above.
 * @param options - as above.
 */
export function useHeartbeatSocket(url: UrlInput, options?: Options): UseHeartbeatSocketResult;
export function useHeartbeatSocket<C extends HookSocketClass>(
  url: UrlInput,
  options: Options & HookOptions<C>,
): UseHeartbeatSocketResult<InstanceType<C>>;
export function useHeartbeatSocket(
  url: UrlInput,
  protocolsOrOptions?: string | string[] | Options,
  optionsOrNone?: Options,
): UseHeartbeatSocketResult<HookSocket> {
  const [protocols, options] = args(protocolsOrOptions, optionsOrNone);
  const latest = useRef({ url, options });
  useEffect(() => {
    latest.current = { url, options };
  });
  const provider = typeof url === 'function';
  const key = JSON.stringify([provider || url, protocols ?? null]);
  const hold = useRef<Hold>({ times: [], key });
  const [, probe] = useReducer((n: number) => n + 1, 0);
  const previous = useRef<Store | undefined>(undefined);
  /** The store this render asks for: the one of `key`, or the current one while it is held. */
  const h = hold.current;
  const current = previous.current;
  const now = Date.now();
  const want =
    current && key !== current.key && (h.held ? key !== h.key : h.times.filter((t) => now - t < 1000).length > 2)
      ? current.key
      : key;
  const store = useMemo(
    () =>
      createStore(
        want,
        provider ? () => (latest.current.url as UrlProvider)() : url,
        protocols,
        options,
        () => latest.current.options,
      ),
    // `want` stands for url and protocols; options are read when a socket is made (see above).
    [want],
  );
  // The store of the last commit (not of the last render: one may be thrown away), for the
  // mount effect's cleanup to tell a replacement from an unmount. Set in an insertion effect,
  // which every client renderer runs before the passive cleanups of the same commit, window or
  // not (a passive one would run after them), and which no server runs or warns of (React 18
  // warns of a layout effect there).
  const committed = useRef(store);
  useInsertionEffect(() => {
    committed.current = store;
  });
  const snapshot = useSyncExternalStore(store.subscribe, store.snapshot, store.snapshot);

  // A url that changes faster than a socket can connect (made anew by every render, as
  // `?t=${Date.now()}` is) would open a socket per render, each of whose state changes renders
  // again: a reconnect storm. Past three new sockets in a second the hook holds the one it has,
  // and takes a url once two renders a second apart agree on it.
  useEffect(() => {
    const held = key !== store.key;
    // Development builds only; production builds carry none of it (the guard: src/dev.ts).
    try {
      if (process.env.NODE_ENV !== 'production') warnChurn(h, held);
    } catch {
      warnChurn(h, held);
    }
    h.held = held;
    h.key = key;
    if (h.probed) h.probed = false;
    else if (held && !h.timer) {
      h.timer = setTimeout(() => {
        h.timer = undefined;
        h.probed = true;
        probe();
      }, 1000);
    }
  });

  // That check's timer goes with the component.
  useEffect(
    () => () => {
      clearTimeout(h.timer);
      h.timer = undefined;
    },
    [],
  );

  useEffect(() => {
    const before = previous.current === store ? undefined : previous.current;
    previous.current = store;
    if (before) h.times = [...h.times.slice(-3), Date.now()];
    // The old socket's unmount left its close to a microtask (for StrictMode's remount): a new
    // url or protocols is no remount, so it closes now, and the new socket waits for it.
    before?.flush();
    const unmount = store.mount(before?.blocker());
    return () => {
      // Replaced by a socket for another url or protocols: what this one still queues was meant
      // for its own endpoint, so it is dropped (a `drop` event each, reason 'cleared'), not sent
      // to the new one. Listeners of this component's later effects are still there to hear it.
      if (committed.current !== store) drive(store.socket, 'clear');
      unmount();
    };
  }, [store]);
  return { ...snapshot, socket: store.socket, send: store.send };
}

/** What the hook keeps to hold back a url that changes on every render. */
interface Hold {
  /** When the last few sockets replaced their predecessors (ms). */
  times: number[];
  /** The current socket stays although the render asks for another url. */
  held?: boolean;
  /** The key of the last committed render. */
  key: string;
  /** The re-render that checks, a second after a held url, whether it has settled. */
  timer?: ReturnType<typeof setTimeout>;
  /** The commit is that check's. */
  probed?: boolean;
  /** The development warning was given (src/dev.ts). */
  warned?: boolean;
}

/** The development warning of a url that changes on every render: once, when the hook starts holding. */
function warnChurn(h: Hold, held: boolean): void {
  if (held && !h.held && !h.warned) {
    h.warned = true;
    console.warn(
      'heartbeat-ws/react: the url changes on every render; the hook keeps its socket until the url settles. For a new url at each attempt: useHeartbeatSocket(() => url)',
    );
  }
}

/** Replaced by bundlers (src/dev.ts); absent from a page without one. */
declare const process: { env: { NODE_ENV?: string } };

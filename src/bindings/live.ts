/**
 * What the Vue and Svelte bindings share: one {@link HeartbeatSocket} per binding (or a socket of
 * the class `options.HeartbeatSocket` names, as for the React hook), whose url may change,
 * started when a component mounts (or a store gets its first subscriber) and closed when it
 * unmounts (or the last one leaves), read through one snapshot that changes on `statechange` and
 * `message`. Bundled into each binding's entry point; the core stays an import.
 */
import { args } from './args';
import { drive, type HookOptions, type HookSocket, type HookSocketClass } from './hook';
import {
  HeartbeatSocket,
  toWebSocketUrl,
  type Data,
  type Options,
  type ReadyState,
  type SocketState,
  type UrlInput,
} from '../index';

/** What a binding shows: a new object whenever one of its fields changes. */
export interface HeartbeatSocketSnapshot {
  /** As {@link HeartbeatSocket.readyState}; CONNECTING from the start of a socket that will connect. */
  readyState: ReadyState;
  /** As {@link HeartbeatSocket.state}; `'connecting'` from the start of a socket that will connect. */
  state: SocketState;
  /** The newest `message` event, or null before the first. */
  lastMessage: MessageEvent | null;
}

export interface Live {
  socket: HookSocket;
  send: (data: Data) => boolean;
  snapshot: () => HeartbeatSocketSnapshot;
  /** Takes a new url: the next attempt goes there, at once (a reconnect) while started. */
  retarget: (url: UrlInput) => void;
  /** Connects (a microtask later, once sockets other bindings let go of are gone at the server). */
  start: () => void;
  /** Closes, or cancels a start not yet made. */
  stop: () => void;
}

/** Stands in for a missing WebSocket while rendering on a server, where no socket ever connects. */
class ServerWebSocket {
  constructor() {
    throw new TypeError("heartbeat-ws: no WebSocket here (Node < 22: pass options.WebSocket, the ws package's)");
  }
}

/**
 * Sockets that bindings let go of and that may still be live at their server, each with the
 * host it was connected to and the promise of its end.
 */
const ending = new Map<HookSocket, [host: string, done: Promise<void>]>();

const hostOf = (url: string | URL): string => {
  try {
    return new URL(url, (globalThis as { location?: { href: string } }).location?.href).host;
  } catch {
    return String(url);
  }
};

/**
 * A static url is checked at once, as the constructor does, where it can be resolved: on a
 * server a relative one (`'/live'`) waits for a page, which never comes there.
 */
function check(url: UrlInput): UrlInput {
  if (typeof url !== 'function')
    for (const each of [url].flat())
      if ((globalThis as { location?: unknown }).location || /^[a-z][\w+.-]*:/i.test(String(each)))
        toWebSocketUrl(each);
  return url;
}

/** Equal urls (a string and an equal URL, equal lists) have one key; functions have their kind's. */
const keyOf = (url: UrlInput): string =>
  typeof url === 'function' ? 'function' : JSON.stringify([url].flat().map(String));

/**
 * @param follows - the url follows a ref or a store: `retarget()` will be called.
 * @throws TypeError when it follows one and the class cannot take a url that changes.
 */
export function live(
  url: UrlInput,
  protocolsOrOptions: string | string[] | Options | undefined,
  optionsOrNone: Options | undefined,
  changed: () => void,
  follows?: boolean,
): Live {
  const [protocols, given] = args(protocolsOrOptions, optionsOrNone);
  // The class is the binding's option, not the socket's (the core would warn of it).
  const { HeartbeatSocket: Socket = HeartbeatSocket, ...options }: Options & Partial<HookOptions<HookSocketClass>> =
    given;
  // A HeartbeatSocket (a subclass too) takes the binding's url as a provider, which follows it.
  // Any other class gets the url as given, as the React hook gives it: a SharedHeartbeatSocket
  // takes a provider only with a `channel` (its default is the url), and its connection is the
  // leader tab's, made with that tab's url: a url that changes here could not move it.
  const core = Object.create(Socket.prototype) instanceof HeartbeatSocket;
  if (follows && !core)
    throw new TypeError(
      "heartbeat-ws: a shared socket's url cannot change: pass a url, not a ref or store (mount anew for another)",
    );
  let target = check(url);
  const g = globalThis as { WebSocket?: unknown; window?: unknown };
  // The binding's url is a provider of the core's: a new url is a reconnect of the same socket,
  // so the core's own guarantee (one live connection at the server) covers the change, and what
  // was queued for the old url goes to the new one instead of being lost.
  const socket: HookSocket = new Socket(
    core
      ? () => {
          const now = target;
          if (typeof now === 'function') return now();
          // A list of endpoints is rotated through on failures, as the core does with one.
          const list = [now].flat();
          return list[(socket as HeartbeatSocket).retryCount % list.length]!;
        }
      : url,
    protocols,
    {
      ...options,
      startClosed: true,
      // Nothing to connect with: a server render makes no attempt; one made anyway (Node < 22
      // without options.WebSocket) fails with the stand-in's error and gives up, not retrying.
      ...(!(options.WebSocket || g.WebSocket || g.window !== undefined) && {
        WebSocket: ServerWebSocket as unknown as Options['WebSocket'],
        maxRetries: 0,
      }),
    } as never,
  );
  let lastMessage: MessageEvent | null = null;
  /** The next start() connects: at first unless `startClosed`, and after a stop() that closed it. */
  let resume = !options.startClosed;
  let active = false;
  /** Ends the wait of end(), while it lasts. */
  let cancel: (() => void) | undefined;
  let cached: HeartbeatSocketSnapshot = { readyState: 0, state: 'connecting', lastMessage };

  const snapshot = (): HeartbeatSocketSnapshot => {
    let { readyState, state } = socket;
    if (resume && state === 'closed') [readyState, state] = [0, 'connecting'];
    if (state !== cached.state || lastMessage !== cached.lastMessage) cached = { readyState, state, lastMessage };
    return cached;
  };
  socket.addEventListener('statechange', changed);
  socket.addEventListener('message', (event) => {
    lastMessage = event as MessageEvent;
    changed();
  });
  // A SharedHeartbeatSocket joins its channel when made: one not started within a task (a store
  // never subscribed, a server render's subscribe-and-leave, a setup never mounted) leaves it, or
  // it could be handed the connection nobody here uses. A start() later joins again.
  if (!core) setTimeout(() => active || socket.close());

  /** What must end before this socket connects: let-go sockets of the same server (any, for a provider). */
  const blockers = (): Promise<void>[] => {
    const host = typeof target === 'function' ? undefined : hostOf([target].flat()[0]!);
    return [...ending].filter(([s, [h]]) => s !== socket && (host === undefined || h === host)).map(([, [, p]]) => p);
  };

  /**
   * Closes, and keeps the socket in `ending` until it is gone at the server. An attempt under way
   * is left to finish first: a socket closed while CONNECTING reads CLOSED at once, but its
   * connection may still open at the server a moment later.
   */
  const end = (): void => {
    const done = new Promise<void>((resolve) => {
      const step = (): void => {
        const state = socket.state;
        if (state === 'closed' || !cancel) {
          socket.removeEventListener('statechange', step);
          ending.delete(socket);
          cancel = undefined;
          resolve();
        } else if (state !== 'connecting') socket.close();
      };
      // A start() before the end keeps the socket: the wait is over for everyone.
      cancel = () => ((cancel = undefined), step());
      socket.addEventListener('statechange', step);
      step();
    });
    if (cancel) ending.set(socket, [hostOf((socket as HeartbeatSocket).url), done]);
  };

  return {
    socket,
    send: (data) => socket.send(data),
    snapshot,
    retarget(url) {
      const before = keyOf(target);
      target = check(url);
      // Not a closed socket (startClosed, or closed by the app): it waits for reconnect().
      if (active && !resume && socket.readyState < HeartbeatSocket.CLOSING && keyOf(url) !== before) socket.reconnect();
    },
    start() {
      if (active) return;
      active = true;
      cancel?.();
      // A microtask later: a stop() in the same task (a double mount, a server render's
      // subscribe-and-leave) cancels it before any connection is made.
      queueMicrotask(async () => {
        for (let wait; active && resume && (wait = blockers()).length;) await Promise.all(wait);
        if (!active || !resume) return;
        resume = false;
        // Back before its end was over: an attempt under way or an open connection is kept. A
        // SharedHeartbeatSocket connects only if the shared connection is closed: reconnect()
        // would drop it for every tab.
        if (socket.readyState >= HeartbeatSocket.CLOSING) drive(socket, 'start');
      });
    },
    stop() {
      if (!active) return;
      active = false;
      // A shared socket's state is the shared connection's, not an attempt of this tab's: it
      // leaves the channel at once (and never started, as above).
      if (resume) return void (core || socket.close());
      // CLOSING too is the app's close() (only close() makes it): a socket it closed stays closed.
      resume = socket.readyState < HeartbeatSocket.CLOSING;
      if (resume && core) end();
      else if (resume) socket.close();
    },
  };
}

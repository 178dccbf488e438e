import {
  fail,
  type Lifecycle,
  type Options,
  resolveOptions,
  type Resolved,
  toProtocols,
  toTarget,
  toWebSocketUrl,
  type UrlInput,
} from '../internal';
import { canShare } from './election';
import { type Linger, linger } from './linger';

/** Options of {@link SharedHeartbeatSocket}: those of `HeartbeatSocket`, plus `channel`. */
export interface SharedOptions extends Options {
  /**
   * Tabs of one origin with the same `channel` share one connection. Required with a URL
   * provider (a function).
   * @default the URL, when it is static
   */
  channel?: string;
}

/** What a tab works from, checked and filled once, at construction. */
export interface TabSettings {
  /** The options, as `HeartbeatSocket` resolves them (its checks, its errors, its defaults). */
  o: Resolved;
  /** The name of the channel and of the leader's Web Lock. */
  name: string;
  /** Whether tabs can share here (Web Locks and BroadcastChannel). */
  shared: boolean;
  /** The leader's WebSocket class, counting its sockets, where tabs share. */
  raw: Linger | false;
  /** What a leader makes its `HeartbeatSocket` with. */
  leaderOptions: Options;
  /** The URL of the first attempt ('' with a URL provider). */
  first: string;
}

/**
 * Checks the URL, the subprotocols and every option with `HeartbeatSocket`'s own checks, and
 * works out the channel: a mistake throws here, with the core's message.
 */
export function settle(url: UrlInput, protocols: string | string[] | undefined, options?: SharedOptions): TabSettings {
  const target = toTarget(url);
  toProtocols(protocols);
  // `channel` is this entry's own option: the core, which warns about names it does not know,
  // never sees it.
  const { channel: named, ...given }: SharedOptions = options ?? {};
  const o = resolveOptions(typeof options === 'object' ? given : options);
  const channel = named ?? (typeof url === 'function' ? undefined : [url].flat().map(toWebSocketUrl).join(' '));
  if (typeof channel !== 'string' || !channel) {
    const why = typeof url === 'function' ? ' (required with a URL provider)' : '';
    fail(TypeError, 'options.channel', 'a non-empty string' + why, channel);
  }
  const shared = canShare();
  const lifecycle: Lifecycle | false = o.lifecycle;
  // Where tabs share, the next leader connects only once the server has seen this one's sockets
  // go.
  const raw = shared && linger(o.WebSocket);
  return {
    o,
    name: `heartbeat-ws ${channel}`,
    first: typeof target === 'function' ? '' : (target[0] as string),
    shared,
    raw,
    leaderOptions: {
      ...given,
      WebSocket: raw ? raw.WebSocket : o.WebSocket,
      // Each tab stamps its own messages, so a stamp is given once, by the tab that sent it.
      stamp: undefined,
      // Where tabs share, this tab lets go of everything for the back/forward cache itself.
      lifecycle:
        shared && lifecycle ? (notify) => lifecycle((s) => s !== 'freeze' && s !== 'restore' && notify(s)) : lifecycle,
    },
  };
}

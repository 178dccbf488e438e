/**
 * What every framework binding (React, Vue, Svelte) knows of the socket it makes: the surface it
 * uses, the class it may be made with (`options.HeartbeatSocket`: `SharedHeartbeatSocket` shares
 * one connection between the tabs), and how it starts or clears it without touching other tabs.
 * Types and one function: it imports nothing, so `heartbeat-ws/shared` stays the app's import.
 */
import type { Data, ReadyState, SocketState, UrlInput } from '../index';

/**
 * What a binding uses of a socket: `HeartbeatSocket`'s and `SharedHeartbeatSocket`'s surface
 * (`statechange` included), so either class fits the `HeartbeatSocket` option.
 */
export interface HookSocket extends EventTarget {
  /** As {@link HeartbeatSocket.readyState}. */
  readonly readyState: ReadyState;
  /** As {@link HeartbeatSocket.state}. */
  readonly state: SocketState;
  /** As {@link HeartbeatSocket.send}. */
  send(data: Data): boolean;
  /** As {@link HeartbeatSocket.close}. */
  close(code?: number, reason?: string): void;
  /** As {@link HeartbeatSocket.reconnect}. */
  reconnect(code?: number, reason?: string): void;
  /** As {@link HeartbeatSocket.clearQueue}. */
  clearQueue(): number;
}

/** A class a binding can make its socket with: `HeartbeatSocket`, `SharedHeartbeatSocket`, … */
export type HookSocketClass = new (url: UrlInput, protocols?: string | string[], options?: never) => HookSocket;

/** A binding's own option beside the socket's: the class to make the socket with. */
export interface HookOptions<C extends HookSocketClass> {
  /**
   * The class of the socket: `SharedHeartbeatSocket` (from `heartbeat-ws/shared`) shares one
   * connection between the tabs; its options (`channel`) then apply.
   * @default HeartbeatSocket
   */
  HeartbeatSocket: C;
  /** `SharedHeartbeatSocket`'s option: tabs with the same `channel` share one connection. */
  channel?: string;
}

/** SharedHeartbeatSocket's start-if-closed and clear-this-tab's (src/shared/socket.ts). */
const HOOK = Symbol.for('heartbeat-ws hook');

/**
 * `'start'`: a SharedHeartbeatSocket connects only if the shared connection is closed
 * (reconnect() would drop it for every tab); a HeartbeatSocket reconnects. `'clear'`: a
 * SharedHeartbeatSocket drops this tab's messages alone (clearQueue() would clear every tab's);
 * a HeartbeatSocket its queue alone (clearQueue() would discard, with replayUnconfirmed, what
 * was written too, which the closing handshake confirms), and at its `close` what a failed
 * handshake put back. Any other socket: reconnect(), clearQueue().
 */
export const drive = (socket: HookSocket, what: string): unknown => {
  // A socket without it (an older core, a wrapper of the HookSocket surface): its own methods.
  const own = socket as HookSocket & { [HOOK]?: (what: string) => void };
  return own[HOOK] ? own[HOOK](what) : what == 'start' ? socket.reconnect() : socket.clearQueue();
};

// The events a HeartbeatSocket dispatches and what they carry: types only.
import type { Data } from './data';
import type { DropReason } from './queue';
import type { StateChangeDetail } from './surface';

/** `detail` of the `reconnecting` event: retry number `attempt` starts in `delay` ms. */
export interface ReconnectingDetail {
  /** Retry number since the last stable connection (1, 2, …); 0 while offline (not counted). */
  attempt: number;
  /** Milliseconds until the attempt starts. */
  delay: number;
}

/** `detail` of the `heartbeat` event: a pong arrived `rtt` ms after its ping. */
export interface HeartbeatDetail {
  /** Milliseconds from the ping to its pong. */
  rtt: number;
}

/** `detail` of the `drop` event: a message that will not be sent, and why. */
export interface DropDetail {
  /** The message, as given to `send()` (after `stamp`). */
  data: Data;
  /**
   * `overflow` (queue bound), `cleared` (`clearQueue()`), `unconfirmed` (replay buffer bound),
   * `aborted` (an extension took it back before it was written, or with `replayUnconfirmed`
   * before it was confirmed: a request's AbortSignal), `expired` (left by an ended page, older
   * than the outbox's `maxAge`), `adopted` (a page back from the back/forward cache found that
   * another page took it over from the outbox, and sends it).
   */
  reason: DropReason;
}

/** Why the socket gave up: `maxRetries` were spent, or `shouldReconnect` said no. */
export type GiveUpReason = 'maxRetries' | 'shouldReconnect';

/** `detail` of the `giveup` event: the socket stays CLOSED until `reconnect()`. */
export interface GiveUpDetail {
  /** Which rule ended it. */
  reason: GiveUpReason;
  /** The close that ended the last connection or attempt (also dispatched as `close`). */
  close: CloseEvent;
}

/** Every event a {@link HeartbeatSocket} dispatches, by type. */
export interface HeartbeatSocketEventMap {
  /** A connection opened. */
  open: Event;
  /** A message arrived (pongs and server pings excepted). */
  message: MessageEvent;
  /** A connection or attempt ended. */
  close: CloseEvent;
  /**
   * The socket reported an error, an attempt timed out (`message` 'TIMEOUT'), or the URL provider
   * or the WebSocket constructor failed; `error` and `message` carry the cause where it is known.
   */
  error: ErrorEvent;
  /** A retry is scheduled. */
  reconnecting: CustomEvent<ReconnectingDetail>;
  /** A pong arrived. */
  heartbeat: CustomEvent<HeartbeatDetail>;
  /** A message will not be sent. */
  drop: CustomEvent<DropDetail>;
  /** No retry follows: `maxRetries` spent or `shouldReconnect` said no. */
  giveup: CustomEvent<GiveUpDetail>;
  /** `state` changed; fired before the `open`, `close` or `reconnecting` event of the change. */
  statechange: CustomEvent<StateChangeDetail>;
}

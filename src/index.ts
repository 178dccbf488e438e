/**
 * `heartbeat-ws`: {@link HeartbeatSocket}, a WebSocket that stays alive, and what it is built
 * from and with.
 * @module heartbeat-ws
 */
export { HeartbeatSocket } from './socket';
export type { EventHandler, ReadyState, SocketState, StateChangeDetail } from './surface';
export { toWebSocketUrl } from './url';
export type { UrlInput, UrlProvider } from './url';
export type { SocketStats } from './stats';
export { browserLifecycle } from './env/lifecycle';
export type { Lifecycle, LifecycleSignal } from './env/lifecycle';
export { backoffDelay } from './backoff';
export type { BackoffOptions } from './backoff';
export { byteLength } from './data';
export type { Data } from './data';
export type { DropReason, Outcome, QueueOverflow, Tracker } from './queue';
export type { Outbox, OutboxHooks, OutboxLabel, OutboxLink } from './keeper';
export { DEFAULTS } from './options';
export type {
  HeartbeatOptions,
  Options,
  Recogniser,
  Resolved,
  ResolvedHeartbeat,
  WebSocketConstructor,
  WebSocketLike,
  WebSocketLikeInstance,
} from './options';
export type { JsonPattern } from './match';
export type {
  DropDetail,
  GiveUpDetail,
  GiveUpReason,
  HeartbeatDetail,
  HeartbeatSocketEventMap,
  ReconnectingDetail,
} from './events';
export type { Clock } from './env/clock';
export type { Guard } from './guard';

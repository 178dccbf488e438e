export { HeartbeatSocket, toWebSocketUrl } from './socket';
export type { EventHandler, ReadyState, SocketState, SocketStats, UrlInput } from './socket';
export { browserLifecycle } from './env/lifecycle';
export type { Lifecycle, LifecycleSignal } from './env/lifecycle';
export { backoffDelay } from './backoff';
export type { BackoffOptions } from './backoff';
export { byteLength } from './queue';
export type { DropReason } from './queue';
export { DEFAULTS } from './options';
export type {
  Data,
  HeartbeatOptions,
  Options,
  QueueOverflow,
  Recogniser,
  UrlProvider,
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

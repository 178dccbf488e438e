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
  UrlProvider,
  WebSocketConstructor,
} from './options';
export type {
  DropDetail,
  HeartbeatDetail,
  HeartbeatSocketEventMap,
  ReconnectingDetail,
} from './events';
export type { Clock } from './env/clock';

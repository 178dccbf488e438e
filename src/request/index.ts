/**
 * `heartbeat-ws/request`: requests with replies, timeouts and abort, and messages whose outcome
 * can be awaited, over a `HeartbeatSocket` or a `SharedHeartbeatSocket`. Built on the sockets'
 * extension points (`track`, `untrack`, `intercept`) only: the core carries nothing of it.
 */
export { requests } from './requests';
export type { DeliverOptions, Delivered, RequestOptions, Requests, RequestsOptions, Trackable } from './requests';
export { DropError } from './errors';

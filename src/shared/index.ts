/**
 * `heartbeat-ws/shared`: {@link SharedHeartbeatSocket}, one connection shared by the tabs of an
 * origin.
 * @module heartbeat-ws/shared
 */
export { SharedHeartbeatSocket } from './socket';
export type { LeaderChangeDetail, SharedEventHandler, SharedHeartbeatSocketEventMap } from './socket';
export type { SharedOptions } from './options';

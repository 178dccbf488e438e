export { SharedHeartbeatSocket } from './socket';
export type { LeaderChangeDetail, SharedEventHandler, SharedHeartbeatSocketEventMap } from './socket';
export type { SharedOptions } from './options';

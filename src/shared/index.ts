export { SharedHeartbeatSocket } from './socket';
export type { LeaderChangeDetail, SharedEventHandler, SharedHeartbeatSocketEventMap, SharedOptions } from './socket';

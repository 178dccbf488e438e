/** A cheap snapshot of what a socket has been through; see {@link HeartbeatSocket.stats}. */
export interface SocketStats {
  /** Attempts started (each underlying WebSocket, or URL provider call). */
  attempts: number;
  /** Connections opened after the first one. */
  reconnects: number;
  /** Round-trip time of the last pong, in ms; -1 before the first. */
  lastRtt: number;
  /** Mean round-trip time of every pong, in ms; -1 before the first. */
  averageRtt: number;
  /** How long the current connection has been open, in ms; 0 when not open. */
  uptime: number;
  /** Messages waiting in the queue. */
  queued: number;
  /** Bytes waiting in the queue. */
  queuedBytes: number;
  /** Messages reported by `drop` events. */
  dropped: number;
  /** Messages written but not yet confirmed by a pong (with `replayUnconfirmed`). */
  unconfirmed: number;
}

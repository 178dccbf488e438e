import type { Data } from './options';
import type { DropReason } from './queue';

/** `detail` of the `reconnecting` event: retry number `attempt` starts in `delay` ms. */
export interface ReconnectingDetail {
  attempt: number;
  delay: number;
}

/** `detail` of the `heartbeat` event: a pong arrived `rtt` ms after its ping. */
export interface HeartbeatDetail {
  rtt: number;
}

/** `detail` of the `drop` event: a message that will not be sent, and why. */
export interface DropDetail {
  data: Data;
  reason: DropReason;
}

/** Every event a {@link HeartbeatSocket} dispatches, by type. */
export interface HeartbeatSocketEventMap {
  open: Event;
  message: MessageEvent;
  close: CloseEvent;
  error: Event;
  reconnecting: CustomEvent<ReconnectingDetail>;
  heartbeat: CustomEvent<HeartbeatDetail>;
  drop: CustomEvent<DropDetail>;
}

const g = globalThis as { CloseEvent?: typeof CloseEvent };

/**
 * Creates a `close` event: the runtime's own CloseEvent where there is one (browsers, jsdom,
 * Node ≥ 23), else an Event carrying the same fields.
 */
export function closeEvent(code: number, reason: string, wasClean = true): CloseEvent {
  const init = { code, reason, wasClean };
  return g.CloseEvent ? new g.CloseEvent('close', init) : (Object.assign(new Event('close'), init) as CloseEvent);
}

/** Creates one of the socket's CustomEvents (global in browsers and Node ≥ 19). */
export const customEvent = <T>(type: string, detail: T): CustomEvent<T> => new CustomEvent(type, { detail });

import type { WebSocketLike } from '../internal';

/**
 * Milliseconds a leader tab that calls `close()` waits at most, after its `HeartbeatSocket`
 * closed, for the sockets it let go of to report `close` before the next tab may connect. As
 * the core's own wait before a new attempt: a closing handshake is one round trip, well under
 * a second on any link worth waiting for; a socket that takes longer (a dead link, a browser
 * that cannot end a CLOSING socket any sooner) is given up on, so a handover is never held
 * longer than this.
 */
export const LINGER = 1000;

/** The leader's WebSocket class, and a wait for every socket it made to have closed. */
export interface Linger {
  /** `Base`, with each socket counted from its constructor to its `close` event. */
  WebSocket: WebSocketLike;
  /** Calls `then` once every socket made has reported `close`, or after LINGER ms. */
  drained(then: () => void): void;
  /** Stops counting the last socket made: its link was judged dead, nothing will come of it. */
  forget(): void;
}

const none = (): void => {};

/**
 * Keeps count of the raw sockets a leader's `HeartbeatSocket` makes. The core reports `close`
 * at once on a `close()` that comes while a socket it let go of (by `reconnect()`, or an
 * attempt abandoned while CONNECTING) is still in its closing handshake: the server still
 * counts that socket, so the lock, and the next tab's connection, must wait for it.
 *
 * A subclass, not a wrapper: `instanceof` and the `ws` package's `terminate()` stay as they are.
 * Timers are the globals': this runs only where tabs share, in browsers.
 */
export function linger(Base: WebSocketLike): Linger {
  const live = new Set<unknown>();
  let last: unknown;
  let idle = none;
  // Closures, not members: the class adds nothing a socket of the given class may not have.
  const gone = (ws: unknown): unknown => live.delete(ws) && !live.size && idle();
  return {
    WebSocket: class extends Base {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        live.add((last = this));
        // Added before the core's own listener: gone from the count when the core hears of it.
        this.addEventListener('close' as never, () => gone(this));
      }
    },
    // The core makes one socket at a time: the one it judges dead is the last one made.
    forget: () => gone(last),
    drained(then) {
      // Run once, by the last close or by the timer. A socket given up on stays counted: a
      // later handover waits for it again, as the server may still count it.
      const timer = setTimeout(
        (idle = () => {
          idle = none;
          clearTimeout(timer);
          then();
        }),
        LINGER,
      );
      if (!live.size) idle();
    },
  };
}

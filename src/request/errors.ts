import type { Data, DropReason } from '../internal';

/**
 * A message the socket will not send, as its `drop` event reported it: `reason` is the event's
 * (`'overflow'`, `'cleared'`, `'unconfirmed'`, `'aborted'`), `data` the message as `request()` or
 * `deliver()` made it (before a `stamp`, which the event's data went through).
 */
export class DropError extends Error {
  /** Always `'DropError'`: branch on it as on `'TimeoutError'` and `'AbortError'`. */
  override readonly name = 'DropError';

  /**
   * @param reason - the `drop` event's reason.
   * @param data - the message as `request()` or `deliver()` made it (before a `stamp`).
   */
  constructor(
    readonly reason: DropReason,
    readonly data: Data,
  ) {
    super(`heartbeat-ws: the message was dropped (${reason})`);
  }
}

/**
 * The platform's errors, as `fetch` and `AbortSignal.timeout()` give them: a `DOMException` named
 * `'TimeoutError'` or `'AbortError'`, so a handler written for `fetch` reads them alike.
 */
export const domError = (message: string, name: 'TimeoutError' | 'AbortError'): DOMException =>
  new DOMException(`heartbeat-ws: ${message}`, name);

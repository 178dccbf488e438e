import { closeEvent, customEvent, errorEvent, messageEvent as make } from '../internal';

/** What an event of the leader's socket carries across tabs: only what survives postMessage. */
export type Carried = Record<string, unknown>;

/**
 * What crosses the channel of an event of the leader's socket. Events themselves do not survive
 * postMessage (a DataCloneError), nor may the cause of an error: an error travels as its
 * message, a giveup's close as its fields.
 */
export function carry(event: Event): Carried {
  const e = event as Partial<MessageEvent & CloseEvent & CustomEvent>;
  const close = (c: Partial<CloseEvent> = e) => ({ code: c.code, reason: c.reason, wasClean: c.wasClean });
  const detail = e.detail as { reason?: string; close?: CloseEvent } | undefined;
  switch (event.type) {
    case 'message':
      return { data: e.data, origin: e.origin };
    case 'close':
      return close();
    case 'error':
      return { message: (event as Partial<ErrorEvent>).message ?? '' };
    case 'giveup':
      return { detail: { reason: detail?.reason, close: close(detail?.close) } };
    default:
      return { detail: e.detail };
  }
}

/** A message the leader's socket received, as this tab's `binaryType` wants it. */
export const messageEvent = (data: unknown, origin: string, binaryType: BinaryType): MessageEvent =>
  make(data instanceof ArrayBuffer && binaryType === 'blob' ? new Blob([data]) : data, origin);

/**
 * The event a tab dispatches for one the leader's socket carried (see {@link carry}): binary
 * messages as this tab's `binaryType` wants them (they travel as ArrayBuffers).
 */
export function uncarry(type: string, init: Carried, binaryType: BinaryType): Event {
  const { data, origin, detail, code, reason, wasClean, message } = init as {
    data?: unknown;
    origin?: string;
    detail?: { reason: string; close: CloseEvent };
    code: number;
    reason: string;
    wasClean: boolean;
    message?: string;
  };
  switch (type) {
    case 'message':
      return messageEvent(data, origin as string, binaryType);
    case 'close':
      return closeEvent(code, reason, wasClean);
    case 'open':
      return new Event(type);
    case 'error':
      // The leader's cause cannot cross tabs; its message does.
      return errorEvent(undefined, message);
    case 'giveup': {
      const close = (detail as { close: CloseEvent }).close;
      return customEvent(type, { ...detail, close: closeEvent(close.code, close.reason, close.wasClean) });
    }
    default:
      return customEvent(type, detail);
  }
}

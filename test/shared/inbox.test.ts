/**
 * src/shared/inbox.ts: an event of the leader's socket crosses the channel (structured clone) and
 * comes out in every tab as the event the user expects.
 */
import { expect, it } from 'vitest';
import { closeEvent, customEvent, errorEvent } from '../../src/surface';
import { carry, uncarry } from '../../src/shared/inbox';

/** Through a structured clone, as BroadcastChannel carries it: throws for what cannot cross. */
const across = (event: Event, binaryType: BinaryType = 'blob'): Event =>
  uncarry(event.type, structuredClone(carry(event)), binaryType);

it('carries a message with its data and origin', () => {
  const out = across(new MessageEvent('message', { data: 'hi', origin: 'ws://a.test' })) as MessageEvent;
  expect(out).toBeInstanceOf(MessageEvent);
  expect([out.type, out.data, out.origin]).toEqual(['message', 'hi', 'ws://a.test']);
});

it("hands binary data over as the tab's binaryType wants it", () => {
  const buffer = new Uint8Array([1, 2, 3]).buffer;
  const asBlob = uncarry('message', carry(new MessageEvent('message', { data: buffer })), 'blob') as MessageEvent;
  expect(asBlob.data).toBeInstanceOf(Blob);
  expect((asBlob.data as Blob).size).toBe(3);
  const asBuffer = uncarry('message', carry(new MessageEvent('message', { data: buffer })), 'arraybuffer');
  expect((asBuffer as MessageEvent).data).toBe(buffer);
});

it('carries a close with its code, reason and wasClean', () => {
  const out = across(closeEvent(4001, 'bye', false)) as CloseEvent;
  expect([out.type, out.code, out.reason, out.wasClean]).toEqual(['close', 4001, 'bye', false]);
});

it("carries an error's message, never its cause (which may not survive a clone)", () => {
  const cause = Object.assign(new Error('refused'), { socket: () => {} });
  const out = across(errorEvent(cause)) as ErrorEvent;
  expect([out.type, out.message]).toEqual(['error', 'refused']);
  // jsdom's ErrorEvent reads a missing error as null.
  expect(out.error ?? undefined).toBeUndefined();
});

it("carries a giveup's reason and the close inside it", () => {
  const out = across(
    customEvent('giveup', { reason: 'maxRetries', close: closeEvent(1006, '', false) }),
  ) as CustomEvent<{
    reason: string;
    close: CloseEvent;
  }>;
  expect(out.detail.reason).toBe('maxRetries');
  expect(out.detail.close).toBeInstanceOf(CloseEvent);
  expect([out.detail.close.code, out.detail.close.wasClean]).toEqual([1006, false]);
});

it("carries open and the custom events' detail (reconnecting, heartbeat, statechange)", () => {
  const open = across(new Event('open'));
  expect(open.type).toBe('open');
  // A plain Event, as a WebSocket's: no `detail`.
  expect(Object.getPrototypeOf(open)).toBe(Event.prototype);
  const out = across(customEvent('reconnecting', { attempt: 2, delay: 1500 })) as CustomEvent;
  expect(out.detail).toEqual({ attempt: 2, delay: 1500 });
  const state = across(customEvent('statechange', { state: 'open', previous: 'connecting' })) as CustomEvent;
  expect(state.detail).toEqual({ state: 'open', previous: 'connecting' });
});

it('carries events an app dispatched itself, without their fields, and without throwing', () => {
  // A plain Event has no message, and a giveup without detail no reason nor close.
  expect((across(new Event('error')) as ErrorEvent).message).toBe('');
  const giveup = across(new Event('giveup')) as CustomEvent<{ reason?: string; close: CloseEvent }>;
  expect(giveup.detail.reason).toBeUndefined();
  expect(giveup.detail.close).toBeInstanceOf(CloseEvent);
});

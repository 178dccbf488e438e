/**
 * src/surface.ts: what both sockets look like from outside. WebSocket's constants, the order of
 * dispatch (`on…` first, then listeners, `statechange` before the event of the same change), the
 * event factories, and the checks `close()` makes.
 */
import { afterEach, expect, it, vi } from 'vitest';
import {
  abnormal,
  checkClose,
  CLOSED,
  closeEvent,
  CLOSING,
  CONNECTING,
  customEvent,
  emitter,
  errorEvent,
  messageEvent,
  OPEN,
  type SocketState,
  Surface,
} from '../src/surface';
import { captureReported } from './helpers/socket';

let restore = () => {};
afterEach(() => restore());

it("has WebSocket's readyState constants on the class and on instances", () => {
  expect([CONNECTING, OPEN, CLOSING, CLOSED]).toEqual([0, 1, 2, 3]);
  const s = new Surface();
  expect([Surface.CONNECTING, Surface.OPEN, Surface.CLOSING, Surface.CLOSED]).toEqual([0, 1, 2, 3]);
  expect([s.CONNECTING, s.OPEN, s.CLOSING, s.CLOSED]).toEqual([0, 1, 2, 3]);
  expect([s.onopen, s.onmessage, s.onclose, s.onerror]).toEqual([null, null, null, null]);
});

/** A surface whose state the test sets, and the order in which its handlers heard events. */
function make() {
  const target = new Surface();
  let state: SocketState = 'connecting';
  const heard: string[] = [];
  const logged: unknown[][] = [];
  const e = emitter(
    target,
    () => state,
    (...args) => logged.push(args),
  );
  target.onopen = function (this: unknown, event) {
    heard.push(`onopen ${event.type} ${this === target}`);
  };
  target.addEventListener('open', () => heard.push('listener open'));
  target.addEventListener('statechange', (event) => {
    const { state: now, previous } = (event as CustomEvent<{ state: string; previous: string }>).detail;
    heard.push(`statechange ${previous}->${now}`);
  });
  return { target, e, heard, logged, set: (s: SocketState) => (state = s) };
}

it('calls the on… handler first (this being the socket), then the listeners', () => {
  const { e, heard } = make();
  e.emit(new Event('open'));
  expect(heard).toEqual(['onopen open true', 'listener open']);
});

it('fires statechange before the event of the same change, and only when the state moved', () => {
  const { e, heard, set } = make();
  set('open');
  e.emit(new Event('open'));
  e.emit(new Event('open'));
  expect(heard).toEqual([
    'statechange connecting->open',
    'onopen open true',
    'listener open',
    'onopen open true',
    'listener open',
  ]);
});

it('sync() tells a state change that comes without an event, once', () => {
  const { e, heard, set } = make();
  set('reconnecting');
  e.sync();
  e.sync();
  set('connecting');
  e.sync();
  expect(heard).toEqual(['statechange connecting->reconnecting', 'statechange reconnecting->connecting']);
});

it('logs each event with its cause, never statechange', () => {
  const { e, logged, set } = make();
  set('closed');
  e.emit(new Event('close'), 'why');
  expect(logged).toEqual([['close', 'why']]);
});

it('a throwing on… handler is reported as uncaught and the listeners still run', async () => {
  const reported = captureReported();
  restore = reported.restore;
  const { target, e, heard } = make();
  const boom = new Error('handler');
  target.onopen = () => {
    throw boom;
  };
  expect(() => e.emit(new Event('open'))).not.toThrow();
  expect(heard).toEqual(['listener open']);
  await Promise.resolve();
  expect(reported.errors).toEqual([boom]);
});

it('makes close, abnormal-close and error events with the fields reconnecting-websocket code reads', () => {
  const c = closeEvent(4000, 'bye');
  expect([c.type, c.code, c.reason, c.wasClean]).toEqual(['close', 4000, 'bye', true]);
  const a = abnormal('no pong');
  expect([a.code, a.reason, a.wasClean]).toEqual([1006, 'no pong', false]);
  const cause = new Error('ECONNREFUSED');
  const err = errorEvent(cause);
  expect([err.type, err.error, err.message]).toEqual(['error', cause, 'ECONNREFUSED']);
  expect(errorEvent().message).toBe('');
  expect(errorEvent(undefined, 'TIMEOUT').message).toBe('TIMEOUT');
  expect(customEvent('heartbeat', { rtt: 5 }).detail).toEqual({ rtt: 5 });
});

it("makes its close and error events of the runtime's own CloseEvent and ErrorEvent classes where there are some", () => {
  // Stand-ins for a browser's classes (Node 20 has neither), so `instanceof` in user code holds.
  class CloseEventHere extends Event {}
  class ErrorEventHere extends Event {}
  vi.stubGlobal('CloseEvent', CloseEventHere);
  vi.stubGlobal('ErrorEvent', ErrorEventHere);
  try {
    expect(closeEvent(1000, '')).toBeInstanceOf(CloseEventHere);
    expect(abnormal('no pong')).toBeInstanceOf(CloseEventHere);
    expect(errorEvent(new Error('x'))).toBeInstanceOf(ErrorEventHere);
  } finally {
    vi.unstubAllGlobals();
  }
  // Without them (Node < 23), plain Events carrying the same fields.
  vi.stubGlobal('CloseEvent', undefined);
  vi.stubGlobal('ErrorEvent', undefined);
  try {
    const c = closeEvent(4000, 'bye');
    expect([c instanceof Event, c.type, c.code, c.reason, c.wasClean]).toEqual([true, 'close', 4000, 'bye', true]);
    const err = errorEvent(undefined, 'TIMEOUT');
    expect([err instanceof Event, err.type, err.message]).toEqual([true, 'error', 'TIMEOUT']);
  } finally {
    vi.unstubAllGlobals();
  }
});

it('dispatches without a log', () => {
  const target = new Surface();
  const heard: string[] = [];
  target.addEventListener('close', (event) => heard.push(event.type));
  expect(() => emitter(target, () => 'closed').emit(closeEvent(1000, ''), 'why')).not.toThrow();
  expect(heard).toEqual(['close']);
});

it('accepts the close codes WebSocket accepts, and refuses others with a RangeError naming them', () => {
  for (const code of [1000, 3000, 4242, 4999]) expect(() => checkClose(code, '')).not.toThrow();
  for (const code of [999, 1001, 1006, 2999, 5000, 3000.5, NaN]) expect(() => checkClose(code, '')).toThrow(RangeError);
  expect(() => checkClose(1001, '')).toThrow('heartbeat-ws: close code must be 1000 or 3000-4999, got 1001');
});

it('refuses a close reason over 123 UTF-8 bytes, counting bytes, not characters', () => {
  expect(() => checkClose(1000, 'x'.repeat(123))).not.toThrow();
  expect(() => checkClose(1000, 'x'.repeat(124))).toThrow(SyntaxError);
  // 62 two-byte characters: 124 bytes in 62 characters.
  expect(() => checkClose(1000, 'é'.repeat(62))).toThrow(
    'heartbeat-ws: close reason must be <= 123 bytes (UTF-8), got 124',
  );
});

it('makes message events that read as a MessageEvent of their origin: instanceof, constructor, for…in, and the origin of each', () => {
  const a = messageEvent('hi', 'ws://a.test');
  const b = messageEvent('yo', 'wss://b.test:8443');
  const again = messageEvent('2', 'ws://a.test');
  for (const [e, data, origin] of [
    [a, 'hi', 'ws://a.test'],
    [b, 'yo', 'wss://b.test:8443'],
    [again, '2', 'ws://a.test'],
  ] as const) {
    expect(e).toBeInstanceOf(MessageEvent);
    expect(e.constructor).toBe(MessageEvent);
    expect([e.type, e.data, e.origin, e.lastEventId, e.ports.length]).toEqual(['message', data, origin, '', 0]);
    // A copy made with for…in (lodash's toPlainObject, hand-written forwarders) keeps the origin.
    const copied: Record<string, unknown> = {};
    for (const key in e) copied[key] = (e as unknown as Record<string, unknown>)[key];
    expect([copied.data, copied.origin]).toEqual([data, origin]);
    // Built on the receive path's fast way where the runtime allows it (jsdom does): the origin
    // read from the prototype made for it, not set in the init (Chromium's slow part).
    const made = Object.getPrototypeOf(e) as object;
    expect([made === MessageEvent.prototype, Object.getOwnPropertyDescriptor(made, 'origin')?.enumerable]).toEqual([
      false,
      true,
    ]);
  }
  expect(Object.getPrototypeOf(again)).toBe(Object.getPrototypeOf(a));
  expect(messageEvent('x').origin).toBe('');
  expect(messageEvent('x', '').origin).toBe('');
});

it("keeps the origin where the runtime's MessageEvent sets it as an own property (happy-dom), or throws on setting it", () => {
  // happy-dom's MessageEvent declares `origin` as a class field; others assign it in the constructor.
  class Field extends Event {
    data: unknown;
    origin: string;
    constructor(type: string, init?: MessageEventInit) {
      super(type);
      this.data = init?.data;
      this.origin = init?.origin ?? '';
    }
  }
  function Assigning(this: Record<string, unknown>, type: string, init?: MessageEventInit) {
    const e = Reflect.construct(Event, [type], new.target) as Record<string, unknown>;
    e.data = init?.data;
    e.origin = init?.origin ?? '';
    return e;
  }
  Assigning.prototype = Object.create(Event.prototype);
  vi.stubGlobal('MessageEvent', Field);
  try {
    expect([messageEvent('one', 'ws://field.test').origin, messageEvent('two', 'ws://field.test').origin]).toEqual([
      'ws://field.test',
      'ws://field.test',
    ]);
    vi.stubGlobal('MessageEvent', Assigning);
    const e = messageEvent('three', 'ws://assigning.test');
    expect([e.data, e.origin, e instanceof Assigning]).toEqual(['three', 'ws://assigning.test', true]);
  } finally {
    vi.unstubAllGlobals();
  }
});

import { describe, expectTypeOf, it } from 'vitest';
import {
  type Data,
  type DropReason,
  HeartbeatSocket,
  type HeartbeatSocketEventMap,
  type Lifecycle,
  type Options,
  type SocketState,
  type SocketStats,
} from '../src/index';

// Checked by `tsc --noEmit` (npm test runs it first); the runtime assertions are trivially true.
describe('types', () => {
  it('types the event map', () => {
    expectTypeOf<HeartbeatSocketEventMap['reconnecting']>().toEqualTypeOf<
      CustomEvent<{ attempt: number; delay: number }>
    >();
    expectTypeOf<HeartbeatSocketEventMap['heartbeat']['detail']>().toEqualTypeOf<{ rtt: number }>();
    expectTypeOf<HeartbeatSocketEventMap['drop']['detail']['reason']>().toEqualTypeOf<DropReason>();
    expectTypeOf<HeartbeatSocketEventMap['close']>().toEqualTypeOf<CloseEvent>();
    expectTypeOf<HeartbeatSocketEventMap['message']>().toEqualTypeOf<MessageEvent>();
  });

  it('types listeners by event name', () => {
    const socket = new HeartbeatSocket('ws://a.test/', [], {
      startClosed: true,
      lifecycle: false,
      WebSocket: class {} as never,
    });
    socket.addEventListener('reconnecting', (e) => expectTypeOf(e.detail.delay).toBeNumber());
    socket.addEventListener('drop', (e) => expectTypeOf(e.detail.data).toEqualTypeOf<Data>());
    socket.addEventListener('close', (e) => expectTypeOf(e.code).toBeNumber());
    socket.onmessage = (e) => expectTypeOf(e).toEqualTypeOf<MessageEvent>();
    expectTypeOf(socket.readyState).toEqualTypeOf<0 | 1 | 2 | 3>();
    expectTypeOf(socket.state).toEqualTypeOf<SocketState>();
    expectTypeOf(socket.stats).toEqualTypeOf<SocketStats>();
  });

  it('types the options', () => {
    expectTypeOf<Options['jitter']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Options['shouldReconnect']>().toEqualTypeOf<((event: CloseEvent) => boolean) | undefined>();
    expectTypeOf<Options['lifecycle']>().toEqualTypeOf<Lifecycle | false | undefined>();
    expectTypeOf<Options['queueOverflow']>().toEqualTypeOf<'drop-newest' | 'drop-oldest' | undefined>();
    expectTypeOf<Options['heartbeat']>().extract<object>().toHaveProperty('isServerPing');
    // @ts-expect-error an unknown option is a type error
    const bad: Options = { reconnectDelay: 5 };
    void bad;
    // @ts-expect-error jitter is a number
    const alsoBad: Options = { jitter: 'full' };
    void alsoBad;
  });

  it('accepts a URL, a list, or a provider', () => {
    expectTypeOf(HeartbeatSocket).constructorParameters.toMatchTypeOf<
      [
        string | URL | readonly (string | URL)[] | (() => string | URL | Promise<string | URL>),
        (string | string[])?,
        Options?,
      ]
    >();
  });
});

import { WebSocket as UndiciWebSocket } from 'undici';
import { describe, expectTypeOf, it } from 'vitest';
import { WebSocket as WsWebSocket } from 'ws';
import { SharedHeartbeatSocket } from '../src/shared/index';
import {
  type Data,
  type DropReason,
  type GiveUpReason,
  HeartbeatSocket,
  type HeartbeatSocketEventMap,
  type Lifecycle,
  type Options,
  type SocketState,
  type SocketStats,
  type WebSocketLike,
} from '../src/index';

// Type tests: vitest's typecheck mode (the unit project) runs tsc over this file and fails the test
// whose expectation does not type-check; `npm run typecheck` checks it too (tsconfig includes test/).
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

  it('accepts a URL, a list, or a provider; the options third, or second without protocols', () => {
    type Url = string | URL | readonly (string | URL)[] | (() => string | URL | Promise<string | URL>);
    expectTypeOf(HeartbeatSocket).constructorParameters.toMatchTypeOf<
      [Url, (string | string[])?, Options?] | [Url, Options?]
    >();
    expectTypeOf(new HeartbeatSocket('ws://a.test/', { heartbeat: true })).toEqualTypeOf<HeartbeatSocket>();
    // @ts-expect-error protocols are strings
    void new HeartbeatSocket('ws://a.test/', [1], {});
  });
});

describe('types that fit', () => {
  it('takes the WebSocket constructors of browsers, ws, undici and React Native without a cast', () => {
    expectTypeOf(WebSocket).toExtend<WebSocketLike>();
    expectTypeOf(WsWebSocket).toExtend<WebSocketLike>();
    expectTypeOf(UndiciWebSocket).toExtend<WebSocketLike>();
    expectTypeOf<typeof ReactNativeWebSocket>().toExtend<WebSocketLike>();
    const options: Options = { WebSocket: WsWebSocket };
    const alsoOptions: Options = { WebSocket: UndiciWebSocket };
    void [options, alsoOptions];
    // Not anything with a constructor.
    expectTypeOf(class {}).not.toExtend<WebSocketLike>();
  });

  it('is usable where a DOM WebSocket is expected', () => {
    const socket = new HeartbeatSocket('ws://a.test/', [], {
      startClosed: true,
      lifecycle: false,
      WebSocket: WsWebSocket,
    });
    const asWebSocket: WebSocket = socket;
    void asWebSocket;
    socket.onopen = function () {
      expectTypeOf(this).toEqualTypeOf<HeartbeatSocket>();
    };
  });

  it('SharedHeartbeatSocket is usable where a DOM WebSocket is expected too', () => {
    expectTypeOf<SharedHeartbeatSocket>().toExtend<WebSocket>();
    const handler: SharedHeartbeatSocket['onmessage'] = function (event) {
      expectTypeOf(event).toEqualTypeOf<MessageEvent>();
    };
    void handler;
  });

  it('types the JSON heartbeat forms and the giveup event', () => {
    const options: Options = {
      heartbeat: { ping: false, isServerPing: { type: 'heartbeat' }, serverPingReply: { type: 'heartbeat_ack' } },
    };
    void options;
    expectTypeOf<HeartbeatSocketEventMap['giveup']['detail']['reason']>().toEqualTypeOf<GiveUpReason>();
    expectTypeOf<HeartbeatSocketEventMap['giveup']['detail']['close']>().toEqualTypeOf<CloseEvent>();
  });
});

// React Native's declaration of its global WebSocket (react-native's types/modules/globals.d.ts),
// reduced to what matters here: one addEventListener signature per event type, no protocol,
// extensions, bufferedAmount or binaryType, and a third constructor parameter.
interface RNMessageEvent extends Event {
  data?: unknown;
}
interface RNCloseEvent extends Event {
  code?: number | undefined;
  reason?: string | undefined;
}
type RNListener = ((event: 'message', handler: (e: RNMessageEvent) => void) => void) &
  ((event: 'error', handler: (e: Event & { message: string }) => void) => void) &
  ((event: 'open', handler: () => void) => void) &
  ((event: 'close', handler: (e: RNCloseEvent) => void) => void);
interface RNWebSocket extends EventTarget {
  readonly readyState: number;
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void;
  close(code?: number, reason?: string): void;
  onopen: (() => void) | null;
  addEventListener: RNListener;
  removeEventListener: RNListener;
}
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only its type is read
declare const ReactNativeWebSocket: {
  prototype: RNWebSocket;
  new (
    uri: string,
    protocols?: string | string[] | null,
    options?: { headers: Record<string, string> } | null,
  ): RNWebSocket;
};

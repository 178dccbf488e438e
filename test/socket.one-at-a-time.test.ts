// The state machine's side of "one socket as the server sees it" and of the drop-in points of
// issue #14, with the fake WebSocket and fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatSocket } from '../src/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { makeSocket } from './helpers/socket';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => vi.useRealTimers());

/**
 * A fake with the `ws` package's terminate(): the socket closes without a handshake, its close
 * event a moment later (as every implementation dispatches close: never from inside the call).
 */
class Terminable extends FakeWebSocket {
  terminated = 0;
  terminate(): void {
    this.terminated++;
    queueMicrotask(() => this.serverClose(1006, '', false));
  }
}

describe('a new attempt waits for the sockets let go of', () => {
  it('reconnect() while CONNECTING does not abort the attempt: it is closed with a handshake once open, and the next one waits for its close', () => {
    const { socket, types } = makeSocket();
    const first = FakeWebSocket.last;
    socket.reconnect();
    expect(first.closeCalls).toEqual([]);
    expect(socket.readyState).toBe(HeartbeatSocket.CONNECTING);
    expect(FakeWebSocket.instances).toHaveLength(1);
    first.serverOpen();
    expect(first.closeCalls).toEqual([{ code: undefined, reason: undefined }]);
    expect(FakeWebSocket.instances).toHaveLength(1);
    first.serverClose(1005, '', true);
    expect(FakeWebSocket.instances).toHaveLength(2);
    // The user saw one close for the attempt it let go of, and nothing of its late open.
    expect(types()).toEqual(['close']);
  });

  it('reconnect() during close()’s handshake (CLOSING) and after close() waits for the handshake', () => {
    const { socket } = makeSocket();
    const first = FakeWebSocket.last;
    first.serverOpen();
    socket.close();
    expect(socket.state).toBe('closing');
    socket.reconnect();
    expect(FakeWebSocket.instances).toHaveLength(1);
    first.serverClose(1000, '', true);
    expect(FakeWebSocket.instances).toHaveLength(2);
    const second = FakeWebSocket.last;
    second.serverOpen();
    socket.close();
    second.serverClose(1000, '', true);
    expect(socket.state).toBe('closed');
    socket.reconnect();
    expect(FakeWebSocket.instances).toHaveLength(3);
  });

  it('waits for every one of several sockets let go of, and repeated reconnect() calls start one attempt', () => {
    makeSocket();
    const first = FakeWebSocket.last;
    first.serverOpen();
    const socket = makeSocket().socket; // a second client, to show the count is per socket
    FakeWebSocket.last.serverOpen();
    const own = FakeWebSocket.last;
    socket.reconnect();
    socket.reconnect();
    socket.reconnect();
    expect(FakeWebSocket.instances).toHaveLength(2);
    own.serverClose(1000, '', true);
    expect(FakeWebSocket.instances).toHaveLength(3);
    expect(first.closeCalls).toEqual([]);
  });

  it('waits at most min(connectionTimeout, 1 s), then ends the old sockets for good (terminate() where there is one)', async () => {
    const { socket } = makeSocket({ WebSocket: Terminable as never, connectionTimeout: 5000 });
    const first = FakeWebSocket.last as Terminable;
    first.serverOpen();
    socket.reconnect();
    await vi.advanceTimersByTimeAsync(999);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(first.terminated).toBe(1);
    expect(FakeWebSocket.instances).toHaveLength(2);

    const second = FakeWebSocket.last as Terminable;
    second.serverOpen();
    const quick = makeSocket({ WebSocket: Terminable as never, connectionTimeout: 300 }).socket;
    FakeWebSocket.last.serverOpen();
    const before = FakeWebSocket.instances.length;
    quick.reconnect();
    await vi.advanceTimersByTimeAsync(300);
    expect(FakeWebSocket.instances).toHaveLength(before + 1);
  });

  it('does not wait on a link the heartbeat judged dead', async () => {
    const { socket } = makeSocket({ heartbeat: { interval: 100, timeout: 50 }, minReconnectionDelay: 10, jitter: 0 });
    FakeWebSocket.last.serverOpen();
    await vi.advanceTimersByTimeAsync(150);
    expect(socket.state).toBe('reconnecting');
    // The dead socket never reports its close; the retry goes after its 10 ms delay all the same.
    await vi.advanceTimersByTimeAsync(10);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('close() while waiting ends the sockets let go of for good, and a later reconnect() still waits for their close', () => {
    const { socket } = makeSocket({ WebSocket: Terminable as never });
    const first = FakeWebSocket.last as Terminable;
    first.serverOpen();
    socket.reconnect();
    first.terminate = () => first.terminated++; // its close comes later here
    socket.close();
    expect(first.terminated).toBe(1);
    socket.reconnect();
    expect(FakeWebSocket.instances).toHaveLength(1);
    first.serverClose(1006, '', false);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });
});

describe('drop-in: as reconnecting-websocket', () => {
  it('an error while CONNECTING ends the attempt at once, even when no close follows', () => {
    const { socket, types, ofType } = makeSocket({ random: () => 0 });
    FakeWebSocket.last.dispatchEvent(new Event('error'));
    expect(types()).toEqual(['error', 'close', 'reconnecting']);
    expect(ofType<CloseEvent>('close')[0]).toMatchObject({ code: 1006, reason: '', wasClean: false });
    expect(socket.state).toBe('reconnecting');
  });

  it('error events carry error and message: the socket’s own, TIMEOUT, the URL provider’s, the constructor’s', async () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const { ofType } = makeSocket({ connectionTimeout: 100, minReconnectionDelay: 10_000 });
    FakeWebSocket.last.dispatchEvent(Object.assign(new Event('error'), { error: cause }));
    const refused = ofType<ErrorEvent>('error')[0];
    expect(refused).toBeInstanceOf(ErrorEvent);
    expect(refused).toMatchObject({ error: cause, message: cause.message });

    const timing = makeSocket({ connectionTimeout: 100 });
    await vi.advanceTimersByTimeAsync(100);
    const timeout = timing.ofType<ErrorEvent>('error')[0];
    expect(timeout?.message).toBe('TIMEOUT');
    expect(timeout?.error).toBeInstanceOf(Error);

    const failing = makeSocket({}, () => Promise.reject(new TypeError('no token')));
    await vi.advanceTimersByTimeAsync(0);
    expect(failing.ofType<ErrorEvent>('error')[0]).toMatchObject({ message: 'no token' });

    class Throwing {
      constructor() {
        throw new SyntaxError('bad protocol');
      }
    }
    const broken = makeSocket({ WebSocket: Throwing as never });
    await vi.advanceTimersByTimeAsync(0);
    expect(broken.ofType<ErrorEvent>('error')[0]).toMatchObject({ message: 'bad protocol' });

    // A browser's error event tells nothing: message '' and no error.
    const plain = makeSocket();
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.dispatchEvent(new Event('error'));
    const bare = plain.ofType<ErrorEvent>('error')[0];
    expect(bare?.message).toBe('');
    expect(bare?.error ?? undefined).toBeUndefined();
  });

  it('maxReconnectionDelay alone below the default minimum caps every delay; two explicit values that contradict still throw', async () => {
    const { ofType } = makeSocket({ maxReconnectionDelay: 200, jitter: 0 });
    for (let i = 0; i < 3; i++) {
      FakeWebSocket.last.serverError();
      await vi.advanceTimersByTimeAsync(200);
    }
    expect(ofType<CustomEvent>('reconnecting').map((e) => e.detail.delay)).toEqual([200, 200, 200]);
    expect(() => makeSocket({ minReconnectionDelay: 500, maxReconnectionDelay: 100 })).toThrow(RangeError);
  });

  it('binaryType is blob by default, on every socket, before and after open', async () => {
    // An implementation whose own default differs, as the ws package's ('nodebuffer') does.
    class OtherDefault extends FakeWebSocket {
      override binaryType: BinaryType = 'arraybuffer';
    }
    const { socket } = makeSocket({ WebSocket: OtherDefault as never, random: () => 0 });
    expect(socket.binaryType).toBe('blob');
    expect(FakeWebSocket.last.binaryType).toBe('blob');
    FakeWebSocket.last.serverOpen();
    expect(socket.binaryType).toBe('blob');
    expect(FakeWebSocket.last.binaryType).toBe('blob');
    // The socket of the next attempt too.
    FakeWebSocket.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(FakeWebSocket.last.binaryType).toBe('blob');
    FakeWebSocket.last.serverOpen();
    expect([socket.binaryType, FakeWebSocket.last.binaryType]).toEqual(['blob', 'blob']);
  });

  it('send() returns whether the message was written now, as partysocket’s does', () => {
    const { socket } = makeSocket();
    expect(socket.send('queued')).toBe(false);
    FakeWebSocket.last.serverOpen();
    expect(socket.send('now')).toBe(true);
    expect(FakeWebSocket.last.sent).toEqual(['queued', 'now']);
  });
});

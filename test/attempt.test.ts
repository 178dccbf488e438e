/**
 * src/attempt.ts: one socket's underlying WebSockets, one at a time. Each attempt goes to the
 * right endpoint, times out, reports only its own events, and never reaches the server while a
 * socket let go of is still live there.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { attempts, LINGER, type Timer } from '../src/attempt';
import type { WebSocketLike } from '../src/options';
import { toTarget, type UrlInput } from '../src/url';
import { FakeWebSocket } from './helpers/fake-websocket';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

const settle = () => vi.advanceTimersByTimeAsync(0);
const TIMEOUT = 5000;

/** Attempts over FakeWebSocket with one lifecycle timer, and the log of what they told. */
function make(url: UrlInput = ['ws://a.test/', 'ws://b.test/'], WebSocket: unknown = FakeWebSocket, debug = true) {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm: Timer = (fn, ms) => {
    clearTimeout(handle);
    handle = fn ? setTimeout(fn, ms) : undefined;
  };
  const told: string[] = [];
  const errors: unknown[] = [];
  const logged: unknown[][] = [];
  const a = attempts(
    toTarget(url),
    ['chat'],
    { WebSocket: WebSocket as WebSocketLike, connectionTimeout: TIMEOUT },
    () => 'arraybuffer',
    arm,
    {
      opened: () => told.push('opened'),
      received: (e) => told.push(`received ${String(e.data)}`),
      ended: (e) => told.push(`ended ${e.code}`),
      errored: (error) => (told.push('errored'), errors.push(error)),
      failed: (error, why) => (told.push(`failed ${why}`), errors.push(error)),
      // Without the `debug` option the socket gives no log function.
      log: debug ? (...args) => logged.push(args) : undefined,
    },
  );
  return { a, told, errors, logged };
}
const sockets = () => FakeWebSocket.instances;

it("opens at the endpoint for the number of failures, with the subprotocols and the socket's binaryType", () => {
  const { a } = make();
  a.start(0);
  expect([FakeWebSocket.last.url, FakeWebSocket.last.protocols, FakeWebSocket.last.binaryType]).toEqual([
    'ws://a.test/',
    ['chat'],
    'arraybuffer',
  ]);
  expect(a.address()).toBe('ws://a.test/');
  a.detach(true);
  a.start(3);
  expect(FakeWebSocket.last.url).toBe('ws://b.test/');
  expect(a.address()).toBe('ws://b.test/');
  expect(a.count()).toBe(2);
});

it('passes on open, messages and close of the current socket', () => {
  const { a, told } = make();
  a.start(0);
  const ws = FakeWebSocket.last;
  ws.serverOpen();
  ws.serverMessage('hi');
  ws.serverClose(1001);
  expect(told).toEqual(['opened', 'received hi', 'ended 1001']);
  expect(a.ws()).toBe(ws as unknown as WebSocket);
});

it('fails an attempt that has not opened after connectionTimeout, with a TIMEOUT error', () => {
  const { a, told, errors } = make();
  a.start(0);
  vi.advanceTimersByTime(TIMEOUT - 1);
  expect(told).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(told).toEqual(['failed connection timeout']);
  expect((errors[0] as Error).message).toBe('TIMEOUT');
});

it('an open attempt is not timed out', () => {
  const { a, told } = make();
  a.start(0);
  FakeWebSocket.last.serverOpen();
  vi.advanceTimersByTime(2 * TIMEOUT);
  expect(told).toEqual(['opened']);
});

it('an error before open fails the attempt; after open it is only reported', () => {
  const { a, told } = make();
  a.start(0);
  FakeWebSocket.last.dispatchEvent(new Event('error'));
  expect(told).toEqual(['failed ']);
  a.detach(true);
  a.start(0);
  FakeWebSocket.last.serverOpen();
  FakeWebSocket.last.dispatchEvent(new Event('error'));
  expect(told).toEqual(['failed ', 'opened', 'errored']);
});

it('closes the socket it lets go of, and reports nothing more of it', () => {
  const { a, told } = make();
  a.start(0);
  const ws = FakeWebSocket.last;
  ws.serverOpen();
  expect(a.detach(false, 4000, 'bye')).toBe(ws as unknown as WebSocket);
  expect(ws.closeCalls).toEqual([{ code: 4000, reason: 'bye' }]);
  expect(a.ws()).toBeUndefined();
  ws.serverMessage('late');
  ws.serverClose(4000, 'bye');
  expect(told).toEqual(['opened']);
});

it('starts the next attempt only once the socket let go of has closed', () => {
  const { a } = make();
  a.start(0);
  sockets()[0]!.serverOpen();
  a.detach(false, 1000, '');
  a.start(0);
  // The server still counts the first socket: no second one yet.
  expect(sockets()).toHaveLength(1);
  sockets()[0]!.serverClose(1000);
  expect(sockets()).toHaveLength(2);
});

it('waits at most LINGER for a socket let go of, then ends it and starts', () => {
  const { a } = make();
  a.start(0);
  const old = sockets()[0]!;
  old.serverOpen();
  a.detach(false, 1000, '');
  a.start(0);
  vi.advanceTimersByTime(LINGER - 1);
  expect(sockets()).toHaveLength(1);
  vi.advanceTimersByTime(1);
  expect(sockets()).toHaveLength(2);
  // Ended without waiting for its handshake (close() again: the fake has no terminate()).
  expect(old.closeCalls).toHaveLength(2);
});

it('does not wait for a socket given up on as dead, and terminates it where it can', () => {
  const terminated: unknown[] = [];
  class Terminating extends FakeWebSocket {
    terminate() {
      terminated.push(this);
      this.serverClose(1006);
    }
  }
  const { a } = make(['ws://a.test/'], Terminating);
  a.start(0);
  const old = sockets()[0]!;
  old.serverOpen();
  a.detach(true);
  expect(terminated).toEqual([old]);
  a.start(0);
  expect(sockets()).toHaveLength(2);
});

it('closes an attempt let go of while CONNECTING once it opens, and the next one waits for it', () => {
  const { a, told } = make();
  a.start(0);
  const old = sockets()[0]!;
  a.detach();
  a.start(0);
  expect(sockets()).toHaveLength(1);
  old.serverOpen();
  expect(old.closeCalls).toHaveLength(1);
  expect(told).toEqual([]);
  old.serverClose(1000);
  expect(sockets()).toHaveLength(2);
});

it('release() ends every socket let go of at once', () => {
  const { a } = make();
  a.start(0);
  const old = sockets()[0]!;
  old.serverOpen();
  a.detach(false, 1000, '');
  a.release();
  expect(old.closeCalls).toHaveLength(2);
});

it('release() with no socket let go of (an open socket closed for good) ends nothing and throws nothing', () => {
  const { a } = make();
  a.start(0);
  const current = sockets()[0]!;
  current.serverOpen();
  expect(() => a.release()).not.toThrow();
  expect(current.closeCalls).toHaveLength(0);
});

it('opens without a log function (no `debug`), as with one', () => {
  const { a, told } = make(undefined, undefined, false);
  a.start(0);
  FakeWebSocket.last.serverOpen();
  expect([sockets().length, told]).toEqual([1, ['opened']]);
});

it("asks a URL provider before each attempt, and reports its failure as the attempt's", async () => {
  let n = 0;
  const { a, told } = make(() => (++n === 1 ? 'ws://p.test/1' : Promise.reject(new Error('no token'))));
  expect(a.address()).toBe('');
  a.start(0);
  await settle();
  expect(FakeWebSocket.last.url).toBe('ws://p.test/1');
  expect(a.address()).toBe('ws://p.test/1');
  a.detach(true);
  a.start(1);
  await settle();
  expect(told).toEqual(['failed url provider failed']);
});

it("ignores a provider's late answer for an attempt let go of", async () => {
  let answer: (url: string) => void = () => {};
  const { a } = make(() => new Promise<string>((resolve) => (answer = resolve)));
  a.start(0);
  a.detach();
  answer('ws://late.test/');
  await settle();
  expect(sockets()).toHaveLength(0);
});

it('reports a WebSocket constructor that throws as a failed attempt, after the call', async () => {
  const { a, told } = make(['ws://a.test/'], function () {
    throw new Error('blocked');
  });
  a.start(0);
  expect(told).toEqual([]);
  await settle();
  expect(told).toEqual(['failed constructor failed']);
});

it('tells its address before the first attempt: the first endpoint of a list', () => {
  expect(make().a.address()).toBe('ws://a.test/');
});

it('logs each attempt as connect, with the URL redacted', () => {
  const { a, logged } = make(['wss://user:pw@a.test/live?token=t']);
  a.start(0);
  expect(logged).toEqual([['connect', 'wss://a.test/live']]);
});

it("ignores a provider's late failure for an attempt let go of", async () => {
  let refuse: (error: Error) => void = () => {};
  const { a, told } = make(() => new Promise<string>((_, reject) => (refuse = reject)));
  a.start(0);
  a.detach();
  refuse(new Error('no token'));
  await settle();
  expect(told).toEqual([]);
});

it("ignores a provider's late answer for an attempt let go of, once the next attempt is under way too", async () => {
  const answers: ((url: string) => void)[] = [];
  const { a } = make(() => new Promise<string>((resolve) => answers.push(resolve)));
  a.start(0);
  a.detach();
  a.start(1);
  answers[0]!('ws://late.test/');
  await settle();
  expect(sockets()).toHaveLength(0);
  answers[1]!('ws://now.test/');
  await settle();
  expect(sockets().map((ws) => ws.url)).toEqual(['ws://now.test/']);
});

it('the waiting attempt starts on the close of the socket let go of, not on its other events', () => {
  const { a } = make();
  a.start(0);
  const old = sockets()[0]!;
  old.serverOpen();
  a.detach(false, 1000, '');
  a.start(0);
  old.serverMessage('late');
  old.dispatchEvent(new Event('error'));
  expect(sockets()).toHaveLength(1);
  old.serverClose(1000);
  expect(sockets()).toHaveLength(2);
});

it('does not wait for a socket given up on as dead, even one that cannot be terminated', () => {
  const { a } = make(['ws://a.test/']);
  a.start(0);
  sockets()[0]!.serverOpen();
  a.detach(true);
  a.start(0);
  expect(sockets()).toHaveLength(2);
});

it('does not wait for a socket let go of whose close has already come', () => {
  const { a } = make(['ws://a.test/']);
  a.start(0);
  sockets()[0]!.serverOpen();
  sockets()[0]!.serverClose(1001);
  a.detach();
  a.start(0);
  expect(sockets()).toHaveLength(2);
});

/**
 * src/shared/linger.ts: a leader tab that lets go waits for every raw socket it made to have
 * closed (the server still counts them) before the next tab connects, and never more than LINGER.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { WebSocketLike } from '../../src/options';
import { LINGER, linger } from '../../src/shared/linger';
import { FakeWebSocket } from '../helpers/fake-websocket';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

const make = () => linger(FakeWebSocket as unknown as WebSocketLike);
const sockets = () => FakeWebSocket.instances;

it('waits for nothing when no socket was made', () => {
  const then = vi.fn();
  make().drained(then);
  expect(then).toHaveBeenCalledTimes(1);
});

it('waits until every socket made has reported close, then goes at once', () => {
  const l = make();
  new l.WebSocket('ws://a.test/');
  new l.WebSocket('ws://a.test/');
  const then = vi.fn();
  l.drained(then);
  sockets()[0]!.serverClose(1000);
  expect(then).not.toHaveBeenCalled();
  vi.advanceTimersByTime(LINGER / 2);
  sockets()[1]!.serverClose(1000);
  expect(then).toHaveBeenCalledTimes(1);
  // Once: the LINGER timer is gone with it.
  vi.advanceTimersByTime(LINGER);
  expect(then).toHaveBeenCalledTimes(1);
  expect(vi.getTimerCount()).toBe(0);
});

it('gives up on a socket that never closes after LINGER ms, not before', () => {
  const l = make();
  new l.WebSocket('ws://a.test/');
  const then = vi.fn();
  l.drained(then);
  vi.advanceTimersByTime(LINGER - 1);
  expect(then).not.toHaveBeenCalled();
  vi.advanceTimersByTime(1);
  expect(then).toHaveBeenCalledTimes(1);
  // Its close, when it comes late, calls nothing twice.
  sockets()[0]!.serverClose(1000);
  expect(then).toHaveBeenCalledTimes(1);
});

it('keeps counting a socket given up on: a later handover waits for it again', () => {
  const l = make();
  new l.WebSocket('ws://a.test/');
  l.drained(() => {});
  vi.advanceTimersByTime(LINGER);
  const then = vi.fn();
  l.drained(then);
  expect(then).not.toHaveBeenCalled();
  sockets()[0]!.serverClose(1000);
  expect(then).toHaveBeenCalledTimes(1);
});

it('forget() stops counting the last socket made (a dead link): no wait for it', () => {
  const l = make();
  new l.WebSocket('ws://a.test/');
  new l.WebSocket('ws://a.test/');
  sockets()[0]!.serverClose(1000);
  l.forget();
  const then = vi.fn();
  l.drained(then);
  expect(then).toHaveBeenCalledTimes(1);
});

it('makes sockets of the given class, with its url and protocols', () => {
  const l = make();
  const ws = new l.WebSocket('ws://a.test/x', ['chat']);
  expect(ws).toBeInstanceOf(FakeWebSocket);
  expect([(ws as unknown as FakeWebSocket).url, (ws as unknown as FakeWebSocket).protocols]).toEqual([
    'ws://a.test/x',
    ['chat'],
  ]);
});

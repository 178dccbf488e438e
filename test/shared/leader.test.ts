/**
 * src/shared/leader.ts: the leader tab's side. Every event of the real socket reaches every tab;
 * each tab's messages go out once, in its order, and each tab learns what left the socket.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { Relayed } from '../../src/shared/relay';
import { lead } from '../../src/shared/leader';
import { FakeWebSocket } from '../helpers/fake-websocket';
import { makeSocket } from '../helpers/socket';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

const settle = () => vi.advanceTimersByTimeAsync(0);

/** A leader of term L1 around a fresh socket, and what it told: [message, to]. */
function make(options = {}, heard: Record<string, number> = {}) {
  const { socket } = makeSocket({ lifecycle: false, heartbeat: false, ...options });
  const told: [Relayed, string | undefined][] = [];
  const drain: (() => void)[] = [];
  const leader = lead(
    socket,
    'L1',
    (m, to) => told.push([m, to]),
    (then) => drain.push(then),
    heard,
  );
  const of = <K extends Relayed['k']>(k: K) =>
    told.filter(([m]) => m.k === k).map(([m, to]) => [m, to] as [Extract<Relayed, { k: K }>, string | undefined]);
  return { socket, leader, told, of, drain };
}

it('tells every tab each event of the socket, with the term and the state after it', async () => {
  const { of } = make();
  FakeWebSocket.last.serverOpen();
  FakeWebSocket.last.serverMessage('hi');
  await settle();
  const events = of('ev').map(([m, to]) => [m.type, m.l, m.s.state, to]);
  expect(events).toEqual([
    ['statechange', 'L1', 'open', undefined],
    ['open', 'L1', 'open', undefined],
  ]);
  // A message goes as { k: 'm' }, without a snapshot, with the origin of the socket's URL (as a
  // browser's WebSocket gives it; the fake's own events carry none).
  expect(of('m')).toEqual([[{ k: 'm', l: 'L1', d: 'hi', o: 'ws://example.test' }, undefined]]);
});

it('relays a message without making the MessageEvent of its own socket', async () => {
  const { socket, of } = make();
  const seen: unknown[] = [];
  socket.addEventListener('message', (e) => seen.push(e.data));
  FakeWebSocket.last.serverOpen();
  FakeWebSocket.last.serverMessage('a');
  FakeWebSocket.last.serverMessage('b');
  expect(of('m').map(([m]) => m.d)).toEqual(['a', 'b']);
  expect(seen).toEqual([]);
});

it("sends each tab's messages in order, and tells it once per task how far they have left the socket", async () => {
  const { leader, of } = make();
  FakeWebSocket.last.serverOpen();
  expect(leader.accept('a', 1, 'a1')).toBe(true);
  expect(leader.accept('b', 1, 'b1')).toBe(true);
  expect(leader.accept('a', 2, 'a2')).toBe(true);
  expect(FakeWebSocket.last.sent).toEqual(['a1', 'b1', 'a2']);
  await settle();
  expect(of('settled').map(([m]) => [m.l, m.marks])).toEqual([['L1', { a: 2, b: 1 }]]);
});

it('never sends a message twice: a repeat is told how far its tab has got instead', async () => {
  const { leader, of } = make();
  FakeWebSocket.last.serverOpen();
  leader.accept('a', 1, 'a1');
  await settle();
  expect(leader.accept('a', 1, 'a1')).toBe(false);
  await settle();
  expect(FakeWebSocket.last.sent).toEqual(['a1']);
  expect(of('settled').map(([m]) => m.marks)).toEqual([{ a: 1 }, { a: 1 }]);
});

it('does not send what an earlier leader already took (heard)', async () => {
  const { leader } = make({}, { a: 2 });
  FakeWebSocket.last.serverOpen();
  expect(leader.accept('a', 1, 'a1')).toBe(false);
  expect(leader.accept('a', 2, 'a2')).toBe(false);
  expect(leader.accept('a', 3, 'a3')).toBe(true);
  expect(FakeWebSocket.last.sent).toEqual(['a3']);
});

it('tells a dropped message to its own tab only, and again if the tab hands it over again', async () => {
  const { leader, of } = make({ maxEnqueuedMessages: 1 });
  // Not open: the queue holds one, the second overflows.
  leader.accept('a', 1, 'a1');
  leader.accept('a', 2, 'a2');
  expect(of('drop')).toEqual([[{ k: 'drop', to: 'a', n: 2, reason: 'overflow' }, 'a']]);
  leader.accept('a', 2, 'a2');
  expect(of('drop')).toHaveLength(2);
  expect(of('drop')[1]![1]).toBe('a');
});

it('while handing over, tells tabs the connection is moving (reconnecting), and finishes once drained', async () => {
  const { leader, socket, drain, told } = make();
  FakeWebSocket.last.serverOpen();
  const done = vi.fn();
  leader.leave(1000, 'bye', true, done);
  expect(leader.state()).toBe('reconnecting');
  expect(leader.snapshot().state).toBe('reconnecting');
  FakeWebSocket.last.serverClose(1000, 'bye');
  await settle();
  expect(socket.readyState).toBe(socket.CLOSED);
  expect(done).not.toHaveBeenCalled();
  // The raw sockets have all closed (linger): the term ends, and nothing more is told.
  drain.forEach((then) => then());
  await settle();
  expect(done).toHaveBeenCalledTimes(1);
  const count = told.length;
  FakeWebSocket.last.dispatchEvent(new MessageEvent('message', { data: 'late' }));
  socket.dispatchEvent(new Event('open'));
  expect(told).toHaveLength(count);
});

it('lets go at once when not waiting (a page going into the back/forward cache)', async () => {
  const { leader, drain } = make();
  FakeWebSocket.last.serverOpen();
  const done = vi.fn();
  leader.leave(1000, '', false, done);
  await settle();
  expect(done).toHaveBeenCalledTimes(1);
  expect(drain).toEqual([]);
});

/**
 * src/shared/leader.ts: the leader tab's side. Every event of the real socket reaches every tab;
 * each tab's messages go out once, in its order, and each tab learns what left the socket.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Relayed } from '../../src/shared/relay';
import { lead } from '../../src/shared/leader';
import { closeEvent, customEvent, errorEvent } from '../../src/surface';
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
  /** What the leader tab was told of dropped messages an earlier leader's outbox kept. */
  const orphans: unknown[][] = [];
  const leader = lead(
    socket,
    'L1',
    (m, to) => told.push([m, to]),
    (then) => drain.push(then),
    heard,
    (...dropped) => orphans.push(dropped),
  );
  const of = <K extends Relayed['k']>(k: K) =>
    told.filter(([m]) => m.k === k).map(([m, to]) => [m, to] as [Extract<Relayed, { k: K }>, string | undefined]);
  return { socket, leader, told, of, drain, orphans };
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

it('reads binary messages as ArrayBuffers, which every tab converts to its own binaryType', () => {
  const { socket } = make();
  expect(socket.binaryType).toBe('arraybuffer');
});

it("tells every tab each kind of event the socket dispatches, and only those (not a tab's own)", () => {
  const { socket, of } = make({ startClosed: true });
  const events = [
    new Event('open'),
    closeEvent(1000, 'bye', true),
    errorEvent(new Error('refused')),
    customEvent('reconnecting', { attempt: 1, delay: 1000 }),
    customEvent('heartbeat', { rtt: 5 }),
    customEvent('giveup', { reason: 'maxRetries', close: closeEvent(1006, '', false) }),
    customEvent('statechange', { state: 'open', previous: 'connecting' }),
    customEvent('drop', { reason: 'overflow', data: 'x' }),
  ];
  for (const event of events) socket.dispatchEvent(event);
  expect(of('ev').map(([m]) => m.type)).toEqual([
    'open',
    'close',
    'error',
    'reconnecting',
    'heartbeat',
    'giveup',
    'statechange',
  ]);
});

it('with replayUnconfirmed, a message confirmed by a pong is settled, not told as dropped', async () => {
  const { leader, of } = make({ heartbeat: { interval: 1000, timeout: 500 }, replayUnconfirmed: true });
  FakeWebSocket.last.serverOpen();
  leader.accept('a', 1, 'a1');
  await settle();
  expect(of('settled')).toEqual([]);
  await vi.advanceTimersByTimeAsync(1000);
  FakeWebSocket.last.serverMessage('pong');
  await settle();
  expect(of('settled').map(([m]) => m.marks)).toEqual([{ a: 1 }]);
  expect(of('drop')).toEqual([]);
});

it('a repeat of a message still queued tells its tab that nothing before its oldest pending one has left', async () => {
  const { leader, of } = make();
  // Not open: a1 and a2 wait in the queue.
  leader.accept('a', 1, 'a1');
  leader.accept('a', 2, 'a2');
  expect(leader.accept('a', 2, 'a2')).toBe(false);
  await settle();
  expect(of('settled').map(([m]) => m.marks)).toEqual([{ a: 0 }]);
});

it("tells a repeat again only its own tab's drop of that message", () => {
  const { leader, of } = make({ maxEnqueuedMessages: 1 });
  leader.accept('a', 1, 'a1'); // kept in the queue
  leader.accept('b', 1, 'b1'); // overflow: b's 1
  leader.accept('a', 2, 'a2'); // overflow: a's 2
  expect(of('drop').map(([m]) => [m.to, m.n])).toEqual([
    ['b', 1],
    ['a', 2],
  ]);
  // a's 1 is still queued, not dropped: a repeat of it is told no drop.
  expect(leader.accept('a', 1, 'a1')).toBe(false);
  expect(of('drop')).toHaveLength(2);
});

it('remembers the last 1,000 drops for tabs that hand them over again', () => {
  const { leader, of } = make({ maxEnqueuedMessages: 1 });
  leader.accept('a', 1, 'a1');
  for (let n = 2; n <= 1002; n++) leader.accept('a', n, `a${n}`);
  expect(of('drop')).toHaveLength(1001);
  leader.accept('a', 2, 'a2'); // the oldest drop, forgotten
  expect(of('drop')).toHaveLength(1001);
  leader.accept('a', 3, 'a3');
  expect(of('drop')).toHaveLength(1002);
  expect(of('drop').at(-1)).toEqual([{ k: 'drop', to: 'a', n: 3, reason: 'overflow' }, 'a']);
});

it("discard(from, n) takes that tab's messages up to n out of the queue, told as its clearQueue() ('cleared'), and takes them no more", async () => {
  const { leader, of } = make();
  for (const n of [1, 2, 3]) leader.accept('a', n, `a${n}`);
  leader.accept('b', 1, 'b1');
  leader.discard('a', 2);
  expect(of('drop').map(([m, to]) => [m.n, m.reason, to])).toEqual([
    [1, 'cleared', 'a'],
    [2, 'cleared', 'a'],
  ]);
  expect(leader.accept('a', 2, 'a2')).toBe(false);
  // A lower mark changes nothing: a3 was taken.
  leader.discard('a', 1);
  expect(leader.accept('a', 3, 'a3')).toBe(false);
  leader.discard('c', 5);
  expect(leader.accept('c', 5, 'c5')).toBe(false);
  leader.accept('c', 6, 'c6'); // queued: false, as send() while not open
  FakeWebSocket.last.serverOpen();
  expect(FakeWebSocket.last.sent).toEqual(['a3', 'b1', 'c6']);
});

it("withdraw(from, n) takes that one message out of the queue ('aborted', told to its tab); not one written, nor another tab's", async () => {
  const { leader, of } = make();
  leader.accept('a', 1, 'a1');
  leader.accept('a', 2, 'a2');
  leader.accept('b', 2, 'b2');
  expect(leader.withdraw('a', 2)).toBe(true);
  expect(leader.withdraw('a', 2)).toBe(false);
  expect(leader.withdraw('c', 1)).toBe(false);
  expect(of('drop').map(([m, to]) => [m.n, m.reason, to])).toEqual([[2, 'aborted', 'a']]);
  FakeWebSocket.last.serverOpen();
  expect(FakeWebSocket.last.sent).toEqual(['a1', 'b2']);
  // Written: nothing left to take out, nothing dropped.
  expect(leader.withdraw('a', 1)).toBe(false);
  expect(of('drop')).toHaveLength(1);
});

it('waits for the close of its socket before draining, and drains at once a socket already closed', async () => {
  const { leader, drain } = make();
  FakeWebSocket.last.serverOpen();
  leader.leave(1000, 'bye', true, () => {});
  expect(drain).toHaveLength(0);
  FakeWebSocket.last.serverClose(1000, 'bye');
  expect(drain).toHaveLength(1);

  const other = make({ startClosed: true });
  const done = vi.fn();
  other.leader.leave(1000, '', true, done);
  expect(other.drain).toHaveLength(1);
  other.drain[0]!();
  await settle();
  expect(done).toHaveBeenCalledTimes(1);
});

it('once its term is over, tells nothing: no settled marks, drops or messages', async () => {
  const { leader, socket, told } = make();
  FakeWebSocket.last.serverOpen();
  const done = vi.fn();
  // No marks pending: leaving tells no empty `settled`.
  leader.leave(1000, '', false, done);
  await settle();
  expect(done).toHaveBeenCalledTimes(1);
  expect(told.filter(([m]) => m.k === 'settled')).toEqual([]);
  const count = told.length;
  // The closing handshake is not over: a message still comes in, and a late drop.
  FakeWebSocket.last.serverMessage('late');
  leader.accept('a', 1, 'a1');
  socket.clearQueue();
  await settle();
  expect(told.slice(count)).toEqual([]);
});

describe('what an earlier leader kept in the outbox (adopt, label)', () => {
  it('labels each message with its tab and number while the socket has it', async () => {
    const { socket, leader } = make();
    const labels: unknown[] = [];
    const track = socket.track.bind(socket);
    vi.spyOn(socket, 'track').mockImplementation((data, done) => (labels.push(leader.label(done)), track(data, done)));
    leader.accept('a', 1, 'a1');
    leader.accept('b', 7, 'b7');
    expect(labels).toEqual([
      ['a', 1],
      ['b', 7],
    ]);
    FakeWebSocket.last.serverOpen();
    await settle();
    const done = vi.mocked(socket.track).mock.calls[0]![1];
    expect(leader.label(done)).toBeUndefined();
  });

  it("sends an adopted message once, in its tab's order: not again when its tab hands it over, nor one the tab handed first", async () => {
    const { leader } = make();
    // Tab b handed over 1 and 2 again before the outbox was read; the outbox kept a (ended) and b's 2, 3.
    leader.accept('b', 1, 'b1');
    leader.accept('b', 2, 'b2');
    leader.adopt(['a', 4], 'a4', false);
    leader.adopt(['b', 2], 'b2', false);
    leader.adopt(['b', 3], 'b3', false);
    // b hands over 3 and 4 after: 3 was adopted, 4 is new.
    expect(leader.accept('b', 3, 'b3')).toBe(false);
    leader.accept('b', 4, 'b4');
    FakeWebSocket.last.serverOpen();
    await settle();
    expect(FakeWebSocket.last.sent).toEqual(['b1', 'b2', 'a4', 'b3', 'b4']);
  });

  it('takes nothing a tab was told has left an earlier socket (heard)', async () => {
    const { leader } = make({}, { a: 5 });
    leader.adopt(['a', 5], 'a5', false);
    leader.adopt(['a', 6], 'a6', false);
    FakeWebSocket.last.serverOpen();
    await settle();
    expect(FakeWebSocket.last.sent).toEqual(['a6']);
  });

  it('drops an expired one: told to its tab and to the leader tab (its tab may have ended); its tab hands it over in vain', async () => {
    const { leader, of, orphans } = make();
    leader.adopt(['a', 3], 'a3', 'expired');
    expect(leader.accept('a', 3, 'a3')).toBe(false);
    FakeWebSocket.last.serverOpen();
    await settle();
    expect(FakeWebSocket.last.sent).toEqual([]);
    expect(of('drop').map(([m, to]) => [m.n, m.reason, to])).toEqual([
      [3, 'expired', 'a'],
      [3, 'expired', 'a'],
    ]);
    expect(orphans).toEqual([['a3', 'expired', 'a']]);
  });

  it("drops one read from an outbox deleted meanwhile (a logout): 'cleared', told to its tab and to the leader tab; never sent", async () => {
    const { leader, of, orphans } = make();
    leader.adopt(['a', 3], 'a3', 'cleared');
    expect(leader.accept('a', 3, 'a3')).toBe(false);
    FakeWebSocket.last.serverOpen();
    await settle();
    expect(FakeWebSocket.last.sent).toEqual([]);
    expect(of('drop').map(([m, to]) => [m.n, m.reason, to])).toEqual([
      [3, 'cleared', 'a'],
      [3, 'cleared', 'a'],
    ]);
    expect(orphans).toEqual([['a3', 'cleared', 'a']]);
  });

  it('with replayUnconfirmed, an adopted message confirmed by a pong is no drop for the leader tab', async () => {
    const { leader, orphans, of } = make({ heartbeat: { interval: 60_000, timeout: 60_000 }, replayUnconfirmed: true });
    FakeWebSocket.last.serverOpen();
    leader.adopt(['a', 1], 'a1', false);
    leader.socket.probe();
    FakeWebSocket.last.serverMessage('pong');
    await settle();
    expect(FakeWebSocket.last.sent).toEqual(['a1', 'ping']);
    expect(of('settled').map(([m]) => m.marks)).toEqual([{ a: 1 }]);
    expect(orphans).toEqual([]);
  });

  it("an adopted message the queue drops is told to the leader tab too; a tab's own drop is not", async () => {
    const { leader, socket, orphans } = make({ maxEnqueuedMessages: 1, queueOverflow: 'drop-newest' });
    leader.accept('b', 1, 'b1');
    leader.adopt(['a', 1], 'a1', false);
    leader.accept('b', 2, 'b2');
    expect(orphans).toEqual([['a1', 'overflow', 'a']]);
    socket.clearQueue();
    expect(orphans).toEqual([['a1', 'overflow', 'a']]);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeWebSocket } from './helpers/fake-websocket';
import { makeSocket } from './helpers/socket';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => vi.useRealTimers());

const hb = { interval: 1000, timeout: 500 };
const userFrames = (ws: FakeWebSocket) => ws.sent.filter((d) => d !== 'ping');

/** Open, write a..e with a ping after c, answer that ping, then let the link die. */
async function scenario(options: object) {
  const s = makeSocket({ heartbeat: hb, random: () => 0, ...options });
  const first = FakeWebSocket.last;
  first.serverOpen();
  s.socket.send('a');
  s.socket.send('b');
  s.socket.send('c');
  await vi.advanceTimersByTimeAsync(1000); // ping after c
  s.socket.send('d');
  first.serverMessage('pong'); // confirms a, b, c
  s.socket.send('e');
  await vi.advanceTimersByTimeAsync(1000); // ping after e: never answered
  await vi.advanceTimersByTimeAsync(500); // heartbeat timeout
  return { ...s, first };
}

describe('replayUnconfirmed', () => {
  it('is off by default: what a dead connection swallowed is not sent again', async () => {
    const { socket, ofType } = await scenario({});
    expect(ofType<CloseEvent>('close')[0]?.reason).toBe('heartbeat timeout');
    socket.send('f');
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    expect(userFrames(FakeWebSocket.last)).toEqual(['f']);
    expect(socket.stats.unconfirmed).toBe(0);
  });

  it('sends the unconfirmed messages again first, in order, before the backlog', async () => {
    const { socket, first } = await scenario({ replayUnconfirmed: true });
    expect(userFrames(first)).toEqual(['a', 'b', 'c', 'd', 'e']);
    socket.send('f'); // backlog, sent while down
    expect(socket.stats).toMatchObject({ queued: 3, unconfirmed: 0 });
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    expect(userFrames(FakeWebSocket.last)).toEqual(['d', 'e', 'f']);
  });

  it('clearQueue() discards the unconfirmed too, oldest first: nothing is sent again, and a later pong confirms what follows', async () => {
    const { socket, ofType } = makeSocket({ heartbeat: hb, replayUnconfirmed: true });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    socket.send('a');
    socket.send('b');
    ws.readyState = FakeWebSocket.CLOSING; // not OPEN: what follows queues
    socket.send('c');
    ws.readyState = FakeWebSocket.OPEN;
    expect(socket.stats).toMatchObject({ queued: 1, unconfirmed: 2 });
    expect(socket.clearQueue()).toBe(3);
    expect(ofType<CustomEvent>('drop').map((e) => [e.detail.data, e.detail.reason])).toEqual([
      ['a', 'cleared'],
      ['b', 'cleared'],
      ['c', 'cleared'],
    ]);
    expect(socket.stats).toMatchObject({ queued: 0, unconfirmed: 0 });
    socket.send('d');
    await vi.advanceTimersByTimeAsync(1000); // ping after d
    socket.send('e');
    ws.serverMessage('pong');
    expect(socket.stats.unconfirmed).toBe(1); // e, written after the ping
    ws.serverError();
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    expect(userFrames(FakeWebSocket.last)).toEqual(['e']);
  });

  it('releases confirmed messages at once and keeps only those after the answered ping', async () => {
    const { socket } = makeSocket({ heartbeat: hb, replayUnconfirmed: true });
    FakeWebSocket.last.serverOpen();
    for (let i = 0; i < 100; i++) socket.send(`m${i}`);
    expect(socket.stats.unconfirmed).toBe(100);
    await vi.advanceTimersByTimeAsync(1000);
    socket.send('after ping');
    FakeWebSocket.last.serverMessage('pong');
    expect(socket.stats.unconfirmed).toBe(1);
  });

  it('replays after an unplanned close too, and after reconnect()', async () => {
    const { socket } = makeSocket({ heartbeat: hb, replayUnconfirmed: true, random: () => 0 });
    FakeWebSocket.last.serverOpen();
    socket.send('x');
    FakeWebSocket.last.serverClose(1001, 'going away', true);
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    expect(userFrames(FakeWebSocket.last)).toEqual(['x']);
    socket.send('y');
    const second = FakeWebSocket.last;
    expect(userFrames(second)).toEqual(['x', 'y']);
    socket.reconnect();
    // The next attempt waits for the old socket's close (the fake's close() reports none).
    expect(FakeWebSocket.instances).toHaveLength(2);
    second.serverClose(1000, '', true);
    const third = FakeWebSocket.last;
    expect(third).not.toBe(second);
    third.serverOpen();
    // Neither x nor y was confirmed by a pong: both go out again, in order, on the new socket.
    expect(userFrames(third)).toEqual(['x', 'y']);
  });

  it('counts a clean closing handshake of close() as confirmation', () => {
    const { socket } = makeSocket({ heartbeat: hb, replayUnconfirmed: true });
    FakeWebSocket.last.serverOpen();
    socket.send('x');
    socket.close();
    FakeWebSocket.last.serverClose(1000, '', true);
    expect(socket.stats).toMatchObject({ queued: 0, unconfirmed: 0 });
  });

  it('keeps what a close() whose handshake timed out may have lost, for a later reconnect()', async () => {
    const { socket } = makeSocket({ heartbeat: hb, replayUnconfirmed: true, connectionTimeout: 1000 });
    FakeWebSocket.last.serverOpen();
    socket.send('x');
    socket.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.stats).toMatchObject({ queued: 1, unconfirmed: 0 });
  });

  it('keeps what a close() whose handshake the server ended uncleanly may have lost, for a later reconnect()', () => {
    const { socket } = makeSocket({ heartbeat: hb, replayUnconfirmed: true });
    FakeWebSocket.last.serverOpen();
    socket.send('x');
    socket.close();
    FakeWebSocket.last.serverClose(1006, '', false);
    socket.reconnect();
    FakeWebSocket.last.serverOpen();
    expect(userFrames(FakeWebSocket.last)).toEqual(['x']);
  });

  it('gives the ping behind a backlog written on open the whole timeout, not probeTimeout', async () => {
    const { socket, ofType } = makeSocket({
      heartbeat: { interval: 1000, timeout: 2000, probeTimeout: 300 },
      replayUnconfirmed: true,
    });
    socket.send('backlog');
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    expect(ws.sent).toEqual(['backlog', 'ping']);
    await vi.advanceTimersByTimeAsync(1000);
    ws.serverMessage('pong');
    expect(ofType('close')).toHaveLength(0);
    expect(socket.stats.unconfirmed).toBe(0);
  });

  it("does not count the reply to a server's ping as a ping: the next pong confirms everything written before its ping", async () => {
    const { socket } = makeSocket({
      heartbeat: { ...hb, isServerPing: (d) => d === 'server ping', serverPingReply: 'server pong' },
      replayUnconfirmed: true,
      random: () => 0,
    });
    const first = FakeWebSocket.last;
    first.serverOpen();
    socket.send('a');
    first.serverMessage('server ping');
    socket.send('b');
    await vi.advanceTimersByTimeAsync(1000);
    expect(first.sent).toEqual(['a', 'server pong', 'b', 'ping']);
    first.serverMessage('pong');
    first.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    expect(userFrames(FakeWebSocket.last)).toEqual([]);
  });

  it('bounds the unconfirmed messages by the queue bounds: the oldest give way with drop (unconfirmed)', () => {
    const { socket, ofType } = makeSocket({ heartbeat: hb, replayUnconfirmed: true, maxEnqueuedMessages: 3 });
    FakeWebSocket.last.serverOpen();
    for (const m of ['1', '2', '3', '4', '5']) socket.send(m);
    expect(ofType<CustomEvent>('drop').map((e) => e.detail)).toEqual([
      { data: '1', reason: 'unconfirmed' },
      { data: '2', reason: 'unconfirmed' },
    ]);
    expect(socket.stats.unconfirmed).toBe(3);
  });

  it('applies the queue bounds to replay plus backlog, with drop events', async () => {
    const { socket, ofType } = await scenario({ replayUnconfirmed: true, maxEnqueuedMessages: 2 });
    socket.send('f');
    const drops = ofType<CustomEvent>('drop').map((e) => e.detail);
    // A bound of 2 pushes a and b out of the unconfirmed buffer; d and e fill the queue after
    // the death, and f gives way.
    expect(drops.filter((d) => d.reason === 'overflow')).toEqual([{ data: 'f', reason: 'overflow' }]);
    expect(drops.filter((d) => d.reason === 'unconfirmed').map((d) => d.data)).toEqual(['a', 'b']);
    expect(socket.stats.queued).toBe(2);
  });

  it('needs a heartbeat that pings', () => {
    expect(() => makeSocket({ replayUnconfirmed: true })).toThrow(
      /options\.replayUnconfirmed must be used with a heartbeat that pings/,
    );
    expect(() => makeSocket({ replayUnconfirmed: true, heartbeat: { ping: false } })).toThrow(TypeError);
  });
});

describe('stamp', () => {
  it('rewrites each message once with its sequence number; a replay resends the same bytes', async () => {
    const stamp = vi.fn((data: unknown, seq: number) => JSON.stringify({ id: seq, body: data }));
    const { socket } = makeSocket({ heartbeat: hb, replayUnconfirmed: true, stamp, random: () => 0 });
    socket.send('queued');
    FakeWebSocket.last.serverOpen();
    socket.send('live');
    FakeWebSocket.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen();
    expect(userFrames(FakeWebSocket.last)).toEqual(['{"id":1,"body":"queued"}', '{"id":2,"body":"live"}']);
    expect(stamp).toHaveBeenCalledTimes(2);
  });
});

it('confirms by pong even when a chatty server sends other messages between ping and pong', async () => {
  const { socket, ofType } = makeSocket({ heartbeat: hb, replayUnconfirmed: true, maxEnqueuedMessages: 50 });
  const ws = FakeWebSocket.last;
  ws.serverOpen();
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 40; i++) socket.send(`r${round}m${i}`);
    await vi.advanceTimersByTimeAsync(1000); // ping after the 40
    ws.serverMessage('chatter');
    await vi.advanceTimersByTimeAsync(10);
    ws.serverMessage('pong');
  }
  expect(socket.stats.unconfirmed).toBe(0);
  expect(ofType('drop')).toHaveLength(0);
  expect(ofType('heartbeat')).toHaveLength(5);
});

it('pings right behind a flushed backlog, so its confirmation takes one round trip, not one interval', async () => {
  const { socket } = makeSocket({ heartbeat: hb, replayUnconfirmed: true });
  socket.send('a');
  socket.send('b');
  FakeWebSocket.last.serverOpen();
  expect(FakeWebSocket.last.sent).toEqual(['a', 'b', 'ping']);
  await vi.advanceTimersByTimeAsync(5);
  FakeWebSocket.last.serverMessage('pong');
  expect(socket.stats.unconfirmed).toBe(0);
  // With nothing flushed, the first ping waits for the interval as usual.
  socket.reconnect();
  FakeWebSocket.last.serverClose(1000, '', true);
  FakeWebSocket.last.serverOpen();
  expect(FakeWebSocket.last.sent).toEqual([]);
});

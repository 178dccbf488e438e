/**
 * Review of heartbeat-ws/request (review-y): each test states a behaviour the docs promise and
 * the code does not give. FakeWebSocket plays the server, fake timers the clock, as in
 * request.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { requests } from '../src/request/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { hb, messages, open, parsed, useFakes, userFrames } from './helpers/requests';
import { useTabs } from './helpers/tabs';

useFakes();

describe('listeners left behind', () => {
  it('a request answered before its pong, then pushed out of the replay buffer, leaves no close listener on the socket', async () => {
    const s = open({ heartbeat: hb, replayUnconfirmed: true, maxEnqueuedMessages: 1 });
    const added = vi.spyOn(s.socket, 'addEventListener');
    const removed = vi.spyOn(s.socket, 'removeEventListener');
    for (let n = 0; n < 100; n++) {
      const reply = s.api.request({ n });
      const { id } = parsed(s.server).at(-1) as { id: string };
      s.server.serverMessage(JSON.stringify({ id, n }));
      await expect(reply).resolves.toMatchObject({ n });
    }
    // Each request was answered (settled) while still in the replay buffer; the next write pushed
    // it out ('unconfirmed'). Nothing is pending: no close listener may be left for any of them.
    // In call order: a listener removed before it was added is still there.
    const live = new Set<unknown>();
    const calls = [
      ...added.mock.calls.map((c, i) => [added.mock.invocationCallOrder[i]!, 'add', c] as const),
      ...removed.mock.calls.map((c, i) => [removed.mock.invocationCallOrder[i]!, 'remove', c] as const),
    ].sort((a, b) => a[0] - b[0]);
    for (const [, op, [type, fn]] of calls) {
      if (type !== 'close') continue;
      if (op === 'add') live.add(fn);
      else live.delete(fn);
    }
    expect(live.size).toBe(0);
  });
});

describe('clearQueue() and a request already written', () => {
  // Without replayUnconfirmed, a clearQueue() after the write leaves the request alone: its reply
  // resolves it. With it, the written request is let go of from the replay buffer, and the socket
  // reports that as it reports a queued one, 'cleared': the request cannot tell the two apart,
  // and rejects (docs/requests.md says so; a reply that still comes is ignored). The product
  // owner may want it kept as for 'unconfirmed' (a new outcome of the core's trackers).
  it('without replayUnconfirmed, a request written before clearQueue() still resolves with the reply that comes', async () => {
    const s = open({ heartbeat: hb });
    const reply = s.api.request<{ ok: boolean }>({ op: 'charge' });
    const [{ id }] = parsed(s.server) as [{ id: string }];
    s.socket.clearQueue();
    s.server.serverMessage(JSON.stringify({ id, ok: true }));
    await expect(reply).resolves.toEqual({ id, ok: true });
    expect(messages(s)).toEqual([]);
  });

  it("with replayUnconfirmed, a request written before clearQueue() rejects with DropError 'cleared', as documented, and its reply is ignored", async () => {
    const s = open({ heartbeat: hb, replayUnconfirmed: true });
    const reply = s.api.request<{ ok: boolean }>({ op: 'charge' });
    const [{ id }] = parsed(s.server) as [{ id: string }];
    s.socket.clearQueue();
    await expect(reply).rejects.toMatchObject({ name: 'DropError', reason: 'cleared' });
    s.server.serverMessage(JSON.stringify({ id, ok: true }));
    expect(messages(s)).toEqual([]);
  });
});

describe('a late reply', () => {
  // docs/requests.md: dispose() "stops reading the socket's messages": a late answer to what it
  // aborted reaches the listeners, unless another requests() on the socket takes it for another
  // tab's reply (it cannot tell the two apart once the first let go of its ids).
  it.each([
    ['the only requests() on the socket', false, 1],
    ['beside another requests()', true, 0],
  ])('to a request that dispose() aborted, %s: as documented', async (_, other, reached) => {
    const s = open();
    const sibling = other ? requests(s.socket) : undefined;
    const reply = s.api.request({ q: 1 });
    const [{ id }] = parsed(s.server) as [{ id: string }];
    s.api.dispose();
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
    s.server.serverMessage(JSON.stringify({ id, late: true }));
    expect(messages(s)).toHaveLength(reached);
    sibling?.dispose();
  });
});

describe('request(payload) of a class instance', () => {
  // isPlain() takes a class instance ("what JSON sends whole"), and request.test.ts says of
  // deliver(): "A class instance is an object too: its JSON (toJSON() included), as request()
  // sends one". request() spreads it instead ({ ...payload, id }): toJSON() is ignored and the
  // server gets the instance's own fields, not the payload's JSON.
  it('is sent as its JSON (toJSON() included), as deliver() sends one, or refused', async () => {
    const s = open();
    class Get {
      constructor(readonly key: string) {}
      toJSON() {
        return { type: 'get', key: this.key };
      }
    }
    let threw = false;
    try {
      void s.api.request(new Get('a')).catch(() => {});
    } catch {
      threw = true;
    }
    if (!threw) expect(parsed(s.server)[0]).toEqual({ type: 'get', key: 'a', id: expect.any(String) });
    s.api.dispose();
  });
});

describe('over SharedHeartbeatSocket', () => {
  const setup = useTabs();
  const settle = () => vi.advanceTimersByTimeAsync(0);
  const tab = (name: string) => {
    const socket = setup.tab(name, { minReconnectionDelay: 1000, jitter: 0 }, 'ws://example.test/rpc');
    const seen: unknown[] = [];
    socket.addEventListener('message', (e) => seen.push(e.data));
    const drops: unknown[] = [];
    socket.addEventListener('drop', (e) => drops.push(e.detail.reason));
    return { name, socket, seen, drops, api: requests(socket) };
  };

  // The docs: a follower's abort "takes it back only while the tab still holds it; once another
  // tab's leader has it, the request is rejected at once". The leader that had it never wrote it
  // and is gone; the tab that aborted hands it, rejected, to the next leader (here itself), whose
  // connection sends it: a request the caller was told was aborted, never written before the
  // abort, reaches the server.
  it("a follower's request aborted while the leader held it unwritten is not sent by the next leader once that leader crashed", async () => {
    const a = tab('a');
    await settle();
    const b = tab('b');
    await settle();
    expect(a.socket.isLeader).toBe(true);
    const controller = new AbortController();
    const reply = b.api.request({ op: 'charge' }, { signal: controller.signal });
    await settle(); // handed to a's leader, whose connection is still connecting: queued there
    controller.abort();
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
    setup.env.kill('a');
    await settle();
    expect(b.socket.isLeader).toBe(true);
    const next = FakeWebSocket.live().at(-1)!;
    next.serverOpen();
    await settle();
    expect(userFrames(next)).toEqual([]);
    // Not sent, and said so: a drop event, as an abort in a leading tab gives.
    expect(b.drops).toEqual(['aborted']);
  });

  it("a follower's request aborted while the leader held it, then close() and reconnect() to that same leader: sent once by it, and no 'aborted' drop", async () => {
    const a = tab('a');
    await settle();
    const b = tab('b');
    await settle();
    const controller = new AbortController();
    const reply = b.api.request({ op: 'charge' }, { signal: controller.signal });
    await settle(); // handed to a, whose connection is still connecting: queued there
    controller.abort();
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
    b.socket.close();
    setup.env.as('b', () => b.socket.reconnect()); // b follows a again, which still holds it
    await settle();
    FakeWebSocket.live()[0]!.serverOpen();
    await settle();
    expect(userFrames(FakeWebSocket.live()[0]!).map((d) => JSON.parse(d).op)).toEqual(['charge']);
    expect([a.socket.isLeader, b.drops]).toEqual([true, []]);
  });
  // HeartbeatSocket hands its interceptors the data as its WebSocket gives it, by binaryType (a
  // Blob by default), as its message listeners get it; a tab of SharedHeartbeatSocket hands its
  // interceptors the ArrayBuffer the leader relayed, and its listeners a Blob (binaryType
  // 'blob'). A replyId thus reads, and a request resolves with, another type than the tab's
  // binaryType and its listeners, unlike over HeartbeatSocket.
  it("replyId sees binary data as the tab's binaryType gives it (a Blob), as the message listeners do", async () => {
    const a = tab('a');
    await settle();
    const seenByReplyId: unknown[] = [];
    const api = requests(a.socket, { replyId: (data) => (seenByReplyId.push(data), undefined) });
    FakeWebSocket.live()[0]!.serverOpen();
    await settle();
    FakeWebSocket.live()[0]!.serverMessage(new Uint8Array([1, 2, 3]).buffer);
    await settle();
    expect(a.socket.binaryType).toBe('blob');
    expect(a.seen[0]).toBeInstanceOf(Blob);
    expect(Object.prototype.toString.call(seenByReplyId[0])).toBe('[object Blob]');
    api.dispose();
  });
});

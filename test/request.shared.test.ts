/**
 * heartbeat-ws/request over SharedHeartbeatSocket: several "tabs" in one jsdom over the in-memory
 * Web Locks and BroadcastChannel of test/helpers/tabs.ts, FakeWebSocket and fake timers, as in
 * shared.test.ts. A request made in one tab gets its reply in that tab only.
 */
import { describe, expect, it, vi } from 'vitest';
import { requests } from '../src/request/index';
import { type SharedOptions } from '../src/shared/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { useTabs } from './helpers/tabs';

const setup = useTabs();
const settle = () => vi.advanceTimersByTimeAsync(0);
const live = () => FakeWebSocket.live();
const userFrames = (ws: FakeWebSocket) => ws.sent.filter((d) => d !== 'ping') as string[];

function tab(name: string, options: SharedOptions = {}) {
  const socket = setup.tab(name, { minReconnectionDelay: 1000, jitter: 0, ...options }, 'ws://example.test/rpc');
  const messages: unknown[] = [];
  socket.addEventListener('message', (e) => messages.push(e.data));
  return { name, socket, messages, api: requests(socket) };
}

/** The server: answers every request on `ws` with its id and `to`, the payload's `from`. */
const answerAll = (ws: FakeWebSocket, seen = new Set<string>()) => {
  for (const frame of userFrames(ws)) {
    const { id, from } = JSON.parse(frame) as { id: string; from: string };
    if (!seen.has(frame)) ws.serverMessage(JSON.stringify({ id, to: from }));
    seen.add(frame);
  }
};

describe('requests() over SharedHeartbeatSocket', () => {
  it('a request made in any tab gets its reply in that tab only, and no tab sees a reply as a message', async () => {
    const tabs = ['a', 'b', 'c'].map((name) => tab(name));
    await settle();
    live()[0]!.serverOpen();
    await settle();
    const replies = tabs.map((t) => t.api.request<{ to: string }>({ from: t.name }));
    await settle();
    const ws = live()[0]!;
    expect(userFrames(ws)).toHaveLength(3);
    answerAll(ws);
    ws.serverMessage('news');
    await settle();
    expect((await Promise.all(replies)).map((r) => r.to)).toEqual(['a', 'b', 'c']);
    for (const t of tabs) expect(t.messages).toEqual(['news']);
  });

  it('a follower tab that aborts a request before any leader has it never sends it', async () => {
    // No leader yet: the tab still holds its message.
    const follower = tab('f');
    const controller = new AbortController();
    const reply = follower.api.request({ from: 'f' }, { signal: controller.signal });
    controller.abort();
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual([]);
  });

  // The tab that leads holds its own messages in its socket's queue: as over HeartbeatSocket, an
  // aborted or timed-out request not yet written is taken out of it, with a drop 'aborted'.
  it('the only tab, leading: an aborted request still queued never reaches the server, and is dropped once', async () => {
    const a = tab('a');
    const drops: unknown[] = [];
    a.socket.addEventListener('drop', (e) => drops.push(e.detail.reason));
    await settle();
    expect(a.socket.isLeader).toBe(true);
    const controller = new AbortController();
    const reply = a.api.request({ from: 'a' }, { signal: controller.signal });
    controller.abort();
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual([]);
    expect(drops).toEqual(['aborted']);
  });

  it('without Web Locks (every tab its own connection): a request timed out while queued is taken out', async () => {
    delete (navigator as { locks?: unknown }).locks;
    const a = tab('a');
    const drops: unknown[] = [];
    a.socket.addEventListener('drop', (e) => drops.push(e.detail.reason));
    await settle();
    const reply = a.api.request({ from: 'a' }, { timeout: 1000 });
    const rejected = expect(reply).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(1000);
    await rejected;
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual([]);
    expect(drops).toEqual(['aborted']);
  });

  it('a message the leading tab already wrote is not taken back: its abort rejects, and nothing is dropped', async () => {
    const a = tab('a');
    const drops: unknown[] = [];
    a.socket.addEventListener('drop', (e) => drops.push(e.detail.reason));
    await settle();
    live()[0]!.serverOpen();
    await settle();
    const controller = new AbortController();
    const reply = a.api.request({ from: 'a' }, { signal: controller.signal });
    await settle();
    controller.abort();
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
    await settle();
    expect(userFrames(live()[0]!)).toHaveLength(1);
    expect(drops).toEqual([]);
  });

  it("a follower's deliver() resolves when the leader wrote its message", async () => {
    const tabs = ['a', 'b'].map((name) => tab(name));
    await settle();
    const follower = tabs.find((t) => !t.socket.isLeader)!;
    const delivery = follower.api.deliver('order');
    await settle();
    live()[0]!.serverOpen();
    await expect(delivery).resolves.toBe('written');
    expect(userFrames(live()[0]!)).toEqual(['order']);
  });

  // As over HeartbeatSocket, whose close() keeps its queue for a later reconnect(): the outcome
  // comes when the tab is back, from the marks the leader keeps of what it wrote.
  it.each([
    ['in the task of the deliver()', false],
    ['once the leader holds the message', true],
  ])(
    "a follower's deliver() then close() %s: rejoined, it resolves 'written' for what the leader wrote meanwhile, and a later clearQueue() drops nothing",
    async (_, relayed) => {
      const tabs = ['a', 'b'].map((name) => tab(name));
      await settle();
      const follower = tabs.find((t) => !t.socket.isLeader)!;
      const drops: unknown[] = [];
      follower.socket.addEventListener('drop', (e) => drops.push(e.detail));
      const delivery = follower.api.deliver('order');
      if (relayed) await settle();
      follower.socket.close();
      await settle();
      live()[0]!.serverOpen();
      await settle();
      expect(userFrames(live()[0]!)).toEqual(['order']);
      follower.socket.reconnect();
      await settle();
      await expect(delivery).resolves.toBe('written');
      follower.socket.clearQueue();
      await settle();
      expect(drops).toEqual([]);
      expect(userFrames(live()[0]!)).toEqual(['order']);
    },
  );

  it("a follower's request made while the leader's link is down resolves across a leader change", async () => {
    const tabs = ['a', 'b', 'c'].map((name) =>
      tab(name, { replayUnconfirmed: true, heartbeat: { interval: 1000, timeout: 500 } }),
    );
    await settle();
    const first = live()[0]!;
    const leader = tabs.find((t) => t.socket.isLeader)!;
    const follower = tabs.find((t) => !t.socket.isLeader)!;
    const reply = follower.api.request<{ to: string }>({ from: follower.name });
    first.serverOpen();
    await settle();
    expect(userFrames(first)).toHaveLength(1);
    // The leader tab crashes before the server answered: the next leader sends it again.
    setup.env.kill(leader.name);
    await settle();
    const next = live()[0]!;
    expect(next).not.toBe(first);
    next.serverOpen();
    await settle();
    expect(userFrames(next)).toEqual(userFrames(first));
    answerAll(next);
    await settle();
    await expect(reply).resolves.toMatchObject({ to: follower.name });
    for (const t of tabs.filter((t) => t !== leader)) expect(t.messages).toEqual([]);
  });
});

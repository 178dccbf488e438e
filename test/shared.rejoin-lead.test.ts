/**
 * SharedHeartbeatSocket: a message goes out once through a leave and a join (docs/sharing.md),
 * also when the leader that wrote it hands over while its tab is away, and the tab that comes
 * back, or a tab that opens later, is the next leader: no tab that listened is left to say it
 * went. The leader leaves what left its socket in localStorage as it hands over (marks.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { SharedHeartbeatSocket, type SharedOptions } from '../src/shared/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { tabWebSocket, useTabs } from './helpers/tabs';

const setup = useTabs();
const settle = () => vi.advanceTimersByTimeAsync(0);
const live = () => FakeWebSocket.live();
const allFrames = () => FakeWebSocket.instances.flatMap((ws) => ws.sent.filter((d) => d !== 'ping'));

function pageHooks() {
  const hooks = new Set<(s: 'freeze' | 'restore') => void>();
  return {
    lifecycle: (n: (s: 'freeze' | 'restore') => void) => (hooks.add(n), () => void hooks.delete(n)),
    notify: (s: 'freeze' | 'restore') => [...hooks].forEach((n) => n(s)),
  };
}

function tab(name: string, options: SharedOptions = {}) {
  const socket = setup.env.as(
    name,
    () =>
      new SharedHeartbeatSocket('ws://example.test/live', [], {
        WebSocket: tabWebSocket(name),
        lifecycle: false,
        ...options,
      }),
  );
  setup.made.push(socket);
  return socket;
}

describe('a message goes out once through a leave and a join, whoever leads next', () => {
  it("a follower's send() then close(); the leader hands over; the follower's reconnect() makes it the leader", async () => {
    const a = tab('a');
    await settle();
    const b = tab('b');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    b.send('x');
    b.close(); // docs/sharing.md: the message goes out, once
    await settle();
    expect(allFrames()).toEqual(['x']);
    a.close(); // the leader tab closes its socket (its page lives on)
    FakeWebSocket.instances[0]!.serverClose(1000, '');
    await settle();
    b.reconnect(); // b joins again, and leads
    await settle();
    expect(b.isLeader).toBe(true);
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).toEqual(['x']);
  });

  it('a follower sends as its page goes into the back/forward cache; back, it is the next leader', async () => {
    const a = tab('a');
    await settle();
    const page = pageHooks();
    const b = tab('b', { lifecycle: page.lifecycle as never });
    await settle();
    live()[0]!.serverOpen();
    await settle();
    b.send('x');
    page.notify('freeze'); // a pagehide listener sent it (test/shared.test.ts: it goes out once)
    await settle();
    expect(allFrames()).toEqual(['x']);
    a.close(); // while b is away, the leader tab closes its socket
    FakeWebSocket.instances[0]!.serverClose(1000, '');
    await settle();
    page.notify('restore'); // a new leader elected while the tab was away: the tab itself
    await settle();
    expect(b.isLeader).toBe(true);
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).toEqual(['x']);
  });

  it('a follower sends and closes; the leader writes it and hands over to no one; a tab opened later leads, and the follower joins it', async () => {
    const a = tab('a');
    await settle();
    const b = tab('b');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    b.send('x');
    b.close();
    await settle();
    a.close(); // the last tab: the connection closes
    FakeWebSocket.instances[0]!.serverClose(1000, '');
    await settle();
    const c = tab('c');
    await settle();
    expect(c.isLeader).toBe(true);
    b.reconnect(); // b follows c, and hands it what it still keeps
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).toEqual(['x']);
    // b is told it went, as if it had listened.
    expect(b.bufferedAmount).toBe(0);
  });

  it('what a leader leaves is told to the tab as its outcome: a deliver() pending since it left resolves', async () => {
    const a = tab('a');
    await settle();
    const b = tab('b');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    const outcome = vi.fn();
    b.track('x', outcome);
    b.close();
    await settle();
    expect(outcome).not.toHaveBeenCalled(); // b left before the leader's word came
    a.close();
    FakeWebSocket.instances[0]!.serverClose(1000, '');
    await settle();
    b.reconnect();
    await settle();
    expect(b.isLeader).toBe(true);
    expect(outcome).toHaveBeenCalledWith('written');
    expect(allFrames()).toEqual(['x']);
  });
});

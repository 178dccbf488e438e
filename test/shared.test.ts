/**
 * SharedHeartbeatSocket in one jsdom: several "tabs" (instances, each with its own channel and
 * lock requests) over an in-memory Web Locks manager and BroadcastChannel (test/helpers/tabs.ts),
 * FakeWebSocket and fake timers. Real Chromium tabs: test/browser/shared.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { SharedHeartbeatSocket, type SharedOptions } from '../src/shared/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { pageHooks, recordEvents, TAB_EVENTS, tabWebSocket, useTabs } from './helpers/tabs';

const URL_ = 'ws://example.test/live';
const setup = useTabs();

/** A tab named `name` with a SharedHeartbeatSocket whose every event is recorded. */
function tab(name: string, options: SharedOptions = {}, url: string = URL_) {
  const socket = setup.tab(name, { minReconnectionDelay: 1000, jitter: 0, ...options }, url);
  const { events, of } = recordEvents(socket);
  const messages = () => of<MessageEvent>('message').map((e) => e.data);
  return { name, socket, events, of, messages, types: () => events.map((e) => e.type) };
}
type Tab = ReturnType<typeof tab>;

/** Lets every lock grant and channel message through. */
const settle = () => vi.advanceTimersByTimeAsync(0);
const live = () => FakeWebSocket.live();
const owner = (ws: FakeWebSocket) => (ws.constructor as unknown as { owner: string }).owner;
const userFrames = (ws: FakeWebSocket) => ws.sent.filter((d) => d !== 'ping');
const leaderOf = (tabs: Tab[]) => tabs.filter((t) => t.socket.isLeader);
/** What every connection made carried, of the user's messages. */
const allFrames = () => FakeWebSocket.instances.flatMap(userFrames);
/** The `drop` events of a tab, as their details. */
const drops = (t: Tab) => t.of<CustomEvent>('drop').map((e) => e.detail);

async function five(options: SharedOptions = {}) {
  const tabs = ['a', 'b', 'c', 'd', 'e'].map((n) => tab(n, options));
  await settle();
  return tabs;
}

describe('SharedHeartbeatSocket: one connection for every tab', () => {
  it('five tabs on one channel make one connection, held by the one leader', async () => {
    const tabs = await five();
    expect(live()).toHaveLength(1);
    expect(leaderOf(tabs).map((t) => t.name)).toEqual([owner(live()[0]!)]);
    const [leader] = leaderOf(tabs);
    expect(leader!.of<CustomEvent>('leaderchange').map((e) => e.detail)).toEqual([{ isLeader: true }]);
    for (const t of tabs) expect(t.socket.state).toBe('connecting');
  });

  it("every tab's state follows the connection, and open, message, heartbeat, close and reconnecting fire in every tab, once", async () => {
    const tabs = await five({ heartbeat: { interval: 1000, timeout: 500 } });
    const ws = live()[0]!;
    ws.serverOpen();
    await settle();
    for (const t of tabs)
      expect([t.socket.state, t.socket.readyState, t.types()]).toEqual(['open', 1, expect.arrayContaining(['open'])]);
    ws.serverMessage('news');
    await vi.advanceTimersByTimeAsync(1000);
    ws.serverMessage('pong');
    await settle();
    ws.serverClose(4001, 'bye');
    await settle();
    for (const t of tabs) {
      expect(t.types().filter((x) => x !== 'leaderchange')).toEqual([
        'open',
        'message',
        'heartbeat',
        'close',
        'reconnecting',
      ]);
      expect(t.messages()).toEqual(['news']);
      expect(t.of<CloseEvent>('close')[0]).toMatchObject({ code: 4001, reason: 'bye' });
      expect(t.socket.state).toBe('reconnecting');
      expect(t.socket.retryCount).toBe(1);
    }
    expect(live()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(live()).toHaveLength(1);
  });

  it('the messages the leader receives reach every tab in order, binary as Blobs, within the task that received them', async () => {
    const tabs = await five();
    const ws = live()[0]!;
    ws.serverOpen();
    await settle();
    ws.serverMessage('a');
    ws.serverMessage(new Uint8Array([1, 2]).buffer);
    ws.serverMessage('c');
    // Microtasks only: no timer, no later task.
    for (let i = 0; i < 5; i++) await Promise.resolve();
    for (const t of tabs) expect(t.messages()).toEqual(['a', expect.any(Blob), 'c']);
    // The origin of the socket's URL, as a browser's WebSocket gives it (the fake's events carry none).
    for (const t of tabs)
      expect(t.of<MessageEvent>('message').map((e) => [e.origin, e.target])).toEqual(
        Array(3).fill(['ws://example.test', t.socket]),
      );
  });

  it("sends from every tab go out through the leader's one connection, each tab's in its order", async () => {
    const tabs = await five();
    live()[0]!.serverOpen();
    await settle();
    for (let i = 0; i < 3; i++) for (const t of tabs) t.socket.send(`${t.name}${i}`);
    await settle();
    const sent = userFrames(live()[0]!) as string[];
    expect(sent).toHaveLength(15);
    for (const t of tabs)
      expect(sent.filter((d) => d.startsWith(t.name))).toEqual([0, 1, 2].map((i) => `${t.name}${i}`));
  });

  it('while there is no connection sends wait, and go out when it opens', async () => {
    const tabs = await five();
    tabs[3]!.socket.send('early');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual(['early']);
  });

  it("waiting sends are bounded as HeartbeatSocket's queue: the drop event fires in the tab that sent it", async () => {
    const tabs = await five({ maxEnqueuedMessages: 2 });
    const follower = tabs.find((t) => !t.socket.isLeader)!;
    for (const d of ['1', '2', '3']) follower.socket.send(d);
    await settle();
    expect(drops(follower)).toEqual([{ data: '3', reason: 'overflow' }]);
    for (const t of tabs) if (t !== follower) expect(t.of('drop')).toEqual([]);
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual(['1', '2']);
  });

  it('a tab that joins an open connection sees it open and gets an open event', async () => {
    const [a] = await five();
    live()[0]!.serverOpen();
    await settle();
    const late = tab('late');
    expect(late.socket.state).toBe('connecting');
    await settle();
    expect([late.socket.state, late.types()]).toEqual(['open', ['open']]);
    expect(a!.socket.state).toBe('open');
    expect(live()).toHaveLength(1);
  });
});

describe('SharedHeartbeatSocket: failover', () => {
  it('when the leader tab dies, another takes the lead and connects at once, with what the followers had not yet seen sent', async () => {
    const tabs = await five({ minReconnectionDelay: 5000 });
    const first = live()[0]!;
    const dying = tabs.find((t) => t.name === owner(first))!;
    const others = tabs.filter((t) => t !== dying);
    // Sent while down: they wait in the leader's queue and die with it.
    others[0]!.socket.send('x1');
    others[1]!.socket.send('y1');
    await settle();
    setup.env.kill(dying.name);
    await settle();
    const next = leaderOf(others);
    expect(next).toHaveLength(1);
    expect(next[0]!.of<CustomEvent>('leaderchange').map((e) => e.detail.isLeader)).toEqual([true]);
    // At once: no backoff delay (minReconnectionDelay is 5 s).
    expect(live()).toHaveLength(1);
    expect(owner(live()[0]!)).toBe(next[0]!.name);
    live()[0]!.serverOpen();
    await settle();
    expect([...userFrames(live()[0]!)].sort()).toEqual(['x1', 'y1']);
    for (const t of others) expect(t.socket.state).toBe('open');
  });

  it('followers whose leader vanished while open see the connection close, then open again', async () => {
    const tabs = await five();
    live()[0]!.serverOpen();
    await settle();
    const dying = tabs.find((t) => t.socket.isLeader)!;
    setup.env.kill(dying.name);
    await settle();
    live()[0]!.serverOpen();
    await settle();
    for (const t of tabs.filter((x) => x !== dying)) {
      expect(t.types().filter((x) => x !== 'leaderchange')).toEqual(['open', 'close', 'open']);
      expect(t.of<CloseEvent>('close')[0]).toMatchObject({ code: 1006, wasClean: false });
    }
  });

  describe('a leader change, as a follower sees it: a reconnect, the sequence docs/sharing.md states', () => {
    /** Each event of `t` from now on, with the state the tab reads when it fires. */
    const sequence = (t: Tab) => {
      const seen: string[] = [];
      // The states the tab reads, at each event and whenever the test looks: some change without one.
      const states = [t.socket.state as string];
      const look = () => {
        if (states.at(-1) !== t.socket.state) states.push(t.socket.state);
      };
      for (const type of TAB_EVENTS) {
        t.socket.addEventListener(type, (e) => {
          look();
          const c = e as CloseEvent;
          const what = type === 'close' ? ` ${c.code} '${c.reason}' ${c.wasClean ? 'clean' : 'unclean'}` : '';
          const detail = type === 'leaderchange' ? ` ${JSON.stringify((e as CustomEvent).detail)}` : '';
          seen.push(`${type}${what}${detail} (${t.socket.state}, readyState ${t.socket.readyState})`);
        });
      }
      return { seen, states, look };
    };

    it('the leader tab goes (closed, crashed, navigated away): close 1006 "leader lost", connecting, open', async () => {
      const tabs = await five({ minReconnectionDelay: 5000 });
      live()[0]!.serverOpen();
      await settle();
      const dying = leaderOf(tabs)[0]!;
      const rest = tabs.filter((t) => t !== dying);
      const watched = rest.map(sequence);
      setup.env.kill(dying.name);
      for (let i = 0; i < 5; i++) {
        await vi.advanceTimersByTimeAsync(0);
        watched.forEach((w) => w.look());
      }
      // No backoff: the next leader's connection is the only one, made at once.
      expect(live()).toHaveLength(1);
      live()[0]!.serverOpen();
      await settle();
      const heir = leaderOf(rest)[0]!;
      rest.forEach((t, i) => {
        const { seen, states } = watched[i]!;
        expect(seen, t.name).toEqual([
          ...(t === heir ? ['leaderchange {"isLeader":true} (connecting, readyState 0)'] : []),
          "close 1006 'leader lost' unclean (connecting, readyState 0)",
          'open (open, readyState 1)',
        ]);
        expect(states, t.name).toEqual(['open', 'connecting', 'open']);
        expect(t.socket.retryCount).toBe(0);
      });
    });

    it('the leader page goes into the back/forward cache: the same as a leader gone', async () => {
      const { lifecycle, notify } = pageHooks();
      const a = tab('a', { lifecycle });
      await settle();
      const rest = [tab('b'), tab('c')];
      await settle();
      live()[0]!.serverOpen();
      await settle();
      expect(a.socket.isLeader).toBe(true);
      const watched = rest.map(sequence);
      notify('freeze');
      await settle();
      live()[0]!.serverOpen();
      await settle();
      const heir = leaderOf(rest)[0]!;
      rest.forEach((t, i) => {
        expect(watched[i]!.seen, t.name).toEqual([
          ...(t === heir ? ['leaderchange {"isLeader":true} (connecting, readyState 0)'] : []),
          "close 1006 'leader lost' unclean (connecting, readyState 0)",
          'open (open, readyState 1)',
        ]);
      });
    });

    it('the leader tab calls close(code, reason): that close, reconnecting, connecting, open', async () => {
      const tabs = await five({ minReconnectionDelay: 5000 });
      const first = live()[0]!;
      first.serverOpen();
      await settle();
      const leaving = leaderOf(tabs)[0]!;
      const rest = tabs.filter((t) => t !== leaving);
      const watched = rest.map(sequence);
      leaving.socket.close(4000, 'tab done');
      await settle();
      watched.forEach((w) => w.look());
      first.serverClose(4000, 'tab done', true); // the closing handshake ends
      for (let i = 0; i < 5; i++) {
        await vi.advanceTimersByTimeAsync(0);
        watched.forEach((w) => w.look());
      }
      expect(live()).toHaveLength(1);
      live()[0]!.serverOpen();
      await settle();
      const heir = leaderOf(rest)[0]!;
      rest.forEach((t, i) => {
        const { seen, states } = watched[i]!;
        expect(seen, t.name).toEqual([
          "close 4000 'tab done' clean (reconnecting, readyState 0)",
          ...(t === heir ? ['leaderchange {"isLeader":true} (connecting, readyState 0)'] : []),
          'open (open, readyState 1)',
        ]);
        expect(states, t.name).toEqual(['open', 'reconnecting', 'connecting', 'open']);
        expect(t.socket.retryCount).toBe(0);
      });
    });
  });

  it('with replayUnconfirmed, what the dead leader wrote but no pong confirmed is sent again by the next leader', async () => {
    const tabs = await five({ heartbeat: { interval: 1000, timeout: 500 }, replayUnconfirmed: true });
    const first = live()[0]!;
    first.serverOpen();
    await settle();
    const dying = tabs.find((t) => t.socket.isLeader)!;
    const follower = tabs.find((t) => !t.socket.isLeader)!;
    follower.socket.send('a');
    follower.socket.send('b');
    await vi.advanceTimersByTimeAsync(1000); // a ping after a, b
    first.serverMessage('pong'); // confirms a, b
    await settle();
    follower.socket.send('c');
    follower.socket.send('d');
    await settle();
    expect(userFrames(first)).toEqual(['a', 'b', 'c', 'd']);
    setup.env.kill(dying.name); // c and d were written, never confirmed
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual(['c', 'd']);
  });

  it('without replayUnconfirmed, what the leader wrote is settled: the next leader does not send it again', async () => {
    const tabs = await five();
    live()[0]!.serverOpen();
    await settle();
    const follower = tabs.find((t) => !t.socket.isLeader)!;
    follower.socket.send('once');
    await settle();
    setup.env.kill(tabs.find((t) => t.socket.isLeader)!.name);
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual([]);
  });
});

describe('SharedHeartbeatSocket: lifecycle', () => {
  it('close() in a follower detaches only that tab', async () => {
    const tabs = await five();
    live()[0]!.serverOpen();
    await settle();
    const follower = tabs.find((t) => !t.socket.isLeader)!;
    follower.socket.close();
    await settle();
    expect([follower.socket.state, follower.types()]).toEqual(['closed', ['open', 'close']]);
    live()[0]!.serverMessage('after');
    await settle();
    expect(follower.messages()).toEqual([]);
    for (const t of tabs.filter((x) => x !== follower)) expect(t.messages()).toEqual(['after']);
    expect(live()).toHaveLength(1);
  });

  it('reconnect() in a follower that closed joins again: connecting until the leader answers, then an open event', async () => {
    const tabs = await five();
    live()[0]!.serverOpen();
    await settle();
    const follower = tabs.find((t) => !t.socket.isLeader)!;
    follower.socket.close();
    await settle();
    follower.socket.reconnect();
    // What it saw before close() is stale: it does not know yet whether the connection is open.
    expect([follower.socket.state, follower.socket.readyState]).toEqual(['connecting', 0]);
    await settle();
    expect([follower.socket.state, follower.types()]).toEqual(['open', ['open', 'close', 'open']]);
    expect(live()).toHaveLength(1);
  });

  it('close() in the leader hands the connection over: another tab leads and connects', async () => {
    const tabs = await five();
    const first = live()[0]!;
    first.serverOpen();
    await settle();
    const leader = tabs.find((t) => t.socket.isLeader)!;
    leader.socket.close();
    expect(first.closeCalls).toEqual([{ code: 1000, reason: '' }]);
    first.serverClose(1000, '');
    await settle();
    expect(leader.socket.state).toBe('closed');
    expect(leader.of<CustomEvent>('leaderchange').map((e) => e.detail.isLeader)).toEqual([true, false]);
    const next = leaderOf(tabs);
    expect(next).toHaveLength(1);
    expect(live()).toHaveLength(1);
    expect(owner(live()[0]!)).toBe(next[0]!.name);
    live()[0]!.serverOpen();
    await settle();
    for (const t of tabs.filter((x) => x !== leader)) expect(t.socket.state).toBe('open');
  });

  it('the connection closes when the last tab closes', async () => {
    const tabs = await five();
    live()[0]!.serverOpen();
    await settle();
    for (const t of tabs) {
      t.socket.close();
      for (const ws of FakeWebSocket.instances) if (ws.readyState === 2) ws.serverClose(1000, '');
      await settle();
      for (const ws of live()) if (ws.readyState === 0) ws.serverOpen();
      await settle();
    }
    await settle();
    expect(live()).toHaveLength(0);
    expect([...setup.env.locks.held.keys()]).toEqual([]);
  });

  it('reconnect() from a follower reconnects the shared connection at once', async () => {
    const tabs = await five();
    const first = live()[0]!;
    first.serverOpen();
    await settle();
    tabs.find((t) => !t.socket.isLeader)!.socket.reconnect();
    await settle();
    expect(first.readyState).toBe(2);
    // The next attempt waits for the old socket's close (one live connection at the server).
    first.serverClose(1000, '');
    await settle();
    expect(live()).toHaveLength(1);
    expect(live()[0]).not.toBe(first);
  });

  // Asked of a leader tab that ended before it read the ask: the next leader is asked again.
  it("a follower's reconnect() or start reaches the next leader when its leader tab has just died", async () => {
    const a = tab('a', { startClosed: true });
    await settle();
    const b = tab('b', { startClosed: true });
    await settle();
    expect([a.socket.isLeader, b.socket.isLeader, FakeWebSocket.instances.length]).toEqual([true, false, 0]);
    setup.env.kill('a'); // closed, crashed or navigated away
    b.socket.reconnect(); // a "Retry" button before the next leader is elected
    await settle();
    expect(b.socket.isLeader).toBe(true);
    expect(b.socket.state).toBe('connecting');
    expect(live()).toHaveLength(1);
  });

  it("a follower's reconnect() its live leader answered makes no second connection at the next leader", async () => {
    tab('a');
    await settle();
    const b = tab('b');
    await settle();
    const first = live()[0]!;
    first.serverOpen();
    await settle();
    b.socket.reconnect();
    await settle();
    first.serverClose(1000, '');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    const second = live()[0]!;
    setup.env.kill('a');
    await settle();
    expect(b.socket.isLeader).toBe(true);
    // b's own connection, made once: no second reconnect of the answered ask.
    await vi.advanceTimersByTimeAsync(5000);
    expect(FakeWebSocket.instances.filter((ws) => ws !== first && ws !== second)).toHaveLength(1);
    expect(live()).toHaveLength(1);
  });

  it('a leader page going into the back/forward cache lets go of its lock; back, it follows', async () => {
    // The page's hooks: for the tab and for its real socket.
    const { lifecycle, notify } = pageHooks();
    const a = tab('a', { lifecycle });
    await settle();
    const b = tab('b');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(a.socket.isLeader).toBe(true);
    const first = live()[0]!;
    notify('freeze');
    await settle();
    expect([...setup.env.locks.held.values()]).toEqual(['b', 'b']); // b's presence and the leadership
    expect(b.socket.isLeader).toBe(true);
    // The page's tab hears a clean 1001; the server, the leader socket's 1000 'page hidden'.
    expect(a.of<CloseEvent>('close').map((e) => [e.code, e.reason, e.wasClean])).toEqual([[1001, 'page hidden', true]]);
    expect(first.closeCalls).toEqual([{ code: 1000, reason: 'page hidden' }]);
    expect(live()).toHaveLength(1);
    expect(owner(live()[0]!)).toBe('b');
    live()[0]!.serverOpen();
    await settle();
    notify('restore');
    await settle();
    expect([a.socket.isLeader, a.socket.state]).toEqual([false, 'open']);
    expect(await a.socket.countTabs()).toBe(2);
  });

  it('a follower page going into the back/forward cache before the connection opened gets no close event', async () => {
    const { lifecycle, notify } = pageHooks();
    tab('a');
    await settle();
    const b = tab('b', { lifecycle });
    await settle();
    notify('freeze');
    await settle();
    expect([b.types(), b.socket.state]).toEqual([[], 'reconnecting']);
  });

  it('the old leader socket finishing its close after a bfcache handover changes nothing: no stale term, sends still go out', async () => {
    const { lifecycle, notify } = pageHooks();
    const a = tab('a', { lifecycle });
    await settle();
    const b = tab('b');
    await settle();
    const old = live()[0]!;
    old.serverOpen();
    await settle();
    notify('freeze');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    notify('restore');
    await settle();
    // The page hidden socket of the first leader ends its closing handshake only now.
    old.serverClose(1000, 'page hidden');
    await settle();
    expect([a.socket.state, b.socket.state]).toEqual(['open', 'open']);
    // One close each for the handover (a: its page hidden; b: the connection it followed), none late.
    expect(a.of<CloseEvent>('close').map((e) => e.code)).toEqual([1001]);
    expect(b.of<CloseEvent>('close')).toHaveLength(1);
    a.socket.send('from a');
    b.socket.send('from b');
    await settle();
    // Each tab's order is kept; between tabs, the leader's own send goes first.
    expect(userFrames(live()[0]!).sort()).toEqual(['from a', 'from b']);
  });
});

describe('SharedHeartbeatSocket: a handover never makes two connections at the server', () => {
  /** Sockets that have not reported close: the server may still count each of them. */
  const unclosed = () => FakeWebSocket.instances.filter((ws) => ws.readyState !== WebSocket.CLOSED);

  it.each(['open', 'connecting'])(
    'a leader that calls reconnect() then close() while its socket is %s hands over once that socket reported close',
    async (state) => {
      const tabs = [tab('a'), tab('b'), tab('c')];
      await settle();
      const old = live()[0]!;
      // The leader's sockets are counted by a subclass of the class given: instanceof holds.
      expect(old).toBeInstanceOf(FakeWebSocket);
      if (state === 'open') old.serverOpen();
      await settle();
      const leader = leaderOf(tabs)[0]!;
      leader.socket.reconnect();
      leader.socket.close();
      await vi.advanceTimersByTimeAsync(500);
      // Still in its closing handshake (or let go of while connecting: the server may have
      // accepted it): the lock is held, no other tab connects, the leader tab is closing.
      expect([old.readyState, unclosed()]).toEqual([WebSocket.CLOSING, [old]]);
      expect(leaderOf(tabs)).toEqual([]);
      expect(leader.socket.state).toBe('closing');
      // Its close() is reported when the handover is done.
      const closes = leader.of('close').length;
      old.serverClose(state === 'open' ? 1000 : 1006, '');
      await settle();
      const next = leaderOf(tabs);
      expect(next).toHaveLength(1);
      expect(unclosed()).toHaveLength(1);
      expect(owner(unclosed()[0]!)).toBe(next[0]!.name);
      expect([leader.socket.state, leader.of('close').length]).toEqual(['closed', closes + 1]);
    },
  );

  it('a socket that never reports close holds the handover 1 s at most', async () => {
    const tabs = [tab('a'), tab('b')];
    await settle();
    const old = live()[0]!;
    old.serverOpen();
    await settle();
    const leader = leaderOf(tabs)[0]!;
    leader.socket.reconnect();
    leader.socket.close();
    await vi.advanceTimersByTimeAsync(999);
    expect(leaderOf(tabs)).toEqual([]);
    expect(unclosed()).toEqual([old]);
    await vi.advanceTimersByTimeAsync(1);
    expect(leaderOf(tabs)).toHaveLength(1);
    expect(leader.socket.state).toBe('closed');
    expect(unclosed()).toHaveLength(2);
  });
  it("a reconnect(code, reason) whose reason ends in 'timeout' is no dead link: a close() after it hands over once the old socket reported close", async () => {
    const tabs = [tab('a'), tab('b')];
    await settle();
    const old = live()[0]!;
    old.serverOpen();
    await settle();
    const leader = leaderOf(tabs)[0]!;
    leader.socket.reconnect(4000, 'session timeout');
    leader.socket.close();
    await vi.advanceTimersByTimeAsync(500);
    // Its closing handshake is under way: the server still counts it.
    expect([old.closeCalls[0], unclosed()]).toEqual([{ code: 4000, reason: 'session timeout' }, [old]]);
    expect(leaderOf(tabs)).toEqual([]);
    old.serverClose(4000, 'session timeout');
    await settle();
    expect(leaderOf(tabs)).toHaveLength(1);
  });

  it('an attempt that failed with an error before it opened holds a handover until it reported close', async () => {
    const tabs = [tab('a'), tab('b')];
    await settle();
    const failed = live()[0]!;
    // An error, and no close yet (browsers send it right after; the server may still count the attempt).
    failed.dispatchEvent(new Event('error'));
    await settle();
    const leader = leaderOf(tabs)[0]!;
    expect(leader.of<CloseEvent>('close').map((e) => [e.code, e.reason])).toEqual([[1006, '']]);
    leader.socket.close();
    await vi.advanceTimersByTimeAsync(500);
    expect([leaderOf(tabs), unclosed()]).toEqual([[], [failed]]);
    failed.serverClose(1006, '');
    await settle();
    expect(leaderOf(tabs)).toHaveLength(1);
  });

  describe('no wait on a link already judged dead (#14)', () => {
    const hb = { heartbeat: { interval: 1000, timeout: 500 }, minReconnectionDelay: 5000 };

    it('close() in the leader tab right after a heartbeat timeout hands over at once', async () => {
      const tabs = [tab('a', hb), tab('b', hb)];
      await settle();
      const dead = live()[0]!;
      dead.serverOpen();
      await settle();
      const leader = leaderOf(tabs)[0]!;
      // A ping at 1000 ms, no pong by 1500: dead. A browser keeps such a socket CLOSING.
      await vi.advanceTimersByTimeAsync(1500);
      expect(leader.of<CloseEvent>('close').map((e) => e.reason)).toEqual(['heartbeat timeout']);
      expect(dead.readyState).toBe(WebSocket.CLOSING);
      leader.socket.close();
      await vi.advanceTimersByTimeAsync(50);
      expect(leaderOf(tabs)).toHaveLength(1);
      expect(leader.socket.state).toBe('closed');
    });

    it('a socket the heartbeat judged dead does not hold a later handover of that tab', async () => {
      const tabs = [tab('a', hb), tab('b', hb)];
      await settle();
      live()[0]!.serverOpen();
      await settle();
      const leader = leaderOf(tabs)[0]!;
      await vi.advanceTimersByTimeAsync(1500 + 5000); // heartbeat timeout, backoff, next attempt
      const healthy = live()[0]!;
      healthy.serverOpen();
      await settle();
      leader.socket.close();
      healthy.serverClose(1000, '');
      await vi.advanceTimersByTimeAsync(50);
      expect(leaderOf(tabs)).toHaveLength(1);
    });

    it('close() in the leader tab on a link that never answers hands over when HeartbeatSocket gives up (connectionTimeout), not 1 s later', async () => {
      const tabs = [tab('a', { connectionTimeout: 3000 }), tab('b', { connectionTimeout: 3000 })];
      await settle();
      const dead = live()[0]!;
      dead.serverOpen();
      await settle();
      const leader = leaderOf(tabs)[0]!;
      leader.socket.close();
      await vi.advanceTimersByTimeAsync(2999);
      expect(leaderOf(tabs)).toEqual([]);
      await vi.advanceTimersByTimeAsync(50);
      expect(leaderOf(tabs)).toHaveLength(1);
      expect(leader.socket.state).toBe('closed');
    });
  });
});

describe('SharedHeartbeatSocket: isolation and options', () => {
  it('two channels never share', async () => {
    const a = tab('a', { channel: 'one' });
    const b = tab('b', { channel: 'two' });
    await settle();
    expect(live()).toHaveLength(2);
    expect([a.socket.isLeader, b.socket.isLeader]).toEqual([true, true]);
    for (const ws of live()) ws.serverOpen();
    await settle();
    live()[0]!.serverMessage('for one');
    await settle();
    expect([a.messages(), b.messages()]).toEqual([['for one'], []]);
  });

  it('the channel defaults to the URL: two URLs, two connections', async () => {
    tab('a', {}, 'ws://example.test/one');
    tab('b', {}, 'ws://example.test/two');
    tab('c', {}, 'ws://example.test/one');
    await settle();
    expect(
      live()
        .map((ws) => ws.url)
        .sort(),
    ).toEqual(['ws://example.test/one', 'ws://example.test/two']);
  });

  it('a URL provider needs a channel: a TypeError naming it', () => {
    expect(() => new SharedHeartbeatSocket(() => URL_, [], { lifecycle: false })).toThrow(
      /options\.channel must be a non-empty string \(required with a URL provider\)/,
    );
    expect(() => new SharedHeartbeatSocket(URL_, [], { channel: '' })).toThrow(TypeError);
    setup.made.push(
      setup.env.as(
        'p',
        () =>
          new SharedHeartbeatSocket(() => URL_, [], {
            channel: 'feed',
            WebSocket: tabWebSocket('p'),
            lifecycle: false,
          }),
      ),
    );
  });

  it('channel is no unknown option: neither the tab nor its leader warns of it, and a misspelt one is named once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const a = tab('a', { channel: 'one' });
      await settle();
      expect(a.socket.isLeader).toBe(true);
      expect(warn).not.toHaveBeenCalled();
      tab('b', { chanel: 'two' } as SharedOptions);
      await settle();
      expect(warn.mock.calls).toEqual([['heartbeat-ws: unknown options.chanel']]);
    } finally {
      warn.mockRestore();
    }
  });

  it('takes the options second when no protocols come before them (issue #20, item 8)', async () => {
    const socket = setup.env.as(
      'a',
      () => new SharedHeartbeatSocket(URL_, { channel: 'second', WebSocket: tabWebSocket('a'), lifecycle: false }),
    );
    setup.made.push(socket);
    await settle();
    expect(socket.isLeader).toBe(true);
    expect(live().map((ws) => ws.protocols)).toEqual([[]]);
  });

  it("invalid URLs and options throw HeartbeatSocket's own errors", () => {
    expect(() => new SharedHeartbeatSocket('ftp://x')).toThrow(SyntaxError);
    expect(() => new SharedHeartbeatSocket(URL_, [], { jitter: 2 })).toThrow(/options\.jitter/);
  });

  it('isLeader is read-only', async () => {
    const [a] = await five();
    expect(() => ((a!.socket as unknown as { isLeader: boolean }).isLeader = false)).toThrow(TypeError);
  });
});

describe('SharedHeartbeatSocket without Web Locks or BroadcastChannel', () => {
  for (const missing of ['locks', 'BroadcastChannel', 'locks refused'] as const) {
    it(`${missing === 'locks refused' ? 'where Web Locks refuse (an opaque origin: SecurityError)' : `without ${missing}`}, each tab keeps its own connection`, async () => {
      if (missing === 'locks') delete (navigator as { locks?: unknown }).locks;
      else if (missing === 'BroadcastChannel')
        (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel = undefined;
      else {
        // As in a sandboxed iframe: navigator.locks is there, and every call rejects.
        const refuse = () => Promise.reject(new DOMException('opaque origin', 'SecurityError'));
        Object.assign(setup.env.locks, { request: refuse, query: refuse });
      }
      const a = tab('a');
      const b = tab('b');
      // Where locks are missing, at once; where they refuse, once the refusal came.
      if (missing !== 'locks refused') expect([a.socket.isLeader, b.socket.isLeader]).toEqual([true, true]);
      await settle();
      expect([a.socket.isLeader, b.socket.isLeader]).toEqual([true, true]);
      expect(live().map(owner)).toEqual(['a', 'b']);
      for (const ws of live()) ws.serverOpen();
      a.socket.send('from a');
      await settle();
      expect([a.socket.state, b.socket.state]).toEqual(['open', 'open']);
      expect(live().map(userFrames)).toEqual([['from a'], []]);
      expect(await a.socket.countTabs()).toBe(1);
      a.socket.close();
      expect(FakeWebSocket.instances[0]!.closeCalls).toHaveLength(1);
      // Its close() ends once its socket has closed (nothing to hand over, no other tab to wait for).
      FakeWebSocket.instances[0]!.serverClose(1000, '');
      await settle();
      expect([a.socket.state, b.socket.state]).toEqual(['closed', 'open']);
    });
  }
});

describe('SharedHeartbeatSocket: a tab closed in the task it was made in', () => {
  it('where Web Locks refuse, the refusal that comes after close() makes no connection', async () => {
    const refuse = () => Promise.reject(new DOMException('opaque origin', 'SecurityError'));
    Object.assign(setup.env.locks, { request: refuse, query: refuse });
    // As a component mounted and unmounted at once (React's StrictMode): made, then closed.
    const a = tab('a');
    a.socket.close();
    await settle();
    expect([a.socket.state, a.socket.isLeader, FakeWebSocket.instances]).toEqual(['closed', false, []]);
  });
});

/** A page's lifecycle hooks, as browserLifecycle installs them, driven by the test. */
describe('SharedHeartbeatSocket: what a tab sends, and then does in the same task', () => {
  it("a follower's send() then close() in one task: the message goes out, once", async () => {
    tab('a');
    await settle();
    const b = tab('b');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    b.socket.send('goodbye');
    b.socket.close();
    await settle();
    expect(userFrames(live()[0]!)).toEqual(['goodbye']);
  });

  it('a follower that sends as its page goes into the back/forward cache: the message goes out, once', async () => {
    tab('a');
    await settle();
    const page = pageHooks();
    const b = tab('b', { lifecycle: page.lifecycle });
    await settle();
    live()[0]!.serverOpen();
    await settle();
    // A pagehide listener of the app sends; the tab lets go of the channel in the same task.
    b.socket.send('leaving');
    page.notify('freeze');
    await settle();
    expect(userFrames(live()[0]!)).toEqual(['leaving']);
  });

  it("a follower's send() then clearQueue() in one task: the message is cleared (a drop event), not sent", async () => {
    tab('a');
    await settle();
    const b = tab('b');
    await settle();
    b.socket.send('stale');
    b.socket.clearQueue();
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual([]);
    expect(drops(b)).toEqual([{ data: 'stale', reason: 'cleared' }]);
  });
});

describe('SharedHeartbeatSocket: a drop while a follower is in the back/forward cache', () => {
  it('a message refused (overflow) while its page was away fires drop when it is back, and never goes out', async () => {
    tab('a', { maxEnqueuedMessages: 1 });
    await settle();
    const page = pageHooks();
    const b = tab('b', { maxEnqueuedMessages: 1, lifecycle: page.lifecycle });
    const c = tab('c', { maxEnqueuedMessages: 1 });
    await settle();
    c.socket.send('c1'); // fills the leader's queue: the connection is down
    await settle();
    // A pagehide listener sends, and the page goes into the cache: the leader refuses it then.
    b.socket.send('b1');
    page.notify('freeze');
    await settle();
    page.notify('restore');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual(['c1']);
    expect(drops(b)).toEqual([{ data: 'b1', reason: 'overflow' }]);
  });

  it("another tab's clearQueue() while its page was away fires drop (cleared) when it is back", async () => {
    const a = tab('a');
    await settle();
    const page = pageHooks();
    const b = tab('b', { lifecycle: page.lifecycle });
    await settle();
    b.socket.send('b1');
    await settle();
    page.notify('freeze');
    await settle();
    expect(a.socket.clearQueue()).toBe(1);
    await settle();
    page.notify('restore');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual([]);
    expect(drops(b)).toEqual([{ data: 'b1', reason: 'cleared' }]);
  });
});

describe('SharedHeartbeatSocket: clearQueue() in a follower while the leader hands over', () => {
  it('is not lost: what it cleared never goes out, and drop (cleared) fires in that tab', async () => {
    const a = tab('a');
    await settle();
    const b = tab('b');
    const c = tab('c');
    await settle();
    const first = live()[0]!;
    first.serverOpen();
    await settle();
    // a's closing handshake is under way: it still holds the lock, and takes no message.
    a.socket.close();
    await settle();
    b.socket.send('stale');
    expect(b.socket.clearQueue()).toBe(0);
    b.socket.send('fresh');
    await settle();
    first.serverClose(1000, '');
    await settle();
    expect(leaderOf([b, c])).toHaveLength(1);
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual(['fresh']);
    expect(drops(b)).toEqual([{ data: 'stale', reason: 'cleared' }]);
  });

  it('a clear its live leader answered reports no drop for a message that went out, through close() and reconnect()', async () => {
    tab('a');
    await settle();
    const b = tab('b');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    b.socket.send('sent');
    b.socket.clearQueue();
    b.socket.close();
    b.socket.reconnect();
    await settle();
    expect(userFrames(live()[0]!)).toEqual(['sent']);
    expect(b.of('drop')).toEqual([]);
  });

  it('a clear its live leader answered after the rejoin of that tab reports no drop for a message that went out before the leader read it', async () => {
    tab('a');
    await settle();
    const b = tab('b');
    await settle();
    b.socket.send('x');
    await settle();
    b.socket.clearQueue();
    b.socket.close();
    b.socket.reconnect();
    // Before the leader reads the clear, the connection opens: 'x' goes out, and b hears of it
    // (the open) before the answer to its clear.
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual(['x']);
    expect(drops(b)).toEqual([]);
  });

  it('holds through a rejoin of that tab (close() and reconnect(), as a bfcache round) before the next leader', async () => {
    const a = tab('a');
    await settle();
    const b = tab('b');
    tab('c');
    await settle();
    const first = live()[0]!;
    first.serverOpen();
    await settle();
    a.socket.close();
    await settle();
    b.socket.send('stale');
    expect(b.socket.clearQueue()).toBe(0);
    await settle();
    b.socket.close();
    b.socket.reconnect();
    await settle();
    // The old leader's close is relayed in its own term, which the rejoined tab still follows.
    first.serverClose(1000, '');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).not.toContain('stale');
    expect(drops(b)).toEqual([{ data: 'stale', reason: 'cleared' }]);
  });

  it("is not taken as answered by the leader's answer to another tab's request", async () => {
    const a = tab('a');
    await settle();
    const b = tab('b');
    const c = tab('c');
    await settle();
    const first = live()[0]!;
    first.serverOpen();
    await settle();
    first.serverClose(4000, 'restart');
    await settle();
    b.socket.send('stale');
    await settle();
    // A tab joins: its hello is answered (a `lead` to every tab) while b's clear is on its way,
    // and the leader starts to hand over before it reads b's clear. (A probe() is answered with
    // no `lead`.)
    tab('d');
    await Promise.resolve();
    b.socket.clearQueue();
    a.socket.close();
    await settle();
    await vi.advanceTimersByTimeAsync(2000);
    live().at(-1)!.serverOpen();
    await settle();
    expect(allFrames()).not.toContain('stale');
    expect(drops(b)).toEqual([{ data: 'stale', reason: 'cleared' }]);
    void c;
  });

  it("a clear its live leader answered discards what was written and not yet confirmed too, as HeartbeatSocket's clearQueue() does: a drop in its tab, and the next leader does not send it", async () => {
    const hb = { heartbeat: { interval: 1000, timeout: 500 }, replayUnconfirmed: true };
    tab('a', hb);
    await settle();
    const b = tab('b', hb);
    tab('c', hb);
    await settle();
    live()[0]!.serverOpen();
    await settle();
    b.socket.send('x');
    await settle();
    expect(userFrames(live()[0]!)).toEqual(['x']);
    // 'x' left the socket, and no pong confirmed it: the leader's clearQueue() discards it (b is a
    // follower, whose count is the leader's to give: 0 at once).
    expect(b.socket.clearQueue()).toBe(0);
    await settle();
    setup.env.kill('a');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual([]);
    expect(drops(b)).toEqual([{ data: 'x', reason: 'cleared' }]);
  });
  it('a clear its live leader answered after a rejoin of that tab (close() and reconnect() in the task of the clear) discards what was written and not yet confirmed too', async () => {
    const hb = { heartbeat: { interval: 1000, timeout: 500 }, replayUnconfirmed: true };
    tab('a', hb);
    await settle();
    const b = tab('b', hb);
    tab('c', hb);
    await settle();
    live()[0]!.serverOpen();
    await settle();
    b.socket.send('x');
    await settle();
    expect(b.socket.clearQueue()).toBe(0);
    b.socket.close();
    b.socket.reconnect();
    await settle();
    setup.env.kill('a');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual([]);
    expect(drops(b)).toEqual([{ data: 'x', reason: 'cleared' }]);
  });
});

describe('SharedHeartbeatSocket: a message goes out once, through a leave and a join', () => {
  it("a follower that closed while its message waited in the leader's queue, then reconnect(): the message goes out once, through a failover too", async () => {
    const a = tab('a');
    await settle();
    const b = tab('b');
    const c = tab('c');
    await settle();
    b.socket.send('once');
    await settle();
    b.socket.close();
    await settle();
    live()[0]!.serverOpen();
    await settle();
    b.socket.reconnect();
    await settle();
    expect(a.socket.isLeader).toBe(true);
    expect(allFrames()).toEqual(['once']);
    // b does not keep it either: the next leader does not send it again.
    setup.env.kill('a');
    await settle();
    expect(c.socket.isLeader).toBe(true);
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).toEqual(['once']);
  });

  it("a leader's send() then close(), then reconnect(): the message goes out once", async () => {
    const a = tab('a');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    a.socket.send('bye');
    a.socket.close();
    FakeWebSocket.instances[0]!.serverClose(1000, '');
    await settle();
    expect(a.socket.state).toBe('closed');
    a.socket.reconnect();
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).toEqual(['bye']);
  });

  it("a leader tab's message its closing socket could not keep (the bound, when a failed closing handshake requeued the unconfirmed) is the tab's still: it goes out after reconnect()", async () => {
    const o = { heartbeat: { interval: 60_000, timeout: 1000 }, replayUnconfirmed: true, maxEnqueuedMessages: 1 };
    const a = tab('a', o);
    await settle();
    const b = tab('b', o);
    await settle();
    const first = live()[0]!;
    first.serverOpen();
    await settle();
    a.socket.send('a1'); // written, not confirmed
    a.socket.probe();
    a.socket.send('a2'); // held in the queue until the probe's pong
    await settle();
    a.socket.close();
    // The handshake fails: a1 goes back into the queue before a2, which the bound of 1 pushes out.
    first.serverClose(1006, '');
    await vi.advanceTimersByTimeAsync(1000);
    expect([a.socket.state, b.socket.isLeader, drops(a)]).toEqual(['closed', true, []]);
    live()[0]!.serverOpen();
    await settle();
    a.socket.reconnect();
    await settle();
    expect(userFrames(live()[0]!)).toEqual(['a1', 'a2']);
  });

  it('a follower back from the back/forward cache after the leader changed: what the old leader sent for it is not sent again', async () => {
    const a = tab('a');
    await settle();
    const page = pageHooks();
    const b = tab('b', { lifecycle: page.lifecycle });
    const c = tab('c');
    await settle();
    const first = live()[0]!;
    b.socket.send('once');
    await settle();
    page.notify('freeze');
    await settle();
    // a writes it while b is away; then hands over to c, cleanly.
    first.serverOpen();
    await settle();
    expect(allFrames()).toEqual(['once']);
    a.socket.close();
    first.serverClose(1000, '');
    await settle();
    expect(c.socket.isLeader).toBe(true);
    live()[0]!.serverOpen();
    await settle();
    // Back, b hands c everything it still keeps.
    page.notify('restore');
    await settle();
    expect(allFrames()).toEqual(['once']);
    expect(b.of('drop')).toEqual([]);
  });

  it('a follower back from the back/forward cache: what the leader sent for it while it was away is not sent again', async () => {
    tab('a');
    await settle();
    const page = pageHooks();
    const b = tab('b', { lifecycle: page.lifecycle });
    const c = tab('c');
    await settle();
    b.socket.send('once');
    await settle();
    page.notify('freeze');
    await settle();
    live()[0]!.serverOpen();
    await settle();
    page.notify('restore');
    await settle();
    expect(allFrames()).toEqual(['once']);
    setup.env.kill('a');
    await settle();
    expect(c.socket.isLeader).toBe(true);
    live()[0]!.serverOpen();
    await settle();
    expect(allFrames()).toEqual(['once']);
  });
});

describe('SharedHeartbeatSocket: reconnect() right after close()', () => {
  for (const shared of [true, false]) {
    it(`in the leader tab${shared ? '' : ' (without sharing)'}, reconnect() during the closing handshake connects again once it ends`, async () => {
      if (!shared) delete (navigator as { locks?: unknown }).locks;
      const a = tab('a');
      await settle();
      const first = live()[0]!;
      first.serverOpen();
      await settle();
      a.socket.close();
      // As HeartbeatSocket allows: start again at once.
      a.socket.reconnect();
      first.serverClose(1000, '');
      await vi.advanceTimersByTimeAsync(2000);
      expect(a.types().filter((x) => x !== 'leaderchange')).toEqual(['open', 'close']);
      expect([a.socket.state, a.socket.isLeader, live().length]).toEqual(['connecting', true, 1]);
      live()[0]!.serverOpen();
      await settle();
      expect(a.socket.state).toBe('open');
    });
  }

  it('in the leader tab, close(), reconnect(), close(): the last call wins, the tab ends closed and gets no more events', async () => {
    const a = tab('a');
    await settle();
    const b = tab('b');
    await settle();
    const first = live()[0]!;
    first.serverOpen();
    await settle();
    a.socket.close();
    a.socket.reconnect();
    a.socket.close();
    first.serverClose(1000, '');
    await vi.advanceTimersByTimeAsync(2000);
    expect([a.socket.state, a.socket.isLeader, b.socket.isLeader]).toEqual(['closed', false, true]);
    expect([...setup.env.locks.held.values()]).not.toContain('a');
    const before = a.events.length;
    live()[0]!.serverOpen();
    live()[0]!.serverMessage('after close()');
    await settle();
    expect(a.events.slice(before)).toEqual([]);
  });
});

describe('SharedHeartbeatSocket: reconnect() of a closed connection', () => {
  it('every tab reads connecting at once, and a leader lost before the connection opened is replaced by one that connects', async () => {
    const a = tab('a', { startClosed: true });
    await settle();
    const b = tab('b', { startClosed: true });
    const c = tab('c', { startClosed: true });
    await settle();
    expect(live()).toHaveLength(0);
    // From a follower: the leader starts the connection.
    b.socket.reconnect();
    await settle();
    expect(live()).toHaveLength(1);
    expect([a.socket.state, b.socket.state, c.socket.state]).toEqual(['connecting', 'connecting', 'connecting']);
    setup.env.kill('a');
    await settle();
    expect(b.socket.isLeader).toBe(true);
    expect(live().map(owner)).toEqual(['b']);
    live()[0]!.serverOpen();
    await settle();
    expect([b.socket.state, c.socket.state]).toEqual(['open', 'open']);
  });

  it('from the leader tab too: every tab reads connecting at once', async () => {
    const a = tab('a', { startClosed: true });
    await settle();
    const b = tab('b', { startClosed: true });
    await settle();
    a.socket.reconnect();
    expect(a.socket.state).toBe('connecting');
    await settle();
    expect(b.socket.state).toBe('connecting');
  });

  it('a connection that gave up stays closed through a failover', async () => {
    tab('a', { maxRetries: 0 });
    await settle();
    const b = tab('b', { maxRetries: 0 });
    await settle();
    live()[0]!.serverClose(1006);
    await settle();
    expect(b.socket.state).toBe('closed');
    setup.env.kill('a');
    await settle();
    expect([b.socket.isLeader, b.socket.state, live().length]).toEqual([true, 'closed', 0]);
  });
});

describe('SharedHeartbeatSocket: a lifecycle whose uninstaller throws', () => {
  it('close() does not throw: the error is logged, and the tab closes and lets go of its locks', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failure = new Error('uninstall failed');
    const a = tab('a', {
      lifecycle: () => () => {
        throw failure;
      },
    });
    await settle();
    live()[0]!.serverOpen();
    await settle();
    expect(() => a.socket.close()).not.toThrow();
    FakeWebSocket.instances[0]!.serverClose(1000, '');
    await vi.advanceTimersByTimeAsync(2000);
    expect([a.socket.state, setup.env.locks.held.size]).toEqual(['closed', 0]);
    expect(a.types()).toContain('close');
    expect(logged.mock.calls.some((call) => call.includes(failure))).toBe(true);
    logged.mockRestore();
  });
});

describe('SharedHeartbeatSocket: bufferedAmount', () => {
  it('counts what this tab just sent while the connection is down, in the leader tab and in a follower', async () => {
    const a = tab('a');
    await settle();
    const b = tab('b');
    await settle();
    a.socket.send('a'.repeat(1000));
    b.socket.send('b'.repeat(500));
    // UTF-8 bytes, as WebSocket counts them: exactly what each tab queued, nothing else yet.
    expect(a.socket.bufferedAmount).toBe(1000);
    expect(b.socket.bufferedAmount).toBe(500);
    await settle();
    // The leader's queue now holds both; the follower's last word from the leader predates its
    // message, so it adds its own 500 bytes not yet seen to leave the leader's socket to 0.
    expect(a.socket.bufferedAmount).toBe(1500);
    expect(b.socket.bufferedAmount).toBe(500);
  });

  it('in a follower, falls back once its waiting messages went out when the connection opened, with no later event', async () => {
    tab('a');
    await settle();
    const b = tab('b');
    await settle();
    b.socket.send('b'.repeat(1000));
    await settle();
    expect(b.socket.bufferedAmount).toBe(1000);
    // The open event's state is taken before the queue goes out.
    live()[0]!.serverOpen();
    await settle();
    expect(userFrames(live()[0]!)).toEqual(['b'.repeat(1000)]);
    expect(live()[0]!.bufferedAmount).toBe(0);
    expect(b.socket.bufferedAmount).toBe(0);
  });
});

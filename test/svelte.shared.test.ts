/**
 * heartbeat-ws/svelte with `options.HeartbeatSocket: SharedHeartbeatSocket`, the store alone (no
 * component: the store contract is what a component's `$live` calls), in jsdom with the fake tabs
 * of test/helpers/tabs.ts: one connection for the tabs, started and left without dropping it for
 * the other tab, and a store url refused.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UrlInput } from '../src/index';
import { SharedHeartbeatSocket } from '../src/shared/index';
import { heartbeatSocketStore, type HeartbeatSocketValue } from '../src/svelte/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { installTabs, leadingTab, tabWebSocket } from './helpers/tabs';

const URL_A = 'ws://example.test/a';

/** A store of a url that never changes. */
const writable = (value: UrlInput) => ({
  subscribe(run: (v: UrlInput) => void) {
    run(value);
    return () => {};
  },
});

beforeEach(() => FakeWebSocket.reset());

describe('heartbeatSocketStore over a SharedHeartbeatSocket, with two tabs', () => {
  let env: ReturnType<typeof installTabs>;
  let a: SharedHeartbeatSocket;
  const closes: CloseEvent[] = [];
  const shared = { WebSocket: tabWebSocket('B'), HeartbeatSocket: SharedHeartbeatSocket, channel: 'feed' };
  const leaves: (() => void)[] = [];
  beforeEach(async () => {
    env = installTabs();
    closes.length = 0;
    // Tab A: a shared socket, leader, open.
    a = await leadingTab(env, URL_A, { channel: 'feed' });
    a.addEventListener('close', (e) => closes.push(e));
  });
  afterEach(async () => {
    for (const leave of leaves.splice(0)) leave();
    a.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    env.uninstall();
  });

  it("makes its socket with the class given, joins the other tab's connection, and shows its messages", async () => {
    const store = heartbeatSocketStore(URL_A, shared);
    expect(store.socket).toBeInstanceOf(SharedHeartbeatSocket);
    let seen: HeartbeatSocketValue | undefined;
    leaves.push(store.subscribe((value) => (seen = value)));
    await vi.waitFor(() => expect(seen?.state).toBe('open'));
    FakeWebSocket.last.serverMessage('to every tab');
    await vi.waitFor(() => expect(seen?.lastMessage?.data).toBe('to every tab'));
    expect(seen?.socket).toBe(store.socket);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
    expect(closes).toEqual([]);
  });

  it("the last subscriber leaving closes this tab's socket alone; a new one joins again, the connection still open", async () => {
    const store = heartbeatSocketStore(URL_A, shared);
    let state = '';
    const leaveA = store.subscribe((value) => (state = value.state));
    const leaveB = store.subscribe(() => {});
    await vi.waitFor(() => expect(state).toBe('open'));
    leaveA();
    leaveB();
    await vi.waitFor(() => expect(store.socket.state).toBe('closed'));
    leaves.push(store.subscribe((value) => (state = value.state)));
    await vi.waitFor(() => expect(state).toBe('open'));
    expect(store.socket.state).toBe('open');
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
    expect(closes).toEqual([]);
  });

  it('a new subscriber starts a shared connection that closed while it had none', async () => {
    const store = heartbeatSocketStore(URL_A, shared);
    let state = '';
    const leave = store.subscribe((value) => (state = value.state));
    await vi.waitFor(() => expect(state).toBe('open'));
    leave();
    a.close();
    await vi.waitFor(() => expect(FakeWebSocket.last.closeCalls).toHaveLength(1));
    FakeWebSocket.last.serverClose(1000);
    leaves.push(store.subscribe((value) => (state = value.state)));
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    FakeWebSocket.last.serverOpen();
    await vi.waitFor(() => expect(state).toBe('open'));
  });

  it('a store never subscribed, or subscribed and left in one task (a server render, get(store)), leaves no tab in the channel', async () => {
    heartbeatSocketStore(URL_A, shared);
    const once = heartbeatSocketStore(URL_A, shared);
    once.subscribe(() => {})();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await a.countTabs()).toBe(1);
    expect(once.socket.state).toBe('closed');
  });

  it('the only tab that uses the connection closing closes it: it is not handed to a store nobody subscribes to', async () => {
    heartbeatSocketStore(URL_A, shared);
    await new Promise((resolve) => setTimeout(resolve, 50));
    a.close();
    await vi.waitFor(() => expect(FakeWebSocket.instances[0]!.closeCalls).toHaveLength(1));
    FakeWebSocket.instances[0]!.serverClose(1000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('the last subscriber leaving while the shared connection connects: the tab leaves the channel at once', async () => {
    a.close();
    await vi.waitFor(() => expect(FakeWebSocket.last.closeCalls).toHaveLength(1));
    FakeWebSocket.last.serverClose(1000);
    const store = heartbeatSocketStore(URL_A, shared);
    const leave = store.subscribe(() => {});
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    expect(store.socket.state).toBe('connecting');
    leave();
    // This tab, the only one, led: it closes the attempt it made, at once (not once it opens).
    await vi.waitFor(() => expect(FakeWebSocket.last.closeCalls).toHaveLength(1));
    expect(store.socket.state).not.toBe('connecting');
    FakeWebSocket.last.serverClose(1000);
    await vi.waitFor(() => expect(store.socket.state).toBe('closed'));
  });

  it('a store made, left a task unsubscribed (and so out of the channel), then subscribed, joins the open connection', async () => {
    const store = heartbeatSocketStore(URL_A, shared);
    await new Promise((resolve) => setTimeout(resolve, 50));
    let state = '';
    leaves.push(store.subscribe((value) => (state = value.state)));
    await vi.waitFor(() => expect(state).toBe('open'));
    expect(await a.countTabs()).toBe(2);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(closes).toEqual([]);
  });

  it('refuses a store url with a class whose url cannot change, naming what to do instead', () => {
    expect(() => heartbeatSocketStore(writable(URL_A), undefined, shared)).toThrow(
      /a shared socket's url cannot change/,
    );
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});

describe('heartbeatSocketStore tells its subscribers of changes only', () => {
  it("the start's connecting, shown from the first value, is not told again", async () => {
    const store = heartbeatSocketStore(URL_A, { WebSocket: FakeWebSocket as never });
    const states: string[] = [];
    const leave = store.subscribe((value) => states.push(value.state));
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    expect(store.socket.state).toBe('connecting');
    FakeWebSocket.last.serverOpen();
    expect(states).toEqual(['connecting', 'open']);
    leave();
  });
});

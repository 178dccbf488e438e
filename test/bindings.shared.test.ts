/**
 * src/bindings/live.ts and src/bindings/hook.ts with `options.HeartbeatSocket`: the class the Vue
 * and Svelte bindings make their socket with, as the React hook does. A HeartbeatSocket (or a
 * subclass) follows the binding's url; any other class (SharedHeartbeatSocket) takes the url as
 * given, is started without dropping a connection other tabs share, and refuses a url that
 * changes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatSocket, type Options } from '../src/index';
import { drive, type HookSocket } from '../src/bindings/hook';
import { live } from '../src/bindings/live';
import { SharedHeartbeatSocket } from '../src/shared/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { installTabs, leadingTab, tabWebSocket } from './helpers/tabs';

const URL_A = 'ws://example.test/a';
const URL_B = 'ws://example.test/b';
const fake = { WebSocket: FakeWebSocket as unknown as Options['WebSocket'] };
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};
const urls = () => FakeWebSocket.instances.map((ws) => ws.url);
const withClass = (Socket: unknown, more: object = {}) => ({ ...fake, HeartbeatSocket: Socket, ...more }) as Options;

beforeEach(() => FakeWebSocket.reset());

describe('drive(): what a binding does to its socket without touching other tabs', () => {
  it("calls the socket's own hook where it has one", () => {
    const calls: string[] = [];
    const socket = { [Symbol.for('heartbeat-ws hook')]: (what: string) => (calls.push(what), 7) };
    expect(drive(socket as unknown as HookSocket, 'clear')).toBe(7);
    drive(socket as unknown as HookSocket, 'start');
    expect(calls).toEqual(['clear', 'start']);
  });

  it('falls back on reconnect() to start and clearQueue() to clear, for a socket without it', () => {
    const calls: string[] = [];
    const socket = { reconnect: () => calls.push('reconnect'), clearQueue: () => (calls.push('clearQueue'), 3) };
    drive(socket as unknown as HookSocket, 'start');
    expect(drive(socket as unknown as HookSocket, 'clear')).toBe(3);
    expect(calls).toEqual(['reconnect', 'clearQueue']);
  });
});

describe('live() with a HeartbeatSocket class', () => {
  it('takes the class out of the options: the core hears of no unknown option', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const l = live(URL_A, undefined, withClass(HeartbeatSocket), () => {});
      expect(l.socket).toBeInstanceOf(HeartbeatSocket);
      l.start();
      await settle();
      expect(urls()).toEqual([URL_A]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('a subclass of HeartbeatSocket follows a url that changes, and rotates through a list', async () => {
    class Mine extends HeartbeatSocket {}
    const l = live([URL_A, URL_B], undefined, withClass(Mine, { minReconnectionDelay: 1, jitter: 0 }), () => {}, true);
    expect(l.socket).toBeInstanceOf(Mine);
    l.start();
    await settle();
    FakeWebSocket.last.serverClose(1006);
    await vi.waitFor(() => expect(urls()).toEqual([URL_A, URL_B]));
    FakeWebSocket.last.serverOpen();
    l.retarget('ws://example.test/c');
    FakeWebSocket.last.serverClose(1000);
    await vi.waitFor(() => expect(urls()).toEqual([URL_A, URL_B, 'ws://example.test/c']));
  });

  it('a start back while the attempt of the stop is still connecting keeps that attempt (no reconnect)', async () => {
    const l = live(URL_A, undefined, withClass(HeartbeatSocket), () => {});
    l.start();
    await settle();
    l.stop();
    l.start();
    await settle();
    expect(urls()).toEqual([URL_A]);
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
    FakeWebSocket.last.serverOpen();
    expect(l.socket.state).toBe('open');
  });

  it("a start back while the stop's connection is closing connects again once it has closed", async () => {
    const l = live(URL_A, undefined, withClass(HeartbeatSocket), () => {});
    l.start();
    await settle();
    FakeWebSocket.last.serverOpen();
    l.stop();
    expect(l.socket.readyState).toBe(HeartbeatSocket.CLOSING);
    l.start();
    await settle();
    FakeWebSocket.last.serverClose(1000);
    await vi.waitFor(() => expect(urls()).toEqual([URL_A, URL_A]));
  });

  it('starts a socket of a class without the hook (a wrapper) with reconnect()', async () => {
    const calls: string[] = [];
    class Wrapper extends EventTarget {
      readyState = 3;
      state = 'closed';
      constructor(readonly url: unknown) {
        super();
      }
      send = () => false;
      close = () => calls.push('close');
      reconnect = () => calls.push('reconnect');
      clearQueue = () => 0;
    }
    const l = live(URL_A, undefined, withClass(Wrapper), () => {});
    // Given as it came: no provider of the binding's.
    expect((l.socket as unknown as Wrapper).url).toBe(URL_A);
    l.start();
    await settle();
    expect(calls).toEqual(['reconnect']);
  });
});

describe('live() with a SharedHeartbeatSocket', () => {
  let env: ReturnType<typeof installTabs>;
  let a: SharedHeartbeatSocket;
  beforeEach(async () => {
    env = installTabs();
    a = await leadingTab(env, URL_A);
  });
  afterEach(async () => {
    a.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    env.uninstall();
  });

  it('takes the url as given: its default channel is the url, so it joins the connection of that url', async () => {
    const changes: string[] = [];
    const l = live(URL_A, undefined, withClass(SharedHeartbeatSocket, { WebSocket: tabWebSocket('B') }), () =>
      changes.push(l.snapshot().state),
    );
    expect(l.socket).toBeInstanceOf(SharedHeartbeatSocket);
    l.start();
    await vi.waitFor(() => expect(l.snapshot().state).toBe('open'));
    expect(changes).toContain('open');
    FakeWebSocket.last.serverMessage('hi');
    await vi.waitFor(() => expect(l.snapshot().lastMessage?.data).toBe('hi'));
    // Started without a reconnect(): tab A's connection is the only one, never dropped.
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
    l.stop();
    await vi.waitFor(() => expect(l.socket.state).toBe('closed'));
    expect(a.state).toBe('open');
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
  });

  it('a start again after a stop rejoins, and leaves the connection open', async () => {
    const l = live(URL_A, undefined, withClass(SharedHeartbeatSocket, { WebSocket: tabWebSocket('B') }), () => {});
    l.start();
    await vi.waitFor(() => expect(l.snapshot().state).toBe('open'));
    l.stop();
    await vi.waitFor(() => expect(l.socket.state).toBe('closed'));
    l.start();
    await vi.waitFor(() => expect(l.socket.state).toBe('open'));
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
  });

  it('a socket not started within a task leaves the channel it joined when made; started later, it joins again', async () => {
    const l = live(URL_A, undefined, withClass(SharedHeartbeatSocket, { WebSocket: tabWebSocket('B') }), () => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([l.socket.state, await a.countTabs()]).toEqual(['closed', 1]);
    l.start();
    await vi.waitFor(() => expect(l.socket.state).toBe('open'));
    expect(await a.countTabs()).toBe(2);
    expect(FakeWebSocket.instances).toHaveLength(1);
    l.stop();
  });

  it('a socket started within its first task stays in the channel past it', async () => {
    const l = live(URL_A, undefined, withClass(SharedHeartbeatSocket, { WebSocket: tabWebSocket('B') }), () => {});
    l.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([l.socket.state, await a.countTabs()]).toEqual(['open', 2]);
    l.stop();
  });

  it('started and stopped in one task (a server render, a double mount undone): leaves the channel', async () => {
    const l = live(URL_A, undefined, withClass(SharedHeartbeatSocket, { WebSocket: tabWebSocket('B') }), () => {});
    l.start();
    l.stop();
    await settle();
    expect(l.socket.state).toBe('closed');
    expect(await a.countTabs()).toBe(1);
  });

  it('stopped while the shared connection connects: this tab leaves at once, where a HeartbeatSocket waits for its attempt', async () => {
    a.close();
    await vi.waitFor(() => expect(FakeWebSocket.last.closeCalls).toHaveLength(1));
    FakeWebSocket.last.serverClose(1000);
    const l = live(URL_A, undefined, withClass(SharedHeartbeatSocket, { WebSocket: tabWebSocket('B') }), () => {});
    l.start();
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    expect(l.socket.state).toBe('connecting');
    l.stop();
    // This tab leads (the only one): its attempt is closed now, not once it opens.
    expect(FakeWebSocket.last.closeCalls).toHaveLength(1);
    expect(l.socket.state).not.toBe('connecting');
  });

  it('refuses a url that follows a ref or store, before it joins any channel', () => {
    const channels = () => [...(globalThis.BroadcastChannel as unknown as { all: Set<unknown> }).all].length;
    const before = channels();
    expect(() =>
      live(URL_A, undefined, withClass(SharedHeartbeatSocket, { WebSocket: tabWebSocket('B') }), () => {}, true),
    ).toThrow(new TypeError(REFUSED));
    expect(channels()).toBe(before);
  });

  it('a url that does not follow anything is taken', () => {
    const l = live(
      URL_A,
      undefined,
      withClass(SharedHeartbeatSocket, { WebSocket: tabWebSocket('B') }),
      () => {},
      false,
    );
    expect(l.socket).toBeInstanceOf(SharedHeartbeatSocket);
    l.socket.close();
  });
});

const REFUSED =
  "heartbeat-ws: a shared socket's url cannot change: pass a url, not a ref or store (mount anew for another)";

/**
 * heartbeat-ws/vue in jsdom: Vue 3's createApp, against the FakeWebSocket (every connection the
 * composable makes is an instance there) and against a real `ws` server on 127.0.0.1, which
 * counts the connections as a server sees them.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createApp,
  createSSRApp,
  defineComponent,
  effectScope,
  h,
  nextTick,
  ref,
  watch,
  type App,
  type Ref,
} from 'vue';
import { WebSocket as NodeWebSocket } from 'ws';
import { HeartbeatSocket, type Options, type UrlInput } from '../src/index';
import { SharedHeartbeatSocket } from '../src/shared/index';
import { useHeartbeatSocket, type UseHeartbeatSocketReturn } from '../src/vue/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { installTabs, leadingTab, tabWebSocket } from './helpers/tabs';
import { startTestServer } from './helpers/ws-server';

const URL_A = 'ws://example.test/a';
const URL_B = 'ws://example.test/b';
const fake = { WebSocket: FakeWebSocket as unknown as Options['WebSocket'] };

/** What the composable returned, per mounted app. */
let results: UseHeartbeatSocketReturn[];
let apps: { app: App; el: HTMLElement }[];

function mount(url: UrlInput | Ref<UrlInput>, options: Options = fake, protocols?: string | string[]) {
  const Probe = defineComponent({
    setup() {
      const result = useHeartbeatSocket(url, protocols, options);
      results.push(result);
      return () =>
        h('p', `${result.state.value}|${result.readyState.value}|${String(result.lastMessage.value?.data ?? '')}`);
    },
  });
  const el = document.createElement('div');
  document.body.append(el);
  const app = createApp(Probe);
  app.mount(el);
  apps.push({ app, el });
  return { app, el, text: () => el.textContent ?? '', result: results.at(-1)! };
}

/** Lets microtasks (the deferred start, promise chains) and Vue's render queue run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await nextTick();
};

beforeEach(() => {
  FakeWebSocket.reset();
  results = [];
  apps = [];
});

afterEach(() => {
  for (const { app, el } of apps) {
    try {
      app.unmount();
    } catch {
      /* unmounted by the test */
    }
    el.remove();
  }
  // The server's side of every closing handshake: no socket of this test is left ending.
  for (const ws of FakeWebSocket.instances) if (ws.readyState < 3) ws.serverClose(1000);
});

describe('useHeartbeatSocket from heartbeat-ws/vue (jsdom)', () => {
  it('connects on mount, renders state and messages from refs, and sends through the socket', async () => {
    const view = mount(URL_A);
    // From setup on, a socket that will connect reads connecting.
    expect(view.text()).toBe('connecting|0|');
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.url).toBe(URL_A);
    FakeWebSocket.last.serverOpen();
    await settle();
    expect(view.text()).toBe('open|1|');
    FakeWebSocket.last.serverMessage('hi');
    await settle();
    expect(view.text()).toBe('open|1|hi');
    expect(view.result.send('out')).toBe(true);
    expect(FakeWebSocket.last.sent).toEqual(['out']);
  });

  it('closes the socket on unmount', async () => {
    const view = mount(URL_A);
    await settle();
    FakeWebSocket.last.serverOpen();
    view.app.unmount();
    expect(FakeWebSocket.last.closeCalls).toEqual([{ code: 1000, reason: '' }]);
    FakeWebSocket.last.serverClose(1000);
    expect(view.result.socket.readyState).toBe(HeartbeatSocket.CLOSED);
  });

  it('mount, unmount, mount in one task (a double mount) makes one connection', async () => {
    mount(URL_A).app.unmount();
    const second = mount(URL_A);
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    FakeWebSocket.last.serverOpen();
    await settle();
    expect(second.text()).toBe('open|1|');
    expect(results[0]!.socket.readyState).toBe(HeartbeatSocket.CLOSED);
  });

  it('a remount connects once the connection the unmount closed has finished closing', async () => {
    const first = mount(URL_A);
    await settle();
    const old = FakeWebSocket.last;
    old.serverOpen();
    first.app.unmount();
    const second = mount(URL_A);
    await settle();
    // The old connection is still in its closing handshake: the new socket waits.
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(second.text()).toBe('connecting|0|');
    old.serverClose(1000);
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(FakeWebSocket.live()).toEqual([FakeWebSocket.last]);
  });

  it('a remount while the first attempt is still connecting waits for that attempt to end at the server', async () => {
    const first = mount(URL_A);
    await settle();
    const old = FakeWebSocket.last;
    first.app.unmount();
    mount(URL_A);
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    // The attempt opens after all, is closed with a handshake, and only then the new one starts.
    old.serverOpen();
    await settle();
    expect(old.closeCalls).toEqual([{ code: 1000, reason: '' }]);
    expect(FakeWebSocket.instances).toHaveLength(1);
    old.serverClose(1000);
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('does not wait for a socket closed at another server', async () => {
    mount(URL_A);
    await settle();
    FakeWebSocket.last.serverOpen();
    apps[0]!.app.unmount();
    mount('ws://elsewhere.test/b');
    await settle();
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([URL_A, 'ws://elsewhere.test/b']);
  });

  it('a url provider waits for a socket let go of at any server (it may return any url), while timers still run', async () => {
    mount(URL_A);
    await settle();
    const old = FakeWebSocket.last;
    old.serverOpen();
    apps[0]!.app.unmount();
    mount(() => 'ws://elsewhere.test/b');
    await settle();
    // The page goes on meanwhile: a timer fires during the wait.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(FakeWebSocket.instances).toHaveLength(1);
    old.serverClose(1000);
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    expect(FakeWebSocket.last.url).toBe('ws://elsewhere.test/b');
  });

  it('a url ref changed right after mount still waits for the socket let go of at that server', async () => {
    mount(URL_A);
    await settle();
    const old = FakeWebSocket.last;
    old.serverOpen();
    apps[0]!.app.unmount();
    const url = ref<UrlInput>(URL_A);
    mount(url);
    url.value = URL_B;
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    old.serverClose(1000);
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    expect(FakeWebSocket.last.url).toBe(URL_B);
  });

  it('a url ref that changes from one provider to another does not reconnect: the next attempt calls the new one', async () => {
    const url = ref<UrlInput>(() => URL_A);
    mount(url, { ...fake, minReconnectionDelay: 1, jitter: 0 });
    await settle();
    FakeWebSocket.last.serverOpen();
    url.value = () => URL_B;
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
    FakeWebSocket.last.serverClose(1006);
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    expect(FakeWebSocket.last.url).toBe(URL_B);
  });

  it('takes a url provider whose source has a # (a private field), which no check of a url may read', async () => {
    class Room {
      #url = URL_A;
      url = () => this.#url;
    }
    mount(new Room().url);
    await settle();
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([URL_A]);
  });

  it("uses the page's WebSocket when none is given, and says so when the page has none", async () => {
    vi.stubGlobal('WebSocket', FakeWebSocket);
    try {
      const view = mount(URL_A, {});
      await settle();
      expect(FakeWebSocket.instances).toHaveLength(1);
      FakeWebSocket.last.serverOpen();
      await settle();
      expect(view.text()).toBe('open|1|');
      vi.stubGlobal('WebSocket', undefined);
      expect(() => effectScope().run(() => useHeartbeatSocket(URL_A))).toThrow(/WebSocket/);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('a url ref that changes reconnects the same socket there, after the old connection closed, with what was queued', async () => {
    const url = ref<UrlInput>(URL_A);
    const view = mount(url);
    await settle();
    FakeWebSocket.last.serverOpen();
    await settle();
    const socket = view.result.socket;
    url.value = URL_B;
    // At once, not at Vue's next flush: a message sent right after the change is for b.
    expect(view.result.send('for b')).toBe(false);
    await settle();
    expect(FakeWebSocket.instances[0]!.closeCalls).toHaveLength(1);
    expect(FakeWebSocket.instances[0]!.sent).toEqual([]);
    expect(FakeWebSocket.instances).toHaveLength(1);
    FakeWebSocket.instances[0]!.serverClose(1000);
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    expect(FakeWebSocket.last.url).toBe(URL_B);
    FakeWebSocket.last.serverOpen();
    await settle();
    expect(view.result.socket).toBe(socket);
    expect(FakeWebSocket.last.sent).toEqual(['for b']);
    expect(view.text()).toBe('open|1|');
  });

  it('an equal url (a URL object for the same string) does not reconnect', async () => {
    const url = ref<UrlInput>(URL_A);
    mount(url);
    await settle();
    FakeWebSocket.last.serverOpen();
    url.value = new URL(URL_A);
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
  });

  it('with startClosed, waits for socket.reconnect()', async () => {
    const view = mount(URL_A, { ...fake, startClosed: true });
    await settle();
    expect(view.text()).toBe('closed|3|');
    expect(FakeWebSocket.instances).toHaveLength(0);
    view.result.socket.reconnect();
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(view.text()).toBe('connecting|0|');
  });

  it('with startClosed, a url ref that changes does not connect either, and the url waits for reconnect()', async () => {
    const url = ref<UrlInput>(URL_A);
    const view = mount(url, { ...fake, startClosed: true });
    await settle();
    url.value = URL_B;
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(view.text()).toBe('closed|3|');
    view.result.socket.reconnect();
    await settle();
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([URL_B]);
  });

  it('takes options second, without protocols, as new HeartbeatSocket() does', async () => {
    const scope = effectScope();
    const result = scope.run(() => useHeartbeatSocket(URL_A, { ...fake, startClosed: true }))!;
    await settle();
    expect([result.state.value, FakeWebSocket.instances.length]).toEqual(['closed', 0]);
    result.socket.reconnect();
    await settle();
    expect(FakeWebSocket.instances.map((ws) => [ws.url, ws.protocols])).toEqual([[URL_A, []]]);
    scope.stop();
  });

  it('still rejects a wrong url or option at once, naming it', () => {
    const scope = effectScope();
    expect(() => scope.run(() => useHeartbeatSocket('ftp://example.test/', undefined, fake))).toThrow(SyntaxError);
    expect(() => scope.run(() => useHeartbeatSocket(URL_A, undefined, { ...fake, jitter: 3 }))).toThrow(/jitter/);
    scope.stop();
  });

  it('outside a component, runs for the life of its effect scope', async () => {
    const scope = effectScope();
    const result = scope.run(() => useHeartbeatSocket(URL_A, undefined, fake))!;
    await settle();
    FakeWebSocket.last.serverOpen();
    expect(result.state.value).toBe('open');
    scope.stop();
    expect(FakeWebSocket.last.closeCalls).toHaveLength(1);
    expect([result.state.value, result.readyState.value]).toEqual(['closing', 2]);
  });

  it("a watcher with flush: 'sync' on state reads the readyState of the same change", async () => {
    const scope = effectScope();
    const seen: [string, number][] = [];
    const result = scope.run(() => {
      const r = useHeartbeatSocket(URL_A, undefined, fake);
      watch(r.state, (state) => seen.push([state, r.readyState.value]), { flush: 'sync' });
      return r;
    })!;
    await settle();
    FakeWebSocket.last.serverOpen();
    result.socket.close();
    FakeWebSocket.last.serverClose(1000);
    scope.stop();
    expect(seen).toEqual([
      ['open', 1],
      ['closing', 2],
      ['closed', 3],
    ]);
  });

  it('outside any scope, connects at once and lives until socket.close()', async () => {
    const warn = vi.spyOn(console, 'warn');
    const result = useHeartbeatSocket(URL_A, undefined, fake);
    // No Vue warning: nothing is watched or registered that needs a scope.
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    await settle();
    FakeWebSocket.last.serverOpen();
    expect(result.state.value).toBe('open');
    result.socket.close();
    expect(result.state.value).toBe('closing');
  });
});

describe('useHeartbeatSocket from heartbeat-ws/vue over a SharedHeartbeatSocket, with two tabs', () => {
  let env: ReturnType<typeof installTabs>;
  let a: SharedHeartbeatSocket;
  const closes: CloseEvent[] = [];
  const shared = { WebSocket: tabWebSocket('B'), HeartbeatSocket: SharedHeartbeatSocket, channel: 'feed' };
  beforeEach(async () => {
    env = installTabs();
    closes.length = 0;
    // Tab A: a shared socket, leader, open.
    a = await leadingTab(env, URL_A, { channel: 'feed' });
    a.addEventListener('close', (e) => closes.push(e));
  });
  afterEach(async () => {
    for (const { app } of apps.splice(0)) app.unmount();
    a.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    env.uninstall();
  });

  it("makes its socket with the class given, joins the other tab's connection, and shows its messages", async () => {
    const view = mount(URL_A, shared as Options);
    expect(view.result.socket).toBeInstanceOf(SharedHeartbeatSocket);
    await vi.waitFor(() => expect(view.text()).toBe('open|1|'));
    FakeWebSocket.last.serverMessage('to every tab');
    await vi.waitFor(() => expect(view.text()).toBe('open|1|to every tab'));
    // One connection, tab A's, never dropped by this tab's start.
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
    expect(closes).toEqual([]);
  });

  it("an unmount closes this tab's socket alone, and a remount joins again, leaving the connection open", async () => {
    const first = mount(URL_A, shared as Options);
    await vi.waitFor(() => expect(first.text()).toBe('open|1|'));
    const socket = first.result.socket as unknown as SharedHeartbeatSocket;
    first.app.unmount();
    await vi.waitFor(() => expect(socket.state).toBe('closed'));
    const second = mount(URL_A, shared as Options);
    await vi.waitFor(() => expect(second.text()).toBe('open|1|'));
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
    expect(closes).toEqual([]);
    expect(a.state).toBe('open');
  });

  it('an effect scope stopped and a new one started: the tab rejoins, and a shared connection that closed meanwhile starts', async () => {
    const scope = effectScope();
    const result = scope.run(() => useHeartbeatSocket(URL_A, shared as Options))!;
    await vi.waitFor(() => expect(result.state.value).toBe('open'));
    scope.stop();
    a.close();
    await vi.waitFor(() => expect(FakeWebSocket.last.closeCalls).toHaveLength(1));
    FakeWebSocket.last.serverClose(1000);
    const again = effectScope();
    const next = again.run(() => useHeartbeatSocket(URL_A, shared as Options))!;
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    FakeWebSocket.last.serverOpen();
    await vi.waitFor(() => expect(next.state.value).toBe('open'));
    again.stop();
  });

  it('a scope stopped in the task it ran in (never started) leaves no tab in the channel', async () => {
    const scope = effectScope();
    const { socket } = scope.run(() => useHeartbeatSocket(URL_A, shared as Options))!;
    scope.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(socket.state).toBe('closed');
    expect(await a.countTabs()).toBe(1);
  });

  it('with startClosed, does not start the shared connection, and shows it as it is', async () => {
    a.close();
    await vi.waitFor(() => expect(FakeWebSocket.last.closeCalls).toHaveLength(1));
    FakeWebSocket.last.serverClose(1000);
    const view = mount(URL_A, { ...shared, startClosed: true } as Options);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(view.text()).toBe('closed|3|');
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('a url provider needs a channel, as SharedHeartbeatSocket says; with one, it is called by the leader', async () => {
    const scope = effectScope();
    expect(() =>
      scope.run(() =>
        useHeartbeatSocket(() => URL_B, { WebSocket: tabWebSocket('B'), HeartbeatSocket: SharedHeartbeatSocket }),
      ),
    ).toThrow(/options\.channel/);
    const result = scope.run(() => useHeartbeatSocket(() => URL_B, { ...shared, channel: 'other' }))!;
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    expect(FakeWebSocket.last.url).toBe(URL_B);
    expect(result.socket.isLeader).toBe(true);
    scope.stop();
  });

  it('refuses a url ref with a class whose url cannot change, naming what to do instead', () => {
    const scope = effectScope();
    expect(() => scope.run(() => useHeartbeatSocket(ref(URL_A), shared))).toThrow(
      /a shared socket's url cannot change/,
    );
    scope.stop();
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});

describe('useHeartbeatSocket from heartbeat-ws/vue in server rendering', () => {
  it('renders the connecting state and never connects', async () => {
    const { renderToString } = await import('vue/server-renderer');
    const Probe = defineComponent({
      setup() {
        const result = useHeartbeatSocket(URL_A, undefined, fake);
        return () => h('p', `${result.state.value}|${result.readyState.value}`);
      },
    });
    expect(await renderToString(createSSRApp(Probe))).toBe('<p>connecting|0</p>');
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(0);
  });
});

describe('useHeartbeatSocket from heartbeat-ws/vue against a real server', () => {
  it('is one connection at the server through a url change and none after unmount', async () => {
    const server = await startTestServer({ maxLifetimeMs: 20_000 });
    try {
      const options = { WebSocket: NodeWebSocket as unknown as Options['WebSocket'] };
      const url = ref<UrlInput>(`${server.url}/?client=vue&room=1`);
      const view = mount(url, options);
      await vi.waitFor(() => expect(view.text()).toBe('open|1|'), { timeout: 10_000 });
      url.value = `${server.url}/?client=vue&room=2`;
      await vi.waitFor(() => expect(server.connections).toHaveLength(2), { timeout: 10_000 });
      await vi.waitFor(() => expect(view.text()).toBe('open|1|'), { timeout: 10_000 });
      expect(server.connections[1]!.url).toContain('room=2');
      expect(server.maxLive('vue')).toBe(1);
      view.app.unmount();
      await vi.waitFor(() => expect(server.live('vue')).toEqual([]), { timeout: 10_000 });
      expect(server.connections).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});

/**
 * heartbeat-ws/svelte in jsdom: the store alone, and in a Svelte 5 component compiled by
 * `svelte/compiler` and mounted with `mount()` from 'svelte', against the FakeWebSocket (every
 * connection is an instance there) and against a real `ws` server on 127.0.0.1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compile } from 'svelte/compiler';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { HeartbeatSocket, type Options, type UrlInput } from '../src/index';
import { heartbeatSocketStore, type HeartbeatSocketValue, type Subscribable } from '../src/svelte/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { startTestServer } from './helpers/ws-server';

const URL_A = 'ws://example.test/a';
const URL_B = 'ws://example.test/b';
const fake = { WebSocket: FakeWebSocket as unknown as Options['WebSocket'] };
const ROOT = path.resolve(__dirname, '..');

/** Svelte's client runtime: the 'svelte' package resolves to its server build in this node environment. */
type SvelteClient = typeof import('svelte');
let svelte: SvelteClient;
let Live: Parameters<SvelteClient['mount']>[0];

// A component as an app writes it: `$live` subscribes on mount and leaves on destroy.
const COMPONENT = `<script>
  import { heartbeatSocketStore } from ${JSON.stringify(path.join(ROOT, 'src/svelte/index.ts'))};
  let { url, options, onLive } = $props();
  const live = heartbeatSocketStore(url, undefined, options);
  onLive?.(live);
</script>
<p>{$live.state}|{$live.readyState}|{$live.lastMessage?.data ?? ''}</p>
`;

beforeAll(async () => {
  svelte = await import(path.join(ROOT, 'node_modules/svelte/src/index-client.js'));
  // Compiled inside the project, so that its `svelte/internal/client` import resolves, and not
  // into node_modules: in Stryker's sandbox that is a link to the project's, the file's real path
  // is then outside the sandbox, vitest fails to load it, and every test of this file is skipped
  // (docs/development.md, "Mutation testing", footnote 4). test-results/ is ignored by git.
  const dir = path.join(ROOT, 'test-results/svelte-component');
  mkdirSync(dir, { recursive: true });
  const { js } = compile(COMPONENT, { generate: 'client', dev: true, filename: 'Live.svelte' });
  writeFileSync(path.join(dir, 'Live.js'), js.code);
  Live = (await import(path.join(dir, 'Live.js'))).default;
});

let mounted: Record<string, unknown>[];
function mount(url: UrlInput | Subscribable<UrlInput>, options: Options = fake) {
  const target = document.createElement('div');
  let store: ReturnType<typeof heartbeatSocketStore> | undefined;
  const component = svelte.mount(Live, { target, props: { url, options, onLive: (s: typeof store) => (store = s) } });
  mounted.push(component);
  svelte.flushSync();
  const text = () => (svelte.flushSync(), target.textContent ?? '');
  return { component, text, store: store!, unmount: () => svelte.unmount(component) };
}

/** A minimal writable store, as svelte/store's (a store url). */
function writable<T>(value: T) {
  const runs = new Set<{ run: (v: T) => void }>();
  return {
    subscribe(run: (v: T) => void) {
      const entry = { run };
      runs.add(entry);
      run(value);
      return () => runs.delete(entry);
    },
    subscribers: () => runs.size,
    set(next: T) {
      value = next;
      for (const { run } of runs) run(value);
    },
  };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

beforeEach(() => {
  FakeWebSocket.reset();
  mounted = [];
});

afterEach(() => {
  for (const component of mounted) void svelte.unmount(component);
  for (const ws of FakeWebSocket.instances) if (ws.readyState < 3) ws.serverClose(1000);
});

describe('heartbeatSocketStore from heartbeat-ws/svelte in a Svelte 5 component (jsdom)', () => {
  it('connects on mount, renders $live, and closes on unmount', async () => {
    const view = mount(URL_A);
    expect(view.text()).toBe('connecting|0|');
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    FakeWebSocket.last.serverOpen();
    expect(view.text()).toBe('open|1|');
    FakeWebSocket.last.serverMessage('hi');
    expect(view.text()).toBe('open|1|hi');
    expect(view.store.send('out')).toBe(true);
    expect(FakeWebSocket.last.sent).toEqual(['out']);
    void view.unmount();
    expect(FakeWebSocket.last.closeCalls).toEqual([{ code: 1000, reason: '' }]);
  });

  it('mount, unmount, mount in one task makes one connection', async () => {
    void mount(URL_A).unmount();
    const second = mount(URL_A);
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    FakeWebSocket.last.serverOpen();
    expect(second.text()).toBe('open|1|');
  });

  it('a remount connects once the connection the unmount closed has finished closing', async () => {
    const first = mount(URL_A);
    await settle();
    const old = FakeWebSocket.last;
    old.serverOpen();
    void first.unmount();
    const second = mount(URL_A);
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(second.text()).toBe('connecting|0|');
    old.serverClose(1000);
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
  });

  it('a store url that changes reconnects the same socket there, after the old connection closed, with what was queued', async () => {
    const url = writable<UrlInput>(URL_A);
    const view = mount(url);
    await settle();
    FakeWebSocket.last.serverOpen();
    const socket = view.store.socket;
    url.set(URL_B);
    expect(FakeWebSocket.instances[0]!.closeCalls).toHaveLength(1);
    expect(view.store.send('for b')).toBe(false);
    FakeWebSocket.instances[0]!.serverClose(1000);
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    expect(FakeWebSocket.last.url).toBe(URL_B);
    FakeWebSocket.last.serverOpen();
    expect(view.store.socket).toBe(socket);
    expect(FakeWebSocket.last.sent).toEqual(['for b']);
    expect(view.text()).toBe('open|1|');
  });
});

describe('heartbeatSocketStore, the store contract', () => {
  it('a subscriber that leaves in the same task (a server render) never connects', async () => {
    const store = heartbeatSocketStore(URL_A, undefined, fake);
    let seen: HeartbeatSocketValue | undefined;
    store.subscribe((value) => (seen = value))();
    await settle();
    expect(seen?.state).toBe('connecting');
    expect(seen?.socket).toBe(store.socket);
    expect(FakeWebSocket.instances).toHaveLength(0);
  });

  it('connects once for many subscribers, closes with the last, and connects again with a new one', async () => {
    const store = heartbeatSocketStore(URL_A, undefined, fake);
    const states: string[] = [];
    const leaveA = store.subscribe((value) => states.push(value.state));
    const leaveB = store.subscribe(() => {});
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    FakeWebSocket.last.serverOpen();
    leaveA();
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
    leaveB();
    expect(FakeWebSocket.last.closeCalls).toHaveLength(1);
    FakeWebSocket.last.serverClose(1000);
    expect(states).toEqual(['connecting', 'open']);
    const leaveC = store.subscribe(() => {});
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(2);
    leaveC();
  });

  it('a socket the app closed stays closed for a new subscriber; startClosed waits for reconnect()', async () => {
    const store = heartbeatSocketStore(URL_A, undefined, { ...fake, startClosed: true });
    let state = '';
    const leave = store.subscribe((value) => (state = value.state));
    await settle();
    expect(state).toBe('closed');
    expect(FakeWebSocket.instances).toHaveLength(0);
    store.socket.reconnect();
    expect(state).toBe('connecting');
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    FakeWebSocket.last.serverOpen();
    store.socket.close();
    FakeWebSocket.last.serverClose(1000);
    leave();
    store.subscribe(() => {});
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(store.socket.readyState).toBe(HeartbeatSocket.CLOSED);
  });

  it('a url provider is called before each attempt; a bad url or option throws at once', async () => {
    let calls = 0;
    const store = heartbeatSocketStore(() => (calls++, URL_A), undefined, fake);
    const leave = store.subscribe(() => {});
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    expect(calls).toBe(1);
    leave();
    expect(() => heartbeatSocketStore('ftp://example.test/', undefined, fake)).toThrow(SyntaxError);
    expect(() => heartbeatSocketStore(URL_A, undefined, { ...fake, maxRetries: -1 })).toThrow(/maxRetries/);
  });

  it('takes options second, without protocols, as new HeartbeatSocket() does', async () => {
    const store = heartbeatSocketStore(URL_A, { ...fake, startClosed: true });
    const states: string[] = [];
    const leave = store.subscribe((value) => states.push(value.state));
    await settle();
    expect([states, FakeWebSocket.instances.length]).toEqual([['closed'], 0]);
    store.socket.reconnect();
    await settle();
    expect(FakeWebSocket.instances.map((ws) => [ws.url, ws.protocols])).toEqual([[URL_A, []]]);
    leave();
  });

  it('a store url is checked at once too: a bad first value throws when the store is made', () => {
    expect(() => heartbeatSocketStore(writable<UrlInput>('ftp://example.test/'), undefined, fake)).toThrow(SyntaxError);
  });

  it('follows its url store while it has subscribers, and leaves it with the last one', async () => {
    const url = writable<UrlInput>(URL_A);
    const store = heartbeatSocketStore(url, undefined, fake);
    const leaveA = store.subscribe(() => {});
    const leaveB = store.subscribe(() => {});
    expect(url.subscribers()).toBe(1);
    leaveA();
    leaveB();
    // A url store's last subscriber gone (svelte/store's stop notifier runs): nothing left behind.
    expect(url.subscribers()).toBe(0);
  });

  it('a subscriber that comes back in the same task it left connects once', async () => {
    const store = heartbeatSocketStore(URL_A, undefined, fake);
    store.subscribe(() => {})();
    const leave = store.subscribe(() => {});
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    leave();
  });

  it('a subscriber back while the attempt of the last is still connecting keeps that attempt', async () => {
    const store = heartbeatSocketStore(URL_A, undefined, fake);
    store.subscribe(() => {})();
    let leave = store.subscribe(() => {});
    await settle();
    leave();
    leave = store.subscribe(() => {});
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(1);
    FakeWebSocket.last.serverOpen();
    expect(store.socket.state).toBe('open');
    leave();
  });

  it("a subscriber back while the last one's connection is closing connects again once it has closed, and stays", async () => {
    const store = heartbeatSocketStore(URL_A, undefined, fake);
    let leave = store.subscribe(() => {});
    await settle();
    const old = FakeWebSocket.last;
    old.serverOpen();
    leave();
    expect(old.closeCalls).toHaveLength(1);
    leave = store.subscribe(() => {});
    await settle();
    old.serverClose(1000);
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    FakeWebSocket.last.serverOpen();
    await settle();
    expect(store.socket.state).toBe('open');
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
    leave();
  });

  it('a store let go of while waiting to retry does not hold back the next one at its server', async () => {
    const options = { ...fake, minReconnectionDelay: 60_000, maxReconnectionDelay: 60_000 };
    const first = heartbeatSocketStore(URL_A, undefined, options);
    const leave = first.subscribe(() => {});
    await settle();
    FakeWebSocket.last.serverError();
    await vi.waitFor(() => expect(first.socket.state).toBe('reconnecting'));
    leave();
    // A url provider waits for every socket let go of that is still live: there is none.
    const second = heartbeatSocketStore(() => URL_B, undefined, fake);
    const leaveSecond = second.subscribe(() => {});
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    expect(FakeWebSocket.last.url).toBe(URL_B);
    leaveSecond();
  });

  it('rotates through a list of urls on failures', async () => {
    const store = heartbeatSocketStore([URL_A, URL_B], undefined, { ...fake, minReconnectionDelay: 1, jitter: 0 });
    const leave = store.subscribe(() => {});
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    FakeWebSocket.last.serverError();
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([URL_A, URL_B]);
    leave();
  });
});

describe('heartbeatSocketStore against a real server', () => {
  it('is one connection at the server through a store url change, and none after the last subscriber', async () => {
    const server = await startTestServer({ maxLifetimeMs: 20_000 });
    try {
      const options = { WebSocket: NodeWebSocket as unknown as Options['WebSocket'] };
      const url = writable<UrlInput>(`${server.url}/?client=svelte&room=1`);
      const view = mount(url, options);
      await vi.waitFor(() => expect(view.text()).toBe('open|1|'), { timeout: 10_000 });
      url.set(`${server.url}/?client=svelte&room=2`);
      await vi.waitFor(() => expect(server.connections).toHaveLength(2), { timeout: 10_000 });
      await vi.waitFor(() => expect(view.text()).toBe('open|1|'), { timeout: 10_000 });
      expect(server.maxLive('svelte')).toBe(1);
      void view.unmount();
      await vi.waitFor(() => expect(server.live('svelte')).toEqual([]), { timeout: 10_000 });
      expect(server.connections).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});

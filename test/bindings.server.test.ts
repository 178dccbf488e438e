// @vitest-environment node
/**
 * heartbeat-ws/vue and heartbeat-ws/svelte on a server (Node, no `window`; Node 20 has no global
 * WebSocket either): they render, and nothing connects. Given a WebSocket (Node's own code, no
 * page), they connect, and wait for a socket let go of at the same server as in a browser.
 */
import { expect, it, vi } from 'vitest';
import { createSSRApp, defineComponent, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import type { HeartbeatSocket, Options } from '../src/index';
import { heartbeatSocketStore } from '../src/svelte/index';
import { useHeartbeatSocket } from '../src/vue/index';
import { FakeWebSocket } from './helpers/fake-websocket';

/** Runs `fn` without a global WebSocket, as in Node 20, whatever this runtime has. */
async function withoutWebSocket(fn: () => Promise<void>): Promise<void> {
  const g = globalThis as { WebSocket?: unknown };
  const saved = g.WebSocket;
  delete g.WebSocket;
  try {
    await fn();
  } finally {
    if (saved !== undefined) g.WebSocket = saved;
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

it('Vue: renders on a server as connecting, and never connects there', async () => {
  await withoutWebSocket(async () => {
    let socket: HeartbeatSocket | undefined;
    const App = defineComponent({
      setup() {
        const result = useHeartbeatSocket('ws://127.0.0.1:9/');
        socket = result.socket;
        return () => h('p', `${result.state.value} ${result.readyState.value}`);
      },
    });
    expect(await renderToString(createSSRApp(App))).toBe('<p>connecting 0</p>');
    await tick();
    expect(socket!.readyState).toBe(socket!.CLOSED);
    expect(socket!.stats.attempts).toBe(0);

    // Were it started anyway (Node 20, no options.WebSocket), the stand-in says why it cannot
    // connect, as an error event, and the socket gives up: no retry would do better.
    const gaveUp = new Promise<unknown>((resolve) => socket!.addEventListener('giveup', resolve));
    const error = new Promise<unknown>((resolve) =>
      socket!.addEventListener('error', (event) => resolve((event as Event & { error?: unknown }).error)),
    );
    socket!.reconnect();
    expect(String(await error)).toMatch(/no WebSocket here \(Node < 22: pass options\.WebSocket, the ws package's\)/);
    expect(((await gaveUp) as CustomEvent).detail.reason).toBe('maxRetries');
    expect(socket!.state).toBe('closed');
    expect(socket!.stats.attempts).toBe(1);
    socket!.close();
  });
});

it("Svelte: a server render's subscribe-and-leave never connects, with a relative url too", async () => {
  await withoutWebSocket(async () => {
    const store = heartbeatSocketStore('/live');
    let state = '';
    store.subscribe((value) => (state = value.state))();
    await tick();
    expect(state).toBe('connecting');
    expect(store.socket.readyState).toBe(store.socket.CLOSED);
    // An absolute url is checked at once, on a server too.
    expect(() => heartbeatSocketStore('ftp://example.test/')).toThrow(SyntaxError);
    // A relative one with a colon in its path is still relative: left for the page.
    expect(heartbeatSocketStore('/rooms/a:1').socket.readyState).toBe(3);
  });
});

it('Svelte in Node with a WebSocket given (no page): a store for another path of the same server waits for the one let go of there', async () => {
  FakeWebSocket.reset();
  const options = { WebSocket: FakeWebSocket as unknown as Options['WebSocket'] };
  const leaveFirst = heartbeatSocketStore('ws://127.0.0.1:9/a', undefined, options).subscribe(() => {});
  await tick();
  const old = FakeWebSocket.last;
  old.serverOpen();
  leaveFirst(); // closes; the connection is in its closing handshake at the server
  const second = heartbeatSocketStore('ws://127.0.0.1:9/b', undefined, options);
  const leaveSecond = second.subscribe(() => {});
  await tick();
  expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual(['ws://127.0.0.1:9/a']);
  old.serverClose(1000);
  await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
  expect(FakeWebSocket.last.url).toBe('ws://127.0.0.1:9/b');
  leaveSecond();
  FakeWebSocket.last.serverClose(1000);
});

/**
 * heartbeat-ws/vue in each engine: a Vue 3 app with a single-file component, built by vite with
 * @vitejs/plugin-vue (development mode), importing `heartbeat-ws/vue` by package name, served
 * from 127.0.0.1, talking to a `ws` server on 127.0.0.1 that counts the connections it sees.
 */
import vue from '@vitejs/plugin-vue';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveStatic, waitFor, type StaticServer } from '../helpers/browser';
import { describeEngines, type EnginePage as Page } from '../helpers/engines';
import { bundleFrameworkApp, ownDist, type FrameworkApp } from '../helpers/framework-app';
import { describeSharedApp } from '../helpers/shared-app';
import { startTestServer, type TestServer } from '../helpers/ws-server';

const APP_VUE = `<script setup>
import { computed } from 'vue';
import { useHeartbeatSocket } from 'heartbeat-ws/vue';

const props = defineProps({ base: String, room: Number });
const url = computed(() => props.base + '&room=' + props.room);
const { state, lastMessage, send, socket } = useHeartbeatSocket(url, undefined, {
  minReconnectionDelay: 100,
  maxReconnectionDelay: 200,
});
window.setups++;
window.sockets.add(socket);
window.socket = socket;
</script>

<template>
  <main>
    <output id="state">{{ state }}</output>
    <output id="message">{{ lastMessage ? String(lastMessage.data) : '' }}</output>
    <button id="send" @click="send('hello from vue')">send</button>
  </main>
</template>
`;

const MAIN = `import { createApp, h, ref } from 'vue';
import App from './App.vue';

const base = new URLSearchParams(location.search).get('ws');
const room = ref(1);
let app;
window.setups = 0;
window.sockets = new Set();
window.mount = () => {
  app = createApp({ render: () => h(App, { base, room: room.value }) });
  app.mount('#root');
};
window.unmount = () => app.unmount();
window.setRoom = (n) => (room.value = n);
// A double mount, in one task (as a dev tool or a test harness does).
window.mount();
window.unmount();
window.mount();
`;

type Win = {
  setups: number;
  sockets: Set<unknown>;
  socket: { readyState: number };
  mount(): void;
  unmount(): void;
  setRoom(n: number): void;
};

const text = (page: Page, id: string) =>
  page.evaluate((id: string) => document.getElementById(id)?.textContent ?? null, id);

describeEngines('heartbeat-ws/vue, built with vite and @vitejs/plugin-vue', (engine) => {
  let app: FrameworkApp;
  let http: StaticServer;
  let server: TestServer;

  beforeAll(async () => {
    app = await bundleFrameworkApp('vue', { 'App.vue': APP_VUE, 'main.js': MAIN }, ['vue', '@vue'], [vue()]);
    http = await serveStatic(app.files);
    server = await startTestServer({ maxLifetimeMs: 60_000 });
  });

  afterAll(async () => {
    await server?.close();
    await http?.close();
    app?.remove();
  });

  it('bundles the published entry points: dist/vue.mjs over dist/heartbeat-ws.mjs, one copy each', () => {
    expect(ownDist(app.moduleIds)).toEqual(['heartbeat-ws.mjs', 'vue.mjs']);
  });

  it('is one connection at the server through a double mount, a url change and a remount, and none after unmount', async () => {
    const page = await engine.newPage();
    const wsUrl = `${server.url}/?client=vue`;
    await page.goto(`${http.url}/?ws=${encodeURIComponent(wsUrl)}`);

    await waitFor(
      'the state "open"',
      async () => (await text(page, 'state')) === 'open' || (await page.errors()).length > 0,
    );
    expect(await page.errors()).toEqual([]);
    // Two components were set up (mount, unmount, mount), and the server saw one connection.
    expect(await page.evaluate(() => (window as unknown as Win).setups)).toBe(2);
    expect(server.connections).toHaveLength(1);

    await page.evaluate(() => (document.getElementById('send') as HTMLButtonElement).click());
    await waitFor('the echo', async () => (await text(page, 'message')) === 'hello from vue');
    expect(server.texts('vue')).toEqual(['hello from vue']);

    // A new url: the same socket reconnects there, once the old connection is closed at the server.
    await page.evaluate(() => (window as unknown as Win).setRoom(2));
    await waitFor('the connection to room 2', () => server.connections.length === 2);
    await waitFor('the state "open" again', async () => (await text(page, 'state')) === 'open');
    expect(server.connections[1]!.url).toContain('room=2');
    expect(await page.evaluate(() => (window as unknown as Win).sockets.size)).toBe(2);

    // A remount while open, at a slow server: it reads nothing more of the open connection (its
    // closing handshake included) until told, and holds it open meanwhile. The new component's
    // socket connects once the old connection is closed there.
    const raw = (server.connections[1]!.ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    await page.evaluate(() => {
      const w = window as unknown as Win;
      w.unmount();
      w.mount();
    });
    // Time enough for a socket that did not wait to reach the server (loopback: a few ms).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.connections).toHaveLength(2);
    raw.resume();
    await waitFor('the remount to connect', () => server.connections.length === 3);
    await waitFor('the state "open" again', async () => (await text(page, 'state')) === 'open');
    expect(server.maxLive('vue')).toBe(1);
    // No connection arrived while an older one was OPEN at the server. (Not asserted: that the
    // older one had also finished its TCP teardown; Firefox ends a closing handshake on the
    // server's close frame, and the next connection may arrive while the server's side of the
    // old one still reads CLOSING.)

    const closed = await page.evaluate(() => {
      const w = window as unknown as Win;
      w.unmount();
      return w.socket.readyState;
    });
    expect(closed).toBeGreaterThanOrEqual(2); // CLOSING or CLOSED
    await waitFor('the server to see the close', () => server.live('vue').length === 0);
    expect(server.connections).toHaveLength(3);
    expect(await page.errors()).toEqual([]);
    await page.close();
  });
});

// One connection for all tabs: the composable with `HeartbeatSocket: SharedHeartbeatSocket`, in
// tabs of one browser profile (Web Locks and BroadcastChannel are per profile).
const SHARED_VUE = `<script setup>
import { useHeartbeatSocket } from 'heartbeat-ws/vue';
import { SharedHeartbeatSocket } from 'heartbeat-ws/shared';

const props = defineProps({ url: String });
const { state, lastMessage, socket } = useHeartbeatSocket(props.url, {
  HeartbeatSocket: SharedHeartbeatSocket,
  channel: 'vue-tabs',
});
window.socket = socket;
socket.addEventListener('message', (e) => window.received.push(String(e.data)));
</script>

<template>
  <main>
    <output id="state">{{ state }}</output>
    <output id="message">{{ lastMessage ? String(lastMessage.data) : '' }}</output>
  </main>
</template>
`;

const SHARED_MAIN = `import { createApp, h } from 'vue';
import App from './App.vue';

const url = new URLSearchParams(location.search).get('ws');
window.received = [];
const app = createApp({ render: () => h(App, { url }) });
app.mount('#root');
window.unmount = () => app.unmount();
`;

describeSharedApp('vue', () =>
  bundleFrameworkApp('vue-shared', { 'App.vue': SHARED_VUE, 'main.js': SHARED_MAIN }, ['vue', '@vue'], [vue()]),
);

// "One socket at a time" as the server sees it: a `ws` server counts, at every `connection`
// event, the connections of the same client it has not yet seen `close`, directly and behind
// the loopback fault proxy, while reconnect() and close() are called in every state, with and
// without resets and refusals. A connection counts as live from the server's `connection` event
// to its `close` event: a socket in its closing handshake, or one the client abandoned while
// CONNECTING after the server accepted it, is live there.
import { afterEach, describe, expect, it } from 'vitest';
import { HeartbeatSocket, type SocketState } from '../../src/index';
import { Cleanup, rigFor, seededRandom, sleep, waitUntil } from '../helpers/harness';
import { startTestServer, type TestServer } from '../helpers/ws-server';
import { ours } from './ours';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** The server's own count of live connections per client: connection → close events. */
function liveCounter(server: () => TestServer) {
  let max = 0;
  const live = () => server().connections.filter((c) => c.closedAt === undefined).length;
  return {
    onConnection: () => {
      max = Math.max(max, live());
      return undefined;
    },
    live,
    get max() {
      return max;
    },
  };
}

async function direct() {
  const ref: { server?: TestServer } = {};
  const counter = liveCounter(() => ref.server as TestServer);
  const server = (ref.server = await startTestServer({ onConnection: counter.onConnection }));
  cleanup.add(() => server.close());
  return { url: `${server.url}/?client=c1`, counter, server, proxy: undefined };
}

async function proxied() {
  const ref: { server?: TestServer } = {};
  const counter = liveCounter(() => ref.server as TestServer);
  const r = await rigFor(cleanup, { onConnection: counter.onConnection });
  const server = (ref.server = r.server);
  return { url: r.url(), counter, server, proxy: r.proxy };
}

const isOpen = (socket: HeartbeatSocket) => () => socket.readyState === HeartbeatSocket.OPEN;

describe.each([
  ['directly', direct],
  ['through the fault proxy', proxied],
])('at the server (%s), never two live connections of one HeartbeatSocket', (_, setup) => {
  it('reconnect() right after each open, 30 times: every old connection is gone before the next arrives', async () => {
    const { url, counter, server } = await setup();
    const socket = ours(cleanup, url);
    for (let i = 0; i < 30; i += 1) {
      await waitUntil('open', isOpen(socket), { timeout: 3_000 });
      socket.reconnect();
      expect(socket.readyState).toBe(HeartbeatSocket.CONNECTING);
    }
    await waitUntil('open', isOpen(socket), { timeout: 3_000 });
    expect(server.connections.length).toBe(31);
    expect(counter.max).toBe(1);
  });

  it('reconnect() while CONNECTING, in a tight loop: an abandoned attempt the server accepted counts', async () => {
    const { url, counter, server } = await setup();
    const socket = ours(cleanup, url);
    const states = new Set<SocketState>();
    for (let i = 0; i < 60; i += 1) {
      states.add(socket.state);
      socket.reconnect();
      await sleep(i % 4);
    }
    await waitUntil('open', isOpen(socket), { timeout: 3_000 });
    await waitUntil('one live', () => counter.live() === 1, { timeout: 2_000 });
    expect(states.has('connecting')).toBe(true);
    expect(server.connections.length).toBeGreaterThan(1);
    expect(counter.max).toBe(1);
  });

  it('close() then reconnect() while OPEN (the CLOSING handshake) and after close() is over', async () => {
    const { url, counter, server } = await setup();
    const socket = ours(cleanup, url);
    for (let i = 0; i < 15; i += 1) {
      await waitUntil('open', isOpen(socket), { timeout: 3_000 });
      socket.close();
      expect(socket.state).toBe('closing');
      if (i % 2) await waitUntil('closed', () => socket.state === 'closed', { timeout: 2_000 });
      socket.reconnect();
    }
    await waitUntil('open', isOpen(socket), { timeout: 3_000 });
    expect(server.connections.length).toBe(16);
    expect(counter.max).toBe(1);
  });
});

describe('at the server, with resets and refusals in between', () => {
  it('reconnect() in the wait for a retry after a reset, and right after a refusal', async () => {
    const { url, counter, proxy, server } = await proxied();
    const socket = ours(cleanup, url, { minReconnectionDelay: 200, maxReconnectionDelay: 200, jitter: 0 });
    for (let i = 0; i < 10; i += 1) {
      await waitUntil('open', isOpen(socket), { timeout: 3_000 });
      proxy.resetAll();
      await waitUntil('waiting to retry', () => socket.state === 'reconnecting', { timeout: 2_000 });
      if (i % 2) {
        proxy.setMode('refuse');
        socket.reconnect();
        await waitUntil('refused, waiting again', () => socket.state === 'reconnecting', { timeout: 2_000 });
        proxy.setMode('pass');
      }
      socket.reconnect();
    }
    await waitUntil('open', isOpen(socket), { timeout: 3_000 });
    expect(server.connections.length).toBe(11);
    expect(counter.max).toBe(1);
  });

  it.each([0x5eed, 0xbeef, 0xcafe])(
    'holds through a seeded storm of reconnect(), close(), resets and refusals (seed %i)',
    async (seed) => {
      const { url, counter, proxy, server } = await proxied();
      const random = seededRandom(seed);
      const socket = ours(cleanup, url, { minReconnectionDelay: 20, maxReconnectionDelay: 80 });
      socket.addEventListener('open', () => {
        if (hammering && random() < 0.1) socket.reconnect();
      });
      let hammering = true;
      await waitUntil('first open', isOpen(socket), { timeout: 3_000 });
      const states = new Set<SocketState>();
      for (let i = 0; i < 300; i += 1) {
        const roll = random();
        states.add(socket.state);
        // close() while CONNECTING aborts the attempt, which a proxy may still hand to the
        // server late: the one documented exception (docs/lifecycle.md), left out here.
        const connecting = socket.state === 'connecting';
        if (roll < 0.5 || (roll < 0.67 && connecting)) socket.reconnect();
        else if (roll < 0.6) {
          socket.close();
          socket.reconnect();
        } else if (roll < 0.67) {
          socket.close();
          states.add(socket.state); // 'closing' from an open link: its handshake is quick here
        } else if (roll < 0.75) proxy.setMode('refuse');
        else if (roll < 0.92) proxy.setMode('pass');
        else proxy.resetAll();
        await sleep(Math.floor(random() * 10));
      }
      hammering = false;
      proxy.setMode('pass');
      socket.reconnect();
      await waitUntil('open', isOpen(socket), { timeout: 3_000 });
      await waitUntil('one live', () => counter.live() === 1, { timeout: 2_000 });
      for (const state of ['connecting', 'open', 'closing', 'reconnecting', 'closed'] as const) {
        expect(states.has(state), state).toBe(true);
      }
      expect(server.connections.length).toBeGreaterThan(20);
      expect(counter.max).toBe(1);
    },
  );
});

describe('the wait for the old socket is bounded', () => {
  // Both sides of the min: a connectionTimeout under 1 s is the bound (400 ms here, so a 1 s wait
  // fails it), and above it 1 s is (a 5 s connectionTimeout would fail that one).
  it.each([
    { connectionTimeout: 400, bound: 400 },
    { connectionTimeout: 5_000, bound: 1_000 },
  ])(
    'a closing handshake that never ends holds the next attempt min(connectionTimeout, 1 s), no longer (connectionTimeout $connectionTimeout ms)',
    async ({ connectionTimeout, bound }) => {
      // A link that went silent (not yet judged dead): the close frame never reaches the server.
      const { url, proxy, server } = await proxied();
      const socket = ours(cleanup, url, { connectionTimeout });
      await waitUntil('open', isOpen(socket), { timeout: 3_000 });
      proxy.setMode('blackhole');
      proxy.setMode('pass'); // new connections pass; the current one stays silent
      const t = Date.now();
      socket.reconnect();
      await waitUntil('second connection', () => server.connections.length === 2, { timeout: 3_000 });
      const waited = Date.now() - t;
      expect(waited).toBeGreaterThanOrEqual(bound - 10);
      // The bound, plus a loopback connect on a loaded machine; under the other side's bound.
      expect(waited).toBeLessThan(bound + 500);
      await waitUntil('open again', isOpen(socket), { timeout: 3_000 });
    },
  );

  it('a link the heartbeat judged dead is not waited for', async () => {
    const { url, proxy, server } = await proxied();
    const socket = ours(cleanup, url, {
      connectionTimeout: 5_000,
      minReconnectionDelay: 50,
      maxReconnectionDelay: 50,
      jitter: 0,
      heartbeat: { interval: 100, timeout: 150 },
    });
    await waitUntil('open', isOpen(socket), { timeout: 3_000 });
    proxy.setMode('blackhole');
    let deadAt = 0;
    socket.addEventListener('close', (e) => {
      if (e.reason === 'heartbeat timeout') deadAt = Date.now();
    });
    await waitUntil('declared dead', () => deadAt, { timeout: 3_000 });
    proxy.setMode('pass');
    await waitUntil('second connection', () => server.connections.length === 2, { timeout: 3_000 });
    // Backoff (50 ms) and the connect, not the 1 s bound.
    expect(Date.now() - deadAt).toBeLessThan(700);
  });
});

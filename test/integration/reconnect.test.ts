// HeartbeatSocket's reconnect() and maxRetries against a real `ws` server behind a loopback
// fault proxy, with real timers.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HeartbeatSocket, type SocketState } from '../../src/index';
import type { WebSocketConstructor } from '../../src/index';
import {
  Cleanup,
  Findings,
  type Rig,
  seededRandom,
  sleep,
  rigFor,
  trackedWebSocket,
  waitUntil,
} from '../helpers/harness';
import type { TestServerOptions } from '../helpers/ws-server';
import { observe, ours } from './ours';

const cleanup = new Cleanup();
const findings = new Findings('ours-reconnect');
afterEach(() => cleanup.run());
afterAll(() => findings.save());

const rig = (serverOptions?: TestServerOptions): Promise<Rig> => rigFor(cleanup, serverOptions);

describe('HeartbeatSocket reconnect() and maxRetries', () => {
  it.each([0x5eed, 0xbeef])(
    'reconnect() hammered in every state never gives the server two live sockets (seed %i)',
    async (seed) => {
      const r = await rig();
      const tracked = trackedWebSocket();
      const random = seededRandom(seed);
      const socket = ours(cleanup, r.url(), {
        WebSocket: tracked.WebSocket as unknown as WebSocketConstructor,
        minReconnectionDelay: 20,
        maxReconnectionDelay: 80,
      });
      const { timeline } = observe(socket);
      // A synchronous listener that reconnects or closes from inside the events is part of
      // "every state" too.
      let reentrant = 0;
      // Only while hammering: afterwards the test's own close() must be the last word.
      let hammering = true;
      socket.addEventListener('open', () => {
        if (hammering && random() < 0.1) {
          reentrant += 1;
          socket.reconnect();
        }
      });
      socket.addEventListener('close', () => {
        if (hammering && random() < 0.05) {
          reentrant += 1;
          socket.reconnect();
        }
      });

      await waitUntil('first open', () => socket.readyState === HeartbeatSocket.OPEN);
      const statesAtCall: Partial<Record<SocketState, number>> = {};
      const reconnect = () => {
        statesAtCall[socket.state] = (statesAtCall[socket.state] ?? 0) + 1;
        socket.reconnect();
      };
      let maxAliveSeen = 0;
      const ROUNDS = 400;
      for (let i = 0; i < ROUNDS; i += 1) {
        const roll = random();
        if (roll < 0.55) reconnect();
        else if (roll < 0.65) {
          socket.close();
          reconnect();
        } else if (roll < 0.72) socket.close();
        else if (roll < 0.8) r.proxy.setMode('refuse');
        else if (roll < 0.95) r.proxy.setMode('pass');
        else r.proxy.resetAll();
        maxAliveSeen = Math.max(maxAliveSeen, tracked.alive());
        await sleep(Math.floor(random() * 8));
        maxAliveSeen = Math.max(maxAliveSeen, tracked.alive());
      }

      hammering = false;
      r.proxy.setMode('pass');
      socket.reconnect();
      await waitUntil('open', () => socket.readyState === HeartbeatSocket.OPEN, {
        timeout: 3_000,
      });
      socket.send('final');
      await waitUntil('echo', () => r.server.texts().includes('final'), { timeout: 1_000 });
      await waitUntil('one live socket at the server', () => r.server.live('c1').length === 1, {
        timeout: 2_000,
      });

      const states: SocketState[] = ['connecting', 'open', 'reconnecting', 'closing', 'closed'];
      for (const state of states) expect(statesAtCall[state] ?? 0).toBeGreaterThan(0);
      expect(r.server.maxLive('c1')).toBe(1);
      expect(tracked.maxAliveAtConstruction).toBe(0);
      expect(maxAliveSeen).toBeLessThanOrEqual(1);
      expect(tracked.alive()).toBe(1);

      socket.close();
      await waitUntil('server side closed', () => r.server.live('c1').length === 0, {
        timeout: 2_000,
      });
      const total = r.proxy.total;
      await sleep(300);
      expect(r.proxy.total).toBe(total);

      findings.record(`reconnect-hammer-${seed}`, {
        calls: Object.values(statesAtCall).reduce((a, b) => a + b, 0),
        reentrantCalls: reentrant,
        statesAtCall,
        underlyingSockets: tracked.instances.length,
        serverConnections: r.server.connections.length,
        maxLiveAtServer: r.server.maxLive('c1'),
        maxAliveClientSockets: maxAliveSeen,
        closeEvents: timeline.count('close'),
        endedOpen: true,
      });
    },
  );

  it('gives up after maxRetries (CLOSED, a close event, no more attempts); reconnect() connects again', async () => {
    const r = await rig();
    r.proxy.setMode('refuse');
    const maxRetries = 3;
    const socket = ours(cleanup, r.url(), {
      maxRetries,
      minReconnectionDelay: 30,
      maxReconnectionDelay: 60,
      jitter: 0,
    });
    const { timeline, closes, inbox } = observe(socket);
    await waitUntil('giving up', () => socket.readyState === HeartbeatSocket.CLOSED, {
      timeout: 3_000,
    });
    const gaveUpAt = Date.now();
    const attempts = r.proxy.total;
    expect(attempts).toBe(1 + maxRetries);
    expect(socket.state).toBe('closed');
    expect(closes.length).toBeGreaterThanOrEqual(1);
    expect(timeline.count('reconnecting')).toBe(maxRetries);
    await sleep(500);
    expect(r.proxy.total).toBe(attempts);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);

    r.proxy.setMode('pass');
    const t = Date.now();
    socket.reconnect();
    await waitUntil('open again', () => socket.readyState === HeartbeatSocket.OPEN, {
      timeout: 2_000,
    });
    const reopenMs = Date.now() - t;
    socket.send('again');
    await waitUntil('echo', () => inbox.includes('again'), { timeout: 1_000 });
    findings.record('max-retries', {
      maxRetries,
      attempts,
      closeEvents: closes.length,
      errorEvents: timeline.count('error'),
      readyStateAfter: HeartbeatSocket.CLOSED,
      quietForMs: t - gaveUpAt,
      reopenAfterReconnectMs: reopenMs,
    });
  });

  it('reconnect() after close() during backoff connects again', async () => {
    const r = await rig();
    r.proxy.setMode('refuse');
    const socket = ours(cleanup, r.url(), {
      minReconnectionDelay: 300,
      maxReconnectionDelay: 300,
      jitter: 0,
    });
    const { timeline } = observe(socket);
    await waitUntil('waiting in backoff', () => socket.state === 'reconnecting', {
      timeout: 2_000,
    });
    socket.close();
    await sleep(500);
    r.proxy.setMode('pass');
    const t = Date.now();
    socket.reconnect();
    await waitUntil('open', () => timeline.count('open') === 1, { timeout: 2_000 });
    findings.record('close-in-backoff-then-reconnect', { reopenAfterReconnectMs: Date.now() - t });
  });
});

import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatSocket } from '../src/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { makeSocket } from './helpers/socket';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => vi.useRealTimers());

const step = fc.oneof(
  fc.constant({ kind: 'send' as const }),
  fc.constant({ kind: 'send' as const }),
  fc.constant({ kind: 'send' as const }),
  fc.constant({ kind: 'close' as const }),
  fc.constant({ kind: 'reconnect' as const }),
  fc.constant({ kind: 'open' as const }),
  fc.constant({ kind: 'pong' as const }),
  fc.constant({ kind: 'serverClose' as const }),
  fc.constant({ kind: 'networkDrop' as const }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 3000 }) }),
);

/**
 * Drives a socket through a random sequence of user calls, server events and time, checking
 * after every step what users rely on.
 */
async function run(steps: fc.Arbitrary<unknown>[] | unknown[], replay: boolean): Promise<void> {
  FakeWebSocket.reset();
  const { socket, ofType } = makeSocket({
    random: () => 0.5,
    minReconnectionDelay: 100,
    maxReconnectionDelay: 1000,
    connectionTimeout: 2000,
    maxEnqueuedMessages: 5,
    heartbeat: { interval: 300, timeout: 200 },
    replayUnconfirmed: replay,
  });
  let next = 0;
  const delivered = () =>
    FakeWebSocket.instances.flatMap((ws) =>
      ws.sent.filter((d): d is string => typeof d === 'string' && d.startsWith('m')).map((d) => Number(d.slice(1))),
    );
  for (const s of steps as { kind: string; ms?: number }[]) {
    const ws = FakeWebSocket.instances.at(-1);
    switch (s.kind) {
      case 'send':
        socket.send(`m${next++}`);
        break;
      case 'close':
        socket.close();
        break;
      case 'reconnect':
        socket.reconnect();
        break;
      case 'open':
        if (ws?.readyState === 0) ws.serverOpen();
        break;
      case 'pong':
        if (ws?.readyState === 1 && ws.sent.includes('ping')) ws.serverMessage('pong');
        break;
      case 'serverClose':
        if (ws && ws.readyState < 3) ws.serverClose(1001, 'bye', true);
        break;
      case 'networkDrop':
        if (ws && ws.readyState < 3) ws.serverError();
        break;
      case 'tick':
        await vi.advanceTimersByTimeAsync(s.ms as number);
        break;
    }
    // At most one underlying socket is CONNECTING or OPEN and still ours.
    expect(
      FakeWebSocket.instances.filter((w) => w.readyState < 2 && w.closeCalls.length === 0).length,
    ).toBeLessThanOrEqual(1);
    // Every message sent is delivered, queued, held unconfirmed, or dropped with an event.
    const got = delivered();
    const firsts = [...new Set(got)];
    const dropped = ofType<CustomEvent>('drop').map((e) => Number(String(e.detail.data).slice(1)));
    const { queued, unconfirmed } = socket.stats;
    if (!replay) {
      expect(got.length).toBe(firsts.length); // never twice without replay
      expect(got.length + dropped.length + queued).toBe(next);
    } else {
      const accounted = new Set([...got, ...dropped]);
      expect(accounted.size + queued).toBeGreaterThanOrEqual(next);
      expect(unconfirmed).toBeLessThanOrEqual(5);
    }
    // First deliveries keep the order of send().
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
  }
  socket.close();
  if (FakeWebSocket.instances.at(-1)?.readyState === 2) FakeWebSocket.last.serverClose(1000, '', true);
  expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
  expect(vi.getTimerCount()).toBe(0);
}

describe('random sequences of send, close, reconnect, server close, network drop and time', () => {
  it('keep one live socket, lose nothing silently, keep order, and leave no timer after close()', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), (steps) => run(steps, false)),
      { numRuns: 150 },
    );
  });

  it('hold the same with replayUnconfirmed, where a message may arrive twice but first deliveries keep order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), (steps) => run(steps, true)),
      { numRuns: 150 },
    );
  });
});

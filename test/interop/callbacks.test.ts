// The crash, reproduced on a real `ws` server: the natural recogniser
// `d => JSON.parse(d).type === 'heartbeat'` meets a message that is not JSON. Before, the
// SyntaxError was re-thrown from a microtask: an uncaught exception, which ends a Node process.
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { HeartbeatSocket } from '../../src/index';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

it('survives a throwing isServerPing on a non-JSON message: logged, delivered, acked pings go on', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  cleanup.push(() => new Promise((r) => wss.close(r)));
  await new Promise((r) => wss.once('listening', r));
  const acks: string[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (data) => acks.push(String(data)));
    ws.send('welcome, not JSON');
    ws.send('{"type": "heartbeat"}');
  });
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  cleanup.push(() => process.off('uncaughtException', onUncaught));
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
  cleanup.push(() => logged.mockRestore());

  const socket = new HeartbeatSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, undefined, {
    WebSocket,
    lifecycle: false,
    heartbeat: {
      ping: false,
      isServerPing: (d) => JSON.parse(d as string).type === 'heartbeat',
      serverPingReply: { type: 'heartbeat_ack' },
    },
  });
  cleanup.push(() => socket.close());
  const messages: unknown[] = [];
  socket.addEventListener('message', (e) => messages.push(e.data));
  const deadline = Date.now() + 10_000;
  while (acks.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 50)); // a re-thrown error would surface by now

  expect(acks).toEqual(['{"type":"heartbeat_ack"}']);
  expect(messages).toEqual(['welcome, not JSON']);
  expect(uncaught).toEqual([]);
  expect(logged).toHaveBeenCalledTimes(1);
  expect(logged.mock.calls[0]?.[1]).toBe('isServerPing');
  expect(socket.readyState).toBe(socket.OPEN);
});

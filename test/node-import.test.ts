// @vitest-environment node
import { expect, it } from 'vitest';

it('imports and constructs without window or document (Node, server-side rendering)', async () => {
  expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
  const { HeartbeatSocket } = await import('../src/index');
  const { FakeWebSocket } = await import('./helpers/fake-websocket');
  const socket = new HeartbeatSocket('ws://a.test/', [], { WebSocket: FakeWebSocket as never, heartbeat: true });
  FakeWebSocket.last.serverOpen();
  FakeWebSocket.last.serverClose(1006, '', false);
  expect(socket.state).toBe('reconnecting');
  socket.close();
  expect(socket.state).toBe('closed');
});

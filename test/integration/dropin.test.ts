// The drop-in points of issue #14 against real WebSocket implementations in Node: the `ws`
// package and undici's WebSocket (the npm package Node's global comes from), and for an error
// that no close follows, Node 20's own global WebSocket (undici 6) in a child process. The
// browser's is covered by test/browser/dropin.test.ts.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { WebSocket as Undici } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as Ws } from 'ws';
import { HeartbeatSocket, type WebSocketConstructor } from '../../src/index';
import { Cleanup, waitUntil } from '../helpers/harness';
import { startTestServer } from '../helpers/ws-server';
import { ours } from './ours';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A loopback port nothing listens on: every connection is refused. */
async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A loopback server that accepts TCP and never answers the upgrade: attempts time out. */
async function silentServer(): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => sockets.add(s.on('error', () => {})));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.add(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

describe.each([
  ['the ws package', Ws as unknown as WebSocketConstructor],
  ["undici's WebSocket", Undici as unknown as WebSocketConstructor],
])('drop-in with %s', (name, WebSocket) => {
  it('maxReconnectionDelay alone below the default minimum: accepted, and every retry comes within it', async () => {
    const port = await refusedPort();
    const socket = ours(cleanup, `ws://127.0.0.1:${port}`, {
      WebSocket,
      minReconnectionDelay: undefined,
      maxReconnectionDelay: 200,
      connectionTimeout: 2_000,
    });
    const delays: number[] = [];
    socket.addEventListener('reconnecting', (e) => delays.push(e.detail.delay));
    await waitUntil('three retries', () => delays.length >= 3, { timeout: 3_000 });
    expect(Math.max(...delays)).toBeLessThanOrEqual(200);
  });

  it('error events carry message and error: the refusal as the implementation tells it, TIMEOUT for a timeout', async () => {
    const port = await refusedPort();
    const refused = ours(cleanup, `ws://127.0.0.1:${port}`, {
      WebSocket,
      minReconnectionDelay: 5_000,
      maxReconnectionDelay: 5_000,
    });
    const errors: ErrorEvent[] = [];
    refused.addEventListener('error', (e) => errors.push(e));
    await waitUntil('an error', () => errors.length);
    const [first] = errors as [ErrorEvent];
    expect(typeof first.message).toBe('string');
    expect('error' in first).toBe(true);
    // The `ws` package names the cause; undici's event carries none.
    if (name === 'the ws package') {
      expect(first.message).toMatch(/ECONNREFUSED/);
      expect((first.error as Error).message).toBe(first.message);
    }

    const timing = ours(cleanup, await silentServer(), { WebSocket, connectionTimeout: 300 });
    const timeouts: ErrorEvent[] = [];
    timing.addEventListener('error', (e) => timeouts.push(e));
    await waitUntil('a timeout', () => timeouts.length, { timeout: 3_000 });
    expect(timeouts[0]?.message).toBe('TIMEOUT');
    expect(timeouts[0]?.error).toBeInstanceOf(Error);
  });

  it("binaryType is 'blob' before and after open, and binary messages arrive as Blob", async () => {
    const server = await startTestServer();
    cleanup.add(() => server.close());
    const socket = ours(cleanup, server.url, { WebSocket });
    expect(socket.binaryType).toBe('blob');
    const inbox: unknown[] = [];
    socket.addEventListener('message', (e) => inbox.push(e.data));
    await waitUntil('open', () => socket.readyState === HeartbeatSocket.OPEN);
    expect(socket.binaryType).toBe('blob');
    socket.send(new Uint8Array([1, 2, 3]));
    await waitUntil('echo', () => inbox.length);
    expect(inbox[0]).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await (inbox[0] as Blob).arrayBuffer())]).toEqual([1, 2, 3]);
  });

  it('a refused connect ends the attempt at once, not at connectionTimeout', async () => {
    const port = await refusedPort();
    const t = Date.now();
    const socket = ours(cleanup, `ws://127.0.0.1:${port}`, { WebSocket, connectionTimeout: 5_000 });
    let closedAt = 0;
    socket.addEventListener('close', () => (closedAt ||= Date.now()));
    await waitUntil('close', () => closedAt, { timeout: 6_000 });
    expect(closedAt - t).toBeLessThan(1_000);
  });
});

describe("Node 20's global WebSocket (undici 6): error, and never close, for a failed connect", () => {
  it('ends the attempt at once all the same: error, close 1006, retry, well before connectionTimeout (5 s)', async () => {
    const port = await refusedPort();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--experimental-websocket',
        '--import',
        'tsx',
        'test/integration/fixtures/global-websocket-refused.mts',
        String(port),
      ],
      { timeout: 20_000 },
    );
    const seen = JSON.parse(stdout) as Array<{ type: string; at: number; message?: string; code?: number }>;
    expect(seen.map((e) => e.type).slice(0, 3)).toEqual(['error', 'close', 'reconnecting']);
    expect(seen[0]?.message).not.toBe('');
    expect(seen[1]?.code).toBe(1006);
    expect(seen[2]?.at).toBeLessThan(2_000);
  });
});

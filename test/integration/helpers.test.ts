// The fault proxy and the test server are test code too: these check that each fault mode does
// what the other integration tests rely on, with a plain `ws` client.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Cleanup, startRig, waitUntil } from '../helpers/harness';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function connect(url: string): Promise<{ ws: WebSocket; inbox: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const inbox: string[] = [];
    cleanup.add(() => ws.terminate());
    ws.on('message', (data) => inbox.push(String(data)));
    ws.once('open', () => resolve({ ws, inbox }));
    ws.once('error', reject);
  });
}

describe('fault proxy and test server', () => {
  it('passes traffic through, echoes text and answers ping with pong', async () => {
    const rig = await startRig();
    cleanup.add(() => rig.server.close());
    cleanup.add(() => rig.proxy.close());
    const { ws, inbox } = await connect(rig.url());
    ws.send('hello');
    ws.send('ping');
    await waitUntil('echo and pong', () => inbox.length >= 2);
    expect(inbox).toEqual(['hello', 'pong']);
    expect(rig.server.texts('c1')).toEqual(['hello', 'ping']);
    expect(rig.proxy.live).toBe(1);
    expect(rig.server.maxLive('c1')).toBe(1);
  });

  it('refuse mode resets new connections and leaves current ones working', async () => {
    const rig = await startRig();
    cleanup.add(() => rig.server.close());
    cleanup.add(() => rig.proxy.close());
    const { ws, inbox } = await connect(rig.url());
    rig.proxy.setMode('refuse');
    await expect(connect(rig.url('c2'))).rejects.toThrow();
    ws.send('still here');
    await waitUntil('echo', () => inbox.length >= 1);
    expect(inbox).toEqual(['still here']);
    expect(rig.proxy.stats().refused).toBe(1);
  });

  it('reset mode kills current connections at once', async () => {
    const rig = await startRig();
    cleanup.add(() => rig.server.close());
    cleanup.add(() => rig.proxy.close());
    const { ws } = await connect(rig.url());
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    rig.proxy.setMode('reset');
    expect(await closed).toBe(1006);
    await waitUntil('server side closed', () => rig.server.live().length === 0);
    await expect(connect(rig.url())).rejects.toThrow();
    rig.proxy.setMode('pass');
    await connect(rig.url());
  });

  it('blackhole mode keeps both sockets open and drops every byte; new links work after pass', async () => {
    const rig = await startRig();
    cleanup.add(() => rig.server.close());
    cleanup.add(() => rig.proxy.close());
    const { ws, inbox } = await connect(rig.url());
    rig.proxy.setMode('blackhole');
    ws.send('into the void');
    rig.server.live()[0]!.ws.send('from the server');
    await waitUntil('bytes dropped', () => rig.proxy.stats().droppedBytes > 0);
    rig.proxy.setMode('pass');
    ws.send('still void');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(inbox).toEqual([]);
    expect(rig.server.texts()).toEqual([]);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(rig.server.live()).toHaveLength(1);
    const fresh = await connect(rig.url('c2'));
    fresh.ws.send('works');
    await waitUntil('echo on the new link', () => fresh.inbox.length >= 1);
    expect(fresh.inbox).toEqual(['works']);
  });

  it('a stopped server refuses through the proxy and accepts again on the same port after start', async () => {
    const rig = await startRig();
    cleanup.add(() => rig.server.close());
    cleanup.add(() => rig.proxy.close());
    const { ws } = await connect(rig.url());
    const port = rig.server.port;
    const closed = new Promise((resolve) => ws.once('close', resolve));
    await rig.server.stop();
    await closed;
    await expect(connect(rig.url())).rejects.toThrow();
    await rig.server.start();
    expect(rig.server.port).toBe(port);
    const again = await connect(rig.url());
    again.ws.send('back');
    await waitUntil('echo', () => again.inbox.length >= 1);
    expect(rig.server.connections).toHaveLength(2);
  });

  it('sends server heartbeats and counts the acks', async () => {
    const rig = await startRig({ heartbeat: { interval: 30 } });
    cleanup.add(() => rig.server.close());
    cleanup.add(() => rig.proxy.close());
    const { ws, inbox } = await connect(rig.url());
    ws.on('message', (data) => {
      if (String(data) === '{"type":"heartbeat"}') ws.send('{"type":"heartbeat_ack"}');
    });
    await waitUntil('three acks', () => rig.server.connections[0]!.heartbeatAcks >= 3);
    expect(inbox.every((m) => m === '{"type":"heartbeat"}')).toBe(true);
  });

  it('counts two sockets of one client key as two live at once, and other keys apart', async () => {
    const rig = await startRig();
    cleanup.add(() => rig.server.close());
    cleanup.add(() => rig.proxy.close());
    const first = await connect(rig.url('a'));
    await connect(rig.url('b'));
    expect(rig.server.maxLive('a')).toBe(1);
    await connect(rig.url('a'));
    expect(rig.server.maxLive('a')).toBe(2);
    first.ws.close();
    await waitUntil('first gone', () => rig.server.live('a').length === 1);
    await connect(rig.url('a'));
    expect(rig.server.maxLive('a')).toBe(2);
    expect(rig.server.maxLive('b')).toBe(1);
    expect(rig.server.live()).toHaveLength(3);
  });
});

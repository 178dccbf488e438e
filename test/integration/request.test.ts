// heartbeat-ws/request against a real `ws` server on 127.0.0.1, real timers: requests answered
// out of order, a server that is down then up, the replay of a request a dead link swallowed,
// and no unhandled rejection on any path.
import { afterEach, describe, expect, it } from 'vitest';
import { requests } from '../../src/request/index';
import { Cleanup, sleep, waitUntil } from '../helpers/harness';
import { startTestServer, type TestServer } from '../helpers/ws-server';
import { ours } from './ours';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/**
 * A JSON request server: answers `{ id, n }` with `{ id, double }` after 0-20 ms (so replies
 * overtake one another), pongs pings, and records every request id it saw. `answer: false`
 * reads requests and answers none.
 */
async function rpcServer(options: { answer?: boolean } = {}) {
  const ids: string[] = [];
  const server: TestServer = await startTestServer({
    maxLifetimeMs: 25_000,
    onConnection: (conn) => {
      conn.ws.on('message', (raw) => {
        const text = raw.toString();
        if (text === 'ping') return conn.ws.send('pong');
        if (!text.startsWith('{')) return;
        const { id, n } = JSON.parse(text) as { id: string; n: number };
        ids.push(id);
        if (options.answer !== false)
          setTimeout(() => conn.ws.send(JSON.stringify({ id, double: n * 2 })), Math.random() * 20);
      });
      return false;
    },
  });
  cleanup.add(() => server.close());
  return { server, ids };
}

describe('requests() against a real server', () => {
  it('1,000 concurrent requests each get their own reply, and none reaches the message listeners', async () => {
    const { server } = await rpcServer();
    const socket = ours(cleanup, server.url);
    const messages: unknown[] = [];
    socket.addEventListener('message', (e) => messages.push(e.data));
    const api = requests(socket, { timeout: 15_000 });
    cleanup.add(() => api.dispose());
    // Made at once, before the socket opened: they wait in the queue and go out on open.
    const replies = Array.from({ length: 1000 }, (_, n) => api.request<{ double: number }>({ n }));
    const answers = await Promise.all(replies);
    expect(answers.map((a) => a.double)).toEqual(Array.from({ length: 1000 }, (_, n) => n * 2));
    expect(messages).toEqual([]);
  });

  it('requests made while the server is down go out when it is back, and resolve', async () => {
    const { server, ids } = await rpcServer();
    const socket = ours(cleanup, server.url);
    const api = requests(socket, { timeout: 15_000 });
    cleanup.add(() => api.dispose());
    await expect(api.request({ n: 1 })).resolves.toMatchObject({ double: 2 });
    await server.stop();
    await waitUntil('the socket to see the server gone', () => socket.state === 'reconnecting');
    const replies = Array.from({ length: 50 }, (_, n) => api.request<{ double: number }>({ n }));
    await sleep(300); // several failed attempts against the refused port
    expect(ids).toHaveLength(1);
    await server.start();
    const answers = await Promise.all(replies);
    expect(answers.map((a) => a.double)).toEqual(Array.from({ length: 50 }, (_, n) => n * 2));
  });

  it('with replayUnconfirmed, a request a dead link swallowed reaches the server twice with one id, and resolves once', async () => {
    const ids: string[] = [];
    const server = await startTestServer({
      maxLifetimeMs: 25_000,
      onConnection: (conn) => {
        // The first connection goes dead on the request: neither answered nor any ping after it
        // (a pong would prove the request arrived).
        let dead = false;
        conn.ws.on('message', (raw) => {
          const text = raw.toString();
          if (dead) return;
          if (text === 'ping') return conn.ws.send('pong');
          const { id } = JSON.parse(text) as { id: string };
          ids.push(id);
          if (conn.id === 1) dead = true;
          // A server that answers by id: every copy gets the same answer.
          else conn.ws.send(JSON.stringify({ id, ok: true }));
        });
        return false;
      },
    });
    cleanup.add(() => server.close());
    const socket = ours(cleanup, server.url, { heartbeat: { interval: 200, timeout: 300 }, replayUnconfirmed: true });
    const messages: unknown[] = [];
    socket.addEventListener('message', (e) => messages.push(e.data));
    const api = requests(socket, { timeout: 15_000 });
    cleanup.add(() => api.dispose());
    let resolutions = 0;
    const reply = api.request({ op: 'charge' }).then((r) => (resolutions++, r));
    await expect(reply).resolves.toMatchObject({ ok: true });
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    await sleep(100);
    expect([resolutions, messages]).toEqual([1, []]);
  });

  it('leaves no unhandled rejection on any path: timeout, abort, drop, dispose, and a request after dispose', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanup.add(() => process.off('unhandledRejection', onUnhandled));
    const { server } = await rpcServer({ answer: false });
    const socket = ours(cleanup, server.url, { maxEnqueuedMessages: 4 });
    const api = requests(socket, { timeout: 200 });
    const controller = new AbortController();
    const outcomes = [
      api.request({ n: 1 }), // times out
      api.request({ n: 2 }, { signal: controller.signal }), // aborted
      api.deliver('x'), // written
      api.request({ n: 3 }, { timeout: 60_000 }), // disposed
      api.deliver('overflow'), // dropped: the queue holds 3
    ].map((p) => p.then(String, (error: Error) => error.name));
    controller.abort();
    await sleep(400);
    api.dispose();
    outcomes.push(api.request({ n: 4 }).then(String, (error: Error) => error.name));
    expect(await Promise.all(outcomes)).toEqual([
      'TimeoutError',
      'AbortError',
      'written',
      'AbortError',
      'DropError',
      'AbortError',
    ]);
    await sleep(50); // unhandled rejections are reported after the microtasks drain
    expect(unhandled).toEqual([]);
  });
});

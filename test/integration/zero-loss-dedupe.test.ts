// The server-side dedupe rule of docs/zero-loss.md and docs/recipes.md, against a real replay:
// what an `open` listener sends (a handshake, a resubscribe) goes out before the replayed
// messages, so ids of one client do not arrive in increasing order, and "drop a seq not above
// the highest seen" would throw a replayed message away. The documented rule keeps it.
import { afterEach, expect, it } from 'vitest';
import { Cleanup, waitUntil } from '../helpers/harness';
import { startTestServer } from '../helpers/ws-server';
import { ours } from './ours';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** As docs/zero-loss.md: every seq up to `upTo` processed, plus those in `above`. */
const seen = new Map<string, { upTo: number; above: Set<number> }>();
function firstTime(client: string, seq: number): boolean {
  let s = seen.get(client);
  if (!s) seen.set(client, (s = { upTo: 0, above: new Set() }));
  if (seq <= s.upTo || s.above.has(seq)) return false;
  s.above.add(seq);
  while (s.above.delete(s.upTo + 1)) s.upTo++;
  return true;
}

it('a message swallowed by a dead link is replayed after what the open listener sends, and the documented dedupe keeps it, once', async () => {
  const arrived: string[][] = [];
  const handled: string[] = [];
  const server = await startTestServer({
    maxLifetimeMs: 20_000,
    onConnection: (conn) => {
      const mine: string[] = [];
      arrived.push(mine);
      conn.ws.on('message', (raw) => {
        const text = raw.toString();
        if (text === 'ping') return conn.ws.send('pong');
        mine.push(text);
        const [seq, body] = text.split('|') as [string, string];
        if (firstTime('c', Number(seq))) handled.push(body);
        // The first connection goes half-open after the subscribe: nothing more is read or
        // answered, so what the client writes next stays unconfirmed.
        if (conn.id === 1) (conn.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      });
      return false;
    },
  });
  cleanup.add(() => server.close());
  const socket = ours(cleanup, server.url, {
    heartbeat: { interval: 200, timeout: 300 },
    replayUnconfirmed: true,
    stamp: (data, seq) => `${seq}|${String(data)}`,
  });
  socket.addEventListener('open', () => socket.send('subscribe'));
  await waitUntil('the subscribe at the server', () => arrived[0]?.length === 1);
  socket.send('order #1');
  // Heartbeat timeout (≤ 500 ms), reconnect, replay: generous bounds for a loaded machine.
  await waitUntil('the order handled', () => handled.includes('order #1'), { timeout: 10_000 });
  // On the new connection the open listener's message came first, then the replay of all the
  // dead link left unconfirmed: "not above the highest seq seen" would have dropped the order.
  expect(arrived[1]?.slice(0, 3)).toEqual(['3|subscribe', '1|subscribe', '2|order #1']);
  expect(handled.filter((b) => b === 'order #1')).toEqual(['order #1']);
  expect(handled.filter((b) => b === 'subscribe')).toHaveLength(2);
});

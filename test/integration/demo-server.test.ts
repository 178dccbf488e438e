// The demo server's side of at-least-once delivery: it drops replayed duplicates by their
// stamped id, as the README's dedupe recipe does, and echoes each message once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type DemoServer, startDemoServer } from '../../demo/demo-server';
import { waitUntil } from '../helpers/harness';

let server: DemoServer;
beforeAll(async () => {
  server = await startDemoServer({ port: 0, wsPort: 0, maxMinutes: 1, idleMinutes: 1 });
});
afterAll(() => server.close());

it('echoes a stamped message once and counts the replayed copies as duplicates', async () => {
  const ws = new WebSocket(server.wsUrl);
  const echoes: string[] = [];
  ws.on('message', (data) => echoes.push(String(data)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const stamped = (seq: number, body: string) => JSON.stringify({ id: `page-1:${seq}`, body });
  // 1 and 2 arrive, the link "dies", 2 is replayed before 3.
  for (const frame of [stamped(1, 'a'), stamped(2, 'b'), stamped(2, 'b'), stamped(3, 'c'), 'plain']) ws.send(frame);
  await waitUntil('four echoes', () => echoes.length >= 4, { timeout: 3_000 });
  await new Promise((r) => setTimeout(r, 200));
  expect(echoes).toEqual(['a', 'b', 'c', 'plain']);
  expect(server.status().counts.duplicates).toBe(1);
  ws.close();
});

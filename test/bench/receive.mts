/**
 * The receive path with a declarative `isPong` against the function form (issue #11): the cost
 * of parsing every inbound text message once for a JSON pattern.
 *
 *   npm run bench:receive
 *
 * A `ws` server in a child process (its CPU on the other core) bursts COUNT application messages
 * (`{"type":"tick",…}`, the send bench's message) at one HeartbeatSocket, then `done`. The client's
 * CPU time (process.cpuUsage) from the request to `done` is the measure; every variant runs RUNS
 * times in rotated order, and the medians are compared:
 *
 * - `off`: no heartbeat (the floor);
 * - `function`: `isPong: d => d === '{"type":"pong"}'`, the cheapest function a JSON protocol allows;
 * - `function+parse`: `isPong: d => JSON.parse(d).type === 'pong'` guarded by try (what users write);
 * - `declarative`: `isPong: { type: 'pong' }`.
 *
 * Target: declarative ≤ 1.1× function.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { HeartbeatSocket, type HeartbeatOptions } from '../../src/index';

const COUNT = 100_000;
const RUNS = 7;
const MSG = '{"type":"tick","seq":1234567890}';

if (process.argv[2] === 'server') {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('listening', () => process.send?.({ port: (wss.address() as { port: number }).port }));
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      const n = Number(String(data));
      for (let i = 0; i < n; i++) ws.send(MSG);
      ws.send('done');
    }),
  );
  process.on('disconnect', () => process.exit(0));
  setTimeout(() => process.exit(0), 600_000).unref();
} else {
  const child = fork(fileURLToPath(import.meta.url), ['server'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m) => resolve((m as { port: number }).port)),
  );

  const VARIANTS: Record<string, HeartbeatOptions | false> = {
    off: false,
    function: { interval: 3_600_000, isPong: (d) => d === '{"type":"pong"}' },
    'function+parse': {
      interval: 3_600_000,
      isPong: (d) => {
        try {
          return JSON.parse(d as string).type === 'pong';
        } catch {
          return false;
        }
      },
    },
    declarative: { interval: 3_600_000, isPong: { type: 'pong' } },
  };

  const run = async (heartbeat: HeartbeatOptions | false): Promise<number> => {
    const socket = new HeartbeatSocket(`ws://127.0.0.1:${port}/`, undefined, {
      WebSocket,
      heartbeat,
      lifecycle: false,
    });
    await new Promise((r) => socket.addEventListener('open', r, { once: true }));
    let received = 0;
    socket.addEventListener('message', () => received++);
    const done = new Promise<void>((resolve) =>
      socket.addEventListener('message', (e) => e.data === 'done' && resolve()),
    );
    const cpu = process.cpuUsage();
    socket.send(String(COUNT));
    await done;
    const used = process.cpuUsage(cpu);
    socket.close();
    if (received !== COUNT + 1) throw new Error(`received ${received} of ${COUNT + 1}`);
    return (used.user + used.system) / 1000;
  };

  const times: Record<string, number[]> = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, []]));
  const names = Object.keys(VARIANTS);
  await run(false); // warm-up
  for (let r = 0; r < RUNS; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length] as string;
      times[name]?.push(await run(VARIANTS[name] as HeartbeatOptions | false));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
  const m = Object.fromEntries(names.map((n) => [n, median(times[n] as number[])]));
  console.log(`receive ${COUNT.toLocaleString('en')} messages, client CPU ms, median of ${RUNS}:`);
  for (const n of names) console.log(`  ${n.padEnd(15)} ${(m[n] as number).toFixed(0).padStart(6)} ms`);
  const ratio = (m.declarative as number) / (m.function as number);
  console.log(`declarative / function: ${ratio.toFixed(3)}× (target ≤ 1.1×: ${ratio <= 1.1 ? 'met' : 'NOT met'})`);
  console.log(
    `declarative / function+parse: ${((m.declarative as number) / (m['function+parse'] as number)).toFixed(3)}×`,
  );
  child.disconnect();
}

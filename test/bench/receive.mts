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
 *
 * Beside them, against the raw `ws` client (issue #18; target ≤ 1.05×):
 *
 * - `raw`: the `ws` package's WebSocket, its listeners added with addEventListener as ours are;
 * - `default`: `HeartbeatSocket` without heartbeat options (a ping every 25 s: none in a trial);
 * - `heartbeat`: a ping every 250 ms, answered by the server, so pings and pongs run meanwhile;
 * - `replay`: the same with `replayUnconfirmed`.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { HeartbeatSocket, type HeartbeatOptions } from '../../src/index';

const COUNT = Number(process.env.COUNT || 100_000);
const RUNS = Number(process.env.RUNS || 7);
const MSG = '{"type":"tick","seq":1234567890}';

if (process.argv[2] === 'server') {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('listening', () => process.send?.({ port: (wss.address() as { port: number }).port }));
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      if (String(data) === 'ping') return ws.send('pong');
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

  const HB = { interval: 250, timeout: 60_000 };
  type Variant = { heartbeat?: HeartbeatOptions | false; replayUnconfirmed?: boolean } | 'raw';
  const VARIANTS: Record<string, Variant> = {
    raw: 'raw',
    default: {},
    heartbeat: { heartbeat: HB },
    replay: { heartbeat: HB, replayUnconfirmed: true },
    off: { heartbeat: false },
    function: { heartbeat: { interval: 3_600_000, isPong: (d) => d === '{"type":"pong"}' } },
    'function+parse': {
      heartbeat: {
        interval: 3_600_000,
        isPong: (d) => {
          try {
            return JSON.parse(d as string).type === 'pong';
          } catch {
            return false;
          }
        },
      },
    },
    declarative: { heartbeat: { interval: 3_600_000, isPong: { type: 'pong' } } },
  };

  const run = async (variant: Variant): Promise<number> => {
    const url = `ws://127.0.0.1:${port}/`;
    /** What the trial uses of either client. */
    type Client = {
      addEventListener(type: string, fn: (e: { data: unknown }) => unknown, options?: { once: boolean }): void;
      send(data: string): void;
      close(): void;
    };
    const socket = (variant === 'raw'
      ? new WebSocket(url)
      : new HeartbeatSocket(url, undefined, { WebSocket, lifecycle: false, ...variant })) as unknown as Client;
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
  for (const name of names) await run(VARIANTS[name] as Variant); // warm-up
  for (let r = 0; r < RUNS; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length] as string;
      times[name]?.push(await run(VARIANTS[name] as Variant));
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
  for (const n of ['default', 'heartbeat', 'replay']) {
    const r = (m[n] as number) / (m.raw as number);
    console.log(`${n} / raw ws: ${r.toFixed(3)}× (target ≤ 1.05×: ${r <= 1.05 ? 'met' : 'NOT met'})`);
  }
  child.disconnect();
}

/**
 * `npm run demo`: starts the demo server on 127.0.0.1 and prints its URL.
 *
 * Environment:
 * - `PORT` (default 8080): the page and its API; `0` picks a free port.
 * - `WS_PORT` (default PORT + 1): the WebSocket endpoint; `0` picks a free port.
 * - `DEMO_MAX_MINUTES` (default 60): the process stops by itself after this long.
 * - `DEMO_IDLE_MINUTES` (default 15): ... or after this long with no request and no connection.
 */
import { startDemoServer } from './demo-server';

function minutes(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`${name} must be a positive number of minutes, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

function portOf(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name} must be a port number (0 = any free port), got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

async function main() {
  const port = portOf('PORT', 8080);
  const wsPort = portOf('WS_PORT', port === 0 ? 0 : port + 1);
  const maxMinutes = minutes('DEMO_MAX_MINUTES', 60);
  const idleMinutes = minutes('DEMO_IDLE_MINUTES', 15);
  const quiet = process.env.DEMO_QUIET === '1';
  let server;
  try {
    server = await startDemoServer({
      port,
      wsPort,
      maxMinutes,
      idleMinutes,
      log: quiet ? undefined : (line) => console.log(`  ${line}`),
      onExpire: (why) => {
        console.log(`heartbeat-ws demo: stopped (${why}).`);
        process.exit(0);
      },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      console.error(`heartbeat-ws demo: a port is taken (${e.message}). Try PORT=0 npm run demo, or another PORT.`);
      process.exit(1);
    }
    throw err;
  }
  console.log(`heartbeat-ws demo: open ${server.url}`);
  console.log(`  WebSocket endpoint ${server.wsUrl} (127.0.0.1 only)`);
  console.log(
    `  stops by itself after ${maxMinutes} min, or ${idleMinutes} idle min (DEMO_MAX_MINUTES, DEMO_IDLE_MINUTES); Ctrl-C to stop now`,
  );
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();

/**
 * Pieces the bench shares: the sink server in its child process, the three kinds of client
 * behind one small interface, timing and statistics helpers.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import ReconnectingWebSocket from 'reconnecting-websocket';
import { WebSocket as WS } from 'ws';
import type * as Ours from '../../src/index';
import type { Command, Reply } from './server.mjs';

export const now = (): number => performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const gcFn = (globalThis as { gc?: () => void }).gc;

/** Full collections until the heap settles; needs `node --expose-gc`. */
export async function collect(): Promise<number> {
  if (!gcFn) throw new Error('run the bench with node --expose-gc');
  await sleep(50);
  for (let i = 0; i < 3; i++) {
    gcFn();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** A forced collection without waiting: before a timed loop, so each loop starts alike. */
export const gcNow = (): void => gcFn?.();

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Rotates `xs` left by `by`: run r of a round uses rotation r, so every kind goes first once. */
export function rotate<T>(xs: readonly T[], by: number): T[] {
  const k = by % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

/** Rejects after `ms` with `what` in the message. */
export function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench: timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- the sink server ----------------------------------------------------------------------

type Body<C> = C extends unknown ? Omit<C, 'id'> : never;

export interface SinkServer {
  readonly port: number;
  readonly url: string;
  call(command: Body<Command>, timeoutMs?: number): Promise<Reply>;
  /** Messages the server has counted (pings aside) since it started. */
  messages(): Promise<number>;
  /** Resolves once the server has counted `total` messages since it started. */
  until(total: number, timeoutMs?: number): Promise<void>;
  /** Resolves once the server has at most / at least `count` open WebSockets. */
  live(op: '>=' | '<=', count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSinkServer(lifetimeMs: number): Promise<SinkServer> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./server.mts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_SERVER_LIFETIME_MS: String(lifetimeMs) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (reply: Reply) => void>();
  let nextId = 1;
  const port = await within(
    'the sink server to listen',
    15_000,
    new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`sink server exited with ${code}`)));
      child.on('message', (message: Reply | { port: number }) => {
        if ('port' in message) return resolve(message.port);
        pending.get(message.id)?.(message);
        pending.delete(message.id);
      });
    }),
  );
  const call = (command: Body<Command>, timeoutMs = 30_000): Promise<Reply> => {
    const id = nextId++;
    const answer = new Promise<Reply>((resolve) => pending.set(id, resolve));
    child.send({ ...command, id });
    return within(`sink server: ${command.cmd}`, timeoutMs, answer).then((reply) => {
      if (!reply.ok) throw new Error(reply.error);
      return reply;
    });
  };
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    call,
    async messages() {
      const reply = await call({ cmd: 'stats' });
      if (!('stats' in reply)) throw new Error('bench: unexpected reply');
      return reply.stats.messages;
    },
    async until(total, timeoutMs = 60_000) {
      await call({ cmd: 'until', total }, timeoutMs);
    },
    async live(op, count, timeoutMs = 30_000) {
      await call({ cmd: 'live', op, count }, timeoutMs);
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await within('the sink server to exit', 5_000, exited).catch(() => child.kill());
    },
  };
}

// ---- clients --------------------------------------------------------------------------------

export type Kind = 'ours' | 'raw' | 'rws';

/** What the bench uses of a client; the three kinds all have it. */
export interface Sock {
  send(data: string): void;
  close(): void;
  readonly readyState: number;
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
}

export type OursModule = typeof Ours;

/** Options of ours, without the WebSocket constructor (always the `ws` package's here). */
export type OursOptions = Omit<Ours.Options, 'WebSocket'>;

/** A `ws` client class: the package's own, or a subclass of it. */
export type WSClass = new (url: string, protocols?: string | string[]) => WS;

export type Factory = (kind: Kind, url: string, options?: OursOptions, Ctor?: WSClass) => Sock;

/**
 * Makes clients of each kind. `ours` comes from the built dist; `raw` is the `ws` client;
 * `rws` is reconnecting-websocket with its defaults. `Ctor` swaps the `ws` class (a subclass
 * that hooks the socket's events).
 */
export const clientFactory =
  (ours: OursModule): Factory =>
  (kind, url, options = {}, Ctor: WSClass = WS) => {
    if (kind === 'raw') {
      const ws = new Ctor(url);
      // Without an error listener the `ws` package throws; the bench watches close instead.
      ws.on('error', () => {});
      return ws as unknown as Sock;
    }
    if (kind === 'rws') return new ReconnectingWebSocket(url, [], { WebSocket: Ctor }) as unknown as Sock;
    return new ours.HeartbeatSocket(url, undefined, {
      ...options,
      WebSocket: Ctor as unknown as Ours.WebSocketConstructor,
    }) as unknown as Sock;
  };

/** Resolves at the next `type` event of `sock`. */
export const once = (sock: Sock, type: string): Promise<Event> =>
  new Promise((resolve) => {
    const listener = (event: Event): void => {
      sock.removeEventListener(type, listener);
      resolve(event);
    };
    sock.addEventListener(type, listener);
  });

/** Opens `count` clients, `batch` at a time (so the listen backlog never overflows). */
export async function openMany(make: () => Sock, count: number, batch = 100): Promise<Sock[]> {
  const socks: Sock[] = [];
  while (socks.length < count) {
    const round = Array.from({ length: Math.min(batch, count - socks.length) }, make);
    socks.push(...round);
    await within('clients to open', 20_000, Promise.all(round.map((s) => once(s, 'open'))));
  }
  return socks;
}

/** Closes every client and resolves once each has fired its close event. */
export async function closeAll(socks: Sock[]): Promise<void> {
  const closed = socks.map((s) => (s.readyState === 3 ? undefined : once(s, 'close')));
  for (const s of socks) s.close();
  await within('clients to close', 20_000, Promise.all(closed));
}

/** The most values of `sorted` (ascending) within any window of `width`. */
export function peakInWindow(sorted: readonly number[], width: number): number {
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) >= width) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

// ---- formatting ---------------------------------------------------------------------------

export const ms = (x: number): string => `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : Math.round(x)} ms`;
export const times = (x: number): string => `${x.toFixed(2)}×`;
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} kB`;
export const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
export const int = (x: number): string => Math.round(x).toLocaleString('en-US');

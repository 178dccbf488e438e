/**
 * The interop suite, run against each foreign server stack (python-server.py, faye-server.cjs):
 * a server process we did not write the WebSocket side of, on 127.0.0.1, that exits when its
 * stdin closes. Each stack is checked with the articles' JSON protocol and with plain ping/pong:
 * heartbeats answered without leaking into `message`, a restart with queued sends delivered in
 * order, a frozen server (SIGSTOP) detected by the heartbeat, and recovery after SIGCONT.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { HeartbeatSocket, type Options } from '../../src/index';
import { requests } from '../../src/request/index';

/** How to start one server of a stack: command and arguments before MODE and PORT. */
export interface Stack {
  name: string;
  command: string;
  args: string[];
  /** Why the stack cannot run here, or undefined when it can. */
  missing(): string | undefined;
  fix: string;
}

/** The server's heartbeat period in `json` mode, ms. */
const HB = 150;

interface Server {
  port: number;
  lines: string[];
  proc: ChildProcessWithoutNullStreams;
  count(line: string): number;
  /** Resolves once `check(lines)` holds; rejects after `timeout` ms. */
  until(what: string, check: (lines: string[]) => boolean, timeout?: number): Promise<void>;
  stop(): Promise<void>;
}

function start(stack: Stack, mode: 'json' | 'pong', port = 0): Promise<Server> {
  const proc = spawn(stack.command, [...stack.args, mode, String(port)], {
    env: { ...process.env, HB: String(HB), TTL: '90' },
  });
  const lines: string[] = [];
  let buffered = '';
  const waiters = new Set<() => void>();
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters) w();
  });
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const until = (what: string, check: (l: string[]) => boolean, timeout = 10_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const test = () => {
        if (!check(lines)) return;
        clearTimeout(timer);
        waiters.delete(test);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(test);
        reject(
          new Error(`${stack.name}: timed out waiting for ${what}; server said ${JSON.stringify(lines)} ${stderr}`),
        );
      }, timeout);
      waiters.add(test);
      test();
    });
  const server: Server = {
    port: 0,
    lines,
    proc,
    count: (line) => lines.filter((l) => l === line).length,
    until,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGCONT');
        proc.kill('SIGKILL');
      }
      await exited;
    },
  };
  return until('its port', (l) => l.some((x) => x.startsWith('PORT ')), 15_000).then(() => {
    server.port = Number(lines.find((x) => x.startsWith('PORT '))?.slice(5));
    return server;
  });
}

/** Everything a socket dispatched, in order. */
function record(socket: HeartbeatSocket) {
  const seen = { messages: [] as unknown[], closes: [] as string[], opens: 0, heartbeats: 0 };
  socket.addEventListener('message', (e) => seen.messages.push(e.data));
  socket.addEventListener('close', (e) => seen.closes.push(`${e.code} ${e.reason}`));
  socket.addEventListener('open', () => seen.opens++);
  socket.addEventListener('heartbeat', () => seen.heartbeats++);
  return seen;
}

const waitFor = async (what: string, check: () => boolean, timeout = 10_000): Promise<void> => {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** The two protocols: what the server speaks, the client's heartbeat for it, and its proof of an answer. */
const PROTOCOLS = [
  {
    name: "the articles' JSON protocol (server pings, expects an ack)",
    mode: 'json' as const,
    heartbeat: {
      interval: 300,
      timeout: 300,
      ping: false,
      isServerPing: { type: 'heartbeat' },
      serverPingReply: { type: 'heartbeat_ack' },
    },
    answered: (server: Server) => server.count('ACK'),
  },
  {
    name: 'plain ping/pong (client pings, server answers)',
    mode: 'pong' as const,
    heartbeat: { interval: 150, timeout: 300 },
    answered: (_server: Server, seen: ReturnType<typeof record>) => seen.heartbeats,
  },
] satisfies { name: string; mode: string; heartbeat: Options['heartbeat']; answered: unknown }[];

export function interopSuite(stack: Stack): void {
  const missing = stack.missing();
  if (missing && process.env.CI === 'true') {
    throw new Error(`${stack.name}: ${missing}; CI=true, so a missing server stack is a failure. ${stack.fix}`);
  }
  if (missing) console.warn(`[interop] SKIPPED ${stack.name}: ${missing}. ${stack.fix}`);

  describe.skipIf(missing !== undefined)(`interop with ${stack.name}`, () => {
    const cleanup: (() => unknown)[] = [];
    afterEach(async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn();
    });

    const setUp = async (protocol: (typeof PROTOCOLS)[number], port = 0) => {
      const server = await start(stack, protocol.mode, port);
      cleanup.push(() => server.stop());
      return server;
    };

    const connect = (server: Server, protocol: (typeof PROTOCOLS)[number]) => {
      const socket = new HeartbeatSocket(`ws://127.0.0.1:${server.port}/`, undefined, {
        WebSocket,
        heartbeat: protocol.heartbeat,
        minReconnectionDelay: 100,
        maxReconnectionDelay: 300,
        connectionTimeout: 1_000,
        lifecycle: false,
      });
      cleanup.push(() => socket.close());
      return { socket, seen: record(socket) };
    };

    for (const protocol of PROTOCOLS) {
      describe(protocol.name, () => {
        it('answers heartbeats, and none of them reaches message listeners', async () => {
          const server = await setUp(protocol);
          const { socket, seen } = connect(server, protocol);
          await waitFor('open', () => seen.opens === 1);
          socket.send('hello');
          await waitFor('four answered heartbeats', () => protocol.answered(server, seen) >= 4);
          await server.until('the echo', (l) => l.includes('MSG hello'));
          await waitFor('the echo back', () => seen.messages.length === 1);
          expect(seen.messages).toEqual(['hello']);
          expect(server.count('DROP')).toBe(0);
          expect(server.count('OPEN')).toBe(1);
          expect(seen.closes).toEqual([]);
        });

        it('delivers what was queued while the server restarted, in order', async () => {
          const first = await setUp(protocol);
          const { socket, seen } = connect(first, protocol);
          await waitFor('open', () => seen.opens === 1);
          await first.stop();
          await waitFor('the close', () => seen.closes.length >= 1);
          for (const m of ['one', 'two', 'three']) socket.send(m);
          const second = await setUp(protocol, first.port);
          await second.until('the queued messages', (l) => l.filter((x) => x.startsWith('MSG ')).length >= 3);
          expect(second.lines.filter((x) => x.startsWith('MSG '))).toEqual(['MSG one', 'MSG two', 'MSG three']);
          await waitFor('their echoes', () => seen.messages.length >= 3);
          expect(seen.messages).toEqual(['one', 'two', 'three']);
          await waitFor('an answered heartbeat on the new server', () => protocol.answered(second, seen) >= 1);
        });

        it('answers requests (heartbeat-ws/request): each its own reply, none as a message, one made while down too', async () => {
          const first = await setUp(protocol);
          const { socket, seen } = connect(first, protocol);
          const api = requests(socket, { timeout: 10_000 });
          cleanup.push(() => api.dispose());
          const replies = Array.from({ length: 100 }, (_, n) => api.request<{ result: string }>({ method: `m${n}` }));
          const answers = await Promise.all(replies);
          expect(answers.map((a) => a.result)).toEqual(Array.from({ length: 100 }, (_, n) => `M${n}`));
          // The server logs each request on stdout before it answers, but stdout is a pipe read
          // apart from the socket: the last reply can arrive before its log line does.
          const logged = (l: string[]) => l.filter((x) => x.startsWith('REQ ')).length;
          await first.until('the server’s log of all 100 requests', (l) => logged(l) >= 100);
          expect(logged(first.lines)).toBe(100);
          await first.stop();
          await waitFor('the close', () => seen.closes.length >= 1);
          const later = api.request<{ result: string }>({ method: 'later' });
          await setUp(protocol, first.port);
          await expect(later).resolves.toMatchObject({ result: 'LATER' });
          expect(seen.messages).toEqual([]);
        });

        it('detects a frozen server (SIGSTOP) by the heartbeat, and recovers after SIGCONT', async () => {
          const server = await setUp(protocol);
          const { seen } = connect(server, protocol);
          await waitFor('open', () => seen.opens === 1);
          await waitFor('an answered heartbeat', () => protocol.answered(server, seen) >= 1);
          server.proc.kill('SIGSTOP');
          const frozenAt = Date.now();
          await waitFor('the heartbeat timeout', () => seen.closes.length >= 1, 5_000);
          const detectedIn = Date.now() - frozenAt;
          expect(seen.closes[0]).toBe('1006 heartbeat timeout');
          // Either way a link is judged dead after interval + timeout of silence at most.
          expect(detectedIn).toBeLessThan(300 + 300 + 1_500);
          server.proc.kill('SIGCONT');
          await waitFor('a new connection', () => seen.opens >= 2, 15_000);
          const before = protocol.answered(server, seen);
          await waitFor('heartbeats answered again', () => protocol.answered(server, seen) >= before + 2, 10_000);
        });
      });
    }
  });
}

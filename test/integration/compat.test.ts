// The same scenarios against heartbeat-ws, reconnecting-websocket and partysocket's
// ReconnectingWebSocket (all on the `ws` package): they agree, except where docs/migration.md
// says they differ, and those differences are asserted too.
import net from 'node:net';
import PartySocket from 'partysocket/ws';
import RWS from 'reconnecting-websocket';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket as WS } from 'ws';
import { HeartbeatSocket, type WebSocketConstructor } from '../../src/index';
import { captureProcessErrors, Cleanup, sleep, waitUntil } from '../helpers/harness';
import { startTestServer, type TestServer } from '../helpers/ws-server';

const cleanup = new Cleanup();
// reconnecting-websocket lets the `ws` package throw 'WebSocket was closed before the connection
// was established' as an uncaught error when it is closed while CONNECTING (it removes its
// listeners first): counted here, never failed on, so the peers can be run at all.
let peerErrors: ReturnType<typeof captureProcessErrors> | undefined;
beforeEach(() => {
  peerErrors = captureProcessErrors();
});
afterEach(async () => {
  await cleanup.run();
  await sleep(20);
  peerErrors?.restore();
});

type Kind = 'heartbeat-ws' | 'reconnecting-websocket' | 'partysocket';
const KINDS: Kind[] = ['heartbeat-ws', 'reconnecting-websocket', 'partysocket'];

/** What the three have in common, as code written for reconnecting-websocket uses it. */
interface Client {
  readonly url: string;
  readonly readyState: number;
  binaryType: BinaryType;
  send(data: unknown): unknown;
  close(code?: number, reason?: string): void;
  reconnect(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: never) => void): void;
  removeEventListener(type: string, listener: (event: never) => void): void;
}

function make(kind: Kind, url: string, options: Record<string, unknown> = {}): Client {
  const common = { minReconnectionDelay: 50, maxReconnectionDelay: 100, connectionTimeout: 1_000, ...options };
  const client =
    kind === 'heartbeat-ws'
      ? new HeartbeatSocket(url, undefined, {
          ...common,
          jitter: 0,
          lifecycle: false,
          WebSocket: WS as unknown as WebSocketConstructor,
        })
      : kind === 'reconnecting-websocket'
        ? new RWS(url, undefined, { ...common, WebSocket: WS })
        : new PartySocket(url, undefined, { ...common, WebSocket: WS });
  cleanup.add(() => client.close());
  return client as unknown as Client;
}

const next = <E = Event>(client: Client, type: string): Promise<E> =>
  new Promise((resolve) => {
    const once = (event: E) => {
      client.removeEventListener(type, once as never);
      resolve(event);
    };
    client.addEventListener(type, once as never);
  });

async function server(): Promise<TestServer> {
  const s = await startTestServer();
  cleanup.add(() => s.close());
  return s;
}

async function refusedUrl(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return `ws://127.0.0.1:${port}`;
}

async function silentUrl(): Promise<string> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((socket) => sockets.add(socket.on('error', () => {})));
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  cleanup.add(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => s.close(resolve));
  });
  return `ws://127.0.0.1:${(s.address() as net.AddressInfo).port}`;
}

/** Runs `scenario` for each client and returns its results by kind. */
async function each<T>(scenario: (kind: Kind) => Promise<T>): Promise<Record<Kind, T>> {
  const out = {} as Record<Kind, T>;
  for (const kind of KINDS) out[kind] = await scenario(kind);
  return out;
}

const agree = <T>(results: Record<Kind, T>): void => {
  expect(results['reconnecting-websocket']).toEqual(results['heartbeat-ws']);
  expect(results.partysocket).toEqual(results['heartbeat-ws']);
};

describe('heartbeat-ws, reconnecting-websocket and partysocket agree', () => {
  it('on messages both ways, text and binary, and binaryType blob before and after open', async () => {
    const s = await server();
    agree(
      await each(async (kind) => {
        const client = make(kind, s.url);
        const before = client.binaryType;
        await next(client, 'open');
        const after = client.binaryType;
        client.send('hello');
        const text = (await next<MessageEvent>(client, 'message')).data as unknown;
        client.send(new Uint8Array([7, 8]));
        const binary = (await next<MessageEvent>(client, 'message')).data as Blob;
        return {
          before,
          after,
          text,
          binaryIsBlob: binary instanceof Blob,
          bytes: [...new Uint8Array(await binary.arrayBuffer())],
        };
      }),
    );
  });

  it('on { maxReconnectionDelay: 200 } alone: accepted, and retries at most 200 ms apart', async () => {
    const url = await refusedUrl();
    const results = await each(async (kind) => {
      const client = make(kind, url, { minReconnectionDelay: undefined, maxReconnectionDelay: 200 });
      const at: number[] = [];
      client.addEventListener('error', () => at.push(Date.now()));
      await waitUntil('four attempts', () => at.length >= 4, { timeout: 3_000 });
      client.close();
      const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
      return { constructed: true, cappedAt200: Math.max(...gaps) < 200 + 150 };
    });
    agree(results);
    expect(results['heartbeat-ws']).toEqual({ constructed: true, cappedAt200: true });
  });

  it('on error events: TIMEOUT for a connection timeout, the ws error for a refused connection', async () => {
    const silent = await silentUrl();
    const refused = await refusedUrl();
    const results = await each(async (kind) => {
      const timing = make(kind, silent, {
        connectionTimeout: 300,
        minReconnectionDelay: 5_000,
        maxReconnectionDelay: 5_000,
      });
      const timeout = await next<ErrorEvent>(timing, 'error');
      timing.close();
      const refusing = make(kind, refused, { minReconnectionDelay: 5_000, maxReconnectionDelay: 5_000 });
      const refusal = await next<ErrorEvent>(refusing, 'error');
      refusing.close();
      return {
        timeout: timeout.message,
        timeoutError: timeout.error instanceof Error,
        refusal: /ECONNREFUSED/.test(refusal.message),
        refusalError: /ECONNREFUSED/.test(String((refusal.error as Error | undefined)?.message)),
      };
    });
    agree(results);
    expect(results['heartbeat-ws']).toEqual({
      timeout: 'TIMEOUT',
      timeoutError: true,
      refusal: true,
      refusalError: true,
    });
  });

  it('on what is sent while CONNECTING: every message arrives once, in order', async () => {
    const s = await server();
    agree(
      await each(async (kind) => {
        const before = s.connections.length;
        const client = make(kind, `${s.url}/?client=${kind}`);
        client.send('a');
        client.send('b');
        await next(client, 'open');
        await waitUntil('delivered', () => s.connections[before]?.messages.length === 2);
        return s.connections[before]?.messages.map((m) => m.data);
      }),
    );
  });
});

describe('where they differ, as docs/migration.md says', () => {
  it('queued messages go out after the open listeners (handshake first) in heartbeat-ws, before them in the peers', async () => {
    const s = await server();
    const results = await each(async (kind) => {
      const before = s.connections.length;
      const client = make(kind, s.url);
      client.send('queued');
      client.addEventListener('open', () => client.send('auth'));
      await next(client, 'open');
      await waitUntil('delivered', () => s.connections[before]?.messages.length === 2);
      return s.connections[before]?.messages.map((m) => m.data);
    });
    expect(results['heartbeat-ws']).toEqual(['auth', 'queued']);
    expect(results['reconnecting-websocket']).toEqual(['queued', 'auth']);
    expect(results.partysocket).toEqual(['queued', 'auth']);
  });

  it('readyState right after reconnect() is CONNECTING in heartbeat-ws, CLOSING in the peers', async () => {
    const s = await server();
    const results = await each(async (kind) => {
      const client = make(kind, s.url);
      await next(client, 'open');
      client.reconnect();
      const state = client.readyState;
      await next(client, 'open');
      return state;
    });
    expect(results).toEqual({ 'heartbeat-ws': 0, 'reconnecting-websocket': 2, partysocket: 2 });
  });

  it('url is the normalised URL at once in heartbeat-ws; the peers give the socket’s url once there is one', async () => {
    const s = await server();
    const results = await each(async (kind) => {
      const client = make(kind, s.url);
      const before = client.url;
      await next(client, 'open');
      return { before, after: client.url };
    });
    expect(results['heartbeat-ws']).toEqual({ before: `${s.url}/`, after: `${s.url}/` });
    for (const peer of ['reconnecting-websocket', 'partysocket'] as const) {
      expect(results[peer].before).toBe('');
      expect(results[peer].after.replace(/\/$/, '')).toBe(s.url);
    }
  });

  it('send() returns whether it wrote in heartbeat-ws and partysocket; reconnecting-websocket returns nothing', async () => {
    const s = await server();
    const results = await each(async (kind) => {
      const client = make(kind, s.url);
      const queued = client.send('q');
      await next(client, 'open');
      return { queued, written: client.send('w') };
    });
    expect(results['heartbeat-ws']).toEqual({ queued: false, written: true });
    expect(results.partysocket).toEqual({ queued: false, written: true });
    expect(results['reconnecting-websocket']).toEqual({ queued: undefined, written: undefined });
  });

  it('reconnect() on an open link: heartbeat-ws never has two connections live at the server; the peers do', async () => {
    const results = await each(async (kind) => {
      const ref: { s?: TestServer } = {};
      let max = 0;
      const s = (ref.s = await startTestServer({
        onConnection: () => {
          max = Math.max(max, ref.s?.connections.filter((c) => c.closedAt === undefined).length ?? 0);
          return undefined;
        },
      }));
      cleanup.add(() => s.close());
      const client = make(kind, s.url);
      await next(client, 'open');
      for (let i = 0; i < 40; i++) {
        const opened = next(client, 'open');
        client.reconnect();
        await opened;
        await sleep(2);
      }
      return max;
    });
    expect(results['heartbeat-ws']).toBe(1);
    expect(results['reconnecting-websocket']).toBeGreaterThan(1);
    expect(results.partysocket).toBeGreaterThan(1);
  });
});

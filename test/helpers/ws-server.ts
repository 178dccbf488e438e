/**
 * A real `ws` server on 127.0.0.1 for integration tests.
 *
 * - Echoes every message (text as text, binary as binary), except the text `'ping'`, which it
 *   answers with `'pong'`.
 * - Records every message it receives, in order, per connection.
 * - Tracks live connections: a server socket is live while its `readyState` is OPEN. At every
 *   `connection` event it records how many sockets of the same client key are OPEN, so
 *   `maxLive(key)` is the most sockets one client ever held open at once as the server saw it.
 *   The client key is the `client` query parameter of the request URL (`''` when absent).
 * - Can stop (all sockets terminated, port freed) and start again on the same port.
 * - Optional server-initiated heartbeat: sends `{"type":"heartbeat"}` every `interval` ms on each
 *   connection and counts `{"type":"heartbeat_ack"}` replies.
 * - Stops by itself after `maxLifetimeMs` (unref'd timer), so nothing outlives a test run.
 */
import http from 'node:http';
import type net from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

export interface ServerHeartbeatOptions {
  /** ms between `{"type":"heartbeat"}` messages on each connection. */
  interval: number;
}

export interface TestServerOptions {
  /** Port to bind; 0 picks a free one. @default 0 */
  port?: number;
  /** Send server heartbeats. @default undefined (off) */
  heartbeat?: ServerHeartbeatOptions;
  /**
   * Called for every new connection, after it is recorded. Return `false` to skip the default
   * echo/pong handling for it.
   */
  onConnection?: (conn: ServerConnection) => boolean | undefined;
  /** ms after which the server closes itself, whatever happens. @default 60000 */
  maxLifetimeMs?: number;
}

export interface ReceivedMessage {
  data: string | Buffer;
  isBinary: boolean;
  at: number;
  /** Arrival order over the whole server. */
  seq: number;
}

export interface ServerConnection {
  /** 1, 2, 3, … in order of arrival at this server (over restarts). */
  readonly id: number;
  /** The `client` query parameter of the request URL. */
  readonly key: string;
  readonly url: string;
  readonly ws: WebSocket;
  readonly openedAt: number;
  closedAt?: number;
  closeCode?: number;
  /** Every message received on this connection, in order. */
  readonly messages: ReceivedMessage[];
  /** `{"type":"heartbeat"}` messages sent / `{"type":"heartbeat_ack"}` replies received. */
  heartbeatsSent: number;
  heartbeatAcks: number;
}

export interface TestServer {
  readonly port: number;
  /** `ws://127.0.0.1:<port>` */
  readonly url: string;
  readonly running: boolean;
  /** Every connection ever accepted, in order. */
  readonly connections: readonly ServerConnection[];
  /** Connections whose server socket is OPEN, optionally for one client key. */
  live(key?: string): ServerConnection[];
  /** The most OPEN sockets seen at once for `key`, sampled at every `connection` event. */
  maxLive(key?: string): number;
  /** Text messages received over all connections of `key`, in arrival order. */
  texts(key?: string): string[];
  /** Close every live connection with a close frame (code, reason). */
  closeAll(code?: number, reason?: string): void;
  /** Terminate every connection (no close frame) and stop listening; the port is kept. */
  stop(): Promise<void>;
  /** Listen again on the same port after `stop()`. */
  start(): Promise<void>;
  /** Stop for good. Safe to call more than once. */
  close(): Promise<void>;
}

const HEARTBEAT = JSON.stringify({ type: 'heartbeat' });

function isHeartbeatAck(text: string): boolean {
  if (!text.startsWith('{')) return false;
  try {
    return (JSON.parse(text) as { type?: unknown }).type === 'heartbeat_ack';
  } catch {
    return false;
  }
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { heartbeat, onConnection, maxLifetimeMs = 60_000 } = options;
  let port = options.port ?? 0;
  const connections: ServerConnection[] = [];
  const maxLiveByKey = new Map<string, number>();
  let httpServer: http.Server | undefined;
  let wss: WebSocketServer | undefined;
  const rawSockets = new Set<net.Socket>();
  let disposed = false;
  let seq = 0;

  const liveOf = (key?: string): ServerConnection[] =>
    connections.filter((c) => c.ws.readyState === WebSocket.OPEN && (key === undefined || c.key === key));

  const handleConnection = (ws: WebSocket, req: http.IncomingMessage): void => {
    const url = req.url ?? '/';
    const key = new URL(url, 'http://localhost').searchParams.get('client') ?? '';
    const conn: ServerConnection = {
      id: connections.length + 1,
      key,
      url,
      ws,
      openedAt: Date.now(),
      messages: [],
      heartbeatsSent: 0,
      heartbeatAcks: 0,
    };
    connections.push(conn);
    const liveNow = liveOf(key).length;
    maxLiveByKey.set(key, Math.max(maxLiveByKey.get(key) ?? 0, liveNow));
    ws.on('error', () => {});

    let beat: NodeJS.Timeout | undefined;
    if (heartbeat) {
      beat = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        conn.heartbeatsSent += 1;
        ws.send(HEARTBEAT);
      }, heartbeat.interval);
      beat.unref();
    }
    ws.on('close', (code) => {
      clearInterval(beat);
      conn.closedAt = Date.now();
      conn.closeCode = code;
    });

    const custom = onConnection?.(conn) === false;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      const payload = isBinary ? buf : buf.toString('utf8');
      conn.messages.push({ data: payload, isBinary, at: Date.now(), seq: ++seq });
      if (!isBinary && isHeartbeatAck(payload as string)) {
        conn.heartbeatAcks += 1;
        return;
      }
      if (custom || ws.readyState !== WebSocket.OPEN) return;
      if (!isBinary && payload === 'ping') ws.send('pong');
      else ws.send(payload, { binary: isBinary });
    });
  };

  const start = async (): Promise<void> => {
    if (disposed) throw new Error('test server already closed');
    if (httpServer) return;
    const server = http.createServer((_req, res) => {
      res.writeHead(426).end();
    });
    server.on('connection', (socket) => {
      rawSockets.add(socket);
      socket.on('close', () => rawSockets.delete(socket));
    });
    const wsServer = new WebSocketServer({ server });
    wsServer.on('connection', handleConnection);
    wsServer.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    port = (server.address() as net.AddressInfo).port;
    httpServer = server;
    wss = wsServer;
  };

  const stop = async (): Promise<void> => {
    const server = httpServer;
    const wsServer = wss;
    httpServer = undefined;
    wss = undefined;
    if (!server || !wsServer) return;
    for (const client of wsServer.clients) client.terminate();
    for (const socket of rawSockets) socket.destroy();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  const close = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    clearTimeout(safety);
    await stop();
  };

  await start();
  const safety = setTimeout(() => void close(), maxLifetimeMs);
  safety.unref();

  return {
    get port() {
      return port;
    },
    get url() {
      return `ws://127.0.0.1:${port}`;
    },
    get running() {
      return httpServer !== undefined;
    },
    connections,
    live: liveOf,
    maxLive(key = '') {
      return maxLiveByKey.get(key) ?? 0;
    },
    texts(key?: string) {
      const all = connections
        .filter((c) => key === undefined || c.key === key)
        .flatMap((c) => c.messages)
        .filter((m) => !m.isBinary)
        .sort((a, b) => a.seq - b.seq);
      return all.map((m) => m.data as string);
    },
    closeAll(code?: number, reason?: string) {
      for (const c of liveOf()) c.ws.close(code, reason);
    },
    stop,
    start,
    close,
  };
}

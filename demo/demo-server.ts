/**
 * The demo's server: one Node process, two loopback listeners.
 *
 * - HTTP (`port`): the page (demo/index.html, demo/style.css, demo/app.ts compiled on the fly
 *   with TypeScript's `transpileModule`), the built files under dist/, and a small JSON API
 *   (`/api/config`, `/api/status`, `POST /api/fault/...`).
 * - WebSocket (`wsPort`): echoes every message, answers the client's `'ping'` with `'pong'`,
 *   can ping clients itself (`{"type":"heartbeat"}`, expecting `{"type":"heartbeat_ack"}`), and
 *   can be made to misbehave by the fault API.
 *
 * The WebSocket endpoint has a listener of its own so that "stop the server" can really refuse
 * connections (the listening socket is closed) while the page and the fault buttons stay
 * reachable on the HTTP port.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';

const HOST = '127.0.0.1';
const HERE = import.meta.dirname ?? path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(HERE, '..', 'dist');

/** Settings of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** HTTP port for the page and the API; 0 picks a free one. @default 8080 */
  port?: number;
  /** Port of the WebSocket endpoint; 0 picks a free one (kept across "stop"). @default port + 1, or 0 when port is 0 */
  wsPort?: number;
  /** Minutes after which the server stops by itself, whatever happens. @default 60 */
  maxMinutes?: number;
  /** Minutes without an HTTP request or an open WebSocket after which it stops by itself. @default 15 */
  idleMinutes?: number;
  /** Called once when the server stops by itself (lifetime or idleness), after it has closed. */
  onExpire?: (why: string) => void;
  /** Where the server's log lines go. @default nowhere */
  log?: (line: string) => void;
}

/** What `GET /api/status` returns: the server panel of the page. */
export interface DemoStatus {
  now: number;
  wsUrl: string;
  /** `listening`, `stopped` (refusing connections) or `black-hole`. */
  endpoint: 'listening' | 'stopped' | 'black-hole';
  /** When a stopped endpoint listens again (epoch ms), or null. */
  stoppedUntil: number | null;
  /** When the black-hole window for new connections ends (epoch ms), or null. */
  blackHoleUntil: number | null;
  /**
   * Open WebSocket connections that the server still serves: handshake done, not black-holed,
   * not closing. The same count the server's log lines and fault messages give.
   */
  live: number;
  /** WebSocket connections accepted since start. */
  total: number;
  /** TCP connections held open without answering (black-holed), until their peer closes them. */
  frozen: number;
  /** Added latency of pongs, ms. */
  pongDelay: number;
  /** Interval of the server's own pings, ms; 0 when off. */
  serverPing: number;
  counts: { echoed: number; pongs: number; serverPings: number; acks: number; missedAcks: number; duplicates: number };
  /** The newest server log lines, newest last. */
  log: string[];
  /** When the process stops by itself (epoch ms). */
  expiresAt: number;
}

/** A running demo server. */
export interface DemoServer {
  /** The page's URL, `http://127.0.0.1:PORT/`. */
  url: string;
  /** The WebSocket endpoint, `ws://127.0.0.1:WSPORT/ws`. */
  wsUrl: string;
  status(): DemoStatus;
  /** Stops everything: listeners, connections, timers. */
  close(): Promise<void>;
}

interface Conn {
  id: number;
  ws: WebSocket;
  socket: Socket;
  openedAt: number;
  frozen: boolean;
  awaitingAck: boolean;
}

const MAX = { seconds: 60, delay: 10_000 } as const;
/** Black-holed connections are dropped after this long, long after any client should have noticed. */
const FROZEN_LIFETIME_MS = 60_000;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

/** Compiles demo/app.ts for the browser, again whenever the file changes. */
function pageScript(): () => string {
  const file = path.join(HERE, 'app.ts');
  let cached: { mtime: number; js: string } | undefined;
  return () => {
    const mtime = statSync(file).mtimeMs;
    if (cached?.mtime !== mtime) {
      const out = ts.transpileModule(readFileSync(file, 'utf8'), {
        fileName: 'app.ts',
        compilerOptions: {
          target: ts.ScriptTarget.ES2020,
          module: ts.ModuleKind.ESNext,
          inlineSourceMap: true,
          inlineSources: true,
        },
      });
      cached = { mtime, js: out.outputText };
    }
    return cached.js;
  };
}

function clampInt(raw: string | null, min: number, max: number, fallback: number): number {
  const n = raw === null || raw === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.round(n)));
}

/** Valid application close codes: 1000, or 3000–4999 (RFC 6455 §7.4.2). */
function isSendableCloseCode(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, HOST, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Starts the demo server on 127.0.0.1. */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const port = options.port ?? 8080;
  const maxMinutes = options.maxMinutes ?? 60;
  const idleMinutes = options.idleMinutes ?? 15;
  const log = options.log ?? (() => {});
  const startedAt = Date.now();
  const expiresAt = startedAt + maxMinutes * 60_000;

  const conns = new Set<Conn>();
  const frozenSockets = new Set<Socket>();
  const recent: string[] = [];
  const counts = { echoed: 0, pongs: 0, serverPings: 0, acks: 0, missedAcks: 0, duplicates: 0 };
  // The dedupe recipe of the README: the page stamps each message {"id":"<client>:<seq>",…};
  // a seq not above the highest seen for its client is a replayed duplicate.
  const lastSeq = new Map<string, number>();
  let total = 0;
  let nextId = 1;
  let pongDelay = 0;
  let serverPing = 0;
  let serverPingTimer: ReturnType<typeof setInterval> | undefined;
  let stoppedUntil: number | null = null;
  let blackHoleUntil: number | null = null;
  let lastActivity = Date.now();
  let closed = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  const note = (line: string) => {
    const stamp = new Date().toISOString().slice(11, 23);
    recent.push(`${stamp} ${line}`);
    if (recent.length > 40) recent.shift();
    log(line);
  };

  // ---- the WebSocket endpoint -------------------------------------------------------------

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const wsHttp = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket endpoint: use ws://\n');
  });

  const freeze = (socket: Socket) => {
    // Never answer again: a half-open connection, as after a NAT timeout or a dead peer. What
    // arrives is read and thrown away (not left unread), so that the server still notices when
    // the client gives the connection up, and counts only black-holed sockets a client holds.
    socket.removeAllListeners('data');
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.resume();
    frozenSockets.add(socket);
    socket.once('close', () => frozenSockets.delete(socket));
    later(() => socket.destroy(), FROZEN_LIFETIME_MS);
  };

  wsHttp.on('upgrade', (req, socket: Socket, head) => {
    lastActivity = Date.now();
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (blackHoleUntil !== null && Date.now() < blackHoleUntil) {
      // Accepted by the kernel, never answered: the client's connection timeout has to act.
      note('new connection black-holed (handshake never answered)');
      freeze(socket);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, socket));
  });

  const send = (conn: Conn, data: RawData | string, binary = false) => {
    if (conn.frozen || conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(data, { binary });
  };

  function onConnection(ws: WebSocket, socket: Socket) {
    const conn: Conn = { id: nextId++, ws, socket, openedAt: Date.now(), frozen: false, awaitingAck: false };
    conns.add(conn);
    total += 1;
    note(`#${conn.id} open (${liveCount()} live)`);
    ws.on('message', (data, isBinary) => {
      if (conn.frozen) return;
      lastActivity = Date.now();
      const text = isBinary ? undefined : data.toString();
      if (text === 'ping') {
        counts.pongs += 1;
        if (pongDelay > 0) later(() => send(conn, 'pong'), pongDelay);
        else send(conn, 'pong');
        return;
      }
      if (text !== undefined && text.startsWith('{') && text.includes('heartbeat_ack')) {
        try {
          if ((JSON.parse(text) as { type?: unknown }).type === 'heartbeat_ack') {
            counts.acks += 1;
            conn.awaitingAck = false;
            return;
          }
        } catch {
          // not JSON after all: echo it like anything else
        }
      }
      let reply = text;
      if (text?.startsWith('{"id":')) {
        try {
          const { id, body } = JSON.parse(text) as { id: string; body: string };
          const cut = id.lastIndexOf(':');
          const client = id.slice(0, cut);
          const seq = Number(id.slice(cut + 1));
          if (seq <= (lastSeq.get(client) ?? 0)) {
            counts.duplicates += 1;
            return;
          }
          lastSeq.set(client, seq);
          reply = body;
        } catch {
          // not a stamped message after all: echo it as it is
        }
      }
      counts.echoed += 1;
      send(conn, isBinary ? data : (reply as string), isBinary);
    });
    ws.on('close', (code, reason) => {
      conns.delete(conn);
      const why = reason.toString();
      note(`#${conn.id} closed ${code}${why ? ` "${why}"` : ''} (${liveCount()} live)`);
      lastActivity = Date.now();
    });
    ws.on('error', (err) => note(`#${conn.id} error: ${err.message}`));
  }

  // One count for the panel, the log lines and the fault messages: connections served now. A
  // black-holed one is counted apart, and one in its closing handshake no longer counts.
  function liveConns(): Conn[] {
    return [...conns].filter((c) => !c.frozen && c.ws.readyState === c.ws.OPEN);
  }
  function liveCount(): number {
    return liveConns().length;
  }

  function setServerPing(ms: number) {
    serverPing = ms;
    if (serverPingTimer) clearInterval(serverPingTimer);
    serverPingTimer = undefined;
    for (const c of conns) c.awaitingAck = false;
    if (ms <= 0) return;
    // As in the `ws` README's keep-alive recipe: a client that has not answered the previous
    // ping when the next one is due is dropped.
    serverPingTimer = setInterval(() => {
      for (const c of liveConns()) {
        if (c.awaitingAck) {
          counts.missedAcks += 1;
          note(`#${c.id} missed a heartbeat_ack: terminated`);
          c.ws.terminate();
          continue;
        }
        c.awaitingAck = true;
        counts.serverPings += 1;
        send(c, '{"type":"heartbeat"}');
      }
    }, ms);
  }

  // ---- faults -----------------------------------------------------------------------------

  /** Cuts every connection; says how many live and black-holed ones there were. */
  const dropAll = (): string => {
    const live = liveCount();
    const frozen = frozenSockets.size;
    for (const c of conns) c.ws.terminate();
    for (const s of frozenSockets) s.destroy();
    return `${live} connection(s)${frozen > 0 ? ` and ${frozen} black-holed` : ''}`;
  };

  const faults = {
    drop(): string {
      return `dropped ${dropAll()} (TCP closed, no close frame)`;
    },
    blackHole(seconds: number): string {
      const victims = liveConns();
      for (const c of victims) {
        c.frozen = true;
        c.awaitingAck = false;
        freeze(c.socket);
      }
      blackHoleUntil = seconds > 0 ? Date.now() + seconds * 1000 : null;
      if (seconds > 0) {
        later(() => {
          blackHoleUntil = null;
          note('black-hole window over: new connections are answered again');
        }, seconds * 1000);
      }
      return `black-holed ${victims.length} connection(s); new ones unanswered for ${seconds} s`;
    },
    stop(seconds: number): string {
      if (stoppedUntil !== null) return 'already stopped';
      stoppedUntil = Date.now() + seconds * 1000;
      const dropped = dropAll();
      // Closing the listening socket is what makes new connections fail with "refused".
      wsHttp.close();
      wsHttp.closeAllConnections();
      // `later` timers are all cleared by close(), so the restart needs no handle of its own.
      later(function restart() {
        if (closed) return;
        listen(wsHttp, wsPort).then(
          () => {
            stoppedUntil = null;
            note('endpoint listening again');
          },
          (err: Error) => {
            note(`could not listen again (${err.message}); retrying in 1 s`);
            later(restart, 1000);
          },
        );
      }, seconds * 1000);
      return `stopped: dropped ${dropped}, new ones refused for ${seconds} s`;
    },
    close(code: number, reason: string): string {
      const victims = liveConns();
      for (const c of victims) c.ws.close(code, reason);
      return `closing ${victims.length} connection(s) with ${code} "${reason}"`;
    },
    slow(ms: number): string {
      pongDelay = ms;
      return ms > 0 ? `pongs now delayed by ${ms} ms` : 'pongs answered at once';
    },
    serverPing(ms: number): string {
      setServerPing(ms);
      return ms > 0 ? `server pings every ${ms} ms` : 'server pings off';
    },
    reset(): string {
      pongDelay = 0;
      setServerPing(0);
      blackHoleUntil = null;
      for (const s of frozenSockets) s.destroy();
      return 'faults cleared';
    },
  };

  // ---- the HTTP side ----------------------------------------------------------------------

  const script = pageScript();
  let wsPort = options.wsPort ?? (port === 0 ? 0 : port + 1);
  let httpPort = port;

  const status = (): DemoStatus => {
    const now = Date.now();
    const holing = blackHoleUntil !== null && now < blackHoleUntil;
    return {
      now,
      wsUrl: `ws://${HOST}:${wsPort}/ws`,
      endpoint: stoppedUntil !== null ? 'stopped' : holing ? 'black-hole' : 'listening',
      stoppedUntil,
      blackHoleUntil: holing ? blackHoleUntil : null,
      live: liveCount(),
      total,
      frozen: frozenSockets.size,
      pongDelay,
      serverPing,
      counts: { ...counts },
      log: recent.slice(-12),
      expiresAt,
    };
  };

  const json = (res: http.ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const serveFile = (res: http.ServerResponse, file: string) => {
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' }).end(body);
  };

  const web = http.createServer((req, res) => {
    lastActivity = Date.now();
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const route = url.pathname;
    try {
      if (req.method === 'GET' || req.method === 'HEAD') {
        if (route === '/' || route === '/index.html') return serveFile(res, path.join(HERE, 'index.html'));
        if (route === '/style.css') return serveFile(res, path.join(HERE, 'style.css'));
        if (route === '/app.js') {
          res.writeHead(200, { 'content-type': CONTENT_TYPES['.js'], 'cache-control': 'no-cache' });
          return res.end(script());
        }
        if (route.startsWith('/dist/')) {
          // Only files that exist directly in dist/, by exact name: no path tricks.
          const name = route.slice('/dist/'.length);
          const known = new Set(readdirSafe(DIST));
          if (!known.has(name)) return serveFile(res, '/nonexistent');
          return serveFile(res, path.join(DIST, name));
        }
        if (route === '/api/config') return json(res, 200, { wsUrl: status().wsUrl });
        if (route === '/api/status') return json(res, 200, status());
        if (route === '/favicon.ico') return res.writeHead(204).end();
        return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
      if (req.method === 'POST' && route.startsWith('/api/fault/')) {
        // The fault API changes server state: only this page may call it, not another site
        // open in the same browser.
        const origin = req.headers.origin;
        if (origin !== undefined && origin !== `http://${HOST}:${httpPort}`) {
          return json(res, 403, { error: 'foreign origin' });
        }
        req.resume();
        const q = url.searchParams;
        const name = route.slice('/api/fault/'.length);
        let message: string;
        switch (name) {
          case 'drop':
            message = faults.drop();
            break;
          case 'black-hole':
            message = faults.blackHole(clampInt(q.get('seconds'), 0, MAX.seconds, 5));
            break;
          case 'stop':
            message = faults.stop(clampInt(q.get('seconds'), 1, MAX.seconds, 5));
            break;
          case 'close': {
            const code = clampInt(q.get('code'), 0, 4999, 4001);
            if (!isSendableCloseCode(code)) {
              return json(res, 400, { error: `close code ${code} cannot be sent: use 1000 or 3000-4999` });
            }
            const reason = (q.get('reason') ?? '').slice(0, 100);
            message = faults.close(code, reason);
            break;
          }
          case 'slow':
            message = faults.slow(clampInt(q.get('ms'), 0, MAX.delay, 0));
            break;
          case 'server-ping':
            message = faults.serverPing(clampInt(q.get('ms'), 0, MAX.delay, 0));
            break;
          case 'reset':
            message = faults.reset();
            break;
          default:
            return json(res, 404, { error: `no fault named ${name}` });
        }
        note(`fault: ${message}`);
        return json(res, 200, { message, status: status() });
      }
      res.writeHead(405, { 'content-type': 'text/plain' }).end('method not allowed\n');
    } catch (err) {
      json(res, 500, { error: (err as Error).message });
    }
  });
  web.keepAliveTimeout = 2000;

  httpPort = await listen(web, port);
  try {
    wsPort = await listen(wsHttp, wsPort);
  } catch (err) {
    await new Promise<void>((resolve) => web.close(() => resolve()));
    throw err;
  }

  // ---- stopping by itself -----------------------------------------------------------------

  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(lifeTimer);
    if (serverPingTimer) clearInterval(serverPingTimer);
    for (const t of timers) clearTimeout(t);
    timers.clear();
    dropAll();
    wss.close();
    await Promise.all(
      [web, wsHttp].map(
        (s) =>
          new Promise<void>((resolve) => {
            if (!s.listening) return resolve();
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  };

  const lifeTimer = setInterval(() => {
    const now = Date.now();
    let why: string | undefined;
    if (now >= expiresAt) why = `reached its ${maxMinutes}-minute lifetime`;
    else if (conns.size === 0 && now - lastActivity >= idleMinutes * 60_000) {
      why = `idle for ${idleMinutes} minutes`;
    }
    if (why) {
      const reason = why;
      note(`stopping: ${reason}`);
      void close().then(() => options.onExpire?.(reason));
    }
  }, 1000);
  lifeTimer.unref?.();

  return {
    url: `http://${HOST}:${httpPort}/`,
    wsUrl: `ws://${HOST}:${wsPort}/ws`,
    status,
    close,
  };
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

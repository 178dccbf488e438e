/**
 * The bench's sink server, run in a child process (`fork`) so that its CPU runs on the other
 * core and its heap is not counted in the client-side heap measures.
 *
 * - A `ws` server on 127.0.0.1 (port picked by the OS). It counts messages (pings aside) and
 *   keeps no copy of them; it answers the text `'ping'` with `'pong'` and echoes nothing else.
 * - It counts TCP connections accepted (every connection attempt, upgraded or not) and
 *   upgrades (`connection` events of the WebSocket server).
 * - Driven over IPC by {@link Command}s; every command is answered by one {@link Reply} with the
 *   same `id`.
 * - Stops when the parent disconnects, and in any case after `BENCH_SERVER_LIFETIME_MS`.
 */
import http from 'node:http';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';

export type Command =
  | { id: number; cmd: 'stats' }
  /** Answer once `total` messages (pings not counted) have arrived since the server started. */
  | { id: number; cmd: 'until'; total: number }
  /** Answer once the number of open WebSockets is at least (`'>='`) or at most (`'<='`) `count`. */
  | { id: number; cmd: 'live'; count: number; op: '>=' | '<=' }
  /**
   * Terminate every connection at once (TCP destroyed, no close frame), then record the time of
   * every TCP connection accepted afterwards; answer once `count` WebSockets accepted after the
   * drop are open at once, or after `timeoutMs`.
   */
  | { id: number; cmd: 'drop'; count: number; timeoutMs: number };

export interface Stats {
  tcp: number;
  upgrades: number;
  live: number;
  messages: number;
}

export type Reply =
  | { id: number; ok: true; stats: Stats }
  | { id: number; ok: true; afterDrop: { attemptsAt: number[]; allBackMs: number | null } }
  | { id: number; ok: false; error: string };

if (process.send) {
  const lifetime = Number(process.env.BENCH_SERVER_LIFETIME_MS ?? 180_000);
  setTimeout(() => process.exit(3), lifetime).unref();
  process.on('disconnect', () => process.exit(0));

  const counts = { tcp: 0, upgrades: 0, messages: 0 };
  const live = new Set<WebSocket>();
  const waiting = new Map<number, number>();
  let liveWanted: { id: number; count: number; op: '>=' | '<=' } | undefined;
  /** Set while a `drop` command waits for the herd to come back. */
  let herd:
    | { id: number; count: number; t0: number; attemptsAt: number[]; back: Set<WebSocket>; timer: NodeJS.Timeout }
    | undefined;

  const reply = (message: Reply): void => {
    process.send?.(message);
  };
  const stats = (): Stats => ({ ...counts, live: live.size });

  const checkLive = (): void => {
    if (!liveWanted) return;
    const { count, op } = liveWanted;
    if (op === '>=' ? live.size >= count : live.size <= count) {
      reply({ id: liveWanted.id, ok: true, stats: stats() });
      liveWanted = undefined;
    }
  };

  const checkWaiting = (): void => {
    for (const [id, total] of waiting) {
      if (counts.messages < total) continue;
      waiting.delete(id);
      reply({ id, ok: true, stats: stats() });
    }
  };

  const endHerd = (allBackMs: number | null): void => {
    if (!herd) return;
    clearTimeout(herd.timer);
    reply({ id: herd.id, ok: true, afterDrop: { attemptsAt: herd.attemptsAt, allBackMs } });
    herd = undefined;
  };

  const server = http.createServer((_req, res) => {
    res.writeHead(426).end();
  });
  server.on('connection', (socket: net.Socket) => {
    counts.tcp++;
    socket.setNoDelay(true);
    if (herd) herd.attemptsAt.push(performance.now() - herd.t0);
  });
  const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
  wss.on('error', () => {});
  wss.on('connection', (ws) => {
    counts.upgrades++;
    live.add(ws);
    ws.on('error', () => {});
    ws.on('close', () => {
      live.delete(ws);
      herd?.back.delete(ws);
      checkLive();
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary && (data as Buffer).length === 4 && data.toString() === 'ping') {
        ws.send('pong');
        return;
      }
      counts.messages++;
      if (waiting.size > 0) checkWaiting();
    });
    if (herd) {
      herd.back.add(ws);
      if (herd.back.size >= herd.count) endHerd(performance.now() - herd.t0);
    }
    checkLive();
  });

  process.on('message', (command: Command) => {
    switch (command.cmd) {
      case 'stats':
        return reply({ id: command.id, ok: true, stats: stats() });
      case 'until':
        waiting.set(command.id, command.total);
        return checkWaiting();
      case 'live':
        liveWanted = { id: command.id, count: command.count, op: command.op };
        return checkLive();
      case 'drop': {
        const t0 = performance.now();
        const timer = setTimeout(() => endHerd(null), command.timeoutMs);
        herd = { id: command.id, count: command.count, t0, attemptsAt: [], back: new Set(), timer };
        for (const ws of [...live]) ws.terminate();
        return;
      }
      default:
        return reply({ id: (command as { id: number }).id, ok: false, error: 'unknown command' });
    }
  });

  server.listen(0, '127.0.0.1', 4096, () => {
    process.send?.({ port: (server.address() as net.AddressInfo).port });
  });
}

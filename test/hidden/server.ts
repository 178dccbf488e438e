/**
 * The server side of the hidden-page runs: a `ws` server on 127.0.0.1 that records, per client,
 * when each of its pings arrived, answers them with pongs, pings the clients that asked for it
 * and records their answers, and closes a client after `silence` ms without a ping (or without
 * an answer to its own pings) — the rule of servers that time clients out — recording that it did.
 *
 * A client names its role in the query string (`?role=hb`). The control (`role=control`) is only
 * watched: the server records when it would have closed it, and keeps it, so its gaps go on
 * being measured.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface ClientRecord {
  role: string;
  connectedAt: number;
  closedAt?: number;
  closeCode?: number;
  /** When each `ping` text message arrived. */
  pings: number[];
  /** Server pings (`{"type":"heartbeat"}`) sent to this client. */
  serverPings: number[];
  /** When each answer (`{"type":"heartbeat_ack"}`) arrived, and how long after the last server ping. */
  acks: { t: number; delay: number }[];
  /** Times the silence rule found this client silent (for a closable client: at most once, then it closes it). */
  silent: number[];
  /** The silence rule closed it. */
  closedBySilence: boolean;
  /** While true the server neither answers nor sends anything: a half-open link, as the client sees it. */
  halfOpen?: number;
}

export interface RecordingServer {
  url: string;
  clients: ClientRecord[];
  /** The live client of `role` (the last one that connected). */
  client(role: string): ClientRecord | undefined;
  /** From now on the server stays silent towards the live client of `role`. */
  makeHalfOpen(role: string): number;
  close(): Promise<void>;
}

export interface RecordingServerOptions {
  /** ms of silence after which a client is closed. */
  silence: number;
  /** ms between the server's pings to `role=sping` clients. */
  serverPingInterval: number;
}

export async function startRecordingServer(options: RecordingServerOptions): Promise<RecordingServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const clients: ClientRecord[] = [];
  const live = new Map<ClientRecord, WebSocket>();
  const timers: NodeJS.Timeout[] = [];

  wss.on('connection', (ws, req) => {
    const role = new URL(req.url ?? '/', 'http://x').searchParams.get('role') ?? '?';
    const rec: ClientRecord = {
      role,
      connectedAt: Date.now(),
      pings: [],
      serverPings: [],
      acks: [],
      silent: [],
      closedBySilence: false,
    };
    clients.push(rec);
    live.set(rec, ws);
    /** The last sign of life the silence rule counts: a ping, or an answer to a server ping. */
    let lastLife = rec.connectedAt;
    ws.on('message', (data, isBinary) => {
      const now = Date.now();
      const text = isBinary ? '' : data.toString();
      if (text === 'ping') {
        rec.pings.push(now);
        if (role !== 'sping') lastLife = now;
        if (rec.halfOpen === undefined) ws.send('pong');
      } else if (text.includes('heartbeat_ack')) {
        const last = rec.serverPings.at(-1);
        rec.acks.push({ t: now, delay: last === undefined ? NaN : now - last });
        lastLife = now;
      }
    });
    ws.on('close', (code) => {
      rec.closedAt = Date.now();
      rec.closeCode = code;
      live.delete(rec);
      clearInterval(watch);
      clearInterval(pinger);
    });
    // The silence rule, checked 4 times a second (Node's timers are not throttled).
    const watch = setInterval(() => {
      const now = Date.now();
      if (now - lastLife <= options.silence) return;
      rec.silent.push(now);
      lastLife = now; // the control is kept: count its next silence afresh
      if (role === 'control') return;
      rec.closedBySilence = true;
      ws.close(4000, 'silent');
    }, 250);
    const pinger =
      role === 'sping'
        ? setInterval(() => {
            if (rec.halfOpen !== undefined) return;
            rec.serverPings.push(Date.now());
            ws.send(JSON.stringify({ type: 'heartbeat' }));
          }, options.serverPingInterval)
        : undefined;
    timers.push(watch);
    if (pinger) timers.push(pinger);
  });

  const { port } = wss.address() as AddressInfo;
  const client = (role: string) => clients.filter((c) => c.role === role).at(-1);
  return {
    url: `ws://127.0.0.1:${port}`,
    clients,
    client,
    makeHalfOpen(role) {
      const rec = client(role);
      if (!rec || !live.has(rec)) throw new Error(`no live client of role ${role}`);
      rec.halfOpen = Date.now();
      return rec.halfOpen;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t);
        for (const ws of live.values()) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

/**
 * `npm run bench:reconnect`: what waiting for the old socket's close costs. reconnect() on an
 * open, healthy loopback link → the next `open`, in ms, N times per client, for heartbeat-ws
 * (which starts the new attempt only once the old socket has reported `close`),
 * reconnecting-websocket and partysocket (which start it at once). Also the most connections of
 * one client the server held at once (from its connection → close events) during the run.
 *
 *   node --import tsx test/bench/reconnect-latency.mts [N]
 *
 * Everything binds to 127.0.0.1 and stops by itself (an unref'd deadline exits the process).
 */
import http from 'node:http';
import type net from 'node:net';
import PartySocket from 'partysocket/ws';
import RWS from 'reconnecting-websocket';
import { WebSocket as WS, WebSocketServer } from 'ws';
import { HeartbeatSocket, type WebSocketConstructor } from '../../src/index';

const N = Number(process.argv[2] ?? 200);
setTimeout(() => {
  console.error('bench:reconnect: deadline reached, exiting');
  process.exit(2);
}, 120_000).unref();

interface Client {
  readyState: number;
  reconnect(): void;
  close(): void;
  addEventListener(type: 'open', listener: () => void): void;
  removeEventListener(type: 'open', listener: () => void): void;
}

const options = { minReconnectionDelay: 1_000, maxReconnectionDelay: 1_000, connectionTimeout: 4_000 };
const makers: Record<string, (url: string) => Client> = {
  'heartbeat-ws': (url) =>
    new HeartbeatSocket(url, undefined, {
      ...options,
      WebSocket: WS as unknown as WebSocketConstructor,
      lifecycle: false,
    }),
  'reconnecting-websocket': (url) => new RWS(url, undefined, { ...options, WebSocket: WS }) as unknown as Client,
  'partysocket (ReconnectingWebSocket)': (url) =>
    new PartySocket(url, undefined, { ...options, WebSocket: WS }) as unknown as Client,
};

const server = http.createServer();
const wss = new WebSocketServer({ server });
let live = 0;
let maxLive = 0;
wss.on('connection', (ws) => {
  live++;
  maxLive = Math.max(maxLive, live);
  ws.on('error', () => {});
  ws.on('close', () => live--);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;

const nextOpen = (client: Client): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      client.removeEventListener('open', done);
      resolve();
    };
    client.addEventListener('open', done);
  });

const rows: string[] = [];
for (const [name, make] of Object.entries(makers)) {
  const client = make(url);
  await nextOpen(client);
  await new Promise((resolve) => setTimeout(resolve, 50));
  maxLive = live;
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const opened = nextOpen(client);
    const t = performance.now();
    client.reconnect();
    await opened;
    samples.push(performance.now() - t);
    // Let the previous round's sockets finish, so each sample starts from one healthy link.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  client.close();
  samples.sort((a, b) => a - b);
  const at = (q: number) => (samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN).toFixed(2);
  rows.push(`| ${name} | ${at(0.5)} | ${at(0.9)} | ${maxLive} |`);
  await new Promise((resolve) => setTimeout(resolve, 200));
}

console.log(`reconnect() on an open loopback link → next open, N = ${N}, Node ${process.version}\n`);
console.log('| client | median ms | p90 ms | most live at the server |');
console.log('| --- | --- | --- | --- |');
for (const row of rows) console.log(row);
for (const client of wss.clients) client.terminate();
wss.close();
server.close();

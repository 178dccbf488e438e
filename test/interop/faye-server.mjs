// A heartbeat server on `faye-websocket` (npm), for the interop tests; the same protocol, command
// line and output as python-server.py (see there):  node faye-server.mjs MODE [PORT]
// The JSON it sends is spaced as Python's json.dumps writes it, as the articles' servers do.
import http from 'node:http';
import FayeWebSocket from 'faye-websocket';

const MODE = process.argv[2];
const PORT = Number(process.argv[3] || 0);
const HB = Number(process.env.HB || 150);
const TTL = Number(process.env.TTL || 120);
const say = (line) => process.stdout.write(`${line}\n`);

const server = http.createServer((req, res) => res.writeHead(426).end());
server.on('upgrade', (req, socket, body) => {
  if (!FayeWebSocket.isWebSocket(req)) return socket.destroy();
  const ws = new FayeWebSocket(req, socket, body);
  let acked = true;
  let beat;
  ws.on('open', () => {
    say('OPEN');
    if (MODE !== 'json') return;
    beat = setInterval(() => {
      if (!acked) {
        say('DROP');
        clearInterval(beat);
        ws.close(4001, 'no heartbeat ack');
        return;
      }
      acked = false;
      ws.send('{"type": "heartbeat"}');
    }, HB);
  });
  ws.on('message', ({ data }) => {
    let parsed;
    try {
      parsed = JSON.parse(data);
    } catch {
      parsed = undefined;
    }
    const kind = parsed?.type;
    if (MODE === 'json' && kind === 'heartbeat_ack') {
      acked = true;
      say('ACK');
    } else if (MODE === 'pong' && data === 'ping') ws.send('pong');
    else if (MODE === 'pong' && kind === 'ping') ws.send('{"type": "pong"}');
    else if (parsed?.method !== undefined && parsed.id !== undefined) {
      // A request (heartbeat-ws/request): answered by id, spaced as Python's json.dumps.
      say(`REQ ${parsed.id}`);
      ws.send(`{"id": ${JSON.stringify(parsed.id)}, "result": ${JSON.stringify(String(parsed.method).toUpperCase())}}`);
    } else {
      say(`MSG ${data}`);
      ws.send(data);
    }
  });
  ws.on('close', ({ code }) => {
    clearInterval(beat);
    say(`CLOSE ${code}`);
  });
});
server.listen(PORT, '127.0.0.1', () => say(`PORT ${server.address().port}`));

const quit = () => process.exit(0);
process.stdin.on('end', quit).on('close', quit).resume();
setTimeout(quit, TTL * 1000).unref();

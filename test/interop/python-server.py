"""A heartbeat server on Python's `websockets` (Debian's python3-websockets 10.4), for the
interop tests. Run with /usr/bin/python3:

    python-server.py MODE [PORT]

MODE `json`: the articles' protocol. Every HB ms it sends json.dumps({"type": "heartbeat"})
(Python's spacing: `{"type": "heartbeat"}`) and drops a client that has not acked the previous
one with {"type": "heartbeat_ack"} (close 4001). MODE `pong`: answers the text `ping` with `pong`
and the JSON {"type": "ping"} with {"type": "pong"}. In both, a JSON request {"id", "method"} is
answered with {"id": id, "result": METHOD} (line `REQ <id>`), any other text is echoed back.

Binds 127.0.0.1 (PORT 0: any free port) and prints `PORT n`, then one line per event: `OPEN`,
`ACK`, `MSG <text>`, `DROP`, `CLOSE <code>`. Exits when stdin closes or after TTL seconds.
"""
import asyncio
import json
import os
import sys

import websockets

MODE = sys.argv[1]
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
HB = float(os.environ.get('HB', '150')) / 1000
TTL = float(os.environ.get('TTL', '120'))


def say(line):
    print(line, flush=True)


async def heartbeats(ws, state):
    while True:
        await asyncio.sleep(HB)
        if not state['acked']:
            say('DROP')
            await ws.close(4001, 'no heartbeat ack')
            return
        state['acked'] = False
        await ws.send(json.dumps({'type': 'heartbeat'}))


async def handler(ws, path=None):
    say('OPEN')
    state = {'acked': True}
    beat = asyncio.ensure_future(heartbeats(ws, state)) if MODE == 'json' else None
    try:
        async for text in ws:
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            kind = data.get('type') if isinstance(data, dict) else None
            if MODE == 'json' and kind == 'heartbeat_ack':
                state['acked'] = True
                say('ACK')
            elif MODE == 'pong' and text == 'ping':
                await ws.send('pong')
            elif MODE == 'pong' and kind == 'ping':
                await ws.send(json.dumps({'type': 'pong'}))
            elif isinstance(data, dict) and 'method' in data and 'id' in data:
                # A request (heartbeat-ws/request): answered by id, in Python's JSON spacing.
                say('REQ ' + str(data['id']))
                await ws.send(json.dumps({'id': data['id'], 'result': str(data['method']).upper()}))
            else:
                say('MSG ' + str(text))
                await ws.send(text)
    except websockets.ConnectionClosed:
        pass
    finally:
        if beat:
            beat.cancel()
        say('CLOSE ' + str(ws.close_code))


async def stdin_closed():
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)


async def main():
    # Protocol-level pings off: the heartbeat under test is the application's.
    async with websockets.serve(handler, '127.0.0.1', PORT, ping_interval=None) as server:
        say('PORT ' + str(server.sockets[0].getsockname()[1]))
        await asyncio.wait(
            [asyncio.ensure_future(stdin_closed()), asyncio.ensure_future(asyncio.sleep(TTL))],
            return_when=asyncio.FIRST_COMPLETED,
        )
    os._exit(0)


asyncio.run(main())

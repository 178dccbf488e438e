import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { matches, parse } from '../src/match';
import { FakeWebSocket } from './helpers/fake-websocket';
import { captureLogged, makeSocket } from './helpers/socket';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** The articles' protocol: the server pings `{"type": "heartbeat"}` (Python's spacing), wants an ack. */
const articles = {
  interval: 1000,
  timeout: 500,
  ping: false as const,
  isServerPing: { type: 'heartbeat' },
  serverPingReply: { type: 'heartbeat_ack' },
};

describe('JSON patterns', () => {
  it('match a partial deep subset of a parsed message, and nothing that is not JSON', () => {
    expect(matches({ type: 'pong' }, parse('{"type": "pong", "ts": 1}'))).toBe(true);
    expect(matches({ a: { b: 1 } }, parse('{"a": {"b": 1, "c": 2}}'))).toBe(true);
    expect(matches({ a: { b: 1 } }, parse('{"a": {"b": 2}}'))).toBe(false);
    expect(matches({ a: { b: 1 } }, parse('{"a": 1}'))).toBe(false);
    expect(matches({ type: 'pong' }, parse('{"type": "pong2"}'))).toBe(false);
    expect(matches({ type: null }, parse('{"type": null}'))).toBe(true);
    expect(matches({}, parse('not json'))).toBe(false);
    expect(matches({}, parse('null'))).toBe(false);
    expect(matches({ length: 4 }, parse('"pong"'))).toBe(false);
    expect(matches({ type: 'pong' }, parse(new TextEncoder().encode('{"type":"pong"}')))).toBe(false);
  });
});

describe('declarative heartbeats', () => {
  it("answer the articles' server: its JSON pings (any spacing) are acked and never reach message", async () => {
    const { ofType } = makeSocket({ heartbeat: articles });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.serverMessage('{"type": "heartbeat"}');
    ws.serverMessage('{"type":"heartbeat","ts":12}');
    ws.serverMessage('{"type": "update", "n": 1}');
    ws.serverMessage('heartbeat');
    expect(ws.sent).toEqual(['{"type":"heartbeat_ack"}', '{"type":"heartbeat_ack"}']);
    expect(ofType<MessageEvent>('message').map((e) => e.data)).toEqual(['{"type": "update", "n": 1}', 'heartbeat']);
  });

  it('send an object ping as its JSON and recognise the JSON pong, firing heartbeat', async () => {
    const stringify = vi.spyOn(JSON, 'stringify');
    const { ofType } = makeSocket({
      heartbeat: { interval: 1000, timeout: 500, ping: { type: 'ping' }, isPong: { type: 'pong' } },
    });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    const calls = stringify.mock.calls.length;
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      ws.serverMessage('{"type": "pong"}');
    }
    expect(ws.sent).toEqual(['{"type":"ping"}', '{"type":"ping"}', '{"type":"ping"}']);
    expect(stringify.mock.calls.length).toBe(calls); // stringified once, at construction
    expect(ofType('heartbeat')).toHaveLength(3);
    expect(ofType('message')).toHaveLength(0);
  });

  it('parse each message once for both recognisers', () => {
    const parseSpy = vi.spyOn(JSON, 'parse');
    makeSocket({ heartbeat: { isPong: { type: 'pong' }, isServerPing: { type: 'heartbeat' } } });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    parseSpy.mockClear();
    for (const m of ['{"type":"other"}', 'not json', '{"type":"heartbeat"}']) ws.serverMessage(m);
    expect(parseSpy).toHaveBeenCalledTimes(3);
  });

  it('parse nothing when both recognisers are functions', () => {
    const parseSpy = vi.spyOn(JSON, 'parse');
    makeSocket({ heartbeat: true });
    FakeWebSocket.last.serverOpen();
    parseSpy.mockClear();
    FakeWebSocket.last.serverMessage('{"type":"other"}');
    expect(parseSpy).not.toHaveBeenCalled();
  });
});

describe('callbacks that throw', () => {
  it("never throw out of the socket: the articles' natural isServerPing on a non-JSON message", async () => {
    const log = captureLogged();
    const { ofType } = makeSocket({
      heartbeat: {
        ...articles,
        isServerPing: (d: unknown) => JSON.parse(d as string).type === 'heartbeat',
      },
    });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    expect(() => ws.serverMessage('hello')).not.toThrow();
    await vi.advanceTimersByTimeAsync(0); // nothing is re-thrown later either
    ws.serverMessage('{"type": "heartbeat"}');
    expect(ofType<MessageEvent>('message').map((e) => e.data)).toEqual(['hello']);
    expect(ws.sent).toEqual(['{"type":"heartbeat_ack"}']);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]?.slice(0, 2)).toEqual(['[heartbeat-ws]', 'isServerPing']);
    expect(log.errors[0]).toBeInstanceOf(SyntaxError);
  });

  it('are logged at most once per 10 s per socket, so a chatty server cannot flood the log', async () => {
    const log = captureLogged();
    const isPong = () => {
      throw new Error('bad recogniser');
    };
    makeSocket({ heartbeat: { isPong } });
    const other = makeSocket({ heartbeat: { isPong } });
    const [a, b] = FakeWebSocket.instances;
    a?.serverOpen();
    b?.serverOpen();
    for (let i = 0; i < 100; i++) a?.serverMessage(`m${i}`);
    b?.serverMessage('x');
    expect(log.lines).toHaveLength(2); // one per socket
    await vi.advanceTimersByTimeAsync(9_999);
    a?.serverMessage('again');
    expect(log.lines).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    a?.serverMessage('again');
    expect(log.lines).toHaveLength(3);
    expect(other.ofType('message')).toHaveLength(1);
  });

  it('stamp: the message goes out as given, the error is logged', () => {
    const log = captureLogged();
    const { socket } = makeSocket({
      stamp: () => {
        throw new Error('no id');
      },
    });
    FakeWebSocket.last.serverOpen();
    expect(() => socket.send('hello')).not.toThrow();
    expect(FakeWebSocket.last.sent).toEqual(['hello']);
    expect(log.errors).toEqual([new Error('no id')]);
  });
});

describe('diagnosable heartbeats', () => {
  it('warns once, without debug, when connections keep dying by heartbeat timeout and no pong was ever seen', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { ofType } = makeSocket({ heartbeat: { interval: 1000, timeout: 500 }, maxReconnectionDelay: 1000 });
    for (let i = 0; i < 4; i++) {
      FakeWebSocket.last.serverOpen();
      await vi.advanceTimersByTimeAsync(1000);
      FakeWebSocket.last.serverMessage('{"type":"pong"}'); // what the server answers: not 'pong'
      await vi.advanceTimersByTimeAsync(1500); // no message after the next ping: dead
      await vi.advanceTimersByTimeAsync(1000); // the retry
    }
    expect(ofType<CloseEvent>('close').map((e) => e.reason)).toEqual(Array(4).fill('heartbeat timeout'));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/isPong.*ping: false/);
  });

  it('does not warn once a pong was seen', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { ofType } = makeSocket({ heartbeat: { interval: 1000, timeout: 500 }, maxReconnectionDelay: 1000 });
    FakeWebSocket.last.serverOpen();
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverMessage('pong');
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(1500);
      await vi.advanceTimersByTimeAsync(1000);
      FakeWebSocket.last.serverOpen();
    }
    expect(ofType('close').length).toBeGreaterThanOrEqual(2);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('giveup', () => {
  it('fires after the close when maxRetries are spent, with the reason and that close', async () => {
    const { socket, types, ofType } = makeSocket({ maxRetries: 1, random: () => 0 });
    FakeWebSocket.last.serverError();
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverError();
    expect(types()).toEqual(['error', 'close', 'reconnecting', 'error', 'close', 'giveup']);
    const detail = ofType<CustomEvent>('giveup')[0]?.detail;
    expect(detail.reason).toBe('maxRetries');
    expect(detail.close).toBe(ofType('close')[1]);
    expect(socket.readyState).toBe(socket.CLOSED);
  });

  it('fires when shouldReconnect says no', () => {
    const { ofType } = makeSocket({ shouldReconnect: (e) => e.code !== 4001 });
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(4001, 'banned', true);
    expect(ofType<CustomEvent>('giveup').map((e) => [e.detail.reason, e.detail.close.code])).toEqual([
      ['shouldReconnect', 4001],
    ]);
  });

  it('does not fire when a close listener reconnects, nor for close()', () => {
    const { socket, ofType } = makeSocket({ maxRetries: 0 });
    socket.addEventListener('close', () => socket.reconnect(), { once: true });
    FakeWebSocket.last.serverError();
    expect(ofType('giveup')).toHaveLength(0);
    expect(socket.state).toBe('connecting');
    socket.close();
    expect(ofType('giveup')).toHaveLength(0);
  });

  it('is typed on the socket', () => {
    const { socket } = makeSocket({ startClosed: true });
    socket.addEventListener('giveup', (e) => {
      const reason: 'maxRetries' | 'shouldReconnect' = e.detail.reason;
      void reason;
    });
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../src/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { captureLogged, makeSocket } from './helpers/socket';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => vi.useRealTimers());

const hb = { interval: 1000, timeout: 500 };

describe('heartbeat', () => {
  it('survives recognisers that throw: logged, the message delivered, later traffic unaffected', async () => {
    const { errors, lines, restore } = captureLogged();
    try {
      const isServerPing = (d: unknown) => JSON.parse(d as string).type === 'heartbeat';
      const isPong = (d: unknown) => JSON.parse(d as string).type === 'pong';
      const { ofType } = makeSocket({ heartbeat: { ...hb, ping: '{"type":"ping"}', isPong, isServerPing } });
      const ws = FakeWebSocket.last;
      ws.serverOpen();
      for (const m of ['{"n":1}', 'not json', '{"type":"heartbeat"}', '{"n":2}']) ws.serverMessage(m);
      await vi.advanceTimersByTimeAsync(1000);
      ws.serverMessage('{"type":"pong"}');
      await vi.advanceTimersByTimeAsync(0);
      expect(ofType<MessageEvent>('message').map((e) => e.data)).toEqual(['{"n":1}', 'not json', '{"n":2}']);
      expect(ws.sent).toEqual(['pong', '{"type":"ping"}']);
      expect(ofType('heartbeat')).toHaveLength(1);
      // 'not json' broke both recognisers; the second report falls in the 10 s pause.
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(SyntaxError);
      expect(lines[0]?.join(' ')).toContain('isPong threw');
    } finally {
      restore();
    }
  });

  it('survives ping and serverPingReply functions that throw: logged, the deadline still judged', async () => {
    const { errors, restore } = captureLogged();
    try {
      const boom = new Error('no ping today');
      const { ofType } = makeSocket({
        heartbeat: {
          ...hb,
          ping: () => {
            throw boom;
          },
          isServerPing: (d) => d === 'hb',
          serverPingReply: () => {
            throw boom;
          },
        },
      });
      const ws = FakeWebSocket.last;
      ws.serverOpen();
      ws.serverMessage('hb');
      await vi.advanceTimersByTimeAsync(1000);
      expect(ws.sent).toEqual([]);
      expect(ofType('message')).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(500);
      expect(ofType<CloseEvent>('close').map((e) => e.reason)).toEqual(['heartbeat timeout']);
      expect(errors).toEqual([boom]); // the second within 10 s of the first is muted
    } finally {
      restore();
    }
  });

  it('survives a ping function whose plain object JSON cannot encode (a BigInt): reported as a throwing ping function is, not thrown from its timer', async () => {
    const { errors, restore } = captureLogged();
    try {
      const { ofType } = makeSocket({ heartbeat: { ...hb, ping: () => ({ type: 'ping', seq: 1n }) } });
      const ws = FakeWebSocket.last;
      ws.serverOpen();
      // Encoded under the guard that reports what the ping function throws: no ping goes out,
      // and the link is judged as after a ping function that threw.
      let thrown: unknown;
      try {
        await vi.advanceTimersByTimeAsync(1000);
      } catch (error) {
        thrown = error;
      }
      expect(String(thrown ?? 'nothing thrown')).toBe('nothing thrown');
      expect(errors.map(String)).toEqual(['TypeError: Do not know how to serialize a BigInt']);
      await vi.advanceTimersByTimeAsync(500);
      expect(ofType<CloseEvent>('close').map((e) => e.reason)).toEqual(['heartbeat timeout']);
    } finally {
      restore();
    }
  });

  it('survives a serverPingReply function whose plain object JSON cannot encode: reported, no reply, and the message still handled as a server ping', async () => {
    const { errors, restore } = captureLogged();
    try {
      const { ofType } = makeSocket({
        heartbeat: { ...hb, ping: false, isServerPing: (d) => d === 'hb', serverPingReply: () => ({ n: 1n }) },
      });
      const ws = FakeWebSocket.last;
      ws.serverOpen();
      expect(() => ws.serverMessage('hb')).not.toThrow();
      expect(errors.map(String)).toEqual(['TypeError: Do not know how to serialize a BigInt']);
      expect(ws.sent).toEqual([]);
      expect(ofType('message')).toEqual([]);
    } finally {
      restore();
    }
  });

  it('is off by default: no pings, pongs are ordinary messages', async () => {
    const { ofType } = makeSocket();
    FakeWebSocket.last.serverOpen();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeWebSocket.last.sent).toEqual([]);
    FakeWebSocket.last.serverMessage('pong');
    expect(ofType<MessageEvent>('message').map((e) => e.data)).toEqual(['pong']);
  });

  it('pings every interval and consumes pongs, firing heartbeat { rtt }', async () => {
    const { ofType } = makeSocket({ heartbeat: hb });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    await vi.advanceTimersByTimeAsync(999);
    expect(ws.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.sent).toEqual(['ping']);
    await vi.advanceTimersByTimeAsync(42);
    ws.serverMessage('pong');
    expect(ofType<CustomEvent>('heartbeat').map((e) => e.detail)).toEqual([{ rtt: 42 }]);
    expect(ofType('message')).toHaveLength(0);
    // The next ping is `interval` after the previous one, armed from the pong's callback.
    await vi.advanceTimersByTimeAsync(957);
    expect(ws.sent).toEqual(['ping']);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.sent).toEqual(['ping', 'ping']);
  });

  it('a ping still behind a send burst is waited for while the burst drains; a backlog that stops draining is dead', async () => {
    const { types } = makeSocket({ heartbeat: hb });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    // A burst far larger than the link carries in `timeout`: the ping goes out behind it.
    ws.bufferedAmount = 1e6;
    await vi.advanceTimersByTimeAsync(1000);
    expect(ws.sent).toEqual(['ping']);
    for (const left of [6e5, 2e5, 0]) {
      ws.bufferedAmount = left;
      await vi.advanceTimersByTimeAsync(500);
      expect(types()).toEqual(['open']);
    }
    // Drained, the ping on the wire for a whole `timeout`: no answer is dead, as on an idle link.
    await vi.advanceTimersByTimeAsync(500);
    expect(types()).toEqual(['open', 'close', 'reconnecting']);
  });

  it('a backlog that does not drain within timeout after the ping is a dead link', async () => {
    const { types } = makeSocket({ heartbeat: hb });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.bufferedAmount = 1e6;
    await vi.advanceTimersByTimeAsync(1000 + 499);
    expect(types()).toEqual(['open']);
    await vi.advanceTimersByTimeAsync(1);
    expect(types()).toEqual(['open', 'close', 'reconnecting']);
  });

  it('a pong that comes once the burst drained keeps the link, with its round trip from the ping', async () => {
    const { ofType } = makeSocket({ heartbeat: hb });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.bufferedAmount = 1e6;
    await vi.advanceTimersByTimeAsync(1000 + 400);
    ws.bufferedAmount = 0;
    await vi.advanceTimersByTimeAsync(400);
    ws.serverMessage('pong');
    // The next ping is due one interval after this one went out, at 2000.
    await vi.advanceTimersByTimeAsync(200);
    expect(ws.sent).toEqual(['ping', 'ping']);
    expect(ofType('close')).toHaveLength(0);
    expect(ofType<CustomEvent>('heartbeat')[0]?.detail).toEqual({ rtt: 800 });
  });

  it('declares the link dead after timeout without any inbound message: close 1006 "heartbeat timeout", then reconnects', async () => {
    const { socket, types, ofType } = makeSocket({ heartbeat: hb, random: () => 0 });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    await vi.advanceTimersByTimeAsync(1000 + 499);
    expect(types()).toEqual(['open']);
    await vi.advanceTimersByTimeAsync(1);
    expect(types()).toEqual(['open', 'close', 'reconnecting']);
    expect(ofType<CloseEvent>('close')[0]).toMatchObject({ code: 1006, reason: 'heartbeat timeout', wasClean: false });
    // Torn down at once: the dead socket was told to close and is no longer ours.
    expect(ws.closeCalls).toEqual([{ code: 4000, reason: 'heartbeat timeout' }]);
    expect(socket.readyState).toBe(socket.CONNECTING);
    ws.serverMessage('late');
    ws.serverClose(1006);
    expect(ofType('close')).toHaveLength(1);
    expect(ofType('message')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('takes any inbound message as proof of life', async () => {
    const { types } = makeSocket({ heartbeat: hb });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    // Data every 400 ms and never a pong: each ping is followed by a message within `timeout`.
    for (let i = 0; i < 25; i++) {
      await vi.advanceTimersByTimeAsync(400);
      ws.serverMessage(`data ${i}`);
    }
    expect(types().filter((t) => t === 'close')).toEqual([]);
    expect(ws.sent).toHaveLength(10);
  });

  it('raises no false timeout when its timer fires late but a message did arrive (throttled tab)', async () => {
    // A clock whose timers fire 3 s late, as Chrome does to background tabs; in the second part,
    // only the timers that judge a ping (armed for `timeout` or less).
    let judgesOnly = false;
    const late: Clock = {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, judgesOnly && ms > hb.timeout ? ms : ms + 3000),
      clearTimeout: (h) => clearTimeout(h as number),
    };
    const { socket, types, ofType } = makeSocket({ heartbeat: hb, clock: late });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    await vi.advanceTimersByTimeAsync(4000); // the first ping goes out late
    expect(ws.sent).toEqual(['ping']);
    // A server that answers every ping within 100 ms, for 30 s of throttled timers.
    let answered = 0;
    for (let t = 0; t < 300; t++) {
      await vi.advanceTimersByTimeAsync(100);
      if (ws.sent.length > answered) {
        answered = ws.sent.length;
        ws.serverMessage('pong');
      }
    }
    expect(answered).toBeGreaterThan(5);
    expect(types()).not.toContain('close');
    // A frozen tab: the server still answers at once, but the page handles the answer only after
    // the late timer that was to judge the ping. That timer ran 3 s past its deadline with the
    // answer already waiting behind it: no verdict, a probe instead. (Every timer late with
    // nothing read between two of them is a held-back page: the second judges, see
    // test/core.review.test.ts.)
    judgesOnly = true;
    // The ping timer armed before is still 3 s late: its probe is answered at once.
    for (let pings = ws.sent.length; ws.sent.length === pings;) await vi.advanceTimersByTimeAsync(100);
    ws.serverMessage('pong');
    const heartbeats = ofType('heartbeat').length;
    for (let round = 0; round < 3; round++) {
      const pings = ws.sent.length;
      for (let t = 0; t < 100 && ws.sent.length === pings; t++) await vi.advanceTimersByTimeAsync(100);
      expect(ws.sent.length, 'a ping within 10 s').toBeGreaterThan(pings);
      await vi.advanceTimersByTimeAsync(hb.timeout + 3000); // its deadline's timer, 3 s late
      ws.serverMessage('pong');
    }
    expect(types()).not.toContain('close');
    expect(ofType('heartbeat')).toHaveLength(heartbeats + 3);
    expect(socket.readyState).toBe(socket.OPEN);
  });

  it('judges the deadline by timestamps when the timeout timer fires early', async () => {
    const early: Clock = {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms - 50)),
      clearTimeout: (h) => clearTimeout(h as number),
    };
    const { ofType } = makeSocket({ heartbeat: hb, clock: early });
    FakeWebSocket.last.serverOpen();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.last.sent).toEqual(['ping']);
    await vi.advanceTimersByTimeAsync(460);
    expect(ofType('close')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(ofType('close')).toHaveLength(1);
  });

  it('sends what ping returns, binary included', async () => {
    let n = 0;
    const first = makeSocket({ heartbeat: { ...hb, ping: () => JSON.stringify({ type: 'ping', n: ++n }) } });
    FakeWebSocket.last.serverOpen();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.last.sent).toEqual(['{"type":"ping","n":1}']);
    first.socket.close();
    FakeWebSocket.reset();
    const bytes = new Uint8Array([9]);
    makeSocket({ heartbeat: { ...hb, ping: bytes, isPong: (d) => d instanceof ArrayBuffer } });
    FakeWebSocket.last.serverOpen();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.last.sent).toEqual([bytes]);
  });

  it('sends a plain object that ping or serverPingReply returns as its JSON, as it does one given as the option', async () => {
    let n = 0;
    makeSocket({
      heartbeat: {
        ...hb,
        ping: () => ({ type: 'ping', n: ++n }),
        isServerPing: { type: 'heartbeat' },
        serverPingReply: (d) => ({ type: 'heartbeat_ack', to: JSON.parse(String(d)).id }),
      },
    });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.serverMessage('{"type":"heartbeat","id":4}');
    await vi.advanceTimersByTimeAsync(1000);
    expect(ws.sent).toEqual(['{"type":"heartbeat_ack","to":4}', '{"type":"ping","n":1}']);
  });

  it('recognises pongs with isPong', async () => {
    const { ofType } = makeSocket({
      heartbeat: { ...hb, isPong: (d) => typeof d === 'string' && d.startsWith('{"type":"pong"') },
    });
    FakeWebSocket.last.serverOpen();
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverMessage('{"type":"pong"}');
    FakeWebSocket.last.serverMessage('pong');
    expect(ofType('heartbeat')).toHaveLength(1);
    expect(ofType<MessageEvent>('message').map((e) => e.data)).toEqual(['pong']);
  });

  it('answers server pings in one line of options: {"type":"heartbeat"} → {"type":"heartbeat_ack"}', async () => {
    const { ofType } = makeSocket({
      heartbeat: { isServerPing: (d) => d === '{"type":"heartbeat"}', serverPingReply: '{"type":"heartbeat_ack"}' },
    });
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverMessage('{"type":"heartbeat"}');
    FakeWebSocket.last.serverMessage('{"type":"chat"}');
    expect(FakeWebSocket.last.sent).toEqual(['{"type":"heartbeat_ack"}']);
    expect(ofType<MessageEvent>('message').map((e) => e.data)).toEqual(['{"type":"chat"}']);
  });

  it('builds the reply to a server ping with a function of the ping', () => {
    makeSocket({
      heartbeat: {
        isServerPing: (d) => typeof d === 'string' && d.startsWith('ping:'),
        serverPingReply: (d) => `pong:${String(d).slice(5)}`,
      },
    });
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverMessage('ping:7');
    expect(FakeWebSocket.last.sent).toEqual(['pong:7']);
  });

  it('with ping: false, sends nothing and declares the link dead after interval + timeout of silence', async () => {
    const { ofType } = makeSocket({ heartbeat: { ...hb, ping: false, isServerPing: (d) => d === 'hb' } });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    await vi.advanceTimersByTimeAsync(1200);
    ws.serverMessage('hb');
    await vi.advanceTimersByTimeAsync(1499);
    expect(ofType('close')).toHaveLength(0);
    expect(ws.sent).toEqual(['pong']);
    await vi.advanceTimersByTimeAsync(1);
    expect(ofType<CloseEvent>('close')[0]?.reason).toBe('heartbeat timeout');
  });

  it('with ping: false, a page turning visible keeps a healthy link whose server pings seldom, and sends go out at once', async () => {
    let notify: (what: 'online' | 'offline' | 'resume' | 'freeze' | 'restore') => void = () => {};
    // The README's server that pings on its own, here every 20 s.
    const { socket, types } = makeSocket({
      lifecycle: (n) => ((notify = n), () => {}),
      heartbeat: { ping: false, interval: 25_000, isServerPing: (d) => d === 'hb', serverPingReply: 'ack' },
    });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(20_000);
      ws.serverMessage('hb');
    }
    notify('resume');
    expect(socket.send('x')).toBe(true);
    socket.probe();
    expect(socket.send('y')).toBe(true);
    await vi.advanceTimersByTimeAsync(15_000);
    ws.serverMessage('hb');
    expect(types()).not.toContain('close');
    expect(ws.sent).toEqual(['ack', 'ack', 'ack', 'x', 'y', 'ack']);
    expect(socket.readyState).toBe(socket.OPEN);
  });

  it('with ping: false, regular server traffic keeps the link alive without any reply', async () => {
    const { ofType } = makeSocket({ heartbeat: { ...hb, ping: false } });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    for (let i = 0; i < 30; i++) {
      await vi.advanceTimersByTimeAsync(900);
      ws.serverMessage('tick');
    }
    expect(ofType('close')).toHaveLength(0);
    expect(ws.sent).toEqual([]);
  });

  it('with ping: false, finds a link dead after exactly interval + timeout of silence, however the silence falls', async () => {
    const { ofType } = makeSocket({ heartbeat: { ...hb, ping: false } });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    await vi.advanceTimersByTimeAsync(100);
    ws.serverMessage('news'); // the last sign of life: dead at 100 + 1000 + 500
    await vi.advanceTimersByTimeAsync(1499);
    expect(ofType('close')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ofType<CloseEvent>('close').map((e) => e.reason)).toEqual(['heartbeat timeout']);
  });

  describe("with ping: false, learns the server's ping cadence from its recognised pings", () => {
    // The defaults (interval 25 s, timeout 10 s) and a server that pings every second.
    const watching = {
      ping: false as const,
      isServerPing: { type: 'heartbeat' },
      serverPingReply: { type: 'heartbeat_ack' },
    };
    const PING = '{"type":"heartbeat"}';

    it('once the server has pinged twice, a silent link is dead within its cadence + timeout', async () => {
      const { ofType } = makeSocket({ heartbeat: watching });
      const ws = FakeWebSocket.last;
      ws.serverOpen();
      for (let i = 0; i < 3; i++) {
        await vi.advanceTimersByTimeAsync(1000);
        ws.serverMessage(PING);
      }
      // Silent from 3000 on: the next ping was due at 4000, and timeout (10 s) runs from there.
      await vi.advanceTimersByTimeAsync(10_999);
      expect(ofType('close')).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(ofType<CloseEvent>('close').map((e) => [e.code, e.reason])).toEqual([[1006, 'heartbeat timeout']]);
      expect(ws.sent).toEqual(Array(3).fill('{"type":"heartbeat_ack"}'));
    });

    it('one ping is not a cadence: until the second, the deadline is interval + timeout', async () => {
      const { ofType } = makeSocket({ heartbeat: watching });
      const ws = FakeWebSocket.last;
      ws.serverOpen();
      await vi.advanceTimersByTimeAsync(1000);
      ws.serverMessage(PING);
      await vi.advanceTimersByTimeAsync(34_999);
      expect(ofType('close')).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(ofType('close')).toHaveLength(1);
    });

    it('keeps a server whose pings wander around their cadence alive, with traffic in between or not', async () => {
      const { ofType } = makeSocket({ heartbeat: { ...watching, timeout: 300 } });
      const ws = FakeWebSocket.last;
      ws.serverOpen();
      // Gaps of 800 and 1200 ms: the learnt cadence is the longest recent gap (the last alone,
      // 800 ms, would give up at 800 + 300 < 1200).
      for (let i = 0; i < 40; i++) {
        await vi.advanceTimersByTimeAsync(i % 2 ? 1200 : 800);
        ws.serverMessage(PING);
        if (i % 5 === 0) ws.serverMessage('news');
      }
      expect(ofType('close')).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1200 + 300);
      expect(ofType<CloseEvent>('close').map((e) => e.reason)).toEqual(['heartbeat timeout']);
    });

    it('a stall, its held-up pings arriving together, neither ends the link nor slows detection for long', async () => {
      const { ofType } = makeSocket({ heartbeat: watching });
      const ws = FakeWebSocket.last;
      ws.serverOpen();
      for (let i = 0; i < 10; i++) {
        await vi.advanceTimersByTimeAsync(1000);
        ws.serverMessage(PING);
      }
      // 8 s without a ping, then the 8 held up arrive together (gaps of 0 ms); then every second.
      await vi.advanceTimersByTimeAsync(8000);
      for (let i = 0; i < 8; i++) ws.serverMessage(PING);
      for (let i = 0; i < 60; i++) {
        await vi.advanceTimersByTimeAsync(1000);
        ws.serverMessage(PING);
      }
      expect(ofType('close')).toHaveLength(0);
      // The stall's gap has aged out (after one to two intervals): silent, dead 1 s + timeout on.
      await vi.advanceTimersByTimeAsync(10_999);
      expect(ofType('close')).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(ofType<CloseEvent>('close').map((e) => e.reason)).toEqual(['heartbeat timeout']);
    });

    it('ignores the gaps between other messages: a burst does not shorten the deadline', async () => {
      // No isServerPing: nothing tells a ping from an update, so there is no cadence to learn.
      const { ofType } = makeSocket({ heartbeat: { ping: false } });
      const ws = FakeWebSocket.last;
      ws.serverOpen();
      await vi.advanceTimersByTimeAsync(1000);
      for (let i = 0; i < 5; i++) ws.serverMessage(`update ${i}`);
      await vi.advanceTimersByTimeAsync(1);
      ws.serverMessage('update 5'); // at 1001: dead at 1001 + 25 000 + 10 000
      await vi.advanceTimersByTimeAsync(34_999);
      expect(ofType('close')).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(ofType('close')).toHaveLength(1);
    });

    it('never waits longer than interval: a cadence slower than interval is capped by it', async () => {
      const { ofType } = makeSocket({ heartbeat: { ...watching, ...hb } });
      const ws = FakeWebSocket.last;
      ws.serverOpen();
      for (let i = 0; i < 2; i++) {
        await vi.advanceTimersByTimeAsync(1400);
        ws.serverMessage(PING);
      }
      // Learnt 1400, capped at interval 1000: dead at 2800 + 1000 + 500.
      await vi.advanceTimersByTimeAsync(1499);
      expect(ofType('close')).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(ofType('close')).toHaveLength(1);
    });

    it('learns afresh on every connection', async () => {
      const { ofType } = makeSocket({ heartbeat: watching, minReconnectionDelay: 100, jitter: 0 });
      const first = FakeWebSocket.last;
      first.serverOpen();
      for (let i = 0; i < 3; i++) {
        await vi.advanceTimersByTimeAsync(100);
        first.serverMessage(PING);
      }
      first.serverClose(1006);
      await vi.advanceTimersByTimeAsync(100);
      const second = FakeWebSocket.last;
      expect(second).not.toBe(first);
      second.serverOpen();
      await vi.advanceTimersByTimeAsync(100);
      second.serverMessage(PING); // one ping on this connection: interval + timeout from here
      await vi.advanceTimersByTimeAsync(34_999);
      expect(ofType<CloseEvent>('close').map((e) => e.reason)).toEqual(['']);
      await vi.advanceTimersByTimeAsync(1);
      expect(ofType<CloseEvent>('close').map((e) => e.reason)).toEqual(['', 'heartbeat timeout']);
    });
  });

  it('probe() pings at once and holds sends until the answer; after it, sends go out at once again', () => {
    const { socket } = makeSocket({ heartbeat: hb });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    socket.probe();
    expect(ws.sent).toEqual(['ping']);
    expect(socket.send('held')).toBe(false);
    expect(ws.sent).toEqual(['ping']);
    ws.serverMessage('pong');
    expect(ws.sent).toEqual(['ping', 'held']);
    expect(socket.send('after')).toBe(true);
    expect(ws.sent).toEqual(['ping', 'held', 'after']);
  });

  it('leaves no timer behind after close()', async () => {
    const { socket } = makeSocket({ heartbeat: hb });
    FakeWebSocket.last.serverOpen();
    await vi.advanceTimersByTimeAsync(1000);
    expect(vi.getTimerCount()).toBe(1);
    socket.close();
    FakeWebSocket.last.serverClose(1000, '', true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops pinging while the connection is down', async () => {
    makeSocket({ heartbeat: hb, maxRetries: 0 });
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(1006);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('heartbeat with a chatty server', () => {
  it('matches a pong to its ping even when other messages arrive in between', async () => {
    const { ofType } = makeSocket({ heartbeat: hb });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    await vi.advanceTimersByTimeAsync(1000);
    ws.serverMessage('news 1');
    await vi.advanceTimersByTimeAsync(30);
    ws.serverMessage('news 2');
    ws.serverMessage('pong');
    expect(ofType<CustomEvent>('heartbeat').map((e) => e.detail)).toEqual([{ rtt: 30 }]);
    expect(ofType<MessageEvent>('message').map((e) => e.data)).toEqual(['news 1', 'news 2']);
  });

  it('answers pongs in order when the next ping went out before the last pong came', async () => {
    const { ofType } = makeSocket({ heartbeat: hb });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    await vi.advanceTimersByTimeAsync(1000); // ping 1 at 1000
    await vi.advanceTimersByTimeAsync(100);
    ws.serverMessage('data'); // proves life; the next ping goes at 2000
    await vi.advanceTimersByTimeAsync(900); // ping 2 at 2000
    await vi.advanceTimersByTimeAsync(50);
    ws.serverMessage('pong'); // answers ping 1: 1050 ms
    ws.serverMessage('pong'); // answers ping 2: 50 ms
    ws.serverMessage('pong'); // answers nothing: consumed, no event
    expect(ofType<CustomEvent>('heartbeat').map((e) => e.detail.rtt)).toEqual([1050, 50]);
    expect(ofType('message').map((e) => (e as MessageEvent).data)).toEqual(['data']);
  });
});

describe('sockets let go of', () => {
  class Terminable extends FakeWebSocket {
    terminated = 0;
    terminate(): void {
      this.terminated++;
      this.readyState = 2;
    }
  }

  it('a dead link is terminated at once where the implementation can (the ws package)', async () => {
    const { socket } = makeSocket({ WebSocket: Terminable as never, heartbeat: hb });
    const dead = FakeWebSocket.last as Terminable;
    dead.serverOpen();
    await vi.advanceTimersByTimeAsync(1500);
    expect(dead.terminated).toBe(1);
    expect(dead.closeCalls).toEqual([]);
    socket.close();
  });

  it('close() ends for good every socket still in its closing handshake', async () => {
    const { socket } = makeSocket({ WebSocket: Terminable as never });
    const first = FakeWebSocket.last as Terminable;
    first.serverOpen();
    socket.reconnect(); // first is now closing, gracefully; the next attempt waits for its close
    await vi.advanceTimersByTimeAsync(500);
    expect(first.terminated).toBe(0);
    expect(FakeWebSocket.instances).toHaveLength(1);
    socket.close();
    expect(first.terminated).toBe(1);
    // Nothing is left to wait for: no attempt follows, and the socket stays closed.
    await vi.advanceTimersByTimeAsync(5000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(socket.readyState).toBe(socket.CLOSED);
  });

  it('a socket whose close was reported is not touched again', () => {
    const { socket } = makeSocket({ WebSocket: Terminable as never });
    const first = FakeWebSocket.last as Terminable;
    first.serverOpen();
    socket.reconnect();
    first.serverClose(1000, '', true);
    socket.close();
    expect(first.terminated).toBe(0);
  });
});

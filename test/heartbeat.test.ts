/**
 * src/heartbeat.ts through its own API: a heartbeat driven by the system clock under fake
 * timers, with hooks that record what it asks of its socket.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Clock, systemClock } from '../src/env/clock';
import { guard } from '../src/guard';
import { heartbeat, MAX_PINGS } from '../src/heartbeat';
import type { ResolvedHeartbeat } from '../src/options';

const INTERVAL = 1000;
const TIMEOUT = 300;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** A started heartbeat and the log of what it asked for: `ping`, `send <data>`, `dead`, … */
function make(options: Partial<ResolvedHeartbeat> = {}, clock: Clock = systemClock, backlog = () => 0) {
  const calls: string[] = [];
  const rtts: number[] = [];
  const o: ResolvedHeartbeat = {
    interval: INTERVAL,
    timeout: TIMEOUT,
    probeTimeout: 100,
    ping: 'ping',
    isPong: (data) => data === 'pong',
    isServerPing: undefined,
    serverPingReply: 'pong',
    ...options,
  };
  const hb = heartbeat(o, clock, {
    send: (data, ping) => calls.push(ping ? `ping ${String(data)}` : `send ${String(data)}`),
    dead: () => calls.push('dead'),
    alive: () => calls.push('alive'),
    pong: (rtt) => rtts.push(rtt),
    woke: () => calls.push('woke'),
    guard: guard(clock),
    backlog,
  });
  hb.start();
  return { hb, calls, rtts };
}

it('gives a ping written behind a draining send burst `timeout` more, and calls the link dead once it stops draining', () => {
  // Bytes the socket has not sent yet: 900 when the ping goes out behind them, 400 a timeout later.
  let buffered = 900;
  const { calls } = make({}, systemClock, () => buffered);
  vi.advanceTimersByTime(INTERVAL);
  expect(calls).toEqual(['ping ping']);
  buffered = 400;
  vi.advanceTimersByTime(TIMEOUT);
  expect(calls).toEqual(['ping ping']);
  // Nothing left the buffer in that extra time: no pong is coming through it.
  vi.advanceTimersByTime(TIMEOUT - 1);
  expect(calls).toEqual(['ping ping']);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['ping ping', 'dead']);
});

it('sends the first ping `interval` after start, and the next `interval` after that ping', () => {
  const { hb, calls } = make();
  vi.advanceTimersByTime(INTERVAL - 1);
  expect(calls).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['ping ping']);
  // The pong comes 50 ms later: the next ping is due `interval` after the first one went out.
  vi.advanceTimersByTime(50);
  expect(hb.receive('pong')).toBe(true);
  expect(calls).toEqual(['ping ping', 'alive']);
  vi.advanceTimersByTime(INTERVAL - 51);
  expect(calls).toHaveLength(2);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['ping ping', 'alive', 'ping ping']);
});

it('declares the link dead `timeout` ms after an unanswered ping, not a millisecond before', () => {
  const { calls } = make();
  vi.advanceTimersByTime(INTERVAL + TIMEOUT - 1);
  expect(calls).toEqual(['ping ping']);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['ping ping', 'dead']);
  // Dead once: no timer is left behind.
  expect(vi.getTimerCount()).toBe(0);
});

it('takes any message after a ping as proof of life, and reports the pong round trip', () => {
  const { hb, calls, rtts } = make();
  vi.advanceTimersByTime(INTERVAL + 200);
  expect(hb.receive('chat')).toBe(false);
  expect(calls).toEqual(['ping ping', 'alive']);
  vi.advanceTimersByTime(TIMEOUT);
  expect(calls).not.toContain('dead');
  // The pong of that ping still tells the round trip, measured from the ping.
  vi.advanceTimersByTime(10);
  expect(hb.receive('pong')).toBe(true);
  expect(rtts).toEqual([510]);
});

it('matches pongs to pings oldest first, and remembers at most MAX_PINGS of them', () => {
  const { hb, rtts } = make({ timeout: 10 * INTERVAL });
  // Each ping is kept alive by chatter, never answered by a pong.
  for (let i = 0; i < MAX_PINGS + 5; i++) {
    vi.advanceTimersByTime(INTERVAL);
    hb.receive('chat');
  }
  vi.advanceTimersByTime(1);
  hb.receive('pong');
  hb.receive('pong');
  // Pings went out at 1 s, 2 s, … 69 s; the five oldest were forgotten, so the first pong
  // answers the one of 6 s, the next that of 7 s.
  expect(rtts).toEqual([(MAX_PINGS - 1) * INTERVAL + 1, (MAX_PINGS - 2) * INTERVAL + 1]);
});

it('a late timer (a suspended page) probes the link instead of calling it dead', () => {
  const { hb, calls } = make();
  vi.advanceTimersByTime(INTERVAL);
  expect(calls).toEqual(['ping ping']);
  // The machine sleeps for a minute: the clock moves, the timer has not fired.
  vi.setSystemTime(Date.now() + 60_000);
  vi.advanceTimersByTime(TIMEOUT);
  expect(calls).toEqual(['ping ping', 'ping ping', 'woke']);
  // The probe's answer keeps the link.
  hb.receive('pong');
  vi.advanceTimersByTime(INTERVAL);
  expect(calls).not.toContain('dead');
});

it('a probe with no answer ends the link within probeTimeout', () => {
  const { hb, calls } = make();
  vi.advanceTimersByTime(200);
  hb.probe();
  expect(calls).toEqual(['ping ping']);
  vi.advanceTimersByTime(99);
  expect(calls).toEqual(['ping ping']);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['ping ping', 'dead']);
});

it('a probe during an unanswered ping brings its deadline forward, and sends no second ping', () => {
  const { hb, calls } = make();
  vi.advanceTimersByTime(INTERVAL);
  hb.probe();
  expect(calls).toEqual(['ping ping']);
  vi.advanceTimersByTime(100);
  expect(calls).toEqual(['ping ping', 'dead']);
});

it('a slow probe (quick false) waits the full timeout', () => {
  const { hb, calls } = make();
  hb.probe(false);
  vi.advanceTimersByTime(TIMEOUT - 1);
  expect(calls).toEqual(['ping ping']);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['ping ping', 'dead']);
});

it('does nothing once stopped: no ping, no death, no timer, and probe() is ignored', () => {
  const { hb, calls } = make();
  vi.advanceTimersByTime(INTERVAL);
  hb.stop();
  expect(vi.getTimerCount()).toBe(0);
  hb.probe();
  vi.advanceTimersByTime(10 * INTERVAL);
  expect(calls).toEqual(['ping ping']);
});

it('answers a recognised server ping with serverPingReply and hides it from the user', () => {
  const { hb, calls } = make({
    isServerPing: (data) => String(data).startsWith('sping'),
    serverPingReply: (data) => `re:${String(data)}`,
  });
  expect(hb.receive('sping 1')).toBe(true);
  expect(calls).toEqual(['send re:sping 1']);
  expect(hb.receive('news')).toBe(false);
});

it('recognises pongs and server pings by JSON pattern, on parsed text only', () => {
  const { hb, calls } = make({ isPong: { type: 'pong' }, isServerPing: { type: 'ping' }, serverPingReply: 'ok' });
  expect(hb.receive('{"type":"pong","t":1}')).toBe(true);
  expect(hb.receive('{"type":"ping"}')).toBe(true);
  expect(calls).toEqual(['send ok']);
  expect(hb.receive('{"type":"news"}')).toBe(false);
  expect(hb.receive('not json')).toBe(false);
  expect(hb.receive(new ArrayBuffer(2))).toBe(false);
});

it('takes a message as ordinary when the recogniser throws, and reports the throw', () => {
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  const { hb } = make({ isPong: (data) => JSON.parse(String(data)).pong });
  expect(hb.receive('not json')).toBe(false);
  expect(error).toHaveBeenCalledTimes(1);
});

it('with ping: false, only watches: dead after interval + timeout of silence, alive while traffic flows', () => {
  const { hb, calls } = make({ ping: false });
  vi.advanceTimersByTime(INTERVAL - 100);
  hb.receive('chat');
  // Silence is counted from the last message, not from start.
  vi.advanceTimersByTime(INTERVAL + TIMEOUT - 1);
  expect(calls).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['dead']);
});

it('with ping: false, probe() has nothing to ask: it answers false and leaves the watch as it was', () => {
  const { hb, calls } = make({ ping: false });
  vi.advanceTimersByTime(200);
  expect(hb.probe()).toBe(false);
  // No probeTimeout (100 ms) deadline: the silence still counts from start, interval + timeout.
  vi.advanceTimersByTime(INTERVAL + TIMEOUT - 201);
  expect(calls).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['dead']);
});

it('a JSON pattern without a prototype (which options.ts takes) recognises pongs as a plain one does', () => {
  const { hb, rtts } = make({ isPong: Object.assign(Object.create(null) as object, { type: 'pong' }) });
  vi.advanceTimersByTime(INTERVAL);
  expect(hb.receive('{"type":"pong"}')).toBe(true);
  expect(rtts).toEqual([0]);
});

it('an interval past what setTimeout holds (2 ** 31 ms) arms one timer, not one every millisecond', () => {
  const clock = { ...systemClock, setTimeout: vi.fn(systemClock.setTimeout) };
  const { calls } = make({ interval: 2 ** 31 }, clock);
  vi.advanceTimersByTime(100);
  expect(calls).toEqual([]);
  expect(clock.setTimeout).toHaveBeenCalledTimes(1);
});

it('a probe with a ping to send answers true; stopped, false', () => {
  const { hb } = make();
  expect(hb.probe()).toBe(true);
  // Outstanding: still awaited.
  expect(hb.probe()).toBe(true);
  hb.stop();
  expect(hb.probe()).toBe(false);
});

it('with ping: false, a late timer (a suspended page) counts the silence from the wake: interval + timeout, no woke', () => {
  const { calls } = make({ ping: false });
  vi.advanceTimersByTime(INTERVAL - 100);
  vi.setSystemTime(Date.now() + 60_000);
  // The watch's timer fires a minute late.
  vi.advanceTimersByTime(100);
  expect(calls).toEqual([]);
  vi.advanceTimersByTime(INTERVAL + TIMEOUT - 1);
  expect(calls).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['dead']);
});

it("with ping: false, learns the server's faster ping cadence and judges silence by it", () => {
  const { hb, calls } = make({ ping: false, interval: 10_000, isServerPing: (d) => d === 'sping' });
  hb.receive('sping');
  vi.advanceTimersByTime(2000);
  hb.receive('sping');
  // The server pings every 2 s: 2 s + timeout of silence is death, long before 10 s.
  vi.advanceTimersByTime(2000 + TIMEOUT);
  expect(calls.filter((c) => c === 'dead')).toEqual(['dead']);
});

it('warns once when the server never answers a ping, from the second death on', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const { hb } = make();
  for (let i = 0; i < 3; i++) {
    hb.start();
    vi.advanceTimersByTime(INTERVAL + TIMEOUT);
  }
  expect(warn).toHaveBeenCalledTimes(1);
  expect(String(warn.mock.calls[0]?.[0])).toMatch(/never a pong/);
});

it('does not warn about pongs when one was ever recognised', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const { hb } = make();
  vi.advanceTimersByTime(INTERVAL);
  hb.receive('pong');
  for (let i = 0; i < 3; i++) {
    hb.start();
    vi.advanceTimersByTime(INTERVAL + TIMEOUT);
  }
  expect(warn).not.toHaveBeenCalled();
});

it('a timer that fires a millisecond early does not end the link early', () => {
  const calls: string[] = [];
  // A runtime whose timers fire 1 ms before they are due.
  const early = { ...systemClock, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, Math.max(0, ms - 1)) };
  const hb = heartbeat(
    {
      interval: INTERVAL,
      timeout: TIMEOUT,
      probeTimeout: 100,
      ping: 'ping',
      isPong: () => false,
      isServerPing: undefined,
      serverPingReply: '',
    },
    early,
    {
      send: () => calls.push('ping'),
      dead: () => calls.push('dead'),
      alive: () => {},
      pong: () => {},
      woke: () => calls.push('woke'),
      guard: guard(systemClock),
      backlog: () => 0,
    },
  );
  hb.start();
  vi.advanceTimersByTime(INTERVAL - 1);
  expect(calls).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['ping']);
  vi.advanceTimersByTime(TIMEOUT - 1);
  expect(calls).toEqual(['ping']);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['ping', 'dead']);
});

it('a probe never postpones the deadline of a ping already outstanding', () => {
  const { hb, calls } = make();
  vi.advanceTimersByTime(INTERVAL + TIMEOUT - 50);
  // 50 ms are left; a probe would allow 100.
  hb.probe();
  vi.advanceTimersByTime(50);
  expect(calls).toEqual(['ping ping', 'dead']);
});

it('a pong with no ping outstanding tells no round trip, and is still not a message', () => {
  const { hb, rtts } = make();
  expect(hb.receive('pong')).toBe(true);
  expect(rtts).toEqual([]);
});

it('forgets the pings of a connection that ended: a pong after a restart tells no old round trip', () => {
  const { hb, rtts } = make();
  vi.advanceTimersByTime(INTERVAL);
  hb.stop();
  hb.start();
  hb.receive('pong');
  expect(rtts).toEqual([]);
});

it('parses JSON for one pattern recogniser even when the other is a function', () => {
  const { hb, calls } = make({ isPong: (d) => d === 'pong', isServerPing: { type: 'ping' }, serverPingReply: 'ok' });
  expect(hb.receive('{"type":"ping"}')).toBe(true);
  expect(calls).toEqual(['send ok']);
  const second = make({ isPong: { type: 'pong' } });
  expect(second.hb.receive('{"type":"pong"}')).toBe(true);
});

it('with ping: false, never warns about pongs, however often the link dies', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const { hb } = make({ ping: false });
  for (let i = 0; i < 3; i++) {
    hb.start();
    vi.advanceTimersByTime(INTERVAL + TIMEOUT);
  }
  expect(warn).not.toHaveBeenCalled();
});

it('with ping: false, one early server ping does not shrink the learnt cadence', () => {
  const { hb, calls } = make({ ping: false, interval: 10_000, isServerPing: (d) => d === 'sping' });
  hb.receive('sping');
  vi.advanceTimersByTime(2000);
  hb.receive('sping');
  vi.advanceTimersByTime(500);
  hb.receive('sping');
  // Gaps 2000 then 500: the cadence stays 2000 less a tenth (a gap fades a tenth a ping), not 500.
  vi.advanceTimersByTime(1800 + TIMEOUT - 1);
  expect(calls.filter((c) => c === 'dead')).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(calls.filter((c) => c === 'dead')).toEqual(['dead']);
});

it.each([2, 3])(
  'with ping: false, %i server pings that arrive back to back (held up by a stalled link) do not make a cadence of 0 ms',
  (burst) => {
    // The server pings every 2 s; its first pings, held up, arrive together (the last of them
    // on time, half a second after it was due).
    const { hb, calls } = make({ ping: false, interval: 10_000, isServerPing: (d) => d === 'sping' });
    const held = (burst - 1) * 2000 + 500;
    vi.advanceTimersByTime(held);
    for (let i = 0; i < burst; i++) hb.receive('sping');
    // It goes on pinging every 2 s, each gap longer than `timeout`: the link is alive.
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(2000);
      hb.receive('sping');
    }
    expect(calls.filter((c) => c === 'dead')).toEqual([]);
    // Silent: dead after the cadence + timeout, or a little more while the stall's gap fades;
    // never later than the stall's own gap + timeout.
    vi.advanceTimersByTime(2000 + TIMEOUT - 1);
    expect(calls.filter((c) => c === 'dead')).toEqual([]);
    vi.advanceTimersByTime(held - 2000 + 1);
    expect(calls.filter((c) => c === 'dead')).toEqual(['dead']);
  },
);

it('with ping: false, the first gap counts from the open: one ping soon after it is not a cadence', () => {
  const { hb, calls } = make({ ping: false, interval: 10_000, isServerPing: (d) => d === 'sping' });
  vi.advanceTimersByTime(100);
  hb.receive('sping');
  // One gap (100 ms, from the open): not yet a cadence; silence is judged by `interval`.
  vi.advanceTimersByTime(10_000 + TIMEOUT - 1);
  expect(calls.filter((c) => c === 'dead')).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(calls.filter((c) => c === 'dead')).toEqual(['dead']);
});

it('with ping: false, a server ping heard after stop() arms no timer, and a restart forgets the cadence', () => {
  const { hb, calls } = make({ ping: false, interval: 10_000, isServerPing: (d) => d === 'sping' });
  hb.stop();
  hb.receive('sping');
  vi.advanceTimersByTime(2000);
  hb.receive('sping');
  expect(vi.getTimerCount()).toBe(0);
  hb.start();
  // Silence is judged by `interval` again: 10 s + timeout after the last message.
  vi.advanceTimersByTime(100);
  hb.receive('chat');
  vi.advanceTimersByTime(10_000 + TIMEOUT - 1);
  expect(calls.filter((c) => c === 'dead')).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(calls.filter((c) => c === 'dead')).toEqual(['dead']);
});

it('a timer exactly `timeout` late still judges the ping: dead, not a probe', () => {
  const { calls } = make();
  vi.advanceTimersByTime(INTERVAL);
  expect(calls).toEqual(['ping ping']);
  // The clock moves `timeout` ms past the deadline before the timer fires: on time, just.
  vi.setSystemTime(Date.now() + TIMEOUT);
  vi.advanceTimersByTime(TIMEOUT);
  expect(calls).toEqual(['ping ping', 'dead']);
});

it("with ping on, the server's own pings do not move the client's ping schedule", () => {
  const { hb, calls } = make({ isServerPing: (d) => d === 'sping' });
  for (let i = 0; i < 3; i++) {
    vi.advanceTimersByTime(300);
    hb.receive('sping');
  }
  vi.advanceTimersByTime(INTERVAL - 900 - 1);
  expect(calls.filter((c) => c.startsWith('ping'))).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(calls.filter((c) => c.startsWith('ping'))).toEqual(['ping ping']);
});

it('sends no reply to a server ping when serverPingReply throws, and reports the throw', () => {
  const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
  const { hb, calls } = make({
    isServerPing: (d) => d === 'sping',
    serverPingReply: () => {
      throw new Error('no reply');
    },
  });
  expect(hb.receive('sping')).toBe(true);
  expect(calls).toEqual([]);
  expect(errors).toHaveBeenCalledTimes(1);
});

it('with ping: false, traffic after a silent check re-arms by the learnt cadence, not by interval', () => {
  const { hb, calls } = make({ ping: false, interval: 10_000, isServerPing: (d) => d === 'sping' });
  hb.receive('sping');
  vi.advanceTimersByTime(2000);
  hb.receive('sping');
  // 2 s of silence: the check comes (no ping to send when only watching) and waits `timeout`.
  vi.advanceTimersByTime(2000 + 100);
  hb.receive('news');
  const told = () => calls.filter((c) => !c.startsWith('send'));
  expect(told()).toEqual(['alive']);
  // Silence again: dead after the learnt 2 s plus timeout, not after the 10 s interval.
  vi.advanceTimersByTime(2000 + TIMEOUT - 1);
  expect(told()).toEqual(['alive']);
  vi.advanceTimersByTime(1);
  expect(told()).toEqual(['alive', 'dead']);
});

describe("with a clock that starts at 0 (an app's own `clock` option)", () => {
  /** Reads 0 when the heartbeat starts, on the fake timers. */
  const fromZero = (): Clock => {
    const t0 = Date.now();
    return {
      now: () => Date.now() - t0,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
  };

  it('a ping sent at time 0 is outstanding: a second probe sends none, and no answer is death', () => {
    const { hb, calls } = make({}, fromZero());
    hb.probe();
    hb.probe();
    expect(calls).toEqual(['ping ping']);
    vi.advanceTimersByTime(100);
    expect(calls).toEqual(['ping ping', 'dead']);
  });

  it('the answer to a ping sent at time 0 keeps the link', () => {
    const { hb, calls } = make({}, fromZero());
    hb.probe();
    vi.advanceTimersByTime(50);
    hb.receive('pong');
    vi.advanceTimersByTime(100);
    expect(calls).toEqual(['ping ping', 'alive']);
  });

  it('with ping: false, a server ping at time 0 starts the learnt cadence', () => {
    const { hb, calls } = make({ ping: false, interval: 10_000, isServerPing: (d) => d === 'sping' }, fromZero());
    hb.receive('sping');
    vi.advanceTimersByTime(2000);
    hb.receive('sping');
    vi.advanceTimersByTime(2000 + TIMEOUT);
    expect(calls.filter((c) => c === 'dead')).toEqual(['dead']);
  });
});

it('with ping: false, where every timer is held back (a hidden page): a message read after a late tick gives the next late tick the benefit of the doubt again', () => {
  // Every timer fires 11 s late, more than `timeout` (10 s): as Chrome holds back a page's chained timers.
  const lagging: Clock = { ...systemClock, setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms + 11_000) };
  const { hb, calls } = make({ ping: false, interval: 25_000, timeout: 10_000 }, lagging);
  // 36 s: the first late tick may follow a sleep: the silence counts from it. 40 s: a message.
  vi.advanceTimersByTime(40_000);
  hb.receive('chat');
  // 72 s: the next tick (armed at 36 s for 61 s, 11 s late) is again taken for a wake, a message
  // having been read since the last; 108 s: the one after it judges, 36 s of silence since: dead.
  vi.advanceTimersByTime(67_999);
  expect(calls).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['dead']);
});

it('with ping: false, where every timer is held back: silence already past interval + timeout at the second late tick is dead at once', () => {
  const lagging: Clock = { ...systemClock, setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms + 11_000) };
  const { calls } = make({ ping: false, interval: 25_000, timeout: 10_000 }, lagging);
  // 36 s: the first late tick; 72 s: the second, 36 s of silence since: dead then, not a window later.
  vi.advanceTimersByTime(71_999);
  expect(calls).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(calls).toEqual(['dead']);
});

describe('heartbeat with ping: false after a real sleep (the `slept` flag)', () => {
  // As "a late timer (a suspended page) counts the silence from the wake" above: only the first
  // late tick of a run gets that, and a message read, or a new connection, starts a new run.
  // (From a review of session 21's change, which had left both judged dead at once.)
  it('a second sleep, after a message was read since the first wake, is again counted from the wake', () => {
    const { hb, calls } = make({ ping: false });
    vi.advanceTimersByTime(900);
    vi.setSystemTime(Date.now() + 60_000);
    vi.advanceTimersByTime(100); // first wake: silence counted from now
    hb.receive('hello'); // the link is alive: read after the wake
    vi.advanceTimersByTime(500);
    vi.setSystemTime(Date.now() + 60_000); // the lid is closed again before the next check
    vi.advanceTimersByTime(500);
    // Received: ['dead'] at once, messages possibly waiting behind the wake never read.
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1000 + 300);
    expect(calls).toEqual(['dead']);
  });

  it('a flag left by the previous connection (stop() keeps it): a sleep in the new one is not judged dead at once', () => {
    const { hb, calls } = make({ ping: false });
    vi.advanceTimersByTime(900);
    vi.setSystemTime(Date.now() + 60_000);
    vi.advanceTimersByTime(100); // a late tick: slept = true
    hb.stop(); // that connection ended (the server closed it during the sleep)
    hb.start(); // the next one opened
    vi.advanceTimersByTime(900);
    vi.setSystemTime(Date.now() + 60_000);
    vi.advanceTimersByTime(100); // its first tick, after a sleep
    // Received: ['dead'] — judged as a second late tick of a run that belonged to the old connection.
    expect(calls).toEqual([]);
  });
});

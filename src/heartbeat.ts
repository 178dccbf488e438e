import type { Clock } from './env/clock';
import type { Guard } from './guard';
import { matches, parse } from './match';
import { type Data, isData } from './data';
import type { Recogniser, ResolvedHeartbeat } from './options';

/**
 * What a ping or reply function returned, for the wire: a plain object as its JSON, like the
 * option's own. Run guarded too: an object JSON cannot encode (a BigInt) is reported, not thrown.
 */
const wire = (data: unknown): unknown => (data === undefined || isData(data) ? data : JSON.stringify(data));

/** What the heartbeat asks of the socket that owns it. */
export interface HeartbeatHooks {
  /** Write a ping (`ping` true), or the answer to a server ping. */
  send(data: Data, ping?: boolean): void;
  /** Nothing arrived within `timeout` after a ping: the link is dead. */
  dead(): void;
  /** A message proved the link alive after a ping. */
  alive(): void;
  /** A pong answered the oldest unanswered ping, `rtt` ms after it went out. */
  pong(rtt: number): void;
  /** A timer fired more than `timeout` ms late: the page or the machine was suspended. */
  woke(): void;
  /** Runs the user's recognisers and functions: a throw reads as undefined, and is reported. */
  guard: Guard;
  /** The bytes written and not yet on the network (the socket's `bufferedAmount`). */
  backlog(): number;
}

/** The heartbeat of one socket, as its owner drives it. */
export interface Heartbeat {
  /** The connection opened: the first ping goes out `interval` from now. */
  start(): void;
  /** The connection ended: no timer is left. */
  stop(): void;
  /**
   * Every inbound message goes through here. Any message proves the link alive. Returns true
   * for heartbeat traffic (a pong, a server ping) that the user does not see as `message`.
   */
  receive(data: unknown): boolean;
  /**
   * Checks the link now: a ping at once (unless one is outstanding) and at most
   * `probeTimeout` ms for an answer (`timeout` with `quick` false). True when an answer is
   * awaited; false, doing nothing, while not started or only watching (`ping: false`: there is
   * nothing to ask, and the watch's own deadline stands).
   */
  probe(quick?: boolean): boolean;
}

/**
 * Ping / pong / dead-connection timing for one open connection.
 *
 * Deadlines are judged by comparing timestamps, never by trusting a timer to fire on time:
 * browsers hold back timers in background tabs (Chrome: once a second, then once a minute),
 * so a late timer must not read as a silent link when messages did arrive meanwhile. The next
 * ping's timer is armed from the network callback that proved life, which Chrome's intensive
 * throttling leaves alone. A timer that fires more than `timeout` ms late means the machine
 * slept or the page was frozen: the old deadline says nothing then, so it probes instead.
 *
 * With `ping: false` it only watches: `interval` ms without any message, then `timeout` ms more,
 * means dead; once the server has pinged twice, its own cadence (learnt from recognised server
 * pings only) stands in for `interval` when shorter.
 *
 * A closure rather than a class: its state is private by construction, and plain variables
 * minify to single letters where `this.#field` cannot.
 */
/** Unanswered pings remembered for matching pongs (and the socket's delivery marks). */
export const MAX_PINGS = 64;

export function heartbeat(o: ResolvedHeartbeat, clock: Clock, hooks: HeartbeatHooks): Heartbeat {
  const { interval, timeout, ping, isPong, isServerPing, guard } = { ...o, ...hooks };
  /** Some recogniser is a JSON pattern: each message is parsed, once for both. */
  const json = typeof isPong === 'object' || typeof isServerPing === 'object';
  /** A pong was ever recognised; until one is, repeated timeouts hint at a misconfiguration. */
  let ponged = false;
  let deaths = 0;
  let timer: unknown;
  /** When the unanswered ping went out; -1 while none is outstanding. */
  let pingAt = -1;
  /** The bytes still ahead of that ping in the socket's buffer, as of the last look. */
  let ahead = 0;
  /** When the timer is due to act: send the next ping, or judge the outstanding one. */
  let due = 0;
  /** When the last inbound message arrived (or the connection opened). */
  let last = 0;
  /** When the last recognised server ping arrived, or the connection opened. */
  let heard = 0;
  /**
   * The longest recent gap between server pings (the first counted from the open), each gap
   * counting a tenth less with every ping after it; and how many gaps were counted.
   */
  let gap = 0;
  let gaps = 0;
  /**
   * How long silence may last before it is suspect: `interval`, or with `ping: false` the
   * server's own cadence once learnt, never more than `interval`. Learnt from two gaps on (the
   * first, from the open, is shorter than the cadence), as the longest recent one: pings held up
   * by a stalled link arrive back to back, and their gaps of 0 ms must not call the link dead
   * `timeout` ms later while the server still pings at its cadence. The stall's own gap fades
   * with the pings after it (an 8 s stall of a server pinging every second, in about 20).
   */
  let period = interval;
  /** The last tick came more than `timeout` late: see `tick`. */
  let slept = false;
  /** When each ping that no pong has answered yet went out, oldest first: pongs come in order. */
  let pings: number[] = [];

  /**
   * Whether recogniser `r` accepts a message (`parsed`: its JSON, for a pattern). The user's
   * recognisers run guarded: one that throws (JSON.parse of a message that is not JSON) is
   * reported, and the message is then taken as an ordinary one.
   */
  const is = (r: Recogniser, data: unknown, parsed: unknown): unknown =>
    typeof r === 'object' ? matches(r, parsed) : guard(r, data);

  const arm = (ms: number): void => {
    clock.clearTimeout(timer);
    due = clock.now() + ms;
    timer = clock.setTimeout(tick, ms);
  };

  /**
   * A ping goes out now, to be answered within `limit` ms; none when only watching, or when the
   * `ping` function throws (reported): any message still proves life until the deadline.
   */
  const sendPing = (limit: number): void => {
    arm(limit);
    pingAt = clock.now();
    ahead = hooks.backlog();
    const data = ping === false ? undefined : (guard(wire, guard(ping)) as Data | undefined);
    if (data === undefined) return;
    // A server that never answers must not grow this without bound.
    if (pings.push(pingAt) > MAX_PINGS) pings.shift();
    hooks.send(data, true);
  };

  const stop = (): void => {
    clock.clearTimeout(timer);
    timer = undefined;
    pingAt = -1;
    slept = false;
    gap = gaps = 0;
    period = interval;
    pings = [];
  };

  const probe = (quick = true): boolean => {
    if (timer === undefined || ping === false) return false;
    const limit = quick ? Math.min(timeout, o.probeTimeout) : timeout;
    if (pingAt < 0) sendPing(limit);
    else if (clock.now() + limit < due) arm(limit);
    return true;
  };

  const tick = (): void => {
    const now = clock.now();
    // Some runtimes fire a timer a millisecond early; act only once the deadline has passed.
    if (now < due) return arm(due - now);
    const late = now - due > timeout;
    // Only the first of a run of late ticks may follow a sleep, with messages still waiting to
    // be read. A page whose timers are held back (hidden in Chrome: chained timers wake once a
    // minute) fires every tick late: from the second on, the silence is judged as always, or it
    // would start again at every tick and a dead link would never be found.
    if (!late) slept = false;
    else if (!slept) {
      slept = true;
      pingAt = -1;
      // Only watching, there is nothing to ask: the silence is counted from now, a whole period
      // and `timeout` for the server to be heard (it may ping seldom), sends not held meanwhile.
      if (ping !== false) return (probe(), hooks.woke());
      last = now;
    }
    if (ping === false) {
      // Watching only: traffic within the period is proof enough.
      if (last + period > now) return arm(last + period - now);
      // Held back (a late tick, not the first, nothing read since the first): the silence is
      // already past the period and `timeout`; judged now, not a wake-up later.
      if (late) pingAt = now;
    }
    if (pingAt >= 0) {
      // A ping written behind a send burst leaves only once the burst has: while the buffer
      // drains, the link carries data and the ping gets `timeout` more. A buffer that stops
      // draining, or an idle link (nothing ahead of the ping), is judged as always.
      const left = hooks.backlog();
      if (left < ahead) return ((ahead = left), arm(timeout));
      stop();
      // Said once per socket, debug or not: a server that never answers (or answers what
      // `isPong` does not accept) looks from here like a dead link, again and again.
      if (++deaths === 2 && !ponged && ping !== false) {
        console.warn('[heartbeat-ws] never a pong: check heartbeat.isPong, or ping: false');
      }
      return hooks.dead();
    }
    sendPing(timeout);
  };

  return {
    start() {
      stop();
      heard = last = clock.now();
      arm(interval);
    },
    stop,
    // Every inbound message: the clock is read only where a time is kept (watching only, an
    // outstanding ping, a pong, a server ping), and nothing is allocated for an ordinary one.
    receive(data) {
      // Read after a late tick: the next late one may again have messages waiting behind it.
      slept = false;
      if (ping === false) last = clock.now();
      if (pingAt >= 0) {
        arm(ping === false ? period : Math.max(0, pingAt + interval - clock.now()));
        pingAt = -1;
        hooks.alive();
      }
      // A pong answers the oldest unanswered ping, whatever arrived in between: any message
      // proves life, but only the pong proves the server read everything before its ping.
      const parsed = json && parse(data);
      if (is(isPong, data, parsed)) {
        ponged = true;
        const pingedAt = pings.shift();
        if (pingedAt !== undefined) hooks.pong(clock.now() - pingedAt);
        return true;
      }
      if (!isServerPing || !is(isServerPing, data, parsed)) return false;
      const now = clock.now();
      // Only a recognised server ping tells the server's cadence: other traffic comes in bursts,
      // and a gap learnt from a burst would call a quiet, healthy link dead.
      gap = Math.max(gap * 0.9, now - heard);
      if (++gaps > 1) {
        period = Math.min(interval, gap);
        // The next check moves up to the learnt cadence (never after stop()).
        if (ping === false && timer !== undefined) arm(period);
      }
      heard = now;
      const reply = guard(wire, guard(o.serverPingReply, data)) as Data | undefined;
      if (reply !== undefined) hooks.send(reply);
      return true;
    },
    probe,
  };
}

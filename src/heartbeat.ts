import type { Clock } from './env/clock';
import type { Data, ResolvedHeartbeat } from './options';

/** What the heartbeat asks of the socket that owns it. */
export interface HeartbeatHooks {
  /** Write a ping (`ping` true), or the answer to a server ping. */
  send(data: Data, ping?: boolean): void;
  /** Nothing arrived within `timeout` after a ping: the link is dead. */
  dead(): void;
  /** A message proved the link alive after a ping; `rtt` (ms) when it was the pong. */
  alive(rtt?: number): void;
  /** A timer fired more than `timeout` ms late: the page or the machine was suspended. */
  woke(): void;
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
 */
export class Heartbeat {
  readonly #o: ResolvedHeartbeat;
  readonly #clock: Clock;
  readonly #hooks: HeartbeatHooks;
  #timer: unknown;
  /** When the unanswered ping went out; -1 while none is outstanding. */
  #pingAt = -1;
  /** When the timer is due to act: send the next ping, or judge the outstanding one. */
  #due = 0;
  /** A message arrived since the last check (read only when `ping` is false). */
  #seen = false;

  constructor(options: ResolvedHeartbeat, clock: Clock, hooks: HeartbeatHooks) {
    this.#o = options;
    this.#clock = clock;
    this.#hooks = hooks;
  }

  /** The connection opened: the first ping goes out `interval` from now. */
  start(): void {
    this.#pingAt = -1;
    this.#seen = false;
    this.#arm(this.#o.interval);
  }

  /** The connection ended: no timer is left. */
  stop(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pingAt = -1;
  }

  /**
   * Every inbound message goes through here. Any message proves the link alive. Returns true
   * for heartbeat traffic (a pong, a server ping) that the user does not see as `message`.
   */
  receive(data: unknown): boolean {
    const o = this.#o;
    const sentAt = this.#pingAt;
    if (sentAt >= 0) {
      this.#pingAt = -1;
      const now = this.#clock.now();
      this.#arm(o.ping === false ? o.interval : Math.max(0, sentAt + o.interval - now));
      const pong = o.isPong(data);
      this.#hooks.alive(pong ? now - sentAt : undefined);
      if (pong) return true;
    } else {
      this.#seen = true;
      if (o.isPong(data)) return true;
    }
    if (o.isServerPing?.(data)) {
      const reply = o.serverPingReply;
      this.#hooks.send(typeof reply === 'function' ? reply(data) : reply);
      return true;
    }
    return false;
  }

  /**
   * Checks the link now: a ping at once (unless one is outstanding) and at most
   * `probeTimeout` ms for an answer. Does nothing while not started.
   */
  probe(): void {
    if (this.#timer === undefined) return;
    const o = this.#o;
    const now = this.#clock.now();
    const limit = Math.min(o.timeout, o.probeTimeout);
    if (this.#pingAt < 0) {
      this.#pingAt = now;
      this.#arm(limit);
      this.#ping();
    } else if (now + limit < this.#due) this.#arm(limit);
  }

  #ping(): void {
    const ping = this.#o.ping;
    if (ping !== false) this.#hooks.send(typeof ping === 'function' ? ping() : ping, true);
  }

  #arm(ms: number): void {
    this.#clock.clearTimeout(this.#timer);
    this.#due = this.#clock.now() + ms;
    this.#timer = this.#clock.setTimeout(this.#tick, ms);
  }

  #tick = (): void => {
    const now = this.#clock.now();
    // Some runtimes fire a timer a millisecond early; act only once the deadline has passed.
    if (now < this.#due) return this.#arm(this.#due - now);
    if (now - this.#due > this.#o.timeout) {
      this.#pingAt = -1;
      this.probe();
      return this.#hooks.woke();
    }
    if (this.#pingAt >= 0) {
      this.stop();
      return this.#hooks.dead();
    }
    const ping = this.#o.ping;
    // Watching only (ping: false): traffic since the last check is proof enough.
    if (ping === false && this.#seen) {
      this.#seen = false;
      return this.#arm(this.#o.interval);
    }
    this.#pingAt = now;
    this.#arm(this.#o.timeout);
    this.#ping();
  };
}

import { type Attempts, attempts } from './attempt';
import { backoffDelay } from './backoff';
import { type Data, toData } from './data';
import { fn } from './fail';
import type { LifecycleSignal } from './env/lifecycle';
import { guard } from './guard';
import { type Heartbeat, heartbeat } from './heartbeat';
import { type Options, resolveOptions } from './options';
import { type DropReason, queue as makeQueue, type Queue, type Tracker } from './queue';
import { ledger } from './replay';
import type { SocketStats } from './stats';
import {
  abnormal,
  checkClose,
  CLOSED,
  closeEvent,
  CLOSING,
  CONNECTING,
  customEvent,
  emitter,
  errorEvent,
  messageEvent,
  OPEN,
  type ReadyState,
  type SocketState,
} from './surface';
import { toProtocols, toTarget, type UrlInput } from './url';

/** The wait for a retry: CONNECTING to `readyState`, `reconnecting` to `state`. */
const RECONNECTING = 4;

/** A `readyState`, or RECONNECTING. */
export type Phase = ReadyState | typeof RECONNECTING;

/** `state` by phase. */
export const STATES: SocketState[] = ['connecting', 'open', 'closing', 'closed', 'reconnecting'];

/** What the class reads and calls of its state machine; see {@link machine}. */
export interface Machine {
  phase(): Phase;
  /** The underlying sockets: the current one (`ws`) and the URL of the current or last attempt. */
  readonly link: Attempts;
  readonly queue: Queue;
  /** `clearQueue()`: every message the socket would still send, the unconfirmed first. */
  clear(): number;
  /** Set by the user, applied to every connection. */
  binary: BinaryType;
  /** Sends or queues `data`; `done` hears its outcome. True when written now. */
  submit(data: Data, done?: Tracker): boolean;
  /** `close()`. Defaults: code 1000, reason ''. */
  shut(code?: number, reason?: string): void;
  /** `reconnect()`. */
  restart(code?: number, reason?: string): void;
  /** `retryCount`. */
  retries(): number;
  /** `stats`. */
  measure(): SocketStats;
  /** `probe()`. */
  check(): void;
  /** Adds an interceptor of inbound messages; returns its remover. */
  tap(fn: (data: unknown) => unknown): () => unknown;
  /** Takes the message tracked by `done` out of the queue, or out of the unconfirmed (never sent again); false if in neither. */
  withdraw(done: Tracker): boolean;
}

/**
 * The phase machine of one socket: validates its arguments, moves between the phases
 * (connecting, open, closing, closed, reconnecting), and dispatches on `socket`. The parts it
 * wires are each a module: the underlying sockets (attempt.ts), the queue (queue.ts), the
 * unconfirmed ledger (replay.ts), the heartbeat (heartbeat.ts), the counters (stats.ts). Its
 * state lives in this closure's variables (private by construction, and each minifies to one
 * letter where `this.#field` cannot).
 */
export function machine(
  socket: EventTarget,
  input: UrlInput,
  protocols: string | string[] | undefined,
  options: Options | undefined,
): Machine {
  const target = toTarget(input);
  const list = toProtocols(protocols);
  const o = resolveOptions(options);
  const clock = o.clock;
  /** Runs the callback options: one that throws is logged (rate-limited), never thrown. */
  const call = guard(clock);
  /** Only with `debug`: without, nothing is logged, nor called (the emitter's on every message). */
  const log = o.debug ? (...args: unknown[]): void => console.debug('[heartbeat-ws]', ...args) : undefined;

  let phase: Phase = CLOSED;
  /** Bumped whenever what is under way is superseded: code after an emit compares it. */
  let epoch = 0;
  let retries = 0;
  let openedAt = -1;
  /** The one lifecycle timer: backoff wait, connection timeout, or the closing-handshake bound. */
  let timer: unknown;
  /** Failed attempts in a row: the next endpoint of a list. */
  let endpoint = 0;
  let offline = false;
  /** Let go of the connection for the back/forward cache; `restore` connects again. */
  let frozen = false;
  /** Sends wait in the queue until a probe of a possibly dead link is answered. */
  let holding = false;
  let uninstall: (() => void) | false | undefined;
  let seq = 0;
  /** Extensions' interceptors of inbound messages (`intercept`), made at the first. */
  let taps: Set<(data: unknown) => unknown> | undefined;
  let opens = 0;
  let dropped = 0;
  let lastRtt = -1;
  let rttSum = 0;
  let rtts = 0;
  const { emit, sync } = emitter(socket, () => STATES[phase] as SocketState, log);

  /** Replaces the lifecycle timer: `fn` in `ms` ms, or none. */
  const setTimer = (fn?: () => void, ms?: number): void => {
    // A clock's clearTimeout takes undefined (no timer) as a no-op, as the globals do.
    clock.clearTimeout(timer);
    timer = fn && clock.setTimeout(fn, ms as number);
  };

  const stable = (): boolean => clock.now() - openedAt >= o.minUptime;

  const drop = (data: Data, reason: DropReason, done?: Tracker): void => {
    dropped++;
    emit(customEvent('drop', { data, reason }), reason);
    call(done, reason);
  };

  const queue = makeQueue(o, drop);
  /** The first attempt waits for the outbox to hand over what earlier pages left (`resume`). */
  let parked = !!o.outbox;
  const kept = o.outbox?.attach(socket, {
    drop,
    resume(items) {
      const recovered = makeQueue(o, drop);
      for (const [data, done] of items) recovered.push(data, done);
      // Ahead of what this page queued: the open listeners' handshake, then these, then the rest.
      queue.prepend(recovered);
      parked = false;
      if (phase === CONNECTING) connect();
    },
    pause: () => (parked = true),
    pull: queue.remove,
  });
  /** Messages written but not yet confirmed by a pong (replayUnconfirmed). */
  const unconfirmed = o.replayUnconfirmed ? ledger(o, drop, call) : undefined;

  /** Writes to the current socket if it is truly OPEN; false leaves the message to the queue. */
  const write = (data: Data): boolean => {
    const ws = link.ws();
    return ws?.readyState === OPEN && (ws.send(data as string), true);
  };

  /**
   * A user message was written: kept until confirmed with replayUnconfirmed, else told written.
   * A tracker runs guarded: one that throws is reported, and a flush goes on.
   */
  const wrote = (data: Data, done?: Tracker): void =>
    unconfirmed ? unconfirmed.wrote(data, done) : done && call(done, 'written');

  /** A flush is under way: what is sent meanwhile (by a tracker, a `drop` listener) queues behind it. */
  let draining = false;

  /**
   * Sends every message the queue holds that the socket will take. A write that throws (data
   * the socket refuses) leaves its message at the head and ends the flush, never the sends after it.
   */
  const flush = (): number => {
    draining = true;
    try {
      return queue.drain(write, wrote);
    } finally {
      draining = false;
    }
  };

  const hb: Heartbeat | undefined =
    o.heartbeat &&
    heartbeat(o.heartbeat, clock, {
      send: (data, ping) => {
        if (ping) unconfirmed?.ping();
        write(data);
      },
      dead: () => lost(detach(true, 4000, 'heartbeat timeout'), abnormal('heartbeat timeout')),
      alive: () => {
        // A probe was answered: what waited for it goes out.
        if (holding) {
          holding = false;
          flush();
        }
      },
      pong: (rtt) => {
        // The pong proves the server got every message written before its ping.
        unconfirmed?.pong();
        lastRtt = rtt;
        rttSum += rtt;
        rtts++;
        emit(customEvent('heartbeat', { rtt }), rtt);
      },
      woke: () => (holding = true),
      guard: call,
      backlog: () => link.ws()?.bufferedAmount as number,
    });

  const link = attempts(target, list, o, () => m.binary, setTimer, {
    log,
    // The receive path, every message's: heartbeat traffic and what an extension takes go no
    // further; the rest is dispatched as our own event (whose target is this socket) with the
    // socket's data and origin. The other fields of a WebSocket message event are the defaults
    // ('' and no ports): the socket's event is not copied as an init dictionary, which reads them
    // all (and `ports` makes an array) for every message.
    received: ({ data, origin }) => {
      if (hb?.receive(data)) return;
      // Without an interceptor (most sockets), no iterator is made for every message.
      if (taps?.size) for (const tap of taps) if (call(tap, data)) return;
      emit(messageEvent(data, origin));
    },
    opened: () => {
      setTimer();
      phase = OPEN;
      // An offline hint is only a hint: a connection that opens proves it wrong.
      holding = offline = false;
      opens++;
      openedAt = clock.now();
      hb?.start();
      const current = epoch;
      emit(new Event('open'));
      // The queue goes out right after the open listeners return, so a handshake sent inside
      // `open` is the first message on the wire; unless a listener closed or reconnected.
      // With replayUnconfirmed, a ping right behind the backlog confirms it one round trip after
      // the open instead of one interval: a fault in that window would send it all again.
      if (current === epoch && flush() && unconfirmed) hb?.probe(false);
    },
    ended: ({ code, reason, wasClean }) => {
      const ended = closeEvent(code, reason, wasClean);
      if (phase === CLOSING) {
        // A closing handshake that close() started and the server finished: everything arrived.
        if (wasClean) unconfirmed?.confirmAll();
        detach();
        finish(ended);
      } else lost(detach(), ended);
    },
    errored: (error) => {
      const event = errorEvent(error);
      emit(event, event.message);
    },
    failed: (error, why) => {
      // An `error` event carrying the cause, then the attempt is lost; unless a listener called
      // close() or reconnect(), which decided what comes next. Timed out: nothing to wait for.
      const current = epoch;
      const event = errorEvent(error);
      emit(event, why || event.message);
      if (current === epoch) lost(detach(true), abnormal(why));
    },
  });

  /** Starts an attempt (see `attempts`), installing the page's hooks if need be. */
  const connect = (): void => {
    const current = ++epoch;
    phase = CONNECTING;
    try {
      uninstall ||= o.lifecycle && fn("options.lifecycle's return", o.lifecycle(signal));
    } catch (error) {
      // A lifecycle that throws, or returns no uninstaller: thrown to the caller, still closed.
      phase = CLOSED;
      throw error;
    }
    sync();
    if (current === epoch && !parked) link.start(endpoint);
  };

  /**
   * The current attempt or connection ended without `close()`: report it (unless no socket was
   * made, and a retry follows), then retry with backoff, or give up (maxRetries,
   * shouldReconnect) and stay CLOSED.
   */
  const lost = (hadSocket: WebSocket | undefined, event: CloseEvent): void => {
    setTimer();
    // A connection that stayed up resets the backoff and keeps its endpoint; anything shorter
    // is a failed attempt, and a list of endpoints moves on to the next.
    if (openedAt >= 0 && stable()) retries = 0;
    else endpoint++;
    openedAt = -1;
    // A throwing shouldReconnect is reported and counts as "yes". Asked on every unplanned close
    // of a socket, the one that spends maxRetries too (an app may log or count there).
    const asked = epoch;
    const no = hadSocket && call(o.shouldReconnect, event) === false;
    // It called close() or reconnect(), which decided instead; after reconnect(), the connection
    // that ended still gets its `close` (close() made its own).
    if (asked !== epoch) return void (phase === CLOSED || emit(event, event.code, event.reason));
    const spent = retries >= o.maxRetries;
    const retry = !spent && !no;
    phase = retry ? RECONNECTING : CLOSED;
    if (!retry) uninstallHooks();
    const current = ++epoch;
    if (hadSocket || !retry) emit(event, event.code, event.reason, retry ? 'retry' : 'give up');
    // Unless a `close` listener called close() or reconnect(), which decided instead.
    if (current === epoch) {
      if (retry) schedule();
      else emit(customEvent('giveup', { reason: spent ? 'maxRetries' : 'shouldReconnect', close: event }));
    }
  };

  // Offline, no attempt is counted (attempt 0 in the event) and the delay stays at the cap:
  // `online` will connect at once, and the capped retries only cover a wrong offline hint.
  const schedule = (): void => {
    const attempt = offline ? 0 : ++retries;
    const delay = backoffDelay(offline ? Infinity : attempt, o, o.random);
    setTimer(connect, delay);
    emit(customEvent('reconnecting', { attempt, delay }), attempt, delay);
  };

  /** What the page tells (see `LifecycleSignal`), acted on. */
  const signal = (what: LifecycleSignal): void => {
    const was = phase;
    log?.(what);
    if (was === CLOSED || was === CLOSING) return;
    if (what === 'freeze') {
      // A page that holds an open WebSocket is kept out of the back/forward cache: let go of it.
      frozen = true;
      epoch++;
      setTimer();
      openedAt = -1;
      phase = RECONNECTING;
      if (detach(false, 1000, 'page hidden')) emit(closeEvent(1001, 'page hidden'));
      return void sync();
    }
    if (what === 'offline') offline = true;
    else if (what !== 'resume') {
      // online, restore: whatever failed before says nothing about now.
      if (what === 'restore' && !frozen) return;
      offline = frozen = false;
      retries = 0;
    }
    // Through the class, so that a subclass's probe() is the one called.
    if (was === OPEN) (socket as EventTarget & { probe(): void }).probe();
    else if (was === RECONNECTING && what !== 'offline') connect();
  };

  // Closed or gave up: nothing of this socket may be left running, so sockets still in their
  // closing handshake are ended for good where the implementation can (the `ws` package keeps a
  // socket and a 30 s timer for a handshake a dead link never answers).
  const uninstallHooks = (): void => {
    // A custom lifecycle's failure is reported and must not leave the socket half closed.
    call<unknown>(uninstall);
    uninstall = offline = frozen = false;
    // Still waited for by a later reconnect(): the server may not have seen them go yet.
    link.release();
  };

  /** The closing handshake `close()` asked for is over (or timed out). */
  const finish = (event: CloseEvent): void => {
    setTimer();
    openedAt = -1;
    phase = CLOSED;
    emit(event, event.code, event.reason);
  };

  /** Lets go of the current socket (see `Attempts.detach`); what it may have lost goes first next. */
  const detach = (dead?: boolean, code?: number, reason?: string): WebSocket | undefined => {
    const old = link.detach(dead, code, reason);
    if (old) {
      hb?.stop();
      unconfirmed?.requeue(queue);
    }
    return old;
  };

  const m: Machine = {
    phase: () => phase,
    link,
    queue,
    binary: 'blob',

    submit(data, done) {
      let message = toData(data);
      // A throwing stamp is reported, and the message goes out as given.
      if (o.stamp) message = call(o.stamp, message, ++seq) ?? message;
      if (kept) done = kept.keep(message, done);
      if (phase === OPEN && !holding && !draining && write(message)) return (wrote(message, done), true);
      queue.push(message, done);
      return false;
    },

    shut(code = 1000, reason = '') {
      checkClose(code, reason);
      const was = phase;
      if (was === CLOSED || was === CLOSING) return;
      epoch++;
      setTimer();
      hb?.stop();
      const open = was === OPEN && link.ws();
      // An attempt under way is let go of first, to be ended for good with the others.
      if (!open) detach(false, code, reason);
      uninstallHooks();
      if (open) {
        phase = CLOSING;
        open.close(code, reason);
        setTimer(() => {
          detach(true);
          finish(abnormal('close timeout'));
        }, o.connectionTimeout);
        return sync();
      }
      phase = CLOSED;
      emit(closeEvent(code, reason), code, reason);
    },

    restart(code = 1000, reason = '') {
      checkClose(code, reason);
      retries = 0;
      const current = ++epoch;
      setTimer();
      openedAt = -1;
      if (detach(false, code, reason)) {
        phase = RECONNECTING;
        emit(closeEvent(code, reason), code, reason);
        if (current !== epoch) return;
      }
      connect();
    },

    retries() {
      if (phase === OPEN && stable()) retries = 0;
      return retries;
    },

    measure: () => ({
      attempts: link.count(),
      reconnects: opens && opens - 1,
      lastRtt,
      averageRtt: rtts ? rttSum / rtts : -1,
      uptime: phase === OPEN ? clock.now() - openedAt : 0,
      queued: queue.size(),
      queuedBytes: queue.bytes(),
      dropped,
      unconfirmed: unconfirmed ? unconfirmed.size() : 0,
    }),

    check() {
      // Sends wait only for an answer that was asked for (not with `ping: false`).
      if (phase === OPEN && hb?.probe()) holding = true;
    },

    // Written but unconfirmed (replayUnconfirmed), it is not sent again either.
    // What replayUnconfirmed keeps to send again goes too, oldest first: nothing is sent again.
    clear: () => (unconfirmed?.clear() ?? 0) + queue.clear(),

    withdraw: (done, tracker = kept?.find(done) ?? done) => !!(queue.remove(tracker) || unconfirmed?.remove(tracker)),

    tap(fn) {
      const all = (taps ??= new Set());
      all.add(fn);
      return () => all.delete(fn);
    },
  };
  if (!o.startClosed) connect();
  return m;
}

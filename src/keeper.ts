/**
 * What the core asks of an outbox (option `outbox`): where a socket keeps what it has not yet
 * delivered, so that a later page can send it. Types only: the core carries no outbox; the
 * `heartbeat-ws/outbox` entry point makes one (`indexedDbOutbox`). A leaf beside queue.ts.
 */
import type { Data } from './data';
import type { DropReason, Tracker } from './queue';

/** What a socket gives its outbox when it is made. */
export interface OutboxHooks {
  /**
   * Reports a message that will not be sent: a `drop` event with `reason`, then `done` hears it.
   * For what an outbox recovered and will not send (`'expired'`).
   */
  drop(data: Data, reason: DropReason, done?: Tracker): void;
  /**
   * Puts what the outbox recovered (oldest first, each with the tracker the outbox is told its
   * outcome by) ahead of everything queued, under the queue's bounds, and lets the socket's first
   * attempt start: until it is called, the socket stays `connecting` without an attempt. Call it
   * once, possibly with nothing, possibly from within `attach`.
   */
  resume(items: [data: Data, done: Tracker][]): void;
  /**
   * Keeps the next attempt from starting until `resume` is called again (a page back from the
   * back/forward cache, while the outbox checks which messages are still its own).
   */
  pause(): void;
  /**
   * Takes the message `done` tracks out of the queue, with a `drop` event (`reason`); falsy if
   * none. (Not `take`: the core's UMD shortens that name, and an outbox is built apart.)
   */
  pull(done: Tracker, reason: DropReason): unknown;
  /**
   * Set by `SharedHeartbeatSocket` for its leader's socket: the tab and number of the message
   * `done` tracks, stored with it, so that a later leader tells it from the same message handed
   * over again by its tab.
   */
  label?(done: Tracker): OutboxLabel | undefined;
  /**
   * Set with `label`: a recovered message that carries one goes to the leader as that tab's
   * message (not sent if the tab handed it over already); `dropped`: not sent, for this reason
   * (`'expired'`: past the outbox's age limit; `'cleared'`: read from an outbox deleted since).
   */
  adopt?(label: OutboxLabel, data: Data, dropped: false | 'expired' | 'cleared'): void;
}

/** The tab that sent a message and its number there (see `OutboxHooks.label`). */
export type OutboxLabel = [tab: string, n: number];

/** What an outbox hands back to the socket it is attached to. */
export interface OutboxLink {
  /**
   * A message was sent (`send()` or `track()`): keep it until the returned tracker, which the
   * socket uses for it from now on, hears its outcome; then tell `done`, if any.
   */
  keep(data: Data, done?: Tracker): Tracker;
  /** The tracker that `keep` returned for `done`, while the message is kept (for `untrack`). */
  find(done: Tracker): Tracker | undefined;
  /**
   * Lets go of what this socket stored, for the next socket to recover (a leader tab that hands
   * its connection over while its page lives): the pending writes are issued, then the locks go.
   */
  letGo?(): void;
}

/**
 * Where a socket keeps what it queues and, with `replayUnconfirmed`, what it wrote and has not
 * seen confirmed (option `outbox`). `indexedDbOutbox(name)` of `heartbeat-ws/outbox` is one.
 */
export interface Outbox {
  /** Called once, as the socket is made. */
  attach(socket: EventTarget, hooks: OutboxHooks): OutboxLink;
}

/**
 * `heartbeat-ws/outbox`: an outbox that survives a reload, a crash and a closed tab. What a
 * socket queues (and, with `replayUnconfirmed`, what it has not seen confirmed) is kept in
 * IndexedDB, and the next socket of the origin with the same outbox name sends it. Built on the
 * core's option `outbox` (see `Outbox`): the core carries nothing of it.
 */
export { deleteOutbox, indexedDbOutbox, RECOVERY_WAIT } from './indexeddb';
export type { IndexedDbOutboxOptions } from './indexeddb';
// The option's own types, for an outbox of your own (also exported by `heartbeat-ws`).
export type { Outbox, OutboxHooks, OutboxLabel, OutboxLink } from '../keeper';

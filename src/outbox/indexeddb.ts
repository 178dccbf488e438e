import { fail } from '../fail';
import type { Data, Outbox, OutboxHooks, OutboxLabel, OutboxLink, Tracker } from '../internal';

/** Options of {@link indexedDbOutbox}; every one optional. */
export interface IndexedDbOutboxOptions {
  /**
   * ms a message left by a page that has ended stays worth sending, counted from its first
   * `send()` (through any number of `SharedHeartbeatSocket` leaders that took it over): one older
   * is not sent but reported by a `drop` event with reason `'expired'`. Checked only as a page
   * takes over what ended pages left: what a page holds, its own or taken over, is sent however
   * old once it connects.
   * @default Infinity
   */
  maxAge?: number;
}

/**
 * ms the socket's first attempt waits at most for IndexedDB and the Web Locks to hand over what
 * earlier pages left; past it the socket connects without, and keeps its queue in memory only
 * (with a warning).
 */
export const RECOVERY_WAIT = 5000;

/** The database of outbox `name` is `PREFIX + name`; a page's lock is `PREFIX + name + ' ' + owner`. */
const PREFIX = 'heartbeat-ws outbox ';
const STORE = 'messages';
const lockName = (name: string, owner: string): string => `${PREFIX}${name} ${owner}`;

/**
 * A stored message's key: the time its page's socket was made, the page's owner id, its number in
 * that socket. Keys sort by page, then in the order the page sent them.
 */
type Key = [started: number, owner: string, n: number];

/**
 * A stored message: what goes out, when it was sent (ms since the epoch), and for a leader tab
 * of `SharedHeartbeatSocket`, the tab and number it came with (`OutboxHooks.label`).
 */
interface Row {
  data: Data;
  at: number;
  f?: OutboxLabel;
}

const checkName = (what: string, name: unknown): string =>
  typeof name === 'string' && name ? name : fail(TypeError, what, 'a non-empty string', name);

/** The origin's Web Locks; throws where there are none. */
const webLocks = (): LockManager => {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) throw new Error('no Web Locks (navigator.locks) to tell which pages are alive');
  return locks;
};

/** A page's random id. */
const newOwner = (): string => Math.random().toString(36);

/** Settles with a request's result. */
const answer = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    // Cancelled: a read that fails (one row that cannot be read back) would abort its
    // transaction, and every read after it in there would fail too.
    request.onerror = (event) => {
      event.preventDefault();
      reject(request.error);
    };
  });

/**
 * Takes Web Lock `name` if it is free (true), and holds it until the page ends (a page in the
 * back/forward cache has not ended) or the function given to `keep` is called; false when another
 * page holds it.
 */
const hold = (locks: LockManager, name: string, keep: (release: () => void) => void): Promise<boolean> =>
  new Promise((resolve, reject) => {
    locks
      .request(name, { ifAvailable: true }, (lock) =>
        lock ? new Promise<void>((release) => (keep(release), resolve(true))) : resolve(false),
      )
      .catch(reject);
  });

/**
 * An outbox in IndexedDB (option `outbox` of `HeartbeatSocket`; see docs/outbox.md): what the
 * socket queues and, with `replayUnconfirmed`, what it has not seen confirmed, is kept in the
 * origin's database `heartbeat-ws outbox <name>` until it is written (or confirmed) or dropped.
 * The next socket of the origin with the same `name` sends what a page that has ended left, on
 * its first connection, after that connection's `open` listeners and before what it queued
 * itself. A page holds a Web Lock for its messages while it lives, so no other page sends them.
 * Where IndexedDB or Web Locks are missing or refuse, the socket warns once and keeps its queue
 * in memory only.
 * @param name - the outbox's name: one per kind of traffic, the same on every page that should
 *   send what another left.
 * @throws TypeError for a name that is not a non-empty string, or options that are not an object
 *   (null and undefined are none); RangeError for a bad `maxAge`.
 */
export function indexedDbOutbox(name: string, options?: IndexedDbOutboxOptions): Outbox {
  checkName('indexedDbOutbox(name)', name);
  // As HeartbeatSocket's options: null or undefined is none, anything else not an object throws.
  if (typeof (options ??= {}) !== 'object') fail(TypeError, 'indexedDbOutbox(name, options)', 'an object', options);
  const { maxAge = Infinity } = options;
  if (!(typeof maxAge === 'number' && maxAge > 0))
    fail(RangeError, 'options.maxAge', 'a positive number of ms or Infinity', maxAge);
  return { attach: (socket, hooks) => keeper(name, maxAge, socket as EventTarget & { readyState?: number }, hooks) };
}

/**
 * Deletes outbox `name` of this origin, with every message any page left in it (on logout, say,
 * before another user signs in on a shared computer). Sockets alive on it go on in memory only
 * (with a warning): call their `clearQueue()` to drop what they hold.
 * @throws TypeError for a name that is not a non-empty string; without IndexedDB the promise
 *   rejects.
 */
export function deleteOutbox(name: string): Promise<void> {
  checkName('deleteOutbox(name)', name);
  // Where there is no IndexedDB (Node, a server render, some private modes), a rejection.
  return new Promise((resolve) => resolve(answer(indexedDB.deleteDatabase(PREFIX + name)))).then(() => undefined);
}

/** One socket's hold on outbox `name`: see {@link indexedDbOutbox}. */
function keeper(
  name: string,
  maxAge: number,
  socket: EventTarget & { readyState?: number },
  hooks: OutboxHooks,
): OutboxLink {
  let owner = newOwner();
  let started = Date.now();
  let count = 0;
  let db: IDBDatabase | undefined;
  /** Nothing more is stored (IndexedDB or the locks are missing, or refused); deletes go on. */
  let refused = false;
  let warned = false;
  /** Writes not yet issued: a row to put, or undefined to delete. */
  const pending = new Map<Key, Row | undefined>();
  /** The transaction of this task, and what was issued in it (to retry its deletes on abort). */
  let tx: IDBTransaction | undefined;
  let scheduled = false;
  /** Blobs of messages being read, to be stored as their bytes (WebKit stores no Blob). */
  const reading = new Set<Key>();
  /**
   * The trackers `keep` returned, by their messages' keys, until their outcome, oldest first; `d`:
   * the tracker each tells (for `untrack`, which takes the oldest of a tracker's messages); `r`:
   * recovered from what an ended page left (also through a leader's `adopt`).
   */
  const live = new Map<Key, Tracker & { d?: Tracker; r?: unknown }>();
  /** What lets go of each Web Lock this socket holds (its own, and those of pages it took over). */
  const held: (() => void)[] = [];
  /** `letGo()` was called: a lock taken from now on goes at once. */
  let released = false;
  const keepLock = (release: () => void): unknown => (released ? release() : held.push(release));

  const warn = (why: unknown): void => {
    if (warned) return;
    warned = true;
    console.warn(`heartbeat-ws: outbox "${name}" keeps its messages in memory only:`, why);
  };

  const refuse = (why: unknown): void => {
    refused = true;
    warn(why);
  };

  /** Writes that failed in a row (aborted or refused), until one completes. */
  let fails = 0;
  /** The timer of the retry to come: one at most, cleared as the keeper rests. */
  let later: ReturnType<typeof setTimeout> | undefined;
  /**
   * Retries what failed, the writes or, without a database (refused outright), the open: at once
   * the first time, then after 400 ms, 800 ms..., a minute at most. Not a fixed number of retries:
   * a message stored and not deleted once sent goes out again from the next page, so its delete is
   * retried as long as the page lives; where IndexedDB aborts every transaction, that costs one a
   * minute, not thousands a second. While the keeper rests (rest(): API.md, nothing left running
   * after `close()`), only the first, at once: the deletes left wait for the socket to wake.
   */
  const retry = (): void => {
    clearTimeout(later);
    if (!fails || !idle())
      later = setTimeout(() => (db ? write() : reopen()), fails++ && Math.min(100 * 2 ** fails, 6e4));
  };

  /** Issues every pending write, in this task's transaction. */
  const write = (): void => {
    scheduled = false;
    if (!db || !pending.size) return;
    const batch = [...pending];
    pending.clear();
    try {
      if (!tx) {
        const current = (tx = db.transaction(STORE, 'readwrite'));
        const issued: Key[] = [];
        (current as IDBTransaction & { issued?: Key[] }).issued = issued;
        // A transaction takes requests only in the task that made it (and its callbacks). Its
        // commit is asked for at once, not once its requests' answers come back to the page: a
        // reload or a closed tab in between would abort it (seen in Chromium under load).
        queueMicrotask(() => {
          tx = undefined;
          try {
            current.commit();
          } catch {
            // Aborted already (onabort handles it), or an engine without commit(): it commits
            // once the answers are back.
          }
        });
        current.onabort = () => {
          // Quota, most often: store nothing more, but what was stored must still go when sent.
          refuse(current.error);
          for (const key of issued) pending.set(key, undefined);
          retry();
        };
        current.oncomplete = () => (fails = 0);
      }
      const store = tx.objectStore(STORE);
      const issued = (tx as IDBTransaction & { issued: Key[] }).issued;
      for (const [key, row] of batch) {
        if (row) store.put(row, key);
        else {
          store.delete(key);
          issued.push(key);
        }
      }
    } catch (error) {
      // Refused outright (WebKit's "Connection to Indexed Database server lost"): nothing more is
      // stored, but what was stored must still go once sent, or the next page sends it again: its
      // deletes wait for a connection opened again. (A database deleted meanwhile has no `db`.)
      refuse(error);
      for (const [key, row] of batch) if (!row) pending.set(key, undefined);
      db!.close();
      db = undefined;
      retry();
    }
  };

  /** Opens the database again, retried while it fails; not one deleted meanwhile (deleteOutbox()). */
  const reopen = (): unknown =>
    deleted ||
    open(name).then(use, (error) => {
      refuse(error);
      retry();
    });

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(write);
  };

  /** The tracker of a message kept under `key` (`stored`: it is, or will be, in the database). */
  const track = (key: Key, stored: boolean, done?: Tracker, r?: unknown): Tracker => {
    const kept: Tracker & { d?: Tracker; r?: unknown } = (outcome) => {
      live.delete(key);
      // Written before it was stored: nothing to store, nothing to delete.
      if (reading.delete(key) || pending.get(key)) pending.delete(key);
      // Adopted: the page that took it over deletes it once it is sent.
      else if (stored && outcome !== 'adopted') {
        pending.set(key, undefined);
        schedule();
      }
      rest();
      done?.(outcome);
    };
    kept.d = done;
    kept.r = r;
    live.set(key, kept);
    return kept;
  };

  let resumed = false;
  /** While a recovered message goes to the leader (`hooks.adopt`): when it was first sent. */
  let adopting: number | undefined;
  /** The socket is closing or closed: its last `statechange` said so. */
  let closed = false;
  const resume = (recovered: [Key, Row][]): void => {
    const late = resumed;
    // Too late (the socket went on without), or closing or closed meanwhile: what the pages taken
    // over left is the next socket's to send. The first lock held is this page's own, taken
    // before any other.
    if (late || closed) {
      for (const letGo of held.splice(1)) letGo();
      recovered = [];
    }
    if (late) return;
    resumed = true;
    clearTimeout(timer);
    const now = Date.now();
    const items: [Data, Tracker][] = [];
    for (const [key, { data, at, f }] of recovered) {
      // Read from a database deleted since (deleteOutbox(): a logout): not sent, nor deleted. A
      // leader tab's is told to its tab (a drop of the leader's own socket reaches no tab).
      if (deleted) {
        if (f && hooks.adopt) hooks.adopt(f, data, 'cleared');
        else hooks.drop(data, 'cleared');
        continue;
      }
      const done = track(key, true, undefined, 1);
      const expired = now - at > maxAge;
      // A leader tab's: its new leader takes it as its tab's, and stores it anew if it does.
      if (f && hooks.adopt) {
        // Stored anew (adopt -> the leader's take -> socket.track -> keep, all synchronous) with
        // the time of its first send(), not this leader's: maxAge counts from that. (Expired, it
        // is not stored: what a drop listener sends meanwhile is stamped as any.)
        if (!expired) adopting = at;
        hooks.adopt(f, data, expired && 'expired');
        adopting = undefined;
        done('written');
      } else if (expired) hooks.drop(data, 'expired', done);
      else items.push([data, done]);
    }
    hooks.resume(items);
    rest();
  };
  // What ended pages left is taken at this socket's first attempt, not before: a socket made and
  // dropped unstarted (`startClosed`; React's StrictMode renders twice in development) takes none.
  // The wait for IndexedDB and the locks is bounded while the socket tries (not once closed: a
  // view left before it connected neither waits nor warns, and takes nothing).
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempted: () => void;
  const firstAttempt = new Promise<void>((resolve) => (attempted = resolve));
  const tries = (event: Event): void => {
    // Closing or closed (the closing handshake may take its time).
    closed = /^clos/.test((event as CustomEvent<{ state: string }>).detail.state);
    clearTimeout(timer);
    if (resumed) (closed ? rest : wake)();
    else if (!closed) {
      attempted();
      timer = setTimeout(() => {
        refuse(new Error(`no answer from IndexedDB and Web Locks within ${RECOVERY_WAIT} ms`));
        resume([]);
      }, RECOVERY_WAIT);
    }
  };
  socket.addEventListener('statechange', tries);
  /** The database was deleted (deleteOutbox()): what was read from it is not sent. */
  let deleted = false;
  const use = (opened: IDBDatabase): void => {
    // deleteOutbox() in this page or another: let it go through.
    opened.onversionchange = () => {
      opened.close();
      deleted = true;
      db = undefined;
      // What was read from it and waits in the queue is not sent either.
      for (const kept of live.values()) if (kept.r) hooks.pull(kept, 'cleared');
      refuse(new Error(`outbox "${name}" was deleted`));
    };
    // Opened twice (woken again while an open was under way): one connection is kept.
    db?.close();
    db = opened;
    write();
    // Opened for a socket closed meanwhile that holds nothing: closed again.
    rest();
  };
  recover(name, owner, firstAttempt, () => closed, keepLock, use).then(resume, (error) => {
    refuse(error);
    resume([]);
  });

  /**
   * Into the back/forward cache and back. WebKit lets go of a cached page's Web Locks, so another
   * page may take over what this one stored, and send it. So from `pagehide` on, no attempt starts
   * (the page may be shown, and visible, before its `pageshow`) until, back, this page has taken a
   * new owner id (what it stores from now on is under that one) and taken back the locks of what
   * it keeps. A message whose lock another page holds, or whose record is gone (sent by another
   * page meanwhile), leaves the queue with a `drop` event (reason `'adopted'`) instead of going
   * out twice.
   */
  let cached: IDBDatabase | undefined;
  const restored = async (current: IDBDatabase): Promise<void> => {
    // No write until it is known whose messages are whose; and no wait past RECOVERY_WAIT, as on
    // the first attempt (Web Locks or IndexedDB that never answer would keep the page down).
    let waiting: unknown = setTimeout(() => {
      refuse(new Error(`no answer from IndexedDB and Web Locks within ${RECOVERY_WAIT} ms`));
      go();
    }, RECOVERY_WAIT);
    const go = (): void => {
      if (!waiting) return;
      clearTimeout(waiting as number);
      waiting = 0;
      write();
      hooks.resume([]);
      rest();
    };
    db = cached = undefined;
    owner = newOwner();
    started = Date.now();
    count = 0;
    try {
      const locks = webLocks();
      const mine = lockName(name, owner);
      await hold(locks, mine, keepLock);
      // An engine that keeps a cached page's locks: the ones held by this page's client (the
      // client that holds the lock just taken) are still its own.
      const all = (await locks.query()).held!;
      const me = all.find((lock) => lock.name === mine)!.clientId;
      const ours = new Map<string, unknown>();
      for (const [[, of]] of live)
        if (!ours.has(of))
          ours.set(
            of,
            all.some((lock) => lock.name === lockName(name, of) && lock.clientId === me) ||
              (await hold(locks, lockName(name, of), keepLock)),
          );
      // Read once the locks are taken: what another page sent and deleted meanwhile is gone.
      const left = new Set(
        ((await answer(current.transaction(STORE).objectStore(STORE).getAllKeys())) as Key[]).map(String),
      );
      for (const [key, kept] of [...live])
        // Not what waits to be written: no other page can have it.
        if (!(ours.get(key[1]) && left.has(String(key))) && !pending.has(key) && !reading.has(key))
          hooks.pull(kept, 'adopted');
      // (Deleted meanwhile: the next write finds it closed, and refuses.)
      db = current;
    } catch (error) {
      // Nothing more is stored: the connection goes too (rest() closes only `db`).
      current.close();
      refuse(error);
    }
    go();
  };
  const hide = (event: PageTransitionEvent): void => {
    // A closed socket too, while it holds messages (for a later reconnect()): another page may
    // take them over meanwhile.
    if (event.persisted && resumed && db && !refused) {
      cached = db;
      hooks.pause();
    }
  };
  const show = (event: PageTransitionEvent): unknown => event.persisted && cached && void restored(cached);
  /** Listens to the page's `pagehide` and `pageshow` (`on`), or no more. */
  const listen = (on: boolean): void => {
    if (typeof addEventListener === 'function') {
      const call = on ? addEventListener : removeEventListener;
      call('pagehide', hide);
      call('pageshow', show);
    }
  };
  listen(true);
  /**
   * The keeper rests (rest()), its database closed (or never opened, or refused): opened again on
   * demand (wake()).
   */
  let asleep = false;
  // Not while paused for a `pageshow` (in the cache): that `pageshow` unpauses, then rests.
  const idle = (): boolean => closed && resumed && !live.size && !cached;
  /**
   * `close()`: once the socket holds nothing (whenever that comes: at the close, at the end of a
   * recovery, at a `clearQueue()`, as a database it asked for opens), nothing of it stays reachable
   * from the page (API.md: nothing left running after `close()`): no listener, and its database
   * closed. While it holds messages (they go out after `reconnect()`), it keeps both, and its lock:
   * its messages stay its own, through the back/forward cache too.
   */
  const rest = (): void => {
    if (idle()) {
      listen(false);
      // A retry to come waits for wake(), all but the first, at once (as one write() starts here).
      if (fails > 1) clearTimeout(later);
      write();
      // Opened again as it wakes: to store (not where a database asked for is on its way), or
      // where IndexedDB refused, for the deletes left.
      if (db || pending.size) {
        // (Refused in write(), it was closed.)
        db?.close();
        db = undefined;
        asleep = true;
      }
    }
  };
  /**
   * `reconnect()` after `close()`, or a message sent meanwhile: as before `close()`. Where IndexedDB
   * refused, nothing more is stored, but the database opens again for the deletes left.
   */
  const wake = (): void => {
    listen(true);
    if (asleep && (!refused || pending.size)) {
      asleep = false;
      reopen();
    }
  };

  return {
    keep(data, done) {
      if (asleep) wake();
      const key: Key = [started, owner, ++count];
      const stored = !refused;
      const first = adopting;
      const at = first ?? Date.now();
      adopting = undefined;
      const f = done && hooks.label?.(done);
      if (stored && typeof Blob !== 'undefined' && data instanceof Blob) {
        // Stored as its bytes, once read: WebKit refuses a Blob in IndexedDB ("Error preparing
        // Blob/File data"), and the same bytes go out either way.
        reading.add(key);
        void data.arrayBuffer().then(
          (bytes) => reading.delete(key) && (pending.set(key, { data: bytes, at, f }), write()),
          (error) => reading.delete(key) && warn(error),
        );
      } else if (stored) {
        // A view over part of a buffer (a frame cut out of an encoder's scratch buffer, say) is
        // stored as a copy of its own bytes, of the same type (slice(); a DataView has none):
        // IndexedDB would store the whole buffer behind it, which the queue's byte bounds do not
        // count. (Of the data a socket takes, only a view has a buffer.)
        const view = data as Partial<Uint8Array> & ArrayBufferView;
        if (view.byteLength < view.buffer?.byteLength)
          data = view.slice?.() ?? new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
        pending.set(key, { data, at, f });
        // Not open: it waits in the queue, so its write starts before send() returns. Open: it
        // is most likely written at once, which makes storing it moot (without
        // replayUnconfirmed), so the write waits for the end of this task's microtasks.
        if (socket.readyState === 1) schedule();
        else write();
      }
      return track(key, stored, done, first);
    },
    find: (done) => [...live.values()].find((kept) => kept.d === done),
    letGo() {
      write();
      released = resumed = true;
      cached = undefined;
      clearTimeout(timer);
      for (const letGo of held.splice(0)) letGo();
    },
  };
}

/** Opens outbox `name`'s database, made at its first use. */
const open = (name: string): Promise<IDBDatabase> =>
  new Promise((resolve, reject) => {
    const request = indexedDB.open(PREFIX + name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

/**
 * What pages that have ended left in outbox `name`, oldest first, their owners' locks taken (and
 * held while this page lives), once the socket's first attempt is under way. `owner`'s own lock
 * is taken first, and `use` gets the database as soon as it is open.
 */
async function recover(
  name: string,
  owner: string,
  firstAttempt: Promise<void>,
  closed: () => boolean,
  keepLock: (release: () => void) => void,
  use: (db: IDBDatabase) => void,
): Promise<[Key, Row][]> {
  const locks = webLocks();
  // This page's lock first: from here on, no other page takes what it keeps.
  await hold(locks, lockName(name, owner), keepLock);
  const db = await open(name);
  use(db);
  await firstAttempt;
  const store = () => db.transaction(STORE).objectStore(STORE);
  const owners = new Set((await answer(store().getAllKeys())).map((key) => (key as Key)[1]));
  owners.delete(owner);
  // Closed meanwhile: what ended pages left is the next socket's to send.
  if (closed()) owners.clear();
  const adopted = new Set<string>();
  for (const other of owners) if (await hold(locks, lockName(name, other), keepLock)) adopted.add(other);
  if (!adopted.size) return [];
  // Read once the locks are ours: what their last holder sent and deleted before it ended is
  // gone by now. One row at a time: a row that cannot be read back (Chromium's "Failed to read
  // large IndexedDB value", its file gone) fails alone, and is deleted, or it would fail every
  // later page's recovery too.
  const keys = ((await answer(store().getAllKeys())) as Key[]).filter((key) => adopted.has(key[1]));
  const read = store();
  const rows = await Promise.all(
    keys.map((key) =>
      answer<Row>(read.get(key)).catch((error: unknown) => {
        console.warn(`heartbeat-ws: outbox "${name}" lost a message it could not read back:`, error);
        db.transaction(STORE, 'readwrite').objectStore(STORE).delete(key);
      }),
    ),
  );
  return keys.flatMap((key, i) => (rows[i] ? [[key, rows[i]] as [Key, Row]] : []));
}

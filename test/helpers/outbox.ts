/**
 * The fakes of heartbeat-ws/outbox's unit tests: IndexedDB played by fake-indexeddb and Web Locks
 * by a lock manager that knows which "page" holds what. A page that ends (reload, crash, closed
 * tab) is one whose locks are released while its socket is simply never used again. Real timers:
 * fake-indexeddb answers through them. What the server gets is what the FakeWebSocket of the next
 * page records. `usePages()` installs them around every test of the file that calls it.
 */
import { IDBDatabase as FakeDatabase, IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import type { HeartbeatSocket, Options } from '../../src/index';
import { indexedDbOutbox } from '../../src/outbox/index';
import { FakeWebSocket } from './fake-websocket';
import { makeSocket } from './socket';

/** Web Locks whose holders are pages: `end(page)` releases what a page holds, as the browser does. */
export class PageLocks {
  page = 'first';
  readonly held = new Map<string, { page: string; release: () => void }>();
  request(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => unknown): Promise<unknown> {
    const page = this.page;
    if (this.held.has(name)) {
      if (!options.ifAvailable) throw new Error('PageLocks: only ifAvailable requests are played');
      return Promise.resolve().then(() => callback(null));
    }
    return new Promise((resolve) => {
      this.held.set(name, { page, release: () => resolve(undefined) });
      void Promise.resolve()
        .then(() => callback({ name }))
        .then(resolve, resolve)
        .finally(() => this.held.get(name)?.page === page && this.held.delete(name));
    });
  }
  end(page: string): void {
    for (const [name, lock] of [...this.held]) if (lock.page === page) this.held.delete(name);
  }
  /** As `navigator.locks.query()`: each page is a client, its name the client id. */
  query(): Promise<{ held: { name: string; clientId: string }[] }> {
    return Promise.resolve({ held: [...this.held].map(([name, { page }]) => ({ name, clientId: page })) });
  }
  /** As new: no page, no lock held, and a test's own `request` or `query` gone. */
  reset(): void {
    this.page = 'first';
    this.held.clear();
    Reflect.deleteProperty(this, 'request');
    Reflect.deleteProperty(this, 'query');
  }
}

/**
 * How long `vi.waitFor` waits here: its 1 s default failed under load (a unit file beside the
 * others on a 2-core machine took 1.2 s). Below RECOVERY_WAIT (5 s), so a socket that `wsOf`
 * finds still came at once, not after the outbox's wait for IndexedDB and the locks.
 */
export const WAIT = { timeout: 4_000 };

/** The origin's Web Locks, as `navigator.locks` while `usePages()` runs. */
export const locks = new PageLocks();

/**
 * Every page here shares jsdom's one window: the `pagehide` and `pageshow` listeners of each
 * page's socket, by the page that first added them, so that a page that ends takes them with it
 * (a socket closed while it holds messages keeps listening, for a later reconnect()).
 */
const pageListeners = new Map<EventListenerOrEventListenerObject, [page: string, type: string]>();
const addListener = window.addEventListener;
export const unlisten = (page?: string) => {
  for (const [listener, [of, type]] of [...pageListeners])
    if (page === undefined || of === page) {
      window.removeEventListener(type, listener);
      pageListeners.delete(listener);
    }
};

/** A fresh IndexedDB, `navigator.locks`, and the pages' window listeners, around every test. */
export function usePages(): void {
  beforeEach(() => {
    FakeWebSocket.reset();
    globalThis.indexedDB = new IDBFactory();
    locks.reset();
    Object.defineProperty(navigator, 'locks', { value: locks, configurable: true });
    window.addEventListener = (
      type: string,
      listener: EventListenerOrEventListenerObject | null,
      options?: unknown,
    ) => {
      if (listener && /^page(hide|show)$/.test(type) && !pageListeners.has(listener))
        pageListeners.set(listener, [locks.page, type]);
      addListener.call(window, type, listener as EventListener, options as AddEventListenerOptions);
    };
  });
  afterEach(() => {
    Reflect.deleteProperty(navigator, 'locks');
    vi.restoreAllMocks();
    unlisten();
    window.addEventListener = addListener;
  });
}

/** A socket of page `page` on outbox `name`, connecting to ws://page-<page>.test/. */
export const pageSocket = (page: string, options: Options = {}, name = 'orders') => {
  locks.page = page;
  return makeSocket(
    { outbox: indexedDbOutbox(name), minReconnectionDelay: 60_000, ...options },
    `ws://page-${page.toLowerCase()}.test/`,
  );
};

/** The newest FakeWebSocket of page `page`, once its attempt has started. */
export const wsOf = async (page: string): Promise<FakeWebSocket> => {
  const mine = () => FakeWebSocket.instances.filter((ws) => ws.url.startsWith(`ws://page-${page.toLowerCase()}.test`));
  await vi.waitFor(() => expect(mine().length).toBeGreaterThan(0), WAIT);
  return mine().at(-1)!;
};

/** Page `page` ends (reload, crash, closed tab): its locks go, its socket is never used again. */
export const end = (page: string, socket: Pick<HeartbeatSocket, 'close'>) => {
  locks.end(page);
  socket.close();
  unlisten(page);
};

/** Every row stored in outbox `name`, oldest first: the message and when it was sent. */
export const rows = async (name = 'orders'): Promise<{ data: unknown; at: number }[]> => {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(`heartbeat-ws outbox ${name}`, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('messages');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const all = await new Promise<{ data: unknown; at: number }[]>((resolve) => {
    const request = db.transaction('messages').objectStore('messages').getAll();
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return all;
};

/** Every message stored in outbox `name`, oldest first. */
export const stored = async (name = 'orders'): Promise<unknown[]> => (await rows(name)).map((row) => row.data);

/** Lets every pending IndexedDB write land. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

/**
 * IndexedDB's transactions abort with `name` (`'QuotaExceededError'` as one over quota,
 * `'UnknownError'` as a broken backing store): every one from now on, or only the next (`once`).
 * `made()`: how many were made since; `spy.mockRestore()` lets them commit again.
 */
export const abortWrites = (name: string, once = false) => {
  const transaction = FakeDatabase.prototype.transaction;
  let made = 0;
  const spy = vi.spyOn(FakeDatabase.prototype, 'transaction');
  const abort = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    made++;
    const tx = transaction.apply(this, args);
    queueMicrotask(() => (tx as unknown as { _abort(name: string): void })._abort(name));
    return tx;
  };
  if (once) spy.mockImplementationOnce(abort);
  else spy.mockImplementation(abort);
  return { made: () => made, spy };
};

/**
 * heartbeat-ws/outbox with IndexedDB played by fake-indexeddb and Web Locks by a lock manager
 * that knows which "page" holds what: a page that ends (reload, crash, closed tab) is one whose
 * locks are released while its socket is simply never used again. Real timers: fake-indexeddb
 * answers through them. What the server gets is what the FakeWebSocket of the next page records.
 */
import {
  IDBDatabase as FakeDatabase,
  IDBObjectStore as FakeObjectStore,
  IDBTransaction as FakeTransaction,
} from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { HeartbeatSocket, type Outbox, type OutboxLabel, type OutboxLink, type Tracker } from '../src/index';
import { deleteOutbox, indexedDbOutbox, RECOVERY_WAIT } from '../src/outbox/index';
import { requests } from '../src/request/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { abortWrites, end, locks, pageSocket, settle, stored, usePages, WAIT, wsOf } from './helpers/outbox';
import { makeSocket } from './helpers/socket';

usePages();

describe('indexedDbOutbox', () => {
  it("sends what a page left queued on the next page's first connection: after its open listeners, before its own queue, once", async () => {
    const first = pageSocket('A');
    const a = await wsOf('A');
    a.serverError(); // server down: everything waits in the queue
    first.socket.send('a1');
    first.socket.send('a2');
    await settle();
    expect(await stored()).toEqual(['a1', 'a2']);
    end('A', first.socket); // reloaded

    const second = pageSocket('B');
    second.socket.addEventListener('open', () => second.socket.send('hello'));
    second.socket.send('b1');
    const b = await wsOf('B');
    b.serverOpen();
    expect(b.sent).toEqual(['hello', 'a1', 'a2', 'b1']);
    await settle();
    expect(await stored()).toEqual([]);

    end('B', second.socket);
    pageSocket('C');
    const c = await wsOf('C');
    c.serverOpen();
    await settle();
    expect(c.sent).toEqual([]);
  });

  it("asks IndexedDB to commit a task's writes as the task ends, before their answers come back (a reload in between would abort them)", async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    await settle();
    const commit = vi.spyOn(FakeTransaction.prototype, 'commit');
    const answered = vi.fn();
    first.socket.send('a1');
    first.socket.send('a2');
    // The task's microtasks: the requests are issued, no answer has come back yet.
    await Promise.resolve();
    const tx = commit.mock.contexts[0] as IDBTransaction;
    expect(commit).toHaveBeenCalledTimes(1);
    expect(tx.mode).toBe('readwrite');
    tx.addEventListener('complete', answered);
    expect(answered).not.toHaveBeenCalled();
    await settle();
    expect(answered).toHaveBeenCalledTimes(1);
    expect(await stored()).toEqual(['a1', 'a2']);
  });

  it('waits with the first attempt until what earlier pages left is read, then connects', async () => {
    const { socket } = pageSocket('A');
    expect(socket.state).toBe('connecting');
    expect(FakeWebSocket.instances).toHaveLength(0);
    await wsOf('A');
  });

  it('stays closed when close() comes before what earlier pages left is read', async () => {
    const { socket, types } = pageSocket('A');
    socket.close();
    // Well past the read (a few milliseconds here).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(socket.state).toBe('closed');
    expect(types()).toEqual(['close']);
    expect(FakeWebSocket.instances).toHaveLength(0);
  });

  it('takes what ended pages left at its first attempt: a socket dropped unstarted (startClosed) takes none', async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    first.socket.send('a1');
    await settle();
    end('A', first.socket);

    // Made and dropped, as React's StrictMode does with a component's first render in development.
    pageSocket('B', { startClosed: true });
    await settle();
    const kept = pageSocket('C', { startClosed: true });
    await settle();
    expect(FakeWebSocket.instances.filter((ws) => ws.url.includes('page-c'))).toHaveLength(0);
    kept.socket.reconnect();
    const c = await wsOf('C');
    c.serverOpen();
    expect(c.sent).toEqual(['a1']);
  });

  it('takes nothing of what ended pages left into a socket closed before its first attempt: the next socket of the page sends it', async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    first.socket.send('a1');
    await settle();
    end('A', first.socket);

    // Made and closed at once (a view left before it connected, a url that changed).
    const dropped = pageSocket('B');
    dropped.socket.close();
    await settle();
    pageSocket('B');
    const b = await wsOf('B');
    b.serverOpen();
    await settle();
    expect(b.sent).toEqual(['a1']);
    // Not held by the closed socket (with A's lock, for as long as the page lives).
    expect(dropped.socket.stats.queued).toBe(0);
  });

  it('takes nothing into a socket closed while it was taking over what an ended page left (a view left a few ms after it was made): the next socket of the page sends it', async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    first.socket.send('a1');
    await settle();
    end('A', first.socket);

    // The view is left while the recovery takes A's lock: after its check of closed(), before
    // its resume. (Its first lock request is its own; the second is A's.)
    const request = locks.request.bind(locks);
    let requests = 0;
    const closing: { socket?: HeartbeatSocket } = {};
    locks.request = (name, options, callback) => {
      if (locks.page === 'B' && ++requests === 2) closing.socket?.close();
      return request(name, options, callback);
    };
    const dropped = pageSocket('B');
    closing.socket = dropped.socket;
    await settle();
    expect(dropped.socket.state).toBe('closed');
    locks.request = request;
    pageSocket('B');
    const b = await wsOf('B');
    b.serverOpen();
    await settle();
    // Not in the closed socket's queue, with A's lock held for as long as the page lives.
    expect({ sent: b.sent, heldByClosed: dropped.socket.stats.queued }).toEqual({ sent: ['a1'], heldByClosed: 0 });
  });

  it('a recovery that ends after RECOVERY_WAIT (a slow device) does not keep what it took over from every page: it is sent once', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    first.socket.send('a1');
    await settle();
    end('A', first.socket);

    /** IndexedDB answers through setImmediate, which stays real. */
    const idle = async () => {
      for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      // Page B's Web Locks answer late for A's lock: past RECOVERY_WAIT.
      const request = locks.request.bind(locks);
      let late!: () => void;
      const gate = new Promise<void>((resolve) => (late = resolve));
      let requests = 0;
      locks.request = (name, options, callback) =>
        locks.page === 'B' && ++requests === 2
          ? gate.then(() => request(name, options, callback))
          : request(name, options, callback);
      const second = pageSocket('B');
      await idle();
      expect(FakeWebSocket.instances.filter((ws) => ws.url.includes('page-b'))).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(RECOVERY_WAIT);
      const b = FakeWebSocket.instances.find((ws) => ws.url.includes('page-b'))!;
      b.serverOpen();
      late(); // A's lock, and so a1, reach page B now
      await idle();

      // B lives on; a page started now, or B itself, sends a1.
      pageSocket('C');
      await idle();
      const c = FakeWebSocket.instances.find((ws) => ws.url.includes('page-c'))!;
      c.serverOpen();
      await idle();
      expect([...b.sent, ...c.sent]).toEqual(['a1']);
      expect(second.ofType('drop')).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('after close(), a socket that holds nothing leaves no listener on the window and no IndexedDB connection open', async () => {
    const added = vi.spyOn(window, 'addEventListener');
    const removed = vi.spyOn(window, 'removeEventListener');
    const closed = vi.spyOn(FakeDatabase.prototype, 'close');
    const { socket } = pageSocket('A');
    (await wsOf('A')).serverOpen();
    socket.send('a1'); // written at once: nothing is kept
    await settle();
    socket.close();
    await settle();
    // API.md: after close(), no timer, listener or socket of it is left running. These keep the
    // socket, its queue and its database reachable from the window for as long as the page lives.
    const left = added.mock.calls.filter(
      ([type, listener]) => !removed.mock.calls.some(([t, l]) => t === type && l === listener),
    );
    expect(left.map(([type]) => type)).toEqual([]);
    expect(closed).toHaveBeenCalled();
  });

  it('a socket closed before what earlier pages left was read (a view left at once) leaves no listener on the window and no IndexedDB connection open', async () => {
    const added = vi.spyOn(window, 'addEventListener');
    const removed = vi.spyOn(window, 'removeEventListener');
    const closed = vi.spyOn(FakeDatabase.prototype, 'close');
    const { socket } = pageSocket('A');
    socket.close(); // its statechange comes before the recovery has answered
    await settle();
    expect(socket.state).toBe('closed');
    // The recovery resumes after the closed statechange, which found it not resumed yet: nothing
    // ever calls sleep(), so the page's listeners and the open database keep the socket alive.
    const left = added.mock.calls.filter(
      ([type, listener]) => !removed.mock.calls.some(([t, l]) => t === type && l === listener),
    );
    expect({ left: left.map(([type]) => type), closed: closed.mock.calls.length > 0 }).toEqual({
      left: [],
      closed: true,
    });
  });

  it("after close() with messages queued, then clearQueue() (the docs' logout), no IndexedDB connection stays open", async () => {
    const closed = vi.spyOn(FakeDatabase.prototype, 'close');
    const { socket } = pageSocket('A');
    (await wsOf('A')).serverError(); // down: what follows waits in the queue
    socket.send('a1');
    await settle();
    socket.close();
    await settle();
    expect(socket.clearQueue()).toBe(1);
    await settle();
    // It holds nothing now, but sleep() ran only at the closed statechange, when it held a1.
    const closes = closed.mock.calls.length;
    expect(await stored()).toEqual([]); // deleted all the same (this read closes its own connection)
    expect(closes).toBe(1);
  });

  it('reconnect() then close() at once (a view shown and left again): no IndexedDB connection stays open', async () => {
    const closed = vi.spyOn(FakeDatabase.prototype, 'close');
    const { socket } = pageSocket('A');
    (await wsOf('A')).serverOpen();
    socket.close();
    await settle();
    expect(closed).toHaveBeenCalledTimes(1); // it held nothing: its database closed
    const opened = vi.spyOn(indexedDB, 'open');
    socket.reconnect(); // opens the database again
    socket.close(); // before it is open: sleep() finds no database to close
    await settle();
    expect(opened).toHaveBeenCalledTimes(1);
    // The database wake() asked for opens after the closed statechange, and is never closed.
    expect(closed).toHaveBeenCalledTimes(2);
  });

  it('after close(), stores again what the socket is sent, closed or after reconnect(): the next page sends it', async () => {
    const { socket } = pageSocket('A');
    const a = await wsOf('A');
    a.serverOpen();
    socket.close();
    await settle();
    socket.send('a1'); // while closed: queued for a later reconnect()
    await settle();
    expect(await stored()).toEqual(['a1']);
    socket.reconnect();
    await settle();
    const again = await wsOf('A');
    again.serverError(); // down: what follows waits in the queue
    socket.send('a2');
    await settle();
    expect(await stored()).toEqual(['a1', 'a2']);
    end('A', socket); // reloaded

    pageSocket('B');
    const b = await wsOf('B');
    b.serverOpen();
    expect(b.sent).toEqual(['a1', 'a2']);
  });

  it('opens its database once while it lives; after a close() that left it nothing to hold, once more, when it is sent something', async () => {
    const opened = vi.spyOn(indexedDB, 'open');
    const { socket } = pageSocket('A');
    (await wsOf('A')).serverError(); // down: what it is sent waits, stored
    socket.send('a1');
    socket.send('a2');
    await settle();
    expect(opened).toHaveBeenCalledTimes(1);
    socket.close(); // it holds a1 and a2: its database stays open for them
    await settle();
    socket.send('a3');
    await settle();
    expect(opened).toHaveBeenCalledTimes(1);

    const b = pageSocket('B');
    (await wsOf('B')).serverOpen();
    b.socket.close(); // it holds nothing: its database closes
    await settle();
    expect(opened).toHaveBeenCalledTimes(2);
    b.socket.send('b1');
    b.socket.send('b2');
    await settle();
    expect(opened).toHaveBeenCalledTimes(3);
    expect(await stored()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
  });

  it('stores nothing of a message written at once to an open socket (without replayUnconfirmed)', async () => {
    const { socket } = pageSocket('A');
    (await wsOf('A')).serverOpen();
    for (let i = 0; i < 50; i++) socket.send(`m${i}`);
    await settle();
    expect(await stored()).toEqual([]);
  });

  it('with replayUnconfirmed, keeps what was written until a pong confirms it, and the next page sends the rest', async () => {
    const hb = { heartbeat: { interval: 60_000, timeout: 60_000 }, replayUnconfirmed: true };
    const first = pageSocket('A', hb);
    const a = await wsOf('A');
    a.serverOpen();
    first.socket.send('x1');
    first.socket.send('x2');
    await settle();
    expect(await stored()).toEqual(['x1', 'x2']);
    first.socket.probe(); // a ping after x2; its pong confirms both
    a.serverMessage('pong');
    first.socket.send('x3');
    await settle();
    expect(await stored()).toEqual(['x3']);
    end('A', first.socket); // crashed

    pageSocket('B', hb);
    const b = await wsOf('B');
    b.serverOpen();
    expect(b.sent.filter((d) => d !== 'ping')).toEqual(['x3']);
  });

  it("with replayUnconfirmed, a socket the React hook replaces for another url (its 'clear' hook, then close()) whose closing handshake fails drops the written message at its close: the next page does not send it", async () => {
    const hb = { heartbeat: { interval: 60_000, timeout: 60_000 }, replayUnconfirmed: true };
    const first = pageSocket('A', hb);
    const a = await wsOf('A');
    a.serverOpen();
    first.socket.send('room-1 order'); // written to room 1's server, no pong yet
    await settle();
    // What useHeartbeatSocket does to a socket replaced for another url (src/react/index.ts).
    (first.socket as unknown as Record<symbol, (what: string) => unknown>)[Symbol.for('heartbeat-ws hook')]!('clear');
    first.socket.close();
    a.serverClose(1006, ''); // the closing handshake fails: the link died
    await settle();
    // Docs (react.md): what the replaced socket held is dropped (a drop event) or confirmed by its
    // closing handshake: dropped at its close, and deleted from the outbox.
    end('A', first.socket); // the page is reloaded later
    pageSocket('B', hb);
    const b = await wsOf('B');
    b.serverOpen();
    expect({ drops: first.ofType('drop').length, sentByNextPage: b.sent.filter((d) => d !== 'ping') }).toEqual({
      drops: 1,
      sentByNextPage: [],
    });
  });

  it('never sends the messages of a page that is still alive; a page started after it ended does, once', async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    first.socket.send('a1');
    await settle();

    pageSocket('B');
    const b = await wsOf('B');
    b.serverOpen();
    await settle();
    expect(b.sent).toEqual([]);

    end('A', first.socket);
    // Two pages start together after A ended: one of them sends A's message.
    pageSocket('C');
    pageSocket('D');
    const [c, d] = [await wsOf('C'), await wsOf('D')];
    c.serverOpen();
    d.serverOpen();
    await settle();
    expect([...b.sent, ...c.sent, ...d.sent]).toEqual(['a1']);
  });

  describe('a page back from the back/forward cache, whose Web Locks the browser let go of there (WebKit)', () => {
    /** Page `page` goes into the cache: `pagehide` (persisted), and the browser lets go of its locks. */
    const cache = (page: string) => {
      dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true }));
      locks.end(page);
    };
    /** Page `page` comes back: `pageshow` (persisted). */
    const restore = (page: string) => {
      locks.page = page;
      const before = FakeWebSocket.instances.length;
      dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
      /** The page's first attempt after it came back. */
      return () =>
        vi.waitFor(() => {
          const next = FakeWebSocket.instances.slice(before).find((w) => w.url.includes(`page-${page.toLowerCase()}`));
          expect(next).toBeDefined();
          return next!;
        }, WAIT);
    };
    /** Page A with a1, a2 queued while its server is down, then cached. */
    const cachedA = async () => {
      const a = pageSocket('A'); // in its backoff wait (60 s) when cached
      (await wsOf('A')).serverError();
      a.socket.send('a1');
      a.socket.send('a2');
      await settle();
      cache('A');
      return a;
    };
    /** Page B, started while A is cached: it takes A's messages over. */
    const adopter = async () => {
      pageSocket('B');
      const b = await wsOf('B');
      b.serverOpen();
      await settle();
      return b;
    };

    it("drops what another page took over meanwhile (reason 'adopted') instead of sending it again", async () => {
      const a = await cachedA();
      const b = await adopter();
      expect(b.sent).toEqual(['a1', 'a2']);
      const attempt = restore('A');
      a.socket.send('a3');
      await vi.waitFor(() => expect(a.ofType<CustomEvent>('drop')).toHaveLength(2), WAIT);
      expect(a.ofType<CustomEvent>('drop').map((e) => [e.detail.data, e.detail.reason])).toEqual([
        ['a1', 'adopted'],
        ['a2', 'adopted'],
      ]);
      const ws = await attempt();
      ws.serverOpen();
      expect(ws.sent).toEqual(['a3']);
      await settle();
      expect(await stored()).toEqual([]);
    });

    it("a socket closed with messages queued (kept for a later reconnect()): what another page took over meanwhile is dropped ('adopted'), not sent again after reconnect()", async () => {
      const a = pageSocket('A');
      (await wsOf('A')).serverError();
      a.socket.send('a1');
      await settle();
      a.socket.close(); // a1 stays queued (and stored) for a later reconnect()
      await settle();
      cache('A');
      const b = await adopter();
      expect(b.sent).toEqual(['a1']);
      restore('A');
      await settle();
      a.socket.reconnect();
      const ws = await wsOf('A');
      ws.serverOpen();
      await settle();
      // The closed socket stopped listening to pagehide/pageshow at close(): back from the cache
      // it never checks whose a1 is, and sends it a second time.
      expect({
        sent: ws.sent,
        drops: a.ofType<CustomEvent>('drop').map((e) => [e.detail.data, e.detail.reason]),
      }).toEqual({
        sent: [],
        drops: [['a1', 'adopted']],
      });
    });

    it('a closed socket whose app empties its queue in a pagehide listener connects at reconnect() after the pageshow', async () => {
      const a = pageSocket('A');
      (await wsOf('A')).serverError();
      a.socket.send('a1');
      await settle();
      a.socket.close(); // a1 kept for a later reconnect()
      await settle();
      // The app's own pagehide listener, after the outbox's: its logout empties the queue.
      const logout = () => a.socket.clearQueue();
      addEventListener('pagehide', logout);
      cache('A');
      removeEventListener('pagehide', logout);
      await settle();
      restore('A');
      await settle();
      const before = FakeWebSocket.instances.length;
      a.socket.reconnect();
      // It let go of pageshow while paused for it: every attempt waited for a pageshow it no
      // longer heard, and the socket stayed CONNECTING for good.
      await vi.waitFor(() => expect(FakeWebSocket.instances.length).toBe(before + 1), WAIT);
      const ws = FakeWebSocket.last;
      ws.serverOpen();
      a.socket.send('a2');
      await settle();
      expect([a.socket.readyState, ws.sent]).toEqual([WebSocket.OPEN, ['a2']]);
    });

    it('with replayUnconfirmed: what it wrote and had not seen confirmed, which another page took over, is dropped too, not replayed', async () => {
      const a = pageSocket('A', { heartbeat: { interval: 60_000, timeout: 60_000 }, replayUnconfirmed: true });
      const ws = await wsOf('A');
      ws.serverOpen();
      a.socket.send('a1'); // written, never confirmed
      await settle();
      expect([ws.sent, await stored()]).toEqual([['a1'], ['a1']]);
      cache('A');
      const b = await adopter();
      expect(b.sent).toEqual(['a1']);
      const attempt = restore('A');
      await vi.waitFor(
        () =>
          expect(a.ofType<CustomEvent>('drop').map((e) => [e.detail.data, e.detail.reason])).toEqual([
            ['a1', 'adopted'],
          ]),
        WAIT,
      );
      const next = await attempt();
      next.serverOpen();
      await settle();
      expect(next.sent.filter((m) => m !== 'ping')).toEqual([]);
    });

    it('drops all it stored while the page that took them over holds its old lock', async () => {
      const a = await cachedA();
      // B holds A's lock from its recovery on, as long as it lives; its server is down.
      pageSocket('B');
      (await wsOf('B')).serverError();
      await settle();
      restore('A');
      await vi.waitFor(
        () => expect(a.ofType<CustomEvent>('drop').map((e) => e.detail.reason)).toEqual(['adopted', 'adopted']),
        WAIT,
      );
      expect(a.socket.stats.queued).toBe(0);
      expect(await stored()).toEqual(['a1', 'a2']);
    });

    it('keeps all, and sends each once, in an engine that keeps a cached page its locks', async () => {
      const a = pageSocket('A');
      (await wsOf('A')).serverError();
      a.socket.send('a1');
      await settle();
      dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true }));
      // A page started meanwhile takes nothing: A still holds its lock.
      pageSocket('B');
      const b = await wsOf('B');
      b.serverOpen();
      await settle();
      const attempt = restore('A');
      const ws = await attempt();
      ws.serverOpen();
      expect([...b.sent, ...ws.sent]).toEqual(['a1']);
      expect(a.ofType('drop')).toEqual([]);
    });

    it('twice into the cache and back: what another page took over after the second trip is not sent again', async () => {
      const a = await cachedA();
      (await restore('A')()).serverError(); // back in its backoff wait
      await settle();
      expect(a.ofType('drop')).toEqual([]);
      cache('A');
      const b = await adopter();
      expect(b.sent).toEqual(['a1', 'a2']);
      const attempt = restore('A');
      (await attempt()).serverOpen();
      expect(a.ofType<CustomEvent>('drop').map((e) => [e.detail.data, e.detail.reason])).toEqual([
        ['a1', 'adopted'],
        ['a2', 'adopted'],
      ]);
    });

    it('a pageshow without a pagehide into the cache before it (the first load) changes nothing', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const a = pageSocket('A');
      (await wsOf('A')).serverError();
      a.socket.send('a1');
      await settle();
      dispatchEvent(Object.assign(new Event('pageshow'), { persisted: false }));
      dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
      await settle();
      expect(warn).not.toHaveBeenCalled();
      expect(await stored()).toEqual(['a1']);
    });

    it('where the check fails (Web Locks refuse), warns once, keeps the queue in memory and goes on', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const a = await cachedA();
      locks.query = () => Promise.reject(new Error('locks refused'));
      const attempt = restore('A');
      (await attempt()).serverOpen();
      expect(FakeWebSocket.instances.at(-1)!.sent).toEqual(['a1', 'a2']);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0])).toMatch(/locks refused/);
      expect(a.ofType('drop')).toEqual([]);
    });

    it("a socket closed with a message queued, whose check fails back from the cache (Web Locks refuse), keeps an IndexedDB connection open for the page's life once it holds nothing", async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const closes = vi.spyOn(FakeDatabase.prototype, 'close');
      const a = pageSocket('A');
      (await wsOf('A')).serverError();
      a.socket.send('a1');
      await settle();
      a.socket.close(); // holds a1 for a later reconnect(): keeps its database and listeners
      await settle();
      expect(closes).not.toHaveBeenCalled();
      cache('A'); // ecd70b1: hide() no longer skips a closed socket
      locks.query = () => Promise.reject(new Error('locks refused'));
      restore('A');
      await settle();
      expect(warn).toHaveBeenCalledTimes(1);
      // The docs' logout: it holds nothing now; API.md, nothing of it left running after close().
      expect(a.socket.clearQueue()).toBe(1);
      await settle();
      // restored() set db undefined before its check and, refused, never closed the connection
      // it had cached: rest() finds no database to close, and that one stays open.
      expect(closes).toHaveBeenCalled();
    });

    it('a pagehide that is not into the cache (the page ends) changes nothing', async () => {
      const a = pageSocket('A');
      (await wsOf('A')).serverError();
      a.socket.send('a1');
      await settle();
      const before = FakeWebSocket.instances.length;
      dispatchEvent(Object.assign(new Event('pagehide'), { persisted: false }));
      a.socket.reconnect();
      await vi.waitFor(() => expect(FakeWebSocket.instances.length).toBe(before + 1), WAIT);
      FakeWebSocket.instances.at(-1)!.serverOpen();
      expect(FakeWebSocket.instances.at(-1)!.sent).toEqual(['a1']);
    });

    it('where the check gets no answer (IndexedDB or Web Locks hang), the page still connects within RECOVERY_WAIT, as on its first attempt', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const a = await cachedA();
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        locks.request = () => new Promise(() => {});
        const before = FakeWebSocket.instances.length;
        restore('A');
        for (let ms = 0; ms < 2 * RECOVERY_WAIT; ms += 500) {
          await vi.advanceTimersByTimeAsync(500);
          await new Promise((resolve) => setImmediate(resolve)); // IndexedDB's answers
        }
        expect(FakeWebSocket.instances.slice(before)).toHaveLength(1);
        const ws = FakeWebSocket.instances.at(-1)!;
        ws.serverOpen();
        expect(ws.sent).toEqual(['a1', 'a2']);
        expect(a.socket.state).toBe('open');
        expect(String(warn.mock.calls)).toMatch(/no answer from IndexedDB and Web Locks within 5000 ms/);
      } finally {
        vi.useRealTimers();
      }
    });

    it('keeps and sends, once, what no other page took over; what it sends later is stored under a new owner', async () => {
      const a = await cachedA();
      const attempt = restore('A');
      a.socket.send('a3');
      const ws = await attempt();
      await settle();
      expect(await stored()).toEqual(['a1', 'a2', 'a3']);
      // A page started now takes nothing of A's: A holds both its locks again.
      pageSocket('B');
      const b = await wsOf('B');
      b.serverOpen();
      await settle();
      expect(b.sent).toEqual([]);
      ws.serverOpen();
      expect(ws.sent).toEqual(['a1', 'a2', 'a3']);
      expect(a.ofType('drop')).toEqual([]);
    });
  });

  describe("a leader tab's socket (SharedHeartbeatSocket): messages labelled with their tab and number", () => {
    /**
     * The outbox as SharedHeartbeatSocket's leader hands it to its socket: `label` tells each
     * tracked message's tab and number, `adopt` hears what an earlier leader kept.
     */
    const leaderOutbox = (labels: Map<Tracker, OutboxLabel>, adopted: unknown[][], maxAge?: number) => {
      const outbox = indexedDbOutbox('orders', { maxAge });
      const links: OutboxLink[] = [];
      const wrapped: Outbox = {
        attach: (socket, hooks) =>
          links[
            links.push(
              outbox.attach(socket, { ...hooks, label: (done) => labels.get(done), adopt: (...a) => adopted.push(a) }),
            ) - 1
          ]!,
      };
      return { outbox: wrapped, release: () => links.forEach((link) => link.letGo?.()) };
    };
    /** Leader page `page`'s socket, `labelled` sends: [data, tab, n]. */
    const leaderPage = async (
      page: string,
      sends: [string, string, number][],
      adopted: unknown[][] = [],
      maxAge?: number,
    ) => {
      const labels = new Map<Tracker, OutboxLabel>();
      const { outbox, release } = leaderOutbox(labels, adopted, maxAge);
      const made = pageSocket(page, { outbox });
      const ws = await wsOf(page);
      ws.serverError();
      for (const [data, tab, n] of sends) {
        const done: Tracker = () => labels.delete(done);
        labels.set(done, [tab, n]);
        made.socket.track(data, done);
      }
      await settle();
      return { ...made, ws, release };
    };

    it("hands what an ended leader kept to the next one as its tabs' messages (adopt), and deletes the rows it read", async () => {
      const a = await leaderPage('A', [
        ['x', 'tab1', 1],
        ['y', 'tab2', 5],
      ]);
      expect(await stored()).toEqual(['x', 'y']);
      end('A', a.socket);
      const adopted: unknown[][] = [];
      const b = await leaderPage('B', [], adopted);
      b.ws.serverOpen();
      await settle();
      expect(adopted).toEqual([
        [['tab1', 1], 'x', false],
        [['tab2', 5], 'y', false],
      ]);
      // Not sent by the outbox itself: the leader decides, and stores anew what it takes.
      expect(b.ws.sent).toEqual([]);
      expect(await stored()).toEqual([]);
    });

    it('sends as its own what a page of a HeartbeatSocket left (no label): adopt hears only the labelled ones', async () => {
      const plain = pageSocket('A');
      (await wsOf('A')).serverError();
      plain.socket.send('plain');
      await settle();
      end('A', plain.socket);
      const adopted: unknown[][] = [];
      pageSocket('B', { outbox: leaderOutbox(new Map(), adopted).outbox });
      const b = await wsOf('B');
      b.serverOpen();
      expect(b.sent).toEqual(['plain']);
      expect(adopted).toEqual([]);
    });

    it('a leader released before its recovery has read anything adopts nothing: the next one does', async () => {
      const a = await leaderPage('A', [['x', 'tab1', 1]]);
      end('A', a.socket);
      const early: unknown[][] = [];
      const labels = new Map<Tracker, OutboxLabel>();
      const { outbox, release } = leaderOutbox(labels, early);
      pageSocket('B', { outbox });
      release();
      await settle();
      await settle();
      expect(early).toEqual([]);
      const adopted: unknown[][] = [];
      await leaderPage('C', [], adopted);
      await vi.waitFor(() => expect(adopted).toEqual([[['tab1', 1], 'x', false]]), WAIT);
    });

    it('tells adopt which are past maxAge, and fires no drop of its own for them', async () => {
      const a = await leaderPage('A', [['old', 'tab1', 1]]);
      end('A', a.socket);
      const now = Date.now();
      vi.spyOn(Date, 'now').mockReturnValue(now + 60_001);
      const adopted: unknown[][] = [];
      const b = await leaderPage('B', [], adopted, 60_000);
      vi.restoreAllMocks();
      await vi.waitFor(() => expect(adopted).toEqual([[['tab1', 1], 'old', 'expired']]), WAIT);
      expect(b.ofType('drop')).toEqual([]);
    });

    it("a logout (deleteOutbox()) that reaches the next leader as it reads what an ended one kept: each message is told to its tab as dropped, 'cleared' (adopt), not dropped on the leader's own socket, which no tab hears", async () => {
      const a = await leaderPage('A', [
        ['x', 'tab1', 1],
        ['y', 'tab2', 5],
      ]);
      end('A', a.socket);
      // The browser's versionchange (another page's deleteOutbox()) comes as the next leader reads
      // the last row.
      const get = FakeObjectStore.prototype.get;
      let reads = 0;
      vi.spyOn(FakeObjectStore.prototype, 'get').mockImplementation(function (
        this: IDBObjectStore,
        ...args: Parameters<IDBObjectStore['get']>
      ) {
        const request = get.apply(this, args);
        if (++reads === 2) {
          const db = this.transaction.db;
          request.addEventListener('success', () => db.onversionchange?.call(db, new Event('versionchange') as never));
        }
        return request;
      });
      const adopted: unknown[][] = [];
      const b = await leaderPage('B', [], adopted);
      b.ws.serverOpen();
      await vi.waitFor(() => expect(adopted).toHaveLength(2), WAIT);
      expect(adopted).toEqual([
        [['tab1', 1], 'x', 'cleared'],
        [['tab2', 5], 'y', 'cleared'],
      ]);
      expect(b.ofType('drop')).toEqual([]);
      expect(b.ws.sent).toEqual([]);
    });

    it("a logout that reaches a leader as it reads what a plain HeartbeatSocket's page left (no label): dropped on its own socket, 'cleared'; adopt hears nothing", async () => {
      const plain = pageSocket('A');
      (await wsOf('A')).serverError();
      plain.socket.send('plain');
      await settle();
      end('A', plain.socket);
      const get = FakeObjectStore.prototype.get;
      vi.spyOn(FakeObjectStore.prototype, 'get').mockImplementation(function (
        this: IDBObjectStore,
        ...args: Parameters<IDBObjectStore['get']>
      ) {
        const request = get.apply(this, args);
        const db = this.transaction.db;
        request.addEventListener('success', () => db.onversionchange?.call(db, new Event('versionchange') as never));
        return request;
      });
      const adopted: unknown[][] = [];
      const b = pageSocket('B', { outbox: leaderOutbox(new Map(), adopted).outbox });
      await vi.waitFor(
        () =>
          expect(b.ofType<CustomEvent>('drop').map((e) => [e.detail.data, e.detail.reason])).toEqual([
            ['plain', 'cleared'],
          ]),
        WAIT,
      );
      (await wsOf('B')).serverOpen();
      await settle();
      expect(adopted).toEqual([]);
    });

    it('letGo() lets go of what it kept while the page lives: the next leader takes it over; before it, none does', async () => {
      const a = await leaderPage('A', [['x', 'tab1', 1]]);
      const early: unknown[][] = [];
      await leaderPage('B', [], early);
      await settle();
      expect(early).toEqual([]);
      a.release();
      a.socket.close();
      const adopted: unknown[][] = [];
      await leaderPage('C', [], adopted);
      await vi.waitFor(() => expect(adopted).toEqual([[['tab1', 1], 'x', false]]), WAIT);
    });
  });

  it('keeps binary messages byte for byte: ArrayBuffer and typed arrays', async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    first.socket.send(new Uint8Array([1, 2, 255]).buffer);
    first.socket.send(new Uint16Array([0xbeef, 7]));
    first.socket.send('text');
    await settle();
    end('A', first.socket);

    pageSocket('B');
    const b = await wsOf('B');
    b.serverOpen();
    const bytes = (d: unknown) =>
      typeof d === 'string' ? d : [...new Uint8Array(ArrayBuffer.isView(d) ? d.buffer : (d as ArrayBuffer))];
    expect(b.sent.map(bytes)).toEqual([[1, 2, 255], [...new Uint8Array(new Uint16Array([0xbeef, 7]).buffer)], 'text']);
  });

  it('keeps a Blob as its bytes, and stores nothing of one written before its bytes were read', async () => {
    const first = pageSocket('A');
    const a = await wsOf('A');
    a.serverError();
    first.socket.send(new Blob([new Uint8Array([9, 8, 7])]));
    await vi.waitFor(async () => expect(await stored()).toHaveLength(1), WAIT);
    const [bytes] = (await stored()) as ArrayBuffer[];
    expect([...new Uint8Array(bytes!)]).toEqual([9, 8, 7]);
    end('A', first.socket);

    const second = pageSocket('B');
    const b = await wsOf('B');
    b.serverOpen();
    second.socket.send(new Blob(['written at once']));
    await settle();
    expect(await stored()).toEqual([]);
    expect(b.sent.map((d) => (d instanceof Blob ? 'blob' : [...new Uint8Array(d as ArrayBuffer)]))).toEqual([
      [9, 8, 7],
      'blob',
    ]);
  });

  it('sends what is exactly maxAge old: only an older one expires', async () => {
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now);
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    first.socket.send('just in time');
    await settle();
    end('A', first.socket);
    vi.spyOn(Date, 'now').mockReturnValue(now + 60_000);
    locks.page = 'B';
    const second = makeSocket({ outbox: indexedDbOutbox('orders', { maxAge: 60_000 }) }, 'ws://page-b.test/');
    const b = await wsOf('B');
    b.serverOpen();
    expect(b.sent).toEqual(['just in time']);
    expect(second.ofType('drop')).toEqual([]);
  });

  it("drops what is older than maxAge with a drop event (reason 'expired') instead of sending it", async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    first.socket.send('old');
    await settle();
    end('A', first.socket);
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 60_001);

    locks.page = 'B';
    const second = makeSocket({ outbox: indexedDbOutbox('orders', { maxAge: 60_000 }) }, 'ws://page-b.test/');
    const b = await wsOf('B');
    b.serverOpen();
    expect(b.sent).toEqual([]);
    expect(second.ofType<CustomEvent>('drop').map((e) => [e.detail.data, e.detail.reason])).toEqual([
      ['old', 'expired'],
    ]);
    vi.restoreAllMocks();
    await settle();
    expect(await stored()).toEqual([]);
  });

  it("applies the queue's bounds to what it recovers: the overflow is reported and not stored any more", async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    for (const m of ['a1', 'a2', 'a3']) first.socket.send(m);
    await settle();
    end('A', first.socket);

    const second = pageSocket('B', { maxEnqueuedMessages: 2 });
    const b = await wsOf('B');
    b.serverOpen();
    expect(b.sent).toEqual(['a1', 'a2']);
    expect(second.ofType<CustomEvent>('drop').map((e) => [e.detail.data, e.detail.reason])).toEqual([
      ['a3', 'overflow'],
    ]);
    await settle();
    expect(await stored()).toEqual([]);
  });

  it('clearQueue() deletes what it stored; deleteOutbox() deletes the whole outbox', async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    first.socket.send('secret');
    await settle();
    expect(await stored()).toEqual(['secret']);
    first.socket.clearQueue();
    await settle();
    expect(await stored()).toEqual([]);

    first.socket.send('secret 2');
    await settle();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await deleteOutbox('orders');
    expect(await stored()).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0])).toMatch(/outbox "orders" was deleted/);
    end('A', first.socket);
    pageSocket('B');
    const b = await wsOf('B');
    b.serverOpen();
    expect(b.sent).toEqual([]);
  });

  it('a socket whose outbox was deleted under it (a logout in another tab) closes and comes back as any other, throwing nothing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { socket } = pageSocket('A');
    const ws = await wsOf('A');
    ws.serverOpen();
    await deleteOutbox('orders');
    expect(String(warn.mock.calls[0])).toMatch(/outbox "orders" was deleted/);
    // A throw in a listener is reported to the page (jsdom: console.error), not to the caller.
    const reported = vi.spyOn(console, 'error').mockImplementation(() => {});
    const errors: unknown[] = [];
    const onError = (event: ErrorEvent): unknown => errors.push(event.error);
    window.addEventListener('error', onError);
    try {
      socket.close();
      ws.serverClose(1000); // the closing handshake, finished
      socket.send('e');
      socket.reconnect();
      await settle();
      const again = await wsOf('A');
      expect(again).not.toBe(ws);
      again.serverOpen();
      expect({ sent: again.sent, state: socket.state, errors, reported: reported.mock.calls }).toEqual({
        sent: ['e'],
        state: 'open',
        errors: [],
        reported: [],
      });
    } finally {
      window.removeEventListener('error', onError);
    }
  });

  it("the docs' logout (clearQueue(), then deleteOutbox()) with the docs' replayUnconfirmed leaves no message of the user who logged out to be sent", async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { socket } = pageSocket('A', { heartbeat: { interval: 60_000, timeout: 60_000 }, replayUnconfirmed: true });
    const a = await wsOf('A');
    a.serverOpen();
    socket.send('buy 10'); // written, not yet confirmed by a pong
    await settle();
    // docs/outbox.md, "Delete it", on logout before another user signs in:
    socket.clearQueue(); // what this page still holds in memory
    await deleteOutbox('orders'); // what every page of this origin left
    // The next user's session: the link drops and the socket connects again.
    a.serverError();
    const before = FakeWebSocket.instances.length;
    socket.reconnect();
    const ws = await nextWs('A', before);
    ws.serverOpen();
    expect(ws.sent.filter((m) => m !== 'ping')).toEqual([]);
  });

  it('deleteOutbox() after a socket took over what an ended page left, before it connected: those messages are not sent, each dropped as cleared; its own still go', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    first.socket.send('a1');
    first.socket.send('a2');
    await settle();
    end('A', first.socket);

    const { socket } = pageSocket('B');
    const drops: [unknown, string][] = [];
    socket.addEventListener('drop', (e) => drops.push([e.detail.data, e.detail.reason]));
    const b = await wsOf('B'); // the attempt started: a1 and a2 wait in the queue
    socket.send('b1');
    await deleteOutbox('orders'); // a logout in another tab
    b.serverOpen();
    expect({ sent: b.sent, drops }).toEqual({
      sent: ['b1'],
      drops: [
        ['a1', 'cleared'],
        ['a2', 'cleared'],
      ],
    });
  });

  it('untrack() takes back a kept message: a request aborted before it is written is never sent, nor stored', async () => {
    const { socket } = pageSocket('A');
    (await wsOf('A')).serverError();
    const api = requests(socket);
    const controller = new AbortController();
    const reply = api.request({ q: 1 }, { signal: controller.signal });
    await settle();
    expect(await stored()).toHaveLength(1);
    controller.abort();
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
    await settle();
    expect(socket.stats.queued).toBe(0);
    expect(await stored()).toEqual([]);
  });

  it('untrack() of a tracker given to two messages takes the oldest of them first, then the other, as without an outbox; neither is sent nor stays stored', async () => {
    const { socket, ofType } = pageSocket('A');
    (await wsOf('A')).serverError();
    const heard: unknown[] = [];
    const done: Tracker = (outcome) => heard.push(outcome);
    socket.send('m0');
    socket.track('m1', done);
    socket.track('m2', done);
    socket.track('m3', () => {});
    await settle();
    expect(await stored()).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(socket.untrack(done)).toBe(true);
    expect(ofType<CustomEvent>('drop').map((e) => e.detail.data)).toEqual(['m1']);
    expect(socket.untrack(done)).toBe(true);
    expect(socket.untrack(done)).toBe(false);
    expect(ofType<CustomEvent>('drop').map((e) => [e.detail.data, e.detail.reason])).toEqual([
      ['m1', 'aborted'],
      ['m2', 'aborted'],
    ]);
    expect(heard).toEqual(['aborted', 'aborted']);
    await settle();
    expect(await stored()).toEqual(['m0', 'm3']);
    const before = FakeWebSocket.instances.length;
    socket.reconnect();
    const ws = await nextWs('A', before);
    ws.serverOpen();
    expect(ws.sent).toEqual(['m0', 'm3']);
  });

  it('without IndexedDB, warns once and keeps working in memory', async () => {
    Reflect.deleteProperty(globalThis, 'indexedDB');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { socket } = pageSocket('A');
    socket.send('q');
    const ws = await wsOf('A');
    ws.serverOpen();
    socket.send('w');
    expect(ws.sent).toEqual(['q', 'w']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0])).toMatch(/outbox "orders" keeps its messages in memory only/);
    // deleteOutbox() (on logout, say) rejects there, rather than throwing past its .catch().
    let result: Promise<void> | undefined;
    expect(() => (result = deleteOutbox('orders'))).not.toThrow();
    await expect(result).rejects.toThrow(/indexedDB/);
  });

  it('without Web Locks (no way to tell a live page), warns once and keeps working in memory', async () => {
    Reflect.deleteProperty(navigator, 'locks');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { socket } = pageSocket('A');
    const ws = await wsOf('A');
    ws.serverOpen();
    socket.send('w');
    expect(ws.sent).toEqual(['w']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0])).toMatch(/Web Locks/);
  });

  it('without a navigator at all (a worker of another kind, a test runner), warns that it has no Web Locks', async () => {
    vi.stubGlobal('navigator', undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const { socket } = pageSocket('A', { lifecycle: false });
      const ws = await wsOf('A');
      ws.serverOpen();
      socket.send('w');
      expect(ws.sent).toEqual(['w']);
      expect(String(warn.mock.calls[0])).toMatch(/no Web Locks \(navigator\.locks\)/);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  /** The next attempt of page `page`'s socket after `before` FakeWebSockets were made. */
  const nextWs = (page: string, before: number) =>
    vi.waitFor(() => {
      const next = FakeWebSocket.instances.slice(before).find((w) => w.url.includes(`page-${page.toLowerCase()}`));
      expect(next).toBeDefined();
      return next!;
    }, WAIT);

  it('stores nothing, not even for a moment, of a message written at once to an open socket: a page that ends as the task ends leaves nothing to send again', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = pageSocket('A');
    const a = await wsOf('A');
    a.serverOpen();
    await settle();
    first.socket.send('m1');
    expect(a.sent).toEqual(['m1']);
    // The page ends with this task: IndexedDB takes no transaction from it any more.
    const gone = vi.spyOn(FakeDatabase.prototype, 'transaction').mockImplementation(() => {
      throw new DOMException('the page is gone', 'InvalidStateError');
    });
    await settle();
    gone.mockRestore();
    end('A', first.socket);
    pageSocket('B');
    const b = await wsOf('B');
    b.serverOpen();
    await settle();
    expect(b.sent).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  describe('where IndexedDB, the locks or a Blob fail: a warning, once, and the queue in memory', () => {
    let warn: MockInstance<Console['warn']>;
    beforeEach(() => {
      warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    });
    const warned = () => warn.mock.calls.map((call) => String(call));

    it('an outbox database of a newer version (a later release of heartbeat-ws): connects at once, naming the error', async () => {
      const newer = await new Promise<IDBDatabase>((resolve) => {
        const request = indexedDB.open('heartbeat-ws outbox orders', 2);
        request.onupgradeneeded = () => request.result.createObjectStore('messages');
        request.onsuccess = () => resolve(request.result);
      });
      newer.close();
      const { socket } = pageSocket('A');
      socket.send('q');
      // At once: not after RECOVERY_WAIT (wsOf gives up after 4 s).
      const ws = await wsOf('A');
      ws.serverOpen();
      expect(ws.sent).toEqual(['q']);
      expect(warned()).toEqual([expect.stringMatching(/VersionError/)]);
    });

    it('reading what earlier pages left fails: connects at once, naming the error; a later page sends what they left', async () => {
      const first = pageSocket('A');
      (await wsOf('A')).serverError();
      first.socket.send('a1');
      await settle();
      end('A', first.socket);

      const getAllKeys = FakeObjectStore.prototype.getAllKeys;
      vi.spyOn(FakeObjectStore.prototype, 'getAllKeys').mockImplementationOnce(function (
        this: IDBObjectStore,
        ...args: Parameters<IDBObjectStore['getAllKeys']>
      ) {
        const request = getAllKeys.apply(this, args);
        this.transaction.abort();
        return request;
      });
      const second = pageSocket('B');
      second.socket.send('b1');
      const b = await wsOf('B');
      b.serverOpen();
      expect(b.sent).toEqual(['b1']);
      expect(warned()).toEqual([expect.stringMatching(/AbortError/)]);
      end('B', second.socket);

      pageSocket('C');
      const c = await wsOf('C');
      c.serverOpen();
      expect(c.sent).toEqual(['a1']);
    });

    /**
     * From now on IndexedDB fails to read back the row whose data is 'unreadable', as Chromium
     * does with "Failed to read large IndexedDB value" once the file behind it is gone.
     */
    const failReading = (): void => {
      const clone = globalThis.structuredClone;
      vi.stubGlobal('structuredClone', (value: unknown, options?: StructuredSerializeOptions) => {
        if ((value as { data?: unknown } | null)?.data === 'unreadable')
          throw new DOMException('Failed to read large IndexedDB value', 'UnknownError');
        return clone(value, options);
      });
    };

    it('a stored message that cannot be read back (a large value whose file is gone) keeps neither the readable ones nor later pages from being recovered', async () => {
      const first = pageSocket('A');
      (await wsOf('A')).serverError();
      first.socket.send('a1');
      first.socket.send('unreadable');
      await settle();
      end('A', first.socket);
      failReading();
      try {
        const second = pageSocket('B');
        (await wsOf('B')).serverError();
        second.socket.send('b1');
        await settle();
        end('B', second.socket); // reloaded

        pageSocket('C');
        const c = await wsOf('C');
        c.serverOpen();
        await settle();
        expect(c.sent).toEqual(['a1', 'b1']);
        expect(warned()).toContainEqual(
          expect.stringMatching(/^heartbeat-ws: outbox "orders" lost a message it could not read back:,.*large/),
        );
      } finally {
        vi.unstubAllGlobals();
      }
    });

    it('a stored message that cannot be read back, ahead of readable ones: the readable ones are still sent, not deleted unseen', async () => {
      const first = pageSocket('A');
      (await wsOf('A')).serverError();
      first.socket.send('unreadable');
      first.socket.send('a1');
      first.socket.send('a2');
      await settle();
      end('A', first.socket);
      failReading();
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        const second = pageSocket('B');
        const dropped: unknown[] = [];
        second.socket.addEventListener('drop', (e) => dropped.push(e.detail.data));
        const b = await wsOf('B');
        b.serverOpen();
        await settle();
        // One failed get() whose error event is not cancelled aborts the whole read
        // transaction: every get() after it fails too (AbortError), and each of those rows
        // is warned about as unreadable and deleted: a1 and a2 are lost, with no drop event.
        expect({ sent: b.sent, dropped, left: await stored() }).toEqual({ sent: ['a1', 'a2'], dropped: [], left: [] });
      } finally {
        vi.unstubAllGlobals();
        warn.mockRestore();
      }
    });

    it('a write refused outright (the connection to IndexedDB lost): names the error, stores nothing more, sends all', async () => {
      const first = pageSocket('A');
      (await wsOf('A')).serverError();
      await settle();
      const lost = vi.spyOn(FakeDatabase.prototype, 'transaction').mockImplementation(() => {
        throw new DOMException('Connection to Indexed Database server lost', 'UnknownError');
      });
      first.socket.send('a1');
      await settle();
      lost.mockRestore();
      first.socket.send('a2');
      await settle();
      expect(await stored()).toEqual([]);
      expect(warned()).toEqual([expect.stringMatching(/server lost/)]);
      const before = FakeWebSocket.instances.length;
      first.socket.reconnect();
      const ws = await nextWs('A', before);
      ws.serverOpen();
      expect(ws.sent).toEqual(['a1', 'a2']);
    });

    it('a transaction that aborts (quota): names the error, stores nothing more, and still deletes what it stored once that is sent', async () => {
      const first = pageSocket('A');
      (await wsOf('A')).serverError();
      first.socket.send('a1');
      await settle();
      expect(await stored()).toEqual(['a1']);
      // The next transaction (a1's delete, once a1 is written) aborts, as one over quota does.
      abortWrites('QuotaExceededError', true);
      const before = FakeWebSocket.instances.length;
      first.socket.reconnect();
      const ws = await nextWs('A', before);
      ws.serverOpen();
      expect(ws.sent).toEqual(['a1']);
      await settle();
      expect(warned()).toEqual([expect.stringMatching(/QuotaExceededError/)]);
      expect(await stored()).toEqual([]);

      ws.serverError(); // down again: these wait in the queue, in memory only
      first.socket.send('a2');
      first.socket.send(new Blob(['a3']));
      await settle();
      expect(await stored()).toEqual([]);
      end('A', first.socket);
      pageSocket('B');
      const b = await wsOf('B');
      b.serverOpen();
      await settle();
      expect(b.sent).toEqual([]);
      expect(warned()).toHaveLength(1);
    });

    it('a Blob whose bytes cannot be read (a File removed from disk): sent from memory, with a warning naming the error', async () => {
      const first = pageSocket('A');
      (await wsOf('A')).serverError();
      const blob = new Blob(['gone']);
      vi.spyOn(blob, 'arrayBuffer').mockRejectedValue(new DOMException('the file is gone', 'NotReadableError'));
      first.socket.send(blob);
      first.socket.send('a2');
      await settle();
      expect(await stored()).toEqual(['a2']);
      expect(warned()).toEqual([expect.stringMatching(/the file is gone/)]);
      const before = FakeWebSocket.instances.length;
      first.socket.reconnect();
      const ws = await nextWs('A', before);
      ws.serverOpen();
      expect(ws.sent).toEqual([blob, 'a2']);
    });

    it('in a runtime without Blob: stores and sends text all the same, with no warning', async () => {
      vi.stubGlobal('Blob', undefined);
      try {
        const first = pageSocket('A');
        (await wsOf('A')).serverError();
        first.socket.send('text');
        await settle();
        expect(await stored()).toEqual(['text']);
        expect(warned()).toEqual([]);
      } finally {
        vi.unstubAllGlobals();
      }
    });

    describe('RECOVERY_WAIT (setTimeout faked; IndexedDB answers through setImmediate)', () => {
      beforeEach(() => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      });
      afterEach(() => {
        vi.useRealTimers();
      });

      it('Web Locks that do not answer: the first attempt starts after RECOVERY_WAIT with the queue in memory, one warning naming the wait', async () => {
        let refuse!: (error: Error) => void;
        locks.request = () => new Promise((_, reject) => (refuse = reject));
        const { socket } = pageSocket('A');
        socket.send('q');
        await vi.advanceTimersByTimeAsync(RECOVERY_WAIT - 1);
        expect(FakeWebSocket.instances).toHaveLength(0);
        await vi.advanceTimersByTimeAsync(1);
        expect(FakeWebSocket.instances).toHaveLength(1);
        const ws = FakeWebSocket.instances[0]!;
        ws.serverOpen();
        expect(ws.sent).toEqual(['q']);
        expect(warned()).toEqual([expect.stringMatching(/no answer from IndexedDB and Web Locks within 5000 ms/)]);
        // Their answer, late: no second warning.
        refuse(new Error('too late'));
        await vi.advanceTimersByTimeAsync(RECOVERY_WAIT);
        expect(warned()).toHaveLength(1);
      });

      it('a socket let go of (letGo, a leader handing over) and closed before its first attempt warns of nothing', async () => {
        const outbox = indexedDbOutbox('orders');
        let link: OutboxLink | undefined;
        const { socket } = pageSocket('A', { outbox: { attach: (s, hooks) => (link = outbox.attach(s, hooks)) } });
        link!.letGo!();
        socket.close();
        await vi.advanceTimersByTimeAsync(2 * RECOVERY_WAIT);
        expect(warned()).toEqual([]);
      });

      it('a socket closed before its first attempt, while IndexedDB and Web Locks have not answered, leaves no timer running and warns of nothing later', async () => {
        locks.request = () => new Promise(() => {});
        const { socket } = pageSocket('A');
        socket.close();
        await vi.advanceTimersByTimeAsync(0);
        // API.md: after close(), no timer, listener or socket of it is left running.
        expect(vi.getTimerCount()).toBe(0);
        await vi.advanceTimersByTimeAsync(2 * RECOVERY_WAIT);
        expect(warned()).toEqual([]);
        expect(socket.state).toBe('closed');
      });
    });
  });

  it('rejects a bad name, a bad maxAge, and an outbox option that is not one, naming them', () => {
    expect(() => indexedDbOutbox('')).toThrow(/indexedDbOutbox\(name\) must be a non-empty string/);
    expect(() => indexedDbOutbox('x', { maxAge: 0 })).toThrow(/options\.maxAge must be a positive number/);
    // Not numbers of ms, though `> 0` holds for them.
    expect(() => indexedDbOutbox('x', { maxAge: '60000' as never })).toThrow(RangeError);
    expect(() => indexedDbOutbox('x', { maxAge: true as never })).toThrow(RangeError);
    expect(() => deleteOutbox(3 as unknown as string)).toThrow(/deleteOutbox\(name\)/);
    expect(() => new HeartbeatSocket('ws://x', [], { outbox: {} as never, WebSocket: FakeWebSocket as never })).toThrow(
      /options\.outbox must be indexedDbOutbox\(name\) or another outbox/,
    );
  });
});

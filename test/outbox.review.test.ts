/**
 * Review of heartbeat-ws/outbox: failing tests for what a user would hit. Same fakes as
 * test/outbox.test.ts (fake-indexeddb, Web Locks whose holders are pages, real timers).
 */
import { IDBDatabase as FakeDatabase, IDBObjectStore as FakeObjectStore } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Outbox, type OutboxLabel, type Tracker } from '../src/index';
import { deleteOutbox, indexedDbOutbox } from '../src/outbox/index';
import { lead, type Leader } from '../src/shared/leader';
import { FakeWebSocket } from './helpers/fake-websocket';
import { abortWrites, end, pageSocket, rows, settle, stored, usePages, WAIT, wsOf } from './helpers/outbox';
import { captureLogged, captureReported, closeAllSockets } from './helpers/socket';

usePages();
afterEach(() => closeAllSockets());

/** IndexedDB refuses outright, as WebKit does once "Connection to Indexed Database server lost". */
const lost = () => {
  throw new DOMException('Connection to Indexed Database server lost', 'UnknownError');
};

/** What the next page's socket sends on its first connection. */
const nextPageSends = async (page: string): Promise<unknown[]> => {
  pageSocket(page);
  const ws = await wsOf(page);
  ws.serverOpen();
  await settle();
  return ws.sent;
};

const nextWs = (page: string, before: number) =>
  vi.waitFor(() => {
    const next = FakeWebSocket.instances.slice(before).find((w) => w.url.includes(`page-${page.toLowerCase()}`));
    expect(next).toBeDefined();
    return next!;
  }, WAIT);

describe('outbox review', () => {
  it('a typed-array view over a large buffer stores its own bytes, not the whole buffer behind it (maxEnqueuedBytes would not bound the disk)', async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError(); // down: queued and stored
    // A 3-byte frame cut out of a 1 MiB scratch buffer, as a binary protocol encoder does.
    const scratch = new Uint8Array(1 << 20);
    scratch.set([7, 8, 9], 100);
    first.socket.send(scratch.subarray(100, 103));
    await settle();
    const [row] = await rows();
    const view = row!.data as Uint8Array;
    expect([...view]).toEqual([7, 8, 9]);
    // Counted as 3 bytes by the queue's bounds, but 1 MiB goes to disk for each such message.
    expect(view.buffer.byteLength).toBe(3);
    end('A', first.socket);
  });

  it('a DataView over part of a large buffer stores its own bytes, as a DataView, not the whole buffer behind it; the next page sends those bytes', async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError(); // down: queued and stored
    // A 3-byte frame cut out of a 1 MiB scratch buffer, through a DataView (which has no slice()).
    const scratch = new Uint8Array(1 << 20);
    scratch.set([7, 8, 9], 100);
    first.socket.send(new DataView(scratch.buffer, 100, 3));
    await settle();
    const [row] = await rows();
    const view = row!.data as DataView;
    expect(Object.prototype.toString.call(view)).toBe('[object DataView]');
    expect({ offset: view.byteOffset, length: view.byteLength, buffer: view.buffer.byteLength }).toEqual({
      offset: 0,
      length: 3,
      buffer: 3, // not 1 MiB on disk for a message the queue's bounds count as 3 bytes
    });
    end('A', first.socket);

    const [sent, ...more] = await nextPageSends('B');
    expect(more).toEqual([]);
    expect(Object.prototype.toString.call(sent)).toBe('[object DataView]');
    const out = sent as DataView;
    expect([...new Uint8Array(out.buffer, out.byteOffset, out.byteLength)]).toEqual([7, 8, 9]);
  });

  it('a message that is a whole buffer (an ArrayBuffer, a view of all of its buffer) is stored without a copy made first', async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError(); // down: queued and stored
    // The copies a stored message could get: slice() of an ArrayBuffer, and of any typed array.
    const copies = [ArrayBuffer.prototype, Object.getPrototypeOf(Uint8Array.prototype) as Uint8Array].map((of) =>
      vi.spyOn(of, 'slice'),
    );
    // A 1 MiB upload: IndexedDB copies it as it stores it; a copy before that is a second MiB.
    const file = new Uint8Array(1 << 20);
    first.socket.send(file.buffer);
    first.socket.send(file);
    first.socket.send(new DataView(file.buffer));
    expect(copies.map((copy) => copy.mock.calls.length)).toEqual([0, 0]);
    await settle();
    expect((await rows()).map((row) => (row.data as ArrayBuffer).byteLength)).toEqual([1 << 20, 1 << 20, 1 << 20]);
  });

  it("with SharedHeartbeatSocket, maxAge counts from the message's send(), not from the last leader that adopted it", async () => {
    const t0 = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(t0);
    /** Leader page `page`: its socket with the outbox, and the real leader (shared/leader.ts) around it. */
    const leaderPage = async (page: string, maxAge?: number) => {
      const box: { leader?: Leader } = {};
      const given = indexedDbOutbox('orders', { maxAge });
      const outbox: Outbox = {
        attach: (socket, hooks) =>
          given.attach(socket, {
            ...hooks,
            label: (done: Tracker): OutboxLabel | undefined => box.leader!.label(done),
            adopt: (label, data, expired) => box.leader!.adopt(label, data, expired),
          }),
      };
      const made = pageSocket(page, { outbox });
      const leader = (box.leader = lead(
        made.socket,
        `term-${page}`,
        () => {},
        (then) => then(),
        {},
      ));
      const ws = await wsOf(page);
      return { ...made, leader, ws };
    };

    // Leader A: tab1's message 1, sent at t0 while the server is down.
    const a = await leaderPage('A');
    a.ws.serverError();
    a.leader.accept('tab1', 1, 'order 1');
    await settle();
    end('A', a.socket); // A's page crashes; tab1 is gone too

    // 50 s later a new leader B adopts it; the server is still down, and B's page ends too.
    clock.mockReturnValue(t0 + 50_000);
    const b = await leaderPage('B');
    b.ws.serverError();
    await settle();
    await settle();
    end('B', b.socket);
    // The cause: B's socket stored it anew (leader.adopt -> socket.track -> keep), stamped with B's time.
    expect.soft((await rows()).map((row) => row.at)).toEqual([t0]);

    // 70 s after its send(), a leader C with maxAge 60 s must not send it.
    clock.mockReturnValue(t0 + 70_000);
    const c = await leaderPage('C', 60_000);
    await settle();
    await settle();
    c.ws.serverOpen();
    await settle();
    expect(c.ws.sent).toEqual([]);
  });

  it('a write refused once (the connection to IndexedDB lost, as WebKit does after a tab was backgrounded) still deletes what was stored once it is sent: the next page does not send it again', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = pageSocket('A');
    (await wsOf('A')).serverError(); // down: a1 waits in the queue, stored
    first.socket.send('a1');
    await settle();
    expect((await rows()).map((row) => row.data)).toEqual(['a1']);
    // One transaction refused outright (a2's put); the database itself and a1's row are intact.
    vi.spyOn(FakeDatabase.prototype, 'transaction').mockImplementationOnce(lost);
    first.socket.send('a2');
    await settle();
    const before = FakeWebSocket.instances.length;
    first.socket.reconnect();
    const ws = await nextWs('A', before);
    ws.serverOpen();
    expect(ws.sent).toEqual(['a1', 'a2']); // delivered, from memory
    await settle();
    end('A', first.socket); // reloaded later

    // a1 was sent by page A: the outbox promised to delete it once sent.
    expect(await nextPageSends('B')).toEqual([]);
  });

  it("indexedDbOutbox(name, options): options that are not an object get the package's clear error naming them, as HeartbeatSocket's do", () => {
    // As `new HeartbeatSocket(url, [], 5)`: "heartbeat-ws: options must be an object, got 5". Here 5
    // and 'x' are taken silently (maxAge Infinity), and null throws a bare destructuring TypeError.
    for (const bad of [5, 'x', true])
      expect(() => indexedDbOutbox('orders', bad as never)).toThrow(
        `heartbeat-ws: indexedDbOutbox(name, options) must be an object, got ${typeof bad === 'string' ? '"x"' : String(bad)}`,
      );
    expect(() => indexedDbOutbox('orders', null as never)).not.toThrow(/Cannot read properties/);
  });

  it('IndexedDB that aborts every write (a full disk, a broken backing store): the deletes are not retried in an endless loop of transactions', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    first.socket.send('a1');
    await settle();
    const { made } = abortWrites('UnknownError');
    const before = FakeWebSocket.instances.length;
    first.socket.reconnect();
    const ws = await nextWs('A', before);
    ws.serverOpen();
    expect(ws.sent).toEqual(['a1']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // a1's delete aborts, is issued again at once, aborts again...: thousands of transactions in
    // half a second (the page burns CPU for as long as it lives), where a few retries would do.
    expect(made()).toBeLessThan(10);
    // Never given up (a stored message not deleted would go out again from the next page): at
    // once, then 400 ms, 800 ms later, growing.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(made()).toBeGreaterThanOrEqual(4);
    expect(made()).toBeLessThanOrEqual(6);
  });

  it('a write refused outright as it carries the delete of a message just sent: the delete waits for a connection opened again, even one that fails to open at first', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = pageSocket('A');
    (await wsOf('A')).serverError(); // down: a1 waits in the queue, stored
    first.socket.send('a1');
    await settle();
    expect((await rows()).map((row) => row.data)).toEqual(['a1']);
    // The transaction of a1's delete (once it is sent) is refused, and so is the first attempt
    // to open the database again.
    vi.spyOn(FakeDatabase.prototype, 'transaction').mockImplementationOnce(lost);
    const reopen = vi.spyOn(indexedDB, 'open').mockImplementationOnce(lost);
    const before = FakeWebSocket.instances.length;
    first.socket.reconnect();
    const ws = await nextWs('A', before);
    ws.serverOpen();
    expect(ws.sent).toEqual(['a1']);
    // Opened again at once (refused), then 400 ms later; the test reads the database after that.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(reopen).toHaveBeenCalledTimes(2);
    expect(await rows()).toEqual([]);
    end('A', first.socket);

    expect(await nextPageSends('B')).toEqual([]);
  });

  it('a closed socket emptied by clearQueue() whose last delete is refused outright throws nothing, and the delete still goes', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const reported = captureReported();
    const logged = captureLogged();
    try {
      const first = pageSocket('A');
      (await wsOf('A')).serverError();
      first.socket.send('a1');
      await settle();
      first.socket.close(); // holds a1 for a later reconnect()
      vi.spyOn(FakeDatabase.prototype, 'transaction').mockImplementationOnce(lost);
      expect(first.socket.clearQueue()).toBe(1);
      await settle();
      expect(reported.errors).toEqual([]);
      expect(logged.errors).toEqual([]);
      await vi.waitFor(async () => expect(await rows()).toEqual([]), { timeout: 2000 });
    } finally {
      reported.restore();
      logged.restore();
    }
  });

  it('a DataView over part of a buffer (which has no slice()) is stored and sent as it is, throwing nothing', async () => {
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    const scratch = new Uint8Array(16);
    scratch.set([7, 8, 9], 4);
    expect(first.socket.send(new DataView(scratch.buffer, 4, 3))).toBe(false);
    first.socket.send(new Uint8Array([1, 2, 3])); // a view of its whole buffer
    await settle();
    end('A', first.socket);

    const sent = await nextPageSends('B');
    const bytes = (d: unknown) => {
      const v = d as ArrayBufferView;
      return [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
    };
    expect(sent.map(bytes)).toEqual([
      [7, 8, 9],
      [1, 2, 3],
    ]);
  });

  it("the docs' logout (clearQueue(), then deleteOutbox()) while a new page's socket is taking over what an ended page left: none of the logged-out user's messages is sent", async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = pageSocket('A');
    (await wsOf('A')).serverError();
    for (let i = 1; i <= 3; i++) first.socket.send(`secret ${i}`);
    await settle();
    end('A', first.socket); // the tab was closed

    // The next page load: its session turns out to be expired, and the app logs out at once,
    // while the socket is still reading what page A left (here: as it reads the first row).
    let logout: Promise<void> | undefined;
    const get = FakeObjectStore.prototype.get;
    vi.spyOn(FakeObjectStore.prototype, 'get').mockImplementation(function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['get']>
    ) {
      logout ??= Promise.resolve().then(() => {
        second.socket.clearQueue();
        return deleteOutbox('orders');
      });
      return get.apply(this, args);
    });
    const second = pageSocket('B');
    await vi.waitFor(() => expect(logout).toBeDefined(), WAIT);
    await logout; // resolved: the app believes nothing of the last user is left
    expect(await rows()).toEqual([]);
    const b = await wsOf('B');
    b.serverOpen();
    await settle();
    expect(b.sent).toEqual([]);
    // Nothing vanishes without a word: each is a drop, 'cleared'.
    expect(second.ofType<CustomEvent<{ reason: string; data: unknown }>>('drop').map((e) => e.detail)).toEqual(
      [1, 2, 3].map((i) => ({ reason: 'cleared', data: `secret ${i}` })),
    );
  });

  it('reconnect(), close() and reconnect() at once (a view shown, left and shown again): its database is opened once, and closed as the socket rests', async () => {
    const closed = vi.spyOn(FakeDatabase.prototype, 'close');
    const { socket } = pageSocket('A');
    (await wsOf('A')).serverOpen();
    socket.close(); // holds nothing: its database closes
    await settle();
    const opened = vi.spyOn(indexedDB, 'open');
    socket.reconnect(); // opens it again
    socket.close(); // before it is open
    socket.reconnect(); // while it opens: no second connection
    await settle();
    expect(opened).toHaveBeenCalledTimes(1);
    socket.close();
    await settle();
    expect(closed).toHaveBeenCalledTimes(2);
  });

  it('a socket refused by IndexedDB (an aborted write: quota), closed once its deletes went, does not open its database again as it wakes: it stores nothing more', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = pageSocket('A');
    (await wsOf('A')).serverError(); // down: a1 waits in the queue, stored
    first.socket.send('a1');
    await settle();
    // a2's write aborts, as one over quota does: nothing more is stored.
    abortWrites('QuotaExceededError', true);
    first.socket.send('a2');
    await settle();
    const before = FakeWebSocket.instances.length;
    first.socket.reconnect();
    const ws = await nextWs('A', before);
    ws.serverOpen();
    expect(ws.sent).toEqual(['a1', 'a2']);
    await settle();
    expect(await rows()).toEqual([]); // a1's delete went
    first.socket.close(); // holds nothing
    await settle();
    const opened = vi.spyOn(indexedDB, 'open');
    first.socket.send('a3'); // in memory only
    first.socket.reconnect();
    await settle();
    expect(opened).not.toHaveBeenCalled();
  });

  it('a socket whose outbox was deleted (deleteOutbox(): a logout) does not make it again as it wakes with deletes it could not write', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = pageSocket('A');
    (await wsOf('A')).serverError(); // down: a1 waits in the queue, stored
    first.socket.send('a1');
    await settle();
    await deleteOutbox('orders');
    const before = FakeWebSocket.instances.length;
    first.socket.reconnect();
    const ws = await nextWs('A', before);
    ws.serverOpen();
    expect(ws.sent).toEqual(['a1']); // its delete: no database to write it to
    first.socket.close(); // holds nothing
    await settle();
    const opened = vi.spyOn(indexedDB, 'open');
    first.socket.reconnect();
    first.socket.send('a2');
    await settle();
    expect(opened).not.toHaveBeenCalled();
    expect((await indexedDB.databases()).map((db) => db.name)).toEqual([]);
  });

  describe('a socket closed while IndexedDB refuses (setTimeout faked; IndexedDB answers through setImmediate)', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      vi.spyOn(console, 'warn').mockImplementation(() => {});
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    /** Lets IndexedDB answer (setImmediate) and the faked timers due within `ms` fire. */
    const wait = async (ms = 0) => {
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(ms);
    };

    /**
     * Page A stores a1 while the server is down, then sends it after reconnect(); the write of its
     * delete is refused outright, and so is every open of the database from then on. Then A's
     * socket is closed (its closing handshake answered): it holds nothing.
     */
    const sentWhileRefused = async () => {
      const first = pageSocket('A');
      (await wsOf('A')).serverError(); // down: a1 waits in the queue, stored
      first.socket.send('a1');
      await wait();
      expect(await stored()).toEqual(['a1']);
      vi.spyOn(FakeDatabase.prototype, 'transaction').mockImplementationOnce(lost);
      const opened = vi.spyOn(indexedDB, 'open').mockImplementation(lost);
      const before = FakeWebSocket.instances.length;
      first.socket.reconnect();
      const ws = await nextWs('A', before);
      ws.serverOpen();
      expect(ws.sent).toEqual(['a1']);
      // Opened again at once, 400 ms, 800 ms, 1.6 s later: refused each time.
      await wait(3000);
      expect(opened).toHaveBeenCalledTimes(4);
      first.socket.close();
      ws.serverClose(1000);
      await wait();
      return { first, opened };
    };

    it('after close(), a socket that holds nothing leaves no timer, and asks IndexedDB nothing more, however long it keeps refusing', async () => {
      const { first, opened } = await sentWhileRefused();
      expect(first.socket.state).toBe('closed');
      // API.md: after close(), no timer, listener or socket of it is left running. The retries of
      // the delete went on, one a minute, for the page's life.
      expect(vi.getTimerCount()).toBe(0);
      await wait(10 * 60_000);
      expect(opened).toHaveBeenCalledTimes(4);
    });

    it('the delete of a message sent while IndexedDB refused waits for reconnect(): the database is opened again then, the row deleted, and the next page does not send it', async () => {
      const { first, opened } = await sentWhileRefused();
      await wait(10 * 60_000);
      opened.mockRestore(); // IndexedDB answers again
      first.socket.reconnect();
      await wait();
      expect(await stored()).toEqual([]);
      end('A', first.socket);

      vi.useRealTimers();
      expect(await nextPageSends('B')).toEqual([]);
    });

    it('the delete of a message sent while IndexedDB refused waits for a send() after close(): the database is opened again then, and the row deleted', async () => {
      const { first, opened } = await sentWhileRefused();
      await wait(10 * 60_000);
      opened.mockRestore(); // IndexedDB answers again
      first.socket.send('a2'); // queued for a later reconnect(), in memory only (refused)
      await wait();
      expect(await stored()).toEqual([]);
    });

    it('a socket closed right after IndexedDB refused the delete of a message it had just sent still deletes it: the retry at once goes, then nothing more', async () => {
      const first = pageSocket('A');
      (await wsOf('A')).serverError(); // down: a1 waits in the queue, stored
      first.socket.send('a1');
      await wait();
      vi.spyOn(FakeDatabase.prototype, 'transaction').mockImplementationOnce(lost);
      const before = FakeWebSocket.instances.length;
      first.socket.reconnect();
      const ws = await nextWs('A', before);
      ws.serverOpen();
      expect(ws.sent).toEqual(['a1']);
      await Promise.resolve(); // a1's delete, refused: its retry, at once, is to come
      const opened = vi.spyOn(indexedDB, 'open');
      first.socket.close(); // holds nothing
      ws.serverClose(1000);
      await wait();
      expect(await stored()).toEqual([]);
      const calls = opened.mock.calls.length; // the retry's, and stored()'s
      await wait(10 * 60_000);
      expect(opened).toHaveBeenCalledTimes(calls);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('reconnect(), close() and reconnect() again while the database opens for the deletes left: the connection opened first is closed, none is left open once the socket rests', async () => {
      const { first, opened } = await sentWhileRefused();
      opened.mockRestore(); // IndexedDB answers again
      const open = vi.spyOn(indexedDB, 'open');
      const closed = vi.spyOn(FakeDatabase.prototype, 'close');
      first.socket.reconnect(); // opens the database for a1's delete
      first.socket.close(); // before it is open: the delete is still to write
      first.socket.reconnect(); // opens it again
      await wait();
      first.socket.close();
      FakeWebSocket.instances.at(-1)!.serverClose(1000);
      await wait();
      expect(open).toHaveBeenCalledTimes(2);
      expect(closed).toHaveBeenCalledTimes(2);
      expect(await stored()).toEqual([]);
    });

    it('after close(), a socket that holds nothing leaves no timer where IndexedDB aborts every write, and the deletes go once it is woken again', async () => {
      const first = pageSocket('A');
      (await wsOf('A')).serverError();
      first.socket.send('a1');
      await wait();
      const { made, spy: aborts } = abortWrites('UnknownError');
      const before = FakeWebSocket.instances.length;
      first.socket.reconnect();
      const ws = await nextWs('A', before);
      ws.serverOpen();
      expect(ws.sent).toEqual(['a1']);
      await wait(3000);
      first.socket.close();
      ws.serverClose(1000);
      await wait();
      const issued = made();
      expect(vi.getTimerCount()).toBe(0);
      await wait(10 * 60_000);
      expect(made()).toBe(issued);
      aborts.mockRestore(); // IndexedDB writes again
      first.socket.reconnect();
      await wait();
      expect(await stored()).toEqual([]);
    });
  });
});

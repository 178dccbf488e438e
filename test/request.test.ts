/**
 * heartbeat-ws/request over a HeartbeatSocket: FakeWebSocket plays the server, fake timers the
 * clock. Over SharedHeartbeatSocket's tabs: request.shared.test.ts; against a real server:
 * integration/request.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { DropError, requests, type Requests } from '../src/request/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { hb, messages, open, parsed, useFakes, userFrames } from './helpers/requests';
import { makeSocket } from './helpers/socket';

useFakes();

/** How a promise stands now, without waiting for it. */
async function state(promise: Promise<unknown>): Promise<string> {
  const mark = {};
  const result = await Promise.race([promise, Promise.resolve(mark)]).then(
    (value) => (value === mark ? 'pending' : `resolved ${JSON.stringify(value)}`),
    (error: Error) => `rejected ${error.name}`,
  );
  return result;
}
/** The error a promise rejects with (it must reject). */
const failure = (promise: Promise<unknown>): Promise<Error & { reason?: string }> =>
  promise.then(
    () => {
      throw new Error('resolved, expected a rejection');
    },
    (error: Error) => error,
  );

const drops = (s: ReturnType<typeof open>) => s.ofType<CustomEvent>('drop').map((e) => e.detail.reason);

describe('request()', () => {
  it('sends the payload as JSON with an id field, and resolves with the reply parsed', async () => {
    const s = open();
    const reply = s.api.request<{ name: string }>({ type: 'get', key: 'a' });
    const [sent] = parsed(s.server);
    expect(sent).toEqual({ type: 'get', key: 'a', id: expect.any(String) });
    s.server.serverMessage(JSON.stringify({ id: sent!.id, name: 'Ada' }));
    await expect(reply).resolves.toEqual({ id: sent!.id, name: 'Ada' });
  });

  it('gives every request its own id, and every requests() its own ids', async () => {
    const s = open();
    const other = requests(s.socket);
    void s.api.request({ n: 1 }).catch(() => {});
    void s.api.request({ n: 2 }).catch(() => {});
    void other.request({ n: 3 }).catch(() => {});
    const ids = parsed(s.server).map((m) => m.id);
    expect(new Set(ids).size).toBe(3);
    s.api.dispose();
    other.dispose();
  });

  it('names the id field as option `id` says, in the request and in the reply', async () => {
    const s = open({}, { id: 'rid' });
    const reply = s.api.request({ id: 7, op: 'x' });
    const [sent] = parsed(s.server);
    // The payload's own `id` is the app's: it travels untouched.
    expect(sent).toEqual({ id: 7, op: 'x', rid: expect.any(String) });
    s.server.serverMessage(JSON.stringify({ id: sent!.rid, ok: true }));
    expect(await state(reply)).toBe('pending');
    s.server.serverMessage(JSON.stringify({ rid: sent!.rid, ok: true }));
    await expect(reply).resolves.toEqual({ rid: sent!.rid, ok: true });
    expect(messages(s)).toEqual([JSON.stringify({ id: sent!.rid, ok: true })]);
  });

  it('works with any encoding through `tag` and `replyId`, resolving with the data as received', async () => {
    // A text protocol: "<id> <verb> <args>" out, "<id>:<answer>" back.
    const s = open(
      {},
      {
        tag: (payload, id) => `${id} ${(payload as string[]).join(' ')}`,
        replyId: (data) => (typeof data === 'string' ? data.split(':')[0] : undefined),
      },
    );
    const reply = s.api.request(['GET', 'a']);
    const [sent] = userFrames(s.server);
    const id = sent!.split(' ')[0];
    expect(sent).toBe(`${id} GET a`);
    s.server.serverMessage('noise');
    s.server.serverMessage(`${id}:42`);
    await expect(reply).resolves.toBe(`${id}:42`);
    expect(messages(s)).toEqual(['noise']);
  });

  it('does not deliver replies as message events; every other message still reaches the listeners', async () => {
    const s = open();
    const reply = s.api.request({ q: 1 });
    const [{ id }] = parsed(s.server) as [{ id: string }];
    s.server.serverMessage(JSON.stringify({ id: 5, push: true })); // the app's own id field
    s.server.serverMessage('{"not": "a reply"} ~');
    s.server.serverMessage('plain ~ text');
    s.server.serverMessage('"a JSON ~ string"');
    s.server.serverMessage(JSON.stringify({ id, result: 1 }));
    await reply;
    // A second answer to the same id (the server answered a replay too): still not a message.
    s.server.serverMessage(JSON.stringify({ id, result: 1 }));
    expect(messages(s)).toEqual([
      JSON.stringify({ id: 5, push: true }),
      '{"not": "a reply"} ~',
      'plain ~ text',
      '"a JSON ~ string"',
    ]);
  });

  it("keeps only ids of a reply's shape from the listeners (another tab's reply); the app's other ids reach them", async () => {
    const s = open();
    const reply = s.api.request({ q: 1 });
    // Ten lower-case letters or digits, `~`, a count: a reply to a request of another requests().
    for (const id of ['othertab00~12', 'a0b1c2d3e4~7']) s.server.serverMessage(JSON.stringify({ id }));
    const app = [
      'order~17',
      'othertab0~1',
      'othertab000~1',
      'Othertab00~1',
      'other-tab0~1',
      'othertab00~1x',
      'othertab00~',
      '~1',
      'othertab00~1 ',
    ].map((id) => JSON.stringify({ id }));
    for (const data of app) s.server.serverMessage(data);
    expect(messages(s)).toEqual(app);
    expect(await state(reply)).toBe('pending');
    s.api.dispose();
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('passes binary messages and ids that are not strings to the listeners, with nothing logged', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const s = open();
      const reply = s.api.request({ q: 1 });
      const [{ id }] = parsed(s.server) as [{ id: string }];
      const bytes = new Uint8Array([1, 2, 3]).buffer;
      const others = [bytes, JSON.stringify({ id: [id] }), JSON.stringify({ id: { id } })];
      for (const data of others) s.server.serverMessage(data);
      expect(messages(s)).toEqual(others);
      expect(await state(reply)).toBe('pending');
      expect(error).not.toHaveBeenCalled();
      s.api.dispose();
      await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      error.mockRestore();
    }
  });

  it('answers 1,000 concurrent requests, each with its own reply, whatever order the replies come in', async () => {
    const s = open();
    const replies = Array.from({ length: 1000 }, (_, n) => s.api.request<{ n: number }>({ n }));
    const sent = parsed(s.server);
    expect(sent).toHaveLength(1000);
    for (const { id, n } of [...sent].reverse()) s.server.serverMessage(JSON.stringify({ id, n: (n as number) * 2 }));
    const answers = await Promise.all(replies);
    expect(answers.map((a) => a.n)).toEqual(Array.from({ length: 1000 }, (_, n) => n * 2));
    expect(messages(s)).toEqual([]);
  });

  it('sends a request made while the server is down on reconnect, and resolves then', async () => {
    const s = open();
    s.server.serverClose(1006);
    const reply = s.api.request({ q: 'later' });
    expect(s.socket.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1000);
    const next = FakeWebSocket.last;
    expect(next).not.toBe(s.server);
    next.serverOpen();
    const [sent] = parsed(next);
    expect(sent).toMatchObject({ q: 'later' });
    next.serverMessage(JSON.stringify({ id: sent!.id, ok: 1 }));
    await expect(reply).resolves.toMatchObject({ ok: 1 });
  });

  it('rejects with TimeoutError counted from the call, the time spent queued included, and takes a queued request back', async () => {
    const s = makeSocket({ random: () => 0 });
    const api = requests(s.socket, { timeout: 5000 });
    const slow = api.request({ q: 'slow' });
    const early = api.request({ q: 'early' }, { timeout: 2000 });
    await vi.advanceTimersByTimeAsync(1999);
    expect(await state(early)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await failure(early)).toMatchObject({ name: 'TimeoutError' });
    // Never written: it leaves the queue, with a drop event, and the server never sees it.
    expect(s.ofType<CustomEvent>('drop').map((e) => e.detail.reason)).toEqual(['aborted']);
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.last.serverOpen(); // at 3 s: `slow` goes out, and gets 2 s more, not 5
    expect(parsed(FakeWebSocket.last).map((m) => m.q)).toEqual(['slow']);
    await vi.advanceTimersByTimeAsync(1999);
    expect(await state(slow)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await failure(slow)).toMatchObject({ name: 'TimeoutError', message: expect.stringContaining('5000 ms') });
    // A reply after the timeout is still no message event.
    FakeWebSocket.last.serverMessage(JSON.stringify({ id: parsed(FakeWebSocket.last)[0]!.id }));
    expect(s.ofType('message')).toEqual([]);
  });

  it('waits forever with timeout Infinity', async () => {
    const s = open({}, { timeout: Infinity });
    const reply = s.api.request({ q: 1 });
    await vi.advanceTimersByTimeAsync(1e9);
    expect(await state(reply)).toBe('pending');
    expect(vi.getTimerCount()).toBe(0);
    s.api.dispose();
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a timeout past what setTimeout holds (2 ** 31 - 1 ms) does not reject at once', async () => {
    const s = open({}, { timeout: 2 ** 31 });
    const reply = s.api.request({ q: 1 });
    const just = s.api.request({ q: 2 }, { timeout: 2 ** 31 - 0.5 });
    await vi.advanceTimersByTimeAsync(10);
    expect(await state(reply)).toBe('pending');
    expect(await state(just)).toBe('pending');
    // The longest delay setTimeout holds is still a timeout: its timer is set.
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const longest = s.api.request({ q: 3 }, { timeout: 2 ** 31 - 1 });
    expect(timers.mock.calls.map((call) => call[1])).toContain(2 ** 31 - 1);
    timers.mockRestore();
    longest.catch(() => {});
    s.api.dispose();
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects with DropError and the reason when the socket drops the request', async () => {
    const s = makeSocket({ maxEnqueuedMessages: 1 });
    const api = requests(s.socket);
    const kept = api.request({ n: 1 });
    const refused = api.request({ n: 2 });
    const error = await failure(refused);
    expect(error).toBeInstanceOf(DropError);
    expect(error).toMatchObject({ name: 'DropError', reason: 'overflow' });
    expect(error.message).toBe('heartbeat-ws: the message was dropped (overflow)');
    expect(JSON.parse((error as DropError).data as string)).toMatchObject({ n: 2 });
    s.socket.clearQueue();
    expect(await failure(kept)).toMatchObject({ name: 'DropError', reason: 'cleared' });
  });
});

describe('abort', () => {
  it('takes a request not yet written out of the queue: AbortError, a drop event, and the server never sees it', async () => {
    const s = makeSocket({ random: () => 0 });
    const api = requests(s.socket);
    const controller = new AbortController();
    const aborted = api.request({ q: 'gone' }, { signal: controller.signal });
    const kept = api.request({ q: 'kept' });
    controller.abort();
    expect(await failure(aborted)).toMatchObject({ name: 'AbortError', message: 'heartbeat-ws: aborted' });
    expect(s.ofType<CustomEvent>('drop').map((e) => e.detail.reason)).toEqual(['aborted']);
    expect(s.socket.stats.queued).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    FakeWebSocket.last.serverOpen();
    expect(parsed(FakeWebSocket.last).map((m) => m.q)).toEqual(['kept']);
    api.dispose();
    await expect(kept).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects a request already written, and keeps its late reply from the message listeners', async () => {
    const s = open();
    const controller = new AbortController();
    const reply = s.api.request({ q: 1 }, { signal: controller.signal });
    controller.abort();
    expect(await failure(reply)).toMatchObject({ name: 'AbortError' });
    expect(drops(s)).toEqual([]);
    s.server.serverMessage(JSON.stringify({ id: parsed(s.server)[0]!.id }));
    expect(messages(s)).toEqual([]);
  });

  it('with a signal aborted before the call, sends nothing and rejects at once', async () => {
    const s = open();
    const reply = s.api.request({ q: 1 }, { signal: AbortSignal.abort() });
    const delivery = s.api.deliver('x', { signal: AbortSignal.abort() });
    expect(await failure(reply)).toMatchObject({ name: 'AbortError', message: 'heartbeat-ws: aborted' });
    expect(await failure(delivery)).toMatchObject({ name: 'AbortError', message: 'heartbeat-ws: aborted' });
    expect(userFrames(s.server)).toEqual([]);
  });

  it('stops listening to the signal once settled', async () => {
    const s = open();
    const signal = new AbortController().signal;
    const remove = vi.spyOn(signal, 'removeEventListener');
    const reply = s.api.request({ q: 1 }, { signal });
    s.server.serverMessage(JSON.stringify({ id: parsed(s.server)[0]!.id }));
    await reply;
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    const delivered = s.api.deliver('x', { signal });
    await delivered;
    expect(remove).toHaveBeenCalledTimes(2);
  });
});

describe('deliver()', () => {
  it("resolves 'written' once the message is written to an open socket, queued time included", async () => {
    const s = makeSocket({ random: () => 0 });
    const api = requests(s.socket);
    const later = api.deliver('while down');
    await vi.advanceTimersByTimeAsync(0);
    expect(await state(later)).toBe('pending');
    FakeWebSocket.last.serverOpen();
    await expect(later).resolves.toBe('written');
    await expect(api.deliver('now')).resolves.toBe('written');
    expect(userFrames(FakeWebSocket.last)).toEqual(['while down', 'now']);
  });

  it("sends a plain object or an array as its JSON, as API.md's example passes one; data as send() does", async () => {
    const s = open();
    const bytes = new Uint8Array([1, 2]);
    await expect(s.api.deliver({ type: 'order', n: 1 })).resolves.toBe('written');
    await expect(s.api.deliver([1, 'two'])).resolves.toBe('written');
    // A class instance is an object too: its JSON (toJSON() included), as request() sends one.
    await expect(
      s.api.deliver(
        new (class {
          n = 3;
        })(),
      ),
    ).resolves.toBe('written');
    await expect(s.api.deliver('{"raw":true}')).resolves.toBe('written');
    await expect(s.api.deliver(bytes)).resolves.toBe('written');
    expect(s.server.sent).toEqual(['{"type":"order","n":1}', '[1,"two"]', '{"n":3}', '{"raw":true}', bytes]);
  });

  it('takes signal: null as no signal, as fetch() does', async () => {
    const s = open();
    await expect(s.api.deliver('x', { signal: null })).resolves.toBe('written');
    const reply = s.api.request({ q: 1 }, { signal: null });
    const id = (JSON.parse(userFrames(s.server)[1]!) as { id: string }).id;
    s.server.serverMessage(JSON.stringify({ id }));
    await expect(reply).resolves.toEqual({ id: expect.any(String) });
  });

  it("with replayUnconfirmed, resolves 'confirmed' only once a pong confirmed the message", async () => {
    const s = open({ heartbeat: hb, replayUnconfirmed: true });
    const delivery = s.api.deliver('order 1');
    expect(userFrames(s.server)).toEqual(['order 1']);
    expect(await state(delivery)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1000); // the ping after it
    expect(await state(delivery)).toBe('pending');
    s.server.serverMessage('pong');
    await expect(delivery).resolves.toBe('confirmed');
  });

  it('is settled by its outcome only: a message from the server, even one without an id, does not resolve it', async () => {
    const s = open({ heartbeat: hb, replayUnconfirmed: true });
    const delivery = s.api.deliver('order 1');
    s.server.serverMessage('news');
    s.server.serverMessage(JSON.stringify({ no: 'id ~' }));
    expect(await state(delivery)).toBe('pending');
    expect(messages(s)).toEqual(['news', JSON.stringify({ no: 'id ~' })]);
    await vi.advanceTimersByTimeAsync(1000);
    s.server.serverMessage('pong');
    await expect(delivery).resolves.toBe('confirmed');
  });

  it('rejects with DropError and the reason, as the drop event says', async () => {
    const s = makeSocket({ maxEnqueuedMessages: 1 });
    const api = requests(s.socket);
    const first = api.deliver('a');
    expect(await failure(api.deliver('b'))).toMatchObject({ name: 'DropError', reason: 'overflow', data: 'b' });
    s.socket.clearQueue();
    expect(await failure(first)).toMatchObject({ name: 'DropError', reason: 'cleared', data: 'a' });
    expect(s.ofType<CustomEvent>('drop').map((e) => e.detail.reason)).toEqual(['overflow', 'cleared']);
  });

  it('with replayUnconfirmed, rejects a message the replay buffer pushed out (unconfirmed)', async () => {
    const s = open({ heartbeat: hb, replayUnconfirmed: true, maxEnqueuedMessages: 2 });
    const oldest = s.api.deliver('a');
    const rest = [s.api.deliver('b'), s.api.deliver('c')];
    expect(await failure(oldest)).toMatchObject({ name: 'DropError', reason: 'unconfirmed' });
    s.api.dispose();
    for (const p of rest) expect(await failure(p)).toMatchObject({ name: 'AbortError' });
  });

  it('an abort takes a message not yet written out of the queue', async () => {
    const s = makeSocket({ random: () => 0 });
    const api = requests(s.socket);
    const controller = new AbortController();
    const delivery = api.deliver('never', { signal: controller.signal });
    controller.abort();
    expect(await failure(delivery)).toMatchObject({ name: 'AbortError' });
    await vi.advanceTimersByTimeAsync(0);
    FakeWebSocket.last.serverOpen();
    expect(userFrames(FakeWebSocket.last)).toEqual([]);
  });
});

describe('replay keeps the id', () => {
  it('a request written into a link that died is sent again with the same id, and resolves once', async () => {
    const s = open({ heartbeat: hb, replayUnconfirmed: true });
    const answers: unknown[] = [];
    const reply = s.api.request({ op: 'charge' }).then((r) => (answers.push(r), r));
    const [first] = parsed(s.server);
    await vi.advanceTimersByTimeAsync(1000); // ping
    await vi.advanceTimersByTimeAsync(500); // no pong: the link is dead
    expect(s.socket.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1000);
    const next = FakeWebSocket.last;
    next.serverOpen();
    const [again] = parsed(next);
    expect(again).toEqual(first);
    // The server answers both copies (one from its cache): the caller hears one answer.
    next.serverMessage(JSON.stringify({ id: first!.id, result: 'ok' }));
    next.serverMessage(JSON.stringify({ id: first!.id, result: 'ok' }));
    await reply;
    await vi.advanceTimersByTimeAsync(0);
    expect(answers).toEqual([{ id: first!.id, result: 'ok' }]);
    expect(messages(s)).toEqual([]);
  });
});

describe('dispose()', () => {
  it('rejects everything pending with AbortError, takes back what is queued, and stops reading messages', async () => {
    const s = makeSocket({ random: () => 0 });
    const api = requests(s.socket);
    const pending = [api.request({ q: 1 }), api.deliver('x')];
    api.dispose();
    const disposed = { name: 'AbortError', message: 'heartbeat-ws: requests() was disposed' };
    for (const p of pending) expect(await failure(p)).toMatchObject(disposed);
    expect(s.ofType<CustomEvent>('drop').map((e) => e.detail.reason)).toEqual(['aborted', 'aborted']);
    expect(await failure(api.request({ q: 2 }))).toMatchObject(disposed);
    expect(await failure(api.deliver('y'))).toMatchObject({ name: 'AbortError' });
    await vi.advanceTimersByTimeAsync(0);
    const server = FakeWebSocket.last;
    server.serverOpen();
    expect(userFrames(server)).toEqual([]);
    // Its interceptor is gone: what looks like a reply reaches the listeners again.
    server.serverMessage(JSON.stringify({ id: 'k~1' }));
    expect(s.ofType<MessageEvent>('message').map((e) => e.data)).toEqual([JSON.stringify({ id: 'k~1' })]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('forgets what has settled: only what is still pending is taken back', async () => {
    const s = open();
    const untrack = vi.spyOn(s.socket, 'untrack');
    const replies = [s.api.request({ q: 1 }), s.api.request({ q: 2 })];
    const delivered = s.api.deliver('{"x":1}');
    for (const { id } of parsed(s.server).slice(0, 2)) s.server.serverMessage(JSON.stringify({ id }));
    await Promise.all([...replies, delivered]);
    const late = s.api.request({ q: 3 });
    s.api.dispose();
    await expect(late).rejects.toMatchObject({ name: 'AbortError' });
    expect(untrack).toHaveBeenCalledTimes(1);
  });

  it('removes its abort listeners and timers', async () => {
    const s = open();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const reply = s.api.request({ q: 1 }, { signal: controller.signal });
    expect(vi.getTimerCount()).toBe(1);
    s.api.dispose();
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves a second requests() on the same socket working, its replies its own', async () => {
    const s = open();
    const other = requests(s.socket);
    const mine = s.api.request({ who: 'a' });
    const theirs = other.request({ who: 'b' });
    const [a, b] = parsed(s.server);
    // Answered in the order that makes the first interceptor see the other's reply first.
    s.server.serverMessage(JSON.stringify({ id: b!.id, to: 'b' }));
    s.server.serverMessage(JSON.stringify({ id: a!.id, to: 'a' }));
    await expect(mine).resolves.toMatchObject({ to: 'a' });
    await expect(theirs).resolves.toMatchObject({ to: 'b' });
    s.api.dispose();
    const again = other.request({ who: 'b2' });
    s.server.serverMessage(JSON.stringify({ id: parsed(s.server)[2]!.id, to: 'b2' }));
    await expect(again).resolves.toMatchObject({ to: 'b2' });
    expect(messages(s)).toEqual([]);
    other.dispose();
  });
});

describe('mistakes throw at once, naming what is wrong', () => {
  const { socket } = makeSocket({ startClosed: true });
  it.each([
    [() => requests({} as never), TypeError, /requests\(socket\) must be a HeartbeatSocket/],
    [() => requests(new EventTarget() as never), TypeError, /requests\(socket\)/],
    [() => requests(null as never), TypeError, /requests\(socket\) must be a HeartbeatSocket/],
    [() => requests({ track() {} } as never), TypeError, /requests\(socket\)/],
    [() => requests({ track() {}, untrack() {} } as never), TypeError, /requests\(socket\)/],
    [() => requests(socket, { timeout: 0 }), RangeError, /options\.timeout must be a positive number/],
    [() => requests(socket, { timeout: '5' as never }), RangeError, /options\.timeout.*got "5"/],
    [() => requests(socket, { id: '' }), TypeError, /options\.id must be a field name/],
    [() => requests(socket, { id: 5 as never }), TypeError, /options\.id must be a field name, got 5/],
    [() => requests(socket, { tag: 'x' as never }), TypeError, /options\.tag must be a function/],
    [() => requests(socket, { replyId: 1 as never }), TypeError, /options\.replyId must be a function/],
    [() => requests(socket).request('text'), TypeError, /request\(payload\) must be a plain object/],
    [() => requests(socket).request([1]), TypeError, /request\(payload\)/],
    [() => requests(socket).request(null), TypeError, /request\(payload\)/],
    // The id would overwrite the caller's own field, unseen: the server would get the wrong thing.
    [
      () => requests(socket).request({ type: 'user.get', id: 7 }),
      TypeError,
      /request\(payload\)\.id must be absent \(the id goes there\), got 7/,
    ],
    [() => requests(socket, { id: 'rid' }).request({ rid: undefined }), TypeError, /request\(payload\)\.rid/],
    [() => requests(socket).request({}, { timeout: -1 }), RangeError, /options\.timeout/],
    [() => requests(socket).request({}, { signal: {} as never }), TypeError, /options\.signal must be an AbortSignal/],
    [() => requests(socket).deliver('x', { signal: 'no' as never }), TypeError, /options\.signal/],
  ])('%#', (call, Kind, message) => {
    expect(call).toThrow(Kind);
    expect(call).toThrow(message);
  });
});

it("with options.tag, a payload's own id field is the app's: nothing is refused", () => {
  const { socket } = makeSocket({ startClosed: true });
  const sent: unknown[] = [];
  const spy = vi.spyOn(socket, 'track').mockImplementation((data) => (sent.push(data), false));
  void requests(socket, { tag: (p, id) => JSON.stringify([id, p]) }).request({ id: 7 });
  expect(JSON.parse(sent[0] as string)[1]).toEqual({ id: 7 });
  spy.mockRestore();
});

describe('types', () => {
  it('exports what the contract names', () => {
    const api: Requests = requests(makeSocket({ startClosed: true }).socket);
    expect(Object.keys(api).sort()).toEqual(['deliver', 'dispose', 'request']);
    expect(new DropError('overflow', 'x')).toMatchObject({ name: 'DropError', reason: 'overflow', data: 'x' });
    expect(new DropError('overflow', 'x')).toBeInstanceOf(Error);
  });
});

describe('replayUnconfirmed and a request given up on', () => {
  // The caller was told the request failed; the server must not get it again on the next
  // connection, a backoff later: the app may have retried it meanwhile (under a new id), or told
  // its user it did not happen.
  /** A request written into a link that then dies unconfirmed; `giveUp` ends it for the caller first. */
  async function replayedAfter(
    giveUp: (s: ReturnType<typeof open>, controller: AbortController) => void,
    timeout = 10_000,
  ) {
    const s = open({ heartbeat: hb, replayUnconfirmed: true });
    const controller = new AbortController();
    const error = failure(s.api.request({ op: 'charge' }, { signal: controller.signal, timeout }));
    expect(parsed(s.server).map((m) => m.op)).toEqual(['charge']);
    giveUp(s, controller);
    await vi.advanceTimersByTimeAsync(200);
    const name = (await error).name;
    await vi.advanceTimersByTimeAsync(1300); // the ping at 1 s is not answered by 1.5 s: dead link
    expect(s.socket.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1000);
    const next = FakeWebSocket.last;
    expect(next).not.toBe(s.server);
    next.serverOpen();
    return { name, replayed: parsed(next) };
  }

  it('a request written, then aborted, is not sent again on the next connection', async () => {
    const { name, replayed } = await replayedAfter((_, controller) => controller.abort());
    expect(name).toBe('AbortError');
    expect(replayed).toEqual([]);
  });

  it('a request written, then timed out, is not sent again on the next connection', async () => {
    const { name, replayed } = await replayedAfter(() => {}, 100);
    expect(name).toBe('TimeoutError');
    expect(replayed).toEqual([]);
  });

  it('a request written, then disposed of, is not sent again on the next connection', async () => {
    const { name, replayed } = await replayedAfter((s) => s.api.dispose());
    expect(name).toBe('AbortError');
    expect(replayed).toEqual([]);
  });
});

describe('a request the replay buffer lets go of', () => {
  // 'unconfirmed' means "written, and will not be sent again": the server has the request and
  // may answer it. The caller must get that answer, not a DropError that says it was not sent.
  it('still resolves with its reply when the replay buffer pushed it out (it was written)', async () => {
    const s = open({ heartbeat: hb, replayUnconfirmed: true, maxEnqueuedMessages: 2 });
    const replies = [1, 2, 3].map((n) => s.api.request<{ n: number }>({ n }));
    const settled = replies.map((reply) =>
      reply.then(
        (r) => r.n,
        (error: Error) => error.name,
      ),
    );
    const sent = parsed(s.server);
    expect(sent.map((m) => m.n)).toEqual([1, 2, 3]);
    for (const { id, n } of sent) s.server.serverMessage(JSON.stringify({ id, n }));
    expect(await Promise.all(settled)).toEqual([1, 2, 3]);
    expect(messages(s)).toEqual([]);
  });
});

describe('a request the replay buffer let go of, on a link that then died', () => {
  // Pushed out of the replay buffer, the request is never sent again; once the connection that
  // carried it is gone, no reply can come on it either: without this, one with no timeout
  // waited for ever.
  it('answered before its connection ends, resolves, and leaves no close listener on the socket', async () => {
    const s = open({ heartbeat: hb, replayUnconfirmed: true, maxEnqueuedMessages: 1 }, { timeout: Infinity });
    const added = vi.spyOn(s.socket, 'addEventListener');
    const removed = vi.spyOn(s.socket, 'removeEventListener');
    const reply = s.api.request({ op: 'charge' });
    s.socket.send('next'); // pushes the written request out of the replay buffer
    const onClose = added.mock.calls.find(([type]) => type === 'close')?.[1];
    expect(onClose).toBeDefined();
    const { id } = JSON.parse(userFrames(s.server)[0]!) as { id: string };
    s.server.serverMessage(JSON.stringify({ id, ok: true }));
    await expect(reply).resolves.toMatchObject({ ok: true });
    expect(removed).toHaveBeenCalledWith('close', onClose);
  });

  it('over an object of extension points alone (no addEventListener), pushed out: its timeout still decides, and nothing throws', async () => {
    const s = open({ heartbeat: hb, replayUnconfirmed: true, maxEnqueuedMessages: 1 });
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { track, untrack, intercept } = s.socket;
    const bare = { track: track.bind(s.socket), untrack: untrack.bind(s.socket), intercept: intercept.bind(s.socket) };
    const reply = failure(requests(bare, { timeout: 1000 }).request({ op: 'charge' }));
    s.socket.send('next'); // pushes the written request out of the replay buffer
    await vi.advanceTimersByTimeAsync(1000);
    expect(await reply).toMatchObject({ name: 'TimeoutError' });
    expect(error).not.toHaveBeenCalled();
  });

  it('settles (a DropError) once the connection that carried it died: it is not sent again, and no reply can come', async () => {
    const s = open({ heartbeat: hb, replayUnconfirmed: true, maxEnqueuedMessages: 1 }, { timeout: Infinity });
    const reply = s.api.request({ op: 'charge' });
    s.socket.send('next'); // pushes the written request out of the replay buffer (bound 1)
    expect(drops(s)).toEqual(['unconfirmed']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await state(reply)).toBe('pending'); // its reply may still come on this connection
    await vi.advanceTimersByTimeAsync(500); // the ping at 1 s is not answered by 1.5 s: dead link
    expect(s.socket.state).toBe('reconnecting');
    expect(await failure(reply)).toMatchObject({ name: 'DropError', reason: 'unconfirmed' });
    await vi.advanceTimersByTimeAsync(1000);
    const next = FakeWebSocket.last;
    expect(next).not.toBe(s.server);
    next.serverOpen();
    expect(userFrames(next)).toEqual(['next']); // the request is not sent again
  });
});

describe('deliver(data) of an object JSON does not send whole (588a08f)', () => {
  it('a primitive goes as send() sends it: String() of it', async () => {
    const s = open();
    await expect(s.api.deliver(5 as never)).resolves.toBe('written');
    expect(s.server.sent).toEqual(['5']);
  });

  it.each([
    ['a Map', new Map([['type', 'order']])],
    ['a Set', new Set(['order'])],
    ['a Date', new Date(0)],
  ])(
    '%s, which deliver() accepts as `object` in TypeScript, is refused as request() refuses it, not written as String() of it',
    async (_, data) => {
      const s = open();
      expect(() => s.api.deliver(data)).toThrow(/deliver\(data\) must be data, a plain object or an array/);
      await vi.advanceTimersByTimeAsync(0);
      expect(s.server.sent).toEqual([]);
    },
  );
});

describe('request(payload) refuses what it cannot send as the payload', () => {
  // Spread into a JSON object, these lose their contents unseen: a Map or a Set becomes
  // {"id":…}, binary data a list of numbered bytes. The docs promise a TypeError for anything
  // but a plain object (without options.tag).
  const { socket } = makeSocket({ startClosed: true });
  it.each([
    ['a Map', new Map([['type', 'user.get']])],
    ['a Set', new Set(['user.get'])],
    ['a Uint8Array', new Uint8Array([1, 2, 3])],
    ['an ArrayBuffer', new ArrayBuffer(3)],
    ['a Date', new Date(0)],
  ])('throws a TypeError for %s, naming request(payload)', (_, payload) => {
    const api = requests(socket);
    expect(() => void api.request(payload).catch(() => {})).toThrow(/request\(payload\) must be a plain object/);
    api.dispose();
  });
});

describe("the app's own messages", () => {
  it('are told from replies by a prefix of ten characters, even where Math.random() gives few digits', async () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const s = open();
      const reply = s.api.request({ q: 1 });
      const [{ id }] = parsed(s.server) as [{ id: string }];
      expect(id).toBe('i000000000~1');
      s.server.serverMessage(JSON.stringify({ id, ok: true }));
      await expect(reply).resolves.toEqual({ id, ok: true });
      s.api.dispose();
    } finally {
      random.mockRestore();
    }
  });

  // Over a HeartbeatSocket there is no other tab whose replies could arrive: a message whose id
  // merely looks like one of requests()' ids ("<letters/digits>~<n>") is the app's, and the docs
  // promise that every message but the replies reaches the listeners as before.
  it('over a HeartbeatSocket, reach the listeners even when their id looks like a request id (order~17)', async () => {
    const s = open();
    const push = JSON.stringify({ id: 'order~17', status: 'shipped' });
    s.server.serverMessage(push);
    expect(messages(s)).toEqual([push]);
    s.api.dispose();
  });
});

// HeartbeatSocket against a real `ws` server behind a loopback fault proxy: dead links, a
// server that goes away and comes back, a failing URL provider, server pings and closes.
// Real timers with short intervals; every bound below is explicit and generous for a busy
// 2-core machine.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HeartbeatSocket } from '../../src/index';
import { Cleanup, Findings, type Rig, sleep, rigFor, waitUntil } from '../helpers/harness';
import type { TestServerOptions } from '../helpers/ws-server';
import { isArrayBuffer, observe, ours } from './ours';

const cleanup = new Cleanup();
const findings = new Findings('ours-faults');
afterEach(() => cleanup.run());
afterAll(() => findings.save());

const rig = (serverOptions?: TestServerOptions): Promise<Rig> => rigFor(cleanup, serverOptions);

describe('HeartbeatSocket through a fault proxy', () => {
  it('detects a half-open link within interval + timeout + 400 ms and replaces it with a working connection', async () => {
    const interval = 200;
    const timeout = 300;
    const slack = 400;
    const r = await rig();
    const socket = ours(cleanup, r.url(), { heartbeat: { interval, timeout } });
    const { timeline, closes, inbox, drops } = observe(socket);
    await waitUntil('a first pong', () => timeline.count('heartbeat') >= 1, { timeout: 3_000 });

    // The link dies silently: existing connections drop every byte, new ones work.
    const cut = timeline.mark('blackhole');
    r.proxy.setMode('blackhole');
    r.proxy.setMode('pass');
    socket.send('lost-on-dead-link');

    const dead = await waitUntil('heartbeat timeout', () => closes.find((c) => c.reason === 'heartbeat timeout'), {
      timeout: interval + timeout + slack + 2_000,
    });
    const detectMs = dead.at - cut;
    expect(dead.code).toBe(1006);
    expect(dead.wasClean).toBe(false);
    // A ping must have gone unanswered for `timeout`; the last one may have left just before
    // the cut, hence the 20 ms of timer granularity.
    expect(detectMs).toBeGreaterThanOrEqual(timeout - 20);
    expect(detectMs).toBeLessThanOrEqual(interval + timeout + slack);

    await waitUntil('a new connection', () => timeline.first('open', dead.at), { timeout: 2_000 });
    const reopenMs = timeline.first('open', dead.at)! - cut;
    socket.send('after');
    await waitUntil('echo on the new connection', () => inbox.includes('after'), { timeout: 1_000 });
    expect(socket.readyState).toBe(HeartbeatSocket.OPEN);
    expect(r.server.connections).toHaveLength(2);
    expect(r.server.connections[1]!.messages.map((m) => m.data)).toContain('after');
    // The server never learnt that the first link died: its socket is still OPEN.
    expect(r.server.connections[0]!.ws.readyState).toBe(1);

    findings.record('half-open', {
      interval,
      timeout,
      detectMs,
      boundMs: interval + timeout + slack,
      reopenAfterCutMs: reopenMs,
      sentOnDeadLinkBeforeDetection: 1,
      deliveredOfThose: r.server.texts().filter((t) => t === 'lost-on-dead-link').length,
      dropEventsForThose: drops.length,
    });
  });

  it("with ping: false, learns a server's 200 ms ping cadence and finds the link half-open within 200 ms + timeout + 500 ms", async () => {
    const serverEvery = 200;
    const timeout = 300;
    const slack = 500;
    const r = await rig({ heartbeat: { interval: serverEvery } });
    // interval stays at its default, 25 s: only the server's own cadence can make this quick.
    const socket = ours(cleanup, r.url(), {
      heartbeat: {
        ping: false,
        timeout,
        isServerPing: { type: 'heartbeat' },
        serverPingReply: { type: 'heartbeat_ack' },
      },
    });
    const { timeline, closes } = observe(socket);
    await waitUntil('three server pings answered', () => (r.server.connections[0]?.heartbeatAcks ?? 0) >= 3, {
      timeout: 3_000,
    });
    const cut = timeline.mark('blackhole');
    r.proxy.setMode('blackhole');
    r.proxy.setMode('pass');
    const dead = await waitUntil('heartbeat timeout', () => closes.find((c) => c.reason === 'heartbeat timeout'), {
      timeout: serverEvery + timeout + slack + 3_000,
    });
    const detectMs = dead.at - cut;
    expect(dead.code).toBe(1006);
    expect(detectMs).toBeGreaterThanOrEqual(timeout - 20);
    expect(detectMs).toBeLessThanOrEqual(serverEvery + timeout + slack);
    await waitUntil('a new connection', () => timeline.first('open', dead.at), { timeout: 2_000 });
    // The server was never told: it still holds the half-open connection, pinging into the void.
    expect(r.server.connections[0]!.ws.readyState).toBe(1);
    findings.record('half-open-server-pings', {
      serverEvery,
      timeout,
      detectMs,
      boundMs: serverEvery + timeout + slack,
    });
  });

  it('with replayUnconfirmed, delivers after reconnect, in order, what was sent on a half-open link before detection', async () => {
    const r = await rig();
    const socket = ours(cleanup, r.url(), {
      heartbeat: { interval: 200, timeout: 300 },
      replayUnconfirmed: true,
      stamp: (data, seq) => `${seq}:${String(data)}`,
    });
    const { timeline, closes } = observe(socket);
    await waitUntil('open', () => socket.readyState === HeartbeatSocket.OPEN);
    socket.send('a');
    socket.send('b');
    const sentAt = timeline.mark('sent a, b');
    // A pong for a ping sent after a and b confirms both.
    await waitUntil('a pong after a and b', () => timeline.first('heartbeat', sentAt + 1), {
      timeout: 2_000,
    });
    r.proxy.setMode('blackhole');
    r.proxy.setMode('pass');
    for (const m of ['c', 'd', 'e']) socket.send(m);
    const dead = await waitUntil('heartbeat timeout', () => closes.find((c) => c.reason === 'heartbeat timeout'), {
      timeout: 3_000,
    });
    await waitUntil('a new connection', () => timeline.first('open', dead.at), { timeout: 3_000 });
    socket.send('f');
    await waitUntil('f at the server', () => r.server.texts().includes('6:f'), { timeout: 1_000 });
    const [first, second] = r.server.connections;
    expect(first!.messages.map((m) => m.data).filter((m) => m !== 'ping')).toEqual(['1:a', '2:b']);
    expect(second!.messages.map((m) => m.data).filter((m) => m !== 'ping')).toEqual(['3:c', '4:d', '5:e', '6:f']);
    findings.record('half-open-replay', {
      sentOnDeadLinkBeforeDetection: 3,
      deliveredAfterReconnect: 3,
      duplicatesAtServer: 0,
    });
  });

  it('close() after a heartbeat timeout leaves no TCP connection of the client open (the dead one included) within 1000 ms', async () => {
    const r = await rig();
    const socket = ours(cleanup, r.url(), { heartbeat: { interval: 100, timeout: 150 } });
    const { timeline, closes } = observe(socket);
    await waitUntil('a first pong', () => timeline.count('heartbeat') >= 1, { timeout: 3_000 });
    r.proxy.setMode('blackhole');
    r.proxy.setMode('pass');
    const dead = await waitUntil('heartbeat timeout', () => closes.find((c) => c.reason === 'heartbeat timeout'), {
      timeout: 3_000,
    });
    await waitUntil('a new connection', () => timeline.first('open', dead.at), { timeout: 3_000 });
    const liveBeforeClose = r.proxy.live;
    socket.close();
    await waitUntil('close event', () => closes.length === 2, { timeout: 2_000 });
    const t = Date.now();
    // The proxy counts the client's TCP connections; the black-holed one can only go away if
    // the client itself lets go of it (nothing will ever answer its closing handshake).
    const released = await waitUntil('no client connection left', () => r.proxy.live === 0, {
      timeout: 1_000,
    }).then(
      () => true,
      () => false,
    );
    findings.record('close-after-heartbeat-timeout', {
      clientTcpConnectionsBeforeClose: liveBeforeClose,
      clientTcpConnectionsAfterClose: r.proxy.live,
      watchedMs: Date.now() - t,
    });
    expect(r.proxy.live).toBe(0);
    expect(released).toBe(true);
  });

  it('abandons a handshake that never completes after connectionTimeout (error, then close 1006) and retries', async () => {
    const connectionTimeout = 300;
    const slack = 400;
    const r = await rig();
    // New connections are accepted and then black-holed: the upgrade never gets an answer.
    r.proxy.setMode('blackhole');
    const t0 = Date.now();
    const socket = ours(cleanup, r.url(), { connectionTimeout });
    const { timeline, closes, inbox } = observe(socket);
    const timedOut = await waitUntil(
      'connection timeout',
      () => closes.find((c) => c.reason === 'connection timeout'),
      { timeout: connectionTimeout + slack + 2_000 },
    );
    const timeoutMs = timedOut.at + timeline.t0 - t0;
    expect(timedOut.code).toBe(1006);
    expect(timedOut.wasClean).toBe(false);
    expect(timeline.first('error')).toBeLessThanOrEqual(timedOut.at);
    expect(timeoutMs).toBeGreaterThanOrEqual(connectionTimeout - 20);
    expect(timeoutMs).toBeLessThanOrEqual(connectionTimeout + slack);
    expect(r.server.connections).toHaveLength(0);

    r.proxy.setMode('pass');
    await waitUntil('open', () => socket.readyState === HeartbeatSocket.OPEN, { timeout: 3_000 });
    socket.send('through');
    await waitUntil('echo', () => inbox.includes('through'), { timeout: 1_000 });
    expect(r.server.live('c1')).toHaveLength(1);
    findings.record('connection-timeout', {
      connectionTimeout,
      closedAfterMs: timeoutMs,
      errorEventsBeforeClose: timeline.entries.filter((e) => e.label === 'error' && e.at <= timedOut.at).length,
    });
  });

  it.each([
    ['the server is stopped', 'server'],
    ['the proxy resets and refuses connections', 'proxy'],
  ] as const)(
    'delivers, in order and exactly once, messages sent while %s, after it comes back',
    async (_label, how) => {
      const r = await rig();
      const socket = ours(cleanup, r.url());
      const { timeline, drops } = observe(socket);
      await waitUntil('open', () => socket.readyState === HeartbeatSocket.OPEN);
      socket.send('before');
      await waitUntil('first message at the server', () => r.server.texts().length === 1);

      if (how === 'server') await r.server.stop();
      else r.proxy.setMode('reset');
      await waitUntil('close seen', () => timeline.count('close') >= 1, { timeout: 2_000 });

      const sent = Array.from({ length: 20 }, (_, i) => `down-${i}`);
      const states = new Set<string>();
      for (const m of sent) {
        socket.send(m);
        states.add(socket.state);
        await sleep(10);
      }
      await sleep(200);
      expect(r.server.texts()).toEqual(['before']);

      const back = Date.now();
      if (how === 'server') await r.server.start();
      else r.proxy.setMode('pass');
      await waitUntil('reopen', () => timeline.count('open') >= 2, { timeout: 3_000 });
      const reopenMs = Date.now() - back;
      await waitUntil('every message', () => r.server.texts().length >= 1 + sent.length, {
        timeout: 2_000,
      });
      await sleep(50);
      expect(r.server.texts()).toEqual(['before', ...sent]);
      expect(drops).toEqual([]);
      expect([...states].every((s) => s === 'connecting' || s === 'reconnecting')).toBe(true);
      findings.record(`down-${how}`, {
        sentWhileDown: sent.length,
        delivered: r.server.texts().length - 1,
        inOrder: true,
        dropEvents: drops.length,
        statesWhileDown: [...states],
        reopenAfterBackMs: reopenMs,
      });
    },
  );

  it('queues send() made while CLOSING (after close()) and delivers it after reconnect()', async () => {
    const r = await rig();
    const socket = ours(cleanup, r.url());
    const { timeline, drops } = observe(socket);
    await waitUntil('open', () => socket.readyState === HeartbeatSocket.OPEN);
    socket.close();
    const stateAtSend = socket.readyState;
    socket.send('while-closing');
    await waitUntil('closed', () => socket.readyState === HeartbeatSocket.CLOSED);
    socket.reconnect();
    await waitUntil('reopen', () => timeline.count('open') >= 2, { timeout: 2_000 });
    await waitUntil('delivered', () => r.server.texts().includes('while-closing'), {
      timeout: 1_000,
    });
    expect(stateAtSend).toBe(HeartbeatSocket.CLOSING);
    expect(r.server.connections[1]!.messages.map((m) => m.data)).toEqual(['while-closing']);
    expect(drops).toEqual([]);
    findings.record('send-while-closing', { readyStateAtSend: stateAtSend, delivered: 1, of: 1 });
  });

  it('recovers from a URL provider that throws, then rejects, then resolves', async () => {
    const r = await rig();
    let calls = 0;
    const provider = (): string | Promise<string> => {
      calls += 1;
      if (calls === 1) throw new Error('token service down');
      if (calls === 2) return Promise.reject(new Error('token service still down'));
      return sleep(20).then(() => r.url());
    };
    const t0 = Date.now();
    const socket = ours(cleanup, provider);
    const { timeline, inbox } = observe(socket);
    await waitUntil('open', () => socket.readyState === HeartbeatSocket.OPEN, { timeout: 3_000 });
    const openMs = Date.now() - t0;
    socket.send('hello');
    await waitUntil('echo', () => inbox.includes('hello'), { timeout: 1_000 });
    expect(calls).toBe(3);
    expect(timeline.count('error')).toBe(2);
    expect(timeline.count('reconnecting')).toBe(2);
    expect(r.server.connections).toHaveLength(1);
    expect(r.server.connections[0]!.key).toBe('c1');
    expect(socket.url).toBe(r.url());
    findings.record('url-provider-fails', {
      providerCalls: calls,
      errorEvents: timeline.count('error'),
      reconnectingEvents: timeline.count('reconnecting'),
      openAfterMs: openMs,
    });
  });

  it('abandons a URL provider that never answers after connectionTimeout and retries', async () => {
    const r = await rig();
    let calls = 0;
    const provider = (): Promise<string> => {
      calls += 1;
      return calls === 1 ? new Promise<string>(() => {}) : Promise.resolve(r.url());
    };
    const socket = ours(cleanup, provider, { connectionTimeout: 300 });
    const { timeline } = observe(socket);
    await waitUntil('open', () => socket.readyState === HeartbeatSocket.OPEN, { timeout: 3_000 });
    const erroredAt = timeline.first('error');
    expect(erroredAt).toBeGreaterThanOrEqual(280);
    expect(erroredAt).toBeLessThanOrEqual(300 + 400);
    expect(calls).toBe(2);
    expect(r.server.connections).toHaveLength(1);
    findings.record('url-provider-hangs', { errorAfterMs: erroredAt, providerCalls: calls });
  });

  it('keeps binaryType arraybuffer across reconnects', async () => {
    const r = await rig();
    const socket = ours(cleanup, r.url());
    socket.binaryType = 'arraybuffer';
    const { timeline, inbox } = observe(socket);
    await waitUntil('open', () => socket.readyState === HeartbeatSocket.OPEN);
    socket.send(new Uint8Array([1, 2, 3]));
    await waitUntil('first binary echo', () => inbox.length >= 1);
    r.proxy.resetAll();
    await waitUntil('reopen', () => timeline.count('open') >= 2, { timeout: 2_000 });
    socket.send(new Uint8Array([4, 5, 6]));
    await waitUntil('second binary echo', () => inbox.length >= 2, { timeout: 1_000 });
    expect(inbox.map(isArrayBuffer)).toEqual([true, true]);
    expect([...new Uint8Array(inbox[1] as ArrayBuffer)]).toEqual([4, 5, 6]);
    expect(socket.binaryType).toBe('arraybuffer');
    findings.record('binary-type', {
      afterReconnect: Object.prototype.toString.call(inbox[1]),
    });
  });

  it('answers server pings with one line of options; the server sees every ack and the app no ping', async () => {
    const HB = '{"type":"heartbeat"}';
    const ACK = '{"type":"heartbeat_ack"}';
    const r = await rig({ heartbeat: { interval: 50 } });
    const socket = ours(cleanup, r.url(), {
      heartbeat: { isServerPing: (d) => d === HB, serverPingReply: ACK },
    });
    const { inbox } = observe(socket);
    await waitUntil('5 acks', () => (r.server.connections[0]?.heartbeatAcks ?? 0) >= 5, {
      timeout: 3_000,
    });
    socket.send('app');
    await waitUntil('echo', () => inbox.includes('app'), { timeout: 1_000 });
    const conn = r.server.connections[0]!;
    // At most the one in flight is not acked yet.
    expect(conn.heartbeatAcks).toBeGreaterThanOrEqual(conn.heartbeatsSent - 1);
    expect(inbox).toEqual(['app']);
    findings.record('server-pings', {
      heartbeatsSent: conn.heartbeatsSent,
      acks: conn.heartbeatAcks,
      pingsDeliveredAsMessages: inbox.filter((m) => m === HB).length,
      optionLines: 1,
    });
  });

  it('does not reconnect after a server close with a code shouldReconnect refuses (4001)', async () => {
    const r = await rig({
      onConnection: (conn) => {
        setTimeout(() => conn.ws.close(4001, 'unauthorized'), 20);
      },
    });
    const socket = ours(cleanup, r.url(), { shouldReconnect: (e) => e.code !== 4001 });
    const { timeline, closes } = observe(socket);
    await waitUntil('close', () => closes.length >= 1, { timeout: 2_000 });
    await sleep(600);
    expect(closes).toHaveLength(1);
    expect(closes[0]!.code).toBe(4001);
    expect(closes[0]!.reason).toBe('unauthorized');
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
    expect(socket.state).toBe('closed');
    expect(timeline.count('reconnecting')).toBe(0);
    expect(r.server.connections).toHaveLength(1);
    expect(r.proxy.total).toBe(1);
    findings.record('close-4001', { connectionsIn600msAfterClose: r.server.connections.length - 1 });
  });

  it('close() while open leaves no live socket at the server and makes no further attempt', async () => {
    const r = await rig();
    const socket = ours(cleanup, r.url(), { heartbeat: { interval: 100, timeout: 100 } });
    const { closes, timeline } = observe(socket);
    await waitUntil('open', () => socket.readyState === HeartbeatSocket.OPEN);
    const t = Date.now();
    socket.close(1000, 'bye');
    await waitUntil('close event', () => closes.length === 1, { timeout: 2_000 });
    await waitUntil('server side closed', () => r.server.live().length === 0, { timeout: 2_000 });
    const goneMs = Date.now() - t;
    await waitUntil('proxy side closed', () => r.proxy.live === 0, { timeout: 2_000 });
    await sleep(400);
    expect(r.server.connections).toHaveLength(1);
    expect(r.server.connections[0]!.closeCode).toBe(1000);
    expect(r.proxy.total).toBe(1);
    expect(closes).toHaveLength(1);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
    // Nothing of it ran after the close event: no heartbeat, retry or error.
    const afterClose = timeline.entries.filter((e) => e.at > closes[0]!.at).map((e) => e.label);
    expect(afterClose).toEqual([]);
    findings.record('close', { serverSideClosedAfterMs: goneMs, attemptsAfterClose: 0 });
  });

  it('close() while waiting in backoff makes no further attempt', async () => {
    const r = await rig();
    r.proxy.setMode('refuse');
    const socket = ours(cleanup, r.url(), {
      minReconnectionDelay: 300,
      maxReconnectionDelay: 300,
      jitter: 0,
    });
    const { timeline } = observe(socket);
    await waitUntil('waiting in backoff', () => socket.state === 'reconnecting', {
      timeout: 2_000,
    });
    const attempts = r.proxy.total;
    socket.close();
    r.proxy.setMode('pass');
    await sleep(500);
    expect(r.proxy.total).toBe(attempts);
    expect(timeline.count('open')).toBe(0);
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
  });
});

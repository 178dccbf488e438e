/**
 * A loopback TCP fault proxy for integration tests: it sits between a client and a server on
 * 127.0.0.1 and can break the link in the ways real networks do, switchable at runtime.
 *
 * - `pass`: bytes are forwarded both ways.
 * - `reset`: every current connection is destroyed at once with a TCP RST
 *   (`socket.resetAndDestroy()`), and so is every new one until the mode changes (the peer
 *   looks like it crashed and is not back yet).
 * - `refuse`: current connections are left alone; every new connection is reset as soon as it
 *   is accepted, before a byte is forwarded (the server looks down to new clients).
 * - `blackhole`: the TCP sockets stay open but every byte is silently dropped in both
 *   directions: a half-open link (NAT mapping lost, cable pulled, laptop lid closed). A
 *   connection that was live while the mode was `blackhole` stays black-holed for the rest of
 *   its life, even after the mode goes back to `pass`: resuming it would splice a WebSocket
 *   stream that lost bytes mid-frame, which no real network does either. New connections
 *   accepted after the switch back to `pass` work normally.
 *
 * It can never outlive a test run: `close()` destroys everything, and an unref'd safety timer
 * calls it after `maxLifetimeMs` whatever happens.
 */
import net from 'node:net';

export type FaultMode = 'pass' | 'reset' | 'refuse' | 'blackhole';

export interface FaultProxyOptions {
  /** Port of the real server on 127.0.0.1. */
  targetPort: number;
  /** Initial mode. @default 'pass' */
  mode?: FaultMode;
  /** ms after which the proxy closes itself, whatever happens. @default 60000 */
  maxLifetimeMs?: number;
}

export interface FaultProxyStats {
  /** Client connections currently open at the proxy. */
  live: number;
  /** Client connections accepted since start. */
  total: number;
  /** Client connections reset at accept time (`refuse` / `reset` mode) or because the target was down. */
  refused: number;
  /** Connections destroyed by `reset` (mode switch or `resetAll()`). */
  reset: number;
  /** Bytes dropped while black-holed, both directions. */
  droppedBytes: number;
  /** Bytes forwarded, both directions. */
  forwardedBytes: number;
}

export interface FaultProxy {
  /** Port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** `ws://127.0.0.1:<port>` */
  readonly url: string;
  readonly mode: FaultMode;
  /** Switch mode; `reset` and `blackhole` act on current connections at once. */
  setMode(mode: FaultMode): void;
  /** Reset every current connection now without changing the mode. */
  resetAll(): void;
  /** Live client connections at the proxy. */
  readonly live: number;
  /** Connections accepted since start. */
  readonly total: number;
  stats(): FaultProxyStats;
  /** Stop listening and destroy every connection. Safe to call more than once. */
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  blackholed: boolean;
}

function hardKill(socket: net.Socket): void {
  if (socket.destroyed) return;
  // resetAndDestroy() sends RST instead of FIN; it throws on a socket that has no handle yet
  // (not connected), where a plain destroy() is the closest we can get.
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { targetPort, maxLifetimeMs = 60_000 } = options;
  let mode: FaultMode = options.mode ?? 'pass';
  let closed = false;
  const pairs = new Set<Pair>();
  // Every socket the proxy owns, so close() can destroy all of them, including the far half of
  // a black-holed pair whose near half already closed.
  const sockets = new Set<net.Socket>();
  const own = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const clients = new Set<net.Socket>();
  const counts = { total: 0, refused: 0, reset: 0, droppedBytes: 0, forwardedBytes: 0 };

  const server = net.createServer((client) => {
    counts.total += 1;
    own(client);
    client.on('error', () => {});
    if (closed || mode === 'refuse' || mode === 'reset') {
      counts.refused += 1;
      hardKill(client);
      return;
    }
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.setNoDelay(true);
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    own(upstream);
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream, blackholed: mode === 'blackhole' };
    pairs.add(pair);
    let upstreamConnected = false;
    upstream.on('connect', () => {
      upstreamConnected = true;
    });

    const forward = (to: net.Socket) => (chunk: Buffer) => {
      if (pair.blackholed) {
        counts.droppedBytes += chunk.length;
        return;
      }
      counts.forwardedBytes += chunk.length;
      if (!to.destroyed) to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));

    upstream.on('error', () => {
      if (!upstreamConnected) {
        // Target down: the client sees its connection reset, as if refused.
        counts.refused += 1;
        hardKill(client);
      }
    });
    const teardown = (hadError: boolean): void => {
      pairs.delete(pair);
      // A black-holed link carries no FIN either: each side must find out by itself, so the
      // other half stays open until its own side closes it, or close() / the safety timer.
      if (pair.blackholed && !closed) return;
      // end() flushes what was already forwarded (a close frame, say) before the FIN.
      for (const socket of [client, upstream]) {
        if (hadError) socket.destroy();
        else socket.end();
      }
    };
    client.on('close', teardown);
    upstream.on('close', teardown);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  const resetAll = (): void => {
    for (const pair of [...pairs]) {
      counts.reset += 1;
      pairs.delete(pair);
      hardKill(pair.client);
      hardKill(pair.upstream);
    }
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    clearTimeout(safety);
    pairs.clear();
    for (const socket of [...sockets]) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  const safety = setTimeout(() => void close(), maxLifetimeMs);
  safety.unref();

  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    setMode(next: FaultMode) {
      mode = next;
      if (next === 'reset') resetAll();
      if (next === 'blackhole') for (const pair of pairs) pair.blackholed = true;
    },
    resetAll,
    get live() {
      return clients.size;
    },
    get total() {
      return counts.total;
    },
    stats() {
      return { ...counts, live: clients.size };
    },
    close,
  };
}

// @vitest-environment node
/**
 * heartbeat-ws/react rendered on a server (react-dom/server in Node, no `window`; Node 20 has no
 * global WebSocket either): it renders, and nothing connects.
 */
import { createElement, type ReactNode } from 'react';
import { renderToString } from 'react-dom/server';
import { expect, it } from 'vitest';
import type { HeartbeatSocket } from '../src/index';
import { useHeartbeatSocket } from '../src/react/index';

it('renders on a server as connecting, and never connects there', async () => {
  const g = globalThis as { WebSocket?: unknown };
  const saved = g.WebSocket;
  delete g.WebSocket; // as in Node 20, whatever this runtime has
  try {
    let socket: HeartbeatSocket | undefined;
    function App(): ReactNode {
      const result = useHeartbeatSocket('ws://127.0.0.1:9/');
      socket = result.socket;
      return `${result.state} ${result.readyState}`;
    }
    expect(renderToString(createElement(App))).toBe('connecting 0');
    expect(socket!.readyState).toBe(socket!.CLOSED);

    // Were it started anyway (Node 20, no options.WebSocket), the stand-in says why it cannot
    // connect, as an error event, and the socket gives up: no retry would do better.
    const gaveUp = new Promise<unknown>((resolve) => socket!.addEventListener('giveup', resolve));
    const error = new Promise<unknown>((resolve) =>
      socket!.addEventListener('error', (event) => resolve((event as Event & { error?: unknown }).error)),
    );
    socket!.reconnect();
    expect(String(await error)).toMatch(/no WebSocket here \(Node < 22: pass options\.WebSocket, the ws package's\)/);
    expect(((await gaveUp) as CustomEvent).detail.reason).toBe('maxRetries');
    expect(socket!.state).toBe('closed');
    expect(socket!.stats.attempts).toBe(1);
    socket!.close();
  } finally {
    if (saved !== undefined) g.WebSocket = saved;
  }
});

it('renders on a server with a relative url, which the browser resolves against the page', () => {
  function App(): ReactNode {
    const result = useHeartbeatSocket('/live');
    return `${result.state} ${result.readyState} ${String(result.lastMessage)} ${typeof result.send}`;
  }
  expect(renderToString(createElement(App))).toBe('connecting 0 null function');
});

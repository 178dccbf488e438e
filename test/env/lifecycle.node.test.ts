// @vitest-environment node
/**
 * src/env/lifecycle.ts where there is no page, or half of one: it installs nothing and throws
 * nothing, so a socket can be made there (Node, server rendering, a worker, Deno 1.x's `window`
 * without a `document`, a `document` from a DOM library made global without its `window`).
 */
import { afterEach, expect, it, vi } from 'vitest';
import { browserLifecycle, type LifecycleSignal } from '../../src/env/lifecycle';
import { HeartbeatSocket } from '../../src/index';
import { FakeWebSocket } from '../helpers/fake-websocket';

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Installs and removes the lifecycle; what it told meanwhile. */
function installAndRemove(): LifecycleSignal[] {
  const signals: LifecycleSignal[] = [];
  const uninstall = browserLifecycle((s) => void signals.push(s));
  uninstall();
  return signals;
}

it('installs nothing in Node, where there is neither window nor document, and a socket can be made there', () => {
  expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
  expect(typeof (globalThis as { document?: unknown }).document).toBe('undefined');
  expect(installAndRemove()).toEqual([]);
  const socket = new HeartbeatSocket('ws://a.test/', undefined, {
    WebSocket: FakeWebSocket as unknown as typeof WebSocket,
  });
  expect(FakeWebSocket.last.url).toBe('ws://a.test/');
  socket.close();
});

it('installs nothing with a window but no document (Deno 1.x has a global window)', () => {
  vi.stubGlobal('window', globalThis);
  expect(installAndRemove()).toEqual([]);
});

it('installs nothing with a document but no window (a DOM library made only its document global)', () => {
  vi.stubGlobal('document', { visibilityState: 'visible', addEventListener() {}, removeEventListener() {} });
  expect(installAndRemove()).toEqual([]);
});

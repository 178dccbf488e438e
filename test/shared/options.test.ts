/**
 * src/shared/options.ts: what a tab works from, checked once at construction with the core's
 * own checks, and the channel its tabs meet on.
 */
import { expect, it, vi } from 'vitest';
import type { Lifecycle } from '../../src/env/lifecycle';
import type { WebSocketLike } from '../../src/options';
import { settle } from '../../src/shared/options';
import { FakeWebSocket } from '../helpers/fake-websocket';
import { useTabs } from '../helpers/tabs';

useTabs();
const WebSocket = FakeWebSocket as unknown as WebSocketLike;

it('names the channel after the URL (or the list of URLs), as parsed', () => {
  expect(settle('http://a.test/live', undefined, { WebSocket }).name).toBe('heartbeat-ws ws://a.test/live');
  expect(settle(['ws://a.test', 'ws://b.test'], undefined, { WebSocket }).name).toBe(
    'heartbeat-ws ws://a.test/ ws://b.test/',
  );
  expect(settle('ws://a.test', undefined, { WebSocket, channel: 'chat' }).name).toBe('heartbeat-ws chat');
});

it('requires a channel with a URL provider, and refuses an empty one, naming the option', () => {
  expect(() => settle(() => 'ws://a.test', undefined, { WebSocket })).toThrow(
    'heartbeat-ws: options.channel must be a non-empty string (required with a URL provider), got undefined',
  );
  expect(() => settle('ws://a.test', undefined, { WebSocket, channel: '' })).toThrow(
    'heartbeat-ws: options.channel must be a non-empty string, got ""',
  );
  expect(settle(() => 'ws://a.test', undefined, { WebSocket, channel: 'c' }).first).toBe('');
});

it("throws the core's own errors for a bad URL, subprotocols or option", () => {
  expect(() => settle('ftp://a.test', undefined, { WebSocket })).toThrow(SyntaxError);
  expect(() => settle('ws://a.test', ['x', 'x'], { WebSocket })).toThrow(SyntaxError);
  expect(() => settle('ws://a.test', undefined, { WebSocket, maxRetries: -1 })).toThrow(/maxRetries/);
});

it('gives the leader a counting WebSocket class and no stamp where tabs share', () => {
  const s = settle('ws://a.test', undefined, { WebSocket, stamp: (d) => d });
  expect(s.shared).toBe(true);
  expect(s.raw).not.toBe(false);
  expect(s.leaderOptions.WebSocket).toBe(s.raw && s.raw.WebSocket);
  expect(s.leaderOptions.stamp).toBeUndefined();
  expect(s.o.stamp).toBeTypeOf('function');
  expect(s.first).toBe('ws://a.test/');
});

it("keeps freeze and restore from the leader's lifecycle where tabs share (the tab handles them)", () => {
  const seen: string[] = [];
  const lifecycle: Lifecycle = (notify) => {
    for (const s of ['offline', 'freeze', 'restore', 'online', 'resume'] as const) notify(s);
    return () => {};
  };
  const s = settle('ws://a.test', undefined, { WebSocket, lifecycle });
  const leaders = s.leaderOptions.lifecycle as Lifecycle;
  leaders((signal) => void seen.push(signal));
  expect(seen).toEqual(['offline', 'online', 'resume']);
});

it('refuses options that are not an object and a channel that is not a string, naming each', () => {
  expect(() => settle('ws://a.test', undefined, 'x' as never)).toThrow(
    'heartbeat-ws: options must be an object, got "x"',
  );
  expect(() => settle('ws://a.test', undefined, 5 as never)).toThrow('heartbeat-ws: options must be an object, got 5');
  expect(() => settle('ws://a.test', undefined, { WebSocket, channel: 5 as never })).toThrow(
    'heartbeat-ws: options.channel must be a non-empty string, got 5',
  );
});

it('hands `channel` to no check of the core: no warning of an unknown option', async () => {
  // Fresh modules: each unknown option is warned about once a page, and other tests pass `channel`.
  vi.resetModules();
  const fresh = (await import('../../src/shared/options')).settle;
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    expect(fresh('ws://a.test', undefined, { WebSocket, channel: 'c' }).name).toBe('heartbeat-ws c');
    expect(warn).not.toHaveBeenCalled();
  } finally {
    warn.mockRestore();
  }
});

it('where tabs cannot share, gives the leader the WebSocket class and the lifecycle as given', () => {
  const nav = navigator as Navigator & { locks?: unknown };
  const locks = Object.getOwnPropertyDescriptor(nav, 'locks')!;
  delete (nav as { locks?: unknown }).locks;
  try {
    const lifecycle: Lifecycle = () => () => {};
    const s = settle('ws://a.test', undefined, { WebSocket, lifecycle });
    expect([s.shared, s.raw]).toEqual([false, false]);
    expect(s.leaderOptions.WebSocket).toBe(WebSocket);
    expect(s.leaderOptions.lifecycle).toBe(lifecycle);
  } finally {
    Object.defineProperty(nav, 'locks', locks);
  }
});

it('gives the leader no lifecycle when the tab has none', () => {
  expect(settle('ws://a.test', undefined, { WebSocket, lifecycle: false }).leaderOptions.lifecycle).toBe(false);
});

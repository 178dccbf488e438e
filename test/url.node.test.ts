// @vitest-environment node
/**
 * URLs in Node, where there is no page to resolve a relative URL against: a host without a
 * scheme fails as it does in a browser (test/options.test.ts, jsdom), with the same message.
 */
import { expect, it } from 'vitest';
import { HeartbeatSocket } from '../src/index';
import { FakeWebSocket } from './helpers/fake-websocket';

const make = (url: string) => () =>
  new HeartbeatSocket(url, [], { WebSocket: FakeWebSocket as never, startClosed: true });

it('refuses a host without a scheme with the error a browser gives, naming the fix (issue #20, item 7)', () => {
  expect(typeof (globalThis as { location?: unknown }).location).toBe('undefined');
  expect(make('127.0.0.1:8080/ws')).toThrow(
    new SyntaxError(
      'heartbeat-ws: url must be a ws:, wss:, http: or https: URL with its scheme (or ./path in a page), without #fragment, got "127.0.0.1:8080/ws"',
    ),
  );
  expect(make('example.com/live')).toThrow(
    'URL with its scheme (or ./path in a page), without #fragment, got "example.com/live"',
  );
  expect(make('wss://example.com/live')().url).toBe('wss://example.com/live');
});

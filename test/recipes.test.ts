/**
 * docs/recipes.md's recipes that make a promise about what reaches the server, run as written:
 * the code block is taken from the page, compiled, and run over the fake WebSocket.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as sdk from '../src/index';
import { FakeWebSocket } from './helpers/fake-websocket';

const RECIPES = readFileSync(path.resolve(__dirname, '../docs/recipes.md'), 'utf8');

/** The first ts block under heading `title`, compiled to CommonJS. */
function recipe(title: string): string {
  const section = RECIPES.split(/^## /m).find((s) => s.startsWith(title + '\n'));
  const code = /```ts\n([\s\S]*?)\n```/.exec(section ?? '')?.[1];
  if (!code) throw new Error(`no ts block under "## ${title}" in docs/recipes.md`);
  return ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS } }).outputText;
}

/** Runs a compiled recipe: `heartbeat-ws` is the SDK over the fake WebSocket; returns its exports. */
function run(compiled: string): {
  exports: Record<string, (...args: never[]) => unknown>;
  socket: sdk.HeartbeatSocket;
} {
  const made: sdk.HeartbeatSocket[] = [];
  class HeartbeatSocket extends sdk.HeartbeatSocket {
    constructor(url: sdk.UrlInput, protocols?: string | string[], options: sdk.Options = {}) {
      super(url, protocols, { ...options, WebSocket: FakeWebSocket as unknown as sdk.Options['WebSocket'] });
      made.push(this);
    }
  }
  const exports: Record<string, (...args: never[]) => unknown> = {};
  const require = (name: string) => {
    if (name !== 'heartbeat-ws') throw new Error(`the recipe imports ${name}`);
    return { ...sdk, HeartbeatSocket };
  };
  new Function('require', 'exports', compiled)(require, exports);
  return { exports, socket: made[0]! };
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => vi.useRealTimers());

describe('Resubscribe on reconnect', () => {
  const subscribes = (ws: FakeWebSocket, topic: string) =>
    ws.sent.filter((d) => d === JSON.stringify({ type: 'subscribe', topic }));

  it('subscribes again on every open, each topic once per connection', async () => {
    const { exports, socket } = run(recipe('Resubscribe on reconnect'));
    exports.subscribe!('news' as never);
    FakeWebSocket.last.serverOpen();
    exports.subscribe!('prices' as never);
    expect(FakeWebSocket.last.sent.filter((d) => d !== 'ping')).toEqual([
      '{"type":"subscribe","topic":"news"}',
      '{"type":"subscribe","topic":"prices"}',
    ]);
    FakeWebSocket.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(30_000);
    FakeWebSocket.last.serverOpen();
    expect(subscribes(FakeWebSocket.last, 'news')).toHaveLength(1);
    expect(subscribes(FakeWebSocket.last, 'prices')).toHaveLength(1);
    exports.unsubscribe!('news' as never);
    expect(FakeWebSocket.last.sent.at(-1)).toBe('{"type":"unsubscribe","topic":"news"}');
    socket.close();
  });

  it('a topic added while the socket checks the link (readyState OPEN, send() queues) is subscribed once on the next connection', async () => {
    const { exports, socket } = run(recipe('Resubscribe on reconnect'));
    FakeWebSocket.last.serverOpen();
    exports.subscribe!('news' as never);
    // The tab comes back to the foreground: the socket probes the link and holds sends.
    document.dispatchEvent(new Event('visibilitychange'));
    expect(socket.readyState).toBe(socket.OPEN);
    exports.subscribe!('prices' as never);
    expect(subscribes(FakeWebSocket.last, 'prices')).toHaveLength(0);
    // No answer: the link is replaced, and the next connection opens.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(FakeWebSocket.instances.length).toBeGreaterThan(1);
    FakeWebSocket.last.serverOpen();
    expect(subscribes(FakeWebSocket.last, 'news')).toHaveLength(1);
    expect(subscribes(FakeWebSocket.last, 'prices')).toHaveLength(1);
    socket.close();
  });
});

/**
 * src/bindings/live.ts, what heartbeat-ws/vue and heartbeat-ws/svelte are made of: a socket the
 * binding closes when its last subscriber leaves and brings back when one comes, whose url may
 * change; and a socket the app closed, which stays closed (docs/vue.md, docs/svelte.md), also
 * while its closing handshake is under way (CLOSING: only the app's close() makes it).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { HeartbeatSocket, type Options } from '../src/index';
import { live } from '../src/bindings/live';
import { FakeWebSocket } from './helpers/fake-websocket';

const URL_A = 'ws://example.test/a';
const URL_B = 'ws://example.test/b';
const fake = { WebSocket: FakeWebSocket as unknown as Options['WebSocket'] };
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};
const urls = () => FakeWebSocket.instances.map((ws) => ws.url);

beforeEach(() => FakeWebSocket.reset());

/** A started binding on URL_A whose connection is open. */
async function opened() {
  const l = live(URL_A, undefined, fake, () => {});
  l.start();
  await settle();
  FakeWebSocket.last.serverOpen();
  return l;
}

describe('the last subscriber leaves, one comes back', () => {
  it('an open socket the binding closed is connected again', async () => {
    const l = await opened();
    l.stop();
    FakeWebSocket.last.serverClose(1000, '');
    l.start();
    await settle();
    expect(urls()).toEqual([URL_A, URL_A]);
    expect(l.socket.readyState).toBe(HeartbeatSocket.CONNECTING);
  });

  it.each([
    ['CLOSED', true],
    ['CLOSING', false],
  ])('a socket the app closed stays closed: left while %s', async (_, answered) => {
    const l = await opened();
    l.socket.close(); // a logout, say
    if (answered) FakeWebSocket.last.serverClose(1000, '');
    l.stop(); // the component goes away
    if (!answered) FakeWebSocket.last.serverClose(1000, '');
    l.start(); // a component reading the same store later
    await settle();
    expect(urls()).toEqual([URL_A]);
    expect(l.socket.readyState).toBe(HeartbeatSocket.CLOSED);
  });
});

describe('the url changes', () => {
  it('an open socket reconnects to the new url; the same url again changes nothing', async () => {
    const l = await opened();
    l.retarget(URL_A);
    await settle();
    expect(FakeWebSocket.last.closeCalls).toHaveLength(0);
    l.retarget(URL_B);
    FakeWebSocket.last.serverClose(1000, '');
    await settle();
    expect(urls()).toEqual([URL_A, URL_B]);
  });

  it('a socket the app closed stays closed when its url changes during its closing handshake', async () => {
    const l = await opened();
    l.socket.close();
    expect(l.socket.readyState).toBe(HeartbeatSocket.CLOSING);
    l.retarget(URL_B);
    FakeWebSocket.last.serverClose(1000, '');
    await settle();
    expect(urls()).toEqual([URL_A]);
    expect(l.socket.readyState).toBe(HeartbeatSocket.CLOSED);
  });

  it('a binding with no subscriber takes the new url without connecting; its next subscriber connects to it', async () => {
    const l = await opened();
    l.stop();
    FakeWebSocket.last.serverClose(1000, '');
    l.retarget(URL_B);
    await settle();
    expect(urls()).toEqual([URL_A]);
    l.start();
    await settle();
    expect(urls()).toEqual([URL_A, URL_B]);
  });
});

it('in a page without WebSocket, no stand-in: the core says at once that one is missing', () => {
  const saved = globalThis.WebSocket;
  // A page (window) whose runtime has none: a stand-in there would hide the mistake until the first attempt.
  (globalThis as { WebSocket?: unknown }).WebSocket = undefined;
  try {
    expect(() => live(URL_A, undefined, {}, () => {})).toThrow(/options\.WebSocket must be a WebSocket constructor/);
  } finally {
    globalThis.WebSocket = saved;
  }
});

/**
 * heartbeat-ws/react in jsdom: React 19's react-dom/client and act(), against the FakeWebSocket
 * (every connection the hook makes is an instance there) and against a real `ws` server on
 * 127.0.0.1, which counts the connections as a server sees them.
 */
import { Activity, act, Component, createElement, StrictMode, useEffect, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { HeartbeatSocket, type DropDetail, type Options, type UrlInput } from '../src/index';
import { SharedHeartbeatSocket } from '../src/shared/index';
import { useHeartbeatSocket, type UseHeartbeatSocketResult } from '../src/react/index';
import { FakeWebSocket } from './helpers/fake-websocket';
import { installTabs, tabWebSocket } from './helpers/tabs';
import { type ServerConnection, startTestServer } from './helpers/ws-server';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const URL_A = 'ws://example.test/a';
const URL_B = 'ws://example.test/b';
const URL_C = 'ws://example.test/c';
const fake = { WebSocket: FakeWebSocket as unknown as Options['WebSocket'] };

/** Every value the hook returned, render by render, and the DOM text it rendered. */
let renders: UseHeartbeatSocketResult[];
let root: Root | undefined;
let container: HTMLElement;

function Probe(props: { url: UrlInput; protocols?: string | string[]; options?: Options }): ReactNode {
  const result = useHeartbeatSocket(props.url, props.protocols, props.options ?? fake);
  renders.push(result);
  return `${result.state}|${result.readyState}|${String(result.lastMessage?.data ?? '')}`;
}

const last = (): UseHeartbeatSocketResult => renders.at(-1)!;
const text = (): string => container.textContent ?? '';

async function render(node: ReactNode, strict = true): Promise<void> {
  await act(async () => {
    root ??= createRoot(container);
    root.render(strict ? createElement(StrictMode, null, node) : node);
  });
}

async function unmount(): Promise<void> {
  await act(async () => root?.unmount());
  root = undefined;
}

beforeEach(() => {
  FakeWebSocket.reset();
  renders = [];
  container = document.createElement('div');
  document.body.append(container);
});

afterEach(async () => {
  await unmount();
  container.remove();
  vi.useRealTimers();
});

describe('useHeartbeatSocket (jsdom)', () => {
  it('opens one connection under StrictMode, whose double mount reuses the socket', async () => {
    await render(createElement(Probe, { url: URL_A }));
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(text()).toBe('connecting|0|');
    const socket = last().socket;
    expect(new Set(renders.map((r) => r.socket))).toEqual(new Set([socket]));
    expect(socket).toBeInstanceOf(HeartbeatSocket);

    await act(async () => FakeWebSocket.last.serverOpen());
    expect(text()).toBe('open|1|');
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
  });

  it('re-renders with each message and sends through the same socket', async () => {
    await render(createElement(Probe, { url: URL_A }));
    await act(async () => FakeWebSocket.last.serverOpen());
    await act(async () => FakeWebSocket.last.serverMessage('hello'));
    expect(text()).toBe('open|1|hello');
    expect(last().lastMessage).toBeInstanceOf(MessageEvent);
    const send = last().send;
    await act(async () => FakeWebSocket.last.serverMessage('again'));
    expect(text()).toBe('open|1|again');
    expect(last().send).toBe(send);
    send('from the component');
    expect(FakeWebSocket.last.sent).toEqual(['from the component']);
  });

  it('closes the socket on unmount', async () => {
    await render(createElement(Probe, { url: URL_A }));
    await act(async () => FakeWebSocket.last.serverOpen());
    const socket = last().socket;
    await unmount();
    expect(FakeWebSocket.last.closeCalls).toEqual([{ code: 1000, reason: '' }]);
    await act(async () => FakeWebSocket.last.serverClose(1000, '', true));
    expect(socket.readyState).toBe(HeartbeatSocket.CLOSED);
    expect(FakeWebSocket.live()).toEqual([]);
  });

  it('makes a new socket when the url or protocols change, and closes the old one', async () => {
    await render(createElement(Probe, { url: URL_A }));
    const first = last().socket;
    await render(createElement(Probe, { url: URL_B }));
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([`${URL_A}`, `${URL_B}`]);
    expect(last().socket).not.toBe(first);
    expect(first.readyState).toBe(HeartbeatSocket.CLOSED);
    expect(FakeWebSocket.live().map((ws) => ws.url)).toEqual([URL_B]);

    await render(createElement(Probe, { url: URL_B, protocols: ['v2'] }));
    expect(FakeWebSocket.instances).toHaveLength(3);
    expect(FakeWebSocket.last.protocols).toEqual(['v2']);
    expect(FakeWebSocket.live()).toHaveLength(1);
  });

  it('a new url waits for the old connection to finish its closing handshake before it connects', async () => {
    await render(createElement(Probe, { url: URL_A }));
    const old = FakeWebSocket.last;
    await act(async () => old.serverOpen());
    expect(text()).toBe('open|1|');
    await render(createElement(Probe, { url: URL_B }));
    // The old connection is closing; the new socket has not reached the server yet.
    expect(old.closeCalls).toHaveLength(1);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(text()).toBe('connecting|0|');
    await act(async () => old.serverClose(1000, ''));
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([URL_A, URL_B]);
    expect(FakeWebSocket.live().map((ws) => ws.url)).toEqual([URL_B]);
  });

  it('a url changed twice while the first connection is still closing waits for that connection, not the one between', async () => {
    await render(createElement(Probe, { url: URL_A }));
    const first = FakeWebSocket.last;
    await act(async () => first.serverOpen());
    await render(createElement(Probe, { url: URL_B })); // waits for A's closing handshake
    await render(createElement(Probe, { url: URL_C })); // replaces B, which never started
    expect(first.readyState).toBe(WebSocket.CLOSING);
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([URL_A]);
    expect(text()).toBe('connecting|0|');
    await act(async () => first.serverClose(1000, ''));
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([URL_A, URL_C]);
    expect(FakeWebSocket.live().map((ws) => ws.url)).toEqual([URL_C]);
  });

  it('takes a url relative to the page, and refuses a bad one (a #fragment) at render', async () => {
    await render(createElement(Probe, { url: '/live' }));
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([
      new URL('/live', location.href).href.replace(/^http/, 'ws'),
    ]);
    await unmount();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await expect(render(createElement(Probe, { url: '/live#top' }))).rejects.toThrow(SyntaxError);
    } finally {
      spy.mockRestore();
    }
  });

  it("where there is a WebSocket but no page (React Native's kind): a provider connects, a relative url is refused naming it", async () => {
    const errors: unknown[] = [];
    const heard = new Set<unknown>();
    function NoPage(props: { url: UrlInput }): ReactNode {
      const result = useHeartbeatSocket(props.url, undefined, fake);
      if (!heard.has(result.socket)) {
        heard.add(result.socket);
        result.socket.addEventListener('error', (event) => errors.push((event as Event & { error?: unknown }).error));
      }
      return result.state;
    }
    vi.stubGlobal('location', undefined);
    try {
      await render(createElement(NoPage, { url: () => URL_A }));
      expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([URL_A]);
      expect(errors).toEqual([]);
      await unmount();
      // Nothing to resolve '/live' against: the first attempt fails, and says which url.
      await render(createElement(NoPage, { url: '/live' }));
      await vi.waitFor(() => expect(errors).toHaveLength(1));
      expect(errors[0]).toBeInstanceOf(SyntaxError);
      expect(String(errors[0])).toMatch(/\/live/);
      expect(FakeWebSocket.instances).toHaveLength(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('warns of nothing while the url stays put', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await render(createElement(Probe, { url: URL_A }));
      await act(async () => FakeWebSocket.last.serverOpen());
      await act(async () => FakeWebSocket.last.serverMessage('hi'));
      await render(createElement(Probe, { url: URL_B }));
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('takes at once a url that changes at most three times a second, however often in all', async () => {
    vi.useFakeTimers();
    for (const n of [1, 2, 3, 4]) await render(createElement(Probe, { url: `${URL_A}?room=${n}` }));
    expect(new Set(renders.map((r) => r.socket)).size).toBe(4);
    // Three replacements in that second; one second later the fourth is taken at once.
    await act(async () => vi.advanceTimersByTimeAsync(1000));
    await render(createElement(Probe, { url: `${URL_A}?room=5` }));
    expect(new Set(renders.map((r) => r.socket)).size).toBe(5);
    expect(FakeWebSocket.last.url).toBe(`${URL_A}?room=5`);
  });

  it('renders only when something changed: no render a second after a commit', async () => {
    vi.useFakeTimers();
    await render(createElement(Probe, { url: URL_A }));
    await act(async () => FakeWebSocket.last.serverOpen());
    const count = renders.length;
    await act(async () => vi.advanceTimersByTimeAsync(5000));
    expect(renders.length).toBe(count);
  });

  it('warns of nothing in a production build, though the url churns', async () => {
    vi.useFakeTimers();
    vi.stubEnv('NODE_ENV', 'production');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const n of [1, 2, 3, 4, 5, 6]) await render(createElement(Probe, { url: `${URL_A}?room=${n}` }));
      expect(new Set(renders.map((r) => r.socket)).size).toBe(4); // held all the same
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      vi.unstubAllEnvs();
    }
  });

  it('warns of the churn where there is no `process` at all (a page loading the file without a bundler)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const n of [1, 2, 3, 4]) await render(createElement(Probe, { url: `${URL_A}?room=${n}` }));
      // The fifth url is held, and warned of. (Vitest's own calls need `process`: the tasks they
      // left are let run first, and it is back before the next.)
      await new Promise((resolve) => setTimeout(resolve, 0));
      vi.stubGlobal('process', undefined);
      try {
        await render(createElement(Probe, { url: `${URL_A}?room=5` }));
      } finally {
        vi.unstubAllGlobals();
      }
      expect(new Set(renders.map((r) => r.socket)).size).toBe(4); // held
      expect(warn.mock.calls.flat().join()).toMatch(/the url changes on every render/);
    } finally {
      warn.mockRestore();
    }
  });

  it('takes a url that churned through two checks a second after it stays', async () => {
    // The url is made by the component's own render (as `?t=${Date.now()}` is), so the check a
    // second after a hold renders a new one again, until the app settles on one.
    vi.useFakeTimers();
    let n = 0;
    let settled = false;
    function Churning(): ReactNode {
      const result = useHeartbeatSocket(`${URL_A}?room=${settled ? 'stays' : ++n}`, undefined, fake);
      renders.push(result);
      return result.state;
    }
    const again = () => render(createElement(Churning, { key: 'churning' }), false);
    for (let i = 0; i < 5; i++) await again();
    expect(new Set(renders.map((r) => r.socket)).size).toBe(4); // held
    // The first check renders a url of its own: still held. The app renders again, a second
    // check comes a second later, and again its url is new.
    await act(async () => vi.advanceTimersByTimeAsync(1000));
    await again();
    await act(async () => vi.advanceTimersByTimeAsync(1000));
    expect(new Set(renders.map((r) => r.socket)).size).toBe(4);
    // Now the url stays: a second after the app's render, it is taken.
    settled = true;
    await again();
    await act(async () => vi.advanceTimersByTimeAsync(1000));
    expect(FakeWebSocket.last.url).toBe(`${URL_A}?room=stays`);
    expect(text()).toBe('connecting');
  });

  /** Probe on URL_A inside an <Activity> in `mode`. */
  const view = (mode: 'visible' | 'hidden') =>
    render(createElement(Activity, { mode, children: createElement(Probe, { url: URL_A }) }), false);

  it('connects again when an <Activity> hidden, which closed the socket, is shown again', async () => {
    await view('visible');
    const first = FakeWebSocket.last;
    await act(async () => first.serverOpen());
    await view('hidden');
    await act(async () => first.serverClose(1000, ''));
    expect(first.closeCalls).toHaveLength(1);
    await view('visible');
    await act(async () => vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2)));
    await act(async () => FakeWebSocket.last.serverOpen());
    expect(text()).toBe('open|1|');
  });

  it('an <Activity> shown again while its socket is still closing renders closing, then connects again', async () => {
    await view('visible');
    const first = FakeWebSocket.last;
    await act(async () => first.serverOpen());
    await view('hidden');
    expect(first.closeCalls).toHaveLength(1);
    const shown = renders.length;
    await view('visible');
    expect(renders.slice(shown).map((r) => r.state)[0]).toBe('closing');
    await act(async () => first.serverClose(1000, ''));
    await act(async () => vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2)));
  });

  it('a socket the app closed stays closed when an <Activity> hides during its closing handshake and shows again', async () => {
    await view('visible');
    const first = FakeWebSocket.last;
    await act(async () => first.serverOpen());
    await act(async () => renders.at(-1)!.socket.close()); // the app closes it (a logout, say)
    await view('hidden'); // before the server answered the close: the socket reads CLOSING
    await act(async () => first.serverClose(1000, ''));
    await view('visible');
    await act(async () => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(text()).toBe('closed|3|');
  });

  it('a url changed twice, the second time once the first new socket has started, connects the third', async () => {
    await render(createElement(Probe, { url: URL_A }));
    const first = FakeWebSocket.last;
    await act(async () => first.serverOpen());
    await render(createElement(Probe, { url: URL_B })); // waits for A's closing handshake
    await act(async () => first.serverClose(1000, ''));
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([URL_A, URL_B]);
    await render(createElement(Probe, { url: URL_C })); // B closed while connecting: nothing to wait for
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([URL_A, URL_B, URL_C]);
    expect(FakeWebSocket.live().map((ws) => ws.url)).toEqual([URL_C]);
  });

  it('keeps the socket when the url is equal by value, or only the options change', async () => {
    await render(createElement(Probe, { url: URL_A, protocols: ['v1'] }));
    const socket = last().socket;
    await render(createElement(Probe, { url: new URL(URL_A), protocols: ['v1'] }));
    await render(createElement(Probe, { url: URL_A, protocols: ['v1'], options: { ...fake, maxRetries: 3 } }));
    expect(last().socket).toBe(socket);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('calls the newest url function before each attempt, without reconnecting on re-render', async () => {
    vi.useFakeTimers();
    const options = { ...fake, minReconnectionDelay: 100, maxReconnectionDelay: 100 };
    await render(createElement(Probe, { url: () => URL_A, options }));
    await act(async () => vi.advanceTimersByTimeAsync(0));
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([URL_A]);
    const socket = last().socket;

    await render(createElement(Probe, { url: () => URL_B, options }));
    expect(last().socket).toBe(socket);
    expect(FakeWebSocket.instances).toHaveLength(1);

    await act(async () => FakeWebSocket.last.serverError());
    await act(async () => vi.advanceTimersByTimeAsync(150));
    expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual([URL_A, URL_B]);
  });

  it('renders reconnecting during the backoff, then connecting when the retry starts', async () => {
    vi.useFakeTimers();
    const options = { ...fake, minReconnectionDelay: 1000, maxReconnectionDelay: 1000, jitter: 0 };
    await render(createElement(Probe, { url: URL_A, options }));
    await act(async () => FakeWebSocket.last.serverOpen());
    await act(async () => FakeWebSocket.last.serverClose(1006));
    expect(text()).toBe('reconnecting|0|');
    await act(async () => vi.advanceTimersByTimeAsync(999));
    expect(text()).toBe('reconnecting|0|');
    await act(async () => vi.advanceTimersByTimeAsync(1));
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(text()).toBe('connecting|0|');
  });

  it('renders connecting at once when the page comes back online during the backoff', async () => {
    vi.useFakeTimers();
    const options = { ...fake, minReconnectionDelay: 5000, maxReconnectionDelay: 5000, jitter: 0 };
    await render(createElement(Probe, { url: URL_A, options }));
    await act(async () => FakeWebSocket.last.serverOpen());
    await act(async () => FakeWebSocket.last.serverClose(1006));
    expect(text()).toBe('reconnecting|0|');
    // `online` starts the next attempt now, long before the 5 s retry: no event tells of it.
    await act(async () => window.dispatchEvent(new Event('online')));
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(text()).toBe('connecting|0|');
  });

  it("calls the newest render's shouldReconnect: no retry after the user logged out", async () => {
    vi.useFakeTimers();
    const options = (loggedIn: boolean): Options => ({ ...fake, jitter: 0, shouldReconnect: () => loggedIn });
    await render(createElement(Probe, { url: URL_A, options: options(true) }));
    await act(async () => FakeWebSocket.last.serverOpen());
    await render(createElement(Probe, { url: URL_A, options: options(false) })); // logged out
    await act(async () => FakeWebSocket.last.serverClose(4001, 'session ended'));
    await act(async () => vi.advanceTimersByTimeAsync(60_000));
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(text()).toBe('closed|3|');
  });

  it("calls the newest render's stamp and heartbeat functions; object patterns stay patterns", async () => {
    vi.useFakeTimers();
    const options = (room: string): Options => ({
      ...fake,
      stamp: (data, seq) => `${room}:${seq}:${String(data)}`,
      heartbeat: { interval: 1000, timeout: 500, ping: () => `ping ${room}`, isPong: { type: 'pong' } },
    });
    await render(createElement(Probe, { url: URL_A, options: options('lobby') }));
    const ws = FakeWebSocket.last;
    await act(async () => ws.serverOpen());
    last().send('hi');
    await render(createElement(Probe, { url: URL_A, options: options('kitchen') }));
    last().send('hi');
    await act(async () => vi.advanceTimersByTimeAsync(1000));
    expect(ws.sent).toEqual(['lobby:1:hi', 'kitchen:2:hi', 'ping kitchen']);
    // The pattern still recognises the pong (consumed, not rendered), so the link stays up.
    await act(async () => ws.serverMessage(JSON.stringify({ type: 'pong' })));
    await act(async () => vi.advanceTimersByTimeAsync(600));
    expect(text()).toBe('open|1|');
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it("installs the newest render's lifecycle when the socket starts again after a close", async () => {
    const installed: string[] = [];
    const lifecycle =
      (name: string): Options['lifecycle'] =>
      () => (installed.push(name), () => {});
    await render(createElement(Probe, { url: URL_A, options: { ...fake, lifecycle: lifecycle('first') } }));
    await render(createElement(Probe, { url: URL_A, options: { ...fake, lifecycle: lifecycle('second') } }));
    await act(async () => last().socket.close());
    await act(async () => last().socket.reconnect());
    expect(installed).toEqual(['first', 'second']);
    expect(text()).toBe('connecting|0|');
  });

  it('takes options second, without protocols, as new HeartbeatSocket() does', async () => {
    function Second(props: { options: Options }): ReactNode {
      const result = useHeartbeatSocket(URL_A, props.options);
      renders.push(result);
      return result.state;
    }
    await render(createElement(Second, { options: { ...fake, startClosed: true } }));
    // It threw "protocols must be a string or an array…", whose hint says options may go second.
    expect([text(), FakeWebSocket.instances.length]).toEqual(['closed', 0]);
    await act(async () => last().socket.reconnect());
    expect(FakeWebSocket.instances.map((ws) => [ws.url, ws.protocols])).toEqual([[URL_A, []]]);
  });

  it('still rejects a wrong option at once, naming it, as new HeartbeatSocket() does', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const options = { ...fake, heartbeat: { isPong: 'pong' } } as unknown as Options;
      await expect(render(createElement(Probe, { url: URL_A, options }))).rejects.toThrow(
        'heartbeat-ws: options.heartbeat.isPong must be a function or a plain object with a field, got "pong"',
      );
      expect(FakeWebSocket.instances).toHaveLength(0);
    } finally {
      spy.mockRestore();
    }
  });

  /**
   * A socket class of the documented HookSocket surface (readyState, state, send, close,
   * reconnect, clearQueue) without the internal hook: a HeartbeatSocket from before cc1cb4e, or
   * the user's own wrapper. drive() falls back to reconnect() / clearQueue() for it.
   */
  class OlderCore extends HeartbeatSocket {
    constructor(...args: ConstructorParameters<typeof HeartbeatSocket>) {
      super(...args);
      Object.defineProperty(this, Symbol.for('heartbeat-ws hook'), { value: undefined });
    }
  }

  /** A component on the hook whose effect, keyed on the socket, records its `drop` events. */
  function droppingRoom(options: Options) {
    const drops: DropDetail[] = [];
    const last: { result?: UseHeartbeatSocketResult } = {};
    function Room(props: { url: string }): ReactNode {
      const result = useHeartbeatSocket(props.url, undefined, options);
      last.result = result;
      const { socket } = result;
      useEffect(() => {
        const on = (event: CustomEvent<DropDetail>): unknown => drops.push(event.detail);
        socket.addEventListener('drop', on);
        return () => socket.removeEventListener('drop', on);
      }, [socket]);
      return result.state;
    }
    return { Room, drops, last };
  }

  it.each([
    ['', fake],
    [' (a socket class without the internal hook: its own clearQueue())', { ...fake, HeartbeatSocket: OlderCore }],
  ])(
    'reports what it queued for a socket it replaces by a drop event, and never sends it to the new url (issue #20, item 5)%s',
    async (_, options) => {
      const { Room, drops, last } = droppingRoom(options as Options);
      await render(createElement(Room, { url: URL_A }));
      const first = FakeWebSocket.last;
      await act(async () => first.serverOpen());
      await render(createElement(Room, { url: URL_B })); // waits for A's closing handshake
      expect(last.result!.send('hello room b')).toBe(false); // queued
      await render(createElement(Room, { url: URL_C }));
      expect(drops).toEqual([{ data: 'hello room b', reason: 'cleared' }]);
      await act(async () => first.serverClose(1000, ''));
      await act(async () => FakeWebSocket.last.serverOpen());
      expect(FakeWebSocket.instances.map((ws) => [ws.url, ws.sent])).toEqual([
        [URL_A, []],
        [URL_C, []],
      ]);
    },
  );

  // React's docs: what a replaced socket still *queued* is dropped. What it wrote and no pong
  // confirmed is left to its closing handshake: confirmed by a clean one (a 'cleared' drop would
  // report a message room A received), dropped at the close of a failed one (it came back to the
  // queue of a socket no one will reconnect). The component's listener, keyed on the socket, is
  // gone by then: that drop is heard on the old socket itself.
  it.each([
    ['completes: confirmed, and nothing is dropped', 1000, ['confirmed'], []],
    [
      'fails (the link dies): dropped at its close, and its tracker settles',
      1006,
      ['cleared'],
      [{ data: 'order', reason: 'cleared' }],
    ],
  ])(
    'with replayUnconfirmed, a message the replaced socket wrote while open, whose closing handshake %s',
    async (_, code, expectedOutcomes, expectedDrops) => {
      const outcomes: string[] = [];
      const { Room, drops, last } = droppingRoom({
        ...fake,
        heartbeat: { interval: 60_000, timeout: 60_000 },
        replayUnconfirmed: true,
      });
      await render(createElement(Room, { url: URL_A }));
      const first = FakeWebSocket.last;
      await act(async () => first.serverOpen());
      const old = last.result!.socket as HeartbeatSocket;
      const oldDrops: DropDetail[] = [];
      old.addEventListener('drop', (event) => oldDrops.push(event.detail));
      // Written at once to room A's open socket; no pong yet (one comes per minute).
      expect(old.track('order', (outcome) => outcomes.push(outcome))).toBe(true);
      expect(first.sent).toEqual(['order']);
      await render(createElement(Room, { url: URL_B }));
      await act(async () => first.serverClose(code, ''));
      await act(async () => FakeWebSocket.last.serverOpen());
      expect(old.state).toBe('closed');
      expect({ queued: old.stats.queued, outcomes, drops: oldDrops }).toEqual({
        queued: 0,
        outcomes: expectedOutcomes,
        drops: expectedDrops,
      });
      expect(drops).toEqual([]);
    },
  );

  it('made where there is no window (a client renderer in Node: Ink, react-test-renderer), it still reports by drop what it queued for a socket it replaces', async () => {
    // The hook module loaded without a window, as it is there; react-dom stands in for that renderer.
    vi.resetModules();
    vi.stubGlobal('window', undefined);
    let hook: typeof useHeartbeatSocket;
    try {
      ({ useHeartbeatSocket: hook } = await import('../src/react/index'));
    } finally {
      vi.unstubAllGlobals();
    }
    const drops: DropDetail[] = [];
    let send: (data: string) => boolean = () => false;
    function Room(props: { url: string }): ReactNode {
      const result = hook(props.url, undefined, fake);
      send = result.send;
      const { socket } = result;
      useEffect(() => {
        const on = (event: CustomEvent<DropDetail>): unknown => drops.push(event.detail);
        socket.addEventListener('drop', on);
        return () => socket.removeEventListener('drop', on);
      }, [socket]);
      return result.state;
    }
    await render(createElement(Room, { url: URL_A }));
    const first = FakeWebSocket.last;
    await act(async () => first.serverOpen());
    await render(createElement(Room, { url: URL_B })); // waits for A's closing handshake
    expect(send('hello room b')).toBe(false); // queued
    await render(createElement(Room, { url: URL_C }));
    expect(drops).toEqual([{ data: 'hello room b', reason: 'cleared' }]);
  });

  it('an unmount after a thrown-away render (another url) does not clear the queue', async () => {
    const drops: DropDetail[] = [];
    let send: (data: string) => boolean = () => false;
    function Room(props: { url: string; boom?: boolean }): ReactNode {
      const result = useHeartbeatSocket(props.url, undefined, fake);
      send = result.send;
      const { socket } = result;
      useEffect(() => {
        const on = (event: CustomEvent<DropDetail>): unknown => drops.push(event.detail);
        socket.addEventListener('drop', on);
        return () => socket.removeEventListener('drop', on);
      }, [socket]);
      if (props.boom) throw new Error('boom');
      return result.state;
    }
    class Boundary extends Component<{ children: ReactNode }, { failed: boolean }> {
      override state = { failed: false };
      static getDerivedStateFromError(): { failed: boolean } {
        return { failed: true };
      }
      override render(): ReactNode {
        return this.state.failed ? 'failed' : this.props.children;
      }
    }
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await render(createElement(Boundary, null, createElement(Room, { url: URL_A })));
      expect(send('queued')).toBe(false);
      // This render makes a socket for URL_B, throws, and is thrown away: Room unmounts.
      await render(createElement(Boundary, null, createElement(Room, { url: URL_B, boom: true })));
      expect(text()).toBe('failed');
      expect(drops).toEqual([]);
    } finally {
      error.mockRestore();
    }
  });

  it('holds its socket when the url changes more than 3 times in a second, and takes the url that stays (issue #20, item 1)', async () => {
    vi.useFakeTimers();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const n of [1, 2, 3, 4, 5]) await render(createElement(Probe, { url: `${URL_A}?room=${n}` }));
      // Warned as soon as it holds (the fifth url).
      expect(warn.mock.calls.flat().join()).toMatch(
        /the url changes on every render.*useHeartbeatSocket\(\(\) => url\)/,
      );
      await render(createElement(Probe, { url: `${URL_A}?room=6` }));
      // Four sockets made, the last three of them replacing one each; the fifth url and the sixth wait.
      const made = renders.map((r) => r.socket);
      expect(new Set(made).size).toBe(4);
      await act(async () => vi.advanceTimersByTimeAsync(1000));
      // A second later a render checks: room 6 stayed, so it is taken.
      expect(new URL(last().socket.url || FakeWebSocket.last.url).searchParams.get('room')).toBe('6');
      expect(new Set(renders.map((r) => r.socket)).size).toBe(5);
      expect(warn).toHaveBeenCalledTimes(1);
      // It churns again later: held again, but warned once in the component's life.
      for (const n of [7, 8, 9, 10, 11, 12]) await render(createElement(Probe, { url: `${URL_A}?room=${n}` }));
      expect(new Set(renders.map((r) => r.socket)).size).toBeLessThan(10);
      expect(warn).toHaveBeenCalledTimes(1);
      // And again a second later, the url that stayed is taken.
      await act(async () => vi.advanceTimersByTimeAsync(1000));
      expect(new URL(last().socket.url || FakeWebSocket.last.url).searchParams.get('room')).toBe('12');
    } finally {
      warn.mockRestore();
    }
  });

  it('leaves no timer behind when unmounted while it holds a churning url (its one-second check goes too)', async () => {
    vi.useFakeTimers();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const n of [1, 2, 3, 4, 5, 6]) await render(createElement(Probe, { url: `${URL_A}?room=${n}` }));
      expect(new Set(renders.map((r) => r.socket)).size).toBe(4); // held: the check is armed
      await unmount();
      for (const ws of FakeWebSocket.instances) if (ws.readyState < 3) ws.serverClose(1000, '');
      await act(async () => vi.advanceTimersByTimeAsync(0));
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      warn.mockRestore();
    }
  });

  it('makes its socket with the class given: a SharedHeartbeatSocket, one connection under StrictMode', async () => {
    let socket: SharedHeartbeatSocket | undefined;
    function Shared(): ReactNode {
      const result = useHeartbeatSocket(URL_A, undefined, {
        ...fake,
        HeartbeatSocket: SharedHeartbeatSocket,
        channel: 'feed',
      });
      socket = result.socket;
      return `${result.state}|${String(result.socket.isLeader)}`;
    }
    await render(createElement(Shared));
    expect(socket).toBeInstanceOf(SharedHeartbeatSocket);
    await act(async () => vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1)));
    await act(async () => FakeWebSocket.last.serverOpen());
    await act(async () => vi.waitFor(() => expect(text()).toMatch(/^open\|/)));
    expect(FakeWebSocket.instances).toHaveLength(1);
    await unmount();
    await vi.waitFor(() => expect(FakeWebSocket.last.closeCalls).toHaveLength(1));
  });

  it('closes a socket React made but never mounted (StrictMode makes two): a shared one leaves its channel', async () => {
    const closed: HeartbeatSocket[] = [];
    const made: HeartbeatSocket[] = [];
    class Counted extends HeartbeatSocket {
      constructor(...args: ConstructorParameters<typeof HeartbeatSocket>) {
        super(...args);
        made.push(this);
      }
      override close(code?: number, reason?: string): void {
        closed.push(this);
        super.close(code, reason);
      }
    }
    await render(createElement(Probe, { url: URL_A, options: { ...fake, HeartbeatSocket: Counted } as Options }));
    await act(async () => new Promise((resolve) => setTimeout(resolve, 10)));
    const kept = last().socket;
    expect(made).toHaveLength(2);
    expect(closed).toEqual(made.filter((s) => s !== kept));
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(kept.readyState).toBe(HeartbeatSocket.CONNECTING);
  });

  it("HeartbeatSocket option: a socket class with the HookSocket surface but no internal hook (an older core beside this React entry, or the user's own wrapper) still connects", async () => {
    let failure: unknown;
    try {
      await render(createElement(Probe, { url: URL_A, options: { ...fake, HeartbeatSocket: OlderCore } as Options }));
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeUndefined();
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('with startClosed, waits for socket.reconnect(), and renders close() at once', async () => {
    await render(createElement(Probe, { url: URL_A, options: { ...fake, startClosed: true } }));
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(text()).toBe('closed|3|');
    await act(async () => last().socket.reconnect());
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(text()).toBe('connecting|0|');
    await act(async () => FakeWebSocket.last.serverOpen());
    await act(async () => last().socket.close());
    expect(text()).toBe('closing|2|');
  });
});

describe('useHeartbeatSocket over a SharedHeartbeatSocket, with two tabs', () => {
  let env: ReturnType<typeof installTabs>;
  let a: SharedHeartbeatSocket;
  const closes: CloseEvent[] = [];
  const drops: DropDetail[] = [];
  beforeEach(async () => {
    env = installTabs();
    closes.length = 0;
    drops.length = 0;
    // Tab A: a shared socket, leader, open.
    a = env.as('A', () => new SharedHeartbeatSocket(URL_A, { channel: 'feed', WebSocket: tabWebSocket('A') }));
    a.addEventListener('close', (e) => closes.push(e));
    a.addEventListener('drop', (e) => drops.push(e.detail));
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    FakeWebSocket.last.serverOpen();
    await vi.waitFor(() => expect(a.state).toBe('open'));
  });
  afterEach(async () => {
    await unmount();
    a.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    env.uninstall();
  });

  /** Tab B: a component whose hook shares channel `feed`. */
  function TabB(props: { url: string; startClosed?: boolean }): ReactNode {
    const result = useHeartbeatSocket(props.url, undefined, {
      WebSocket: tabWebSocket('B'),
      HeartbeatSocket: SharedHeartbeatSocket,
      channel: 'feed',
      startClosed: props.startClosed,
    });
    renders.push(result as never);
    return result.state;
  }

  it("a tab that mounts the hook, or changes its url, leaves the other tab's open connection alone", async () => {
    const settle = () => act(async () => new Promise((resolve) => setTimeout(resolve, 50)));
    await render(createElement(TabB, { url: URL_A }));
    await settle();
    expect(closes).toEqual([]);
    expect(text()).toBe('open');
    // With a fixed channel, another url joins the same shared connection (docs/react.md).
    await render(createElement(TabB, { url: URL_B }));
    await settle();
    expect(text()).toBe('open');
    expect(closes).toEqual([]);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.closeCalls).toEqual([]);
  });
  it("a hook that replaces its shared socket reports what it queued by drop, and leaves other tabs' messages queued", async () => {
    const hookDrops: DropDetail[] = [];
    let send: (data: string) => boolean = () => false;
    function Room(props: { url: string }): ReactNode {
      const result = useHeartbeatSocket(props.url, undefined, {
        WebSocket: tabWebSocket('B'),
        HeartbeatSocket: SharedHeartbeatSocket,
      });
      send = result.send;
      const { socket } = result;
      useEffect(() => {
        const on = (event: CustomEvent<DropDetail>): unknown => hookDrops.push(event.detail);
        socket.addEventListener('drop', on);
        return () => socket.removeEventListener('drop', on);
      }, [socket]);
      return result.state;
    }
    // Tab B's hook follows A on channel URL_A's connection (the default channel is the url).
    const onA = env.as('A', () => new SharedHeartbeatSocket(URL_B, { WebSocket: tabWebSocket('A') }));
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    const b = FakeWebSocket.last; // URL_B's connection, led by tab A, not open yet
    try {
      onA.addEventListener('drop', (e) => drops.push(e.detail));
      onA.send('from tab A');
      await render(createElement(Room, { url: URL_B }));
      await act(async () => new Promise((resolve) => setTimeout(resolve, 20)));
      send('from the hook');
      await act(async () => new Promise((resolve) => setTimeout(resolve, 20)));
      await render(createElement(Room, { url: URL_C }));
      expect(hookDrops).toEqual([{ data: 'from the hook', reason: 'cleared' }]);
      await act(async () => new Promise((resolve) => setTimeout(resolve, 20)));
      expect(drops).toEqual([]);
      b.serverOpen();
      await vi.waitFor(() => expect(b.sent).toEqual(['from tab A']));
    } finally {
      onA.close();
    }
  });
});

describe('useHeartbeatSocket against a real server', () => {
  it('is one connection at the server under StrictMode, and none after unmount', async () => {
    const server = await startTestServer({ maxLifetimeMs: 20_000 });
    // Network events arrive outside act(): let React schedule their renders as in a page.
    const g = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
    try {
      const url = `${server.url}/?client=react`;
      // The `ws` package's client: jsdom's environment has no WebSocket of its own that works here.
      const options = { WebSocket: NodeWebSocket as unknown as Options['WebSocket'] };
      await render(createElement(Probe, { url, options }));
      g.IS_REACT_ACT_ENVIRONMENT = false;
      await vi.waitFor(() => expect(text()).toBe('open|1|'), { timeout: 10_000 });
      last().send('echo me');
      await vi.waitFor(() => expect(text()).toBe('open|1|echo me'), { timeout: 10_000 });
      expect(server.connections).toHaveLength(1);
      expect(server.maxLive('react')).toBe(1);

      g.IS_REACT_ACT_ENVIRONMENT = true;
      await unmount();
      await vi.waitFor(() => expect(server.live('react')).toEqual([]), { timeout: 10_000 });
      expect(server.connections).toHaveLength(1);
    } finally {
      g.IS_REACT_ACT_ENVIRONMENT = true;
      await server.close();
    }
  });

  it('reaches open with a few connections, not one per render, when every render makes a new url (issue #20, item 1)', async () => {
    const server = await startTestServer({ maxLifetimeMs: 20_000 });
    const g = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let n = 0;
    function Storm(): ReactNode {
      // As `?t=${Date.now()}` does, without two renders in one millisecond sharing a url.
      const result = useHeartbeatSocket(`${server.url}/?client=react&t=${n++}`, undefined, {
        WebSocket: NodeWebSocket as unknown as Options['WebSocket'],
      });
      renders.push(result);
      return result.state;
    }
    try {
      await render(createElement(Storm));
      g.IS_REACT_ACT_ENVIRONMENT = false;
      await vi.waitFor(() => expect(text()).toBe('open'), { timeout: 5_000 });
      // A second and a half more: the check a second after a held url renders once, and the
      // url it gets is new again, so the socket stays.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(text()).toBe('open');
      // And once only: held, the hook does not check again every second (a render a second,
      // forever). At most the one check, if this loaded machine ran it late.
      const rendered = renders.length;
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      expect(renders.length - rendered).toBeLessThanOrEqual(1);
      expect(server.connections.length).toBeLessThanOrEqual(4);
      expect(server.live('react')).toHaveLength(1);
      expect(server.maxLive('react')).toBe(1);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0])).toMatch(/^heartbeat-ws\/react: the url changes on every render/);
    } finally {
      g.IS_REACT_ACT_ENVIRONMENT = true;
      warn.mockRestore();
      await server.close();
    }
  }, 20_000);

  it('is one connection at the server when the url changes: the new socket waits for the old one to close', async () => {
    // At each new connection, how many earlier server sockets are not CLOSED yet: OPEN ones, and
    // CLOSING ones whose closing handshake is still under way (maxLive counts only OPEN).
    const accepted: ServerConnection[] = [];
    const unclosedAtConnection: number[] = [];
    const server = await startTestServer({
      maxLifetimeMs: 20_000,
      onConnection: (conn) => {
        unclosedAtConnection.push(accepted.filter((c) => c.ws.readyState !== NodeWebSocket.CLOSED).length);
        accepted.push(conn);
        return undefined;
      },
    });
    const g = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
    try {
      const options = { WebSocket: NodeWebSocket as unknown as Options['WebSocket'] };
      await render(createElement(Probe, { url: `${server.url}/?client=react&room=1`, options }));
      g.IS_REACT_ACT_ENVIRONMENT = false;
      await vi.waitFor(() => expect(text()).toBe('open|1|'), { timeout: 10_000 });
      const first = last().socket;
      g.IS_REACT_ACT_ENVIRONMENT = true;
      await render(createElement(Probe, { url: `${server.url}/?client=react&room=2`, options }));
      g.IS_REACT_ACT_ENVIRONMENT = false;
      await vi.waitFor(() => expect(text()).toBe('open|1|'), { timeout: 10_000 });
      expect(last().socket).not.toBe(first);
      expect(first.readyState).toBe(HeartbeatSocket.CLOSED);
      expect(server.connections).toHaveLength(2);
      expect(server.live('react')).toHaveLength(1);
      expect(server.maxLive('react')).toBe(1);
      // The old connection had finished closing at the server when the new one arrived.
      expect(unclosedAtConnection).toEqual([0, 0]);
      expect(last().send('still here')).toBe(true);
    } finally {
      g.IS_REACT_ACT_ENVIRONMENT = true;
      await server.close();
    }
  });

  it('is one connection at the server when the url changes twice while a slow server finishes the first close', async () => {
    const server = await startTestServer({ maxLifetimeMs: 20_000 });
    const g = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
    try {
      const options = { WebSocket: NodeWebSocket as unknown as Options['WebSocket'] };
      const room = (n: number): string => `${server.url}/?client=react&room=${n}`;
      await render(createElement(Probe, { url: room(1), options }));
      g.IS_REACT_ACT_ENVIRONMENT = false;
      await vi.waitFor(() => expect(text()).toBe('open|1|'), { timeout: 10_000 });
      // A slow server: it reads nothing more of room 1 (its closing handshake included) until
      // told, and holds that connection open meanwhile.
      const raw = (server.connections[0]!.ws as unknown as { _socket: import('node:net').Socket })._socket;
      raw.pause();
      g.IS_REACT_ACT_ENVIRONMENT = true;
      await render(createElement(Probe, { url: room(2), options }));
      await render(createElement(Probe, { url: room(3), options }));
      g.IS_REACT_ACT_ENVIRONMENT = false;
      // Time enough for a socket that did not wait to reach the server (loopback: a few ms).
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(server.connections).toHaveLength(1);
      raw.resume();
      await vi.waitFor(() => expect(text()).toBe('open|1|'), { timeout: 10_000 });
      expect(server.connections.map((c) => new URL(c.url, server.url).searchParams.get('room'))).toEqual(['1', '3']);
      expect(server.maxLive('react')).toBe(1);
      expect(server.live('react')).toHaveLength(1);
    } finally {
      g.IS_REACT_ACT_ENVIRONMENT = true;
      await server.close();
    }
  });
});

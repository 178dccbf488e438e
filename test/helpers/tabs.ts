/**
 * Browser tabs in one jsdom, for SharedHeartbeatSocket's unit tests: an in-memory Web Locks
 * manager and BroadcastChannel, both told which "tab" makes each request, so a test can kill a
 * tab as a crash would (its locks released, its channels silent, its sockets dead) without the
 * tab's own code taking part. Delivery and lock grants are asynchronous (microtasks), as in
 * browsers.
 */
import { afterEach, beforeEach, expect, vi } from 'vitest';
import type { WebSocketConstructor } from '../../src/index';
import type { LifecycleSignal } from '../../src/env/lifecycle';
import { SharedHeartbeatSocket, type SharedOptions } from '../../src/shared/index';
import { FakeWebSocket } from './fake-websocket';

interface Request {
  owner: string;
  name: string;
  grant: () => void;
}

/** The tab that the next lock request or channel belongs to (set by `Tabs.as`). */
let owner = '';
const dead = new Set<string>();

export class FakeLocks {
  readonly held = new Map<string, string>();
  readonly waiting: Request[] = [];
  private releases = new Map<string, () => void>();

  request(name: string, options: { signal?: AbortSignal }, callback: () => unknown): Promise<unknown> {
    const tab = owner;
    return new Promise((resolve, reject) => {
      const req: Request = {
        owner: tab,
        name,
        grant: () => {
          this.held.set(name, tab);
          let done = false;
          const release = () => {
            if (done) return;
            done = true;
            this.releases.delete(name);
            this.held.delete(name);
            this.next(name);
          };
          this.releases.set(name, release);
          Promise.resolve().then(callback).then(resolve, reject).finally(release);
        },
      };
      options.signal?.addEventListener('abort', () => {
        const i = this.waiting.indexOf(req);
        if (i < 0) return;
        this.waiting.splice(i, 1);
        reject(new DOMException('aborted', 'AbortError'));
      });
      this.waiting.push(req);
      queueMicrotask(() => this.next(name));
    });
  }

  query = async () => ({
    held: [...this.held].map(([name]) => ({ name })),
    pending: this.waiting.map((r) => ({ name: r.name })),
  });

  private next(name: string): void {
    if (this.held.has(name)) return;
    const i = this.waiting.findIndex((r) => r.name === name);
    if (i < 0) return;
    const [req] = this.waiting.splice(i, 1);
    req!.grant();
  }

  /** What the browser does for a tab that is gone: its locks and requests go. */
  kill(tab: string): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) if (this.waiting[i]!.owner === tab) this.waiting.splice(i, 1);
    for (const [name, holder] of [...this.held]) if (holder === tab) this.releases.get(name)?.();
  }
}

/**
 * A structured clone in this realm (jsdom's structuredClone hands back ArrayBuffers of another
 * realm, which `instanceof ArrayBuffer` refuses): plain objects and arrays copied, buffers too.
 */
const clone = (value: unknown): unknown =>
  value instanceof ArrayBuffer
    ? value.slice(0)
    : Array.isArray(value)
      ? value.map(clone)
      : value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]))
        : value;

export class FakeChannel {
  static all = new Set<FakeChannel>();
  readonly owner = owner;
  onmessage: ((event: MessageEvent) => void) | null = null;
  closed = false;

  constructor(readonly name: string) {
    FakeChannel.all.add(this);
  }

  postMessage(data: unknown): void {
    if (this.closed) throw new DOMException('closed', 'InvalidStateError');
    if (dead.has(this.owner)) return;
    const copy = clone(data);
    for (const other of FakeChannel.all) {
      if (other === this || other.name !== this.name) continue;
      queueMicrotask(() => {
        if (!other.closed && !dead.has(other.owner)) other.onmessage?.(new MessageEvent('message', { data: copy }));
      });
    }
  }

  close(): void {
    this.closed = true;
    FakeChannel.all.delete(this);
  }
}

/** A WebSocket constructor for one tab: its sockets die with it, and it makes none after. */
export const tabWebSocket = (tab: string): WebSocketConstructor =>
  class extends FakeWebSocket {
    static owner = tab;
    constructor(url: string, protocols?: string | string[]) {
      if (dead.has(tab)) throw new Error('tab is gone');
      super(url, protocols);
    }
  } as unknown as WebSocketConstructor;

/** Installs the fakes on the globals; `uninstall()` puts them back. */
export function installTabs() {
  const locks = new FakeLocks();
  const nav = globalThis.navigator as Navigator & { locks?: unknown };
  const had = Object.getOwnPropertyDescriptor(nav, 'locks');
  Object.defineProperty(nav, 'locks', { value: locks, configurable: true });
  const hadChannel = globalThis.BroadcastChannel;
  globalThis.BroadcastChannel = FakeChannel as unknown as typeof BroadcastChannel;
  dead.clear();
  // The origin's storage, where a leader leaves what left its socket: each test a new origin.
  localStorage.clear();
  return {
    locks,
    /** Runs `fn` as tab `tab`: the locks it asks for and the channels it opens are that tab's. */
    as<T>(tab: string, fn: () => T): T {
      const was = owner;
      owner = tab;
      try {
        return fn();
      } finally {
        owner = was;
      }
    },
    /** The tab crashes: locks released, channels silent, its sockets closed abnormally. */
    kill(tab: string): void {
      dead.add(tab);
      locks.kill(tab);
      for (const ws of FakeWebSocket.instances) {
        if ((ws.constructor as { owner?: string }).owner === tab && ws.readyState < 2) ws.serverClose(1006);
      }
    },
    uninstall(): void {
      for (const c of FakeChannel.all) c.close();
      if (had) Object.defineProperty(nav, 'locks', had);
      else delete (nav as { locks?: unknown }).locks;
      globalThis.BroadcastChannel = hadChannel;
    },
  };
}

/** The URL of the tabs' connection, where a test does not name one. */
/**
 * Tab A of `env`: a SharedHeartbeatSocket of `url` that leads, its connection (the first
 * FakeWebSocket) open.
 */
export async function leadingTab(env: ReturnType<typeof installTabs>, url: string, options: SharedOptions = {}) {
  const a = env.as('A', () => new SharedHeartbeatSocket(url, { ...options, WebSocket: tabWebSocket('A') }));
  await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
  FakeWebSocket.last.serverOpen();
  await vi.waitFor(() => expect(a.state).toBe('open'));
  return a;
}

export const TAB_URL = 'ws://example.test/live';

/** What `useTabs()` gives a test file. */
export interface Tabs {
  /** The current test's tabs. */
  readonly env: ReturnType<typeof installTabs>;
  /** Closed after the test. */
  made: { close(): void }[];
  /**
   * Tab `name`'s SharedHeartbeatSocket on `url`: its own WebSocket class (test/helpers/tabs.ts
   * kills it with the tab), no page lifecycle, closed after the test.
   */
  tab(name: string, options?: SharedOptions, url?: string, protocols?: string | string[]): SharedHeartbeatSocket;
}

/**
 * The fakes for every test of a file: fake timers, a fresh FakeWebSocket and fresh tabs before
 * each test; after it, every socket pushed on `made` is closed, its timers run out, and the
 * globals put back. `env` is the current test's tabs.
 */
export function useTabs(): Tabs {
  let env: ReturnType<typeof installTabs> | undefined;
  const made: { close(): void }[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
    FakeWebSocket.reset();
    env = installTabs();
  });
  afterEach(async () => {
    for (const s of made.splice(0)) s.close();
    await vi.advanceTimersByTimeAsync(20_000);
    env?.uninstall();
    vi.useRealTimers();
  });
  return {
    get env() {
      return env as ReturnType<typeof installTabs>;
    },
    made,
    tab(name, options = {}, url = TAB_URL, protocols = []) {
      const socket = (env as ReturnType<typeof installTabs>).as(
        name,
        () =>
          new SharedHeartbeatSocket(url, protocols, { WebSocket: tabWebSocket(name), lifecycle: false, ...options }),
      );
      made.push(socket);
      return socket;
    },
  };
}

/** The events a SharedHeartbeatSocket's tests look at. */
export const TAB_EVENTS = ['open', 'message', 'close', 'error', 'reconnecting', 'heartbeat', 'drop', 'leaderchange'];

/** Records every event of {@link TAB_EVENTS} that `target` dispatches; `of(type)` lists one type's. */
export function recordEvents(target: EventTarget) {
  const events: { type: string; event: Event }[] = [];
  for (const type of TAB_EVENTS) target.addEventListener(type, (event) => events.push({ type, event }));
  const of = <E extends Event>(type: string) => events.filter((e) => e.type === type).map((e) => e.event as E);
  return { events, of };
}

/**
 * The page's hooks, as browserLifecycle installs them: `notify` plays a signal (freeze, restore,
 * offline…) to every socket that passed `lifecycle`; `count()` is how many are installed.
 */
export function pageHooks() {
  const hooks = new Set<(s: LifecycleSignal) => void>();
  return {
    lifecycle: (n: (s: LifecycleSignal) => void) => (hooks.add(n), () => void hooks.delete(n)),
    notify: (s: LifecycleSignal) => hooks.forEach((n) => n(s)),
    count: () => hooks.size,
  };
}

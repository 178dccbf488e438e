/**
 * Small shared pieces for the integration tests: a server behind a fault proxy, a poll helper
 * with an explicit timeout, and a cleanup list so every test ends with nothing left running.
 */
import { WebSocket as WS } from 'ws';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy';
import { startTestServer, type TestServer, type TestServerOptions } from './ws-server';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` every `every` ms until it returns a truthy value (returned) or `timeout` ms
 * pass (throws, with `what` in the message).
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | null | false,
  { timeout = 5_000, every = 10 }: { timeout?: number; every?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(every);
  }
}

export interface Rig {
  server: TestServer;
  proxy: FaultProxy;
  /** URL of the proxy, tagged with a client key the server groups connections by. */
  url(client?: string): string;
}

/** A test server with a fault proxy in front of it. */
export async function startRig(
  serverOptions: TestServerOptions = {},
  proxyOptions: Omit<FaultProxyOptions, 'targetPort'> = {},
): Promise<Rig> {
  const server = await startTestServer(serverOptions);
  const proxy = await startFaultProxy({ ...proxyOptions, targetPort: server.port });
  return {
    server,
    proxy,
    url: (client = 'c1') => `${proxy.url}/?client=${client}`,
  };
}

/** Things to stop after each test, last registered first. */
export class Cleanup {
  #tasks: Array<() => unknown> = [];
  add(task: () => unknown): void {
    this.#tasks.push(task);
  }
  async run(): Promise<void> {
    const tasks = this.#tasks.reverse();
    this.#tasks = [];
    for (const task of tasks) {
      try {
        await task();
      } catch {
        // keep going: every resource gets its chance to stop
      }
    }
  }
}

/** A rig whose server and proxy `cleanup` closes after the test. */
export async function rigFor(cleanup: Cleanup, serverOptions?: TestServerOptions): Promise<Rig> {
  const r = await startRig(serverOptions);
  cleanup.add(() => r.server.close());
  cleanup.add(() => r.proxy.close());
  return r;
}

/** A `[time, label]` log of events, times in ms since `t0`. */
export class Timeline {
  readonly t0 = Date.now();
  readonly entries: Array<{ at: number; label: string; detail?: unknown }> = [];
  mark(label: string, detail?: unknown): number {
    const at = Date.now() - this.t0;
    this.entries.push({ at, label, detail });
    return at;
  }
  first(label: string, after = -1): number | undefined {
    return this.entries.find((e) => e.label === label && e.at >= after)?.at;
  }
  count(label: string): number {
    return this.entries.filter((e) => e.label === label).length;
  }
}

/** A seeded PRNG (mulberry32), so a random scenario replays the same actions from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Measured figures of one test file, written to `test-results/findings-<name>.json` by
 * `save()` (PEER-FINDINGS.md is written from them).
 */
export class Findings {
  readonly #name: string;
  readonly #data: Record<string, unknown> = {};
  constructor(name: string) {
    this.#name = name;
  }
  record(scenario: string, figures: Record<string, unknown>): void {
    this.#data[scenario] = figures;
  }
  async save(): Promise<void> {
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir('test-results', { recursive: true });
    await writeFile(`test-results/findings-${this.#name}.json`, `${JSON.stringify(this.#data, null, 2)}\n`);
  }
}

/**
 * Takes over `uncaughtException` and `unhandledRejection` until `restore()`: what a library
 * leaves unhandled is counted instead of failing the run. Only for measuring a peer.
 */
export function captureProcessErrors(): {
  uncaught: unknown[];
  unhandled: unknown[];
  restore: () => void;
} {
  const uncaught: unknown[] = [];
  const unhandled: unknown[] = [];
  const savedUncaught = process.listeners('uncaughtException');
  const savedUnhandled = process.listeners('unhandledRejection');
  process.removeAllListeners('uncaughtException');
  process.removeAllListeners('unhandledRejection');
  const onUncaught = (error: unknown) => uncaught.push(error);
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);
  let restored = false;
  return {
    uncaught,
    unhandled,
    restore() {
      if (restored) return;
      restored = true;
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUnhandled);
      for (const l of savedUncaught) process.on('uncaughtException', l);
      for (const l of savedUnhandled) process.on('unhandledRejection', l);
    },
  };
}

/**
 * The `ws` WebSocket, subclassed to record every instance a client makes and, at each
 * construction, how many earlier ones were still CONNECTING or OPEN: a client that keeps at
 * most one underlying socket alive never sees more than 0 there.
 */
export function trackedWebSocket(): {
  WebSocket: typeof WS;
  instances: WS[];
  /** Most earlier instances found CONNECTING or OPEN when a new one was constructed. */
  readonly maxAliveAtConstruction: number;
  alive(): number;
} {
  const instances: WS[] = [];
  let maxAlive = 0;
  const alive = () => instances.filter((ws) => ws.readyState <= WS.OPEN).length;
  class Tracked extends WS {
    constructor(address: string | URL, protocols?: string | string[]) {
      maxAlive = Math.max(maxAlive, alive());
      super(address, protocols);
      instances.push(this);
    }
  }
  return {
    WebSocket: Tracked as unknown as typeof WS,
    instances,
    get maxAliveAtConstruction() {
      return maxAlive;
    },
    alive,
  };
}

import * as vm from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatSocket } from '../src/index';
import { DEFAULTS, resolveOptions } from '../src/options';
import { FakeWebSocket } from './helpers/fake-websocket';

const WebSocket = FakeWebSocket as unknown as typeof globalThis.WebSocket;
const make =
  (options: object, url: unknown = 'ws://a.test/') =>
  () =>
    new HeartbeatSocket(url as string, undefined, { WebSocket, startClosed: true, ...options });

describe('construction-time validation', () => {
  it.each([
    [{ minReconnectionDelay: -1 }, RangeError, /options\.minReconnectionDelay must be a number >= 0, got -1/],
    [{ maxReconnectionDelay: -5 }, RangeError, /options\.maxReconnectionDelay must be a number >= 0, got -5/],
    [
      { minReconnectionDelay: 500, maxReconnectionDelay: 100 },
      RangeError,
      /options\.maxReconnectionDelay must be >= minReconnectionDelay \(500\), got 100/,
    ],
    [{ connectionTimeout: 0 }, RangeError, /options\.connectionTimeout must be a positive finite number, got 0/],
    [
      { connectionTimeout: Infinity },
      RangeError,
      /options\.connectionTimeout must be a positive finite number, got Infinity/,
    ],
    [
      { reconnectionDelayGrowFactor: 0.5 },
      RangeError,
      /options\.reconnectionDelayGrowFactor must be a number >= 1, got 0\.5/,
    ],
    [{ jitter: 1.5 }, RangeError, /options\.jitter must be a number from 0 to 1, got 1\.5/],
    [{ jitter: -0.1 }, RangeError, /options\.jitter must be a number from 0 to 1/],
    [{ jitter: '0.5' }, TypeError, /options\.jitter must be a number from 0 to 1, got "0\.5"/],
    [{ minUptime: Number.NaN }, TypeError, /options\.minUptime must be a number >= 0, got NaN/],
    [{ maxRetries: -1 }, RangeError, /options\.maxRetries must be a whole number >= 0, got -1/],
    [{ maxEnqueuedMessages: -1 }, RangeError, /options\.maxEnqueuedMessages must be a whole number >= 0/],
    [{ maxRetries: 1.5 }, RangeError, /options\.maxRetries must be a whole number >= 0, got 1\.5/],
    [{ maxEnqueuedMessages: 0.5 }, RangeError, /options\.maxEnqueuedMessages must be a whole number >= 0/],
    [{ maxEnqueuedBytes: 'lots' }, TypeError, /options\.maxEnqueuedBytes must be a number >= 0, got "lots"/],
    [
      { queueOverflow: 'drop-all' },
      TypeError,
      /options\.queueOverflow must be "drop-newest" or "drop-oldest", got "drop-all"/,
    ],
    [{ startClosed: 'yes' }, TypeError, /options\.startClosed must be true or false, got "yes"/],
    [{ debug: 1 }, TypeError, /options\.debug must be true or false, got 1/],
    [{ shouldReconnect: true }, TypeError, /options\.shouldReconnect must be a function, got true/],
    [{ random: 0.5 }, TypeError, /options\.random must be a function, got 0\.5/],
    [{ clock: {} }, TypeError, /options\.clock must be a \{ now, setTimeout, clearTimeout \} object/],
    [
      { outbox: {} },
      TypeError,
      /options\.outbox must be indexedDbOutbox\(name\) or another outbox, got \[object Object\]/,
    ],
    [{ outbox: null }, TypeError, /options\.outbox must be indexedDbOutbox\(name\) or another outbox, got null/],
    [{ heartbeat: 'on' }, TypeError, /options\.heartbeat must be a boolean or an object, got "on"/],
    [{ heartbeat: { timeout: 0 } }, RangeError, /options\.heartbeat\.timeout must be a positive finite number, got 0/],
    [
      { heartbeat: { timeout: -3 } },
      RangeError,
      /options\.heartbeat\.timeout must be a positive finite number, got -3/,
    ],
    [
      { heartbeat: { timeout: '10' } },
      TypeError,
      /options\.heartbeat\.timeout must be a positive finite number, got "10"/,
    ],
    [{ heartbeat: { interval: 0 } }, RangeError, /options\.heartbeat\.interval must be a positive finite number/],
    [
      { heartbeat: { isPong: 'pong' } },
      TypeError,
      /options\.heartbeat\.isPong must be a function or a plain object with a field, got "pong"/,
    ],
    // Objects with no own fields to match would match every JSON message and swallow it.
    [{ heartbeat: { isPong: /pong/ } }, TypeError, /options\.heartbeat\.isPong must be a function or a plain object/],
    // A class instance too: one whose fields are getters has no own field to match.
    [
      { heartbeat: { isPong: new (class Pong {})() } },
      TypeError,
      /options\.heartbeat\.isPong must be a function or a plain object/,
    ],
    [{ heartbeat: { isPong: ['pong'] } }, TypeError, /options\.heartbeat\.isPong must be a function or a plain object/],
    // No field to match: every JSON message would be taken for a pong, and swallowed.
    [
      { heartbeat: { isPong: {} } },
      TypeError,
      /options\.heartbeat\.isPong must be a function or a plain object with a field, got \[object Object\]/,
    ],
    [{ heartbeat: { isServerPing: Object.create(null) } }, TypeError, /options\.heartbeat\.isServerPing must be/],
    [
      { heartbeat: { isServerPing: new Map() } },
      TypeError,
      /options\.heartbeat\.isServerPing must be a function or a plain object/,
    ],
    [
      { heartbeat: { isServerPing: null } },
      TypeError,
      /options\.heartbeat\.isServerPing must be a function or a plain object/,
    ],
    [
      { heartbeat: { ping: 42 } },
      TypeError,
      /options\.heartbeat\.ping must be data, a plain object, a function or false, got 42/,
    ],
    [
      { heartbeat: { serverPingReply: null } },
      TypeError,
      /options\.heartbeat\.serverPingReply must be data, a plain object or a function, got null/,
    ],
    [{ WebSocket: 'ws' }, TypeError, /options\.WebSocket must be a WebSocket constructor/],
    // Functions that `new` refuses: every attempt would fail with "… is not a constructor".
    [{ WebSocket: () => ({}) }, TypeError, /options\.WebSocket must be a WebSocket constructor.*, not a factory/],
    [{ WebSocket: { make() {} }.make }, TypeError, /options\.WebSocket must be a WebSocket constructor/],
    [{ WebSocket: async function () {} }, TypeError, /options\.WebSocket must be a WebSocket constructor/],
    // Objects without a prototype: the message is still the package's (String() of one throws).
    [
      { WebSocket: Object.create(null) },
      TypeError,
      /options\.WebSocket must be a WebSocket constructor.*, got \[object Object\]/,
    ],
    [{ clock: Object.create(null) }, TypeError, /options\.clock must be a \{ now, setTimeout, clearTimeout \} object/],
  ])('%j throws a %o naming the option', (options, Kind, message) => {
    expect(make(options)).toThrow(Kind);
    expect(make(options)).toThrow(message);
  });

  it('throws a TypeError telling how to pass a WebSocket when there is none', () => {
    const saved = globalThis.WebSocket;
    // jsdom provides one; Node 20 has none: the situation this message is for.
    (globalThis as { WebSocket?: unknown }).WebSocket = undefined;
    try {
      expect(() => new HeartbeatSocket('ws://a.test/')).toThrow(TypeError);
      // Not only "not a factory": none was given, and the runtime has none.
      expect(() => new HeartbeatSocket('ws://a.test/')).toThrow(
        /options\.WebSocket must be a WebSocket constructor \(none in Node < 22: pass the ws package's\)/,
      );
    } finally {
      globalThis.WebSocket = saved;
    }
  });

  it.each(['http://[bad', 'ftp://a.test/', 'ws://a.test/#frag', 'ws://a.test/#', 'mailto:x@y.z', 'ws://'])(
    'throws a SyntaxError for the URL %j',
    (url) => {
      expect(make({}, url)).toThrow(SyntaxError);
      expect(make({}, url)).toThrow(
        /url must be a ws:, wss:, http: or https: URL with its scheme \(or \.\/path in a page\), without #fragment/,
      );
    },
  );

  it('keeps credentials and the query string of a bad URL out of the error message', () => {
    expect(make({}, 'ftp://user:pw@a.test/x?token=SECRET')).toThrow(/url must be .*, got "ftp:\/\/a\.test\/x"$/);
  });

  it('shows the fragment it refuses, without its values (issue #20, item 6)', () => {
    expect(make({}, 'ws://host.test/ws#frag')).toThrow(/without #fragment, got "ws:\/\/host\.test\/ws#frag"$/);
    expect(make({}, 'ws://u:pw@host.test/ws?token=SECRET#access_token=SECRET&x=1')).toThrow(
      /, got "ws:\/\/host\.test\/ws#access_token"$/,
    );
  });

  it.each([
    ['127.0.0.1:8080/ws', 'wss://127.0.0.1:8080/ws'],
    ['example.com/live', 'wss://example.com/live'],
    ['localhost:8080', 'wss://localhost:8080'],
    ['example.com?token=SECRET', 'wss://example.com'],
  ])(
    'refuses the host without a scheme %j, though a page is there to resolve it against (issue #20, item 7)',
    (url, fix) => {
      expect(make({}, url)).toThrow(SyntaxError);
      expect(make({}, url)).toThrow(
        `URL with its scheme (or ./path in a page), without #fragment, got "${fix.slice(6)}"`,
      );
    },
  );

  it('refuses a relative path whose first segment has a dot, and says ./ takes it', () => {
    for (const url of ['chat.php', 'v1.2/ws']) {
      expect(make({}, url)).toThrow(/with its scheme \(or \.\/path in a page\)/);
      expect(make({}, `./${url}`)().url).toBe(`ws://${location.host}/${url}`);
    }
  });

  it('maps http: and https: to ws: and wss:, and resolves relative URLs against the page', () => {
    expect(make({}, 'http://a.test/x')().url).toBe('ws://a.test/x');
    expect(make({}, 'https://a.test/x?q=1')().url).toBe('wss://a.test/x?q=1');
    expect(make({}, new URL('wss://b.test/'))().url).toBe('wss://b.test/');
    expect(make({}, '/socket')().url).toBe(`ws://${location.host}/socket`);
    expect(make({}, 'socket/v1')().url).toBe(`ws://${location.host}/socket/v1`);
  });

  it('takes the options second when no protocols come before them, as the ws package does (issue #20, item 8)', async () => {
    vi.useFakeTimers();
    try {
      const socket = new HeartbeatSocket('ws://a.test/', { WebSocket, heartbeat: { interval: 100, timeout: 50 } });
      FakeWebSocket.last.serverOpen();
      await vi.advanceTimersByTimeAsync(100);
      expect(FakeWebSocket.last.protocols).toEqual([]);
      expect(FakeWebSocket.last.sent).toEqual(['ping']);
      socket.close();
    } finally {
      vi.useRealTimers();
    }
    // With a third argument, the second is the protocols, as ever.
    expect(() => new HeartbeatSocket('ws://a.test/', {} as string, { WebSocket })).toThrow(
      /protocols must be a string or an array of distinct strings/,
    );
  });

  it('takes as options second any object but an array: one without a prototype, one of another realm', async () => {
    const { runInNewContext } = await import('node:vm');
    const bare = Object.assign(Object.create(null) as object, { WebSocket, startClosed: true });
    const foreign = Object.assign(runInNewContext('({})') as object, { WebSocket, startClosed: true });
    const made = FakeWebSocket.instances.length;
    for (const options of [bare, foreign]) {
      const socket = new HeartbeatSocket('ws://a.test/', options);
      expect(socket.state).toBe('closed'); // startClosed was read
    }
    expect(FakeWebSocket.instances).toHaveLength(made);
    // With options third, an object second is refused, and the error says where options go.
    expect(() => new HeartbeatSocket('ws://a.test/', foreign as never as string, { WebSocket })).toThrow(
      /protocols must be .*options go third, or second without protocols/,
    );
  });

  it('throws a SyntaxError, as WebSocket does, for protocols that are not distinct tokens', () => {
    expect(() => new HeartbeatSocket('ws://a.test/', [{}] as unknown as string[], { WebSocket })).toThrow(SyntaxError);
    expect(() => new HeartbeatSocket('ws://a.test/', [{}] as unknown as string[], { WebSocket })).toThrow(
      /protocols must be a string or an array of distinct strings/,
    );
    expect(() => new HeartbeatSocket('ws://a.test/', ['a', 'a'], { WebSocket })).toThrow(/distinct strings.*, got a,a/);
    // Not a token: WebSocket's SyntaxError at construction, not an error event at every attempt.
    expect(() => new HeartbeatSocket('ws://a.test/', 'bad proto', { WebSocket })).toThrow(SyntaxError);
  });

  it('accepts every option at its documented default', () => {
    const { heartbeat, ...rest } = DEFAULTS;
    expect(() => make({ ...rest, heartbeat: { ...heartbeat } })()).not.toThrow();
  });

  it('fills every default', () => {
    const r = resolveOptions({ WebSocket, heartbeat: true });
    expect(r).toMatchObject({
      connectionTimeout: 10000,
      minReconnectionDelay: 1000,
      maxReconnectionDelay: 30000,
      reconnectionDelayGrowFactor: 2,
      jitter: 1,
      minUptime: 5000,
      maxRetries: Infinity,
      maxEnqueuedMessages: 10000,
      maxEnqueuedBytes: 4194304,
      queueOverflow: 'drop-newest',
      startClosed: false,
      replayUnconfirmed: false,
      debug: false,
      heartbeat: { interval: 25000, timeout: 10000, ping: 'ping', serverPingReply: 'pong', isServerPing: undefined },
    });
    expect((r.heartbeat?.isPong as (d: unknown) => boolean)('pong')).toBe(true);
    expect((r.heartbeat?.isPong as (d: unknown) => boolean)('ping')).toBe(false);
    expect(resolveOptions({ WebSocket }).heartbeat).toBeUndefined();
    expect(resolveOptions({ WebSocket, heartbeat: false }).heartbeat).toBeUndefined();
  });

  it('raises the default cap to a minimum delay set above it', () => {
    expect(resolveOptions({ WebSocket, minReconnectionDelay: 60000 }).maxReconnectionDelay).toBe(60000);
  });
});

describe('what each option accepts: the edges of its rule', () => {
  afterEach(() => vi.restoreAllMocks());
  const resolve = (options: object) => () => resolveOptions({ WebSocket, ...options } as never);
  const clock = { now: () => 0, setTimeout: () => 0, clearTimeout: () => {} };

  it('accepts the edges of each range and every documented form', () => {
    const bytes = new Uint8Array([1]);
    for (const options of [
      { jitter: 0 },
      { jitter: 1 },
      { reconnectionDelayGrowFactor: 1 },
      { queueOverflow: 'drop-newest' },
      { queueOverflow: 'drop-oldest' },
      { lifecycle: false },
      { lifecycle: () => () => {} },
      { clock },
      // Any object with an attach(), the shape the option takes (docs/development.md, extension points).
      { outbox: { attach: () => undefined } },
      { heartbeat: { isPong: () => true, isServerPing: { type: 'ping' } } },
      // A pattern without a prototype, or of another realm, is a plain object too.
      { heartbeat: { isPong: Object.assign(Object.create(null) as object, { type: 'pong' }) } },
      { heartbeat: { isServerPing: vm.runInNewContext('({ type: "ping" })') as object } },
      { heartbeat: { ping: false } },
      { heartbeat: { ping: 'p', serverPingReply: 'r' } },
      { heartbeat: { ping: () => 'p', serverPingReply: () => 'r' } },
      { heartbeat: { ping: bytes, serverPingReply: bytes } },
      { heartbeat: true, replayUnconfirmed: true },
    ]) {
      expect(resolve(options), JSON.stringify(options)).not.toThrow();
    }
  });

  it('accepts any constructor as WebSocket, and connects with it: a function, a bound class, a Proxy of one', () => {
    function Plain(this: object, url: string) {
      return new FakeWebSocket(url);
    }
    for (const Kind of [Plain, FakeWebSocket.bind(null), new Proxy(FakeWebSocket, {})]) {
      FakeWebSocket.instances = [];
      const socket = new HeartbeatSocket('ws://a.test/', undefined, { WebSocket: Kind as unknown as typeof WebSocket });
      expect(FakeWebSocket.instances.map((ws) => ws.url)).toEqual(['ws://a.test/']);
      socket.close();
    }
  });

  // Reflect.construct(Object, [], WebSocket) as the check once was: V8 then kept a map for the
  // class's instances made by Object, and each socket of the `ws` package took 3 kB more.
  it('checks that WebSocket is a constructor without making anything with it, its prototype unread', () => {
    const reads: PropertyKey[] = [];
    const Watched = new Proxy(FakeWebSocket, {
      get: (target, key, receiver) => (reads.push(key), Reflect.get(target, key, receiver)),
    });
    new HeartbeatSocket('ws://a.test/', undefined, { WebSocket: Watched as never, startClosed: true }).close();
    expect(reads).not.toContain('prototype');
  });

  it.each([
    [{ heartbeat: null }, /options\.heartbeat must be a boolean or an object, got null/],
    [
      { clock: { now: clock.now, setTimeout: clock.setTimeout } },
      /options\.clock must be a \{ now, setTimeout, clearTimeout \}/,
    ],
    [{ clock: { now: clock.now, clearTimeout: clock.clearTimeout } }, /options\.clock must be a \{ now, setTimeout/],
    [{ lifecycle: true }, /options\.lifecycle must be a function or false, got true/],
    [{ replayUnconfirmed: true }, /options\.replayUnconfirmed must be used with a heartbeat that pings, got true/],
    [
      { replayUnconfirmed: true, heartbeat: { ping: false } },
      /options\.replayUnconfirmed must be used with a heartbeat that pings/,
    ],
  ])('%j throws a TypeError naming the option', (options, message) => {
    expect(resolve(options)).toThrow(TypeError);
    expect(resolve(options)).toThrow(message);
  });

  it('refuses options that are not an object', () => {
    expect(() => resolveOptions('fast' as never)).toThrow(TypeError);
    expect(() => resolveOptions('fast' as never)).toThrow(/heartbeat-ws: options must be an object, got "fast"/);
  });

  it('takes an undefined value as the default, and leaves keys it does not know out (warning of them, below)', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const r = resolveOptions({
      WebSocket,
      maxRetries: undefined,
      heartbeat: { interval: undefined },
      nonsense: 1,
    } as never);
    expect(r.maxRetries).toBe(Infinity);
    expect(r.heartbeat?.interval).toBe(25000);
    expect('nonsense' in r).toBe(false);
  });

  it('sends a plain-object ping or reply as its JSON, and binary data as it is', () => {
    const bytes = new Uint8Array([1]);
    const a = resolveOptions({ WebSocket, heartbeat: { ping: { type: 'ping' }, serverPingReply: bytes } });
    expect([a.heartbeat?.ping, a.heartbeat?.serverPingReply]).toEqual(['{"type":"ping"}', bytes]);
    const b = resolveOptions({ WebSocket, heartbeat: { ping: bytes, serverPingReply: { type: 'pong' } } });
    expect([b.heartbeat?.ping, b.heartbeat?.serverPingReply]).toEqual([bytes, '{"type":"pong"}']);
  });
});

describe('unknown options (issue #20, item 3)', () => {
  afterEach(() => vi.restoreAllMocks());
  const warnings = (options: object): string[] => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    resolveOptions({ WebSocket, ...options });
    const said = warn.mock.calls.map((call) => call.join(' '));
    warn.mockRestore();
    return said;
  };

  it('names misspelt and misplaced options and heartbeat fields in one warning, each with the name it meant', () => {
    expect(warnings({ hearbeat: true, isPong: 'pong', heartbeat: { pingg: 'x', maxRetries: 3 } })).toEqual([
      'heartbeat-ws: unknown options.hearbeat (options.heartbeat?), options.isPong (options.heartbeat.isPong?), ' +
        'options.heartbeat.pingg (options.heartbeat.ping?), options.heartbeat.maxRetries (options.maxRetries?)',
    ]);
  });

  it("says where protocols go, and that a browser sends no headers, for the two that are WebSocket's or ws's, not options", () => {
    expect(warnings({ protocols: ['chat'], headers: { Authorization: 'Bearer x' } })).toEqual([
      'heartbeat-ws: unknown options.protocols (protocols go second: new HeartbeatSocket(url, protocols, options)), ' +
        'options.headers (a browser sends no headers: docs/recipes.md, auth)',
    ]);
  });

  it("ignores, and names, an option called as one of Object.prototype's names, as any unknown one", () => {
    // It threw "function is not iterable", and `__proto__` (options parsed from JSON) replaced the
    // resolved options' prototype.
    const options = JSON.parse('{"constructor": 1, "toString": 2, "__proto__": {"replayUnconfirmed": true}}');
    expect(warnings(options)).toEqual([
      'heartbeat-ws: unknown options.constructor, options.toString, options.__proto__',
    ]);
    const resolved = resolveOptions({ WebSocket, ...options });
    expect([Object.getPrototypeOf(resolved), resolved.replayUnconfirmed]).toEqual([Object.prototype, false]);
  });

  it('names an unknown option that is like none without a guess', () => {
    expect(warnings({ flavour: 'vanilla', timeout: 5 })).toEqual([
      'heartbeat-ws: unknown options.flavour, options.timeout (options.heartbeat.timeout?)',
    ]);
  });

  it('says nothing of known options, nor of undefined ones', () => {
    expect(warnings({ heartbeat: { interval: 5, isPong: undefined }, debug: undefined, minUptime: 0 })).toEqual([]);
    // Every field and option there is, by the resolved defaults' names.
    const { heartbeat, ...top } = resolveOptions({ WebSocket, heartbeat: true });
    expect(warnings({ ...top, heartbeat: { ...heartbeat } })).toEqual([]);
    expect(Object.keys(heartbeat!)).toEqual(expect.arrayContaining(['isPong', 'isServerPing', 'serverPingReply']));
  });

  it('names only the unknown field beside the two recognisers, which have no default to be known by', () => {
    // A warning is said once a page, and other tests give these fields: the unknown one is new.
    expect(warnings({ heartbeat: { isPong: { type: 'pong' }, isServerPing: { type: 'ping' }, unheardOf: 1 } })).toEqual(
      ['heartbeat-ws: unknown options.heartbeat.unheardOf'],
    );
  });

  it('is development-only: with NODE_ENV=production, as a production bundle has it, nothing is said', () => {
    vi.stubEnv('NODE_ENV', 'production');
    try {
      expect(warnings({ hearbeat: true, prod: 1 })).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(warnings({ hearbeat: true, prod: 1 })).toEqual([
      'heartbeat-ws: unknown options.hearbeat (options.heartbeat?), options.prod',
    ]);
  });

  it('warns where there is no `process` at all (a page loading the ES module without a bundler)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // Vitest's own calls need `process`: it is away only while the options are resolved.
    vi.stubGlobal('process', undefined);
    try {
      resolveOptions({ WebSocket, withoutProcess: 1 } as never);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(warn.mock.calls).toEqual([['heartbeat-ws: unknown options.withoutProcess']]);
  });

  it('says each mistake once, though other sockets with other mistakes come between', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    for (let i = 0; i < 2; i++) {
      make({ pingIntervall: 1 })();
      make({ retrys: 1 })();
    }
    expect(warn.mock.calls).toEqual([
      ['heartbeat-ws: unknown options.pingIntervall (options.heartbeat.interval?)'],
      ['heartbeat-ws: unknown options.retrys'],
    ]);
  });

  it('says the same mistake once, however many sockets repeat it', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    make({ reconectionDelay: 1 })();
    make({ reconectionDelay: 1 })();
    expect(warn.mock.calls).toEqual([
      ['heartbeat-ws: unknown options.reconectionDelay (options.maxReconnectionDelay?)'],
    ]);
  });
});

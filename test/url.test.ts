/** src/url.ts: where attempts go, and what of a URL may reach a log line. */
import { expect, it, vi } from 'vitest';
import { redact, toArgs, toProtocols, toTarget, toWebSocketUrl, urlOf } from '../src/url';

it('parses URLs as `new WebSocket(url)` does: http(s) becomes ws(s), relative ones resolve against the page', () => {
  expect(toWebSocketUrl('ws://example.test/live')).toBe('ws://example.test/live');
  expect(toWebSocketUrl('https://example.test:8443/a?b=1')).toBe('wss://example.test:8443/a?b=1');
  expect(toWebSocketUrl(new URL('http://example.test'))).toBe('ws://example.test/');
  const page = new URL(location.href);
  expect(toWebSocketUrl('/live')).toBe(`${page.protocol.replace('http', 'ws')}//${page.host}/live`);
});

it('refuses other schemes, fragments and garbage with a SyntaxError that names the option', () => {
  for (const bad of [
    'ftp://example.test/',
    'xws://example.test/',
    'ws://example.test/#x',
    'ws://example.test/#',
    'http://[::1',
  ]) {
    expect(() => toWebSocketUrl(bad)).toThrow(SyntaxError);
  }
  expect(() => toWebSocketUrl('ftp://x.test/')).toThrow(/heartbeat-ws: url must be a ws:, wss:, http: or https: URL/);
});

it('parses absolute URLs where there is no page (Node, a worker), and refuses relative ones there', () => {
  vi.stubGlobal('location', undefined);
  try {
    expect(toWebSocketUrl('wss://example.test/live')).toBe('wss://example.test/live');
    expect(toWebSocketUrl('http://example.test/')).toBe('ws://example.test/');
    expect(() => toWebSocketUrl('/live')).toThrow(SyntaxError);
  } finally {
    vi.unstubAllGlobals();
  }
});

it('refuses a host without a scheme even on a page, where it would resolve as a path', () => {
  for (const bad of ['example.test/live', 'my-host.example:8443/ws', '127.0.0.1:8080/ws', 'localhost:8080']) {
    expect(() => toWebSocketUrl(bad), bad).toThrow(SyntaxError);
  }
});

it('keeps credentials and tokens out of the error it throws for a bad URL', () => {
  let message = '';
  try {
    toWebSocketUrl('ftp://alice:s3cret@example.test/live?token=abc123#frag=xyz789');
  } catch (error) {
    message = (error as Error).message;
  }
  // The fragment's name shows (issue #20, item 6: the fragment is what is wrong), not its value.
  expect(message).toMatch(/got "ftp:\/\/example.test\/live#frag"$/);
  expect(message).not.toMatch(/alice|s3cret|abc123|xyz789/);
});

it('refuses a fragment that is a bare token without showing it: #… stands for it', () => {
  expect(() => toWebSocketUrl('wss://example.test/live#eyJhbGciOiJIUzI1NiJ9.e30.c2ln')).toThrow(
    /got "wss:\/\/example.test\/live#…"$/,
  );
});

it('redacts credentials, the query string and any value for logs and errors, and keeps the rest', () => {
  expect(redact('wss://user:pass@example.test:8443/path/x?token=abc&x=1#f')).toBe('wss://example.test:8443/path/x#f');
  expect(redact('ws://example.test/a#access_token=t&b=2')).toBe('ws://example.test/a#access_token');
  expect(redact('ws://example.test/a?q=1#k=v?x=1')).toBe('ws://example.test/a#k');
  expect(redact('ws://example.test/a?access_token=t')).toBe('ws://example.test/a');
  expect(redact('ws://user@example.test/')).toBe('ws://example.test/');
  expect(redact('ws://example.test/a/b')).toBe('ws://example.test/a/b');
  // An @ in the query is not taken for credentials (the path stays).
  expect(redact('ws://example.test/p?mail=a@b.test')).toBe('ws://example.test/p');
  // A fragment without `=` may be a bare token: only a short name of [\w-] shows, else `#…`.
  expect(redact('ws://example.test/a#eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.sig')).toBe('ws://example.test/a#…');
  expect(redact('ws://example.test/a#token:abc123')).toBe('ws://example.test/a#…');
  expect(redact('ws://example.test/a#0123456789abcdefg')).toBe('ws://example.test/a#…');
  expect(redact('ws://example.test/a#0123456789abcdef')).toBe('ws://example.test/a#0123456789abcdef');
  expect(redact('ws://example.test/a#')).toBe('ws://example.test/a#');
});

it('checks a list of URLs at once, and refuses an empty one', () => {
  expect(toTarget(['ws://a.test', 'https://b.test/x'])).toEqual(['ws://a.test/', 'wss://b.test/x']);
  expect(toTarget('ws://a.test')).toEqual(['ws://a.test/']);
  expect(() => toTarget(['ws://a.test', 'ftp://b.test'])).toThrow(SyntaxError);
  expect(() => toTarget([])).toThrow(/list of URLs is empty/);
});

it('keeps a URL provider as it is, to be called before each attempt', () => {
  const provider = () => 'ws://a.test';
  expect(toTarget(provider)).toBe(provider);
});

it('rotates through the endpoints of a list, one further per failed attempt, wrapping around', () => {
  const target = toTarget(['ws://a.test', 'ws://b.test', 'ws://c.test']);
  expect([0, 1, 2, 3, 4, 7].map((failures) => urlOf(target, failures))).toEqual([
    'ws://a.test/',
    'ws://b.test/',
    'ws://c.test/',
    'ws://a.test/',
    'ws://b.test/',
    'ws://b.test/',
  ]);
});

it('asks a provider for each attempt and checks its answer, sync or async', async () => {
  let calls = 0;
  const target = toTarget(() => `http://host.test/?n=${++calls}`);
  await expect(urlOf(target, 0)).resolves.toBe('ws://host.test/?n=1');
  await expect(urlOf(target, 5)).resolves.toBe('ws://host.test/?n=2');
  await expect(
    urlOf(
      toTarget(async () => new URL('https://h.test')),
      0,
    ),
  ).resolves.toBe('wss://h.test/');
  await expect(
    urlOf(
      toTarget(() => 'ftp://h.test'),
      0,
    ),
  ).rejects.toThrow(SyntaxError);
});

it("turns a provider's throw into a rejection, not a throw", async () => {
  const boom = new Error('no token');
  const target = toTarget(() => {
    throw boom;
  });
  const next = urlOf(target, 0);
  await expect(next).rejects.toBe(boom);
});

it('takes subprotocols as a string or a list of distinct strings, none as []', () => {
  expect(toProtocols(undefined)).toEqual([]);
  expect(toProtocols('chat')).toEqual(['chat']);
  expect(toProtocols(['a', 'b'])).toEqual(['a', 'b']);
  expect(toProtocols(["v1.chat!#$%&'*+-^_`|~"])).toEqual(["v1.chat!#$%&'*+-^_`|~"]);
  expect(() => toProtocols([{}] as never)).toThrow(/protocols must be a string or an array of distinct strings/);
  // As WebSocket: a repeated one, or one that is not a token, is a SyntaxError, thrown here
  // rather than failing every attempt.
  for (const bad of [
    ['a', 'a'],
    'bad proto',
    '',
    ['chat', 'a,b'],
    'é',
    'a/b',
    [{}],
    [1],
    ['1', 1],
    [undefined],
  ] as never[]) {
    expect(() => toProtocols(bad), String(bad)).toThrow(SyntaxError);
    expect(() => toProtocols(bad), String(bad)).toThrow(/each a token/);
  }
});

it('takes an object second, with nothing third, as the options (the `ws` package order); anything else as protocols', () => {
  const options = { debug: true };
  // Of another realm or prototype, still options.
  const bare = Object.assign(Object.create(null) as object, { debug: true });
  expect(toArgs(options, undefined)).toEqual([undefined, options]);
  expect(toArgs(bare, undefined)[1]).toBe(bare);
  expect(toArgs('chat', undefined)).toEqual(['chat', undefined]);
  expect(toArgs(['chat', 'v2'], undefined)).toEqual([['chat', 'v2'], undefined]);
  expect(toArgs(undefined, options)).toEqual([undefined, options]);
  expect(toArgs(undefined, undefined)).toEqual([undefined, undefined]);
  // With options third, the second stays protocols, whatever it is: their check names it.
  expect(toArgs<object>({ odd: 1 }, options)).toEqual([{ odd: 1 }, options]);
  expect(toArgs(['chat'], options)).toEqual([['chat'], options]);
});

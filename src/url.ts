/**
 * Where attempts go: URL parsing as `new WebSocket(url)` does it, redaction for logs, the
 * rotation through a list of endpoints or the call to a URL provider, and the subprotocols.
 */
import { fail } from './fail';

/** Called before every attempt, so each one can carry a fresh token. */
export type UrlProvider = () => string | URL | Promise<string | URL>;

/** What the constructor accepts as `url`: one endpoint, a list to rotate through, or a provider. */
export type UrlInput = string | URL | readonly (string | URL)[] | UrlProvider;

/** Endpoints to rotate through (checked), or the provider asked before each attempt. */
export type Target = readonly string[] | UrlProvider;

/**
 * Parses a URL the way `new WebSocket(url)` does: `ws:`/`wss:`, with `http:`/`https:` mapped to
 * them and relative URLs resolved against the page; anything else is a SyntaxError.
 */
export function toWebSocketUrl(input: string | URL): string {
  const text = String(input);
  let url: URL | undefined;
  try {
    url = new URL(text, (globalThis as { location?: { href: string } }).location?.href);
    url.protocol = url.protocol.replace(/^http/, 'ws');
  } catch {
    // Unparsable: reported below with the other invalid URLs.
  }
  // `url.hash` is empty for a bare '#', which the WebSocket constructor refuses all the same: the
  // text is tested. So is a host without a scheme ('example.com/live', '127.0.0.1:8080/ws'): a
  // relative path to a browser, which resolves it against the page (ws://page/example.com/live),
  // and an error in Node, which has no page; an error in both.
  if (!url || !/^wss?:$/.test(url.protocol) || /#|^[\w-]+(\.\w|:\d)/.test(text)) {
    // Redacted: the message may reach logs, the URL a token. A fragment shows, up to a value.
    fail(
      SyntaxError,
      'url',
      'a ws:, wss:, http: or https: URL with its scheme (or ./path in a page), without #fragment',
      redact(text),
    );
  }
  return (url as URL).href;
}

/**
 * A URL fit for a log line or an error: no credentials, query string or value. A query goes,
 * and so does everything from a `=` on (a value in a fragment, `#access_token=…`: the fragment's
 * name stays, for the error that refuses it); `//user:pass@` becomes `//`. Then a fragment shows
 * only as a short name (up to 16 of [\w-]), else as `#…`: a bare token (`#eyJhbGci….sig`,
 * `#token:abc`) never shows.
 */
export const redact = (url: string): string =>
  url.replace(/\?[^#]*|=.*|(\/\/)[^/@]*@/g, '$1').replace(/#(?![\w-]{0,16}$).*/, '#…');

/** Checks the constructor's `url` at once: a static one (or list) is parsed, a provider kept. */
export function toTarget(input: UrlInput): Target {
  // `[x].flat()` is x's items for an array, else [x] (as for `protocols` below).
  const target = typeof input === 'function' ? input : [input].flat().map(toWebSocketUrl);
  if (typeof target !== 'function' && !target.length) throw new SyntaxError('heartbeat-ws: the list of URLs is empty');
  return target;
}

/**
 * The URL of the attempt after `failures` failed ones: the next endpoint of a list, at once, or
 * the provider's answer, checked (a throw or a rejection is the promise's).
 */
export const urlOf = (target: Target, failures: number): string | Promise<string> =>
  typeof target === 'function'
    ? new Promise<string | URL>((resolve) => resolve(target())).then((url) =>
        // No answer is no URL: String(undefined) would be the relative URL 'undefined'. (A URL
        // of another realm, an iframe's, passes, as it does to the constructor.)
        toWebSocketUrl(url ?? fail(TypeError, "url()'s answer", 'a string or URL', url)),
      )
    : (target[failures % target.length] as string);

/**
 * The subprotocols as a list: a string, or an array of strings, passes; none is `[]`, never
 * `"null"`. As WebSocket does, one that is not a token (RFC 6455: letters, digits and
 * !#$%&'*+-.^_`|~), or one repeated, is a SyntaxError here, not an error at every attempt; so
 * is one that is not a string (the `ws` package refuses those; a browser would read `1` as "1").
 */
export function toProtocols(protocols: string | string[] | undefined): string[] {
  const list = protocols == null ? [] : [protocols].flat();
  if (!list.every((p, i) => typeof p === 'string' && /^[\w!#$%&'*+.^`|~-]+$/.test(p) && list.indexOf(p) === i)) {
    fail(
      SyntaxError,
      'protocols',
      'a string or an array of distinct strings, each a token (options go third, or second without protocols)',
      protocols,
    );
  }
  return list;
}

/**
 * The constructor's arguments after `url`, as `[protocols, options]`: an object second (not an
 * array; of any realm or prototype) with nothing third is the options (the `ws` package's order).
 */
export const toArgs = <O extends object>(
  protocols: string | string[] | O | undefined,
  options: O | undefined,
): [string | string[] | undefined, O | undefined] =>
  options || Object(protocols) !== protocols || Array.isArray(protocols)
    ? [protocols as string | string[] | undefined, options]
    : [undefined, protocols as O];

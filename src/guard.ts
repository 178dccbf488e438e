import type { Clock } from './env/clock';

/**
 * Calls the user's `fn` with `args`, or returns `fn` itself when it is not a function (an option
 * given as a value); a throw reads as `undefined`, so user code never breaks the socket's own
 * bookkeeping.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Guard = <T>(fn: ((...args: any[]) => T) | T | undefined, ...args: unknown[]) => T | undefined;

type Guarded = { name: string };

/**
 * A guard for the callback options (recognisers, ping and reply functions, `shouldReconnect`,
 * `stamp`, a lifecycle's uninstaller, an extension's interceptor, a message's tracker): a throw is logged to
 * `console.error`, never thrown, since one that runs on every message (`JSON.parse` of a
 * server's non-JSON chatter) must neither crash the host nor flood its log: at most one report
 * per 10 s per socket. Not an `error` event: apps read those as connection trouble. Both sockets
 * (the core socket and the tab-sharing one) use it, so a callback fails alike in both.
 */
export const guard = (clock: Clock): Guard => {
  let quiet = -Infinity;
  return (fn, ...args) => {
    try {
      return typeof fn === 'function' ? (fn as (...args: unknown[]) => never)(...args) : fn;
    } catch (error) {
      if (clock.now() >= quiet) {
        quiet = clock.now() + 1e4;
        console.error('[heartbeat-ws]', (fn as Guarded).name, 'threw', error);
      }
    }
  };
};

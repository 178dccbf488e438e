/**
 * What the page or the runtime tells a socket:
 * - `online` / `offline`: the network came back / went away (a hint: a connection that works wins);
 * - `resume`: the page became visible or was resumed: check the link now, or retry now;
 * - `freeze`: the page goes into the back/forward cache: let go of the connection;
 * - `restore`: the page came back from the back/forward cache: connect again.
 */
export type LifecycleSignal = 'online' | 'offline' | 'resume' | 'freeze' | 'restore';

/**
 * Installs listeners that call `notify`, and returns the function that removes them. A socket
 * installs one while it lives and removes it on `close()`.
 */
export type Lifecycle = (notify: (signal: LifecycleSignal) => void) => () => void;

/**
 * The browser's hooks: `online`/`offline` and `pageshow`/`pagehide` on window,
 * `visibilitychange` and `resume` on document. Installs nothing where there is no window
 * (Node, server-side rendering, workers), so importing and constructing there is safe.
 */
export const browserLifecycle: Lifecycle = (notify) => {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => {};
  const resume = () => document.visibilityState !== 'hidden' && notify('resume');
  const on: [EventTarget, string, (event: Event) => void][] = [
    [window, 'online', () => notify('online')],
    [window, 'offline', () => notify('offline')],
    [window, 'pagehide', (e) => (e as PageTransitionEvent).persisted && notify('freeze')],
    [window, 'pageshow', (e) => ((e as PageTransitionEvent).persisted ? notify('restore') : resume())],
    [document, 'visibilitychange', resume],
    [document, 'resume', resume],
  ];
  for (const [target, type, fn] of on) target.addEventListener(type, fn);
  if (navigator.onLine === false) notify('offline');
  return () => {
    for (const [target, type, fn] of on) target.removeEventListener(type, fn);
  };
};

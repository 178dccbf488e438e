/**
 * src/env/lifecycle.ts: what the page tells a socket. Each browser event maps to one signal,
 * and the uninstaller leaves no listener behind.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { browserLifecycle, type LifecycleSignal } from '../../src/env/lifecycle';

let uninstall = () => {};
afterEach(() => {
  uninstall();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function install() {
  const signals: LifecycleSignal[] = [];
  uninstall = browserLifecycle((s) => void signals.push(s));
  return signals;
}
const pageTransition = (type: string, persisted: boolean) =>
  Object.assign(new Event(type), { persisted }) as unknown as PageTransitionEvent;

it('maps online and offline to themselves', () => {
  const signals = install();
  window.dispatchEvent(new Event('offline'));
  window.dispatchEvent(new Event('online'));
  expect(signals).toEqual(['offline', 'online']);
});

it('tells freeze and restore for the back/forward cache only', () => {
  const signals = install();
  // A page unloaded for good (not kept in the cache) tells nothing: the socket goes with it.
  window.dispatchEvent(pageTransition('pagehide', false));
  expect(signals).toEqual([]);
  window.dispatchEvent(pageTransition('pagehide', true));
  expect(signals).toEqual(['freeze']);
  window.dispatchEvent(pageTransition('pageshow', true));
  expect(signals).toEqual(['freeze', 'restore']);
});

it('tells resume when the page becomes visible or is resumed, never while hidden', () => {
  const signals = install();
  const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
  document.dispatchEvent(new Event('visibilitychange'));
  document.dispatchEvent(new Event('resume'));
  expect(signals).toEqual([]);
  visibility.mockReturnValue('visible');
  document.dispatchEvent(new Event('visibilitychange'));
  document.dispatchEvent(new Event('resume'));
  window.dispatchEvent(pageTransition('pageshow', false));
  expect(signals).toEqual(['resume', 'resume', 'resume']);
});

it('tells offline at once when the browser is offline at install', () => {
  vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
  expect(install()).toEqual(['offline']);
});

it('removes every listener it added', () => {
  const signals = install();
  uninstall();
  window.dispatchEvent(new Event('offline'));
  window.dispatchEvent(pageTransition('pagehide', true));
  document.dispatchEvent(new Event('visibilitychange'));
  expect(signals).toEqual([]);
});

// Where there is no page, or half of one, it installs nothing and throws nothing, so a socket can
// be made there: Node, server rendering, a worker (neither), Deno 1.x (a global window, no
// document), a DOM library that made only its document global (no window).
it('installs nothing and throws nothing with neither window nor document', () => {
  vi.stubGlobal('window', undefined);
  vi.stubGlobal('document', undefined);
  expect(install()).toEqual([]);
});

it('installs nothing and throws nothing with a window but no document (Deno 1.x)', () => {
  vi.stubGlobal('document', undefined);
  const signals = install();
  window.dispatchEvent(new Event('offline'));
  expect(signals).toEqual([]);
});

it('installs nothing and throws nothing with a document but no window', () => {
  vi.stubGlobal('window', undefined);
  const signals = install();
  document.dispatchEvent(new Event('resume'));
  expect(signals).toEqual([]);
});

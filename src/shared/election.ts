/** Whether this runtime can share a connection between tabs: Web Locks and BroadcastChannel. */
export const canShare = (): boolean =>
  typeof BroadcastChannel === 'function' &&
  typeof navigator !== 'undefined' &&
  typeof (navigator as Partial<Navigator>).locks?.request === 'function';

/**
 * Asks for the Web Lock `name` and holds it until the returned function is called; `granted`
 * runs when this tab gets it, `refused` when the browser refuses locks here (a SecurityError:
 * an opaque origin, a sandboxed iframe). The browser releases a lock when its tab closes,
 * crashes or navigates away, so the next tab in line gets it at once: that is the leader
 * election.
 */
export function hold(name: string, granted: () => void, refused: () => void): () => void {
  const abort = new AbortController();
  let release: (() => void) | undefined;
  let done = false;
  navigator.locks
    .request(name, { signal: abort.signal }, () => {
      if (done) return;
      granted();
      return new Promise<void>((resolve) => (release = resolve));
    })
    // AbortError: let go of before it was granted.
    .catch((error: unknown) => (error as Error)?.name !== 'AbortError' && refused());
  return () => {
    done = true;
    if (release) release();
    else abort.abort();
  };
}

/**
 * How many locks named `prefix` and one word (a tab's id) are held (by every tab of the origin):
 * not those of a channel whose own name starts with this one's and " tab". 1 where the browser
 * refuses locks (each tab has its own connection then).
 */
export async function countHeld(prefix: string): Promise<number> {
  try {
    const { held = [] } = await navigator.locks.query();
    return held.filter(({ name = '' }) => name.startsWith(prefix) && !name.slice(prefix.length).includes(' ')).length;
  } catch {
    return 1;
  }
}

import { DROPS_KEPT, type Told } from './leader';

/** The storage key: tab ids only (random, one per tab's life), no channel or URL (a token). */
const KEY = 'heartbeat-ws sent';

/** How many tabs' marks are kept (those heard of last): one entry is about 25 bytes. */
const KEPT = 1000;

/**
 * Lets go of the marks of all but the KEPT tabs heard of last, in memory as in storage: a tab
 * that lives for weeks hears a new tab id at every reload of every other tab.
 */
export const trim = (heard: Record<string, number>): void => {
  for (const tab of Object.keys(heard).slice(0, -KEPT)) delete heard[tab];
};

/**
 * Where tabs share, what left the leader's socket outlives its term. A tab learns it only while
 * it listens: one that was away when the leader said so (`close()`, the back/forward cache), and
 * comes back as the next leader, would send those messages again, or take a message the leader
 * dropped meanwhile for written. So a leader leaves, as it hands over (a crash leaves nothing),
 * its settled marks (for each tab, the number up to which its messages left the socket or were
 * dropped) and the drops it told, in localStorage, the one storage every tab of the origin reads
 * at once; a new leader adds them to its own. One key for every channel (tab ids are unique),
 * the tabs heard of last the last to go.
 *
 * Merges what is stored into `heard` and `drops` (the stored ones older, each drop once), then,
 * with `write`, stores the result. Where storage is missing (a worker), refused (blocked site
 * data, a sandboxed iframe) or full, nothing is kept: a returning tab may then send again what
 * it missed.
 */
export function marks(heard: Record<string, number>, drops: Told[], write?: boolean): void {
  try {
    const [m, d] = JSON.parse(localStorage.getItem(KEY) ?? '[[],[]]') as [[string, number][], Told[]];
    // Built apart first: a stored value not ours throws before anything here changed.
    const merged: Record<string, number> = {};
    for (const [tab, n] of [...m, ...Object.entries(heard)]) {
      const most = Math.max(merged[tab] ?? 0, n);
      // Moved to the end: the tabs heard of last are the last to go.
      delete merged[tab];
      merged[tab] = most;
    }
    drops.unshift(...d.filter((x) => !drops.some((y) => y.to === x.to && y.n === x.n)));
    // A tab whose drop goes loses its mark too: it sends again what it still holds (a duplicate
    // at worst), rather than take the dropped message for written.
    for (const x of drops.splice(0, drops.length - DROPS_KEPT)) delete merged[x.to];
    for (const tab in heard) delete heard[tab];
    Object.assign(heard, merged);
    trim(heard);
    if (write) localStorage.setItem(KEY, JSON.stringify([Object.entries(heard), drops]));
  } catch {
    // Nothing is known, or nothing kept.
  }
}

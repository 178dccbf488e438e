/** How many tabs' marks are kept (those heard of last): one entry is about 25 bytes. */
const KEPT = 1000;

/**
 * Where tabs share, what left the leader's socket outlives its term. A tab learns it only while
 * it listens: one that was away when the leader said so (`close()`, the back/forward cache), and
 * comes back as the next leader, would send those messages again. So a leader leaves its settled
 * marks (for each tab, the number up to which its messages left the socket) as it hands over (a
 * crash leaves nothing), in localStorage under the channel's name, the one storage every tab of
 * the origin reads at once; a new leader adds them to its own (`write` false).
 *
 * Where storage is missing (a worker), refused (blocked cookies, a sandboxed iframe) or full,
 * nothing is kept: a returning tab may then send again what it missed.
 */
export function marks(name: string, heard: Record<string, number>, write?: boolean): void {
  try {
    if (write) localStorage.setItem(name, JSON.stringify(Object.entries(heard).slice(-KEPT)));
    else
      for (const [tab, n] of JSON.parse(localStorage.getItem(name) ?? '[]') as [string, number][])
        heard[tab] = Math.max(heard[tab] ?? 0, n);
  } catch {
    // Nothing is known, or nothing kept; what was not ours under the name is left as it was.
  }
}

/**
 * The `heartbeat-ws/outbox` entry as users get it: by require(), by import, and by a <script>
 * tag (global `HeartbeatWSOutbox`, beside the core's), with its own size budget. Reads dist/,
 * which `npm test` builds first (pretest). The package-wide checks (publint, attw on the packed
 * tarball) are in package.test.ts and cover this entry too.
 */
import { describeEntryBesideCore } from './entry';

/**
 * The budget for the outbox minified UMD, gzipped (level 9), in bytes: what indexedDbOutbox()
 * adds to a page that already loads the core. 1,664 B when set (indexedDbOutbox, deleteOutbox,
 * the batched writes, Blobs kept as bytes, the recovery under Web Locks at the first attempt, the
 * argument checks); 1,678 B with each task's commit asked for as the task ends (+14 B, so that a
 * reload does not abort the last task's writes in Chromium); 1,905 B with the check of a page
 * back from the back/forward cache (+227 B: WebKit lets go of a cached page's Web Locks, and the
 * page sent again what another page had taken over); 1,969 B once it takes back the lock of every
 * owner of what it keeps and tells its own locks by their client id (+64 B); 2,077 B (+112 B, over
 * the 2,000 B budget: the product owner's call) with SharedHeartbeatSocket's leader owning the
 * outbox: each row stores its tab and number, a recovered one with them goes to the leader
 * (`adopt`), and a leader that hands over lets go of its locks (`letGo`: not `release`, which the core's UMD shortens).
 * 2,066 B (-11 B): a write with no database keeps what is pending instead of dropping it when the
 * outbox was refused (it leaves as its message is sent, or is stored if the database answers
 * late); `untrack` taking the oldest of a tracker's messages cost 0 B.
 * The core's side of it (option `outbox`: the first attempt waiting for the recovery, each
 * message's tracker handed to the outbox) costs the core's UMD 129 B (5,739 to 5,868 B), and
 * 20 B more for the hooks `pause` and `pull` of the back/forward cache check (6,051 to 6,071 B).
 * 2,077 B (+11 B): fail's message for a value without a prototype (String() of one threw).
 * 2,083 B (+6 B): deleteOutbox() rejects without IndexedDB (it threw a ReferenceError past its .catch()).
 * 2,081 B (-2 B): terser's options of the size hunt (passes 4, inline 1, no unsafe_methods).
 * 2,172 B (+91 B): what ended pages left is read one row at a time (one that IndexedDB could not
 * read back turned the outbox off for good, and every later reload lost its queue without a drop
 * event), and a socket closed before it connected takes none of it, and neither waits nor warns
 * (it held a crashed page's messages for the page's life, and warned 5 s after close()).
 * 2,317 B (+145 B): a recovery that ends past RECOVERY_WAIT lets go of the pages it took over
 * (they were held hostage while the page lived, +10 B); a page back from the back/forward cache
 * waits at most RECOVERY_WAIT for its check (it never reconnected where Web Locks hung, +40 B);
 * a closed socket leaves no listener on the window and, holding nothing, closes its database,
 * opened again by a later send() or reconnect() (every closed socket stayed reachable for the
 * page's life, +95 B).
 * 2,346 B (+29 B): one stored row that cannot be read back no longer aborts the reads of the rows
 * after it (they were deleted unsent); a socket closed while it takes over what ended pages left
 * lets go of it; a closed socket lets go of its listeners and database whenever it comes to hold
 * nothing (at the end of its recovery, a clearQueue(), an open it asked for), and keeps both
 * while it holds messages, so the back/forward cache check covers it (it sent twice).
 * 2,343 B (-3 B): a recovery that answers a closing or closed socket reads the flag the
 * statechange set, not readyState.
 * 2,347 B (+4 B): a back/forward-cache check that fails closes the connection it held.
 * 2,351 B (+4 B): a closed socket emptied while paused in the back/forward cache keeps its
 * pageshow listener until that pageshow unpauses it (it never connected again).
 * 2,559 B (+208 B), the fixes of a review: what a socket took over from ended pages is not sent
 * once deleteOutbox() deleted the outbox meanwhile, each dropped as 'cleared' (a logout sent the
 * logged-out user's messages, +48 B); a write refused outright keeps its deletes for a connection
 * opened again (a message stored and sent was sent again by the next page, +31 B); the deletes of
 * an aborted write are retried with a growing delay (thousands of transactions a second where
 * IndexedDB aborts them all, +47 B); an adopted message keeps the time of its first send() (maxAge
 * counted from the last leader, +21 B); a typed array over part of a buffer is stored as its own
 * bytes (the whole buffer went to disk, +38 B); options that are not an object throw (+23 B).
 * 2,640 B (+81 B): a closed socket that holds nothing leaves no retry of the outbox running where
 * IndexedDB refuses (an open or a write retried once a minute for the page's life): one retry,
 * the first, at once, then the deletes left wait for a reconnect() or a send(), which open the
 * database again for them even where the outbox was refused (+55 B); a DataView over part of a
 * buffer is stored as its own bytes (it has no slice(): the whole buffer went to disk, +26 B).
 * 2,649 B (+9 B): a leader tab's message read from an outbox deleted meanwhile (a logout) is told
 * to its tab as dropped, 'cleared', through adopt (a drop of the leader's own socket reached no
 * tab).
 */
export const OUTBOX_SIZE_BUDGET = 2649;

// Node has neither IndexedDB nor Web Locks: the outbox warns once and the socket keeps its queue
// in memory, which is what a page in a sandboxed iframe gets.
const USE = `console.warn = (...args) => console.log('warned', String(args[0]).includes('memory only'));
const socket = new HeartbeatSocket('ws://127.0.0.1:9/', [], { startClosed: true, WebSocket: class {}, outbox: indexedDbOutbox('orders') });
socket.send('x');
console.log(typeof deleteOutbox, socket.stats.queued);`;

describeEntryBesideCore({
  name: 'outbox',
  imports: 'indexedDbOutbox, deleteOutbox',
  use: USE,
  output: 'function 1\nwarned true',
  absentFromCore: /indexedDB\.open|deleteOutbox/,
  minified: './dist/outbox.umd.min.js',
  budget: OUTBOX_SIZE_BUDGET,
  global: 'HeartbeatWSOutbox',
  loaded: 'beside the core',
  functions: ['indexedDbOutbox', 'deleteOutbox'],
  // It runs there: without IndexedDB, a socket on it starts, in memory, once the outbox says so.
  run: `console = { warn() {} };
         const s = new HeartbeatWS.HeartbeatSocket('ws://127.0.0.1:9/', [], { WebSocket: class { constructor() { throw new Error('attempt'); } }, outbox: HeartbeatWSOutbox.indexedDbOutbox('o'), maxRetries: 0 });
         new Promise((resolve) => s.addEventListener('giveup', () => resolve(s.state)))`,
  result: 'closed',
});

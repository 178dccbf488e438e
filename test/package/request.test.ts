/**
 * The `heartbeat-ws/request` entry as users get it: by require(), by import, and by a <script>
 * tag (global `HeartbeatWSRequest`, after the core's), with its own size budget. Reads dist/,
 * which `npm test` builds first (pretest). The package-wide checks (publint, attw on the packed
 * tarball) are in package.test.ts and cover this entry too.
 */
import { describeEntryBesideCore } from './entry';

/**
 * The budget for the request minified UMD, gzipped (level 9), in bytes: what requests() adds to
 * a page that already loads the core (or shared). 1,351 B when set (request, deliver, dispose,
 * DropError, the argument checks). 1,400 B (+34 B): a payload with its own id field is refused
 * (the id overwrote it unseen; a new user's first request did).
 * 1,430 B (+30 B): a request pushed out of the replay buffer still waits for its reply (it was
 * written; its answer was thrown away), payloads told by their tag (a Map or a Uint8Array went
 * out garbled), and ids with a prefix of exactly ten characters (an app's `order~17` was taken
 * for another tab's reply and kept from the listeners).
 * 1,454 B (+24 B): deliver() sends a plain object or an array as its JSON (API.md's own example
 * passes one, and a JavaScript caller's went out as "[object Object]"); `signal: null` is no signal.
 * 1,489 B (+35 B): a request pushed out of the replay buffer settles (DropError, 'unconfirmed') once
 * the connection that carried it ends (with timeout: Infinity it waited for ever).
 * 1,568 B (+79 B): deliver() refuses an object JSON does not send whole (a Map, a Set, a Date), as
 * request() does, with a TypeError naming it (it wrote "[object Map]"); isData comes with it.
 * 1,586 B (+18 B): a review's findings: request() sends a class instance as its JSON (toJSON()
 * included), and a request answered before its pong then pushed out of the replay buffer leaves
 * no close listener behind (one stayed per such request).
 */
export const REQUEST_SIZE_BUDGET = 1586;

// A socket that never connects: a message sent now waits in its queue, and dispose() takes it back.
const USE = `const socket = new HeartbeatSocket('ws://127.0.0.1:9/', [], { startClosed: true, WebSocket: class {} });
const api = requests(socket);
api.request({ q: 1 }).catch((e) => console.log(typeof requests, e.name, socket.stats.queued, new DropError('overflow', 'x').name));
api.dispose();`;

describeEntryBesideCore({
  name: 'request',
  imports: 'requests, DropError',
  use: USE,
  output: 'function AbortError 0 DropError',
  absentFromCore: /DropError|requests\(/,
  minified: './dist/request.umd.min.js',
  budget: REQUEST_SIZE_BUDGET,
  global: 'HeartbeatWSRequest',
  loaded: 'after the core',
  functions: ['requests', 'DropError'],
  // It runs there: a request on a socket that never connects, disposed.
  run: `const s = new HeartbeatWS.HeartbeatSocket('ws://127.0.0.1:9/', [], { startClosed: true, WebSocket: class {} });
         const api = HeartbeatWSRequest.requests(s);
         const p = api.request({ q: 1 }).catch((e) => e.name);
         api.dispose();
         p`,
  result: 'AbortError',
});

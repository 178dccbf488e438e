/**
 * Pieces of the chaos test: a seeded fault schedule, a driver that plays it against a fault
 * proxy, a server-side ledger that dedupes a stream of stamped messages, and a paced sender.
 *
 * A message of the stream is the text `<id>|m<id>`, ids 1, 2, … N in the order `send()` was
 * called. The ledger counts, per id, how often the server received it.
 */
import type { WebSocket } from 'ws';
import type { FaultProxy } from './fault-proxy';
import { seededRandom, sleep } from './harness';
import type { ServerConnection } from './ws-server';

/**
 * - `reset`: every current connection gets a TCP RST, and so does every new one during the hold.
 * - `blackhole`: current connections go silent for good (half-open); new ones accepted during
 *   the hold are silent too (their handshake never completes).
 * - `blackhole+refuse`: current connections go silent for good; new ones are refused during
 *   the hold (the client notices the dead link and finds the server gone).
 * - `refuse`: new connections are refused during the hold; current ones keep working.
 */
export type FaultKind = 'reset' | 'blackhole' | 'blackhole+refuse' | 'refuse';

export interface Fault {
  /** ms after the stream starts. */
  at: number;
  kind: FaultKind;
  /** ms in the fault mode before the proxy goes back to `pass`. */
  hold: number;
}

const KINDS: FaultKind[] = ['reset', 'blackhole', 'blackhole+refuse', 'refuse'];

/** Hold range (ms) per kind: short enough that a slot always ends in `pass`. */
const HOLD: Record<FaultKind, [number, number]> = {
  reset: [30, 200],
  blackhole: [0, 250],
  'blackhole+refuse': [150, 300],
  refuse: [100, 300],
};

/**
 * `count` faults in `[start, end)` ms, one per equal slot, each kind `count / 4` times in a
 * seeded order, with seeded offsets and holds. The same seed gives the same schedule.
 */
export function faultSchedule(
  seed: number,
  { count = 12, start = 300, end = 5_400 }: { count?: number; start?: number; end?: number } = {},
): Fault[] {
  const random = seededRandom(seed);
  const kinds = Array.from({ length: count }, (_, i) => KINDS[i % KINDS.length]!);
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const slot = (end - start) / count;
  return kinds.map((kind, i) => {
    const [lo, hi] = HOLD[kind];
    const at = Math.round(start + i * slot + random() * Math.max(0, slot - hi - 50));
    return { at, kind, hold: Math.round(lo + random() * (hi - lo)) };
  });
}

/**
 * Plays `schedule` against `proxy`, times relative to `t0` (a `Date.now()`); resolves once the
 * last fault is over and the proxy is back in `pass`. `stop()` ends it early, in `pass`.
 */
export function playFaults(
  proxy: FaultProxy,
  schedule: readonly Fault[],
  t0: number,
): { done: Promise<void>; stop(): void; applied: Array<Fault & { late: number }> } {
  let stopped = false;
  const applied: Array<Fault & { late: number }> = [];
  const until = async (at: number): Promise<void> => {
    const wait = t0 + at - Date.now();
    if (wait > 0) await sleep(wait);
  };
  const done = (async () => {
    for (const fault of schedule) {
      await until(fault.at);
      if (stopped) break;
      applied.push({ ...fault, late: Date.now() - t0 - fault.at });
      if (fault.kind === 'blackhole+refuse') {
        proxy.setMode('blackhole');
        proxy.setMode('refuse');
      } else proxy.setMode(fault.kind);
      await until(fault.at + fault.hold);
      proxy.setMode('pass');
    }
    proxy.setMode('pass');
  })();
  return {
    done,
    stop() {
      stopped = true;
      proxy.setMode('pass');
    },
    applied,
  };
}

/** What the server made of the stream: receptions per id, duplicates, order of first arrivals. */
export class Ledger {
  readonly #counts: Uint32Array;
  /** Receptions of an id already received. */
  duplicates = 0;
  /** Distinct ids received. */
  unique = 0;
  /** Texts that are not `<id>|m<id>` with 1 ≤ id ≤ N. */
  malformed = 0;
  /** First arrivals of an id lower than an earlier first arrival. */
  orderViolations = 0;
  firstViolation: { id: number; after: number } | undefined;
  #lastFirst = 0;

  constructor(readonly messages: number) {
    this.#counts = new Uint32Array(messages + 1);
  }

  receive(text: string): void {
    const cut = text.indexOf('|');
    const id = Number(text.slice(0, cut));
    if (!(cut > 0 && Number.isInteger(id) && id >= 1 && id <= this.messages && text.slice(cut + 1) === `m${id}`)) {
      this.malformed += 1;
      return;
    }
    if (this.#counts[id]! > 0) this.duplicates += 1;
    else {
      this.unique += 1;
      if (id <= this.#lastFirst) {
        this.orderViolations += 1;
        this.firstViolation ??= { id, after: this.#lastFirst };
      }
      this.#lastFirst = id;
    }
    this.#counts[id]! += 1;
  }

  /** Ids 1..N never received, in order. */
  missing(): number[] {
    const out: number[] = [];
    for (let id = 1; id <= this.messages; id++) if (this.#counts[id] === 0) out.push(id);
    return out;
  }

  /**
   * The server's side, for `startTestServer({ onConnection })`: each message is handled in
   * arrival order, and `'ping'` is answered with `'pong'` only after everything received
   * before it on that connection is in the ledger.
   */
  readonly onConnection = (conn: ServerConnection): false => {
    const ws: WebSocket = conn.ws;
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : String(data);
      if (text === 'ping') {
        if (ws.readyState === ws.OPEN) ws.send('pong');
        return;
      }
      this.receive(text);
    });
    return false;
  };
}

/**
 * Calls `send(i)` for i = 1..count at a steady rate: message i is due `i × every` ms after the
 * start, and whatever is due goes out at each turn, so a busy event loop delays messages but
 * never stretches the stream. Anything still unsent at `deadline` ms goes out at once.
 */
export async function paceStream(
  count: number,
  every: number,
  send: (i: number) => void,
  deadline = count * every * 1.5,
): Promise<{ ms: number }> {
  const t0 = Date.now();
  let sent = 0;
  while (sent < count) {
    const elapsed = Date.now() - t0;
    const due = elapsed >= deadline ? count : Math.min(count, Math.floor(elapsed / every));
    while (sent < due) send(++sent);
    if (sent < count) await sleep(1);
  }
  return { ms: Date.now() - t0 };
}

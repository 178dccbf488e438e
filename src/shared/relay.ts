import type { Data, DropReason, SocketState, SocketStats } from '../internal';

/** What the leader tells every tab of the shared connection, with each event. */
export interface Snapshot {
  state: SocketState;
  url: string;
  protocol: string;
  extensions: string;
  retryCount: number;
  bufferedAmount: number;
  stats: SocketStats;
}

/**
 * The messages tabs exchange on the channel. `l` names a leadership term (a new one each time a
 * tab becomes leader), `from`/`to` a tab; `n` numbers one tab's sends, 1, 2, …
 */
export type Relayed =
  /** A tab joined: the leader answers with `lead`. */
  | { k: 'hello' }
  /** Term `l` holds the connection; followers hand it every message they keep. `c`: a clear of that tab is done. */
  | { k: 'lead'; l: string; s: Snapshot; c?: string }
  /** An event of the real socket (`statechange` included), with the state after it. */
  | { k: 'ev'; l: string; type: string; init: Record<string, unknown>; s: Snapshot }
  /** A message the real socket received: data `d`, origin `o`; no snapshot (it changes none of it). */
  | { k: 'm'; l: string; d: unknown; o: string }
  /** Messages `n`, `n + 1`, … of tab `from`, in order (one post per task, not per message). */
  | { k: 'send'; to: string; from: string; n: number; data: Data[] }
  /** Asks term `to` to act; `discard`: tab `from`'s messages up to `n` are dropped there, and taken no more. */
  | {
      k: 'do';
      to: string;
      what: 'reconnect' | 'probe' | 'clear' | 'discard';
      code?: number;
      reason?: string;
      /** A reconnect only if the connection is closed: the react hook's start. */
      closed?: boolean;
      from?: string;
      n?: number;
    }
  /**
   * Every message of tab `t` up to `marks[t]` has left the leader's socket (written, or
   * confirmed); `b`: the socket's bufferedAmount after that.
   */
  | { k: 'settled'; l: string; marks: Record<string, number>; b: number }
  /** Message `n` of tab `to` will not be sent. */
  | { k: 'drop'; to: string; n: number; reason: DropReason };

/** One tab's end of the channel. */
export interface Relay {
  /** Posts `message`, after the sends batched so far. */
  post(message: Relayed): void;
  /**
   * Hands message `n` of tab `from` to term `to`: messages of one task go in one post (one
   * structured clone), at the end of the task or before the next other post, whichever first.
   */
  send(to: string, from: string, n: number, data: Data): void;
  /** Posts the batched sends now. */
  flush(): void;
  close(): void;
}

/**
 * Opens the channel `name` over BroadcastChannel (scoped to the origin by the browser), handing
 * what the other tabs post to `receive`. A tab's own posts are not echoed back to it.
 */
export function relay(name: string, receive: (message: Relayed) => void): Relay {
  const bc = new BroadcastChannel(name);
  bc.onmessage = (event) => receive(event.data as Relayed);
  let open = true;
  let batch: Extract<Relayed, { k: 'send' }> | undefined;
  const flush = (): void => {
    if (batch && open) bc.postMessage(batch);
    batch = undefined;
  };
  return {
    post(message) {
      flush();
      if (open) bc.postMessage(message);
    },
    send(to, from, n, data) {
      if (batch && batch.to === to && batch.n + batch.data.length === n) return void batch.data.push(data);
      flush();
      batch = { k: 'send', to, from, n, data: [data] };
      queueMicrotask(flush);
    },
    flush,
    close() {
      open = false;
      batch = undefined;
      bc.close();
    },
  };
}
